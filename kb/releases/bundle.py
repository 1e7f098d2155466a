"""What a release file holds, and reading it back into checked values.

A ``.cpb`` is a sealed archive (:mod:`companion.sealed_archive`) of kind
``companion-playbook-release`` with two JSON Lines parts:

* ``articles.jsonl``: one line per published article: its head-office id, slug, the
  id of the published revision, and every revision up to that one with its original
  id, author (id and name) and time;
* ``rules.jsonl``: one line per phrasing rule, with every revision likewise.

The manifest adds the release's own fields (id, number, parent, series, author, time,
counts) and, per article, its revision ids. Reading checks every checksum first (the
archive does), then that every value is one this Companion can store: a hand-made
file with valid checksums but a bad slug is refused as a whole, like a damaged one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from companion.errors import CompanionError, InvalidInput
from companion.phrasing import PhrasingRule, Severity
from companion.sealed_archive import PLAYBOOK_RELEASE, SealedArchive, open_archive
from kb.article import ArticleDraft, Status
from kb.releases.reports import ReleaseManifest, release_label

#: The release file format this Companion writes and the newest it reads.
FORMAT = 1
ARTICLES_PART = "articles.jsonl"
RULES_PART = "rules.jsonl"
RULE_FIELDS = ("pattern", "suggestion", "why", "replaceable", "severity", "unless", "enabled")


@dataclass(frozen=True)
class Author:
    """Who saved a revision at head office; None id: shipped with Companion."""

    id: str
    name: str


@dataclass(frozen=True)
class IncomingRevision:
    id: str
    content: ArticleDraft
    content_hash: str
    saved_at: datetime
    author: Author


@dataclass(frozen=True)
class IncomingArticle:
    hq_id: str
    slug: str
    revisions: tuple[IncomingRevision, ...]  # oldest first; the last is the published one

    @property
    def theirs(self) -> IncomingRevision:
        return self.revisions[-1]


@dataclass(frozen=True)
class IncomingRuleRevision:
    id: str
    rule: PhrasingRule
    content_hash: str
    saved_at: datetime
    author: Author | None


@dataclass(frozen=True)
class IncomingRule:
    rule_id: str
    revisions: tuple[IncomingRuleRevision, ...]

    @property
    def theirs(self) -> IncomingRuleRevision:
        return self.revisions[-1]


@dataclass(frozen=True)
class Release:
    """A whole release file, read and checked; nothing of it is stored yet."""

    manifest: ReleaseManifest
    digest: str
    articles: tuple[IncomingArticle, ...]
    rules: tuple[IncomingRule, ...]


def rule_hash(rule: PhrasingRule) -> str:
    """Identifies a rule's content, so a site can tell its own edit from head office's."""
    values = [rule.id, *(str(getattr(rule, name)) for name in RULE_FIELDS)]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode("utf-8")).hexdigest()


def manifest_meta(manifest: ReleaseManifest, revision_ids: dict[str, list[str]]) -> dict[str, Any]:
    """The release's own manifest fields."""
    return {
        "release_id": manifest.release_id,
        "number": manifest.number,
        "label": manifest.label,
        "parent_id": manifest.parent_id,
        "series": manifest.series,
        "author": manifest.author,
        "made_at": manifest.made_at.isoformat(),
        "article_count": manifest.article_count,
        "articles": revision_ids,
    }


def read_bundle(path: Path) -> Release:
    """Every checksum verified and every value checked; raises InvalidInput naming ``path``."""
    with open_archive(path, PLAYBOOK_RELEASE, FORMAT) as archive:
        reader = _Reader(path, archive)
        manifest = reader.manifest()
        articles = reader.articles()
        rules = reader.rules()
        reader.check_listing(articles)
    if manifest.article_count != len(articles):
        raise reader.refuse("its article count does not match its articles")
    return Release(manifest, archive.digest, articles, rules)


class _Reader:
    def __init__(self, path: Path, archive: SealedArchive) -> None:
        self.path = path
        self.archive = archive
        self.meta = archive.meta

    def refuse(self, reason: str) -> InvalidInput:
        return InvalidInput(
            f"{self.path} cannot be used as a playbook release: {reason}; nothing was changed."
        )

    def manifest(self) -> ReleaseManifest:
        meta = self.meta
        try:
            number = meta["number"]
            count = meta["article_count"]
            if not isinstance(number, int) or not isinstance(count, int) or number < 1:
                raise TypeError("number")
            parent = meta.get("parent_id")
            return ReleaseManifest(
                release_id=_text(meta["release_id"], 36),
                number=number,
                label=release_label(number),
                parent_id=None if parent is None else _text(parent, 36),
                series=_text(meta["series"], 36),
                author=_text(meta["author"], 255),
                made_at=_time(meta["made_at"]),
                article_count=count,
                schema=self.archive.format,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self.refuse("its manifest does not describe a release") from exc

    def check_listing(self, articles: tuple[IncomingArticle, ...]) -> None:
        listed = self.meta.get("articles")
        actual = {a.hq_id: [r.id for r in a.revisions] for a in articles}
        if listed != actual:
            raise self.refuse("its manifest's revision list does not match its articles")

    def articles(self) -> tuple[IncomingArticle, ...]:
        articles: list[IncomingArticle] = []
        seen_ids: set[str] = set()
        slugs: set[str] = set()
        revision_ids: set[str] = set()
        for number, line in enumerate(self._lines(ARTICLES_PART), start=1):
            try:
                article = _article(line)
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                raise self.refuse(f"article {number} is not complete ({exc})") from exc
            except CompanionError as exc:
                raise self.refuse(f"article {number}: {exc}") from exc
            ids = {r.id for r in article.revisions}
            if (
                article.hq_id in seen_ids
                or article.slug in slugs
                or ids & revision_ids
                or len(ids) != len(article.revisions)
            ):
                raise self.refuse(f"article {number} ({article.slug}) appears twice")
            seen_ids.add(article.hq_id)
            slugs.add(article.slug)
            revision_ids |= ids
            articles.append(article)
        return tuple(articles)

    def rules(self) -> tuple[IncomingRule, ...]:
        rules: list[IncomingRule] = []
        seen: set[str] = set()
        for number, line in enumerate(self._lines(RULES_PART), start=1):
            try:
                rule = _rule(line)
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                raise self.refuse(f"phrasing rule {number} is not complete ({exc})") from exc
            if rule.rule_id in seen:
                raise self.refuse(f"phrasing rule {rule.rule_id} appears twice")
            seen.add(rule.rule_id)
            rules.append(rule)
        return tuple(rules)

    def _lines(self, part: str) -> Iterator[Any]:
        if part not in self.archive.parts:
            raise self.refuse(f"it has no {part}")
        for line in self.archive.iter_json_lines(part):
            if not isinstance(line, dict):
                raise self.refuse(f"{part} holds something other than records")
            yield line


def _text(value: object, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise ValueError(f"{value!r} is not valid here")
    return value


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        raise TypeError("a time must be text")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        raise ValueError("times are naive UTC")
    return moment


def _author(value: object) -> Author:
    if not isinstance(value, dict):
        raise TypeError("an author must be a record")
    return Author(_text(value["id"], 36), _text(value["name"], 255))


def _article(line: dict[str, Any]) -> IncomingArticle:
    revisions = line["revisions"]
    if not isinstance(revisions, list) or not revisions:
        raise ValueError("an article needs at least one revision")
    parsed = tuple(_revision(r) for r in revisions)
    slug = parsed[-1].content.slug
    if line["published"] != parsed[-1].id or parsed[-1].content.status is not Status.PUBLISHED:
        raise ValueError("its last revision must be the published one")
    if line["slug"] != slug:
        raise ValueError("its slug does not match its revisions")
    return IncomingArticle(_text(line["id"], 36), slug, parsed)


def _revision(value: object) -> IncomingRevision:
    if not isinstance(value, dict):
        raise TypeError("a revision must be a record")
    review = value["review_by"]
    tags, aliases = value["tags"], value["aliases"]
    if not isinstance(tags, list) or not isinstance(aliases, list):
        raise TypeError("tags and aliases are lists")
    for field in ("slug", "title", "body", "category", "status"):
        if not isinstance(value[field], str):
            raise TypeError(f"{field} must be text")
    content = ArticleDraft(
        slug=value["slug"],
        title=value["title"],
        body=value["body"],
        category=value["category"],
        tags=tuple(str(t) for t in tags),
        aliases=tuple(str(a) for a in aliases),
        status=Status(value["status"]),
        review_by=None if review is None else date.fromisoformat(review),
    ).validated()
    return IncomingRevision(
        id=_text(value["id"], 36),
        content=content,
        content_hash=content.content_hash(),
        saved_at=_time(value["saved_at"]),
        author=_author(value["saved_by"]),
    )


def _rule(line: dict[str, Any]) -> IncomingRule:
    rule_id = _text(line["rule_id"], 80)
    revisions = line["revisions"]
    if not isinstance(revisions, list) or not revisions:
        raise ValueError("a rule needs at least one revision")
    return IncomingRule(rule_id, tuple(_rule_revision(rule_id, r) for r in revisions))


def _rule_revision(rule_id: str, value: object) -> IncomingRuleRevision:
    if not isinstance(value, dict):
        raise TypeError("a revision must be a record")
    for field in ("pattern", "suggestion", "why", "unless"):
        if not isinstance(value[field], str):
            raise TypeError(f"{field} must be text")
    for field in ("replaceable", "enabled"):
        if not isinstance(value[field], bool):
            raise TypeError(f"{field} must be true or false")
    rule = PhrasingRule(
        id=rule_id,
        pattern=value["pattern"],
        suggestion=value["suggestion"],
        why=value["why"],
        replaceable=value["replaceable"],
        severity=Severity(value["severity"]),
        enabled=value["enabled"],
        unless=value["unless"],
    )
    author = value["saved_by"]
    return IncomingRuleRevision(
        id=_text(value["id"], 36),
        rule=rule,
        content_hash=rule_hash(rule),
        saved_at=_time(value["saved_at"]),
        author=None if author is None else _author(author),
    )
