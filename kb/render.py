"""Markdown to safe HTML for the article viewer.

Articles are written by supervisors and imported from folders anyone could have
edited, so the HTML is sanitised after rendering: only presentational tags survive,
no scripts, styles, frames, objects or event handlers, and links may only use
http(s), mailto or the in-app ``article:`` scheme (never ``javascript:`` or ``file:``).
The same files may hold text built to make a Markdown parser crawl, so the converter
is guarded (:mod:`kb.markdown_guard`) and an enormous article is shown in part, with a
note saying so, rather than freezing whoever opens it.
"""

from __future__ import annotations

import html

import markdown
import nh3

from kb.links import ARTICLE_SCHEME
from kb.markdown_guard import close_enough_tags, guard, shown_part

_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre",
    "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", ARTICLE_SCHEME}
# Dropped together with their content: what they hold is never meant to be read.
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}


def render_markdown(source: str) -> str:
    """Sanitised HTML for ``source``; raw HTML in the Markdown is stripped, not executed.

    Past :data:`kb.markdown_guard.MAX_SHOWN_CHARS` (or too many code fences) only the
    beginning is rendered, followed by a note saying how much is left out.
    """
    shown = shown_part(source)
    converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
    guard(converter)
    rendered = sanitise(converter.convert(close_enough_tags(shown)))
    if len(shown) < len(source):
        rendered += _cut_note(len(shown), len(source))
    return rendered


def _cut_note(shown: int, total: int) -> str:
    percent = max(1, min(99, 100 * shown // total))
    return (
        '<hr><p class="cut"><i>'
        + html.escape(
            f"This article is too long to show in full: the first {percent} % is shown. "
            "Open it in the playbook editor or export it to read the rest."
        )
        + "</i></p>"
    )


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        clean_content_tags=DROP_WITH_CONTENT,
        link_rel=None,
        strip_comments=True,
    )
