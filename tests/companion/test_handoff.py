"""The handoff summary: what the next person needs so the caller does not start again."""

from __future__ import annotations

from datetime import date

import pytest

from companion.calls import CallView, get_call, start_call, update_call
from companion.customers import CustomerDetails, create_customer
from companion.entries import add_entry, amend_entry, entry_views
from companion.handoff import CallerMood, handoff_summary
from companion.promises import promises_of_call, record_promise
from companion.users import create_user
from kb.workspace import Workspace

TODAY = date(2025, 3, 12)


def summary_of(ws: Workspace, call_id: str, mood: CallerMood | None, note: str = "") -> str:
    call = get_call(ws.user, call_id)
    return handoff_summary(
        call, entry_views(call_id), promises_of_call(call_id), mood, note, today=TODAY
    )


def new_call(
    ws: Workspace, name: str = "Zeynep Yılmaz", problem: str = "", ideal_resolution: str = ""
) -> CallView:
    details = CustomerDetails.validate(name, phones=["555 010 3030"])
    customer = create_customer(ws.user, details).customer
    return start_call(ws.user, customer.id, problem=problem, ideal_resolution=ideal_resolution)


@pytest.fixture
def call_id(empty_workspace: Workspace) -> str:
    ws = empty_workspace
    call = new_call(ws, problem="Charged twice for March.", ideal_resolution="Refund one charge.")
    update_call(
        ws.user,
        call.id,
        identifier="Invoice INV-881",
        already_tried="Asked the bank to reverse it",
    )
    add_entry(ws.user, call.id, "said", "The first charge was on 3 March.")
    said = add_entry(ws.user, call.id, "said", "I was charged 40 euros twice.")
    add_entry(ws.user, call.id, "done", "Opened refund request R-17.")
    priya = create_user("Priya Shah")
    record_promise(
        ws.user, call.id, "Confirm the refund by e-mail.", date(2025, 3, 10), owner=priya
    )
    record_promise(ws.user, call.id, "Call back Friday.", date(2025, 3, 14))
    amend_entry(ws.user, said.id, "Charged 45 euros twice, not 40.")
    return call.id


def test_summary_names_caller_goal_and_what_is_known(
    empty_workspace: Workspace, call_id: str
) -> None:
    text = summary_of(empty_workspace, call_id, CallerMood.FRUSTRATED)
    assert text.startswith("Caller: Zeynep Yılmaz (")
    assert "3030" in text.splitlines()[0]
    assert "- Problem: Charged twice for March." in text
    assert "- What would put it right: Refund one charge." in text
    assert "- Identifier (serial, order or account number): Invoice INV-881" in text
    unknown = next(line for line in text.splitlines() if line.startswith("- Still unknown:"))
    assert "Date acquired" in unknown and "Current status" in unknown
    assert "Identifier" not in unknown
    assert "What they already tried" not in unknown


def test_summary_lists_what_was_tried_and_promised(
    empty_workspace: Workspace, call_id: str
) -> None:
    text = summary_of(empty_workspace, call_id, CallerMood.FRUSTRATED)
    tried = text.split("What was tried\n")[1].split("\n\n")[0]
    assert tried.splitlines() == [
        "- By the caller: Asked the bank to reverse it",
        "- #3 Opened refund request R-17.",
    ]
    promised = text.split("What was promised\n")[1].split("\n\n")[0]
    assert promised.splitlines() == [
        "- Confirm the refund by e-mail. (due 2025-03-10, owner Priya Shah, "
        "open, overdue by 2 days)",
        "- Call back Friday. (due 2025-03-14, owner Local desk, open)",
    ]


def test_mood_and_note_say_how_the_caller_feels(empty_workspace: Workspace, call_id: str) -> None:
    text = summary_of(
        empty_workspace, call_id, CallerMood.ANGRY, "Wants a manager.\nCalm once listened to."
    )
    feels = text.split("How the caller feels\n")[1].split("\n\n")[0]
    assert feels == "- Angry\n- Note: Wants a manager.\n  Calm once listened to."
    assert "How the caller feels\n- Not said yet." in summary_of(empty_workspace, call_id, None)


def test_amended_entries_show_their_correction(empty_workspace: Workspace, call_id: str) -> None:
    text = summary_of(empty_workspace, call_id, CallerMood.CALM)
    said = text.split("Latest things said\n")[1]
    assert said.splitlines() == [
        "- #1 The first charge was on 3 March.",
        "- #2 I was charged 40 euros twice. [corrected: Charged 45 euros twice, not 40.]",
    ]
    assert "#6" not in text  # the amendment shows beside what it corrects, not on its own


def test_only_the_latest_said_entries_are_listed(empty_workspace: Workspace) -> None:
    ws = empty_workspace
    call = new_call(ws, "Rajesh Kumar")
    for n in range(1, 6):
        add_entry(ws.user, call.id, "said", f"Statement {n}")
    said = summary_of(ws, call.id, CallerMood.CALM).split("Latest things said\n")[1]
    assert said.splitlines() == ["- #3 Statement 3", "- #4 Statement 4", "- #5 Statement 5"]


def test_an_empty_call_says_what_is_missing(empty_workspace: Workspace) -> None:
    ws = empty_workspace
    text = summary_of(ws, new_call(ws, "Ana López").id, CallerMood.CONFUSED)
    assert "- Problem: not recorded" in text
    assert (
        "What is known\n- Nothing from the checklist yet.\n- Still unknown: Date acquired" in text
    )
    assert "What was tried\n- Nothing recorded yet." in text
    assert "What was promised\n- Nothing promised." in text
    assert "How the caller feels\n- Confused" in text


def test_control_characters_are_dropped_and_emoji_and_rtl_kept(
    empty_workspace: Workspace,
) -> None:
    ws = empty_workspace
    call = new_call(ws, "سارة أحمد", problem="Phone 📱 shows مشكلة on boot")
    add_entry(ws.user, call.id, "said", "Line one\nline two")
    text = summary_of(ws, call.id, CallerMood.UPSET, "Bell\x07 rang\tloud\x1b[0m")
    assert "سارة أحمد" in text.splitlines()[0]
    assert "📱" in text and "مشكلة" in text
    assert "- #1 Line one line two" in text
    assert "Note: Bell rang loud[0m" in text
    assert not any(ch in text for ch in "\x07\x1b\t")
    # Right-to-left text is isolated so it cannot reorder the label around it.
    assert "Caller: \u2068سارة أحمد\u2069 (" in text


def test_very_long_text_is_shortened_in_the_summary(empty_workspace: Workspace) -> None:
    ws = empty_workspace
    call = new_call(ws, "Luis López", problem="word " * 200)
    problem = next(
        line for line in summary_of(ws, call.id, None).splitlines() if "Problem:" in line
    )
    assert problem.endswith("…") and len(problem) < 330
