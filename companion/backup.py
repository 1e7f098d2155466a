"""Backing up and restoring a desk's SQLite database, verified both ways.

Copying ``companion.db`` with ``cp`` while the window is open can catch a write half
done, and misses whatever still sits in the ``-wal`` file. A backup therefore uses
SQLite's online backup API inside one read transaction: the copy and the row counts
it is checked against come from the same moment, while other processes keep writing.
The copy is written beside its destination, switched to a single self-contained file
(no ``-wal``), checked (``PRAGMA integrity_check`` and every table's row count), and
only then renamed into place, so a failed backup never leaves a file that looks good.

A restore checks the backup before it touches anything: it must be an SQLite file
that passes the integrity check, holds Companion's ``schema_version`` table, and was
not written by a newer Companion than this one. A data dir that already has data is
only replaced with ``force``, and even then its database is kept aside first. The
search index is derived from the database, so a restore removes it to be rebuilt.

PostgreSQL has its own tools (``pg_dump`` / ``pg_restore``); for such a URL both
functions refuse with the command to use instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlparse

from companion.db import BUSY_TIMEOUT_MS, describe_location, url_without_password
from companion.errors import DatabaseUnavailable, InvalidInput, os_error_reason

SCHEMA_TABLE = "schema_version"
SQLITE_MAGIC = b"SQLite format 3\x00"
ASIDE_SUFFIX = ".before-restore-"


@dataclass(frozen=True)
class CopyReport:
    """What was copied and checked: shown to the person so they can trust the file."""

    source: Path
    target: Path
    rows: dict[str, int]
    versions: dict[str, int]
    size: int
    kept_aside: Path | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def backup_database(url: str, destination: Path, *, force: bool = False) -> CopyReport:
    """Copy the live database at ``url`` to ``destination``, verified, or raise why not."""
    source = _sqlite_file(url, "back up")
    if not source.is_file():
        raise InvalidInput(
            f"There is no database at {source}: nothing to back up. Is --data-dir right?"
        )
    target = _backup_target(destination.expanduser())
    if target.exists() and not force:
        raise InvalidInput(
            f"{target} already exists; nothing was written. "
            "Choose another name, or add --force to replace it."
        )
    if target.exists() and target.resolve() == source.resolve():
        raise InvalidInput(f"{target} is the database itself; choose another file.")
    with _opened(source, read_only=False) as live:
        _require_companion(live, source)
        live.execute("BEGIN")  # one snapshot for the copy and the counts
        rows = _row_counts(live)
        versions = _versions(live)
        with (
            _written_in_place(target) as partial,
            _opened(partial, read_only=False, shown=target) as copy,
        ):
            live.backup(copy)
            live.execute("COMMIT")
            # A backup is one file to carry around: no -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            _verify(copy, rows, target)
    return CopyReport(source, target, rows, versions, target.stat().st_size)


def restore_database(
    backup: Path,
    url: str,
    index_dir: Path,
    known: Mapping[str, int],
    *,
    force: bool = False,
) -> CopyReport:
    """Replace the database at ``url`` with ``backup`` after checking it; or raise why not.

    ``known`` maps each schema component to the newest version this Companion knows
    (the core and the playbook): a backup with a newer one is refused.
    """
    target = _sqlite_file(url, "restore")
    backup = backup.expanduser()
    if not backup.is_file():
        raise InvalidInput(f"There is no backup file at {backup}; nothing was changed.")
    with _opened_backup(backup) as source:
        rows = _row_counts(source)
        versions = _versions(source)
        _refuse_newer(versions, known, backup)
        if target.exists() and target.resolve() == backup.resolve():
            raise InvalidInput(f"{backup} is the database itself; nothing was changed.")
        existing = _existing_rows(target, force=force)
        if existing and not force:
            largest = sorted(existing.items(), key=lambda item: -item[1])[:4]
            held = ", ".join(f"{count:,} {table}" for table, count in largest)
            held += ", ..." if len(existing) > len(largest) else ""
            raise InvalidInput(
                f"The data dir already has a database with data ({target}: {held}). "
                "Nothing was changed. Restore into an empty --data-dir, or add --force to "
                "replace it (the current database is kept beside it)."
            )
        kept_aside = _keep_aside(target) if target.exists() else None
        with _written_in_place(target) as partial:
            with _opened(partial, read_only=False, shown=target) as copy:
                source.backup(copy)
                _verify(copy, rows, target)
            # A -wal or -shm left by the replaced database would be replayed onto the
            # restored one: they belong to the old file and go with it.
            for leftover in _sidecars(target):
                leftover.unlink(missing_ok=True)
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(index_dir)
    return CopyReport(backup, target, rows, versions, target.stat().st_size, kept_aside)


def _sqlite_file(url: str, action: str) -> Path:
    scheme = urlparse(url).scheme
    if scheme in ("postgres", "postgresql"):
        shown = url_without_password(url)
        if action == "back up":
            advice = f"pg_dump --format=custom --file companion.dump '{shown}'"
        else:
            advice = f"pg_restore --clean --if-exists --dbname '{shown}' companion.dump"
        raise InvalidInput(
            f"This data is on a PostgreSQL server ({describe_location(url)}), which Companion "
            f"does not {action} itself. Use PostgreSQL's own tool: {advice}"
        )
    if scheme not in ("sqlite", "sqlite3"):
        raise InvalidInput(f"Cannot {action} {url!r}: only SQLite databases are backed up here.")
    return Path(describe_location(url)).expanduser()


def _backup_target(destination: Path) -> Path:
    """A folder gets a dated file inside it, so ``backup /media/usb`` does what it says."""
    if destination.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return destination / f"companion-{stamp}.db"
    return destination


@contextlib.contextmanager
def _opened(
    path: Path, *, read_only: bool, shown: Path | None = None
) -> Iterator[sqlite3.Connection]:
    """A connection to ``path``; SQLite errors become one line naming ``shown`` (or path)."""
    mode = "ro" if read_only else "rwc"
    shown = shown or path
    try:
        connection = sqlite3.connect(
            f"file:{quote(str(path))}?mode={mode}",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
        )
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"{shown} cannot be opened: {exc}.") from exc
    try:
        yield connection
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(_explain(shown, exc)) from exc
    finally:
        connection.close()


@contextlib.contextmanager
def _opened_backup(backup: Path) -> Iterator[sqlite3.Connection]:
    """The backup opened read-only, after it proved to be a sound Companion database."""
    try:
        with backup.open("rb") as file:
            header = file.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise InvalidInput(f"{backup} cannot be read: {os_error_reason(exc)}") from exc
    if header != SQLITE_MAGIC:
        raise InvalidInput(
            f"{backup} is not a Companion backup (not an SQLite database). Nothing was changed."
        )
    with _opened(backup, read_only=True) as source:
        try:
            problems = [row[0] for row in source.execute("PRAGMA integrity_check(5)")]
        except sqlite3.DatabaseError as exc:
            raise InvalidInput(
                f"{backup} is damaged ({exc}); nothing was changed. Use another backup."
            ) from exc
        if problems != ["ok"]:
            raise InvalidInput(
                f"{backup} fails SQLite's integrity check ({'; '.join(problems)}); "
                "nothing was changed. Use another backup."
            )
        _require_companion(source, backup)
        yield source


def _require_companion(connection: sqlite3.Connection, path: Path) -> None:
    if SCHEMA_TABLE not in _tables(connection):
        raise InvalidInput(
            f"{path} is not a Companion database (it has no {SCHEMA_TABLE} table). "
            "Nothing was changed."
        )


def _refuse_newer(versions: Mapping[str, int], known: Mapping[str, int], backup: Path) -> None:
    for component, version in sorted(versions.items()):
        newest = known.get(component)
        if newest is None or version > newest:
            knows = f"up to {newest}" if newest is not None else "no such component"
            raise InvalidInput(
                f"{backup} was written by a newer Companion ({component} schema {version}; "
                f"this version knows {knows}). Nothing was changed; update Companion first."
            )
    if not versions:
        raise InvalidInput(f"{backup} records no schema version; it is not a Companion backup.")


def _existing_rows(target: Path, *, force: bool) -> dict[str, int]:
    """Tables of the target database that hold rows; nothing when there is no database.

    A damaged database is what a restore is for, but replacing it is still the
    person's decision: without ``force`` it is refused like one that holds data.
    """
    if not target.is_file() or target.stat().st_size == 0:
        return {}
    try:
        with _opened(target, read_only=False) as current:
            counts = _row_counts(current)
    except DatabaseUnavailable as exc:
        if force:
            return {"unreadable": 1}
        raise InvalidInput(
            f"The current database cannot be read ({exc}) Add --force to replace it with "
            "the backup; it is kept beside the restored one."
        ) from exc
    return {table: count for table, count in counts.items() if count and table != SCHEMA_TABLE}


def _keep_aside(target: Path) -> Path:
    """Copy the database about to be replaced (with its -wal content) next to it.

    A database SQLite cannot read is copied byte for byte, with its -wal, instead.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    aside = target.with_name(f"{target.name}{ASIDE_SUFFIX}{stamp}")
    try:
        with (
            _opened(target, read_only=False) as current,
            _written_in_place(aside) as partial,
            _opened(partial, read_only=False, shown=aside) as copy,
        ):
            current.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
    except DatabaseUnavailable:
        with _written_in_place(aside) as partial:
            shutil.copyfile(target, partial)
        wal = _sidecars(target)[0]
        if wal.exists():
            shutil.copyfile(wal, aside.with_name(aside.name + "-wal"))
    return aside


@contextlib.contextmanager
def _written_in_place(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed onto it only if the block succeeds."""
    partial = target.with_name(f".{target.name}.part-{os.getpid()}")
    try:
        for leftover in (partial, *_sidecars(partial)):
            leftover.unlink(missing_ok=True)
        # Created here so that a missing or unwritable folder, or a full disk, is
        # reported for the file the person named.
        partial.open("xb").close()
        yield partial
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except OSError as exc:
        raise InvalidInput(
            f"Could not write {target}: {os_error_reason(exc)} Nothing was written there."
        ) from exc
    finally:
        for leftover in (partial, *_sidecars(partial)):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)


def _sidecars(path: Path) -> tuple[Path, ...]:
    return tuple(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _verify(copy: sqlite3.Connection, expected: Mapping[str, int], target: Path) -> None:
    problems = [row[0] for row in copy.execute("PRAGMA integrity_check(5)")]
    if problems != ["ok"]:
        raise DatabaseUnavailable(
            f"The copy for {target} failed SQLite's integrity check ({'; '.join(problems)}); "
            "it was not kept."
        )
    counts = _row_counts(copy)
    if counts != dict(expected):
        differ = sorted(
            t for t in expected.keys() | counts.keys() if expected.get(t) != counts.get(t)
        )
        raise DatabaseUnavailable(
            f"The copy for {target} does not hold the same rows as its source "
            f"(tables {', '.join(differ)}); it was not kept."
        )


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [name for (name,) in rows]


def _row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    quoted = {table: '"' + table.replace('"', '""') + '"' for table in _tables(connection)}
    return {
        table: connection.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
        for table, name in quoted.items()
    }


def _versions(connection: sqlite3.Connection) -> dict[str, int]:
    try:
        rows = connection.execute(f"SELECT component, version FROM {SCHEMA_TABLE}").fetchall()
    except sqlite3.DatabaseError:
        return {}
    versions: dict[str, int] = {}
    for component, version in rows:
        if not isinstance(version, int):
            raise InvalidInput(
                f"The {SCHEMA_TABLE} table records {component!r} version {version!r}, which "
                "Companion cannot read: this is not a sound Companion database."
            )
        versions[str(component)] = version
    return versions


def _explain(path: Path, exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (
            f"The database {path} stayed locked by another program. Nothing was changed; "
            "try again in a moment."
        )
    if "not a database" in text or "malformed" in text:
        return f"{path} is not a Companion database (or is damaged). Nothing was changed."
    if "full" in text:
        return f"The disk holding {path} is full. Nothing was kept; free some space and try again."
    return f"The database {path} reported an error: {exc}. Nothing was changed."
