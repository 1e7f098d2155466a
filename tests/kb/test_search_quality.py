"""Search quality against the default playbook: what an agent types finds the right article."""

from __future__ import annotations

import pytest

from kb.workspace import Workspace

NATURAL_QUERIES = [
    ("the caller keeps swearing at me", "abusive-callers"),
    ("customer is yelling insults", "abusive-callers"),
    ("wants to talk to my manager", "escalation"),
    ("transfer the call to billing", "handoff"),
    ("I don't understand what they want", "understand-the-goal"),
    ("what questions should I ask", "gather-information"),
    ("how do I answer the phone", "greeting"),
    ("caller is upset and crying", "empathy"),
    ("how to say no nicely", "positive-language"),
    ("customer says the bill is wrong", "conflicts"),
    ("not my department", "staying-in-your-lane"),
    ("I'm stuck and need help", "ask-for-help-early"),
    ("can I promise a refund", "check-with-your-team"),
    ("explain technical problem in plain words", "present-issues-simply"),
    ("how to end the call", "disengaging"),
    ("what to write in the notes", "recording"),
    ("promised to call them back", "follow-up"),
    ("put the caller on hold", "hold-and-transfer"),
    ("this is the third time they called", "repeat-callers"),
]


def top_slugs(workspace: Workspace, text: str, limit: int = 3) -> list[str]:
    workspace.ensure_index()
    return [hit.slug for hit in workspace.index.search(text, limit=limit).hits]


@pytest.mark.parametrize(("text", "expected"), NATURAL_QUERIES)
def test_natural_queries_find_the_article_in_the_top_three(
    workspace: Workspace, text: str, expected: str
) -> None:
    assert expected in top_slugs(workspace, text)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("abusi", "abusive-callers"), ("escal", "escalation"), ("caller on ho", "hold-and-transfer")],
)
def test_half_typed_last_word_matches_as_prefix(
    workspace: Workspace, typed: str, expected: str
) -> None:
    assert expected in top_slugs(workspace, typed)


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("escalaton", "escalation"), ("abusve caller", "abusive-callers"), ("grteeting", "greeting")],
)
def test_misspelt_words_still_find_the_article(
    workspace: Workspace, typo: str, expected: str
) -> None:
    assert expected in top_slugs(workspace, typo)


def test_a_lone_misspelling_is_widened_to_similar_spellings(workspace: Workspace) -> None:
    workspace.ensure_index()
    results = workspace.index.search("escalaton ", limit=3)
    assert results.widened
    assert results.hits[0].slug == "escalation"


def test_title_match_ranks_above_a_body_mention(workspace: Workspace) -> None:
    assert top_slugs(workspace, "handoff", limit=1) == ["handoff"]


def test_snippet_marks_the_matching_words(workspace: Workspace) -> None:
    workspace.ensure_index()
    hit = workspace.index.search("supervisor", limit=1).hits[0]
    assert "<b>" in hit.snippet.to_html()
    assert "supervisor" in hit.snippet.to_text().lower()
