"""The playbook command line fed hostile files and queries, as a supervisor's shell would.

A folder from another site may hold front matter of any shape, YAML bombs and files
saved as UTF-16; a script may pipe punctuation into a search. Each bad file gets one
line with its reason, the good files land, and no input ends in a traceback.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from main import main

ROOT = Path(__file__).resolve().parents[2]

BILLION_LAUGHS = "\n".join(
    [
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        *(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]"
            for i in range(8)
        ),
        "title: *i",
    ]
)
WIDE = "---\r\ntitle: Wide text\r\n---\r\nSpeak slowly and spell the caller's zeppelin.\r\n"

HOSTILE_FILES: dict[str, tuple[bytes, str | None]] = {
    "good.md": (b"---\ntitle: Good\ntags: [fine]\n---\nA good article.\n", None),
    "wide.md": (WIDE.encode("utf-16"), None),
    "list-title.md": (b"---\ntitle: [a, b]\n---\nbody\n", "'title' must be text, not a list"),
    "mapping-slug.md": (b"---\nslug: {x: 1}\n---\nbody\n", "'slug' must be text, not a mapping"),
    "megabyte-title.md": (
        b"---\ntitle: " + b"x" * 1024 * 1024 + b"\n---\nbody\n",
        "over the 65,536 allowed",
    ),
    "long-title.md": (b"---\ntitle: " + b"x" * 1000 + b"\n---\nbody\n", "longer than 200"),
    "huge-number.md": (b"---\nslug: " + b"7" * 10_000 + b"\n---\nbody\n", "longer than 120"),
    "alias-bomb.md": (f"---\n{BILLION_LAUGHS}\n---\nbody\n".encode(), "anchors (&name)"),
    "nested.md": (
        b"---\ntitle: " + b"[" * 10_000 + b"]" * 10_000 + b"\n---\nbody\n",
        "nests lists or mappings more than",
    ),
    "python.md": (b"---\ntitle: !!python/object/apply:os.system [ls]\n---\n", "YAML tag"),
    "binary.md": (b"\x00\x01\x02binary\x00", "binary file"),
}


def cli(data_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_import_lands_good_and_utf16_files_and_lists_each_bad_one(
    data_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "from-another-site"
    source.mkdir()
    for name, (content, _) in HOSTILE_FILES.items():
        (source / name).write_bytes(content)

    result = cli(data_dir, "playbook", "import", str(source))

    assert result.returncode == 1, result.stderr  # some files failed, as for any import
    assert "Traceback" not in result.stderr + result.stdout
    lines = {
        match["path"]: (match["outcome"], match["reason"] or "")
        for match in re.finditer(
            r"^(?P<outcome>\w+)\s+(?P<path>\S+\.md)(?:: (?P<reason>.*))?$",
            result.stdout,
            re.MULTILINE,
        )
    }
    assert set(lines) == set(HOSTILE_FILES)
    for name, (_, expected) in HOSTILE_FILES.items():
        outcome, reason = lines[name]
        if expected is None:
            assert outcome == "created", f"{name}: {reason}"
        else:
            assert outcome == "failed" and expected in reason, f"{name}: {reason}"
    assert "2 created, 0 updated, 0 unchanged, 9 failed" in result.stdout

    found = cli(data_dir, "playbook", "search", "zeppelin", "--json")
    assert [hit["title"] for hit in json.loads(found.stdout)] == ["Wide text"]


@pytest.mark.slow
def test_punctuation_query_prints_an_empty_json_list(data_dir: Path) -> None:
    result = cli(data_dir, "playbook", "search", "&&||", "--json")

    assert (result.returncode, result.stdout.strip()) == (0, "[]")
    assert "Traceback" not in result.stderr


QUERIES = ["&&||", '"', "()", "*", "-", "!!!", "NOT", "AND OR", "NOT AND (OR)", "\u200b", "🙂"]


@pytest.mark.parametrize("query", QUERIES)
def test_a_query_of_only_operators_or_punctuation_matches_nothing(
    capsys: pytest.CaptureFixture[str], query: str
) -> None:
    code = main(["playbook", "search", query, "--json"])
    as_json = capsys.readouterr()
    code_plain = main(["playbook", "search", query])
    plain = capsys.readouterr()

    assert (code, json.loads(as_json.out)) == (0, [])
    assert code_plain == 0 and plain.out == ""
    assert "No articles match" in plain.err


def test_lower_case_not_is_still_a_word_being_typed(capsys: pytest.CaptureFixture[str]) -> None:
    """Only upper-case AND/OR/NOT are dropped; "not" may be the start of "notes"."""
    assert main(["playbook", "search", "not", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) != []
