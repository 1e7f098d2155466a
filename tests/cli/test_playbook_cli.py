"""The playbook command line as an agent or an admin uses it."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import companion.db as dbmod
from companion.paths import resolve_db_url
from main import main
from tests import postgres

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_search_json_is_a_ranked_list_with_snippets(data_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), "playbook", "search",
         "customer asks for a manager", "--json", "--limit", "3"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    hits = json.loads(result.stdout)
    assert hits[0]["slug"] == "escalation"
    assert set(hits[0]) >= {"slug", "title", "category", "score", "snippet"}
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert len(hits) <= 3


def test_search_text_output_names_each_hit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "playbook", "search", "end the call")
    assert code == 0
    assert "disengaging" in out.splitlines()[0]


def test_empty_query_and_bad_limit_get_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "playbook", "search", "   ")
    assert code == 0 and "no words to search for" in err
    code, _, err = run(capsys, "playbook", "search", "refund", "--limit", "0")
    assert code == 1 and "--limit" in err


def test_import_reports_each_file_and_broken_links(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "site-playbook"
    write(
        source / "faults" / "airlock.md",
        "# Airlock will not cycle\n\nSee [docking](docking.md) and [gone](missing.md).\n",
    )
    write(source / "faults" / "docking.md", "---\ntitle: Docking faults\n---\nCode E-DOCK-101.\n")
    write(source / "faults" / "bad.md", "---\ntitle: [unclosed\n---\nbody\n")
    code, out, _ = run(capsys, "playbook", "import", str(source))
    assert code == 1  # one file failed
    assert re.search(r"created\s+faults/airlock.md", out)
    assert "failed" in out and "faults/bad.md" in out
    assert "missing.md" in out
    code, out, _ = run(capsys, "playbook", "search", "E-DOCK-101")
    assert "docking" in out


def test_reimport_of_unchanged_files_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write(tmp_path / "pb" / "ops" / "note.md", "# Note\n\nFirst text.\n").parent.parent
    run(capsys, "playbook", "import", str(source))
    code, out, _ = run(capsys, "playbook", "import", str(source))
    assert code == 0 and re.search(r"unchanged\s+ops/note.md", out)


def test_export_then_import_into_an_empty_data_dir_keeps_everything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    export_dir = tmp_path / "export"
    code, out, _ = run(capsys, "playbook", "export", str(export_dir))
    assert code == 0
    exported = sorted(p.relative_to(export_dir).as_posix() for p in export_dir.rglob("*.md"))
    assert "escalation/handoff.md" in exported
    fresh = tmp_path / "fresh"
    code, out, _ = run(capsys, "--data-dir", str(fresh), "playbook", "import", str(export_dir))
    assert code == 0
    assert "0 failed" in out and "0 broken links" in out


def test_reindex_rebuilds_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "playbook", "reindex")
    assert code == 0
    assert out.startswith("Indexed ") and "articles" in out


@pytest.mark.sqlite_only  # SQLite's write lock
def test_locked_database_is_reported_and_nothing_is_lost(
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run(capsys, "playbook", "reindex")  # creates the database
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setitem(dbmod.SQLITE_PRAGMAS, "busy_timeout", 200)
    source = write(tmp_path / "pb" / "ops" / "note.md", "# Note\n\nText.\n").parent.parent
    blocker = sqlite3.connect(data_dir / "companion.db")
    blocker.execute("BEGIN IMMEDIATE")
    try:
        code, out, err = run(capsys, "playbook", "import", str(source))
    finally:
        blocker.rollback()
        blocker.close()
    assert code == 1
    assert "locked by another program" in err or "locked by another program" in out
    assert "Traceback" not in err
    code, out, _ = run(capsys, "playbook", "import", str(source))
    assert code == 0 and re.search(r"created\s+ops/note.md", out)


def test_newer_database_is_refused_from_the_cli(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    run(capsys, "playbook", "reindex")
    postgres.hand_edit(data_dir, "UPDATE schema_version SET version = version + 5")
    code, _, err = run(capsys, "playbook", "search", "refund")
    assert code == 1
    assert "newer version of Companion" in err
    assert dbmod.describe_location(resolve_db_url(data_dir)) in err


def test_help_explains_each_command(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("import", "export", "search", "reindex"):
        with pytest.raises(SystemExit) as exited:
            main(["playbook", command, "--help"])
        assert exited.value.code == 0
        assert "usage:" in capsys.readouterr().out
