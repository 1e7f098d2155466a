"""Applying a release: verify all of it, then change everything in one transaction.

The file is read and checked whole first (every checksum, every value); nothing is
written until then. The order check comes next, against what is installed: the same
release again is a no-op that says so; an older release of the same series, or one
from another head office's series, is refused unless ``force``. Then articles, rules
and the release's own record are written in one transaction, so a failure midway
(a full disk, a lost connection) leaves the playbook exactly as it was.

The search index is not this module's to touch: the caller brings it up to date
from the articles noted (the window's job, or ``ensure_index`` on the command line).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import peewee

from companion import audit
from companion.audit import Action
from companion.changes import Topic, note
from companion.db import database, translate_errors, utcnow
from companion.errors import InvalidInput
from companion.permissions import EDITORS, require_role
from companion.users import User
from kb.releases.articles import (
    ADDED,
    CONFLICT,
    UNPUBLISHED,
    UPDATED,
    ApplyContext,
    apply_article,
    unpublish_missing,
)
from kb.releases.authors import Authors
from kb.releases.bundle import Release, read_bundle
from kb.releases.models import ReleaseRecord
from kb.releases.reports import ChangedArticle, ReleaseApplied, ReleaseManifest, release_label
from kb.releases.rules import ADDED as RULE_ADDED
from kb.releases.rules import KEPT_LOCAL, apply_rule, check_rules
from kb.releases.rules import UPDATED as RULE_UPDATED

ACTION = "Applying a playbook release"
#: Changes agents are told of; a conflict changes nothing they read.
NOTICE_CHANGES = (ADDED, UPDATED, UNPUBLISHED)

# Any constant will do, as long as every Companion process uses the same one.
APPLY_LOCK_KEY = 0x52454C53  # "RELS"

Progress = Callable[[int, int], None]


def read_release(path: Path) -> ReleaseManifest:
    """Verify the whole file and return what it says it is; applies nothing."""
    return read_bundle(path).manifest


def installed_record() -> ReleaseRecord | None:
    return (
        ReleaseRecord.select()
        .where(ReleaseRecord.applied_order.is_null(False))
        .order_by(ReleaseRecord.applied_order.desc())
        .first()
    )


def manifest_of(record: ReleaseRecord) -> ReleaseManifest:
    return ReleaseManifest(
        release_id=record.id,
        number=record.number,
        label=release_label(record.number),
        parent_id=record.parent_id,
        series=record.series,
        author=record.author,
        made_at=record.made_at,
        article_count=record.article_count,
        schema=record.format,
    )


def installed_release() -> ReleaseManifest | None:
    record = installed_record()
    return None if record is None else manifest_of(record)


def apply_release(
    user: User, path: Path, *, force: bool = False, progress: Progress | None = None
) -> ReleaseApplied:
    """Apply the release at ``path``; see the module docstring for what is refused."""
    require_role(user, *EDITORS, action=ACTION)
    release = read_bundle(path)
    with translate_errors(), database.atomic():
        user = require_role(user, *EDITORS, action=ACTION)
        _take_turns()
        known = ReleaseRecord.get_or_none(ReleaseRecord.id == release.manifest.release_id)
        if known is not None and (known.applied_order is not None or known.made_here):
            return _already(release.manifest)
        _check_order(path, release.manifest, force)
        check_rules(release.rules, release.manifest.label)
        return _apply(user, release, known, progress)


def _take_turns() -> None:
    """Two desks applying at once take turns (SQLite's transactions already do)."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (APPLY_LOCK_KEY,))


def _already(manifest: ReleaseManifest) -> ReleaseApplied:
    return ReleaseApplied(manifest, True, 0, 0, 0, 0, ())


def _check_order(path: Path, manifest: ReleaseManifest, force: bool) -> None:
    installed = installed_record()
    if installed is None or force:
        return
    if installed.series != manifest.series:
        raise InvalidInput(
            f"{path} is release {manifest.label} from a different head office than release "
            f"{release_label(installed.number)} installed here; nothing was changed. "
            "Use --force to apply it anyway."
        )
    if manifest.number == installed.number:
        raise InvalidInput(
            f"{path} is a different release {manifest.label} from the one installed here "
            "(was head office's playbook restored from a backup?); nothing was changed. "
            "Use --force to apply it anyway."
        )
    if manifest.number < installed.number:
        raise InvalidInput(
            f"{path} is release {manifest.label}, older than release "
            f"{release_label(installed.number)} installed here; nothing was changed. "
            "Use --force to apply it anyway."
        )


def _apply(
    user: User, release: Release, known: ReleaseRecord | None, progress: Progress | None
) -> ReleaseApplied:
    manifest = release.manifest
    ctx = ApplyContext(manifest.release_id, manifest.series, user, utcnow(), Authors())
    total = len(release.articles)
    changed: list[ChangedArticle] = []
    for done, incoming in enumerate(release.articles, start=1):
        change = apply_article(incoming, ctx)
        if change is not None:
            changed.append(change)
            note(Topic.ARTICLES, change.slug)
        if progress is not None:
            progress(done, total)
    if progress is not None and total == 0:
        progress(0, 0)
    gone = unpublish_missing({a.hq_id for a in release.articles}, ctx)
    for change in gone:
        note(Topic.ARTICLES, change.slug)
    changed.extend(gone)
    rules = {rule.rule_id: apply_rule(rule, ctx, manifest.label) for rule in release.rules}
    counts = {kind: sum(1 for c in changed if c.change == kind) for kind in NOTICE_CHANGES}
    conflicts = sum(1 for c in changed if c.change == CONFLICT)
    _record(user, release, known, ctx, [c for c in changed if c.change in NOTICE_CHANGES])
    audit.record(
        user,
        Action.CHANGE,
        "playbook_release",
        manifest.release_id,
        label=manifest.label,
        series=manifest.series,
        conflicts=conflicts,
        **counts,
    )
    note(Topic.RELEASES, manifest.release_id)
    return ReleaseApplied(
        release=manifest,
        already_installed=False,
        added=counts[ADDED],
        updated=counts[UPDATED],
        unchanged=total - counts[ADDED] - counts[UPDATED] - conflicts,
        conflicts=conflicts,
        changed=tuple(changed),
        unpublished=counts[UNPUBLISHED],
        rules_added=sum(1 for v in rules.values() if v == RULE_ADDED),
        rules_updated=sum(1 for v in rules.values() if v == RULE_UPDATED),
        rules_kept_local=tuple(sorted(k for k, v in rules.items() if v == KEPT_LOCAL)),
    )


def _record(
    user: User,
    release: Release,
    known: ReleaseRecord | None,
    ctx: ApplyContext,
    notice: list[ChangedArticle],
) -> None:
    manifest = release.manifest
    order = ReleaseRecord.select(peewee.fn.MAX(ReleaseRecord.applied_order)).scalar() or 0
    values = {
        "number": manifest.number,
        "series": manifest.series,
        "parent_id": manifest.parent_id,
        "author": manifest.author,
        "made_at": manifest.made_at,
        "article_count": manifest.article_count,
        "format": manifest.schema,
        "digest": release.digest,
        "applied_order": int(order) + 1,
        "applied_at": ctx.now,
        "applied_by": user.id,
        "changed": json.dumps(
            [{"slug": c.slug, "title": c.title, "change": c.change} for c in notice],
            ensure_ascii=False,
        ),
    }
    if known is None:
        ReleaseRecord.create(id=manifest.release_id, **values)
    else:
        ReleaseRecord.update(**values).where(ReleaseRecord.id == known.id).execute()
