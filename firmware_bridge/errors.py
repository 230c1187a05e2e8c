"""The bridge's one root exception, :class:`LightError`, and the few kinds of it callers
branch on. Third-party exceptions (pyserial, paho, busylight-core) are converted where they
enter our code, with ``raise ... from err``."""

from __future__ import annotations


class LightError(Exception):
    """Anything that went wrong driving a light. ``retryable`` says whether backing off
    and trying again can help (a device unplugged) or not (a bad configuration)."""

    retryable: bool = True


class DeviceGone(LightError):
    """The port or connection failed (unplugged, I/O error, no answer): reconnect."""


class NotALight(LightError):
    """Something answered, but not as the configured kind of light would."""


class Rejected(LightError):
    """The light understood the framing but refused the command (``{"ok":false}``)."""


class BadMessage(LightError):
    """A desk-state message that cannot be used (malformed JSON, unknown state, …)."""

    retryable = False


class ConfigError(LightError):
    """A configuration mistake, reported at start-up with the file, line and key."""

    retryable = False

    def __init__(self, message: str, *, source: str = "", line: int | None = None,
                 key: str = "") -> None:
        where = source + (f":{line}" if line else "") if source else ""
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.line = line
        self.key = key
