""" "Changed since you last read": agents notice when a published article moves on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from companion.users import Role, User, create_user
from kb import editing, reads, store
from kb.article import ArticleDraft, Status
from kb.workspace import Workspace, open_workspace

ARTICLE = ArticleDraft(slug="refunds", title="Refunds", body="Refund within 14 days.\n")


@pytest.fixture
def grace(workspace: Workspace) -> User:
    return create_user("Grace", Role.SUPERVISOR)


@pytest.fixture
def ada(workspace: Workspace) -> User:
    return create_user("Ada", Role.AGENT)


def _publish(workspace: Workspace, user: User, body: str) -> None:
    editing.save_working_copy(
        workspace.playbook, user, replace(ARTICLE, body=body), editing="refunds"
    )
    editing.publish(workspace.playbook, user, "refunds")


def test_an_article_never_opened_is_not_flagged(
    workspace: Workspace, grace: User, ada: User
) -> None:
    _publish(workspace, grace, "Refund within 14 days.\n")

    assert reads.changed_since_read(ada, "refunds") is None


def test_a_newer_published_revision_is_flagged_until_read_again(
    workspace: Workspace, grace: User, ada: User
) -> None:
    _publish(workspace, grace, "Refund within 14 days.\n")
    reads.mark_read(ada, "refunds", store.visible_article("refunds").revision)

    _publish(workspace, grace, "Refund within 30 days.\n")

    assert reads.changed_since_read(ada, "refunds") == (2, 4)
    reads.mark_read(ada, "refunds", 4)
    assert reads.changed_since_read(ada, "refunds") is None


def test_drafts_saved_since_the_read_do_not_count(
    workspace: Workspace, grace: User, ada: User
) -> None:
    _publish(workspace, grace, "Refund within 14 days.\n")
    reads.mark_read(ada, "refunds", 2)

    editing.save_working_copy(
        workspace.playbook, grace, replace(ARTICLE, body="Not yet agreed.\n"), editing="refunds"
    )

    assert reads.changed_since_read(ada, "refunds") is None


def test_reads_are_per_person(workspace: Workspace, grace: User, ada: User) -> None:
    _publish(workspace, grace, "Refund within 14 days.\n")
    reads.mark_read(ada, "refunds", 2)
    _publish(workspace, grace, "Refund within 30 days.\n")
    reads.mark_read(grace, "refunds", 4)

    assert reads.changed_since_read(grace, "refunds") is None
    assert reads.changed_since_read(ada, "refunds") == (2, 4)


def test_upgrading_an_old_database_keeps_agents_on_the_published_text(data_dir: Path) -> None:
    workspace = open_workspace(data_dir)
    user = workspace.user
    store.save_article(replace(ARTICLE, body="Published text.\n"), user)
    store.save_article(replace(ARTICLE, body="Half-written draft.\n", status=Status.DRAFT), user)
    db = workspace.database
    # What a database written before playbook migration 2 looks like.
    db.execute_sql("ALTER TABLE articles DROP COLUMN published_revision")
    db.execute_sql("DROP TABLE article_reads")
    db.execute_sql("UPDATE schema_version SET version = 1 WHERE component = 'playbook'")
    workspace.close()

    upgraded = open_workspace(data_dir)
    try:
        assert store.visible_article("refunds").body == "Published text.\n"
        assert store.get_article("refunds").body == "Half-written draft.\n"
        assert store.published_revision("greeting") == 1
        reads.mark_read(upgraded.user, "refunds", 1)
        assert reads.last_read(upgraded.user, "refunds") == 1
    finally:
        upgraded.close()
