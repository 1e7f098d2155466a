"""The benchmark still runs: a tiny corpus through both engines and every kind of query.

Speed is never asserted here (on shared machines a timing test only measures the neighbours); this only
guards that ``make bench`` keeps working and measures engines that actually answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import main as bench_main
from bench.corpus import MAX_WORDS, MIN_WORDS, generate, word_count, write_markdown
from bench.queries import HOSTILE, QUICK_MIX, Kind, query_mix
from bench.search_bench import run_all
from kb.importer import import_playbook
from kb.workspace import Workspace

pytestmark = pytest.mark.slow


def test_the_corpus_is_the_same_on_every_run_and_playbook_shaped() -> None:
    articles = generate(60)
    assert articles == generate(60)
    assert generate(20) == articles[:20], "a small corpus is a prefix of a large one"
    assert len({a.slug for a in articles}) == len(articles)
    for article in articles:
        assert MIN_WORDS <= word_count(article.body) <= MAX_WORDS
        assert article.title and article.tags and article.aliases


def test_the_corpus_goes_in_through_the_import_agents_use(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    articles = generate(30)
    write_markdown(articles, tmp_path / "playbook")
    report = import_playbook(tmp_path / "playbook", empty_workspace.playbook, empty_workspace.user)
    assert not report.failed
    empty_workspace.ensure_index()
    assert empty_workspace.index.search(articles[0].title).hits


def test_the_query_mix_holds_every_kind_including_hostile_input() -> None:
    queries = query_mix(generate(50), QUICK_MIX)
    kinds = {query.kind for query in queries}
    assert kinds == set(Kind)
    assert {q.text for q in queries if q.kind is Kind.HOSTILE} >= set(HOSTILE)


def test_both_engines_answer_the_quick_mix() -> None:
    runs = run_all(generate(150), (150,), QUICK_MIX, updates=2, verbose=False)
    assert [run.engine for run in runs] == ["Companion", "SQLite FTS5"]
    for run in runs:
        assert len(run.latencies_ms) == len(query_mix(generate(150), QUICK_MIX))
        assert len(run.updates_ms) == 2
        for kind in (Kind.PLAIN, Kind.TYPING):
            assert run.kinds[kind].with_results > 0, (run.engine, kind)
    companion = runs[0]
    assert companion.kinds[Kind.TYPO].with_results > 0, "misspellings are widened"


def test_quick_mode_prints_a_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main(["--quick"]) == 0
    report = capsys.readouterr().out
    assert "| Companion |" in report and "| SQLite FTS5 |" in report
