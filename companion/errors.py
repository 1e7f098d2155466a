"""Errors a user can act on.

Each carries a message written for the person at the desk; the CLI prints it and
the window shows it, and neither prints a traceback for these.
"""

from __future__ import annotations

import errno


class CompanionError(Exception):
    """Base for every error whose message is meant for the user."""


class DatabaseUnavailable(CompanionError):
    """The database cannot be opened or written (locked, read-only, missing driver)."""


class NewerSchemaError(DatabaseUnavailable):
    """The database was written by a newer Companion; we refuse to touch it."""


class NotFound(CompanionError):
    """An id, slug or name that does not exist."""


class InvalidInput(CompanionError):
    """Input that cannot be accepted as given; the message says how to fix it."""


class PermissionDenied(CompanionError):
    """The acting user's role does not allow this operation."""


class DamagedRecord(CompanionError):
    """A stored value Companion cannot read, usually one edited into the database by hand.

    The message names the table, row and column, so whoever edited it can put it right;
    the rest of the database is untouched and still usable.
    """

    def __init__(self, table: str, row: object, column: str, value: object) -> None:
        super().__init__(
            "The database has a value Companion cannot read: "
            f"table {table}, row {row}, column {column} = {_shown(value)}. "
            "Was it edited by hand? Put back a valid value, or restore a backup."
        )
        self.table = table
        self.row = row
        self.column = column
        self.value = value


class DataDirUnavailable(CompanionError):
    """The data directory cannot be created or used (a file in the way, no permission)."""


def describe_os_error(exc: OSError, what: str = "cannot use") -> str:
    """One line for a file-system failure: what, where, and why in the system's words."""
    where = f" {exc.filename}" if exc.filename else ""
    return f"{what}{where}: {os_error_reason(exc)}"


def os_error_reason(exc: OSError) -> str:
    """The system's reason, with a hint for a full disk or a read-only place: what a desk can fix."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{reason}.{_OS_HINTS.get(exc.errno or 0, '')}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_PERMISSIONS_HINT = " Check the folder's permissions, or choose another --data-dir."
_OS_HINTS = {
    errno.ENOSPC: " The disk is full: free some space and try again; what was saved is kept.",
    errno.EROFS: " The file system is read-only: choose another --data-dir.",
    errno.EACCES: _PERMISSIONS_HINT,
    errno.EPERM: _PERMISSIONS_HINT,
}
