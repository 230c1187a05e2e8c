"""Transports move bytes: a serial port, an MQTT connection. They know nothing of looks."""
