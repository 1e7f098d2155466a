"""Telling each user once that a release changed the playbook.

After a release that changed what agents read, every user has one pending notice:
the newest such release (older unseen ones are superseded: the newest says where the
playbook is now). Marking it seen clears it, and every older one with it.
"""

from __future__ import annotations

from companion.db import database, utcnow
from companion.permissions import require_active
from companion.rows import stored_json
from companion.users import User
from kb.releases.models import ReleaseNoticeSeen, ReleaseRecord
from kb.releases.reports import ChangedArticle, ReleaseNotice, release_label

READING = "Reading playbook release notices"


def pending_notice(user: User) -> ReleaseNotice | None:
    """The newest applied release that changed articles, unless this user saw it (or newer)."""
    require_active(user, action=READING)
    newest = (
        ReleaseRecord.select()
        .where(ReleaseRecord.applied_order.is_null(False) & (ReleaseRecord.changed != "[]"))
        .order_by(ReleaseRecord.applied_order.desc())
        .first()
    )
    if newest is None:
        return None
    seen = ReleaseNoticeSeen.get_or_none(ReleaseNoticeSeen.user == user.id)
    if seen is not None:
        seen_release = ReleaseRecord.get_or_none(ReleaseRecord.id == seen.release_id)
        if seen_release is not None and (seen_release.applied_order or 0) >= newest.applied_order:
            return None
    items = stored_json(newest.changed, "playbook_releases", newest.id, "changed")
    changed = tuple(
        ChangedArticle(str(item["slug"]), str(item["title"]), str(item["change"]))
        for item in items
        if isinstance(item, dict)
    )
    return ReleaseNotice(newest.id, release_label(newest.number), changed)


def mark_notice_seen(user: User, release_id: str) -> None:
    """This user was told of ``release_id`` (and so of every release applied before it)."""
    with database.atomic():
        user = require_active(user, action=READING)
        ReleaseNoticeSeen.insert(user=user.id, release_id=release_id, seen_at=utcnow()).on_conflict(
            conflict_target=[ReleaseNoticeSeen.user],
            preserve=[ReleaseNoticeSeen.release_id, ReleaseNoticeSeen.seen_at],
        ).execute()
