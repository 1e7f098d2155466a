"""A desk pointed at PostgreSQL hears, in one line, what is wrong: against a real server.

Wrong database name, a server that is not running, a wrong or missing password, a
URL libpq cannot read, another application's database (refused and left untouched),
a connection cut in the middle of a transaction. And the ways a site keeps
passwords off the command line (a password file, a service file) work.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from companion import db as dbmod
from companion.errors import CompanionError, DatabaseUnavailable
from companion.migrations import migrate
from companion.schema import CORE
from tests import postgres

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def _url(name: str, *, user: str = "postgres", password: str | None = None) -> str:
    parsed = postgres.urlparse(postgres.postgres_url())
    auth = user if password is None else f"{user}:{password}"
    return f"postgresql://{auth}@{parsed.hostname}:{parsed.port or 5432}/{name}"


def _refusal(url: str) -> str:
    with pytest.raises(DatabaseUnavailable) as caught:
        dbmod.connect(url)
    message = str(caught.value)
    assert "\n" not in message
    return message


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def scratch_db(postgres_server_url: str) -> Iterator[str]:
    """A database of this test's own, dropped afterwards."""
    name = f"p1_scratch_{uuid.uuid4().hex[:8]}_test"
    with postgres.admin_connect() as admin:  # type: ignore[attr-defined]
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    postgres.drop_database(postgres.database_url(name))


@pytest.fixture
def role_with_password(postgres_server_url: str) -> Iterator[str]:
    """A login role with a password, owning a database of the same name."""
    with postgres.login_role("desk", PASSWORD) as role:
        yield role


def _require_password_auth(role: str) -> None:
    """The test server must ask this role for its password (make test's server does)."""
    try:
        psycopg.connect(_url(role, user=role), connect_timeout=5).close()
    except psycopg.OperationalError:
        return
    reason = "this PostgreSQL server trusts every role, so passwords cannot be tested on it"
    if postgres.postgres_required():
        pytest.fail(reason)
    pytest.skip(reason)


def test_a_missing_database_is_named(postgres_server_url: str) -> None:
    message = _refusal(_url("no_such_companion_db_test"))
    assert "does not exist" in message
    assert "no_such_companion_db_test" in message


def test_a_server_that_is_not_running_is_named(postgres_server_url: str) -> None:
    message = _refusal(f"postgresql://postgres@127.0.0.1:{_free_port()}/companion")
    assert "No PostgreSQL server is running" in message


def test_a_host_that_does_not_exist_is_named() -> None:
    message = _refusal("postgresql://postgres@no-such-host.invalid/companion")
    assert "cannot be found" in message


def test_a_url_libpq_cannot_read_is_named(postgres_server_url: str) -> None:
    message = _refusal(_url("companion") + "?colour=blue")
    assert "is not valid" in message


def test_a_wrong_password_is_named_and_never_shown(role_with_password: str) -> None:
    role = role_with_password
    _require_password_auth(role)
    message = _refusal(_url(role, user=role, password="not-the-password"))
    assert "refused the sign-in" in message
    assert "not-the-password" not in message


def test_a_missing_password_says_where_passwords_go(
    role_with_password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = role_with_password
    _require_password_auth(role)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "absent"))
    message = _refusal(_url(role, user=role))
    assert "PGPASSFILE" in message


def test_a_url_without_password_signs_in_with_the_password_file(
    role_with_password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = role_with_password
    _require_password_auth(role)
    parsed = postgres.urlparse(postgres.postgres_url())
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{parsed.hostname}:{parsed.port or 5432}:{role}:{role}:{PASSWORD}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    database = dbmod.connect(_url(role, user=role))
    try:
        migrate(database, [CORE], role)
        assert "customers" in database.get_tables()
    finally:
        database.close()


def test_a_service_file_names_the_server_without_a_password_in_the_url(
    role_with_password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = role_with_password
    _require_password_auth(role)
    parsed = postgres.urlparse(postgres.postgres_url())
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[companion]\nhost={parsed.hostname}\nport={parsed.port or 5432}\n"
        f"dbname={role}\nuser={role}\npassword={PASSWORD}\n"
    )
    services.chmod(0o600)
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    database = dbmod.connect("postgresql:///?service=companion")
    try:
        assert dbmod.bound_location() == "service companion"
        assert database.execute_sql("SELECT current_user").fetchone()[0] == role
    finally:
        database.close()


def test_another_applications_database_is_refused_and_left_untouched(scratch_db: str) -> None:
    with contextlib.closing(psycopg.connect(_url(scratch_db), autocommit=True)) as other:
        other.execute("CREATE TABLE invoices (id serial PRIMARY KEY, total numeric)")
        other.execute("INSERT INTO invoices (total) VALUES (12.50)")
    message = _refusal(_url(scratch_db))
    assert "not a Companion database" in message
    assert "invoices" in message
    with contextlib.closing(psycopg.connect(_url(scratch_db), autocommit=True)) as other:
        tables = {
            row[0]
            for row in other.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        assert tables == {"invoices"}
        assert other.execute("SELECT count(*) FROM invoices").fetchone() == (1,)


def test_an_empty_database_and_a_companion_one_are_opened(scratch_db: str) -> None:
    database = dbmod.connect(_url(scratch_db))
    migrate(database, [CORE], scratch_db)
    database.close()
    dbmod.connect(_url(scratch_db)).close()


def test_a_connection_cut_mid_transaction_is_one_line(scratch_db: str) -> None:
    database = dbmod.connect(_url(scratch_db))
    migrate(database, [CORE], scratch_db)
    with (
        pytest.raises(CompanionError) as caught,
        dbmod.translate_errors(_url(scratch_db)),
        database.atomic(),
    ):
        pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        with postgres.admin_connect() as admin:  # type: ignore[attr-defined]
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        database.execute_sql("SELECT count(*) FROM customers")
    database.close()
    message = str(caught.value)
    assert "\n" not in message
    assert "lost" in message or "not answer" in message or "No PostgreSQL" in message


def test_the_command_line_says_why_in_one_line_and_exits_1(postgres_server_url: str) -> None:
    env = {**os.environ, "COMPANION_DB_URL": _url("no_such_companion_db_test")}
    result = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "user", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "does not exist" in lines[0]


def test_a_store_written_by_a_newer_companion_is_refused_untouched(scratch_db: str) -> None:
    database = dbmod.connect(_url(scratch_db))
    migrate(database, [CORE], scratch_db)
    database.execute_sql("UPDATE schema_version SET version = 99 WHERE component = 'core'")
    database.close()
    with pytest.raises(DatabaseUnavailable, match="newer version") as caught:
        migrate(dbmod.connect(_url(scratch_db)), [CORE], dbmod.describe_location(_url(scratch_db)))
    assert scratch_db in str(caught.value)
    dbmod.database.obj.close()
    with contextlib.closing(psycopg.connect(_url(scratch_db))) as check:
        assert check.execute(
            "SELECT version FROM schema_version WHERE component = 'core'"
        ).fetchone() == (99,)
