"""Links between playbook articles.

Inside the app an article links to another as ``article:SLUG``; on disk (import and
export) the same link is a relative path to the other ``.md`` file, so a playbook
folder reads correctly in any Markdown viewer too.
"""

from __future__ import annotations

ARTICLE_SCHEME = "article"


def article_url(slug: str) -> str:
    return f"{ARTICLE_SCHEME}:{slug}"


def slug_from_url(url: str) -> str | None:
    """The slug an in-app link points at, or None for any other kind of link."""
    prefix = f"{ARTICLE_SCHEME}:"
    if not url.startswith(prefix):
        return None
    slug = url[len(prefix) :].strip("/").split("#", 1)[0]
    return slug or None
