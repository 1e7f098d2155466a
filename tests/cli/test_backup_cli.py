"""``backup`` and ``restore`` as real processes, with a desk writing at the same time."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

MAIN = Path(__file__).resolve().parents[2] / "main.py"

# Adds customers one process at a time, as desks do, until told to stop.
WRITER = """
import subprocess, sys
from pathlib import Path
main, data_dir, stop = sys.argv[1:4]
n = 0
while not Path(stop).exists() and n < 200:
    n += 1
    subprocess.run(
        [sys.executable, main, "--data-dir", data_dir, "customer", "add", f"Writer {n:03d}"],
        check=True, capture_output=True,
    )
"""


def companion(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MAIN), "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def customers_in(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        count: int = connection.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
    return count


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One desk with one customer, made once: every test works on its own copy."""
    data = tmp_path_factory.mktemp("template") / "desk"
    made = companion(data, "customer", "add", "Zeynep Yılmaz", "--phone", "555 010 3030")
    assert made.returncode == 0, made.stderr
    return data


@pytest.fixture
def source(tmp_path: Path, template: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "desk"))


@pytest.fixture
def backup(tmp_path: Path, source: Path) -> Path:
    path = tmp_path / "monday.db"
    assert companion(source, "backup", str(path)).returncode == 0
    return path


@pytest.mark.sqlite_only  # backs up or restores an SQLite file
def test_backup_while_another_process_writes_is_a_verified_copy(tmp_path: Path) -> None:
    data = tmp_path / "busy"
    assert companion(data, "customer", "add", "First Caller").returncode == 0
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(MAIN), str(data), str(stop)])
    try:
        # Back up while customers keep arriving: three copies, each after more writes.
        copies = []
        for n in range(3):
            seen = customers_in(data / "companion.db")
            while customers_in(data / "companion.db") == seen and writer.poll() is None:
                time.sleep(0.05)
            result = companion(data, "backup", str(tmp_path / f"copy{n}.db"))
            assert result.returncode == 0, result.stderr
            assert "integrity check ok" in result.stdout and "every count matches" in result.stdout
            copies.append(tmp_path / f"copy{n}.db")
    finally:
        stop.touch()
        writer.wait(timeout=180)
    assert writer.returncode == 0
    counts = [customers_in(copy) for copy in copies]
    assert counts == sorted(counts) and counts[0] >= 2
    for copy in copies:
        assert not Path(f"{copy}-wal").exists()
        with contextlib.closing(sqlite3.connect(copy)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    restored = tmp_path / "restored"
    assert companion(restored, "restore", str(copies[-1])).returncode == 0
    found = companion(restored, "customer", "find", "Writer 001")
    assert "Writer 001" in found.stdout


@pytest.mark.sqlite_only  # backs up or restores an SQLite file
def test_restore_into_an_empty_data_dir_brings_the_records_back(
    tmp_path: Path, backup: Path
) -> None:
    new = tmp_path / "new desk"
    result = companion(new, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert "rebuilt when Companion next starts" in result.stdout
    found = companion(new, "customer", "find", "Zeynep")
    assert "Zeynep Yılmaz" in found.stdout
    assert "refund" in companion(new, "playbook", "search", "refund").stdout.lower()


@pytest.mark.sqlite_only  # backs up or restores an SQLite file
def test_restore_over_data_needs_force_and_keeps_the_old_database(
    tmp_path: Path, backup: Path
) -> None:
    other = tmp_path / "other desk"
    assert companion(other, "customer", "add", "Somebody Else").returncode == 0
    before = digest(other / "companion.db")
    refused = one_line_error(companion(other, "restore", str(backup)))
    assert "already has a database with data" in refused and "--force" in refused
    assert digest(other / "companion.db") == before
    assert "Somebody Else" in companion(other, "customer", "find", "Somebody").stdout

    forced = companion(other, "restore", "--force", str(backup))
    assert forced.returncode == 0, forced.stderr
    assert "Zeynep Yılmaz" in companion(other, "customer", "find", "Zeynep").stdout
    assert "No customer" in companion(other, "customer", "find", "Somebody").stdout or (
        "Somebody Else" not in companion(other, "customer", "find", "Somebody").stdout
    )
    (aside,) = other.glob("companion.db.before-restore-*")
    assert customers_in(aside) == 1
    assert f"kept as {aside}" in forced.stdout


def corrupt(backup: Path, tmp_path: Path) -> Path:
    """The backup with its second half overwritten: pages SQLite can no longer read."""
    data = bytearray(backup.read_bytes())
    half = len(data) // 2
    data[half:] = b"\xa5" * (len(data) - half)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(bytes(data))
    return damaged


def newer(backup: Path, tmp_path: Path) -> Path:
    future = tmp_path / "future.db"
    future.write_bytes(backup.read_bytes())
    with contextlib.closing(sqlite3.connect(future)) as connection, connection:
        connection.execute("UPDATE schema_version SET version = 999 WHERE component = 'core'")
    return future


def garbage(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_text("these are not the records you are looking for\n" * 100)
    return path


def stranger(tmp_path: Path) -> Path:
    path = tmp_path / "stranger.db"
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")
        connection.execute("INSERT INTO recipes VALUES ('soup')")
    return path


@pytest.mark.sqlite_only  # backs up or restores an SQLite file
@pytest.mark.parametrize(
    ("make_bad", "message"),
    [
        (lambda backup, tmp: corrupt(backup, tmp), "damaged.db is damaged"),
        (lambda backup, tmp: newer(backup, tmp), "newer Companion (core schema 999"),
        (lambda backup, tmp: garbage(tmp), "is not a Companion backup (not an SQLite database)"),
        (lambda backup, tmp: stranger(tmp), "is not a Companion database"),
    ],
    ids=["corrupted", "newer-schema", "garbage", "other-sqlite"],
)
def test_a_bad_backup_is_refused_and_the_data_dir_is_left_as_it_was(
    tmp_path: Path, template: Path, backup: Path, make_bad: object, message: str
) -> None:
    bad = make_bad(backup, tmp_path)  # type: ignore[operator]
    desk = Path(shutil.copytree(template, tmp_path / "kept desk"))
    before = sorted(p.name for p in desk.iterdir())
    db_before = digest(desk / "companion.db")
    for extra in ([], ["--force"]):
        line = one_line_error(companion(desk, "restore", *extra, str(bad)))
        assert message in line and "Nothing was changed" in line.replace("nothing", "Nothing")
    assert sorted(p.name for p in desk.iterdir()) == before
    assert digest(desk / "companion.db") == db_before
    empty = tmp_path / "empty desk"
    one_line_error(companion(empty, "restore", str(bad)))
    assert not (empty / "companion.db").exists()


@pytest.mark.sqlite_only  # backs up or restores an SQLite file
def test_backup_to_an_unwritable_place_is_one_clear_line(tmp_path: Path, source: Path) -> None:
    missing = one_line_error(companion(source, "backup", str(tmp_path / "no such folder" / "b.db")))
    assert "Could not write" in missing and "no such folder" in missing
    blocker = tmp_path / "a file"
    blocker.write_text("in the way")
    under_file = one_line_error(companion(source, "backup", str(blocker / "b.db")))
    assert "Could not write" in under_file
    assert not list(tmp_path.glob("**/.b.db.part-*"))


@pytest.mark.sqlite_only  # backs up or restores an SQLite file
def test_backup_refuses_to_overwrite_without_force(tmp_path: Path, source: Path) -> None:
    target = tmp_path / "keep.db"
    target.write_text("an older backup")
    line = one_line_error(companion(source, "backup", str(target)))
    assert "already exists" in line and "--force" in line
    assert target.read_text() == "an older backup"
    assert companion(source, "backup", "--force", str(target)).returncode == 0
    assert customers_in(target) == 1


@pytest.mark.sqlite_only  # backs up or restores an SQLite file
def test_a_folder_gets_a_dated_backup_inside(tmp_path: Path, source: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    assert companion(source, "backup", str(folder)).returncode == 0
    (made,) = folder.glob("companion-*.db")
    assert customers_in(made) == 1


def test_postgresql_is_pointed_at_pg_dump(tmp_path: Path) -> None:
    url = "postgresql://desk:s3cret@db.example/companion"
    line = one_line_error(companion(tmp_path, "--db", url, "backup", str(tmp_path / "b.db")))
    assert "pg_dump --format=custom --file companion.dump" in line
    assert "s3cret" not in line
    restore = one_line_error(companion(tmp_path, "--db", url, "restore", str(tmp_path / "b.db")))
    assert "pg_restore" in restore


@pytest.mark.sqlite_only  # backs up or restores an SQLite file
def test_backup_of_a_data_dir_without_a_database_says_so(tmp_path: Path) -> None:
    line = one_line_error(companion(tmp_path / "never used", "backup", str(tmp_path / "b.db")))
    assert "nothing to back up" in line
