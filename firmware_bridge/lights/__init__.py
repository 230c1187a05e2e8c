"""One module per kind of light. Each module declares:

- ``KIND``: the name used in configuration (``fit-statusb``, ``wled``, …);
- ``TRANSPORT``: ``serial``, ``mqtt``, ``hid`` or ``virtual``;
- ``check_address(address) -> str``: validate/normalise the configured address;
- ``build(spec, env) -> LightDriver``: the driver that shows looks on that light;
- and the pure protocol functions that turn a look into bytes or MQTT messages, tested
  by their exact output.

Adding a kind is adding a module here: :func:`light_kinds` finds it (at call time, never
at import time). Modules whose name starts with ``_`` are shared helpers, not kinds.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from firmware_bridge.errors import ConfigError


def light_kinds() -> dict[str, ModuleType]:
    """Every light kind, by its configuration name."""
    kinds: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        kind = getattr(module, "KIND", None)
        if kind is None:
            continue
        if kind in kinds:
            raise ConfigError(f"two light modules claim kind {kind!r}")
        kinds[kind] = module
    return kinds
