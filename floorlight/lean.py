"""Keep libraries a service process never uses out of it: pandas, and pytest.

scikit-learn imports pandas whenever it is installed (``sklearn/utils/fixes.py`` does
``try: import pandas``), so any process that loads a model pays about 60 MB of resident
memory for a library only the dashboard uses, and the dashboard runs in its own process.
skops imports every scikit-learn module when it is imported (``sklearn.utils.all_estimators``
in ``skops/io/_trusted_types.py``), ``sklearn.utils._testing`` among them, which imports
pytest when it is installed: 6 MB more, and only where the development extras are (a
production install has no pytest). :func:`refuse_unused_libraries` makes importing either
fail in this process; scikit-learn then takes the path it takes where they are not installed.

Only a process's entry point may call it, for a process that will never need them:
``floorlight/cli.py`` does for :data:`COMMANDS` when it runs the process's own command line.
Never call it from library code, from the dashboard, or anywhere a test may run in-process
(the tests import the dashboard in the same interpreter, and pytest itself is there).
"""

from __future__ import annotations

import importlib.abc
import sys

REFUSED = frozenset({"pandas", "pytest"})
"""Top-level packages refused, with all their submodules."""

COMMANDS = frozenset({"ingest", "monitor", "replay", "score", "simulate"})
"""The CLI subcommands that refuse them: they score turns (``simulate`` runs the monitor in its
own process for ``floorlight up``) and none of their code or libraries needs either."""


class _Refuse(importlib.abc.MetaPathFinder):
    """A finder asked before all others that refuses :data:`REFUSED`.

    Not the idiom the import system documents, ``sys.modules["pandas"] = None``:
    scikit-learn 1.9 (``sklearn/utils/_dataframe.py``) reads ``sys.modules["pandas"]`` and
    takes ``.DataFrame`` of whatever it finds there, so a ``None`` breaks ``fit`` and
    ``predict_proba``. Refusing in a finder leaves the name out of ``sys.modules``, which
    scikit-learn reads as "pandas not imported"."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname.partition(".")[0] in REFUSED:
            raise ModuleNotFoundError(f"{fullname} is kept out of this process ({__name__})",
                                      name=fullname)
        return None


def refuse_unused_libraries() -> None:
    """From now on importing :data:`REFUSED` raises :class:`ModuleNotFoundError` in this
    process. Idempotent; a module already imported stays (call it before anything imports
    scikit-learn)."""
    if not any(isinstance(finder, _Refuse) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Refuse())
