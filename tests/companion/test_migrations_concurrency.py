"""Several commands started together on an empty data dir all succeed, and migrate once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from companion.schema import CORE
from kb.schema import PLAYBOOK
from tests.postgres import hand_query
from tests.processes import run_together

ROOT = Path(__file__).resolve().parents[2]

COMMANDS = (
    ("customer", "add", "Ana María López", "--phone", "555 010 2030"),
    ("playbook", "search", "refund"),
    ("promises", "due"),
    ("user", "list"),
)


def start_together(data_dir: Path) -> list[subprocess.CompletedProcess[str]]:
    return run_together(
        [["main.py", "--data-dir", str(data_dir), *command] for command in COMMANDS]
    )


def default_playbook_size() -> int:
    return len(list((ROOT / "resources" / "playbook").rglob("*.md")))


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(3))
def test_four_commands_on_a_new_data_dir_all_succeed_and_migrate_once(
    tmp_path: Path, attempt: int
) -> None:
    data_dir = tmp_path / f"desk-{attempt}"
    results = start_together(data_dir)

    for result in results:
        assert result.returncode == 0, f"{result.args[4:]} failed: {result.stderr}"
        assert "Traceback" not in result.stderr
    versions = dict(hand_query(data_dir, "SELECT component, version FROM schema_version"))
    [(count, distinct)] = hand_query(
        data_dir, "SELECT COUNT(*), COUNT(DISTINCT slug) FROM articles"
    )
    [(revisions,)] = hand_query(data_dir, "SELECT COUNT(*) FROM article_revisions")
    [(local_users,)] = hand_query(data_dir, "SELECT COUNT(*) FROM users WHERE is_local_default")
    [(customers,)] = hand_query(data_dir, "SELECT COUNT(*) FROM customers")
    assert versions == {CORE.name: CORE.latest, PLAYBOOK.name: PLAYBOOK.latest}
    assert count == distinct == default_playbook_size()
    assert revisions == count  # one set of revisions: the playbook was loaded once
    assert local_users == 1
    assert customers == 1
