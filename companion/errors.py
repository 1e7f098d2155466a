"""Errors a user can act on.

Each carries a message written for the person at the desk; the CLI prints it and
the window shows it, and neither prints a traceback for these.
"""

from __future__ import annotations


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
