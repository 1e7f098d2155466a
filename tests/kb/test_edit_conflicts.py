"""Two supervisors editing one article: told who saved what, never overwritten silently.

Every save from the editor carries the revision it started from. When the article has
moved on, the save is refused with an :class:`EditConflict` naming who saved which
revision and when, with their text; the person then merges by hand, keeps theirs, or
saves on top of theirs. Several real processes saving at once get the same conflict,
never a database constraint error. Runs on whichever backend the test run uses.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from companion.users import Role, User, create_user
from kb import editing, store
from kb.article import ArticleDraft, Status
from kb.editing import EditResult
from kb.store import EditConflict, SaveOutcome
from kb.workspace import Workspace
from tests.processes import run_together

TODAY = date(2026, 3, 1)
REFUNDS = ArticleDraft(
    slug="refund-window",
    title="Refund window",
    body="Refunds are possible within 14 days.\n",
    category="billing",
    review_by=date(2027, 1, 1),
)


@pytest.fixture
def grace(empty_workspace: Workspace) -> User:
    return create_user("Grace Okafor", Role.SUPERVISOR)


@pytest.fixture
def tom(empty_workspace: Workspace) -> User:
    return create_user("Tom Becker", Role.SUPERVISOR)


def _save(ws: Workspace, user: User, draft: ArticleDraft, base: int | None) -> EditResult:
    return editing.save_working_copy(
        ws.playbook, user, draft, editing=draft.slug, base_revision=base, today=TODAY
    )


@pytest.fixture
def opened(empty_workspace: Workspace, grace: User) -> int:
    """The article as both supervisors opened it: revision 1."""
    result = editing.save_working_copy(
        empty_workspace.playbook, grace, REFUNDS, base_revision=0, today=TODAY
    )
    return result.article.revision


def test_saving_over_a_newer_revision_says_who_when_and_what_and_writes_nothing(
    empty_workspace: Workspace, grace: User, tom: User, opened: int
) -> None:
    theirs = replace(REFUNDS, body="Refunds are possible within 30 days.\n")
    mine = replace(REFUNDS, body="Refunds are possible within 14 days, with a receipt.\n")
    _save(empty_workspace, grace, theirs, opened)

    with pytest.raises(EditConflict) as raised:
        _save(empty_workspace, tom, mine, opened)

    conflict = raised.value
    assert conflict.base_revision == opened
    assert (conflict.theirs.saved_by, conflict.theirs.number) == ("Grace Okafor", 2)
    assert conflict.theirs.content.body == theirs.body
    assert conflict.theirs.saved_at is not None
    message = str(conflict)
    assert "Grace Okafor saved revision 2 of “Refund window” at " in message
    assert "since you opened revision 1" in message
    assert "has not been saved" in message
    assert [r.number for r in store.list_revisions(REFUNDS.slug)] == [1, 2]
    assert store.get_article(REFUNDS.slug).body == theirs.body


def test_keep_theirs_leaves_their_revision_as_the_working_copy(
    empty_workspace: Workspace, grace: User, tom: User, opened: int
) -> None:
    theirs = replace(REFUNDS, body="Refunds are possible within 30 days.\n")
    _save(empty_workspace, grace, theirs, opened)
    with pytest.raises(EditConflict) as raised:
        _save(empty_workspace, tom, replace(REFUNDS, body="Mine.\n"), opened)

    # Keeping theirs is loading their revision into the form; saving it unchanged is a no-op.
    kept = raised.value.theirs
    result = _save(empty_workspace, tom, kept.content, kept.number)

    assert result.outcome is SaveOutcome.UNCHANGED
    assert store.get_article(REFUNDS.slug).revision == 2
    assert store.get_article(REFUNDS.slug).body == theirs.body


def test_save_yours_on_top_writes_a_new_revision_after_theirs(
    empty_workspace: Workspace, grace: User, tom: User, opened: int
) -> None:
    _save(empty_workspace, grace, replace(REFUNDS, body="Theirs.\n"), opened)
    mine = replace(REFUNDS, body="Mine.\n")
    with pytest.raises(EditConflict) as raised:
        _save(empty_workspace, tom, mine, opened)

    result = _save(empty_workspace, tom, mine, raised.value.theirs.number)

    assert result.article.revision == 3
    assert [
        (r.number, r.saved_by, r.content.body) for r in store.list_revisions("refund-window")
    ] == [
        (1, "Grace Okafor", REFUNDS.body),
        (2, "Grace Okafor", "Theirs.\n"),
        (3, "Tom Becker", "Mine.\n"),
    ]


def test_merging_by_hand_saves_the_merge_on_top_of_theirs(
    empty_workspace: Workspace, grace: User, tom: User, opened: int
) -> None:
    _save(empty_workspace, grace, replace(REFUNDS, title="Refund window (EU)"), opened)
    with pytest.raises(EditConflict) as raised:
        _save(
            empty_workspace, tom, replace(REFUNDS, body="Within 14 days, with receipt.\n"), opened
        )

    merged = replace(REFUNDS, title="Refund window (EU)", body="Within 14 days, with receipt.\n")
    result = _save(empty_workspace, tom, merged, raised.value.theirs.number)

    assert (result.article.revision, result.article.title) == (3, "Refund window (EU)")
    assert result.article.body == "Within 14 days, with receipt.\n"


def test_a_stale_merge_is_a_conflict_again(
    empty_workspace: Workspace, grace: User, tom: User, opened: int
) -> None:
    _save(empty_workspace, grace, replace(REFUNDS, body="Theirs.\n"), opened)
    _save(empty_workspace, grace, replace(REFUNDS, body="Theirs again.\n"), 2)

    with pytest.raises(EditConflict) as raised:
        _save(empty_workspace, tom, replace(REFUNDS, body="Mine.\n"), 2)
    assert raised.value.theirs.number == 3


def test_publishing_a_working_copy_someone_else_changed_is_refused(
    empty_workspace: Workspace, grace: User, tom: User, opened: int
) -> None:
    _save(empty_workspace, grace, replace(REFUNDS, body="Unreviewed draft.\n"), opened)

    with pytest.raises(EditConflict, match="Grace Okafor saved revision 2"):
        editing.publish(empty_workspace.playbook, tom, REFUNDS.slug, expected_revision=opened)
    assert store.published_revision(REFUNDS.slug) is None

    published = editing.publish(empty_workspace.playbook, tom, REFUNDS.slug, expected_revision=2)
    assert (published.status, published.body) == (Status.PUBLISHED, "Unreviewed draft.\n")


def test_restoring_over_a_newer_revision_is_a_conflict(
    empty_workspace: Workspace, grace: User, tom: User, opened: int
) -> None:
    _save(empty_workspace, grace, replace(REFUNDS, body="Theirs.\n"), opened)
    _save(empty_workspace, tom, replace(REFUNDS, body="Tom's.\n"), 2)

    with pytest.raises(EditConflict, match="Tom Becker saved revision 3"):
        editing.restore(empty_workspace.playbook, grace, REFUNDS.slug, 1, base_revision=2)
    assert store.get_article(REFUNDS.slug).revision == 3


def test_two_new_articles_with_one_slug_the_second_is_told(
    empty_workspace: Workspace, grace: User, tom: User
) -> None:
    store.save_article(REFUNDS, grace, base_revision=0)

    with pytest.raises(EditConflict, match="since you started writing it as a new article"):
        store.save_article(replace(REFUNDS, body="Mine.\n"), tom, base_revision=0)


def test_imports_without_a_base_still_save_over_the_head(
    empty_workspace: Workspace, grace: User, opened: int
) -> None:
    store.save_article(replace(REFUNDS, body="Theirs.\n"), grace)
    result = store.save_article(replace(REFUNDS, body="Imported.\n"), grace)
    assert (result.outcome, result.article.revision) == (SaveOutcome.UPDATED, 3)


SAVER = textwrap.dedent(
    """
    import sys
    import time
    from dataclasses import replace
    from pathlib import Path

    from companion.users import find_user
    from kb import store
    from kb.article import ArticleDraft
    from kb.workspace import open_workspace

    data_dir, gate, name, slug, base = sys.argv[1:6]
    ws = open_workspace(data_dir, load_defaults=False)
    user = find_user(name)
    draft = ArticleDraft(slug=slug, title="Refund window", body=f"Written by {name}.\\n")
    while not Path(gate).exists():
        time.sleep(0.002)
    try:
        result = store.save_article(draft, user, base_revision=int(base))
    except store.EditConflict as conflict:
        print("conflict", conflict.theirs.number, conflict.theirs.saved_by)
    else:
        print("saved", result.article.revision)
    ws.close()
    """
)


@pytest.mark.parametrize("base", [0, 1], ids=["new article", "existing article"])
def test_desks_saving_at_the_same_moment_one_wins_the_others_are_told(
    empty_workspace: Workspace, data_dir: Path, tmp_path: Path, base: int
) -> None:
    names = [f"Supervisor {n}" for n in range(4)]
    for name in names:
        create_user(name, Role.SUPERVISOR)
    if base:
        store.save_article(REFUNDS, create_user("Opener", Role.SUPERVISOR))
    gate = tmp_path / "go"
    desks = run_together(
        [["-c", SAVER, str(data_dir), str(gate), name, REFUNDS.slug, str(base)] for name in names],
        gate=gate,
    )
    outcomes = []
    for desk in desks:
        assert desk.returncode == 0, desk.stderr
        assert "Error" not in desk.stderr
        outcomes.append(desk.stdout.split())

    saved = [o for o in outcomes if o[0] == "saved"]
    told = [o for o in outcomes if o[0] == "conflict"]
    assert saved == [["saved", str(base + 1)]]
    assert len(told) == len(names) - 1
    winner = store.get_article(REFUNDS.slug)
    assert all(o[1] == str(base + 1) and " ".join(o[2:]) == winner.updated_by for o in told)
    assert [r.number for r in store.list_revisions(REFUNDS.slug)] == list(range(1, base + 2))
