"""How this Companion was started: from the source tree or as the offline installer's app.

From a checkout, Companion is ``python main.py``. The offline installer ships a frozen
app (PyInstaller) whose one executable, ``companion``, is both the window and the
command line, with no ``main.py`` beside it. Whatever tells a person what to type
(the first-admin hint, ``--help``'s usage line) and where an installer's
``site.ini`` goes follow from which of the two is running.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path


def is_frozen() -> bool:
    """True inside the offline installer's app (PyInstaller sets ``sys.frozen``)."""
    return bool(getattr(sys, "frozen", False))


def program_name() -> str:
    """The name ``--help`` shows: the executable in the installed app, else ``main.py``."""
    return "companion" if is_frozen() else "main.py"


def app_dir() -> Path:
    """The folder holding the launcher: ``main.py``'s, or the frozen ``companion``'s.

    A site drops an app-wide ``site.ini`` there. In the frozen app the modules live
    one level down, in ``_internal/``, so ``__file__`` would point at the wrong place.
    """
    if is_frozen():
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def command_words() -> list[str]:
    """The words that start Companion again from a shell, before any option.

    The executable is given relative to the current folder when it lies under it
    (``.venv/bin/python main.py``), as a person would type it; otherwise in full.
    """
    executable = Path(sys.executable)
    as_typed = str(executable)
    with contextlib.suppress(ValueError):
        as_typed = str(executable.relative_to(Path.cwd()))
        if is_frozen() and "/" not in as_typed:
            as_typed = f"./{as_typed}"
    return [as_typed] if is_frozen() else [as_typed, "main.py"]
