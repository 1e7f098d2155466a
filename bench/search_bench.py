"""Replaying the query mix against each engine and collecting what the report prints."""

from __future__ import annotations

import gc
import math
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.engines import CompanionEngine, Engine, Fts5Engine, published, update_to_visible
from bench.queries import FULL_MIX, Kind, MixSize, Query, query_mix
from kb.article import ArticleDraft

LIMIT = 10
UPDATES = 20
EngineFactory = Callable[[Path], Engine]
ENGINES: tuple[EngineFactory, ...] = (CompanionEngine, Fts5Engine)


@dataclass
class KindStats:
    queries: int = 0
    with_results: int = 0
    targets: int = 0
    targets_found: int = 0
    early: int = 0  # keystrokes before the phrase was complete
    early_found: int = 0


@dataclass
class EngineRun:
    engine: str
    articles: int
    build_s: float
    latencies_ms: list[float]
    updates_ms: list[float]
    kinds: dict[Kind, KindStats] = field(default_factory=dict)
    edited_latencies_ms: list[float] = field(default_factory=list)  # after the edits

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the value below which ``p`` % of the samples fall."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def replay(engine: Engine, queries: Sequence[Query]) -> tuple[list[float], dict[Kind, KindStats]]:
    """Time each query with its top-10 snippets; count results and found targets per kind."""
    latencies: list[float] = []
    kinds: dict[Kind, KindStats] = {kind: KindStats() for kind in Kind}
    for query in queries:
        start = time.perf_counter()
        found = engine.search(query.text, LIMIT)
        latencies.append((time.perf_counter() - start) * 1000)
        stats = kinds[query.kind]
        stats.queries += 1
        stats.with_results += bool(found)
        hit = any(f.slug == query.target for f in found)
        if query.target is not None and query.final:
            stats.targets += 1
            stats.targets_found += hit
        elif query.target is not None:
            stats.early += 1
            stats.early_found += hit
    return latencies, kinds


def run_engine(
    factory: EngineFactory,
    articles: Sequence[ArticleDraft],
    queries: Sequence[Query],
    updates: int = UPDATES,
    log: Callable[[str], None] = lambda _: None,
) -> EngineRun:
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        engine = factory(Path(tmp))
        try:
            log(f"{engine.name}: loading {len(articles)} articles")
            engine.load(articles)
            gc.collect()
            start = time.perf_counter()
            engine.build()
            build_s = time.perf_counter() - start
            log(f"{engine.name}: built in {build_s:.1f} s; replaying {len(queries)} queries")
            replay(engine, queries[:20])  # warm caches the way the first minutes of a shift do
            latencies, kinds = replay(engine, queries)
            editable = published(articles)
            step = max(1, len(editable) // max(1, updates))
            updates_ms = [
                update_to_visible(engine, editable[(i * step) % len(editable)], f"zqmark{i:04d}")
                * 1000
                for i in range(updates)
            ]
            # Agents search an index that supervisors have been editing, not a fresh one.
            log(f"{engine.name}: replaying after {updates} edits")
            edited_latencies, _ = replay(engine, queries)
        finally:
            engine.close()
    return EngineRun(
        engine.name, len(articles), build_s, latencies, updates_ms, kinds, edited_latencies
    )


def run_all(
    corpus: Sequence[ArticleDraft],
    sizes: Sequence[int],
    mix: MixSize = FULL_MIX,
    updates: int = UPDATES,
    engines: Sequence[EngineFactory] = ENGINES,
    verbose: bool = True,
) -> list[EngineRun]:
    """Every engine at every size, on the same articles and the same queries."""

    def log(line: str) -> None:
        if verbose:
            print(f"  … {line}", file=sys.stderr, flush=True)

    runs = []
    for size in sizes:
        articles = corpus[:size]
        queries = query_mix(articles, mix)
        for factory in engines:
            runs.append(run_engine(factory, articles, queries, updates, log))
    return runs
