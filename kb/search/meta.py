"""What the index directory records beside whoosh's own files.

``revisions.json`` says which revision of each article the index holds (so a stale
index is noticed and rebuilt), the field-length averages its impacts were computed with
(see :mod:`kb.search.scoring`), and how many articles were indexed one by one since the
last rebuild. ``words.txt`` lists the words of the lexicon document, so that an edit
can post only the words the lexicon lacks (see :class:`kb.search.scoring.WordsField`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kb.search.scoring import FieldAverages

REVISIONS_FILE = "revisions.json"
WORDS_FILE = "words.txt"


@dataclass
class IndexMeta:
    revisions: dict[str, int]
    averages: FieldAverages
    # Articles indexed by edits since the last rebuild. Their impacts use the averages of
    # that rebuild, and each edit leaves a segment and a deleted version behind; past a
    # share of the playbook, the next open rebuilds (see SearchIndex.needs_rebuild).
    edited: int = 0

    @classmethod
    def read(cls, directory: Path, index_format: int) -> IndexMeta | None:
        """The recorded state, or None when missing, unreadable or of another format."""
        try:
            data = json.loads((directory / REVISIONS_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != index_format:
            return None
        revisions = data.get("revisions")
        averages = FieldAverages.from_json(data.get("averages"))
        edited = data.get("edited", 0)
        if not isinstance(revisions, dict) or averages is None or not isinstance(edited, int):
            return None
        return cls(revisions, averages, edited)

    def write(self, directory: Path, index_format: int) -> None:
        """Replace the record atomically, so a crash leaves the old one or the new one."""
        target = directory / REVISIONS_FILE
        temporary = target.with_suffix(".tmp")
        payload = {
            "format": index_format,
            "revisions": self.revisions,
            "averages": self.averages.to_json(),
            "edited": self.edited,
        }
        temporary.write_text(json.dumps(payload), "utf-8")
        temporary.replace(target)


def forget(directory: Path) -> None:
    """Mark the index stale: the next open rebuilds it from the database."""
    (directory / REVISIONS_FILE).unlink(missing_ok=True)


def write_words(directory: Path, words: Iterable[str]) -> None:
    """Record the lexicon document's words, one a line."""
    (directory / WORDS_FILE).write_text("\n".join(sorted(words)), "utf-8")


def read_words(directory: Path) -> frozenset[str]:
    """The lexicon document's words; unreadable means none (edits then post them all)."""
    try:
        text = (directory / WORDS_FILE).read_text("utf-8")
    except (OSError, UnicodeError):
        return frozenset()
    return frozenset(text.split("\n")) - {""}
