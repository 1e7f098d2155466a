"""Every test gets its own empty data dir and never touches the real home directory.

PostgreSQL (see tests/postgres.py for the whole story): with
``COMPANION_TEST_BACKEND=postgresql`` every test's ``COMPANION_DB_URL`` names the test
database on the server ``COMPANION_TEST_PG_URL`` points at, emptied before the test,
and subprocesses inherit it; tests marked ``sqlite_only`` (about SQLite files
themselves) are skipped on that run. Tests that need the server itself take the
``postgres_server_url`` fixture (its ``postgres`` database, for roles and databases of
their own) or ``postgres_test_db`` (the emptied test database's URL); both skip when no
server answers, and fail instead when ``COMPANION_TEST_PG_REQUIRED`` is set, as
``make test`` does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from companion import desk, sites
from tests import postgres

# Headless Qt, on a desk-sized virtual screen: the default offscreen screen is
# 800x600, smaller than the window, which would make every size a clamp.
_SCREEN = Path(__file__).with_name("offscreen-screen.json")
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run that needs the server fails at once, naming why, when there is none."""
    if postgres.backend() == "postgresql" or postgres.postgres_required():
        reason = postgres.postgres_unavailable()
        if reason:
            raise pytest.UsageError(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if postgres.backend() != "postgresql":
        return
    skip = pytest.mark.skip(reason="about SQLite itself; this run is on PostgreSQL")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "data"
    monkeypatch.setenv("COMPANION_DATA_DIR", str(directory))
    monkeypatch.delenv("COMPANION_DB_URL", raising=False)
    if postgres.backend() == "postgresql":
        postgres.empty_test_database()
        monkeypatch.setenv("COMPANION_DB_URL", postgres.postgres_url())
    # A site.ini next to the checkout's main.py must not reach the tests.
    monkeypatch.setenv("COMPANION_APP_DIR", str(tmp_path / "app"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    # The desk name a site.ini gave an earlier test's workspace is not this test's.
    monkeypatch.setattr(desk, "_configured", None)
    monkeypatch.setattr(sites, "_configured", None)
    return directory


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if postgres.backend() == "postgresql":
        postgres.drop_templates()


@pytest.fixture
def workspace(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A workspace on the fresh data dir, with the default playbook loaded."""
    yield from _opened_workspace(data_dir, monkeypatch, load_defaults=True)


@pytest.fixture
def empty_workspace(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A workspace whose new database has no articles at all."""
    yield from _opened_workspace(data_dir, monkeypatch, load_defaults=False)


def _opened_workspace(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, *, load_defaults: bool
) -> Iterator[object]:
    """On PostgreSQL the database is a copy of one set up once per session (see postgres.py)."""
    from kb.workspace import open_workspace

    clone = None
    if postgres.backend() == "postgresql":
        clone = postgres.workspace_database(load_defaults)
        monkeypatch.setenv("COMPANION_DB_URL", clone)
    ws = open_workspace(data_dir, load_defaults=load_defaults)
    yield ws
    ws.close()
    if clone is not None:
        postgres.drop_database(clone)


def _server_or_skip() -> None:
    reason = postgres.postgres_unavailable()
    if reason:
        if postgres.postgres_required():
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def postgres_server_url() -> str:
    """The test server's ``postgres`` database, for roles and databases a test makes."""
    _server_or_skip()
    return postgres.database_url("postgres")


@pytest.fixture
def postgres_test_db() -> str:
    """The URL of the test database on the test server, emptied for this test."""
    _server_or_skip()
    postgres.empty_test_database()
    return postgres.postgres_url()


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real Argon2id, with parameters small enough for a test suite."""
    from argon2 import PasswordHasher

    from companion import accounts

    monkeypatch.setattr(
        accounts,
        "password_hasher",
        lambda: PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1),
    )
