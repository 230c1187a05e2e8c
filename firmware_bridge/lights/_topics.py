"""Checks shared by the MQTT light kinds."""

from __future__ import annotations


def check_topic(address: str, what: str = "topic") -> str:
    if not address:
        raise ValueError(f"a {what} is required")
    if set(address) & set("+#\x00") or address.startswith("/") or address.endswith("/"):
        raise ValueError(f"{address!r} is not a valid MQTT {what}")
    return address


def online_word(payload: bytes) -> bool | None:
    """``online``/``Online`` → True, ``offline``/``Offline`` → False, else None."""
    word = payload.strip().lower()
    return True if word == b"online" else False if word == b"offline" else None
