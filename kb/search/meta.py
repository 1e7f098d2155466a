"""What the index directory records beside whoosh's own files.

``revisions.json`` says which revision of each article the index holds (so a stale
index is noticed and rebuilt), the field-length averages its impacts were computed with
(see :mod:`kb.search.scoring`), and how many articles were indexed one by one since the
last rebuild. ``words.txt`` lists the words of the lexicon document, so that an edit
can post only the words the lexicon lacks (see :class:`kb.search.scoring.WordsField`).

``revisions.json`` also lists every other file of the directory with its size and
modification time, as they were when the index was last written, and the id of the
build. Whoosh reads little of a file before trusting it, so a segment truncated,
overwritten or swapped for something else may only fail mid-search, or not at all and
answer wrongly; comparing the listing costs one ``stat`` a file and catches all of
those before the index is used. Files are only ever written by a rebuild, an edit or
compaction, and each of them writes this record last.
"""

from __future__ import annotations

import json
import os
import stat
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kb.search.scoring import FieldAverages

REVISIONS_FILE = "revisions.json"
WORDS_FILE = "words.txt"
TEMPORARY_FILE = "revisions.tmp"
# whoosh's lock file: created on a writer's first use and never part of the index.
WHOOSH_LOCK_SUFFIX = "WRITELOCK"

FileListing = dict[str, tuple[int, int]]


@dataclass
class IndexMeta:
    revisions: dict[str, int]
    averages: FieldAverages
    # Articles indexed by edits since the last rebuild. Their impacts use the averages of
    # that rebuild, and each edit leaves a segment and a deleted version behind; past a
    # share of the playbook, the next open rebuilds (see SearchIndex.needs_rebuild).
    edited: int = 0
    # Identifies one rebuild, so a rebuilder that waited for another can tell it ran.
    build: str = field(default_factory=lambda: uuid.uuid4().hex)
    files: FileListing = field(default_factory=dict)

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
        build = data.get("build")
        files = _listing_from_json(data.get("files"))
        if (
            not isinstance(revisions, dict)
            or averages is None
            or not isinstance(edited, int)
            or not isinstance(build, str)
            or files is None
        ):
            return None
        return cls(revisions, averages, edited, build, files)

    def write(self, directory: Path, index_format: int) -> None:
        """List the directory's files and replace the record atomically.

        Atomically, so a crash leaves the old record or the new one; a crash after
        whoosh wrote but before this leaves a listing that no longer matches, which
        means a rebuild, as it should.
        """
        self.files = list_files(directory)
        target = directory / REVISIONS_FILE
        temporary = directory / TEMPORARY_FILE
        payload = {
            "format": index_format,
            "revisions": self.revisions,
            "averages": self.averages.to_json(),
            "edited": self.edited,
            "build": self.build,
            "files": {name: list(entry) for name, entry in self.files.items()},
        }
        temporary.write_text(json.dumps(payload), "utf-8")
        temporary.replace(target)


def list_files(directory: Path) -> FileListing:
    """Every file of the index with its size and modification time.

    Anything not a plain file (a directory, a symlink) gets an entry no write ever
    records, so it never matches.
    """
    listing: FileListing = {}
    with os.scandir(directory) as entries:
        for entry in entries:
            name = entry.name
            if name in (REVISIONS_FILE, TEMPORARY_FILE) or name.endswith(WHOOSH_LOCK_SUFFIX):
                continue
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode):
                listing[name] = (info.st_size, info.st_mtime_ns)
            else:
                listing[name] = (-1, -1)
    return listing


def _listing_from_json(value: object) -> FileListing | None:
    if not isinstance(value, dict):
        return None
    listing: FileListing = {}
    for name, entry in value.items():
        if (
            not isinstance(entry, list)
            or len(entry) != 2
            or not all(isinstance(number, int) for number in entry)
        ):
            return None
        listing[name] = (entry[0], entry[1])
    return listing


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
