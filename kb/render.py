"""Markdown to safe HTML for the article viewer.

Articles are written by supervisors and imported from folders anyone could have
edited, so the HTML is sanitised after rendering: only presentational tags survive,
no scripts, styles, frames, objects or event handlers, and links may only use
http(s), mailto or the in-app ``article:`` scheme (never ``javascript:`` or ``file:``).
"""

from __future__ import annotations

import markdown
import nh3

from kb.links import ARTICLE_SCHEME

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
    """Sanitised HTML for ``source``; raw HTML in the Markdown is stripped, not executed."""
    converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
    return sanitise(converter.convert(source))


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
