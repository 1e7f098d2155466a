"""Files that must be refused with one clear message, leaving the store as it was."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from companion.calls import start_call
from companion.entries import add_entry
from companion.errors import InvalidInput
from companion.exchange import importing, wire
from companion.sealed_archive import PLAYBOOK_RELEASE, SITE_RECORDS, open_archive, write_archive
from tests.companion.exchange.conftest import Store, StoreFactory
from tests.companion.exchange.helpers import export, load


@pytest.fixture
def pair(make_store: StoreFactory, folder: Path) -> tuple[Store, Store, Path]:
    """A site with a customer, a call and an entry; head office with one customer; the file."""
    north, hq = make_store("north"), make_store("hq")
    ana = north.customer("Ana Ruiz", phones=["+44 20 7946 0958"])
    with north:
        call = start_call(north.user, ana)
        add_entry(north.user, call.id, "said", "hello")
    hq.customer("Head office customer")
    return north, hq, export(north, folder).path


def _refused(hq: Store, path: Path, match: str) -> None:
    before = hq.state()
    with pytest.raises(InvalidInput, match=match):
        load(hq, path)
    assert hq.state() == before


def _resealed(
    path: Path,
    out: Path,
    change: Callable[[dict[str, list[Any]]], None],
    *,
    kind: str = SITE_RECORDS,
    fmt: int = wire.FORMAT,
) -> Path:
    """A correctly sealed copy of ``path`` whose records ``change`` edited."""
    with open_archive(path, SITE_RECORDS, wire.FORMAT) as archive:
        meta = archive.meta
        parts = {
            name: list(archive.iter_json_lines(name))
            for name in archive.parts
            if name.endswith(".jsonl")
        }
        counts = archive.read_part(wire.COUNTS_PART)
    change(parts)
    encoded = [
        (name, b"".join(json.dumps(row).encode() + b"\n" for row in rows))
        for name, rows in parts.items()
    ]
    # As a faulty Companion would: every checksum right.
    write_archive(out, kind, fmt, [*encoded, (wire.COUNTS_PART, counts)], meta)
    return out


def test_a_file_from_a_newer_companion_is_refused(pair: tuple[Store, Store, Path]) -> None:
    _, hq, path = pair
    newer = _resealed(path, path.with_name("newer.csx"), lambda parts: None, fmt=wire.FORMAT + 1)
    _refused(hq, newer, "newer Companion")


def test_a_playbook_release_is_not_a_call_record_file(pair: tuple[Store, Store, Path]) -> None:
    _, hq, path = pair
    release = _resealed(path, path.with_name("r.cpb"), lambda parts: None, kind=PLAYBOOK_RELEASE)
    _refused(hq, release, "is a playbook release, not a call-record file")


def test_a_zip_of_anything_and_a_text_file_are_refused(
    pair: tuple[Store, Store, Path], folder: Path
) -> None:
    _, hq, _ = pair
    other = folder / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("holiday.txt", "sunny")
    _refused(hq, other, "no Companion manifest")
    text = folder / "notes.csx"
    text.write_text("customer,phone\nAna,123\n", encoding="utf-8")
    _refused(hq, text, "not a call-record file")


@pytest.mark.slow
def test_a_changed_byte_anywhere_is_refused(pair: tuple[Store, Store, Path]) -> None:
    """Every byte, headers and padding included: content, names, sizes, times, comment."""
    _, hq, path = pair
    data = path.read_bytes()
    before = hq.state()
    changed = path.with_name("changed.csx")
    for position in range(0, len(data), 3):
        flipped = bytearray(data)
        flipped[position] ^= 0x55
        changed.write_bytes(bytes(flipped))
        with pytest.raises(InvalidInput, match="call-record file"):
            load(hq, changed)
    assert hq.state() == before


def test_a_truncated_file_is_refused(pair: tuple[Store, Store, Path]) -> None:
    _, hq, path = pair
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _refused(hq, path, "incomplete or damaged")


def test_a_member_named_to_escape_its_folder_is_refused(
    pair: tuple[Store, Store, Path], folder: Path
) -> None:
    _, hq, path = pair
    slip = folder / "slip.csx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(slip, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        target.writestr("../../evil.txt", "x")
    _refused(hq, slip, "not a plain name")
    assert not (folder.parent.parent / "evil.txt").exists()


def test_a_file_expanding_past_the_limit_is_refused_before_inflating(
    pair: tuple[Store, Store, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, hq, path = pair
    monkeypatch.setattr(importing, "MAX_TOTAL_BYTES", 1000)
    _refused(hq, path, "would expand")


def test_this_sites_own_file_is_refused_politely(pair: tuple[Store, Store, Path]) -> None:
    north, _, path = pair
    _refused(north, path, "exported from this site")


def test_a_sealed_file_with_a_nonsense_record_changes_nothing(
    pair: tuple[Store, Store, Path],
) -> None:
    _, hq, path = pair

    def spoil(parts: dict[str, list[Any]]) -> None:
        parts["entries.jsonl"][0]["seq"] = "first"

    _refused(hq, _resealed(path, path.with_name("bad.csx"), spoil), "entries record .*seq")


def test_a_file_whose_rows_name_records_nobody_has_changes_nothing(
    pair: tuple[Store, Store, Path],
) -> None:
    _, hq, path = pair

    def orphan(parts: dict[str, list[Any]]) -> None:
        parts["calls.jsonl"].clear()

    _refused(hq, _resealed(path, path.with_name("orphan.csx"), orphan), "refer to records")


def test_a_file_without_one_of_its_parts_is_refused(pair: tuple[Store, Store, Path]) -> None:
    _, hq, path = pair
    lacking = _resealed(path, path.with_name("lacking.csx"), lambda p: p.pop("users.jsonl"))
    _refused(hq, lacking, "lacks its part users.jsonl")
