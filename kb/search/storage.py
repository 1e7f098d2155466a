"""The index directory on disk: opening it, checking it, and swapping a new one in.

The index is derived data, so anything wrong with its directory is answered by
building a new one: a file deleted, truncated or overwritten, a directory or a
dangling symlink where a file or the index should be, leftovers of a rebuild that
crashed. This module holds the file-level half of that: where a rebuild stages its
work, how the new index replaces the old so that a reader sees one or the other,
never half of each, and how much of an index must be read to call it sound.
"""

from __future__ import annotations

import os
import secrets
import shutil
from itertools import islice
from pathlib import Path

from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from companion.errors import CompanionError

STAGING = ".new"
RETIRED = ".old"
LOCK = ".lock"


class SearchIndexUnavailable(CompanionError):
    """The index is damaged and cannot be rebuilt (read-only folder, full disk, busy)."""


def lock_path(directory: Path) -> Path:
    return directory.with_name(directory.name + LOCK)


def open_index(directory: Path) -> FileIndex:
    index: FileIndex = FileStorage(str(directory)).open_index()
    return index


def create_index(directory: Path, schema: Schema) -> FileIndex:
    index: FileIndex = FileStorage(str(directory)).create_index(schema)
    return index


def check_readable(searcher: Searcher, field: str, column: str) -> None:
    """Read a little of every part of every segment; raises whatever whoosh raises.

    Opening an index reads only its table of contents; a damaged segment would fail
    later, in the middle of a search. This touches each segment's stored fields, term
    list, postings, field lengths and sort column, which is cheap (a few reads each).
    """
    for leaf, _offset in searcher.leaf_searchers():
        reader = leaf.reader()
        count = reader.doc_count_all()
        if count:
            reader.stored_fields(0)
            reader.doc_field_length(0, field)
            if reader.has_column(column):
                reader.column_reader(column)[0]
        for term in islice(reader.lexicon(field), 1):
            # Reads the first postings block; a term whose documents were all replaced
            # by edits has no active posting, which is sound.
            reader.postings(field, term).is_active()


def make_staging(directory: Path) -> Path:
    """A new empty directory beside the index, unique to this rebuild."""
    name = f"{directory.name}{STAGING}-{os.getpid()}-{secrets.token_hex(4)}"
    staging = directory.with_name(name)
    staging.mkdir(parents=True)
    return staging


def swap_in(staging: Path, directory: Path) -> None:
    """Replace ``directory`` (whatever is there: index, file, symlink) with ``staging``.

    Two renames: a reader that opens between them finds nothing and retries once it
    can take the writer lock, which the rebuilder holds until the swap is done. A
    symlink is renamed and removed as a link: what it points at is never touched.
    """
    retired: Path | None = None
    if os.path.lexists(directory):
        retired = directory.with_name(
            f"{directory.name}{RETIRED}-{os.getpid()}-{secrets.token_hex(4)}"
        )
        os.rename(directory, retired)
    try:
        os.rename(staging, directory)
    except OSError:
        if retired is not None:
            os.rename(retired, directory)
        raise
    if retired is not None:
        remove(retired)


def leftovers(directory: Path) -> list[Path]:
    """Staging and retired directories of rebuilds that did not finish (a crash)."""
    prefixes = (directory.name + STAGING, directory.name + RETIRED)
    try:
        entries = list(directory.parent.iterdir())
    except OSError:
        return []
    return [entry for entry in entries if entry.name.startswith(prefixes)]


def remove(path: Path) -> None:
    """Delete a file, a link (not its target) or a directory tree; best effort."""
    try:
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)
    except OSError:
        return


def reason(exc: BaseException) -> str:
    """Why reading failed, in a few words, for a one-line message."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
