"""``backup PATH`` and ``restore PATH``: a verified copy of the database, and back.

These open the database file directly rather than the workspace: a backup must not
migrate, load the default playbook or open the search index of the data it copies,
and a restore replaces the very database the workspace would open.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from companion.backup import CopyReport, backup_database, restore_database
from companion.paths import index_dir, resolve_data_dir, resolve_db_url
from companion.schema import CORE
from kb.schema import PLAYBOOK

COMPONENTS = (CORE, PLAYBOOK)


def register(commands: Any) -> None:
    backup = commands.add_parser(
        "backup",
        help="write a verified copy of the database (safe while Companion is running)",
        description="Copy the SQLite database to PATH while Companion may be running, then "
        "check the copy (SQLite's integrity check, and the row count of every table against "
        "the database at the same moment). PATH may be a folder: the copy is named "
        "companion-DATE-TIME.db inside it. For PostgreSQL, use pg_dump.",
    )
    backup.add_argument("path", metavar="PATH", help="file (or folder) to write the backup to")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    backup.set_defaults(handler=cmd_backup)

    restore = commands.add_parser(
        "restore",
        help="replace the database with a backup, after checking it",
        description="Check the backup (a Companion database that passes SQLite's integrity "
        "check, written by this Companion or an older one) and make it the data dir's "
        "database. A data dir whose database already holds data is only replaced with "
        "--force; the replaced database is kept beside it. The search index is rebuilt on "
        "the next start. Close Companion windows on this data dir first.",
    )
    restore.add_argument("path", metavar="PATH", help="the backup file")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    restore.set_defaults(handler=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    report = backup_database(resolve_db_url(data_dir, args.db), Path(args.path), force=args.force)
    print(
        f"Backed up {report.source} to {report.target} ({_size(report.size)}): integrity "
        f"check ok, {report.total_rows:,} rows in {len(report.rows)} tables, every count "
        f"matches. Schema: {_versions(report)}."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    report = restore_database(
        Path(args.path),
        resolve_db_url(data_dir, args.db),
        index_dir(data_dir),
        {component.name: component.latest for component in COMPONENTS},
        force=args.force,
    )
    print(
        f"Restored {report.source} into {report.target}: integrity check ok, "
        f"{report.total_rows:,} rows in {len(report.rows)} tables. Schema: {_versions(report)}. "
        "The search index is rebuilt when Companion next starts."
    )
    if report.kept_aside is not None:
        print(f"The database it replaced is kept as {report.kept_aside}.")
    return 0


def _versions(report: CopyReport) -> str:
    return ", ".join(f"{name} {version}" for name, version in sorted(report.versions.items()))


def _size(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:,.1f} KB"
    return f"{size / (1024 * 1024):,.1f} MB"
