"""Values edited into the database by hand that Companion cannot read give one clear line.

Each test changes one stored value with plain sqlite3 (or psycopg, on the PostgreSQL
run), as someone "fixing" the database by hand would, then runs the command a desk would run: the answer names the table,
the row and the column, and nothing is changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from cli.main import parse_args, run_command
from companion import calls, entries, promises
from companion.clock import local_today
from companion.customers import CustomerDetails, create_customer
from companion.users import local_user
from kb.workspace import open_workspace
from tests import postgres

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run_command(parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


def hand_edit(data_dir: Path, sql: str, *params: object) -> None:
    changed = postgres.hand_edit(data_dir, sql, *params)
    assert changed == 1, f"the edit matched {changed} rows"


def assert_one_clear_line(code: int, err: str, *named: str) -> None:
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: The database has a value Companion cannot read")
    for part in named:
        assert part in lines[0]


@pytest.fixture
def call_with_promise(data_dir: Path) -> tuple[str, str, str]:
    """A closed call holding one entry and one promise: (call id, entry id, promise id)."""
    workspace = open_workspace(data_dir)
    try:
        user = local_user()
        ana = create_customer(user, CustomerDetails.validate("Ana Ruiz")).customer
        call = calls.start_call(user, ana.id, problem="Internet drops every evening")
        entry = entries.add_entry(user, call.id, "said", "Drops started after the storm")
        promise = promises.record_promise(
            user, call.id, "Send an engineer's time slot", local_today() + timedelta(days=2)
        )
        calls.close_call(user, call.id, "follow_up", "Engineer to be booked")
        return call.id, entry.id, promise.promise.id
    finally:
        workspace.close()


def test_unknown_promise_state_is_named_not_a_traceback(
    capsys: pytest.CaptureFixture[str], data_dir: Path, call_with_promise: tuple[str, str, str]
) -> None:
    call_id, _, promise_id = call_with_promise
    hand_edit(data_dir, "UPDATE promises SET state = 'maybe' WHERE id = ?", promise_id)
    code, out, err = run(capsys, "call", "export", call_id, "--format", "json")
    assert out == ""
    assert_one_clear_line(code, err, "table promises", f"row {promise_id}", "state = 'maybe'")


def test_unknown_entry_kind_is_named(
    capsys: pytest.CaptureFixture[str], data_dir: Path, call_with_promise: tuple[str, str, str]
) -> None:
    call_id, entry_id, _ = call_with_promise
    hand_edit(data_dir, "UPDATE entries SET kind = 'whispered' WHERE id = ?", entry_id)
    code, _, err = run(capsys, "call", "export", call_id, "--format", "md")
    assert_one_clear_line(code, err, "table entries", f"row {entry_id}", "kind = 'whispered'")


def test_malformed_json_in_article_tags_is_named(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    open_workspace(data_dir).close()
    hand_edit(data_dir, "UPDATE articles SET tags = '[\"refund\", ' WHERE slug = 'greeting'")
    code, _, err = run(capsys, "playbook", "export", str(tmp_path / "out"))
    assert_one_clear_line(code, err, "table articles", "column tags")


def test_unknown_article_status_is_named_by_export_and_reindex(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    open_workspace(data_dir).close()
    hand_edit(data_dir, "UPDATE articles SET status = 'retired' WHERE slug = 'greeting'")
    for command in (("playbook", "export", str(tmp_path / "out")), ("playbook", "reindex")):
        code, _, err = run(capsys, *command)
        assert_one_clear_line(code, err, "table articles", "column status = 'retired'")


def test_unknown_role_is_named_by_user_list(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    assert run(capsys, "user", "add", "Grace Okafor", "--role", "agent")[0] == 0
    hand_edit(data_dir, "UPDATE users SET role = 'boss' WHERE display_name = 'Grace Okafor'")
    code, _, err = run(capsys, "user", "list")
    assert_one_clear_line(code, err, "table users", "column role = 'boss'")


@pytest.mark.slow
@pytest.mark.sqlite_only  # PostgreSQL refuses text in an integer column by itself.
def test_non_integer_schema_version_is_named_and_the_file_left_alone(data_dir: Path) -> None:
    open_workspace(data_dir).close()
    hand_edit(data_dir, "UPDATE schema_version SET version = 'two' WHERE component = 'core'")
    db_file = data_dir / "companion.db"
    before = hashlib.sha256(db_file.read_bytes()).hexdigest()
    result = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), "promises", "due"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_one_clear_line(
        result.returncode, result.stderr, "table schema_version", "row core", "version = 'two'"
    )
    assert hashlib.sha256(db_file.read_bytes()).hexdigest() == before
