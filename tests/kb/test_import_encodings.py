"""Files saved by other editors: UTF-16 and UTF-32 with a byte-order mark import like UTF-8.

Windows editors save "Unicode" text as UTF-16 with a byte-order mark, which is full of
NUL bytes; such a file is text, and a supervisor who saves one must not be told it is
binary. A file that really is binary is still refused as binary.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import store
from kb.import_report import FileOutcome
from kb.importer import import_playbook
from kb.workspace import Workspace

ARTICLE = "---\r\ntitle: Café hours\r\ntags: [opening, hours]\r\n---\r\nWe open at 8:00. ☕\r\n"
ENCODINGS = ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"]
BOMS = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32-be": b"\x00\x00\xfe\xff"}


def encoded(text: str, encoding: str) -> bytes:
    """``text`` as an editor writes it: always with a byte-order mark."""
    return BOMS.get(encoding, b"") + text.encode(encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_text_with_a_byte_order_mark_is_imported(
    empty_workspace: Workspace, tmp_path: Path, encoding: str
) -> None:
    source = tmp_path / "pb"
    source.mkdir()
    (source / "hours.md").write_bytes(encoded(ARTICLE, encoding))

    report = import_playbook(source, empty_workspace.playbook, empty_workspace.user)

    assert [(r.path, r.outcome) for r in report.files] == [("hours.md", FileOutcome.CREATED)]
    article = store.get_article("hours")
    assert article.title == "Café hours"
    assert article.tags == ("opening", "hours")
    assert article.body == "We open at 8:00. ☕\n"


def test_a_mark_left_over_from_an_earlier_encoding_is_not_part_of_the_text(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    source = tmp_path / "pb"
    source.mkdir()
    (source / "hours.md").write_bytes(("\ufeff" + ARTICLE).encode("utf-16"))

    import_playbook(source, empty_workspace.playbook, empty_workspace.user)

    assert store.get_article("hours").title == "Café hours"


BAD = [
    ("nul-in-utf16.md", b"\xff\xfe" + "# Title\n\x00\x01".encode("utf-16-le"), "binary file"),
    ("odd-length.md", b"\xff\xfe" + "# Title\n".encode("utf-16-le") + b"#", "not UTF-16 text"),
    ("lone-surrogate.md", b"\xff\xfe#\x00\x00\xd8 \x00", "not UTF-16 text"),
    ("no-bom-utf16.md", "# Title\nBody\n".encode("utf-16-le"), "UTF-16 text without a byte"),
    ("no-bom-utf16be.md", "# Title\nBody\n".encode("utf-16-be"), "UTF-16 text without a byte"),
    ("png.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
    ("bom-only.md", b"\xff\xfe", "the file is empty"),
    ("utf16-blank.md", b"\xfe\xff" + " \n".encode("utf-16-be"), "the file is empty"),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD, ids=[b[0] for b in BAD])
def test_broken_or_binary_files_are_reported_and_the_rest_goes_in(
    empty_workspace: Workspace, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    source = tmp_path / "pb"
    source.mkdir()
    (source / name).write_bytes(content)
    (source / "wide.md").write_bytes(encoded(ARTICLE, "utf-16"))

    report = import_playbook(source, empty_workspace.playbook, empty_workspace.user)

    results = {r.path: r for r in report.files}
    assert results[name].outcome is FileOutcome.FAILED
    assert expected in results[name].reason
    assert results["wide.md"].outcome is FileOutcome.CREATED
