"""Progress of a rebuild as one ``done / total`` article count.

The window's progress bar and the CLI's counter both take ``(done, total)`` articles,
but a rebuild has three phases: analysing the articles, adding them to the writer, and
committing (writing the postings), which is most of the wait at 10,000 articles. Each
phase moves the count by its measured share of the time, so the bar advances evenly
instead of sitting at 100 % while the commit runs.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]

# Shares of a 10,000-article rebuild's time (measured with the benchmark).
ANALYSE, ADD, COMMIT = 0.4, 0.2, 0.4


class RebuildProgress:
    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.work = 0.0
        self.reported = -1

    def analysed(self) -> None:
        self._advance(ANALYSE)

    def added(self) -> None:
        self._advance(ADD)

    def committing(self, fraction: float) -> None:
        """``fraction`` of the postings are written."""
        self._report(self.total * (ANALYSE + ADD + COMMIT * fraction))

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)

    def _advance(self, share: float) -> None:
        self.work += share
        self._report(self.work)

    def _report(self, work: float) -> None:
        # At most about a hundred reports, and never "done" before the index is swapped in.
        done = min(self.total - 1, int(work))
        if self.progress is not None and done >= self.reported + max(1, self.total // 100):
            self.reported = done
            self.progress(done, self.total)
