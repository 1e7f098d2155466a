"""Companion's launcher: the window by default, a command-line tool with a sub-command.

The command line never imports Qt; the window is imported only when no sub-command
is given. Someone trying ``python main.py`` with a Python that lacks the pinned
dependencies (the system one, not ``.venv``) gets one line saying what to run
instead, not an import traceback. The offline installer's frozen app runs this file
too; there a missing package is a flaw of the build, so it keeps its traceback, and
a Qt that cannot load points at the installer's library check.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

MINIMUM_PYTHON = (3, 11)
# The packages this repository provides: a missing one is a broken checkout, not a
# missing dependency, and keeps its traceback.
OWN_PACKAGES = {"cli", "companion", "kb", "ui", "resources"}
HOW_TO_RUN = "Run `make run` (it creates .venv with the pinned dependencies), or use .venv/bin/python main.py"


def _missing_package(exc: ImportError) -> str | None:
    """The one-line explanation for a missing third-party package, or None."""
    if getattr(sys, "frozen", False):
        return None
    missing = (exc.name or "").split(".")[0]
    if isinstance(exc, ModuleNotFoundError) and missing and missing not in OWN_PACKAGES:
        return f"Companion cannot start: the Python package '{missing}' is missing. {HOW_TO_RUN}."
    return None


def main(argv: list[str] | None = None) -> int:
    if sys.version_info < MINIMUM_PYTHON:
        found = ".".join(map(str, sys.version_info[:3]))
        print(
            f"Companion needs Python 3.11 or newer; this is {found}. {HOW_TO_RUN}.", file=sys.stderr
        )
        return 1
    try:
        from cli.main import parse_args, run_command
    except ImportError as exc:
        return _explain(exc, _missing_package(exc))
    args = parse_args(argv)
    if args.command is not None:
        return run_command(args)
    _coerce_c_locale_when_frozen()
    try:
        from ui.app import run_app
    except ImportError as exc:
        # PySide6 is there but its Qt libraries cannot load their system libraries.
        qt_failed = (
            f"Companion cannot open its window: Qt did not load ({exc}). Run "
            "`sh tools/ensure-qt-libs.sh .venv/bin/python` to find and install what is missing."
        )
        if getattr(sys, "frozen", False):
            installer = Path(sys.executable).resolve().parent / "install.sh"
            qt_failed = (
                f"Companion cannot open its window: Qt did not load ({exc}). Run "
                f"`sh {shlex.quote(str(installer))} --check` to see which system packages "
                "it needs."
            )
        qt_related = "shared object" in str(exc) or (exc.name or "").startswith("PySide6")
        return _explain(exc, _missing_package(exc) or (qt_failed if qt_related else None))
    return run_app(data_dir=args.data_dir, db_url=args.db, quit_when_shown=args.quit_when_shown)


def _coerce_c_locale_when_frozen() -> None:
    """In the C locale, give Qt a UTF-8 one, as ``python main.py`` itself does (PEP 538).

    The interpreter sets ``LC_CTYPE=C.UTF-8`` before any code runs; PyInstaller's
    launcher does not, and Qt then prints a four-line locale warning at every start
    of the installed app on a machine (or under ``env -i``) with no locale set.
    """
    if not getattr(sys, "frozen", False) or os.environ.get("LC_ALL"):
        return
    chosen = os.environ.get("LC_CTYPE") or os.environ.get("LANG") or "C"
    if chosen in ("C", "POSIX"):
        os.environ["LC_CTYPE"] = "C.UTF-8"


def _explain(exc: ImportError, message: str | None) -> int:
    if message is None:
        raise exc
    print(message, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
