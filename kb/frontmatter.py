"""The on-disk article format: YAML front matter between ``---`` lines, then Markdown.

The importer reads this format and the exporter writes it; keeping both directions in
one module is what lets an exported playbook import back without losing a field. The
reader is lenient where people write by hand (a tag list may be a comma-separated
string, ``review_by`` may be a YAML date or a quoted ISO date) and strict where a
guess would surprise (a misspelt status is an error, not silently "published").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml

from companion.errors import InvalidInput
from kb.article import ArticleDraft, Status

KNOWN_KEYS = ("slug", "title", "category", "tags", "aliases", "status", "review_by")
_OPENING = re.compile(r"---[ \t]*(?:\n|$)")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
# Characters PyYAML may write raw inside a quoted scalar yet read back as a line break
# or drop (NEL, LS, PS, CR, controls, BOM): such strings are forced into double quotes,
# where they are written as escapes and survive the round trip.
_NEEDS_ESCAPES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


@dataclass(frozen=True)
class FrontMatter:
    """The article fields a file declares; ``None`` means "not given, use the default"."""

    slug: str | None = None
    title: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    status: Status = Status.PUBLISHED
    review_by: date | None = None
    unknown_keys: tuple[str, ...] = ()


def parse_document(text: str) -> tuple[FrontMatter, str]:
    """Split ``text`` into its front matter and the Markdown body after it.

    A document without a leading ``---`` line has no front matter and is all body.
    Raises :class:`InvalidInput` for front matter that is unterminated, not YAML, not a
    mapping, or has a field of the wrong kind.
    """
    yaml_text, body = split_front_matter(text)
    if yaml_text is None:
        return FrontMatter(), body
    return read_fields(_load_mapping(yaml_text)), body


def split_front_matter(text: str) -> tuple[str | None, str]:
    """Return (YAML text or None when absent, body). The body is kept byte for byte."""
    opening = _OPENING.match(text)
    if opening is None:
        return None, text
    closing = _CLOSING.search(text, opening.end())
    if opening.end() == len(text) or closing is None:
        raise InvalidInput(
            "the front matter that starts with '---' on line 1 is never closed; "
            "add a line with only '---' after it"
        )
    body_start = closing.end() + 1 if text.startswith("\n", closing.end()) else closing.end()
    return text[opening.end() : closing.start()], text[body_start:]


def read_fields(mapping: dict[Any, Any]) -> FrontMatter:
    """Turn a loaded YAML mapping into typed fields; ``null`` counts as "not given"."""
    return FrontMatter(
        slug=_optional_text(mapping.get("slug"), "slug"),
        title=_optional_text(mapping.get("title"), "title"),
        category=_optional_text(mapping.get("category"), "category"),
        tags=_text_list(mapping.get("tags"), "tags"),
        aliases=_text_list(mapping.get("aliases"), "aliases"),
        status=_status(mapping.get("status")),
        review_by=_review_date(mapping.get("review_by")),
        unknown_keys=tuple(str(key) for key in mapping if key not in KNOWN_KEYS),
    )


def render_document(draft: ArticleDraft) -> str:
    """Front matter for every field of ``draft`` (``review_by`` only when set), then its body."""
    fields: dict[str, object] = {
        "slug": draft.slug,
        "title": draft.title,
        "category": draft.category,
        "tags": list(draft.tags),
        "aliases": list(draft.aliases),
        "status": str(draft.status),
    }
    if draft.review_by is not None:
        fields["review_by"] = draft.review_by
    dumped = yaml.dump(fields, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)
    return f"---\n{dumped}---\n{draft.body}"


class _Dumper(yaml.SafeDumper):
    """``yaml.safe_dump``'s dumper, except that it escapes characters that would not survive."""


def _represent_text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = '"' if _NEEDS_ESCAPES.search(data) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_text)


def _load_mapping(yaml_text: str) -> dict[Any, Any]:
    try:
        loaded = yaml.safe_load(yaml_text)
    except yaml.MarkedYAMLError as exc:
        # Line numbers are shifted by one for the opening '---' so they match an editor.
        line = exc.problem_mark.line + 2 if exc.problem_mark is not None else None
        where = f" on line {line}" if line is not None else ""
        raise InvalidInput(f"the front matter is not valid YAML{where}: {exc.problem}") from exc
    except Exception as exc:  # hostile YAML also raises ValueError, RecursionError, ...
        raise InvalidInput(f"the front matter is not valid YAML: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        kind = "a list" if isinstance(loaded, list) else "plain text"
        raise InvalidInput(f"the front matter must be 'key: value' lines, but it is {kind}")
    return loaded


def _optional_text(value: object, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | date):
        return _checked_text(str(value), field)
    raise InvalidInput(f"the front-matter field '{field}' must be text, not a list or mapping")


def _text_list(value: object, field: str) -> tuple[str, ...]:
    """A YAML list of words, or one comma-separated string of them."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list):
        if any(isinstance(item, list | dict) for item in value):
            raise InvalidInput(f"each entry of '{field}' must be a single word or phrase")
        items = (_optional_text(item, field) for item in value)
        return tuple(item for item in items if item)
    raise InvalidInput(f"the front-matter field '{field}' must be a list, e.g. [one, two]")


def _status(value: object) -> Status:
    if value is None:
        return Status.PUBLISHED
    text = str(value).strip().lower()
    if text not in {s.value for s in Status}:
        raise InvalidInput(
            f"the status {str(value)[:40]!r} is not known: use 'draft' or 'published'"
        )
    return Status(text)


def _review_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInput(
        f"review_by {str(value)[:40]!r} is not a date: write it as YYYY-MM-DD, e.g. 2027-06-30"
    )


def _checked_text(text: str, field: str) -> str:
    """Reject lone surrogates: YAML escapes can produce them, and no database stores them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"the front-matter field '{field}' contains characters that are not valid Unicode"
        ) from exc
    return text
