"""The PostgreSQL server the tests use, and how a test run chooses its backend.

``make test`` runs the suite twice through ``tools/test-postgres.sh``, which starts a
throwaway server and exports ``COMPANION_TEST_PG_URL`` and ``COMPANION_TEST_PG_REQUIRED``:
once on SQLite (``COMPANION_TEST_BACKEND=sqlite``) and once on PostgreSQL
(``COMPANION_TEST_BACKEND=postgresql``), where every test's ``COMPANION_DB_URL`` names
the test database, emptied before the test. With the server required, a server that
cannot be reached fails the run instead of skipping its tests.

A developer can point ``COMPANION_TEST_PG_URL`` at a server of their own; the database
name must contain "test", since it is wiped before every test.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse, urlunparse

PG_URL_ENV = "COMPANION_TEST_PG_URL"
PG_REQUIRED_ENV = "COMPANION_TEST_PG_REQUIRED"
BACKEND_ENV = "COMPANION_TEST_BACKEND"
DEFAULT_PG_URL = "postgresql://postgres@localhost:5432/companion_test"
BACKENDS = ("sqlite", "postgresql")


def backend() -> str | None:
    """The backend this run is pinned to, or None: SQLite plus PostgreSQL where reachable."""
    chosen = os.environ.get(BACKEND_ENV, "").strip().lower() or None
    if chosen is not None and chosen not in BACKENDS:
        raise ValueError(f"{BACKEND_ENV}={chosen!r}: use one of {', '.join(BACKENDS)}")
    return chosen


def postgres_required() -> bool:
    return os.environ.get(PG_REQUIRED_ENV, "") not in ("", "0")


def postgres_url() -> str:
    return os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL


def database_url(name: str, url: str | None = None) -> str:
    """The test server's URL with another database name."""
    parsed = urlparse(url or postgres_url())
    return urlunparse(parsed._replace(path=f"/{name}"))


def admin_connect(url: str | None = None) -> object:
    """An autocommit psycopg connection to the server's ``postgres`` database."""
    import psycopg

    return psycopg.connect(database_url("postgres", url), autocommit=True, connect_timeout=5)


@functools.cache
def backends_here() -> list[str]:
    """The backends a test that runs on "each backend" takes here, pinned one first.

    A run pinned to a backend takes only it; otherwise SQLite always, and PostgreSQL
    when a server answers or is required (then a missing one fails the test).
    """
    pinned = backend()
    if pinned is not None:
        return [pinned]
    if postgres_unavailable() and not postgres_required():
        return ["sqlite"]
    return ["sqlite", "postgresql"]


def postgres_unavailable() -> str | None:
    """Why the PostgreSQL runs cannot happen here, or None when they can (probed once)."""
    return _postgres_unavailable(postgres_url())


def _postgres_unavailable(url: str) -> str | None:
    how = f"set {PG_URL_ENV}=postgresql://USER@HOST:PORT/SOMETHING_test, or run `make test`"
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "test" not in name:
        return f"PostgreSQL: refusing to wipe database {name!r}, whose name lacks 'test'; {how}"
    try:
        import psycopg
    except ImportError:
        return f"PostgreSQL: psycopg is not installed (pip install -r requirements.lock); {how}"
    try:
        psycopg.connect(url, connect_timeout=3).close()
        return None
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            where = f"{parsed.hostname}:{parsed.port or 5432}"
            return f"PostgreSQL: no server answered at {where} ({exc}); {how}"
    try:
        with admin_connect(url) as admin:  # type: ignore[attr-defined]
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        return f"PostgreSQL: database {name!r} is missing and could not be created ({exc}); {how}"
    return None


_EMPTY_SQL = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


def empty_test_database(url: str | None = None) -> None:
    """Leave the test database as a new one: no connections of earlier tests, no tables.

    Dropping the public schema (tables, sequences, types) is what a fresh database costs
    in a few milliseconds, and only when an earlier test left something behind; a
    ``CREATE DATABASE`` per test would add about 80 ms to each of them.
    """
    import psycopg

    with psycopg.connect(url or postgres_url(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(_EMPTY_SQL)
        leftovers = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public'"
        ).fetchone()
        if leftovers and leftovers[0]:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")


_template_names: dict[bool, str] = {}
_clones = 0


def workspace_database(load_defaults: bool) -> str:
    """A new test database holding what a first ``open_workspace`` leaves, and its URL.

    Migrating and loading the default playbook costs hundreds of statements; it is done
    once per session into a template, which ``CREATE DATABASE ... TEMPLATE`` copies in
    a fraction of that. Drop it with :func:`drop_database`.
    """
    global _clones
    base = urlparse(postgres_url()).path.lstrip("/")
    template = _template_names.get(load_defaults) or _build_template(base, load_defaults)
    _clones += 1
    name = f"{base}_{os.getpid()}_{_clones}"
    with admin_connect() as admin:  # type: ignore[attr-defined]
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return database_url(name)


def drop_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    with admin_connect() as admin:  # type: ignore[attr-defined]
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _build_template(base: str, load_defaults: bool) -> str:
    import tempfile

    from kb.workspace import open_workspace

    name = f"{base}_template_{'defaults' if load_defaults else 'empty'}_{os.getpid()}"
    with admin_connect() as admin:  # type: ignore[attr-defined]
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    with tempfile.TemporaryDirectory() as scratch:
        open_workspace(scratch, database_url(name), load_defaults=load_defaults).close()
    _template_names[load_defaults] = name
    return name


def drop_templates() -> None:
    """Remove this session's templates (the throwaway server goes anyway; yours stays tidy)."""
    for name in _template_names.values():
        drop_database(database_url(name))
    _template_names.clear()


def hand_edit(data_dir: object, sql: str, *params: object) -> int:
    """Run one statement on this test's database as someone editing it by hand would.

    ``sql`` uses ``?`` placeholders; on the PostgreSQL run it goes to the test database
    through psycopg, otherwise to the data dir's ``companion.db`` through sqlite3.
    Returns the number of rows it changed.
    """
    return int(_raw(data_dir, sql, params, fetch=False))


def hand_query(data_dir: object, sql: str, *params: object) -> list[tuple[object, ...]]:
    """The rows a query returns from this test's database (see :func:`hand_edit`)."""
    rows = _raw(data_dir, sql, params, fetch=True)
    assert isinstance(rows, list)
    return rows


def _raw(data_dir: object, sql: str, params: tuple[object, ...], *, fetch: bool) -> object:
    import contextlib
    import sqlite3
    from pathlib import Path

    url = os.environ.get("COMPANION_DB_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            cursor = connection.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            return [tuple(row) for row in cursor.fetchall()] if fetch else cursor.rowcount
    with contextlib.closing(sqlite3.connect(Path(str(data_dir)) / "companion.db")) as connection:
        cursor = connection.execute(sql, params)
        if fetch:
            return [tuple(row) for row in cursor.fetchall()]
        connection.commit()
        return cursor.rowcount


@contextlib.contextmanager
def login_role(prefix: str, password: str) -> Iterator[str]:
    """A login role with ``password`` owning a database of the same name; both dropped after."""
    role = f"{prefix}_{uuid.uuid4().hex[:8]}_test"
    with admin_connect() as admin:  # type: ignore[attr-defined]
        admin.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
        admin.execute(f'CREATE DATABASE "{role}" OWNER "{role}"')
    try:
        yield role
    finally:
        drop_database(database_url(role))
        with admin_connect() as admin:  # type: ignore[attr-defined]
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
