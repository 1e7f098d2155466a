"""Desks learn what other desks changed: real processes on one SQLite file or one server.

Desk B is this test process, with its own data dir and search index; desk A is a
separate Python process with another data dir, on the same database. What B's feed
reports is what B's window would refresh. Waiting uses a generous deadline (the
promise is "within 2 s"; how long it really takes is measured in ``bench/desks.py``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

from companion.calls import start_call
from companion.change_feed import ChangeFeed
from companion.changes import NO_CHANGES, Changes
from companion.customers import CustomerDetails, create_customer
from companion.promises import record_promise
from kb.remote_changes import apply_article_changes
from kb.search.index import SearchIndex
from kb.workspace import Workspace, open_workspace
from tests import postgres

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 30.0

DESK_A = """
import sys
from kb.workspace import open_workspace
ws = open_workspace(sys.argv[1], sys.argv[2], load_defaults=False)
args = sys.argv[3:]
"""

PUBLISH = """
from kb.article import ArticleDraft
slug, words = args
ws.playbook.save(ArticleDraft(slug=slug, title="Caring for a quokka", body=words), ws.user)
"""

KEEP = """
from companion.promises import keep_promise
keep_promise(ws.user, args[0], "Sent the form")
"""

ADD_CUSTOMER = """
from companion.customers import CustomerDetails, create_customer
print(create_customer(ws.user, CustomerDetails.validate(args[0])).customer.id)
"""


def backends() -> list[str]:
    """Both stores, or the one this run is pinned to (see tests/postgres.py)."""
    pinned = postgres.backend()
    return [pinned] if pinned else ["sqlite", "postgresql"]


@pytest.fixture(params=backends())
def site(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL every desk of the site opens."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_test_db"))
    return f"sqlite:///{tmp_path / 'site' / 'companion.db'}"


@pytest.fixture
def desk_b(site: str, tmp_path: Path) -> Iterator[Workspace]:
    ws = open_workspace(tmp_path / "desk-b", site, load_defaults=False)
    ws.ensure_index()
    yield ws
    ws.close()


@pytest.fixture
def feed_of() -> Iterator[Callable[[Workspace], ChangeFeed]]:
    """Makes a desk's feed; closes its LISTEN connection after the test."""
    made: list[ChangeFeed] = []

    def make(ws: Workspace) -> ChangeFeed:
        made.append(ChangeFeed(ws.database))
        return made[-1]

    yield make
    for feed in made:
        feed.close()


def desk_a(site: str, tmp_path: Path, script: str, *args: str) -> str:
    """Run ``script`` as desk A, a process of its own; returns what it printed."""
    program = textwrap.dedent(DESK_A) + textwrap.dedent(script)
    done = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path / "desk-a"), site, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def gather(feed: ChangeFeed, until: Callable[[Changes], bool]) -> Changes:
    """Everything the feed reports until ``until`` holds (or the deadline passes)."""
    seen = NO_CHANGES
    deadline = time.monotonic() + DEADLINE_S
    while not until(seen) and time.monotonic() < deadline:
        seen = seen | feed.wait(0.5)
    return seen


def slugs_found(index: SearchIndex, text: str) -> list[str]:
    return [hit.slug for hit in index.search(text).hits]


def test_an_article_published_at_desk_a_is_found_by_desk_bs_running_search(
    site: str,
    desk_b: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    feed_of: Callable[[Workspace], ChangeFeed],
) -> None:
    feed = feed_of(desk_b)
    assert slugs_found(desk_b.index, "quokka") == []

    desk_a(site, tmp_path, PUBLISH, "quokka-care", "Feed the quokka leaves, never bread.")
    changes = gather(feed, lambda seen: "quokka-care" in seen.articles)

    assert changes.articles == {"quokka-care"}
    assert changes.remote

    def no_rebuild(*_: object, **__: object) -> int:
        raise AssertionError("one article from another desk must not rebuild the index")

    monkeypatch.setattr(desk_b.index, "rebuild", no_rebuild)
    apply_article_changes(desk_b.index, changes)
    assert slugs_found(desk_b.index, "quokka") == ["quokka-care"]
    assert slugs_found(desk_b.index, "bread") == ["quokka-care"]


def test_a_promise_kept_at_desk_a_reaches_desk_b_and_desk_bs_own_writes_do_not_echo(
    site: str, desk_b: Workspace, tmp_path: Path, feed_of: Callable[[Workspace], ChangeFeed]
) -> None:
    feed = feed_of(desk_b)
    user = desk_b.user
    customer = create_customer(user, CustomerDetails.validate("Ada Caller")).customer
    call = start_call(user, customer.id)
    promise = record_promise(user, call.id, "Send the form", date.today())
    assert feed.poll() == NO_CHANGES

    desk_a(site, tmp_path, KEEP, promise.promise.id)
    changes = gather(feed, lambda seen: promise.promise.id in seen.promises)

    assert changes == Changes(
        customers=frozenset({customer.id}), promises=frozenset({promise.promise.id})
    )


def test_a_new_feed_starts_after_what_was_already_written(
    site: str, tmp_path: Path, feed_of: Callable[[Workspace], ChangeFeed]
) -> None:
    desk_a(site, tmp_path, ADD_CUSTOMER, "Earlier Caller")
    ws = open_workspace(tmp_path / "desk-b", site, load_defaults=False)
    try:
        feed = feed_of(ws)
        assert feed.wait(1.0) == NO_CHANGES
        later = desk_a(site, tmp_path, ADD_CUSTOMER, "Later Caller")
        assert gather(feed, lambda seen: bool(seen)).customers == {later}
    finally:
        ws.close()


@pytest.fixture
def pg_desk_b(postgres_test_db: str, tmp_path: Path) -> Iterator[Workspace]:
    ws = open_workspace(tmp_path / "desk-b", postgres_test_db, load_defaults=False)
    yield ws
    ws.close()


def cut_every_other_connection(url: str) -> int:
    """What a server restart does to a desk: every session but this one is ended."""
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def test_the_feed_carries_on_after_its_connections_are_cut(
    postgres_test_db: str,
    pg_desk_b: Workspace,
    tmp_path: Path,
    feed_of: Callable[[Workspace], ChangeFeed],
) -> None:
    feed = feed_of(pg_desk_b)
    feed.wait(0.2)
    assert feed.listening
    assert cut_every_other_connection(postgres_test_db) >= 2  # queries and LISTEN

    assert feed.poll() == NO_CHANGES
    added = desk_a(postgres_test_db, tmp_path, ADD_CUSTOMER, "After The Cut")
    assert gather(feed, lambda seen: added in seen.customers).customers == {added}


def test_a_change_committed_after_a_later_numbered_one_is_not_missed(
    postgres_test_db: str, pg_desk_b: Workspace, feed_of: Callable[[Workspace], ChangeFeed]
) -> None:
    """PostgreSQL numbers rows when they are written, not when they commit."""
    feed = feed_of(pg_desk_b)
    insert = (
        "INSERT INTO change_log (noted_at, origin, topic, object_id) "
        "VALUES (now(), 'desk-a', 'customers', %s)"
    )
    notify = "SELECT pg_notify('companion_changes', 'desk-a')"
    with (
        psycopg.connect(postgres_test_db) as slow,
        psycopg.connect(postgres_test_db, autocommit=True) as quick,
    ):
        slow.execute(insert, ("written first, committed last",))
        slow.execute(notify)
        quick.execute(insert, ("written second, committed first",))
        quick.execute(notify)
        first = gather(feed, lambda seen: bool(seen))
        assert first.customers == {"written second, committed first"}
        slow.commit()
    assert gather(feed, lambda seen: bool(seen)).customers == {"written first, committed last"}
