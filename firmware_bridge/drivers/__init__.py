"""Drivers keep one light showing its current look: they coalesce to the newest command,
re-send it as a heartbeat, reconnect with backoff and report health. One per light, so a
dead or slow light never holds up the others."""
