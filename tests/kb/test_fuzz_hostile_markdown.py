"""Generated hostile Markdown goes through import, index, search and rendering unharmed.

Playbook files come from folders anyone could have edited. Whatever they hold, the
import either takes the file or refuses it with a reason, search keeps answering, and
the article view gets sanitised HTML: never a traceback, never a script or an event
handler. Speed is the benchmark's business (``python -m bench.hostile_text``); the
deadline here only catches a pass that has gone quadratic, with room to spare.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import store
from kb.importer import MAX_LINKS_CHECKED, import_playbook
from kb.render import render_markdown
from kb.search.text import markdown_to_text, words_of
from kb.workspace import Workspace

pytestmark = pytest.mark.slow

WORDS = ("refund", "parcel", "caller", "supervisor", "zebracorn")
ATTACKS = (
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="#" onclick="steal()">x</a>',
    "[click](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<style>p{}</style>",
    '<iframe src="https://evil.example">',
)
SPECIALS = ("[", "]", "(", ")", "*", "_", "<", ">", "#", "`", "\\", "!", "-", "|", "~", "&#")
TOKENS = (
    *SPECIALS,
    *WORDS,
    *ATTACKS,
    "<!--",
    "-->",
    "```",
    "~~~",
    "    ",
    " ",
    "\n",
    "\n\n",
    "> ",
    "- ",
    "1. ",
    "[x](",
    "](",
    "<a ",
    "&amp;",
    "&#123456789;",
    "\u202e",  # right-to-left override
    "שלום",
    "😀",
    "\x00",
)

runs = st.builds(
    lambda token, count: token * count, st.sampled_from(SPECIALS), st.integers(1, 3_000)
)
quotes = st.integers(1, 3_000).map(lambda depth: ">" * depth + " deep\n")
lists = st.integers(1, 500).map(lambda depth: "".join(f"{'  ' * d}- item\n" for d in range(depth)))
long_line = st.integers(1_000, 40_000).map(lambda size: "word " * (size // 5))
strange = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
pieces = st.one_of(runs, quotes, lists, long_line, strange, st.sampled_from(TOKENS))
hostile_markdown = st.lists(pieces, min_size=1, max_size=25).map("".join)

_HANDLER = re.compile(r"<[^>]*\son\w+\s*=", re.IGNORECASE)


@settings(
    derandomize=True,
    max_examples=60,
    deadline=5_000,
    # One workspace serves every example (re-importing updates the same article), and
    # the generated texts are large on purpose.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(text=hostile_markdown, word=st.sampled_from(WORDS))
def test_hostile_markdown_imports_indexes_searches_and_renders_safely(
    empty_workspace: Workspace, tmp_path: Path, text: str, word: str
) -> None:
    workspace = empty_workspace
    folder = tmp_path / "playbook"
    folder.mkdir(exist_ok=True)
    (folder / "hostile.md").write_text(f"{text}\n\n{word}\n", encoding="utf-8")

    report = import_playbook(folder, workspace.playbook, workspace.user)

    html = render_markdown(text)
    assert "<script" not in html.lower()
    assert not _HANDLER.search(html)
    assert "javascript:" not in html.lower()
    if report.failed:
        assert all(result.reason for result in report.failed)
        return
    article = store.visible_article("hostile")
    results = workspace.index.search(word)
    if word in words_of(markdown_to_text(article.body)):
        assert "hostile" in [hit.slug for hit in results.hits]
    shown = render_markdown(article.body)
    assert "<script" not in shown.lower()
    assert not _HANDLER.search(shown)


def test_an_enormous_article_is_shown_in_part_and_says_so() -> None:
    html = render_markdown("Opening words.\n\n" + "A long paragraph of prose. " * 40_000)
    assert "Opening words." in html
    assert "too long to show in full" in html


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000,
        "[x](" * 50_000,
        "<a " * 60_000,
        "> " * 100_000 + "deep",
        "\\" * 200_000,
        "&#" * 100_000,
        "- " * 100_000 + "item",
    ],
)
def test_a_wall_of_markup_renders_as_its_own_text(text: str) -> None:
    html = render_markdown(text + "\n\nzebracorn")
    assert "<script" not in html
    # Each page shows the characters it was made of, not an empty view.
    visible = re.sub(r"<[^>]+>", "", html)
    assert visible.strip()


def test_a_file_of_countless_links_imports_and_says_which_were_checked(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "playbook"
    folder.mkdir()
    links = " ".join(f"[step {n}](missing-{n}.md)" for n in range(MAX_LINKS_CHECKED + 50))
    (folder / "links.md").write_text(f"# Links\n\n{links}\n", encoding="utf-8")
    report = import_playbook(folder, empty_workspace.playbook, empty_workspace.user)
    assert not report.failed
    assert len(report.broken_links) == MAX_LINKS_CHECKED
    (result,) = report.files
    assert any("only the first 10,000 different links were checked" in n for n in result.notes)
    assert "(missing-10049.md)" in store.visible_article("links").body
