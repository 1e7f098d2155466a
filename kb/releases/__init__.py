"""Playbook releases: head office packs its playbook into one checked file, sites apply it.

A release (.cpb) carries every published article with its whole revision history and
the phrasing rules; applying it keeps history, never overwrites a site's local edit
(it becomes a conflict for a supervisor to resolve) and is all-or-nothing.

Modules, one concept each: :mod:`~kb.releases.bundle` (the file format),
:mod:`~kb.releases.making`, :mod:`~kb.releases.applying` (order checks, the one
transaction), :mod:`~kb.releases.articles` (one article: match, edited-here,
conflict), :mod:`~kb.releases.history` (revisions with their original ids, the head
invariant), :mod:`~kb.releases.authors`, :mod:`~kb.releases.rules`,
:mod:`~kb.releases.conflicts`, :mod:`~kb.releases.notices`.
"""

from __future__ import annotations

from kb.releases.applying import apply_release, installed_release, read_release
from kb.releases.conflicts import conflict_for, release_conflicts, resolve_conflict
from kb.releases.making import make_release
from kb.releases.notices import mark_notice_seen, pending_notice
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
