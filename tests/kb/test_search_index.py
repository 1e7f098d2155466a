"""The index as derived data: codes, drafts, staleness, corruption and hostile queries."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import store
from kb.article import ArticleDraft, Status
from kb.workspace import Workspace

AIRLOCK = ArticleDraft(
    slug="airlock-fault",
    title="Airlock will not cycle",
    body="If the panel shows E-DOCK-101 the outer door sensor is not reporting. "
    "Ask the caller to read the code aloud.",
    category="faults",
    tags=("airlock", "docking"),
    aliases=("door stuck",),
)

HOSTILE_QUERIES = [
    "",
    "   ",
    "\t\n",
    "?",
    "*",
    "!!!",
    '"unbalanced',
    "(open [bracket {",
    "AND",
    "OR NOT",
    "NOT",
    "a" * 10_000,
    "word " * 2_000,
    "😡😡 refund",
    "שלום עולם",
    "مرحبا",
    "\x00\x01\x02",
    "field:value title:",
    "~2 ^3 +-",
]


def test_error_code_and_its_parts_are_searchable(empty_workspace: Workspace) -> None:
    empty_workspace.playbook.save(AIRLOCK, empty_workspace.user)
    empty_workspace.ensure_index()
    for text in ("E-DOCK-101", "e-dock-101", "dock 101"):
        assert [h.slug for h in empty_workspace.index.search(text).hits] == ["airlock-fault"]


def test_misspelling_finds_airlock_when_exact_matching_finds_nothing(
    empty_workspace: Workspace,
) -> None:
    empty_workspace.playbook.save(AIRLOCK, empty_workspace.user)
    empty_workspace.ensure_index()
    results = empty_workspace.index.search("airlok")
    assert [h.slug for h in results.hits] == ["airlock-fault"]
    assert results.widened


def test_a_saved_article_is_searchable_at_once(workspace: Workspace) -> None:
    workspace.ensure_index()
    assert not workspace.index.search("E-DOCK-101").hits
    workspace.playbook.save(AIRLOCK, workspace.user)
    assert workspace.index.search("E-DOCK-101").hits[0].slug == "airlock-fault"
    assert not workspace.ensure_index(), "saving kept the index fresh; no rebuild needed"


def test_drafts_are_hidden_unless_asked_for(empty_workspace: Workspace) -> None:
    draft = ArticleDraft(**{**AIRLOCK.__dict__, "status": Status.DRAFT})
    empty_workspace.playbook.save(draft, empty_workspace.user)
    empty_workspace.ensure_index()
    assert not empty_workspace.index.search("airlock").hits
    assert empty_workspace.index.search("airlock", include_drafts=True).hits


def test_missing_index_is_rebuilt(workspace: Workspace) -> None:
    workspace.ensure_index()
    workspace.index.close()
    shutil.rmtree(workspace.index.directory)
    assert workspace.ensure_index()
    assert workspace.index.search("greeting").hits


# whoosh leaks the file handle of a table of contents it fails to parse; the leak is
# whoosh's, reported when the garbage collector closes it, and harmless here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_corrupt_index_is_rebuilt(workspace: Workspace) -> None:
    workspace.ensure_index()
    workspace.index.close()
    for path in workspace.index.directory.iterdir():
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(b"garbage")
    assert workspace.ensure_index()
    assert workspace.index.search("greeting").hits


def test_index_behind_the_database_is_rebuilt(workspace: Workspace) -> None:
    workspace.ensure_index()
    store.save_article(AIRLOCK, workspace.user)  # bypasses the index, as another program might
    assert workspace.ensure_index()
    assert workspace.index.search("airlock").hits


def test_rebuild_reports_progress(workspace: Workspace) -> None:
    seen: list[tuple[int, int]] = []
    count = workspace.rebuild_index(lambda done, total: seen.append((done, total)))
    assert seen[-1] == (count, count)


def test_hostile_queries_never_raise(workspace: Workspace) -> None:
    workspace.ensure_index()
    for text in HOSTILE_QUERIES:
        results = workspace.index.search(text)
        assert len(results.hits) <= 10


def test_empty_and_punctuation_queries_return_nothing(workspace: Workspace) -> None:
    workspace.ensure_index()
    for text in ("", "   ", "?", "*", "!!!"):
        assert workspace.index.search(text).hits == ()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_text_is_a_valid_query(workspace: Workspace, text: str) -> None:
    workspace.ensure_index()
    results = workspace.index.search(text, limit=5)
    assert all(hit.slug for hit in results.hits)


def test_related_articles_follow_what_the_call_is_about(workspace: Workspace) -> None:
    workspace.ensure_index()
    notes = (
        "Caller shouting and swearing at me, insulting language, threatening to sue. "
        "Asked him to keep it respectful."
    )
    slugs = [hit.slug for hit in workspace.index.related(notes, limit=3)]
    assert "abusive-callers" in slugs
    assert workspace.index.related("   ") == ()
