"""Cleaning what people type before it becomes a record, and keys for finding it again.

Text arrives from keyboards, paste buffers and CSV files. Control characters that
a paste drags in are dropped, a NUL byte is refused (it means binary data was
pasted, and the agent should know), and lengths are capped with a message that
says the limit. Emoji and right-to-left scripts are kept exactly as typed.

Search keys are the other half: a folded form of a name (case, accents and
spacing ignored) stored hex-encoded. Hex digits sort the same way under every
database collation, so a prefix search becomes an indexed range on SQLite and
PostgreSQL alike, whatever locale the server was set up with.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Any, TypeVar

import peewee

from companion.errors import InvalidInput

NAME_MAX = 200
FIELD_MAX = 2_000
NOTE_MAX = 100_000

E = TypeVar("E", bound=StrEnum)

_KEEP_IN_MULTILINE = {"\n", "\t"}
_SPACES = re.compile(r"\s+")


def clean_text(
    value: object,
    label: str,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = True,
) -> str:
    """Return ``value`` fit to store, or raise :class:`InvalidInput` saying what to fix."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{label} must be text, not {type(value).__name__}.")
    if "\x00" in value:
        raise InvalidInput(
            f"{label} contains a NUL byte, which usually means something other than text "
            "was pasted. Remove it (retype the text) and try again."
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"{label} contains characters that are not valid text (a broken paste?). "
            "Retype the text and try again."
        ) from exc
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    if multiline:
        text = "".join(
            ch for ch in text if ch in _KEEP_IN_MULTILINE or unicodedata.category(ch) != "Cc"
        )
    else:
        text = "".join(" " if ch.isspace() else ch for ch in text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc")
        text = _SPACES.sub(" ", text)
    text = text.strip()
    if required and not text:
        raise InvalidInput(f"{label} is empty. Type at least one letter or digit.")
    if len(text) > max_length:
        raise InvalidInput(
            f"{label} is {len(text):,} characters long; the limit is {max_length:,}. "
            "Shorten it, or split it into several parts."
        )
    return text


def parse_choice(enum: type[E], value: E | str, what: str) -> E:
    """One of a fixed set of choices, typed loosely ("Follow-up", "follow up", "follow_up")."""
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError as exc:
        choices = ", ".join(item.value for item in enum)
        raise InvalidInput(f"{value!r} is not a valid {what}; use one of: {choices}.") from exc


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form: what an agent means by "the same name"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare).strip()


def search_key(text: str) -> str:
    """Hex of the UTF-8 bytes: byte order survives every collation, so prefixes stay ranges."""
    return text.encode("utf-8").hex()


def prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """The key range holding every :func:`search_key` of a text starting with ``prefix``.

    The upper bound is None when no finite bound exists (a prefix of all ``f`` digits).
    """
    low = search_key(prefix)
    digits = list(low)
    for i in range(len(digits) - 1, -1, -1):
        if digits[i] != "f":
            digits[i] = format(int(digits[i], 16) + 1, "x")
            return low, "".join(digits[: i + 1])
    return low, None


def prefix_match(field: Any, prefix: str) -> peewee.Expression:
    """An index-friendly condition: ``field`` holds a search key of a text starting with ``prefix``."""
    low, high = prefix_bounds(prefix)
    condition = field >= low
    return condition if high is None else condition & (field < high)
