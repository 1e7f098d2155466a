"""The "changed since you last read" comparison shows readers text changes only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import pytest

from companion.users import Role, create_user
from kb import editing, store
from kb.article import ArticleDraft, Status
from kb.editing import DiffKind
from kb.workspace import Workspace

FIRST = ArticleDraft(
    slug="refunds",
    title="Refunds",
    body="Greet.\n\nCheck the invoice.\n\nThank them.\n",
    category="billing",
    review_by=date(2027, 1, 1),
    status=Status.PUBLISHED,
)


def _revisions(monkeypatch: pytest.MonkeyPatch, second: ArticleDraft) -> None:
    texts = {1: FIRST, 2: second}
    monkeypatch.setattr(
        store, "get_revision", lambda slug, number: SimpleNamespace(content=texts[number])
    )


def test_only_a_status_change_shows_nothing(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    grace = create_user("Grace", Role.SUPERVISOR)
    _revisions(monkeypatch, replace(FIRST, status=Status.DRAFT))
    assert editing.reader_diff(grace, "refunds", 1, 2) == []


def test_the_comparison_has_no_blank_rows(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = create_user("Ada", Role.AGENT)
    _revisions(
        monkeypatch, replace(FIRST, body="Greet.\n\nCheck the invoice twice.\n\nThank them.\n")
    )
    rows = editing.reader_diff(agent, "refunds", 1, 2)
    assert all(row.left.strip() or row.right.strip() for row in rows)
    assert any(
        row.kind is DiffKind.CHANGED and row.right == "Check the invoice twice." for row in rows
    )
    assert not any(
        row.left.startswith("Status:") and row.kind is not DiffKind.EQUAL for row in rows
    )
