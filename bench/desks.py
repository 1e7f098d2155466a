"""Several desks on one store: entry saves under load, and a publish reaching another desk.

``python -m bench.desks`` runs, on one SQLite file and (when a server is given) on
PostgreSQL:

- three writer processes, each a desk adding entries to its own open call as fast as it
  can; every ``add_entry`` is timed (median and p99: an agent presses Enter);
- meanwhile a fourth process publishes articles one at a time, noting the moment each
  commit returned, and this process, a desk with its own search index, follows the
  change feed, applies the articles to its index and searches for each article's
  unique word: the time from commit to a search hit is what an agent at another desk
  waits before the new text is findable.

Targets (issue 10): entry save p99 <= 100 ms; change visible on another desk <= 2 s.
Output is a Markdown table for the README. The PostgreSQL database named by
``--pg URL`` (or ``COMPANION_BENCH_PG_URL``) is emptied first: give it one of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.search_bench import percentile

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 3
ENTRIES = 300
ARTICLES = 20
PUBLISH_GAP_S = 0.25
FOUND_TIMEOUT_S = 30.0
SAVE_TARGET_MS = 100.0
VISIBLE_TARGET_S = 2.0

WRITER = """
import json, sys, time
from companion.entries import add_entry
from kb.workspace import open_workspace
ws = open_workspace(sys.argv[1], sys.argv[2], load_defaults=False)
call_id, count, start_at = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
while time.time() < start_at:
    time.sleep(0.002)
times = []
for number in range(count):
    began = time.perf_counter()
    add_entry(ws.user, call_id, "said", f"Entry {number}: the caller repeats the order number.")
    times.append((time.perf_counter() - began) * 1000)
print(json.dumps(times))
"""

PUBLISHER = """
import json, sys, time
from kb import store
from kb.article import ArticleDraft
from kb.workspace import open_workspace
ws = open_workspace(sys.argv[1], sys.argv[2], load_defaults=False)
words, gap, start_at = json.loads(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
while time.time() < start_at:
    time.sleep(0.002)
committed = {}
for word in words:
    body = f"When the caller mentions {word}, check the order history first."
    store.save_article(ArticleDraft(slug=f"bench-{word}", title=f"About {word}", body=body), ws.user)
    committed[word] = time.time()
    time.sleep(gap)
print(json.dumps(committed))
"""


@dataclass(frozen=True)
class DeskRun:
    backend: str
    saves_ms: list[float]
    visible_s: list[float]
    missed: int


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.pop("COMPANION_DB_URL", None)
    return env


def _spawn(program: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", program, *args],
        cwd=ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen[str]) -> object:
    out, err = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(f"a bench desk failed:\n{err}")
    return json.loads(out)


def _empty_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def run_desks(backend: str, url: str, scratch: Path, entries: int, articles: int) -> DeskRun:
    from companion.calls import start_call
    from companion.change_feed import ChangeFeed
    from companion.customers import CustomerDetails, create_customer
    from kb.remote_changes import apply_article_changes
    from kb.workspace import open_workspace

    desk = open_workspace(scratch / "reader", url, load_defaults=False)
    desk.ensure_index()
    calls = []
    for number in range(WRITERS):
        details = CustomerDetails.validate(f"Bench Caller {string.ascii_uppercase[number]}")
        customer = create_customer(desk.user, details).customer
        calls.append(start_call(desk.user, customer.id).id)
    rng = random.Random(10)
    words = ["".join(rng.choices(string.ascii_lowercase, k=12)) for _ in range(articles)]
    start_at = time.time() + 3.0  # every process has opened its workspace by then
    writers = [
        _spawn(WRITER, str(scratch / f"writer-{n}"), url, call, str(entries), str(start_at))
        for n, call in enumerate(calls)
    ]
    publisher = _spawn(
        PUBLISHER, str(scratch / "publisher"), url, json.dumps(words), str(PUBLISH_GAP_S),
        str(start_at),
    )  # fmt: skip
    found: dict[str, float] = {}
    with ChangeFeed(desk.database) as feed:
        deadline = start_at + articles * PUBLISH_GAP_S + FOUND_TIMEOUT_S
        while len(found) < articles and time.time() < deadline:
            changes = feed.wait(0.5)
            if not changes.articles:
                continue
            apply_article_changes(desk.index, changes)
            for word in words:
                if word not in found and desk.index.search(word).hits:
                    found[word] = time.time()
    committed = _result(publisher)
    saves = [ms for writer in writers for ms in _result(writer)]  # type: ignore[attr-defined]
    assert isinstance(committed, dict)
    visible = [found[word] - committed[word] for word in words if word in found]
    desk.close()
    return DeskRun(backend, saves, visible, articles - len(visible))


def table(runs: list[DeskRun]) -> list[str]:
    lines = [
        f"| Store | Entry save median | Entry save p99 (≤ {SAVE_TARGET_MS:.0f} ms) "
        f"| Publish → search hit on another desk, median / max (≤ {VISIBLE_TARGET_S:.0f} s) "
        "| Entries saved |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        visible = (
            f"{statistics.median(run.visible_s):.2f} s / {max(run.visible_s):.2f} s"
            if run.visible_s
            else "–"
        )
        if run.missed:
            visible += f" ({run.missed} never found)"
        lines.append(
            f"| {run.backend} | {statistics.median(run.saves_ms):.1f} ms "
            f"| {percentile(run.saves_ms, 99):.1f} ms | {visible} | {len(run.saves_ms):,} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.desks", description=__doc__)
    parser.add_argument("--pg", default=os.environ.get("COMPANION_BENCH_PG_URL"))
    parser.add_argument("--entries", type=int, default=ENTRIES, help="per writer")
    parser.add_argument("--articles", type=int, default=ARTICLES)
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory(prefix="companion-desks-") as folder:
        scratch = Path(folder)
        url = f"sqlite:///{scratch / 'site' / 'companion.db'}"
        runs.append(run_desks("SQLite file", url, scratch / "sqlite", args.entries, args.articles))
        if args.pg:
            _empty_postgres(args.pg)
            runs.append(
                run_desks("PostgreSQL", args.pg, scratch / "pg", args.entries, args.articles)
            )
    title = f"{WRITERS} writer processes ({args.entries} entries each) and one publisher"
    print("\n".join([f"**{title}**", "", *table(runs)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
