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
from kb.article import MAX_SLUG, MAX_TITLE, ArticleDraft, Status

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml: the same rules, parsed in Python
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

KNOWN_KEYS = ("slug", "title", "category", "tags", "aliases", "status", "review_by")
_OPENING = re.compile(r"---[ \t]*(?:\n|$)")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
# Characters PyYAML may write raw inside a quoted scalar yet read back as a line break
# or drop (NEL, LS, PS, CR, controls, BOM): such strings are forced into double quotes,
# where they are written as escapes and survive the round trip.
_NEEDS_ESCAPES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")

# Front matter holds a few short fields; anything near these limits is a mistake or an
# attack, and refusing it early keeps parsing cheap whatever the file holds.
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_NESTING = 16
MAX_CATEGORY = MAX_SLUG  # a category becomes a slug, the name of an export folder
MAX_TAG = 60  # the length a tag is cut to when saved (see kb.article)
MAX_ALIAS = MAX_TITLE  # an alias is another title for the article
MAX_LIST_ITEMS = 100
_CORE_TAG = "tag:yaml.org,2002:"
# Tags for plain data only; "!" is YAML's "just text" for a quoted or tagged scalar.
_ALLOWED_TAGS = frozenset(
    {"!"}
    | {
        _CORE_TAG + name
        for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
    }
)


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
    """Turn a loaded YAML mapping into typed fields; ``null`` counts as "not given".

    Each field accepts only its own shape and is checked before anything is turned into
    text, so a list or mapping is refused by name instead of becoming ``"['a', 'b']"``.
    """
    return FrontMatter(
        slug=_optional_text(mapping.get("slug"), "slug", MAX_SLUG),
        title=_optional_text(mapping.get("title"), "title", MAX_TITLE),
        category=_optional_text(mapping.get("category"), "category", MAX_CATEGORY),
        tags=_text_list(mapping.get("tags"), "tags", MAX_TAG),
        aliases=_text_list(mapping.get("aliases"), "aliases", MAX_ALIAS),
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


class _Loader(_SafeLoader):
    """A safe loader that keeps numbers and yes/no words as the text that was written.

    A title ``1.10`` stays "1.10" rather than becoming the float 1.1, a tag ``yes`` stays
    "yes" rather than True, and a slug of 5,000 digits is never handed to ``int()``
    (which refuses past 4,300 digits). Fields that need a date still get one.
    """


def _source_text(loader: _SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


def _timestamp(loader: _SafeLoader, node: yaml.Node) -> date:
    """A YAML date, with "2027-13-45" refused as YAML rather than as a bare ValueError."""
    value = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    try:
        if not yaml.constructor.SafeConstructor.timestamp_regexp.match(value):
            raise ValueError("not in the form YYYY-MM-DD")
        stamp = yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{value[:40]!r} is not a real date ({exc})", node.start_mark
        ) from exc
    return stamp


for _name in ("bool", "int", "float"):
    _Loader.add_constructor(f"{_CORE_TAG}{_name}", _source_text)
_Loader.add_constructor(f"{_CORE_TAG}timestamp", _timestamp)


def _load_mapping(yaml_text: str) -> dict[Any, Any]:
    if len(yaml_text) > MAX_FRONT_MATTER_CHARS:
        raise InvalidInput(
            f"the front matter is {len(yaml_text):,} characters long, over the "
            f"{MAX_FRONT_MATTER_CHARS:,} allowed; keep long text in the body"
        )
    try:
        _check_events(yaml_text)
        loaded = yaml.load(yaml_text, Loader=_Loader)
    except InvalidInput:
        raise
    except yaml.MarkedYAMLError as exc:
        raise InvalidInput(
            f"the front matter is not valid YAML{_where(exc.problem_mark)}: {exc.problem}"
        ) from exc
    except yaml.reader.ReaderError as exc:
        raise InvalidInput(
            f"the front matter is not valid YAML: it contains the character "
            f"U+{exc.character:04X}, which YAML does not allow"
        ) from exc
    except Exception as exc:  # a safety net: no YAML input may end in a traceback
        raise InvalidInput(f"the front matter is not valid YAML: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        kind = "a list" if isinstance(loaded, list) else "plain text"
        raise InvalidInput(f"the front matter must be 'key: value' lines, but it is {kind}")
    return loaded


def _check_events(yaml_text: str) -> None:
    """Refuse anchors, aliases, foreign tags and deep nesting before anything is built.

    An alias lets a few lines stand for billions of nodes ("billion laughs"), a Python
    tag asks for an object to be made, and thousands of nested brackets exhaust the
    recursion of the composer. None of them belongs in an article's fields, and the
    parser's event stream shows all of them without building a single node.
    """
    depth = 0
    for event in yaml.parse(yaml_text, Loader=_Loader):
        where = _where(event.start_mark)
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise InvalidInput(
                f"the front matter may not use YAML anchors (&name) or aliases (*name){where}; "
                "write each value out in full"
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in _ALLOWED_TAGS:
            shown = tag.replace(_CORE_TAG, "!!", 1)[:60]
            raise InvalidInput(
                f"the front matter may not use the YAML tag {shown!r}{where}; "
                "remove it and write plain text"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise InvalidInput(
                    f"the front matter nests lists or mappings more than {MAX_NESTING} deep"
                    f"{where}; article fields are plain text, lists of words, or dates"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _where(mark: Any) -> str:
    # Line numbers are shifted by one for the opening '---' so they match an editor.
    return f" on line {mark.line + 2}" if mark is not None else ""


def _kind(value: object) -> str:
    """What was found, in the words of someone who writes YAML by hand."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (key: value pairs)"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, str):
        return "text"
    return f"a value of type {type(value).__name__}"


def _optional_text(value: object, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidInput(f"the front-matter field '{field}' must be text, not {_kind(value)}")
    length = len(" ".join(value.split()))
    if length > limit:
        raise InvalidInput(
            f"the front-matter field '{field}' is longer than {limit} characters "
            f"(it has {length:,})"
        )
    return _checked_text(value, field)


def _text_list(value: object, field: str, limit: int) -> tuple[str, ...]:
    """A YAML list of words, or one comma-separated string of them."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[object] = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, list):
        items = [item for item in value if item is not None]
    else:
        raise InvalidInput(
            f"the front-matter field '{field}' must be a list, e.g. [one, two], not {_kind(value)}"
        )
    if len(items) > MAX_LIST_ITEMS:
        raise InvalidInput(
            f"the front-matter field '{field}' has {len(items):,} entries; "
            f"the limit is {MAX_LIST_ITEMS}"
        )
    words = []
    for item in items:
        if isinstance(item, list | dict):
            raise InvalidInput(
                f"each entry of '{field}' must be a single word or phrase, not {_kind(item)}"
            )
        length = len(" ".join(item.split())) if isinstance(item, str) else 0
        if length > limit:
            raise InvalidInput(
                f"each entry of '{field}' must be at most {limit} characters; one has {length:,}"
            )
        text = _optional_text(item, field, limit)
        if text and text.strip():
            words.append(text.strip())
    return tuple(words)


def _status(value: object) -> Status:
    if value is None:
        return Status.PUBLISHED
    if not isinstance(value, str):
        raise InvalidInput(
            f"the front-matter field 'status' must be 'draft' or 'published', not {_kind(value)}"
        )
    text = value.strip().lower()
    if text not in {s.value for s in Status}:
        raise InvalidInput(f"the status {value[:40]!r} is not known: use 'draft' or 'published'")
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
            f"review_by {value[:40]!r} is not a date: write it as YYYY-MM-DD, e.g. 2027-06-30"
        )
    raise InvalidInput(
        f"the front-matter field 'review_by' must be a date such as 2027-06-30, not {_kind(value)}"
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
