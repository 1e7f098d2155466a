"""The values the playbook-release operations hand back: plain, frozen, Qt-free.

The command line prints them and the window shows them; neither needs to know how a
release file is laid out or how conflicts are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path


class Resolution(StrEnum):
    """How a supervisor settles an article that conflicts with a head-office release."""

    KEEP_OURS = "keep-ours"  # the site's version stays; head office's revisions stay in history
    TAKE_THEIRS = "take-theirs"  # head office's version becomes what agents see
    EDITED = "edited"  # the supervisor wrote a merged version (a new revision)


@dataclass(frozen=True)
class ReleaseManifest:
    """What a .cpb file says about itself, after every checksum passed."""

    release_id: str
    number: int
    label: str
    parent_id: str | None
    series: str
    author: str
    made_at: datetime
    article_count: int
    schema: int


@dataclass(frozen=True)
class ChangedArticle:
    slug: str
    title: str
    change: str  # "added" | "updated" | "conflict" | "unpublished"


@dataclass(frozen=True)
class ReleaseApplied:
    """The report of ``playbook update``."""

    release: ReleaseManifest
    already_installed: bool
    added: int
    updated: int
    unchanged: int
    conflicts: int
    changed: tuple[ChangedArticle, ...]
    unpublished: int = 0
    rules_added: int = 0
    rules_updated: int = 0
    rules_kept_local: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseMade:
    release: ReleaseManifest
    path: Path
    size_bytes: int


@dataclass(frozen=True)
class RevisionSide:
    """One side of a conflict, for the diff."""

    revision_id: str
    title: str
    body: str
    saved_by: str
    saved_at: datetime


@dataclass(frozen=True)
class ReleaseConflict:
    article_id: str
    slug: str
    title: str
    release_label: str
    ours: RevisionSide
    theirs: RevisionSide

    @property
    def message(self) -> str:
        return f"conflicts with head office release {self.release_label}"


@dataclass(frozen=True)
class ReleaseNotice:
    """Shown once per user after a release changed articles."""

    release_id: str
    label: str
    changed: tuple[ChangedArticle, ...]

    @property
    def message(self) -> str:
        return f"Playbook updated to release {self.label}: {len(self.changed)} articles changed"


def release_label(number: int) -> str:
    """The name people say: release 7 is "R7"."""
    return f"R{number}"
