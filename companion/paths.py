"""Where Companion keeps its data.

One place decides the data directory so that tests, the CLI and the window all agree,
and so that tests never touch the real home directory: an explicit ``--data-dir``
wins, then ``COMPANION_DATA_DIR``, then the platform's user data directory.

The database follows the same rule: ``--db``, then ``COMPANION_DB_URL``, then a
``site.ini`` (``[database] url = ...``) that an installer drops in the data dir or
next to the app (the folder holding main.py, or the installed app's ``companion``
executable; the data dir's copy wins), then SQLite in the data dir. A site points
every desk at its shared PostgreSQL store this way without anyone typing a URL.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import platformdirs

from companion.errors import DataDirUnavailable, InvalidInput, os_error_reason
from companion.launcher import app_dir

APP_NAME = "Companion"
DATA_DIR_ENV = "COMPANION_DATA_DIR"
DB_URL_ENV = "COMPANION_DB_URL"
DB_FILENAME = "companion.db"
INDEX_DIRNAME = "search-index"
SITE_FILENAME = "site.ini"
# Where the app-wide site.ini is looked for; tests point it at a folder of their own.
APP_DIR_ENV = "COMPANION_APP_DIR"
APP_DIR = app_dir()


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
    """The database URL: explicit, ``COMPANION_DB_URL``, site.ini, then SQLite in the data dir.

    An empty ``COMPANION_DB_URL`` means unset, as shells treat ``VAR=``; an explicit
    empty ``--db ""`` (an unset variable in a script) is passed on, to be refused.
    """
    if explicit is not None:
        return explicit
    if os.environ.get(DB_URL_ENV):
        return os.environ[DB_URL_ENV]
    site_url = site_setting(data_dir, "database", "url")
    if site_url:
        return site_url
    return f"sqlite:///{data_dir / DB_FILENAME}"


def site_files(data_dir: Path) -> list[Path]:
    """The site.ini files that apply, strongest first: the data dir's, then the app's."""
    app_dir = Path(os.environ.get(APP_DIR_ENV) or APP_DIR)
    candidates = [data_dir / SITE_FILENAME, app_dir / SITE_FILENAME]
    return [path for path in candidates if path.is_file()]


def site_setting(data_dir: Path, section: str, key: str) -> str | None:
    """A value from the strongest site.ini that sets it (empty counts as unset)."""
    for path in site_files(data_dir):
        value = _read_site_file(path).get(section, key, fallback="").strip()
        if value:
            return value
    return None


def _read_site_file(path: Path) -> configparser.ConfigParser:
    """Parse one site.ini; a file that cannot be read or parsed is named, not skipped.

    Skipping it would quietly put a desk on its own SQLite file while the site's
    records go to the shared store.
    """
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except OSError as exc:
        raise DataDirUnavailable(
            f"The site settings {path} cannot be read: {os_error_reason(exc)}"
        ) from exc
    except (configparser.Error, UnicodeDecodeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInput(
            f"The site settings {path} cannot be understood ({reason}). It should look like:"
            " [database] on one line, then url = postgresql://HOST/NAME on the next."
        ) from exc
    return parser


def index_dir(data_dir: Path) -> Path:
    """The search index is derived data and lives beside the database."""
    return data_dir / INDEX_DIRNAME
