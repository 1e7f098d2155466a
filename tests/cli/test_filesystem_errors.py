"""File-system trouble ends with one clear line, a non-zero exit, and nothing half-written.

A full disk is made real for the database with SQLite's ``max_page_count`` (SQLite
then answers SQLITE_FULL exactly as on a full disk); for the search index, whose files
whoosh writes, the failure is injected where whoosh creates a file. Permissions are
checked for real: the command runs in a process that obeys them even under root
(see :mod:`tests.unprivileged`), and a file in the way works for anyone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

from cli.main import parse_args, run_command
from companion import db as dbmod
from kb.workspace import open_workspace
from tests.unprivileged import run_companion

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run_command(parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(data_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), *argv],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if not line.startswith("Indexing")]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    return lines[0]


def page_count(data_dir: Path) -> int:
    with contextlib.closing(sqlite3.connect(data_dir / "companion.db")) as connection:
        return int(connection.execute("PRAGMA page_count").fetchone()[0])


def integrity(data_dir: Path) -> str:
    with contextlib.closing(sqlite3.connect(data_dir / "companion.db")) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def disk_fills_after(monkeypatch: pytest.MonkeyPatch, data_dir: Path, extra_pages: int) -> None:
    """From now on the database cannot grow by more than ``extra_pages`` pages."""
    monkeypatch.setitem(dbmod.SQLITE_PRAGMAS, "max_page_count", page_count(data_dir) + extra_pages)


# --- The data dir itself ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("where", ["the data dir", "a folder above it"])
def test_a_file_where_the_data_dir_should_be(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "companion-data"
    blocker.write_text("not a folder", encoding="utf-8")
    data_dir = blocker if where == "the data dir" else blocker / "desk"
    result = run_process(data_dir, "user", "list")
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert f"The data folder {data_dir}" in line
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.slow
def test_a_data_dir_whose_parent_is_read_only(tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        result = run_companion("--data-dir", str(parent / "desk"), "user", "list")
    finally:
        parent.chmod(0o755)
    assert result.returncode == 1
    assert "cannot be created: Permission denied" in one_error_line(result.stderr)
    assert not (parent / "desk").exists()


# --- A full disk ------------------------------------------------------------------


@pytest.mark.sqlite_only  # a full disk under the SQLite file
def test_customer_add_on_a_full_disk_keeps_the_database_usable(
    capsys: pytest.CaptureFixture[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_workspace(data_dir).close()
    with monkeypatch.context() as full:
        disk_fills_after(full, data_dir, 0)
        code, out, err = run(capsys, "customer", "add", "Ana Ruiz", "--notes", "x" * 50_000)
    assert code == 1
    assert out == ""
    assert "the disk is full" in one_error_line(err)
    assert integrity(data_dir) == "ok"
    code, out, err = run(capsys, "customer", "add", "Ana Ruiz", "--notes", "x" * 50_000)
    assert code == 0, err
    code, out, _ = run(capsys, "customer", "find", "Ana Ruiz")
    assert code == 0 and out.count("Ana Ruiz") == 1


def write_articles(folder: Path, count: int) -> None:
    folder.mkdir()
    for number in range(count):
        words = " ".join(f"word{number}x{i}" for i in range(4000))
        (folder / f"topic-{number:02}.md").write_text(
            f"# Topic {number}\n\nmarker{number} {words}\n", encoding="utf-8"
        )


@pytest.mark.sqlite_only  # a full disk under the SQLite file
def test_import_that_fills_the_disk_still_reports_and_the_next_run_uses_everything(
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "playbook"
    write_articles(folder, 20)
    open_workspace(data_dir, load_defaults=False).close()
    with monkeypatch.context() as full:
        disk_fills_after(full, data_dir, 150)
        code, out, err = run(capsys, "playbook", "import", str(folder))
    assert code == 1
    assert "Traceback" not in err
    created = out.count("created")
    assert 0 < created < 20, out  # some went in before the disk filled
    assert "the disk is full" in out
    assert integrity(data_dir) == "ok"

    # Next run, with room again: what went in is searchable, and re-importing finishes it.
    code, out, _ = run(capsys, "playbook", "search", "marker0")
    assert code == 0 and "topic-00" in out
    code, out, err = run(capsys, "playbook", "import", str(folder))
    assert code == 0, err
    code, out, _ = run(capsys, "playbook", "search", "marker19")
    assert code == 0 and "topic-19" in out


# --- The search index -------------------------------------------------------------


def index_writes_fail(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    def refuse(self: FileStorage, name: str, **_kwargs: object) -> None:
        raise OSError(code, os.strerror(code), os.path.join(self.folder, name))

    monkeypatch.setattr(FileStorage, "create_file", refuse)


@pytest.mark.parametrize(
    ("failure", "says"),
    [(errno.ENOSPC, "no space left on device"), (errno.EROFS, "read-only")],
    ids=["disk-full", "read-only"],
)
def test_index_that_cannot_be_written_is_one_line_and_the_next_run_rebuilds(
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: int,
    says: str,
) -> None:
    open_workspace(data_dir).close()
    with monkeypatch.context() as broken:
        index_writes_fail(broken, failure)
        code, _, err = run(capsys, "playbook", "reindex")
    assert code == 1
    line = one_error_line(err)
    assert "search-index" in line and says in line.lower()
    code, out, err = run(capsys, "playbook", "search", "greeting")
    assert code == 0, err
    assert "greeting" in out


@pytest.mark.slow
def test_a_read_only_index_folder_is_replaced_by_a_fresh_one(data_dir: Path) -> None:
    """The index is derived data: a folder nobody may write to is swapped for a new one."""
    assert run_companion("--data-dir", str(data_dir), "playbook", "reindex").returncode == 0
    index = data_dir / "search-index"
    index.chmod(0o555)
    try:
        result = run_companion("--data-dir", str(data_dir), "playbook", "reindex")
        search = run_companion("--data-dir", str(data_dir), "playbook", "search", "greeting")
    finally:
        for folder in data_dir.glob("search-index*"):
            if folder.is_dir():
                folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "Indexed 20 articles" in result.stdout
    assert search.returncode == 0, search.stderr
    assert "greeting" in search.stdout
    assert index.stat().st_mode & 0o200, "the new index folder is writable"


@pytest.mark.sqlite_only  # a read-only folder holding the SQLite file
@pytest.mark.slow
def test_a_read_only_data_dir_is_one_line(data_dir: Path) -> None:
    open_workspace(data_dir).close()
    data_dir.chmod(0o555)
    try:
        result = run_companion("--data-dir", str(data_dir), "customer", "add", "Ana Ruiz")
    finally:
        data_dir.chmod(0o755)
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert "companion.db" in line and ("read-only" in line or "cannot be opened" in line)


@pytest.mark.slow
def test_an_index_that_cannot_be_rebuilt_is_one_line(tmp_path: Path, data_dir: Path) -> None:
    """Damaged index in a folder nobody may write to, database elsewhere: one line."""
    database = f"sqlite:///{tmp_path / 'elsewhere' / 'companion.db'}"
    assert (
        run_companion(
            "--data-dir", str(data_dir), "--db", database, "playbook", "reindex"
        ).returncode
        == 0
    )
    for segment in (data_dir / "search-index").glob("*.seg"):
        segment.write_bytes(b"")
    data_dir.chmod(0o555)
    (data_dir / "search-index").chmod(0o555)
    try:
        result = run_companion(
            "--data-dir", str(data_dir), "--db", database, "playbook", "search", "greeting"
        )
    finally:
        (data_dir / "search-index").chmod(0o755)
        data_dir.chmod(0o755)
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert "search-index" in line and "cannot be rebuilt: Permission denied" in line
