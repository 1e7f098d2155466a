"""A site's own edit is never overwritten: it becomes a conflict a supervisor resolves."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from companion.audit import events_for
from companion.changes import Topic, collecting
from companion.errors import InvalidInput, NotFound, PermissionDenied
from companion.users import Role
from kb import store
from kb.article import Status
from kb.editing import save_working_copy
from kb.releases import (
    Resolution,
    apply_release,
    conflict_for,
    make_release,
    release_conflicts,
    resolve_conflict,
)
from tests.kb.releases.conftest import Stores
from tests.kb.releases.test_apply import SLUG, edit


def conflicted(stores: Stores, tmp_path: Path) -> None:
    """R1 applied; then both head office and the site changed SLUG; R2 applied."""
    hq = stores.open("hq")
    make_release(hq.user, tmp_path / "r1.cpb")
    site = stores.open("site")
    apply_release(site.user, tmp_path / "r1.cpb")
    edit(site, SLUG, "Site wording.")
    hq = stores.open("hq")
    edit(hq, SLUG, "Head office wording.")
    make_release(hq.user, tmp_path / "r2.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r2.cpb")
    assert [(c.slug, c.change) for c in applied.changed] == [(SLUG, "conflict")]
    assert applied.conflicts == 1


def test_local_edit_stays_visible_and_theirs_is_in_history(stores: Stores, tmp_path: Path) -> None:
    conflicted(stores, tmp_path)
    visible = store.visible_article(SLUG)
    assert "Site wording." in visible.body and "Head office wording." not in visible.body
    bodies = [r.content.body for r in store.list_revisions(SLUG)]
    assert any("Head office wording." in body for body in bodies)
    # The head is still the newest revision, so the editor keeps working on it.
    assert store.get_article(SLUG).revision == store.list_revisions(SLUG)[-1].number
    conflict = conflict_for(SLUG)
    assert conflict is not None
    assert conflict.release_label == "R2"
    assert conflict.message == "conflicts with head office release R2"
    assert "Site wording." in conflict.ours.body
    assert "Head office wording." in conflict.theirs.body
    assert conflict.theirs.saved_by == "Local desk (head office)"
    assert release_conflicts() == [conflict]


def test_local_edit_before_any_release_is_a_conflict(stores: Stores, tmp_path: Path) -> None:
    site = stores.open("site")
    edit(site, SLUG, "Site wording.")
    hq = stores.open("hq")
    make_release(hq.user, tmp_path / "r1.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r1.cpb")
    # Head office's default article is a revision the site's edit started from: not
    # an edit over something else, but still the site's own wording to keep.
    assert [(c.slug, c.change) for c in applied.changed] == [(SLUG, "conflict")]
    assert "Site wording." in store.visible_article(SLUG).body


def test_keep_ours_closes_it_and_agents_see_no_change(stores: Stores, tmp_path: Path) -> None:
    conflicted(stores, tmp_path)
    site = stores.open("site")
    before = store.visible_article(SLUG)
    conflict = conflict_for(SLUG)
    assert conflict is not None
    with collecting() as noted:
        resolve_conflict(site.user, conflict.article_id, Resolution.KEEP_OURS)
    assert conflict_for(SLUG) is None
    assert store.visible_article(SLUG).body == before.body
    # What agents read did not change, so no desk refreshes its article; the
    # conflict views follow the release topic.
    assert SLUG not in noted.changes.ids(Topic.ARTICLES)
    assert noted.changes.touches(Topic.RELEASES)
    events = [e for e in events_for(conflict.article_id) if "resolution" in e.details]
    assert events[-1].details["resolution"] == "keep-ours"
    assert events[-1].actor_name == site.user.display_name


def test_take_theirs_publishes_head_office_version(stores: Stores, tmp_path: Path) -> None:
    conflicted(stores, tmp_path)
    site = stores.open("site")
    conflict = conflict_for(SLUG)
    assert conflict is not None
    resolve_conflict(site.user, conflict.article_id, Resolution.TAKE_THEIRS)
    visible = store.visible_article(SLUG)
    assert "Head office wording." in visible.body and "Site wording." not in visible.body
    assert visible.status is Status.PUBLISHED
    assert release_conflicts() == []


def test_edited_publishes_the_merged_text(stores: Stores, tmp_path: Path) -> None:
    conflicted(stores, tmp_path)
    site = stores.open("site")
    conflict = conflict_for(SLUG)
    assert conflict is not None
    merged = conflict.theirs.body + "\n\nSite wording, merged."
    resolve_conflict(site.user, conflict.article_id, Resolution.EDITED, merged)
    visible = store.visible_article(SLUG)
    assert visible.body == merged
    assert visible.updated_by == site.user.display_name
    assert conflict_for(SLUG) is None


def test_edited_without_text_is_refused(stores: Stores, tmp_path: Path) -> None:
    conflicted(stores, tmp_path)
    site = stores.open("site")
    conflict = conflict_for(SLUG)
    assert conflict is not None
    with pytest.raises(InvalidInput):
        resolve_conflict(site.user, conflict.article_id, Resolution.EDITED)
    assert conflict_for(SLUG) is not None


def test_agents_may_not_resolve(stores: Stores, tmp_path: Path) -> None:
    conflicted(stores, tmp_path)
    stores.open("site")
    agent = stores.user("Ann Agent", Role.AGENT)
    conflict = conflict_for(SLUG)
    assert conflict is not None
    with pytest.raises(PermissionDenied):
        resolve_conflict(agent, conflict.article_id, Resolution.TAKE_THEIRS)
    assert conflict_for(SLUG) is not None


def test_resolving_twice_says_there_is_nothing_open(stores: Stores, tmp_path: Path) -> None:
    conflicted(stores, tmp_path)
    site = stores.open("site")
    conflict = conflict_for(SLUG)
    assert conflict is not None
    resolve_conflict(site.user, conflict.article_id, Resolution.KEEP_OURS)
    with pytest.raises(NotFound):
        resolve_conflict(site.user, conflict.article_id, Resolution.TAKE_THEIRS)


def test_after_keep_ours_an_unchanged_head_office_article_stays_quiet(
    stores: Stores, tmp_path: Path
) -> None:
    conflicted(stores, tmp_path)
    site = stores.open("site")
    conflict = conflict_for(SLUG)
    assert conflict is not None
    resolve_conflict(site.user, conflict.article_id, Resolution.KEEP_OURS)
    hq = stores.open("hq")
    make_release(hq.user, tmp_path / "r3.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r3.cpb")
    assert applied.changed == ()
    assert conflict_for(SLUG) is None
    # ...but a new change at head office raises it again.
    hq = stores.open("hq")
    edit(hq, SLUG, "Even newer head office wording.")
    make_release(hq.user, tmp_path / "r4.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r4.cpb")
    assert [(c.slug, c.change) for c in applied.changed] == [(SLUG, "conflict")]
    again = conflict_for(SLUG)
    assert again is not None and again.release_label == "R4"
    assert "Even newer head office wording." in again.theirs.body


def test_after_take_theirs_the_next_release_updates_normally(
    stores: Stores, tmp_path: Path
) -> None:
    conflicted(stores, tmp_path)
    site = stores.open("site")
    conflict = conflict_for(SLUG)
    assert conflict is not None
    resolve_conflict(site.user, conflict.article_id, Resolution.TAKE_THEIRS)
    hq = stores.open("hq")
    edit(hq, SLUG, "Third wording.")
    make_release(hq.user, tmp_path / "r3.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r3.cpb")
    assert [(c.slug, c.change) for c in applied.changed] == [(SLUG, "updated")]
    assert "Third wording." in store.visible_article(SLUG).body


def test_a_local_draft_is_kept_and_agents_keep_the_published_text(
    stores: Stores, tmp_path: Path
) -> None:
    hq = stores.open("hq")
    make_release(hq.user, tmp_path / "r1.cpb")
    site = stores.open("site")
    apply_release(site.user, tmp_path / "r1.cpb")
    published = store.visible_article(SLUG).body
    draft = replace(store.get_article(SLUG).as_draft(), body="Draft.")
    save_working_copy(site.playbook, site.user, draft, editing=SLUG)
    hq = stores.open("hq")
    edit(hq, SLUG, "HQ wording.")
    make_release(hq.user, tmp_path / "r2.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r2.cpb")
    assert [(c.slug, c.change) for c in applied.changed] == [(SLUG, "conflict")]
    assert store.get_article(SLUG).body == "Draft."
    assert store.visible_article(SLUG).body == published
