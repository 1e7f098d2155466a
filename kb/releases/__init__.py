"""Playbook releases: head office packs its playbook into one checked file, sites apply it.

A release (.cpb) carries every published article with its whole revision history and
the phrasing rules; applying it keeps history, never overwrites a site's local edit
(it becomes a conflict for a supervisor to resolve) and is all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from companion.users import User
from kb.releases.reports import (
    ChangedArticle,
    ReleaseApplied,
    ReleaseConflict,
    ReleaseMade,
    ReleaseManifest,
    ReleaseNotice,
    Resolution,
    RevisionSide,
    release_label,
)

__all__ = [
    "ChangedArticle",
    "ReleaseApplied",
    "ReleaseConflict",
    "ReleaseMade",
    "ReleaseManifest",
    "ReleaseNotice",
    "Resolution",
    "RevisionSide",
    "apply_release",
    "conflict_for",
    "installed_release",
    "make_release",
    "mark_notice_seen",
    "pending_notice",
    "read_release",
    "release_conflicts",
    "release_label",
    "resolve_conflict",
]


def make_release(user: User, out: Path) -> ReleaseMade:
    """Write every published article with its history and the phrasing rules to ``out``."""
    raise NotImplementedError


def read_release(path: Path) -> ReleaseManifest:
    """Verify every checksum of a release file and say what it is; applies nothing."""
    raise NotImplementedError


def apply_release(
    user: User,
    path: Path,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ReleaseApplied:
    """Apply a verified release in one transaction; twice is the same as once."""
    raise NotImplementedError


def installed_release() -> ReleaseManifest | None:
    """The newest release applied to this playbook, or None."""
    raise NotImplementedError


def release_conflicts() -> list[ReleaseConflict]:
    """Open conflicts, by title."""
    raise NotImplementedError


def conflict_for(slug: str) -> ReleaseConflict | None:
    """The open conflict of one article, for the article view's flag."""
    raise NotImplementedError


def resolve_conflict(
    user: User, article_id: str, resolution: Resolution, edited_body: str | None = None
) -> None:
    """Settle a conflict (supervisor/admin); audited and noted."""
    raise NotImplementedError


def pending_notice(user: User) -> ReleaseNotice | None:
    """The newest release this user has not been told of."""
    raise NotImplementedError


def mark_notice_seen(user: User, release_id: str) -> None:
    """The user saw the notice of this release (and so of every older one)."""
    raise NotImplementedError
