"""Sealed archives: one checked file that carries records from one store to another.

Playbook releases (``.cpb``) and call-record exchange files (``.csx``) travel on USB
sticks and through mail, so they arrive truncated, edited, renamed or swapped for
something else. Both use this one container, so the checks live in one place:

* a zip (deflated) of *parts*, each a plain simple name (JSON Lines or JSON);
* ``manifest.json``: ``{"kind", "format", "parts": {name: {"sha256", "size"}},
  "digest", ...}`` plus the kind's own fields. ``digest`` is a SHA-256 over every
  part's name and digest in order, so it names the whole content;
* ``seal``: the SHA-256 of ``manifest.json``'s bytes, so a changed manifest is caught
  too;
* the zip comment: the SHA-256 of every byte before it. A zip also holds bytes no
  reader sees (each member's local header, times, attribute fields); a change there
  leaves the content intact, yet a file someone altered is refused all the same.

The parts are written before the manifest (their digests are only known once they
are written), so a writer can stream hundreds of thousands of records without
holding them in memory. The file is written beside its destination under a temporary
name and renamed when complete: a reader never finds half a file at the destination.

:func:`open_archive` checks everything before the caller changes anything: that it
is a whole zip of the expected kind and a format this Companion reads, that every
member is a plain name listed in the manifest and none is missing, that no part is
(or inflates to) more than the limits allow, and every digest. Each refusal is an
:class:`~companion.errors.InvalidInput` with one sentence naming the file. Reading a
part afterwards checks its digest again, so a file changed between the check and the
read still fails (inside the caller's transaction, which then changes nothing).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from companion.errors import InvalidInput, describe_os_error

PLAYBOOK_RELEASE = "companion-playbook-release"
SITE_RECORDS = "companion-site-records"

#: How each kind is named in messages ("X is a call-record file, not a playbook release").
KIND_NAMES: dict[str, str] = {
    PLAYBOOK_RELEASE: "a playbook release",
    SITE_RECORDS: "a call-record file",
}

MANIFEST = "manifest.json"
SEAL = "seal"
_RESERVED = frozenset({MANIFEST, SEAL})
_RESERVED_FIELDS = frozenset({"kind", "format", "parts", "digest"})

#: Defaults that keep a hostile file from filling memory or disk; callers may lower them.
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_PART_BYTES = 1024 * 1024 * 1024
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_PARTS = 1000

_CHUNK = 1024 * 1024
_WHOLE_DIGEST_LENGTH = 64  # hex SHA-256 in the zip comment
_SIMPLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_ZIP_MAGIC = b"PK\x03\x04"
# What zipfile and zlib raise for a damaged member: RuntimeError covers encrypted
# members, NotImplementedError an unknown compression method, OSError a seek to an
# offset a damaged directory made up.
_READ_ERRORS = (
    OSError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    OverflowError,
    UnicodeDecodeError,
)


@dataclass(frozen=True)
class PartInfo:
    """What the manifest promises about one part."""

    name: str
    sha256: str
    size: int


PartData = bytes | Iterable[bytes]


def write_archive(
    path: Path,
    kind: str,
    format: int,
    parts: Iterable[tuple[str, PartData]],
    meta: Mapping[str, Any] | None = None,
) -> str:
    """Write a sealed archive to ``path`` and return its whole-content digest (hex).

    Each part is ``(name, data)`` where ``data`` is bytes or an iterable of byte
    chunks (streamed, never joined). ``meta`` adds the kind's own manifest fields.
    Nothing exists at ``path`` until the whole file is written and flushed.
    """
    meta = dict(meta or {})
    clash = _RESERVED_FIELDS & meta.keys()
    if clash:
        raise ValueError(f"manifest fields {sorted(clash)} are reserved")
    folder = path.parent
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed on success
            dir=folder, prefix=f".{path.name}.", suffix=".part", delete=False
        )
    except OSError as exc:
        raise InvalidInput(describe_os_error(exc, "Cannot write")) from exc
    temp = Path(handle.name)
    try:
        with handle:
            digest = _write_zip(handle, kind, format, parts, meta)
        seal_whole_file(temp)
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise InvalidInput(describe_os_error(exc, "Cannot write")) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return digest


def _write_zip(
    handle: IO[bytes],
    kind: str,
    format: int,
    parts: Iterable[tuple[str, PartData]],
    meta: dict[str, Any],
) -> str:
    listed: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            if not _is_simple(name) or name in _RESERVED or name in listed:
                raise ValueError(f"part name {name!r} is not a plain, unused name")
            hasher = hashlib.sha256()
            size = 0
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in [data] if isinstance(data, bytes) else data:
                    hasher.update(chunk)
                    size += len(chunk)
                    member.write(chunk)
            listed[name] = {"sha256": hasher.hexdigest(), "size": size}
        digest = _whole_digest((name, entry["sha256"]) for name, entry in listed.items())
        manifest = {"kind": kind, "format": format, "parts": listed, "digest": digest, **meta}
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        archive.writestr(_fixed_info(MANIFEST), manifest_bytes)
        archive.writestr(_fixed_info(SEAL), hashlib.sha256(manifest_bytes).hexdigest())
    return digest


def seal_whole_file(path: Path) -> None:
    """Write the SHA-256 of every byte of the complete zip at ``path`` into its comment."""
    with zipfile.ZipFile(path, "a") as archive:
        archive.comment = b"0" * _WHOLE_DIGEST_LENGTH
    size = path.stat().st_size
    with path.open("r+b") as handle:
        digest = _digest_of_start(handle, size - _WHOLE_DIGEST_LENGTH)
        handle.seek(size - _WHOLE_DIGEST_LENGTH)
        handle.write(digest.encode("ascii"))
        handle.flush()
        os.fsync(handle.fileno())


def _check_whole_file(path: Path, noun: str, comment: bytes) -> None:
    """Refuse ``path`` unless its zip comment is the SHA-256 of every byte before it."""
    if len(comment) != _WHOLE_DIGEST_LENGTH:
        # A file cut short inside its comment still opens as a zip, one byte shorter.
        raise InvalidInput(
            f"{path} cannot be used as {noun}: it is incomplete or damaged "
            "(perhaps cut short while copying); nothing was changed."
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            expected = _digest_of_start(handle, size - _WHOLE_DIGEST_LENGTH)
            found = handle.read(_WHOLE_DIGEST_LENGTH)
    except OSError as exc:
        raise InvalidInput(describe_os_error(exc, "Cannot read")) from exc
    if found != comment or comment != expected.encode("ascii"):
        raise _damaged(path, noun, "its whole-file checksum does not match")


def _digest_of_start(handle: IO[bytes], length: int) -> str:
    """SHA-256 of the first ``length`` bytes; leaves the handle just after them."""
    hasher = hashlib.sha256()
    handle.seek(0)
    left = length
    while left > 0:
        chunk = handle.read(min(_CHUNK, left))
        if not chunk:
            break
        hasher.update(chunk)
        left -= len(chunk)
    return hasher.hexdigest()


def _fixed_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _whole_digest(entries: Iterable[tuple[str, str]]) -> str:
    hasher = hashlib.sha256()
    for name, sha in entries:
        hasher.update(f"{name}\0{sha}\n".encode())
    return hasher.hexdigest()


def _is_simple(name: str) -> bool:
    return bool(_SIMPLE_NAME.fullmatch(name)) and ".." not in name


def json_lines(items: Iterable[object]) -> Iterator[bytes]:
    """Encode records as JSON Lines chunks, for a streamed part."""
    for item in items:
        yield json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class SealedArchive:
    """An archive whose every check passed; read its parts with :meth:`read_part`."""

    def __init__(
        self,
        path: Path,
        archive: zipfile.ZipFile,
        manifest: dict[str, Any],
        parts: dict[str, PartInfo],
        noun: str,
    ) -> None:
        self.path = path
        self._archive = archive
        self.manifest = manifest
        self.parts = parts
        self._noun = noun

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def format(self) -> int:
        return int(self.manifest["format"])

    @property
    def digest(self) -> str:
        """SHA-256 over every part's name and digest: names the whole content."""
        return str(self.manifest["digest"])

    @property
    def meta(self) -> dict[str, Any]:
        """The kind's own manifest fields."""
        return {k: v for k, v in self.manifest.items() if k not in _RESERVED_FIELDS}

    def read_part(self, name: str) -> bytes:
        """A part's bytes, checked against its digest again."""
        return b"".join(self.iter_chunks(name))

    def read_json(self, name: str) -> Any:
        """A part holding one JSON document."""
        try:
            return json.loads(self.read_part(name))
        except ValueError as exc:
            raise self._refuse(f"its part {name} is not valid JSON") from exc

    def iter_lines(self, name: str) -> Iterator[bytes]:
        """A part's lines without their newline, streamed.

        The digest is checked as the part is read; if the file changed since it was
        opened the last step raises, so a caller that applies lines inside one
        transaction ends up changing nothing.
        """
        pending = b""
        for chunk in self.iter_chunks(name):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            yield from lines
        if pending:
            yield pending

    def iter_json_lines(self, name: str) -> Iterator[Any]:
        """A JSON Lines part, one decoded record per line (blank lines skipped)."""
        for number, line in enumerate(self.iter_lines(name), start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError as exc:
                raise self._refuse(f"line {number} of its part {name} is not valid JSON") from exc

    def iter_chunks(self, name: str) -> Iterator[bytes]:
        """A part's bytes in chunks; raises at the end if they do not match the manifest."""
        info = self.parts.get(name)
        if info is None:
            raise KeyError(name)
        hasher = hashlib.sha256()
        size = 0
        try:
            with self._archive.open(name) as member:
                while chunk := member.read(min(_CHUNK, info.size - size + 1)):
                    size += len(chunk)
                    if size > info.size:
                        raise self._refuse(f"its part {name} holds more data than declared")
                    hasher.update(chunk)
                    yield chunk
        except _READ_ERRORS as exc:
            raise self._refuse(f"its part {name} cannot be read ({exc})") from exc
        if size != info.size or hasher.hexdigest() != info.sha256:
            raise self._refuse(f"its part {name} does not match its checksum")

    def close(self) -> None:
        self._archive.close()

    def __enter__(self) -> SealedArchive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _refuse(self, reason: str) -> InvalidInput:
        return _damaged(self.path, self._noun, reason)


def _damaged(path: Path, noun: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"{path} cannot be used as {noun}: {reason}. "
        "It is damaged or was changed after it was made; nothing was changed."
    )


def open_archive(
    path: Path,
    kind: str,
    max_format: int,
    *,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_part_bytes: int = MAX_PART_BYTES,
) -> SealedArchive:
    """Open ``path`` as a sealed archive of ``kind`` after checking all of it.

    Every refusal is an :class:`InvalidInput` naming the file, raised before any
    part is handed out. The caller closes the result (it is a context manager).
    """
    noun = KIND_NAMES.get(kind, f"a {kind} file")
    archive = _open_zip(path, noun)
    try:
        manifest, parts = _check_manifest(path, archive, kind, noun, max_format)
        _check_members(path, archive, noun, parts, max_total_bytes, max_part_bytes)
        sealed = SealedArchive(path, archive, manifest, parts, noun)
        for name in parts:
            for _chunk in sealed.iter_chunks(name):
                pass
        # Last, so a foreign or damaged file gets the more telling message above.
        _check_whole_file(path, noun, archive.comment)
    except BaseException:
        archive.close()
        raise
    return sealed


def _open_zip(path: Path, noun: str) -> zipfile.ZipFile:
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        raise InvalidInput(describe_os_error(exc, "Cannot read")) from exc
    if head != _ZIP_MAGIC:
        raise InvalidInput(f"{path} is not {noun}: it is not a file Companion makes.")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(
            f"{path} cannot be used as {noun}: it is incomplete or damaged "
            "(perhaps cut short while copying); nothing was changed."
        ) from exc
    except _READ_ERRORS as exc:
        raise _damaged(path, noun, f"it cannot be read ({exc})") from exc


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ValueError("it is larger than allowed")
    return data


def _check_manifest(
    path: Path, archive: zipfile.ZipFile, kind: str, noun: str, max_format: int
) -> tuple[dict[str, Any], dict[str, PartInfo]]:
    try:
        manifest_info = archive.getinfo(MANIFEST)
    except KeyError:
        raise InvalidInput(
            f"{path} is a zip file but not {noun}: it has no Companion manifest."
        ) from None
    try:
        manifest_bytes = _read_small(archive, manifest_info, MAX_MANIFEST_BYTES)
        seal = _read_small(archive, archive.getinfo(SEAL), 200).decode("ascii").strip()
    except KeyError:
        raise _damaged(path, noun, "its seal is missing") from None
    except _READ_ERRORS as exc:
        raise _damaged(path, noun, f"its manifest cannot be read ({exc})") from exc
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict):
        raise _damaged(path, noun, "its manifest is not valid")
    found_kind = manifest.get("kind")
    if found_kind != kind:
        other = KIND_NAMES.get(str(found_kind))
        if other is not None:
            raise InvalidInput(f"{path} is {other}, not {noun}; nothing was changed.")
    if seal != hashlib.sha256(manifest_bytes).hexdigest():
        raise _damaged(path, noun, "its manifest does not match its seal")
    if found_kind != kind:
        raise InvalidInput(f"{path} is not {noun} (it says it holds {found_kind!r}).")
    found_format = manifest.get("format")
    if not isinstance(found_format, int) or isinstance(found_format, bool) or found_format < 1:
        raise _damaged(path, noun, "its manifest has no valid format number")
    if found_format > max_format:
        raise InvalidInput(
            f"{path} was made by a newer Companion (file format {found_format}; this one "
            f"reads up to {max_format}). Update Companion to use it; nothing was changed."
        )
    return manifest, _parts_of(path, noun, manifest)


def _parts_of(path: Path, noun: str, manifest: dict[str, Any]) -> dict[str, PartInfo]:
    listed = manifest.get("parts")
    if not isinstance(listed, dict) or len(listed) > MAX_PARTS:
        raise _damaged(path, noun, "its manifest lists no valid parts")
    parts: dict[str, PartInfo] = {}
    for name, entry in listed.items():
        sha = entry.get("sha256") if isinstance(entry, dict) else None
        size = entry.get("size") if isinstance(entry, dict) else None
        valid_size = isinstance(size, int) and not isinstance(size, bool) and size >= 0
        if (
            not _is_simple(name)
            or name in _RESERVED
            or not isinstance(sha, str)
            or not re.fullmatch(r"[0-9a-f]{64}", sha)
            or not valid_size
        ):
            raise _damaged(path, noun, f"its manifest entry for {name!r} is not valid")
        assert isinstance(size, int)
        parts[name] = PartInfo(name, sha, size)
    if manifest.get("digest") != _whole_digest((p.name, p.sha256) for p in parts.values()):
        raise _damaged(path, noun, "its parts do not match its overall checksum")
    return parts


def _check_members(
    path: Path,
    archive: zipfile.ZipFile,
    noun: str,
    parts: dict[str, PartInfo],
    max_total_bytes: int,
    max_part_bytes: int,
) -> None:
    infos = archive.infolist()
    seen: set[str] = set()
    for info in infos:
        name = info.orig_filename
        if not _is_simple(name) or info.filename != name:
            raise InvalidInput(
                f"{path} cannot be used as {noun}: it holds a file named {name!r}, which is not "
                "a plain name (it could write outside its folder); nothing was changed."
            )
        if name in seen:
            raise _damaged(path, noun, f"it holds {name} twice")
        seen.add(name)
        if name not in parts and name not in _RESERVED:
            raise _damaged(path, noun, f"it holds {name}, which its manifest does not list")
        if info.flag_bits & 0x1:
            raise _damaged(path, noun, f"its part {name} is encrypted")
        expected = parts[name].size if name in parts else None
        if expected is not None and info.file_size != expected:
            raise _damaged(path, noun, f"its part {name} is not the size its manifest says")
    missing = sorted(parts.keys() - seen)
    if missing:
        raise _damaged(path, noun, f"its part {missing[0]} is missing")
    total = sum(part.size for part in parts.values())
    biggest = max((part.size for part in parts.values()), default=0)
    if total > max_total_bytes or biggest > max_part_bytes:
        raise InvalidInput(
            f"{path} cannot be used as {noun}: it would expand to {total // (1024 * 1024)} MB, "
            f"more than the {max_total_bytes // (1024 * 1024)} MB allowed "
            f"(at most {max_part_bytes // (1024 * 1024)} MB a part); nothing was read."
        )
