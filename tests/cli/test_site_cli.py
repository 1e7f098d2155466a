"""``site export | import | show | name`` as real processes on two stores.

Each store is a data dir of its own; on a PostgreSQL run the second one gets a
database of its own too (the run's test database is the first), named with ``--db``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests import postgres

pytestmark = pytest.mark.slow

MAIN = Path(__file__).resolve().parents[2] / "main.py"


@dataclass(frozen=True)
class Desk:
    data_dir: Path
    db: str | None

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        where = ["--data-dir", str(self.data_dir)] + (["--db", self.db] if self.db else [])
        return subprocess.run(
            [sys.executable, str(MAIN), *where, *args],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
            env=os.environ.copy(),
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[tuple[Desk, Desk]]:
    """A branch and head office, each with a store of its own."""
    if postgres.backend() != "postgresql":
        yield Desk(tmp_path / "north", None), Desk(tmp_path / "hq", None)
        return
    base = urlparse(postgres.postgres_url()).path.lstrip("/")
    name = f"{base}_{os.getpid()}_site_cli"
    with postgres.admin_connect() as admin:  # type: ignore[attr-defined]
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = postgres.database_url(name)
    yield Desk(tmp_path / "north", None), Desk(tmp_path / "hq", url)
    postgres.drop_database(url)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_records_go_home_once_and_the_report_says_what_happened(
    desks: tuple[Desk, Desk], tmp_path: Path
) -> None:
    north, hq = desks
    north.ok("site", "name", "North branch")
    north.ok("customer", "add", "Ana Ruiz", "--phone", "+44 20 7946 0958")
    hq.ok("customer", "add", "Ana R", "--phone", "+44 20 7946 0958")
    out = tmp_path / "north.csx"
    exported = north.ok("site", "export", str(out))
    assert f"Exported all call records from North branch for head office to {out}" in exported
    imported = hq.ok("site", "import", str(out))
    assert "from North branch" in imported
    assert "customers" in imported and "added" in imported
    assert "Possibly the same customer at two sites" in imported
    assert "Ana Ruiz" in imported and "same phone +44 20 7946 0958" in imported
    again = hq.ok("site", "import", str(out))
    assert "was already imported" in again and "nothing changed" in again
    shown = hq.ok("site", "show")
    assert "Records came from:" in shown and "North branch" in shown
    assert "from North branch: north.csx" in shown
    assert "to head office: north.csx" in north.ok("site", "show")


def test_json_reports_for_scripts(desks: tuple[Desk, Desk], tmp_path: Path) -> None:
    north, hq = desks
    north.ok("customer", "add", "Ana Ruiz")
    out = tmp_path / "north.csx"
    exported = json.loads(north.ok("site", "export", str(out), "--to", "Head Office", "--json"))
    assert exported["destination"] == "Head Office" and exported["counts"]["customers"] == 1
    assert exported["path"] == str(out)
    report = json.loads(hq.ok("site", "import", str(out), "--json"))
    assert report["already_imported"] is False
    assert report["kinds"]["customers"] == {
        "added": 1,
        "unchanged": 0,
        "updated": 0,
        "conflicts": 0,
    }
    shown = json.loads(hq.ok("site", "show", "--json"))
    assert [site["name"] for site in shown["known_sites"]][1:] == [exported["site"]["name"]]
    since = json.loads(
        north.ok("site", "export", str(tmp_path / "2.csx"), "--since-last", "--json")
    )
    assert since["since_last"] is True


def test_bad_files_are_one_line_each_and_change_nothing(
    desks: tuple[Desk, Desk], tmp_path: Path
) -> None:
    north, hq = desks
    north.ok("customer", "add", "Ana Ruiz")
    out = tmp_path / "north.csx"
    north.ok("site", "export", str(out))
    assert "exported from this site" in one_line_error(north.run("site", "import", str(out)))
    text = tmp_path / "notes.csx"
    text.write_text("not a file Companion makes\n", encoding="utf-8")
    assert "is not a call-record file" in one_line_error(hq.run("site", "import", str(text)))
    cut = tmp_path / "cut.csx"
    cut.write_bytes(out.read_bytes()[:-300])
    assert "call-record file" in one_line_error(hq.run("site", "import", str(cut)))
    missing = tmp_path / "nowhere" / "x.csx"
    assert "does not exist" in one_line_error(north.run("site", "export", str(missing)))
    assert "No imports yet." in hq.ok("site", "show")
    assert json.loads(hq.ok("customer", "find", "Ana", "--json")) == []
