"""Plain data for playbook articles, independent of the database.

The importer, the store, the index and the UI all pass these around; validation
lives here so every path that creates an article enforces the same rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from companion.errors import InvalidInput

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 120
MAX_TITLE = 200
MAX_BODY_BYTES = 5 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Every line-break convention becomes "\n"; a single pass is already final.
_LINE_BREAKS = re.compile(r"\r\n|\r")


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens; used when a file name is the only slug."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:MAX_SLUG].strip("-")


@dataclass(frozen=True)
class ArticleDraft:
    """What a caller asks the store to save."""

    slug: str
    title: str
    body: str
    category: str = "general"
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    status: Status = Status.PUBLISHED
    review_by: date | None = None

    def validated(self) -> ArticleDraft:
        """Return a cleaned copy, or raise :class:`InvalidInput` saying what to fix."""
        slug = self.slug.strip().lower()
        if not slug or len(slug) > MAX_SLUG or not SLUG_PATTERN.match(slug):
            raise InvalidInput(
                f"The slug {self.slug[:60]!r} is not valid: use lowercase letters, digits "
                "and single hyphens, e.g. 'abusive-callers'."
            )
        for name in ("slug", "title", "body", "category"):
            _require_encodable(slug, name, getattr(self, name))
        for value in (*self.tags, *self.aliases):
            _require_encodable(slug, "tags and aliases", str(value))
        title = " ".join(_CONTROL.sub(" ", self.title).split())
        if not title:
            raise InvalidInput(f"The article {slug!r} has an empty title.")
        if len(title) > MAX_TITLE:
            raise InvalidInput(f"The title of {slug!r} is longer than {MAX_TITLE} characters.")
        if "\x00" in self.body:
            raise InvalidInput(f"The body of {slug!r} contains NUL bytes; is it a binary file?")
        if len(self.body.encode("utf-8")) > MAX_BODY_BYTES:
            raise InvalidInput(f"The body of {slug!r} is larger than 5 MB.")
        category = slugify(self.category) or "general"
        tags = tuple(dict.fromkeys(t for t in (_clean_word(t) for t in self.tags) if t))
        aliases = tuple(dict.fromkeys(a for a in (_clean_phrase(a) for a in self.aliases) if a))
        return ArticleDraft(
            slug=slug,
            title=title,
            body=_LINE_BREAKS.sub("\n", self.body),
            category=category,
            tags=tags,
            aliases=aliases,
            status=Status(self.status),
            review_by=self.review_by,
        )

    def content_hash(self) -> str:
        """Identifies the content, so saving identical content twice is a no-op."""
        payload = json.dumps(
            [
                self.slug,
                self.title,
                self.category,
                list(self.tags),
                list(self.aliases),
                self.body,
                str(self.status),
                self.review_by.isoformat() if self.review_by else None,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ArticleData:
    """An article as stored: the content plus who saved which revision when."""

    id: str
    slug: str
    title: str
    body: str
    category: str
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    status: Status
    review_by: date | None
    revision: int
    updated_at: datetime
    updated_by: str

    def as_draft(self) -> ArticleDraft:
        return ArticleDraft(
            slug=self.slug,
            title=self.title,
            body=self.body,
            category=self.category,
            tags=self.tags,
            aliases=self.aliases,
            status=self.status,
            review_by=self.review_by,
        )


def _clean_word(text: str) -> str:
    # Cut before stripping, so cleaning a cleaned tag changes nothing (stable hashes).
    return _CONTROL.sub("", str(text)).lower()[:60].strip()


def _clean_phrase(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", str(text)).split())[:200].strip()


def _require_encodable(slug: str, name: str, value: str) -> None:
    """Lone surrogates (from broken escapes) cannot be stored; say so instead of crashing."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"The {name} of {slug[:60]!r} contains characters that are not valid text "
            "(a broken escape sequence?); fix them and save again."
        ) from exc
