"""Exporting one call: everything said, promised and done, readable and machine-readable."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from companion.audit import events_for
from companion.call_export import export_call
from companion.calls import close_call, start_call, update_call
from companion.entries import add_entry, amend_entry
from companion.errors import InvalidInput, NotFound
from companion.promises import record_promise, reschedule_promise
from kb.render import render_markdown
from tests.companion.conftest import Records


@pytest.fixture
def call_id(records: Records) -> str:
    customer = records.customer("Zeynep Yılmaz", phones=["555 010 3030"])
    call = start_call(
        records.user, customer.id, problem="Charged twice.", ideal_resolution="Refund."
    )
    update_call(records.user, call.id, identifier="Invoice INV-881")
    said = add_entry(records.user, call.id, "said", "Both charges on 3 March.")
    add_entry(records.user, call.id, "done", "Opened refund request R-17.")
    promise = record_promise(records.user, call.id, "Confirm the refund.", date(2025, 3, 7))
    reschedule_promise(
        records.user, promise.promise.id, date(2025, 3, 10), "Billing closed on Friday"
    )
    close_call(records.user, call.id, "follow_up", "Refund pending.\nCall back Monday.")
    amend_entry(records.user, said.id, "Both charges on 4 March, not 3.")
    return call.id


def test_markdown_shows_entries_amendments_and_promise_history(
    records: Records, call_id: str
) -> None:
    text = export_call(records.user, call_id, "md")
    assert "# Call with Zeynep Yılmaz" in text
    assert "- Outcome: follow-up needed" in text
    assert "Identifier (serial, order or account number): Invoice INV-881" in text
    assert "**#1**" in text and "· said ·" in text and "amended by #4" in text
    assert "> Both charges on 3 March." in text
    assert "· amendment ·" in text and "corrects #1" in text
    assert "> Both charges on 4 March, not 3." in text
    assert "due date 2025-03-07 → 2025-03-10. Billing closed on Friday" in text
    assert "> Refund pending.\n> Call back Monday." in text
    assert "All times are UTC" in text


def test_json_holds_the_same_record_for_machines(records: Records, call_id: str) -> None:
    data = json.loads(export_call(records.user, call_id, "json"))
    assert data["format"] == "companion-call-record"
    assert data["call"]["outcome"] == "follow_up"
    assert data["customer"]["phones"] == ["+15550103030"]
    kinds = [(e["seq"], e["kind"], e["amends_seq"]) for e in data["entries"]]
    assert kinds == [
        (1, "said", None),
        (2, "done", None),
        (3, "promised", None),
        (4, "amendment", 1),
    ]
    assert data["entries"][0]["at"].endswith("Z")
    (promise,) = data["promises"]
    assert (promise["state"], promise["due_on"]) == ("rescheduled", "2025-03-10")
    assert [(h["old_due"], h["new_due"]) for h in promise["history"]] == [
        (None, "2025-03-07"),
        ("2025-03-07", "2025-03-10"),
    ]


def test_every_export_is_audited(records: Records, call_id: str) -> None:
    export_call(records.user, call_id, "json")
    event = events_for(call_id)[-1]
    assert (event.action, event.details["format"]) == ("export", "json")


def test_unknown_call_or_format_is_refused(records: Records, call_id: str) -> None:
    with pytest.raises(NotFound, match="No call has the id"):
        export_call(records.user, "nope", "md")
    with pytest.raises(InvalidInput, match="'pdf' is not a valid export format"):
        export_call(records.user, call_id, "pdf")


# -- typed text stays text ------------------------------------------------------------

HOSTILE = (
    "<script>alert('x')</script><b>bold</b> <img src=x onerror=alert(1)>\n"
    "# not a heading\n"
    "1. not a list\n"
    "    <i>indented, not code</i>\n"
    "**not bold** [not a link](javascript:alert(1)) a | b &amp; `tick`\n"
    "---"
)


def visible_text(html: str) -> tuple[str, set[str]]:
    """What a reader sees in rendered HTML, and which elements it used."""
    parser = _TextParser()
    parser.feed(html)
    return " ".join("".join(parser.text).split()), parser.tags


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.text.append(" ")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def exported_entry_html(records: Records, text: str) -> str:
    customer = records.customer("<b>Ana</b> *Lopez*")
    call = start_call(records.user, customer.id)
    add_entry(records.user, call.id, "said", text)
    markdown = export_call(records.user, call.id, "md")
    body = markdown.split("## What was said, promised and done", 1)[1].split("## Promises")[0]
    # Only the entry's quote: the line after its heading, to the blank line after it.
    return render_markdown("\n".join(line for line in body.split("\n") if line.startswith(">")))


def test_html_and_markdown_typed_into_an_entry_export_as_text(records: Records) -> None:
    customer = records.customer("<img src=x onerror=alert(1)> O'Brien")
    call = start_call(records.user, customer.id, problem="<b>loud</b> & *angry*")
    add_entry(records.user, call.id, "said", HOSTILE)
    markdown = export_call(records.user, call.id, "md")
    for markup in ("<script", "<b>", "<img", "<i>", "[not a link](javascript"):
        assert markup not in markdown
    text, tags = visible_text(render_markdown(markdown))
    assert tags <= {"h1", "h2", "h3", "ul", "li", "p", "blockquote", "strong", "em", "code", "br"}
    assert "<script>alert('x')</script><b>bold</b> <img src=x onerror=alert(1)>" in text
    assert "# not a heading 1. not a list <i>indented, not code</i>" in text
    assert "**not bold** [not a link](javascript:alert(1)) a | b &amp; `tick` ---" in text
    assert "Call with <img src=x onerror=alert(1)> O'Brien" in text
    assert "<b>loud</b> & *angry*" in text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet="<>&*_`[]()#+-=.!|\\/:;\"' ab1\n\t~{}", min_size=1, max_size=40))
def test_any_typed_entry_renders_as_exactly_what_was_typed(records: Records, typed: str) -> None:
    assume(typed.strip())
    text, tags = visible_text(exported_entry_html(records, typed))
    assert text == " ".join(typed.split())
    assert tags <= {"blockquote", "p", "br"}
