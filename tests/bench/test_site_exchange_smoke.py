"""The site-exchange benchmark still runs: a tiny month exported and imported in child processes.

Speed is never asserted here; this only guards that the benchmark keeps working and
that what it measures is a real exchange (every row written arrives at head office).
"""

from __future__ import annotations

import pytest

from bench.site_exchange import main

pytestmark = pytest.mark.slow


def test_a_tiny_month_goes_home_and_the_report_names_every_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--customers", "40", "--calls", "60", "--entries", "600"]) == 0
    report = capsys.readouterr().out
    assert "| Export (`site export`) |" in report
    assert "| Import into an empty head office (`site import`) |" in report
    for target in ("export", "import", "import again", "file size", "peak memory, import again"):
        assert f"- {target}: " in report
    written = report.split("Rows written: ", 1)[1].splitlines()[0]
    added = report.split("Rows added at head office: ", 1)[1].splitlines()[0]
    assert '"calls": 60' in written and '"calls": 60' in added
    assert '"entries": 600' in written and '"entries": 600' in added
