"""Editing the playbook as a supervisor does, and what agents see meanwhile."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from companion.errors import InvalidInput, PermissionDenied
from companion.users import Role, User, create_user
from kb import editing, store
from kb.article import ArticleDraft, Status
from kb.editing import DiffKind, DiffRow
from kb.render import render_markdown
from kb.store import SaveOutcome
from kb.workspace import Workspace

TODAY = date(2026, 3, 1)
AIRLOCK = ArticleDraft(
    slug="airlock-codes",
    title="Airlock codes",
    body="Read the zebrafish code back to the caller.\n",
    category="security",
    review_by=date(2027, 1, 1),
)


@pytest.fixture
def grace(workspace: Workspace) -> User:
    workspace.ensure_index()
    return create_user("Grace", Role.SUPERVISOR)


@pytest.fixture
def agent(workspace: Workspace) -> User:
    return create_user("Ada", Role.AGENT)


def _titles(workspace: Workspace, text: str) -> list[str]:
    return [hit.title for hit in workspace.index.search(text).hits]


def _save(workspace: Workspace, user: User, draft: ArticleDraft, **kwargs: object) -> object:
    return editing.save_working_copy(workspace.playbook, user, draft, today=TODAY, **kwargs)


def test_a_new_draft_is_invisible_to_agents_until_published(
    workspace: Workspace, grace: User
) -> None:
    _save(workspace, grace, AIRLOCK)
    assert _titles(workspace, "zebrafish") == []

    published = editing.publish(workspace.playbook, grace, "airlock-codes")

    assert published.status is Status.PUBLISHED
    assert _titles(workspace, "zebrafish") == ["Airlock codes"]


def test_a_draft_of_a_published_article_leaves_agents_reading_the_published_text(
    workspace: Workspace, grace: User
) -> None:
    _save(workspace, grace, AIRLOCK)
    editing.publish(workspace.playbook, grace, "airlock-codes")

    _save(
        workspace,
        grace,
        replace(AIRLOCK, body="Read the narwhal code back.\n"),
        editing="airlock-codes",
    )

    assert _titles(workspace, "zebrafish") == ["Airlock codes"]
    assert _titles(workspace, "narwhal") == []
    assert "zebrafish" in store.visible_article("airlock-codes").body
    assert "narwhal" in store.get_article("airlock-codes").body
    assert workspace.ensure_index() is False  # the index agrees with the store

    editing.publish(workspace.playbook, grace, "airlock-codes")

    assert _titles(workspace, "narwhal") == ["Airlock codes"]
    assert _titles(workspace, "zebrafish") == []


def test_publishing_records_who_published_and_saving_unchanged_text_adds_nothing(
    workspace: Workspace, grace: User
) -> None:
    _save(workspace, grace, AIRLOCK)
    editing.publish(workspace.playbook, grace, "airlock-codes")

    again = _save(workspace, grace, AIRLOCK, editing="airlock-codes")
    editing.publish(workspace.playbook, grace, "airlock-codes")

    assert again.outcome is SaveOutcome.UNCHANGED
    revisions = store.list_revisions("airlock-codes")
    assert [(r.number, r.content.status, r.saved_by) for r in revisions] == [
        (1, Status.DRAFT, "Grace"),
        (2, Status.PUBLISHED, "Grace"),
    ]


def test_restore_writes_a_new_draft_revision_and_keeps_history(
    workspace: Workspace, grace: User
) -> None:
    _save(workspace, grace, AIRLOCK)
    editing.publish(workspace.playbook, grace, "airlock-codes")
    _save(workspace, grace, replace(AIRLOCK, body="Wrong text.\n"), editing="airlock-codes")
    editing.publish(workspace.playbook, grace, "airlock-codes")

    result = editing.restore(workspace.playbook, grace, "airlock-codes", 2)

    assert result.article.revision == 5
    assert result.article.body == AIRLOCK.body
    assert result.article.status is Status.DRAFT
    assert [r.content.body for r in store.list_revisions("airlock-codes")][:4] == [
        AIRLOCK.body,
        AIRLOCK.body,
        "Wrong text.\n",
        "Wrong text.\n",
    ]
    assert store.visible_article("airlock-codes").body == "Wrong text.\n"


def test_diff_pairs_changed_lines_and_shows_added_and_removed_ones(
    workspace: Workspace, grace: User
) -> None:
    _save(workspace, grace, replace(AIRLOCK, body="Greet.\nAsk the code.\nThank them.\n"))
    _save(
        workspace,
        grace,
        replace(AIRLOCK, title="Airlock", body="Greet.\nAsk for the code twice.\n"),
        editing="airlock-codes",
    )

    rows = editing.diff(grace, "airlock-codes", 1, 2)

    assert rows[0] == DiffRow("Title: Airlock codes", "Title: Airlock", DiffKind.CHANGED)
    body = rows[rows.index(DiffRow("", "", DiffKind.EQUAL)) + 1 :]
    assert body == [
        DiffRow("Greet.", "Greet.", DiffKind.EQUAL),
        DiffRow("Ask the code.", "Ask for the code twice.", DiffKind.CHANGED),
        DiffRow("Thank them.", "", DiffKind.REMOVED),
        DiffRow("", "", DiffKind.EQUAL),
    ]
    assert editing.diff(grace, "airlock-codes", 2, 1)[-2] == DiffRow(
        "", "Thank them.", DiffKind.ADDED
    )


def test_agents_cannot_save_publish_or_restore(
    workspace: Workspace, grace: User, agent: User
) -> None:
    _save(workspace, grace, AIRLOCK)
    playbook = workspace.playbook

    with pytest.raises(PermissionDenied, match="Editing playbook articles needs a supervisor"):
        _save(workspace, agent, replace(AIRLOCK, body="Mine now."), editing="airlock-codes")
    with pytest.raises(PermissionDenied, match="Publishing"):
        editing.publish(playbook, agent, "airlock-codes")
    with pytest.raises(PermissionDenied, match="Restoring"):
        editing.restore(playbook, agent, "airlock-codes", 1)

    assert len(store.list_revisions("airlock-codes")) == 1
    assert _titles(workspace, "zebrafish") == []


def test_a_slug_used_by_another_article_is_refused_by_name(
    workspace: Workspace, grace: User
) -> None:
    greeting = store.get_article("greeting")

    with pytest.raises(InvalidInput, match=f"already used by the article “{greeting.title}”"):
        _save(workspace, grace, replace(AIRLOCK, slug="greeting"), editing="airlock-codes")
    with pytest.raises(InvalidInput, match="already used"):
        _save(workspace, grace, replace(AIRLOCK, slug="greeting"))

    assert store.get_article("greeting") == greeting


def test_a_new_slug_creates_a_new_article_and_leaves_the_old_one(
    workspace: Workspace, grace: User
) -> None:
    _save(workspace, grace, AIRLOCK)

    result = _save(workspace, grace, replace(AIRLOCK, slug="airlock"), editing="airlock-codes")

    assert result.outcome is SaveOutcome.CREATED
    assert {"airlock", "airlock-codes"} <= store.all_slugs()


def test_an_empty_title_is_refused_and_nothing_is_saved(workspace: Workspace, grace: User) -> None:
    with pytest.raises(InvalidInput, match="empty title"):
        _save(workspace, grace, replace(AIRLOCK, title="   "))

    assert store.find_article("airlock-codes") is None


def test_raw_html_is_kept_in_the_source_but_never_rendered(
    workspace: Workspace, grace: User
) -> None:
    body = 'Hello <script>alert("x")</script><b onclick="steal()">there</b>\n'

    result = _save(workspace, grace, replace(AIRLOCK, body=body))

    assert store.get_article("airlock-codes").body == body
    assert any("HTML tags" in warning for warning in result.warnings)
    html = render_markdown(store.get_article("airlock-codes").body)
    assert "alert" not in html and "onclick" not in html and "there" in html


def test_a_past_review_date_is_allowed_with_a_warning_and_lists_the_article(
    workspace: Workspace, grace: User
) -> None:
    result = _save(workspace, grace, replace(AIRLOCK, review_by=date(2026, 2, 1)))

    assert result.outcome is SaveOutcome.CREATED
    assert result.warnings == (
        "The review-by date 2026-02-01 has already passed, so the article will show as "
        "due for review.",
    )
    assert "airlock-codes" in [a.slug for a in editing.needs_review(TODAY)]
    assert "airlock-codes" not in [a.slug for a in editing.needs_review(date(2026, 2, 1))]


def test_needs_review_follows_the_published_date_not_the_draft(
    workspace: Workspace, grace: User
) -> None:
    _save(workspace, grace, replace(AIRLOCK, review_by=date(2026, 1, 1)))
    editing.publish(workspace.playbook, grace, "airlock-codes")
    _save(workspace, grace, AIRLOCK, editing="airlock-codes")

    assert "airlock-codes" in store.stale_slugs(TODAY)

    editing.publish(workspace.playbook, grace, "airlock-codes")

    assert "airlock-codes" not in store.stale_slugs(TODAY)
    assert "airlock-codes" not in [a.slug for a in editing.needs_review(TODAY)]
