"""``python -m bench``: Companion's search beside SQLite FTS5, plus whole-process timings.

One run generates the corpus, builds both engines at each size, replays the same query
mix, times one-article edits until they are visible, and times ``playbook search`` and
app start to first window in fresh processes. Output is Markdown, ready for the README.
``--quick`` is the smoke test run by ``make test``: a tiny corpus, no process timings.
``--hostile`` adds :mod:`bench.hostile_text`: 5 MB articles built to make text passes
crawl, each stage timed (a few minutes; ``python -m bench.hostile_text`` runs it alone).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence

from bench import hostile_text, process
from bench.corpus import generate
from bench.engines import CompanionEngine, Fts5Engine
from bench.queries import FULL_MIX, QUICK_MIX, Kind
from bench.search_bench import ENGINES, EngineFactory, EngineRun, percentile, run_all

ENGINE_NAMES: dict[str, EngineFactory] = {"companion": CompanionEngine, "fts5": Fts5Engine}
SIZES = (1_000, 10_000)
QUICK_SIZES = (200,)
PERCENTILES = (50, 95, 99)
# Targets from the issue: (articles, percentile) -> ms.
LATENCY_TARGETS = {(10_000, 95): 25.0, (10_000, 99): 60.0, (1_000, 95): 8.0}
BUILD_TARGET_S = {10_000: 10.0}
UPDATE_TARGET_MS = 100.0
FIRST_WINDOW_TARGET_MS = 800.0


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def _found(run: EngineRun, kind: Kind) -> str:
    stats = run.kinds[kind]
    return f"{stats.targets_found}/{stats.targets}" if stats.targets else "–"


def _found_cell(run: EngineRun) -> str:
    parts = [_found(run, Kind.PLAIN), _found(run, Kind.TYPING)]
    parts += [_found_early(run), _found(run, Kind.TYPO)]
    return " · ".join(parts)


def _found_early(run: EngineRun) -> str:
    stats = run.kinds[Kind.TYPING]
    return f"{100 * stats.early_found / stats.early:.0f} %" if stats.early else "–"


def search_table(runs: Sequence[EngineRun]) -> list[str]:
    sizes = sorted({r.articles for r in runs})
    lines: list[str] = []
    for size in sizes:
        group = [r for r in runs if r.articles == size]
        queries = len(group[0].latencies_ms)
        edits = len(group[0].updates_ms)
        lines += [
            f"**{size:,} articles** — {queries} queries, top {10} with snippets",
            "",
            f"| Engine | Index build | p50 | p95 | p99 | p95 / p99 after {edits} edits "
            "| Edit visible (median / max) | Found in top 10: plain · phrase · while typing · typo |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for run in group:
            cells = [
                run.engine,
                f"{run.build_s:.1f} s",
                *(_ms(run.percentile(p)) for p in PERCENTILES),
                " / ".join(_ms(percentile(run.edited_latencies_ms, p)) for p in (95, 99)),
                f"{_ms(percentile(run.updates_ms, 50))} / {_ms(max(run.updates_ms))}",
                _found_cell(run),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        if len(group) == 2:
            ours, base = group
            ratios = [ours.percentile(p) / base.percentile(p) for p in PERCENTILES]
            lines.append(
                f"| {ours.engine} / {base.engine} | {ours.build_s / base.build_s:.1f}× | "
                + " | ".join(f"{r:.1f}×" for r in ratios)
                + " | | | |"
            )
        lines.append("")
    return lines


def verdicts(runs: Sequence[EngineRun], timings: process.ProcessTimings | None) -> list[str]:
    """One line per target from the issue, so a regression is visible at a glance."""
    lines = []
    ours = {r.articles: r for r in runs if r.engine == "Companion"}
    base = {r.articles: r for r in runs if r.engine != "Companion"}
    for (size, p), target in LATENCY_TARGETS.items():
        if size in ours:
            lines.append(_verdict(f"{size:,} articles p{p}", ours[size].percentile(p), target))
    if 10_000 in ours and 10_000 in base:
        ratio = ours[10_000].percentile(95) / base[10_000].percentile(95)
        lines.append(_verdict("10,000 articles p95 ratio to FTS5", ratio, 3.0, unit="×"))
    for size, target in BUILD_TARGET_S.items():
        if size in ours:
            lines.append(
                _verdict(f"{size:,} articles index build", ours[size].build_s, target, "s")
            )
    for size, run in sorted(ours.items()):
        worst = max(run.updates_ms)
        lines.append(_verdict(f"{size:,} articles edit visible (max)", worst, UPDATE_TARGET_MS))
    if timings is not None:
        window = process.median(timings.first_window_ms)
        lines.append(_verdict("app start to first window (median)", window, FIRST_WINDOW_TARGET_MS))
    return lines


def _verdict(label: str, value: float, target: float, unit: str = "ms") -> str:
    mark = "met" if value <= target else "NOT met"
    return f"- {label}: {value:.1f} {unit} (target ≤ {target:g} {unit}) — {mark}"


def process_table(timings: process.ProcessTimings) -> list[str]:
    rows = (
        ("`playbook search` (whole process)", timings.cli_search_ms),
        ("App start to first window (offscreen)", timings.first_window_ms),
    )
    lines = [
        f"**Whole process, {timings.articles:,} articles**, warm, "
        f"{len(timings.cli_search_ms)} fresh processes each",
        "",
        "| | Median | Worst |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {label} | {_ms(process.median(s))} | {_ms(max(s))} |" for label, s in rows]
    return [*lines, ""]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run, no timings to trust")
    parser.add_argument("--sizes", type=int, nargs="+", help="corpus sizes (default 1000 10000)")
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per timing")
    parser.add_argument("--no-process", action="store_true", help="skip whole-process timings")
    parser.add_argument(
        "--engine", choices=sorted(ENGINE_NAMES), help="run one engine only (default: both)"
    )
    parser.add_argument(
        "--hostile", action="store_true", help="also time hostile 5 MB articles (minutes)"
    )
    args = parser.parse_args(argv)
    sizes = tuple(args.sizes or (QUICK_SIZES if args.quick else SIZES))
    started = time.perf_counter()
    corpus = generate(max(sizes))
    runs = run_all(
        corpus,
        sizes,
        QUICK_MIX if args.quick else FULL_MIX,
        updates=3 if args.quick else 20,
        engines=[ENGINE_NAMES[args.engine]] if args.engine else ENGINES,
        verbose=not args.quick,
    )
    timings = None
    if not (args.quick or args.no_process):
        print("  … whole-process timings at 1,000 articles", file=sys.stderr, flush=True)
        timings = process.measure(corpus[:1_000], args.runs)
    lines = search_table(runs)
    if timings is not None:
        lines += process_table(timings)
    lines += ["Targets:", "", *verdicts(runs, timings), ""]
    if args.hostile:
        size = hostile_text.QUICK_SIZE if args.quick else hostile_text.SIZE
        hostile, _ = hostile_text.table(
            list(hostile_text.CASES), size, hostile_text.STAGE_LIMIT_S, progress=not args.quick
        )
        lines += hostile
    lines.append(f"_Whole benchmark: {time.perf_counter() - started:.0f} s._")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
