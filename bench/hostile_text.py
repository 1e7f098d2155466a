"""``python -m bench.hostile_text``: every text pass over one hostile 5 MB article, timed.

Articles come from folders anyone could have edited, so an article at the 5 MB import
limit may be nothing but ``[`` or ``*``, a ``>`` quote nested 100,000 deep, or one
line of spaces. Regular expressions and Markdown parsers that backtrack turn such text
into minutes of work; the budget is 2 s per stage. Each kind of article goes through
what the app does with it: import (a folder holding that one file), index (analysis
and the index update), a search for a word it holds (snippets included), the HTML the
article view shows, and the phrasing coach.

Each case runs in its own process so that a stage that never ends is reported as
over the time limit instead of stopping the benchmark. Output is Markdown.
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

SIZE = 5_000_000  # characters, all ASCII, under the 5 MB (5 MiB) import limit
QUICK_SIZE = 20_000
BUDGET_S = 2.0
STAGE_LIMIT_S = 60.0
MARKER = "zebracorn"
STAGES = ("import", "index", "search", "render", "coach")


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: unit * (size // len(unit))


def _lines(line: str) -> Callable[[int], str]:
    return _repeat(line + "\n")


def _prose(size: int) -> str:
    words = [
        "the",
        "caller",
        "asked",
        "for",
        "a",
        "refund",
        "because",
        "the",
        "parcel",
        "arrived",
        "late",
        "and",
        "broken",
    ]
    rng = random.Random(1)
    out: list[str] = []
    length = 0
    while length < size:
        sentence = " ".join(rng.choice(words) for _ in range(12)).capitalize() + ". "
        if rng.random() < 0.1:
            sentence += "\n\n"
        out.append(sentence)
        length += len(sentence)
    return "".join(out)[:size]


def _soup(size: int) -> str:
    rng = random.Random(7)
    pieces = ["[", "]", "(", ")", "*", "_", "<", ">", "#", "`", "\\", "!", "-", "|", " ", "\n"]
    pieces += ["word", "[a](", "<a ", "<!--", "&#", "**", "__", "> ", "- ", "```", "    "]
    return "".join(rng.choice(pieces) for _ in range(size // 3))[:size]


def _ladder(size: int) -> str:
    """Backtick runs of every width, then a blank line: each run's closer is far away."""
    step = "".join("`" * width + "a " for width in range(1, 400))
    return _repeat(step + "\n\n")(size)


def _deep_lists(size: int) -> str:
    lines = [" " * (2 * depth) + "- item" for depth in range(2_000)]
    return _repeat("\n".join(lines) + "\n")(size)


CASES: dict[str, Callable[[int], str]] = {
    "plain prose (baseline)": _prose,
    "`[` run": _repeat("["),
    "`]` run": _repeat("]"),
    "`*` run": _repeat("*"),
    "`_` run": _repeat("_"),
    "`*a_` soup": _repeat("*a_"),
    "`<` run": _repeat("<"),
    "`<a ` unclosed tags": _repeat("<a "),
    "`[x](` unclosed links": _repeat("[x]("),
    "`![x](` unclosed images": _repeat("![x]("),
    "`[x]` references": _repeat("[x] "),
    "`>` nested 100,000 deep": _lines(">" * 100_000 + " deep"),
    "`> ` nested 100,000 deep": _lines("> " * 100_000 + "deep"),
    "space run in a line": lambda size: "a" + " " * (size - 2) + "b",
    "`# ` heading of spaces": lambda size: "# a" + " " * (size - 5) + "b",
    "4-space lines": _lines("    "),
    "`` ` `` run": _repeat("`"),
    "backtick ladder": _ladder,
    "`#` run": _repeat("#"),
    "`# #` run": _repeat("# "),
    "one 5 MB line of words": _repeat("word "),
    "`- ` nested lists in a line": _repeat("- "),
    "indented list 2,000 deep": _deep_lists,
    "`<!--` unclosed": _repeat("<!--"),
    "`&#` run": _repeat("&#"),
    "`&#123456789;` entities": _repeat("&#123456789;"),
    "`\\` run": _repeat("\\"),
    "`|` table soup": _lines("| a " * 200 + "|"),
    "`~~~` fences": _lines("~~~"),
    "mixed soup": _soup,
}


def article_text(case: str, size: int) -> str:
    """The hostile body with a findable word at the end, which every stage must reach."""
    body = CASES[case](size)
    return body[: size - len(MARKER) - 2] + "\n\n" + MARKER


def _run_case(case: str, size: int, results: multiprocessing.Queue[tuple[str, object]]) -> None:
    """In a child process: every stage in order, each reported as soon as it ends."""
    from companion.phrasing import default_coach
    from kb import store
    from kb.importer import import_playbook
    from kb.playbook import Playbook
    from kb.render import render_markdown
    from kb.workspace import open_workspace

    text = article_text(case, size)
    default_coach()  # compiled once per process in the app too; not part of a check
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "playbook" / "hostile"
        folder.mkdir(parents=True)
        (folder / "hostile.md").write_text(text, encoding="utf-8")
        workspace = open_workspace(Path(temp) / "data", load_defaults=False)
        try:
            workspace.ensure_index()
            started = time.perf_counter()
            report = import_playbook(folder.parent, Playbook(), workspace.user)
            results.put(("import", time.perf_counter() - started))
            if report.failed:
                results.put(("note", f"import refused: {report.files[0].reason}"))
                return
            article = store.visible_article("hostile")
            started = time.perf_counter()
            workspace.index.update_articles([article])
            results.put(("index", time.perf_counter() - started))
            started = time.perf_counter()
            found = workspace.index.search(MARKER)
            results.put(("search", time.perf_counter() - started))
            if [hit.slug for hit in found.hits] != ["hostile"]:
                results.put(("note", "search did not find the article"))
            started = time.perf_counter()
            html = render_markdown(article.body)
            results.put(("render", time.perf_counter() - started))
            if "too long to show in full" in html:
                results.put(("note", "shown in part"))
            elif MARKER not in html:
                results.put(("note", "the rendered article lacks its last word"))
            started = time.perf_counter()
            default_coach().check(article.body)
            results.put(("coach", time.perf_counter() - started))
        finally:
            workspace.close()


def measure(case: str, size: int, limit_s: float) -> tuple[dict[str, float | None], list[str]]:
    """Seconds per stage (None: over ``limit_s``, the child was stopped) and any notes."""
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[tuple[str, object]] = context.Queue()
    child = context.Process(target=_run_case, args=(case, size, results), daemon=True)
    child.start()
    times: dict[str, float | None] = {}
    notes: list[str] = []
    deadline = time.monotonic() + limit_s + 10  # the first stage also pays for imports
    while True:
        try:
            kind, value = results.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            if child.is_alive():
                child.kill()
                pending = next((s for s in STAGES if s not in times), None)
                if pending is not None:
                    times[pending] = None
                break
            break
        if kind == "note":
            notes.append(str(value))
        else:
            times[kind] = float(str(value))
            deadline = time.monotonic() + limit_s
        if kind == "coach" or (kind == "note" and str(value).startswith("import refused")):
            break
    child.join(timeout=5)
    stopped = None in times.values()
    if child.exitcode not in (0, None) and len(times) < len(STAGES) and not notes and not stopped:
        notes.append(f"the stage after {list(times)[-1] if times else 'start'} crashed")
    return times, notes


def _cell(value: float | None, limit_s: float, measured: bool) -> str:
    if not measured:
        return "–"
    if value is None:
        return f"> {limit_s:.0f} s"
    mark = " ⚠" if value > BUDGET_S else ""
    return f"{value:.2f} s{mark}"


def table(
    cases: Sequence[str], size: int, limit_s: float, progress: bool = True
) -> tuple[list[str], int]:
    """Markdown rows for ``cases``, and how many stages went over the budget."""
    lines = [
        f"**Hostile articles, {size:,} characters each** (⚠: over {BUDGET_S:g} s)",
        "",
        "| Article | " + " | ".join(STAGES) + " | Notes |",
        "| --- | " + " | ".join("---:" for _ in STAGES) + " | --- |",
    ]
    over = 0
    for case in cases:
        if progress:
            print(f"  … {case}", file=sys.stderr, flush=True)
        times, notes = measure(case, size, limit_s)
        cells = [_cell(times.get(stage), limit_s, stage in times) for stage in STAGES]
        over += sum(1 for stage in STAGES if stage in times and (times[stage] or 1e9) > BUDGET_S)
        label = case.replace("|", "\\|")  # a bare "|" would split the Markdown cell
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {'; '.join(notes)} |")
    return [*lines, ""], over


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_text", description=__doc__)
    parser.add_argument("--size", type=int, default=SIZE, help="characters per article")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,}-character articles")
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="only these")
    parser.add_argument("--limit", type=float, default=STAGE_LIMIT_S, help="seconds per stage")
    args = parser.parse_args(argv)
    size = QUICK_SIZE if args.quick else args.size
    lines, over = table(args.case or list(CASES), size, args.limit)
    print("\n".join(lines))
    print(f"Stages over {BUDGET_S:g} s: {over}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
