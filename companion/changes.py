"""What an operation changed, as one value every view can refresh from.

A desk's window shows the same records in several places (the caller card, the
timeline, follow-ups, the due banner, the team view, the playbook). Rather than
widgets telling each other what they did, each operation reports a :class:`Changes`
value, and so does the feed of other desks' writes; every view looks at that one
value and refreshes what it shows. This is the split Anki keeps between a collection
operation and the ``OpChanges`` it returns.

Services say what they changed with :func:`note`, inside the transaction that makes
the change. Within :func:`collecting` (the window's operation runner wraps every
call in it) the notes are gathered into the value the operation returns; the change
log (see :mod:`companion.change_log`) also keeps them, so other desks learn of them.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum


class Topic(StrEnum):
    """The kinds of record a view may show; each names a field of :class:`Changes`."""

    CUSTOMERS = "customers"
    CALLS = "calls"
    ENTRIES = "entries"
    PROMISES = "promises"
    ARTICLES = "articles"
    RULES = "rules"
    ACCOUNTS = "accounts"
    RELEASES = "releases"


@dataclass(frozen=True)
class Changes:
    """Ids of the records an operation (or another desk) changed, by topic.

    ``customers`` also holds the customer of every changed call, entry and promise,
    so a caller card refreshes when anything it shows has moved. Articles are named
    by slug, releases by release id (applied, or a conflict of theirs resolved).
    ``remote`` is true when the changes were made at another desk (or by
    another process on this one).
    """

    customers: frozenset[str] = frozenset()
    calls: frozenset[str] = frozenset()
    entries: frozenset[str] = frozenset()
    promises: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    accounts: frozenset[str] = frozenset()
    releases: frozenset[str] = frozenset()
    remote: bool = field(default=False, compare=False)

    def __bool__(self) -> bool:
        return any(self.ids(topic) for topic in Topic)

    def ids(self, topic: Topic) -> frozenset[str]:
        value: frozenset[str] = getattr(self, topic.value)
        return value

    def touches(self, *topics: Topic) -> bool:
        """Whether anything of these topics changed."""
        return any(self.ids(topic) for topic in topics)

    def touches_customer(self, customer_id: str | None) -> bool:
        """Whether the card of this customer may show something new."""
        return customer_id is not None and customer_id in self.customers

    def __or__(self, other: Changes) -> Changes:
        merged = {topic.value: self.ids(topic) | other.ids(topic) for topic in Topic}
        return Changes(**merged, remote=self.remote or other.remote)

    @classmethod
    def of(cls, items: Iterable[tuple[Topic, str]], *, remote: bool = False) -> Changes:
        """Changes from (topic, id) pairs."""
        grouped: dict[str, set[str]] = {topic.value: set() for topic in Topic}
        for topic, object_id in items:
            grouped[Topic(topic).value].add(object_id)
        return cls(**{name: frozenset(ids) for name, ids in grouped.items()}, remote=remote)

    def with_remote(self, remote: bool) -> Changes:
        return dataclasses.replace(self, remote=remote)


NO_CHANGES = Changes()


class ChangeCollector:
    """The notes made while one operation runs."""

    def __init__(self) -> None:
        self._items: list[tuple[Topic, str]] = []

    def add(self, topic: Topic, object_id: str) -> None:
        self._items.append((topic, object_id))

    @property
    def changes(self) -> Changes:
        return Changes.of(self._items)


_collector: ContextVar[ChangeCollector | None] = ContextVar("change_collector", default=None)

# Called by note() for every change, inside the writing transaction. The change log
# installs its writer here, so the core modules that note changes need not import it.
Recorder = Callable[[Topic, str], None]
_recorders: list[Recorder] = []


def add_recorder(recorder: Recorder) -> None:
    """Have ``recorder`` called for every noted change (once per recorder)."""
    if recorder not in _recorders:
        _recorders.append(recorder)


@contextlib.contextmanager
def collecting() -> Iterator[ChangeCollector]:
    """Gather what the code inside changes; nested blocks all see the changes."""
    outer = _collector.get()
    collector = ChangeCollector()
    token = _collector.set(collector)
    try:
        yield collector
    finally:
        _collector.reset(token)
        if outer is not None:
            for topic, object_id in collector._items:
                outer.add(topic, object_id)


def note(topic: Topic, object_id: str, *, customer_id: str | None = None) -> None:
    """Say that a record changed; call inside the transaction that changes it.

    ``customer_id`` names the customer whose card shows the record (for calls,
    entries and promises), so that card is refreshed too.
    """
    items = [(topic, object_id)]
    if customer_id is not None and topic is not Topic.CUSTOMERS:
        items.append((Topic.CUSTOMERS, customer_id))
    collector = _collector.get()
    for item_topic, item_id in items:
        if collector is not None:
            collector.add(item_topic, item_id)
        for recorder in _recorders:
            recorder(item_topic, item_id)
