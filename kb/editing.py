"""Supervisors' editing services: working copies, publishing, history, restore, freshness.

Every service that changes the playbook checks the acting user's role itself, so an
agent is refused whether the request comes from the editor, the CLI or a script.

The slug is an article's identity. Editing the slug field therefore never renames an
article: saving under a new slug creates a new article (the old one stays as it was),
and saving under a slug that another article already uses is refused with that
article's title, so nobody overwrites a colleague's article by accident.

Publishing writes one more revision, identical to the working copy but marked
published; the history then shows who published what and when, and no revision is
ever changed. Restoring an old revision writes it again as a new *draft* revision:
a supervisor reads it and publishes it, so agents never see an unreviewed jump back.

Two supervisors may edit one article at once. Every change made from the editor
carries the revision it started from (``base_revision``); if the article moved on
since, :class:`~kb.store.EditConflict` says who saved what and when, and nothing is
written. The editor then lets the person merge by hand, keep theirs, or save on top
of theirs by passing *their* revision as the new base: always a deliberate choice.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from companion.errors import InvalidInput
from companion.permissions import EDITORS, require_active, require_role
from companion.users import User
from kb import store
from kb.article import ArticleData, ArticleDraft, Status
from kb.playbook import Playbook

# Any tag-like markup: the renderer strips it, so the author should know it will not show.
_RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")


@dataclass(frozen=True)
class EditResult(store.SaveResult):
    """A save, plus what the author should know although nothing was refused."""

    warnings: tuple[str, ...] = ()


class DiffKind(StrEnum):
    EQUAL = "equal"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class DiffRow:
    """One line of a side-by-side comparison; the missing side of an add or remove is ""."""

    left: str
    right: str
    kind: DiffKind


def save_working_copy(
    playbook: Playbook,
    user: User,
    draft: ArticleDraft,
    *,
    editing: str | None = None,
    base_revision: int | None = None,
    today: date | None = None,
) -> EditResult:
    """Save ``draft`` as a draft revision; agents keep reading the published one.

    ``editing`` is the slug of the article the form was opened on (None for a new
    article); a slug that belongs to any other article is refused. ``base_revision``
    is the revision the form was loaded from (0 for a new article); see the module doc.
    """
    require_role(user, *EDITORS, action="Editing playbook articles")
    clean = replace(draft, status=Status.DRAFT).validated()
    existing = store.find_article(clean.slug)
    if existing is not None and clean.slug != editing:
        raise InvalidInput(
            f"The slug {clean.slug!r} is already used by the article "
            f"“{existing.title}”. Choose another slug."
        )
    result = _save_draft(playbook, user, clean, existing, base_revision)
    return replace(result, warnings=warnings_for(clean, today or date.today()))


def publish(
    playbook: Playbook, user: User, slug: str, *, expected_revision: int | None = None
) -> ArticleData:
    """Make the working copy what agents read; publishing what is already live is a no-op.

    ``expected_revision`` is the working copy the person looked at: if someone saved
    another since, :class:`~kb.store.EditConflict` is raised rather than publishing
    text nobody here has read.
    """
    require_role(user, *EDITORS, action="Publishing playbook articles")
    working = store.get_article(slug)
    if expected_revision is not None and working.revision != expected_revision:
        store.raise_conflict(slug, expected_revision)
    result = playbook.save(
        replace(working.as_draft(), status=Status.PUBLISHED),
        user,
        base_revision=working.revision if expected_revision is not None else None,
    )
    return result.visible


def restore(
    playbook: Playbook,
    user: User,
    slug: str,
    number: int,
    *,
    base_revision: int | None = None,
) -> EditResult:
    """Write revision ``number``'s content again as a new draft revision (see module doc)."""
    require_role(user, *EDITORS, action="Restoring playbook revisions")
    old = store.get_revision(slug, number).content
    working = store.get_article(slug)
    return _save_draft(playbook, user, replace(old, status=Status.DRAFT), working, base_revision)


def _save_draft(
    playbook: Playbook,
    user: User,
    draft: ArticleDraft,
    working: ArticleData | None,
    base_revision: int | None = None,
) -> EditResult:
    """Save unless the working copy already says exactly this (published or not).

    Without this, saving an untouched published article would add a draft revision
    that differs only in status, and the editor would claim unpublished changes.
    """
    if working is not None and replace(working.as_draft(), status=Status.DRAFT) == draft:
        visible = store.visible_article(working.slug)
        return EditResult(working, store.SaveOutcome.UNCHANGED, visible)
    result = playbook.save(draft, user, base_revision=base_revision)
    return EditResult(result.article, result.outcome, result.visible)


def warnings_for(draft: ArticleDraft, today: date) -> tuple[str, ...]:
    """What is allowed but worth saying before it surprises someone."""
    warnings = []
    if draft.review_by is not None and draft.review_by < today:
        warnings.append(
            f"The review-by date {draft.review_by:%Y-%m-%d} has already passed, so the "
            "article will show as due for review."
        )
    if _RAW_HTML.search(draft.body):
        warnings.append(
            "The text contains HTML tags. They are kept in the source, but the preview "
            "and the viewer leave them out; use Markdown for formatting."
        )
    return tuple(warnings)


def needs_review(today: date) -> list[ArticleData]:
    """Articles whose visible revision was due for review before ``today``, oldest due first."""
    stale = store.stale_slugs(today)
    due = [a for a in store.list_articles() if a.slug in stale]
    return sorted(due, key=lambda a: (a.review_by or today, a.title))


def diff(user: User, slug: str, a: int, b: int) -> list[DiffRow]:
    """Side-by-side rows comparing revision ``a`` (left) with revision ``b`` (right).

    Anyone may compare revisions that were published (agents see "what changed since
    you last read"); a draft is unreviewed text, so comparing one needs an editor.
    """
    require_active(user, action="Comparing revisions")
    first, second = store.get_revision(slug, a).content, store.get_revision(slug, b).content
    if Status.DRAFT in (first.status, second.status):
        require_role(user, *EDITORS, action="Reading a draft's changes")
    return diff_drafts(first, second)


def diff_drafts(first: ArticleDraft, second: ArticleDraft) -> list[DiffRow]:
    """Side-by-side rows comparing two texts of an article, e.g. theirs and yours."""
    left, right = revision_lines(first), revision_lines(second)
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(DiffRow(line, line, DiffKind.EQUAL) for line in left[i1:i2])
            continue
        old, new = left[i1:i2], right[j1:j2]
        paired = min(len(old), len(new))
        rows.extend(DiffRow(o, n, DiffKind.CHANGED) for o, n in zip(old, new, strict=False))
        rows.extend(DiffRow(o, "", DiffKind.REMOVED) for o in old[paired:])
        rows.extend(DiffRow("", n, DiffKind.ADDED) for n in new[paired:])
    return rows


def revision_lines(content: ArticleDraft) -> list[str]:
    """The form's fields then the body, so a changed title or date shows in a diff too."""
    review = content.review_by.isoformat() if content.review_by else "none"
    return [
        f"Title: {content.title}",
        f"Category: {content.category}",
        f"Tags: {', '.join(content.tags)}",
        f"Aliases: {', '.join(content.aliases)}",
        f"Review by: {review}",
        f"Status: {content.status}",
        "",
        *content.body.split("\n"),
    ]
