"""Sealed archives: what is written comes back checked, and every damaged or foreign file is refused.

Each refusal must be one ``InvalidInput`` naming the file, raised by ``open_archive``
before the caller could change anything.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.errors import InvalidInput
from companion.sealed_archive import (
    MANIFEST,
    PLAYBOOK_RELEASE,
    SEAL,
    SITE_RECORDS,
    json_lines,
    open_archive,
    write_archive,
)

RECORDS = [{"n": n, "text": f"record {n} é"} for n in range(50)]


def _write(path: Path, **meta: object) -> str:
    parts = [
        ("articles.jsonl", json_lines(RECORDS)),
        ("rules.json", json.dumps({"rules": [1, 2, 3]}).encode()),
        ("empty.jsonl", b""),
    ]
    return write_archive(path, PLAYBOOK_RELEASE, 1, parts, {"release": "R1", **meta})


def _refused(path: Path, *fragments: str, kind: str = PLAYBOOK_RELEASE) -> str:
    with pytest.raises(InvalidInput) as caught:
        open_archive(path, kind, 1).close()
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    return message


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _rezip(path: Path, members: dict[str, bytes], *, seal: bool = True) -> None:
    """Write ``members`` as a zip, re-sealing a changed manifest when ``seal``."""
    if seal and MANIFEST in members:
        members[SEAL] = hashlib.sha256(members[MANIFEST]).hexdigest().encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _edit_manifest(path: Path, change: dict[str, object]) -> None:
    members = _members(path)
    manifest = json.loads(members[MANIFEST])
    manifest.update(change)
    members[MANIFEST] = json.dumps(manifest).encode()
    _rezip(path, members)


def test_round_trip_streams_parts_and_keeps_meta(tmp_path: Path) -> None:
    path = tmp_path / "out.cpb"
    digest = _write(path, author="Ann")
    with open_archive(path, PLAYBOOK_RELEASE, 1) as archive:
        assert archive.digest == digest
        assert archive.meta == {"release": "R1", "author": "Ann"}
        assert list(archive.iter_json_lines("articles.jsonl")) == RECORDS
        assert archive.read_json("rules.json") == {"rules": [1, 2, 3]}
        assert archive.read_part("empty.jsonl") == b""
        assert sorted(archive.parts) == ["articles.jsonl", "empty.jsonl", "rules.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["out.cpb"]  # no temporary file left


def test_same_content_gives_same_digest(tmp_path: Path) -> None:
    assert _write(tmp_path / "a.cpb") == _write(tmp_path / "b.cpb")


def test_a_failed_write_leaves_nothing_at_the_destination(tmp_path: Path) -> None:
    path = tmp_path / "out.cpb"

    def broken() -> Iterator[bytes]:
        yield b"first\n"
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError):
        write_archive(path, PLAYBOOK_RELEASE, 1, [("a.jsonl", broken())], {})
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "out.cpb"
    _write(path)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_archive(path, PLAYBOOK_RELEASE, 1, [("../evil", b"x")], {})
    assert path.read_bytes() == before


def test_writer_refuses_reserved_and_unsafe_names(tmp_path: Path) -> None:
    for name in ("manifest.json", "seal", "../x", "/abs", "a/b", ""):
        with pytest.raises(ValueError):
            write_archive(tmp_path / "x.cpb", PLAYBOOK_RELEASE, 1, [(name, b"x")], {})
    with pytest.raises(ValueError):
        write_archive(tmp_path / "x.cpb", PLAYBOOK_RELEASE, 1, [], {"parts": 1})


def test_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.cpb"
    path.write_text("hello, this is just text\n")
    _refused(path, "is not a playbook release")


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.cpb"
    path.write_bytes(b"")
    _refused(path, "is not a playbook release")


def test_missing_file_is_refused(tmp_path: Path) -> None:
    _refused(tmp_path / "nowhere.cpb", "No such file")


def test_zip_of_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photos.cpb"
    _rezip(path, {"holiday.jpg": b"\xff\xd8 not really"})
    _refused(path, "zip file but not a playbook release")


def test_call_record_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "records.csx"
    write_archive(path, SITE_RECORDS, 1, [("calls.jsonl", b"{}\n")], {})
    _refused(path, "is a call-record file, not a playbook release")
    with open_archive(path, SITE_RECORDS, 1) as archive:
        assert archive.read_part("calls.jsonl") == b"{}\n"
    release = tmp_path / "r.cpb"
    _write(release)
    _refused(release, "is a playbook release, not a call-record file", kind=SITE_RECORDS)


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    _edit_manifest(path, {"kind": "something-else"})
    _refused(path, "is not a playbook release", "something-else")


def test_newer_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.cpb"
    write_archive(path, PLAYBOOK_RELEASE, 7, [("a.jsonl", b"")], {})
    _refused(path, "made by a newer Companion", "format 7")


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.cpb"
    _write(path)
    data = path.read_bytes()
    for keep in (len(data) - 1, len(data) // 2, 30):
        path.write_bytes(data[:keep])
        _refused(path, "incomplete or damaged")


def test_changed_part_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    members = _members(path)
    members["rules.json"] = json.dumps({"rules": [1, 2, 4]}).encode()
    _rezip(path, members)
    _refused(path, "rules.json", "checksum")


def test_changed_manifest_is_refused_by_the_seal(tmp_path: Path) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    members = _members(path)
    members[MANIFEST] = members[MANIFEST].replace(b'"R1"', b'"R9"')
    _rezip(path, members, seal=False)
    _refused(path, "seal")


def test_manifest_with_matching_seal_but_wrong_overall_digest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    _edit_manifest(path, {"digest": "0" * 64})
    _refused(path, "overall checksum")


def test_missing_part_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    members = _members(path)
    del members["rules.json"]
    _rezip(path, members)
    _refused(path, "rules.json is missing")


def test_missing_seal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    members = _members(path)
    del members[SEAL]
    _rezip(path, members, seal=False)
    _refused(path, "seal is missing")


def test_unlisted_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    members = _members(path)
    members["extra.jsonl"] = b"{}"
    _rezip(path, members)
    _refused(path, "extra.jsonl", "does not list")


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", "sub/part.jsonl", "C:x"])
def test_zip_slip_names_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    members = _members(path)
    members[name] = b"evil"
    _rezip(path, members)
    _refused(path, "not a plain name")
    assert not (tmp_path / "x").exists()


def test_unsafe_name_listed_in_manifest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    members = _members(path)
    manifest = json.loads(members[MANIFEST])
    manifest["parts"]["../x"] = {"sha256": "0" * 64, "size": 1}
    members[MANIFEST] = json.dumps(manifest).encode()
    _rezip(path, members)
    _refused(path, "'../x'")


def test_declared_size_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.cpb"
    write_archive(path, PLAYBOOK_RELEASE, 1, [("a.jsonl", b"x" * 5000)], {})
    with pytest.raises(InvalidInput, match="more than the"):
        open_archive(path, PLAYBOOK_RELEASE, 1, max_total_bytes=4000)
    with pytest.raises(InvalidInput, match="more than the"):
        open_archive(path, PLAYBOOK_RELEASE, 1, max_part_bytes=4000)
    open_archive(path, PLAYBOOK_RELEASE, 1, max_total_bytes=5000).close()


@pytest.mark.slow
def test_decompression_bomb_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    """A member whose zip entry and manifest claim a small size but inflates far beyond it."""
    path = tmp_path / "bomb.cpb"
    bomb = b"\0" * (20 * 1024 * 1024)
    claimed = b"\0" * 10
    manifest = {
        "kind": PLAYBOOK_RELEASE,
        "format": 1,
        "parts": {"a.jsonl": {"sha256": hashlib.sha256(claimed).hexdigest(), "size": 10}},
    }
    manifest["digest"] = hashlib.sha256(
        f"a.jsonl\0{manifest['parts']['a.jsonl']['sha256']}\n".encode()  # type: ignore[index]
    ).hexdigest()
    _rezip(path, {"a.jsonl": bomb, MANIFEST: json.dumps(manifest).encode()})
    # Make the zip's own records claim 10 bytes: patch both size fields of the member.
    data = bytearray(path.read_bytes())
    size_field = len(bomb).to_bytes(4, "little")
    assert data.count(size_field) == 2  # local header and central directory
    path.write_bytes(bytes(data).replace(size_field, (10).to_bytes(4, "little")))
    _refused(path)


def test_bomb_in_manifest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.cpb"
    _rezip(path, {MANIFEST: b" " * (17 * 1024 * 1024)})
    _refused(path, "manifest cannot be read")


def test_duplicate_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "a") as archive:
        archive.writestr("rules.json", b"{}")
    _refused(path, "twice")


def test_part_changed_after_opening_fails_when_read(tmp_path: Path) -> None:
    path = tmp_path / "x.cpb"
    _write(path)
    archive = open_archive(path, PLAYBOOK_RELEASE, 1)
    try:
        archive.parts["rules.json"] = archive.parts["rules.json"].__class__(
            "rules.json", "0" * 64, archive.parts["rules.json"].size
        )
        with pytest.raises(InvalidInput, match="checksum"):
            archive.read_part("rules.json")
    finally:
        archive.close()


_VALID: dict[str, bytes] = {}


def _valid_archive(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if not _VALID:
        path = tmp_path_factory.mktemp("valid") / "v.cpb"
        _write(path)
        _VALID["data"] = path.read_bytes()
    return _VALID["data"]


def _content(path: Path) -> dict[str, bytes]:
    with open_archive(path, PLAYBOOK_RELEASE, 1) as archive:
        return {name: archive.read_part(name) for name in archive.parts} | {
            "meta": json.dumps(archive.meta).encode()
        }


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_any_single_changed_byte_is_refused(
    tmp_path_factory: pytest.TempPathFactory, position: int, flip: int
) -> None:
    """Even a byte no reader sees (a local header's time, an attribute) is refused."""
    data = _valid_archive(tmp_path_factory)
    folder = tmp_path_factory.mktemp("flip")
    changed = bytearray(data)
    changed[position % len(data)] ^= flip
    path = folder / "changed.cpb"
    path.write_bytes(bytes(changed))
    with pytest.raises(InvalidInput) as refused:
        _content(path)
    assert str(path) in str(refused.value)
