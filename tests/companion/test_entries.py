"""Entries are the legal record: appended in order, corrected only by amendments."""

from __future__ import annotations

import pytest

from companion.calls import close_call, start_call
from companion.entries import EntryKind, add_entry, amend_entry, entry_views
from companion.errors import InvalidInput, NotFound
from companion.text import NOTE_MAX
from tests.companion.conftest import Records


@pytest.fixture
def call_id(records: Records) -> str:
    return start_call(records.user, records.customer("Petra Müller").id).id


def test_entries_are_numbered_in_order_with_time_author_and_kind(
    records: Records, call_id: str
) -> None:
    add_entry(records.user, call_id, "said", "Bill doubled since May.")
    add_entry(records.agent("Tom Becker"), call_id, EntryKind.DONE, "Checked the tariff.")
    add_entry(records.user, call_id, "note", "Caller sounded upset.")
    entries = entry_views(call_id)
    assert [(e.seq, e.kind, e.text) for e in entries] == [
        (1, EntryKind.SAID, "Bill doubled since May."),
        (2, EntryKind.DONE, "Checked the tariff."),
        (3, EntryKind.NOTE, "Caller sounded upset."),
    ]
    assert entries[1].author.display_name == "Tom Becker"
    assert all(e.at is not None for e in entries)


def test_an_amendment_points_at_the_entry_and_both_stay_visible(
    records: Records, call_id: str
) -> None:
    original = add_entry(records.user, call_id, "said", "Bought in March.")
    amendment = amend_entry(records.user, original.id, "Bought in May, not March.")
    assert (amendment.kind, amendment.amends, amendment.amends_seq) == (
        EntryKind.AMENDMENT,
        original.id,
        1,
    )
    first, second = entry_views(call_id)
    assert first.text == "Bought in March."
    assert first.amended_by == (2,)
    assert second.text == "Bought in May, not March."


def test_a_closed_call_accepts_only_amendments(records: Records, call_id: str) -> None:
    entry = add_entry(records.user, call_id, "done", "Sent the form.")
    close_call(records.user, call_id, "resolved")
    before = records.snapshot()
    with pytest.raises(InvalidInput, match=r"closed .*takes only amendments"):
        add_entry(records.user, call_id, "note", "One more thing")
    assert records.snapshot() == before
    amend_entry(records.user, entry.id, "Sent the form by post, not e-mail.")
    assert [e.kind for e in entry_views(call_id)] == [EntryKind.DONE, EntryKind.AMENDMENT]


def test_promises_and_amendments_are_not_added_as_plain_entries(
    records: Records, call_id: str
) -> None:
    with pytest.raises(InvalidInput, match="needs a due date and an owner"):
        add_entry(records.user, call_id, "promised", "Call back")
    with pytest.raises(InvalidInput, match="amend that entry"):
        add_entry(records.user, call_id, "amendment", "Fix")
    with pytest.raises(InvalidInput, match="'shouted' is not a valid kind of entry"):
        add_entry(records.user, call_id, "shouted", "Hello")


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "The entry is empty"), ("a\x00b", "NUL byte"), ("x" * (NOTE_MAX + 1), "limit")],
)
def test_bad_entry_text_is_refused_and_nothing_is_written(
    records: Records, call_id: str, text: str, message: str
) -> None:
    before = records.snapshot()
    with pytest.raises(InvalidInput, match=message):
        add_entry(records.user, call_id, "said", text)
    assert records.snapshot() == before


def test_long_and_unusual_text_is_kept_exactly(records: Records, call_id: str) -> None:
    text = ("قال العميل 🙂 line\n\ttabbed " * 5000)[:NOTE_MAX].strip()
    add_entry(records.user, call_id, "said", text + "\x07")
    assert entry_views(call_id)[0].text == text


def test_unknown_ids_are_reported(records: Records, call_id: str) -> None:
    with pytest.raises(NotFound, match="No call has the id"):
        add_entry(records.user, "nope", "said", "x")
    with pytest.raises(NotFound, match="No entry has the id"):
        amend_entry(records.user, "nope", "x")
