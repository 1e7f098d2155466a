"""The release work the window hands its runner: Qt-free, run off the UI thread.

Each wraps a :mod:`kb.releases` operation with what the window needs in the same job:
the search index brought up to date with the articles the operation noted (so a view
refreshing on the runner's ``changed`` signal already searches the new text), and,
for the supervisor who applied a release, its notice marked seen (they just read the
full report; the banner is for everyone else).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from companion.changes import Changes, Topic, collecting
from companion.errors import CompanionError
from companion.users import User
from kb.releases import (
    ReleaseApplied,
    ReleaseManifest,
    Resolution,
    apply_release,
    installed_release,
    mark_notice_seen,
    read_release,
    release_conflicts,
    resolve_conflict,
)
from kb.remote_changes import apply_article_changes
from kb.search.index import SearchIndex

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def conflicts_topics() -> tuple[Topic, ...]:
    """Changes that may open or settle a conflict: a release, or an article saved."""
    return (Topic.RELEASES, Topic.ARTICLES)


def inspect_release(path: Path) -> tuple[ReleaseManifest, ReleaseManifest | None]:
    """The file's manifest (every checksum verified, nothing applied) and what is installed."""
    return read_release(path), installed_release()


def apply_and_index(
    index: SearchIndex | None,
    user: User,
    path: Path,
    force: bool,
    progress: Progress | None,
    indexing: Callable[[], None] | None = None,
) -> ReleaseApplied:
    """Apply the release, index what it changed, and spare its applier the notice.

    ``indexing`` is called once the release is in the database, before the search
    index takes its articles (which, for thousands of them, is worth saying).
    """
    with collecting() as noted:
        applied = apply_release(user, path, force=force, progress=progress)
    if not applied.already_installed:
        mark_notice_seen(user, applied.release.release_id)
    if indexing is not None and noted.changes.articles:
        indexing()
    _index(index, noted.changes)
    return applied


def resolve_and_index(
    index: SearchIndex | None,
    user: User,
    article_id: str,
    slug: str,
    resolution: Resolution,
    body: str | None,
) -> str:
    """Settle one conflict and index the article agents now read; returns its slug."""
    with collecting() as noted:
        resolve_conflict(user, article_id, resolution, body)
    _index(index, noted.changes | Changes.of([(Topic.ARTICLES, slug)]))
    return slug


def conflict_count() -> int:
    return len(release_conflicts())


def _index(index: SearchIndex | None, changes: Changes) -> None:
    """The database already holds the change; an index that cannot follow is rebuilt later."""
    if index is None or not changes.articles:
        return
    try:
        apply_article_changes(index, changes)
    except CompanionError:
        log.warning("the search index did not take the release's articles", exc_info=True)
