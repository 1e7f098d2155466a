"""Rendering keeps Markdown features and strips every kind of active content."""

from __future__ import annotations

import pytest

from kb.markdown_guard import MAX_NESTING
from kb.render import render_markdown


def test_tables_fenced_code_and_lists_render() -> None:
    html = render_markdown(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode here\n```\n\n1. one\n2. two\n"
    )
    assert "<table>" in html and "<td>1</td>" in html
    assert "<pre><code>code here" in html
    assert "<ol>" in html


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert('x')</script>", "alert"),
        ("<style>body{display:none}</style>", "display"),
        ('<iframe src="https://evil.example"></iframe>', "iframe"),
        ('<object data="x.swf"></object>', "object"),
        ('<embed src="x.swf">', "embed"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href="#" onclick="steal()">x</a>', "onclick"),
        ('<p onmouseover="steal()">x</p>', "onmouseover"),
        ("[click](javascript:alert(1))", "javascript"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
        ("[local](file:///etc/passwd)", "file:"),
        ('<a href="data:text/html,hi">x</a>', "data:"),
    ],
)
def test_active_content_is_stripped(source: str, forbidden: str) -> None:
    assert forbidden.lower() not in render_markdown(source).lower()


def test_allowed_links_survive() -> None:
    html = render_markdown("[web](https://example.org) [mail](mailto:a@b.c) [in](article:greeting)")
    assert 'href="https://example.org"' in html
    assert 'href="mailto:a@b.c"' in html
    assert 'href="article:greeting"' in html


def test_text_of_unsafe_markup_is_escaped_not_executed() -> None:
    html = render_markdown("Use `<b>` tags & ampersands")
    assert "&lt;b&gt;" in html and "&amp;" in html


def test_a_quote_nested_past_the_limit_shows_its_deeper_markers_as_text() -> None:
    html = render_markdown(">" * 100 + " deep down")
    assert html.count("<blockquote>") == MAX_NESTING
    assert "&gt;" * 10 in html and "deep down" in html


def test_a_long_horizontal_rule_is_still_a_rule() -> None:
    assert "<hr" in render_markdown("before\n\n" + "* " * 40 + "\n\nafter")


def test_a_few_stray_angle_brackets_render_as_always() -> None:
    html = render_markdown("if a < b and c <d then <b>bold</b>")
    assert "a &lt; b" in html and "<b>bold</b>" in html


def test_a_wall_of_unclosed_tags_shows_as_the_text_typed() -> None:
    html = render_markdown("Start. " + "<a " * 5_000)
    assert "Start." in html and "&lt;a &lt;a" in html


def test_a_paragraph_with_too_much_markup_is_shown_literally() -> None:
    assert "<em>a</em>" in render_markdown("*a* " * 10)
    html = render_markdown("*a* " * 2_000)
    assert "<em>" not in html and "*a* *a*" in html


def test_one_enormous_line_after_a_title_still_shows_its_beginning() -> None:
    """The cut for length falls at a line break, but not at the only one, after the title."""
    html = render_markdown("# Bracket storm\n\n" + "[x](" * 100_000)
    assert "<h1>Bracket storm</h1>" in html
    assert "[x]([x]([x](" in html
    assert "too long to show in full" in html
