"""Floorlight: real-time call-quality monitoring for contact-center floors."""

__version__ = "0.1.0"
