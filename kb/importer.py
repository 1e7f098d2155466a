"""Importing a playbook: a folder tree of Markdown files, or a .zip of one.

Supervisors keep playbooks as folders of ``.md`` files and hand them around as zips,
so the importer treats whatever it is given as untrusted: every file is checked before
it is read (size, symlink, unsafe zip path), bad files are reported and skipped, and
the rest still goes in. Nothing is extracted to disk. Saving goes through
:meth:`Playbook.save_batch`, so the search index follows and unchanged files stay
no-ops; the store only ever adds revisions, so no import can lose an existing one.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from companion.errors import CompanionError, InvalidInput
from companion.permissions import EDITORS, require_role
from companion.users import User
from kb import store
from kb.article import MAX_BODY_BYTES, MAX_TITLE, ArticleDraft, slugify
from kb.frontmatter import parse_document
from kb.import_report import BrokenLink, FileOutcome, FileResult, ImportReport
from kb.links import article_url, code_regions, is_external, rewrite_links, split_fragment
from kb.playbook import Playbook

MAX_FILE_BYTES = MAX_BODY_BYTES
MAX_ZIP_BYTES = 200 * 1024 * 1024
DEFAULT_CATEGORY = "general"
_MB = 1024 * 1024
# Links to other files resolved per file; each costs microseconds of path handling, so
# a file of nothing but distinct links would otherwise take seconds.
MAX_LINKS_CHECKED = 10_000
# The closing "###" is stripped in Python: a lazy title before an optional closing run
# re-scanned the line's trailing blanks once per character (a line of spaces: hours).
_HEADING = re.compile(r"^ {0,3}#[ \t]+(?P<title>[^\n]*)$", re.MULTILINE)


def import_playbook(source: Path, playbook: Playbook, user: User) -> ImportReport:
    """Import every ``.md`` file under ``source`` (a folder or a .zip) and report on each.

    Raises :class:`InvalidInput` only when ``source`` itself cannot be used; problems
    with single files are reported, never raised. Importing changes what agents read,
    so it needs a playbook editor, like publishing.
    """
    require_role(user, *EDITORS, action="Importing a playbook")
    report = ImportReport(source=str(source))
    with _open_source(Path(source)) as scan:
        parsed = _read_and_parse(scan, report)
    parsed = _drop_duplicates(parsed, report)
    failed_paths = {result.path for result in report.files}
    _convert_links(parsed, failed_paths, report)
    _save(parsed, playbook, user, report)
    report.files.sort(key=lambda result: result.path)
    return report


# --- Sources: what files there are, and reading one safely ------------------------


class _Unreadable(Exception):
    """A file that cannot be read; the message is the reason shown to the user."""


@dataclass(frozen=True)
class _Entry:
    """A Markdown file found in the source, not yet read."""

    key: PurePosixPath  # its place in the tree, for resolving relative links
    size: int  # as declared by the file system or the zip, checked before reading
    read: Callable[[], bytes]  # raises _Unreadable

    @property
    def path(self) -> str:
        return str(self.key)


@dataclass
class _Scan:
    entries: list[_Entry] = field(default_factory=list)
    failures: list[FileResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _open_source(source: Path) -> Iterator[_Scan]:
    """Scan a folder or a zip; the zip stays open while the entries are read."""
    if not source.exists():
        raise InvalidInput(f"There is no file or folder at {source}.")
    if source.is_dir():
        yield _scan_folder(source)
        return
    if not source.is_file():
        raise InvalidInput(f"{source} is neither a folder nor a .zip file.")
    if not zipfile.is_zipfile(source):
        if source.suffix.lower() == ".zip":
            raise InvalidInput(f"{source} is not a readable zip file; it may be damaged.")
        raise InvalidInput(
            f"{source} is neither a folder nor a .zip file; "
            "to import Markdown files, put them in a folder."
        )
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InvalidInput(f"{source} is not a readable zip file: {exc}") from exc
    with archive:
        yield _scan_zip(archive)


def _is_markdown(name: str) -> bool:
    return name.lower().endswith(".md")


def _is_skipped(name: str) -> bool:
    """Hidden files and macOS resource forks are never part of a playbook."""
    return name.startswith(".") or name == "__MACOSX"


def _scan_folder(root: Path) -> _Scan:
    scan = _Scan()
    pending = [(root, PurePosixPath())]
    while pending:
        folder, relative = pending.pop()
        try:
            with os.scandir(folder) as listing:
                children = sorted(listing, key=lambda child: child.name)
        except OSError as exc:
            reason = f"the folder could not be read ({exc.strerror or exc})"
            if relative == PurePosixPath():
                raise InvalidInput(f"{root}: {reason}") from exc
            scan.failures.append(_failure(f"{relative}/", reason))
            continue
        for child in children:
            try:
                _scan_folder_entry(child, relative, scan, pending)
            except OSError as exc:
                reason = f"it could not be read ({exc.strerror or exc})"
                scan.failures.append(_failure(str(relative / _display_name(child.name)), reason))
    return scan


def _scan_folder_entry(
    child: os.DirEntry[str],
    relative: PurePosixPath,
    scan: _Scan,
    pending: list[tuple[Path, PurePosixPath]],
) -> None:
    key = relative / _display_name(child.name)
    if _is_skipped(child.name):
        return
    if child.is_symlink():
        if _is_markdown(child.name) or os.path.isdir(child.path):
            scan.failures.append(
                _failure(str(key), "it is a symbolic link; links are not followed")
            )
        else:
            scan.ignored.append(str(key))
    elif child.is_dir(follow_symlinks=False):
        pending.append((Path(child.path), key))
    elif not _is_markdown(child.name):
        scan.ignored.append(str(key))
    elif not child.is_file(follow_symlinks=False):
        scan.failures.append(_failure(str(key), "it is not a regular file"))
    else:
        size = child.stat(follow_symlinks=False).st_size
        path = child.path
        scan.entries.append(_Entry(key, size, lambda: _read_file(path)))


def _read_file(path: str) -> bytes:
    """Read without following a symlink swapped in since the scan, and never past the limit."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise _Unreadable(f"the file could not be read ({exc.strerror or exc})") from exc
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _Unreadable("it is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise _Unreadable(_too_large(info.st_size))
        try:
            return handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise _Unreadable(f"the file could not be read ({exc.strerror or exc})") from exc


def _scan_zip(archive: zipfile.ZipFile) -> _Scan:
    scan = _Scan()
    members = archive.infolist()
    budget = _Budget(MAX_ZIP_BYTES)
    for info in members:
        _scan_zip_member(archive, info, scan, budget)
    declared = sum(info.file_size for info in members)
    if declared > MAX_ZIP_BYTES:
        reason = (
            f"the zip would expand to {declared // _MB} MB, more than the "
            f"{MAX_ZIP_BYTES // _MB} MB allowed; nothing in it was read"
        )
        scan.failures.extend(_failure(entry.path, reason) for entry in scan.entries)
        scan.entries.clear()
    return scan


def _scan_zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, scan: _Scan, budget: _Budget
) -> None:
    if info.is_dir():
        return  # folders come from the files' paths; nothing is ever created on disk
    name = info.filename.replace("\\", "/")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts:
        reason = "it points outside the folder"
        scan.failures.append(_failure(_display_name(info.filename), reason))
        return
    if not parts or any(_is_skipped(part) for part in parts):
        return
    key = PurePosixPath(*(_display_name(part) for part in parts))
    if stat.S_ISLNK(info.external_attr >> 16):
        scan.failures.append(_failure(str(key), "it is a symbolic link; links are not followed"))
    elif not _is_markdown(name):
        scan.ignored.append(str(key))
    elif info.flag_bits & 0x1:
        scan.failures.append(_failure(str(key), "it is encrypted"))
    else:
        scan.entries.append(
            _Entry(key, info.file_size, lambda: _read_member(archive, info, budget))
        )


@dataclass
class _Budget:
    """Decompressed bytes still allowed; counts what was really read, since sizes can lie."""

    remaining: int

    def take(self, amount: int) -> None:
        self.remaining -= amount
        if self.remaining < 0:
            raise _Unreadable(
                f"the zip expands past {MAX_ZIP_BYTES // _MB} MB; stopped reading here"
            )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    limit = min(info.file_size, MAX_FILE_BYTES)
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    # RuntimeError covers "password required" and unsupported compression methods.
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
        raise _Unreadable(f"it could not be read from the zip ({exc})") from exc
    budget.take(len(data))
    if len(data) > info.file_size:
        raise _Unreadable("it holds more data than the zip declares; the zip is damaged or unsafe")
    return data


# --- Reading and parsing each file ----------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    key: PurePosixPath
    draft: ArticleDraft
    notes: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return str(self.key)


def _read_and_parse(scan: _Scan, report: ImportReport) -> list[_Parsed]:
    report.files.extend(scan.failures)
    report.ignored.extend(sorted(scan.ignored))
    parsed: list[_Parsed] = []
    for entry in sorted(scan.entries, key=lambda entry: entry.path):
        try:
            parsed.append(_parse_entry(entry))
        except (_Unreadable, CompanionError) as exc:
            report.files.append(_failure(entry.path, str(exc)))
    return parsed


def _parse_entry(entry: _Entry) -> _Parsed:
    if entry.size > MAX_FILE_BYTES:
        raise _Unreadable(_too_large(entry.size))
    data = entry.read()
    if len(data) > MAX_FILE_BYTES:
        raise _Unreadable(_too_large(len(data)))
    meta, body = parse_document(_decode(data))
    slug = meta.slug if meta.slug is not None else slugify(entry.key.stem)
    if not slug:
        raise InvalidInput(
            "no slug can be made from the file name; add a 'slug:' line to the front matter"
        )
    draft = ArticleDraft(
        slug=slug,
        title=meta.title or _first_heading(body) or entry.key.stem,
        body=body,
        category=meta.category or entry.key.parent.name or DEFAULT_CATEGORY,
        tags=meta.tags,
        aliases=meta.aliases,
        status=meta.status,
        review_by=meta.review_by,
    ).validated()
    notes: tuple[str, ...] = ()
    if meta.unknown_keys:
        notes = (f"ignored unknown front-matter keys: {_listed(meta.unknown_keys)}",)
    return _Parsed(entry.key, draft, notes)


def _listed(names: tuple[str, ...], shown: int = 10) -> str:
    """A short list for a report line, however many (or however long) the names are."""
    cut = [name if len(name) <= 40 else name[:39] + "…" for name in names[:shown]]
    more = f" and {len(names) - shown:,} more" if len(names) > shown else ""
    return ", ".join(cut) + more


# Byte-order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
# Windows editors save "Unicode" text as UTF-16 with a mark, so such files are read.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)
_BINARY = "it looks like a binary file (it contains NUL bytes), not Markdown"


def _decode(data: bytes) -> str:
    """The file's text: UTF-8, or any UTF with a byte-order mark; binary data is refused.

    The mark is looked for before NUL bytes, since UTF-16 text is full of them; a NUL
    in the decoded text still means binary data.
    """
    bom, codec, name = next(
        (known for known in _BOMS if data.startswith(known[0])), (b"", "utf-8", "UTF-8")
    )
    if not bom and b"\x00" in data:
        if _looks_like_utf16(data):
            raise _Unreadable(
                "it looks like UTF-16 text without a byte-order mark; "
                "save it as UTF-8 (or as UTF-16 with a byte-order mark)"
            )
        raise _Unreadable(_BINARY)
    try:
        text = data[len(bom) :].decode(codec)
    except UnicodeDecodeError as exc:
        raise _Unreadable(
            f"it is not {name} text (byte {len(bom) + exc.start + 1} cannot be read); "
            "save it as UTF-8"
        ) from exc
    if "\x00" in text:
        raise _Unreadable(_BINARY)
    # A UTF-8 file with a mark, re-saved as UTF-16, keeps the old mark as its first character.
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise _Unreadable("the file is empty")
    return text.replace("\r\n", "\n")


def _looks_like_utf16(data: bytes) -> bool:
    """Mostly-ASCII UTF-16: every other byte is NUL, and the bytes between never are."""
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    for zeros, letters in ((odd, even), (even, odd)):
        if zeros and letters.count(0) == 0 and zeros.count(0) * 2 >= len(zeros):
            return True
    return False


def _first_heading(body: str) -> str | None:
    """The first level-1 ``# Heading`` outside code, the usual title of a Markdown file."""
    regions = code_regions(body)
    starts = [start for start, _ in regions]
    for match in _HEADING.finditer(body):
        before = bisect.bisect_right(starts, match.start()) - 1
        in_code = before >= 0 and regions[before][1] > match.start()
        title = _heading_text(match.group("title"))
        if title and not in_code:
            return title
    return None


def _heading_text(line: str) -> str:
    """The heading without its optional closing ``#`` run, cut to a title's length.

    A title longer than allowed would refuse the whole file; the heading is only a
    guess at the title, so it is shortened at a word instead.
    """
    text = line.rstrip(" \t")
    bare = text.rstrip("#")
    if bare != text and bare[-1:] in (" ", "\t"):
        text = bare
    title = " ".join(text.split())
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1].rsplit(" ", 1)[0].rstrip() + "…"
    return title


def _drop_duplicates(parsed: list[_Parsed], report: ImportReport) -> list[_Parsed]:
    """The first file (by path) with a slug wins; later ones are failed, naming the first."""
    first: dict[str, _Parsed] = {}
    for item in parsed:
        earlier = first.get(item.draft.slug)
        if earlier is None:
            first[item.draft.slug] = item
            continue
        reason = f"duplicate slug {item.draft.slug}, also in {earlier.path}"
        report.files.append(_failure(item.path, reason))
        note = f"the slug {item.draft.slug} is also used by {item.path}, which was not imported"
        first[item.draft.slug] = replace(earlier, notes=(*earlier.notes, note))
    return list(first.values())


# --- Links between files ----------------------------------------------------------


def _convert_links(parsed: list[_Parsed], failed_paths: set[str], report: ImportReport) -> None:
    """Turn relative links to other files into ``article:SLUG`` links, in place.

    A link resolves by the target's path in the tree; failing that, by its file name when
    that names an article already known (in the store or in this import). Anything
    else is reported as broken and left as written.
    """
    by_key = {item.key: item.draft.slug for item in parsed}
    known = store.all_slugs() | set(by_key.values())
    # Sets and memos, not list scans: a file can hold a million links, or one a million times.
    reported = set(report.broken_links)
    for index, item in enumerate(parsed):
        resolved: dict[str, str | None] = {}
        unchecked: set[str] = set()

        def resolve(
            dest: str,
            item: _Parsed = item,
            resolved: dict[str, str | None] = resolved,
            unchecked: set[str] = unchecked,
        ) -> str | None:
            if dest not in resolved:
                if len(resolved) >= MAX_LINKS_CHECKED:
                    unchecked.add(dest)
                    return None
                resolved[dest] = _resolve_link(
                    dest, item, by_key, known, failed_paths, report, reported
                )
            return resolved[dest]

        body = rewrite_links(item.draft.body, resolve)
        if unchecked:
            note = (
                f"only the first {MAX_LINKS_CHECKED:,} different links were checked; "
                "the rest are kept as written"
            )
            item = replace(item, notes=(*item.notes, note))
        if body != item.draft.body or item is not parsed[index]:
            parsed[index] = replace(item, draft=replace(item.draft, body=body))


def _resolve_link(
    dest: str,
    item: _Parsed,
    by_key: dict[PurePosixPath, str],
    known: set[str],
    failed_paths: set[str],
    report: ImportReport,
    reported: set[BrokenLink],
) -> str | None:
    if is_external(dest):
        return None
    path, fragment = split_fragment(dest)
    path = unquote(path)
    if not _is_markdown(path):
        return None
    target = _target_key(item.key, path)
    if target is not None and target in by_key:
        return article_url(by_key[target]) + fragment
    by_name = slugify(PurePosixPath(path).stem)
    if by_name in known:
        return article_url(by_name) + fragment
    failed = target is not None and str(target) in failed_paths
    reason = "that file could not be imported" if failed else "no such file in the playbook"
    broken = BrokenLink(item.path, dest, reason)
    if broken not in reported:
        reported.add(broken)
        report.broken_links.append(broken)
    return None


def _target_key(source: PurePosixPath, link: str) -> PurePosixPath | None:
    """The linked file's place in the tree; a leading '/' means the playbook's root."""
    joined = link.lstrip("/") if link.startswith("/") else posixpath.join(str(source.parent), link)
    normal = posixpath.normpath(joined)
    if normal == ".." or normal.startswith("../"):
        return None
    return PurePosixPath(normal)


# --- Saving ---------------------------------------------------------------------


def _save(parsed: list[_Parsed], playbook: Playbook, user: User, report: ImportReport) -> None:
    results = playbook.save_batch([item.draft for item in parsed], user)
    for item, result in zip(parsed, results, strict=True):
        if isinstance(result, CompanionError):
            report.files.append(_failure(item.path, str(result)))
        else:
            outcome = FileOutcome(result.outcome.value)
            report.files.append(FileResult(item.path, outcome, result.article.slug, "", item.notes))


def _failure(path: str, reason: str) -> FileResult:
    return FileResult(path=path, outcome=FileOutcome.FAILED, reason=reason)


def _too_large(size: int) -> str:
    return f"the file is {size / _MB:.1f} MB, over the {MAX_FILE_BYTES // _MB} MB limit"


def _display_name(name: str) -> str:
    """File names that are not valid UTF-8 are shown with escapes rather than crashing output."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")
