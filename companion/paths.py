"""Where Companion keeps its data.

One place decides the data directory so that tests, the CLI and the window all agree,
and so that tests never touch the real home directory: an explicit ``--data-dir``
wins, then ``COMPANION_DATA_DIR``, then the platform's user data directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Companion"
DATA_DIR_ENV = "COMPANION_DATA_DIR"
DB_URL_ENV = "COMPANION_DB_URL"
DB_FILENAME = "companion.db"
INDEX_DIRNAME = "search-index"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory, creating it if needed."""
    if explicit:
        chosen = Path(explicit)
    elif os.environ.get(DATA_DIR_ENV):
        chosen = Path(os.environ[DATA_DIR_ENV])
    else:
        chosen = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    chosen = chosen.expanduser()
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def resolve_db_url(data_dir: Path, explicit: str | None = None) -> str:
    """Return the database URL: explicit, then ``COMPANION_DB_URL``, then SQLite in the data dir."""
    if explicit:
        return explicit
    if os.environ.get(DB_URL_ENV):
        return os.environ[DB_URL_ENV]
    return f"sqlite:///{data_dir / DB_FILENAME}"


def index_dir(data_dir: Path) -> Path:
    """The search index is derived data and lives beside the database."""
    return data_dir / INDEX_DIRNAME
