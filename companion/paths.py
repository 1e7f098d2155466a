"""Where Companion keeps its data.

One place decides the data directory so that tests, the CLI and the window all agree,
and so that tests never touch the real home directory: an explicit ``--data-dir``
wins, then ``COMPANION_DATA_DIR``, then the platform's user data directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from companion.errors import DataDirUnavailable, os_error_reason

APP_NAME = "Companion"
DATA_DIR_ENV = "COMPANION_DATA_DIR"
DB_URL_ENV = "COMPANION_DB_URL"
DB_FILENAME = "companion.db"
INDEX_DIRNAME = "search-index"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory, creating it if needed.

    Raises :class:`DataDirUnavailable` when it cannot be made (a file in the way, a
    read-only parent): the desk needs to hear where and why, not a traceback. Several
    processes creating it at once is fine: ``exist_ok`` makes the losers' mkdir a no-op.
    """
    if explicit:
        chosen = Path(explicit)
    elif os.environ.get(DATA_DIR_ENV):
        chosen = Path(os.environ[DATA_DIR_ENV])
    else:
        chosen = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    chosen = chosen.expanduser()
    if chosen.exists() and not chosen.is_dir():
        raise DataDirUnavailable(
            f"The data folder {chosen} cannot be used: a file of that name is in the way. "
            "Move the file, or choose another --data-dir."
        )
    try:
        chosen.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirUnavailable(
            f"The data folder {chosen} cannot be created: {os_error_reason(exc)}"
        ) from exc
    return chosen


def resolve_db_url(data_dir: Path, explicit: str | None = None) -> str:
    """Return the database URL: explicit, then ``COMPANION_DB_URL``, then SQLite in the data dir.

    An empty ``COMPANION_DB_URL`` means unset, as shells treat ``VAR=``; an explicit
    empty ``--db ""`` (an unset variable in a script) is passed on, to be refused.
    """
    if explicit is not None:
        return explicit
    if os.environ.get(DB_URL_ENV):
        return os.environ[DB_URL_ENV]
    return f"sqlite:///{data_dir / DB_FILENAME}"


def index_dir(data_dir: Path) -> Path:
    """The search index is derived data and lives beside the database."""
    return data_dir / INDEX_DIRNAME
