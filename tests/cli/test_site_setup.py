"""Setting a site up: where each desk finds its database, and the shared store it points at.

Precedence: ``--db``, then ``COMPANION_DB_URL``, then ``site.ini`` (the data dir's,
then the one next to the app), then SQLite in the data dir. The PostgreSQL tests run
the real command line against the test server, with the password in a password file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from companion.paths import resolve_db_url
from tests import postgres

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "site password 1"


def _site_ini(folder: Path, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "site.ini"
    path.write_text(f"[database]\nurl = {url}\n", encoding="utf-8")
    return path


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    """The folder that stands for the one holding main.py (the autouse fixture sets it)."""
    return Path(os.environ["COMPANION_APP_DIR"])


def test_precedence_is_flag_then_environment_then_site_ini_then_the_data_dir(
    data_dir: Path, app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPANION_DB_URL", raising=False)
    assert resolve_db_url(data_dir) == f"sqlite:///{data_dir / 'companion.db'}"
    _site_ini(app_dir, "sqlite:////srv/app.db")
    assert resolve_db_url(data_dir) == "sqlite:////srv/app.db"
    _site_ini(data_dir, "sqlite:////srv/data.db")
    assert resolve_db_url(data_dir) == "sqlite:////srv/data.db"
    monkeypatch.setenv("COMPANION_DB_URL", "sqlite:////srv/env.db")
    assert resolve_db_url(data_dir) == "sqlite:////srv/env.db"
    assert resolve_db_url(data_dir, "sqlite:////srv/flag.db") == "sqlite:////srv/flag.db"


def test_a_site_ini_without_a_url_changes_nothing(
    data_dir: Path, app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPANION_DB_URL", raising=False)
    app_dir.mkdir(parents=True)
    (app_dir / "site.ini").write_text("[database]\nurl =\n", encoding="utf-8")
    assert resolve_db_url(data_dir) == f"sqlite:///{data_dir / 'companion.db'}"


def _main(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_a_site_ini_that_cannot_be_read_is_named_in_one_line(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPANION_DB_URL", raising=False)
    data_dir.mkdir(parents=True)
    (data_dir / "site.ini").write_text("url = postgresql://db/companion\n", encoding="utf-8")
    result = _main("user", "list")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(data_dir / "site.ini") in lines[0]
    assert "[database]" in lines[0]
    assert not (data_dir / "companion.db").exists()


@pytest.fixture
def site_role(postgres_server_url: str) -> Iterator[str]:
    """A site's role with a password and its own database, as the README sets them up."""
    with postgres.login_role("site", PASSWORD) as role:
        yield role


def test_a_desk_set_up_by_site_ini_and_a_password_file_adds_the_first_admin(
    site_role: str, data_dir: Path, app_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPANION_DB_URL", raising=False)
    parsed = postgres.urlparse(postgres.postgres_url())
    host, port = parsed.hostname, parsed.port or 5432
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{host}:{port}:{site_role}:{site_role}:{PASSWORD}\n")
    passfile.chmod(0o600)
    _site_ini(app_dir, f"postgresql://{site_role}@{host}:{port}/{site_role}")
    env = {"PGPASSFILE": str(passfile)}

    added = _main(
        "user",
        "add",
        "Ana Supervisor",
        "--role",
        "admin",
        "--password-stdin",
        env=env,
        stdin="a long admin password\n",
    )
    assert added.returncode == 0, added.stderr
    listed = _main("user", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "Ana Supervisor" in listed.stdout
    assert not (data_dir / "companion.db").exists()

    without_password = _main("user", "list", env={"PGPASSFILE": str(tmp_path / "none")})
    assert without_password.returncode == 1
    assert "PGPASSFILE" in without_password.stderr
