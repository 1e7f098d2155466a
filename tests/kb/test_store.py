"""The article store: every save is an immutable revision, identical saves change nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from companion.errors import InvalidInput, NotFound
from kb import store
from kb.article import MAX_BODY_BYTES, ArticleDraft, Status
from kb.store import SaveOutcome
from kb.workspace import Workspace

FIRST = ArticleDraft(
    slug="greeting",
    title="Greeting",
    body="Smile before you answer.",
    category="opening",
    tags=("opening",),
    aliases=("how to answer",),
    review_by=date(2027, 6, 30),
)


def test_first_save_creates_revision_one(empty_workspace: Workspace) -> None:
    result = store.save_article(FIRST, empty_workspace.user)

    assert result.outcome is SaveOutcome.CREATED
    assert result.article.revision == 1
    (revision,) = store.list_revisions("greeting")
    assert revision.number == 1
    assert revision.content == FIRST
    assert revision.saved_by == empty_workspace.user.display_name


def test_each_change_adds_a_revision_and_keeps_every_earlier_one(
    empty_workspace: Workspace,
) -> None:
    user = empty_workspace.user
    second = replace(FIRST, body="Breathe, then answer.")
    third = replace(second, title="Greeting callers", status=Status.DRAFT, review_by=None)
    store.save_article(FIRST, user)
    assert store.save_article(second, user).outcome is SaveOutcome.UPDATED

    result = store.save_article(third, user)

    assert result.outcome is SaveOutcome.UPDATED
    assert result.article.revision == 3
    assert store.get_article("greeting").title == "Greeting callers"
    assert [r.content for r in store.list_revisions("greeting")] == [FIRST, second, third]
    assert store.get_revision("greeting", 1).content.body == "Smile before you answer."
    assert store.get_revision("greeting", 2).content.body == "Breathe, then answer."


def test_saving_identical_content_is_a_no_op(empty_workspace: Workspace) -> None:
    user = empty_workspace.user
    saved = store.save_article(FIRST, user).article

    again = store.save_article(FIRST, user)

    assert again.outcome is SaveOutcome.UNCHANGED
    assert again.article.revision == 1
    assert again.article.updated_at == saved.updated_at
    assert len(store.list_revisions("greeting")) == 1


def test_content_that_cleans_up_to_the_same_article_is_unchanged(
    empty_workspace: Workspace,
) -> None:
    store.save_article(FIRST, empty_workspace.user)
    messy = replace(FIRST, title="  Greeting ", tags=(" Opening ",), slug="Greeting")

    assert store.save_article(messy, empty_workspace.user).outcome is SaveOutcome.UNCHANGED


def test_missing_article_or_revision_is_not_found(empty_workspace: Workspace) -> None:
    store.save_article(FIRST, empty_workspace.user)

    with pytest.raises(NotFound, match="no playbook article 'nope'"):
        store.get_article("nope")
    with pytest.raises(NotFound, match="no revision 2"):
        store.get_revision("greeting", 2)
    with pytest.raises(NotFound):
        store.list_revisions("nope")
    assert store.find_article("nope") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"slug": "Not valid!"}, "is not valid"),
        ({"slug": ""}, "is not valid"),
        ({"title": "   "}, "empty title"),
        ({"title": "x" * 201}, "longer than 200"),
        ({"body": "binary\x00data"}, "NUL bytes"),
        ({"body": "x" * (MAX_BODY_BYTES + 1)}, "larger than 5 MB"),
    ],
)
def test_invalid_article_is_refused_and_nothing_is_written(
    empty_workspace: Workspace, change: dict[str, str], message: str
) -> None:
    store.save_article(FIRST, empty_workspace.user)

    with pytest.raises(InvalidInput, match=message):
        store.save_article(replace(FIRST, **change), empty_workspace.user)

    assert store.get_article("greeting").revision == 1
    assert len(store.list_revisions("greeting")) == 1
    assert store.all_slugs() == {"greeting"}


def test_listing_filters_by_status(empty_workspace: Workspace) -> None:
    user = empty_workspace.user
    store.save_article(FIRST, user)
    store.save_article(replace(FIRST, slug="draft-one", status=Status.DRAFT), user)

    assert [a.slug for a in store.list_articles(Status.DRAFT)] == ["draft-one"]
    assert [a.slug for a in store.list_articles(Status.PUBLISHED)] == ["greeting"]
    assert store.all_slugs() == {"greeting", "draft-one"}
