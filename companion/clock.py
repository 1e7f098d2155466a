"""The two clocks records need besides :func:`companion.db.utcnow`.

Audit and promise events keep microseconds, so two changes made in the same second
still list in the order they happened. "Today" for due dates is the desk's local
date, because a promise made "for Friday" means the agent's Friday, not UTC's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow_precise() -> datetime:
    """Naive UTC with microseconds, for ordering events that share a second."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    return datetime.now().astimezone().date()
