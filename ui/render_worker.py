"""Markdown to HTML off the UI thread, so a slow article never freezes the window.

Rendering is bounded (see :mod:`kb.markdown_guard`), but a large article still takes
a noticeable fraction of a second; the window keeps answering keys meanwhile. Only the
newest request is rendered: an agent clicking through articles never waits for the
ones they already left.
"""

from __future__ import annotations

from typing import Any

from kb.render import render_markdown
from ui.latest_wins import LatestWinsWorker


class RenderWorker(LatestWinsWorker):
    def answer(self, payload: Any) -> str:
        return render_markdown(str(payload))

    def describe_failure(self, exc: Exception) -> str:
        return f"The article could not be shown: {exc}"
