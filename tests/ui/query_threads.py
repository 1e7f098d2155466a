"""Which queries ran on the UI thread: for tests that nothing there touches the database.

Every query of the store, SQLite or PostgreSQL, goes through the bound database's
``execute_sql``; :func:`queries_on_ui_thread` wraps it for the rest of the test and
returns the list it fills with the SQL of each query run on the calling (GUI) thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from companion.db import database


def queries_on_ui_thread(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, record the SQL of every query run on this thread (the UI thread)."""
    ui_thread = threading.current_thread()
    on_ui_thread: list[str] = []
    real = database.obj.execute_sql

    def traced(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is ui_thread:
            on_ui_thread.append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", traced)
    return on_ui_thread


@contextlib.contextmanager
def queries_on_ui_thread_within(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Like :func:`queries_on_ui_thread`, but only while the ``with`` block runs."""
    with monkeypatch.context() as patch:
        yield queries_on_ui_thread(patch)
