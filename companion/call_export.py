"""One call's complete record as Markdown (to read or print) and JSON (to keep or process).

The export is what would be shown if anyone later asked what was said, promised
and done: every entry with its time and author, amendments beside what they
correct, and each promise's full history of state changes. Times are UTC and say
so. Exporting is itself audited.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from companion import audit
from companion.audit import Action
from companion.calls import CHECKLIST_LABELS, CallView, get_call
from companion.customers import CustomerView, get_customer
from companion.db import database, utcnow
from companion.entries import EntryView, entry_views
from companion.permissions import require_active
from companion.promises import PromiseEventView, PromiseView, promise_history, promises_of_call
from companion.text import parse_choice
from companion.users import User

FORMAT_NAME = "companion-call-record"
FORMAT_VERSION = 1

# What people typed must read as text in any Markdown viewer (and in the PDF, which
# renders this Markdown): HTML is written as entities; characters that start inline
# Markdown (emphasis, code, links, tables) are backslash-escaped, which keeps the raw
# file readable; block syntax only counts at the start of a line, so only there is
# it escaped. The JSON export keeps the text exactly as typed.
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;"}
_INLINE = re.compile(r"[\\`*_\[\]&<>|]")
_LINE_START = re.compile(r"^([#+=-]|\d+(?=[.)]))")
_LEADING_SPACE = re.compile(r"^[ \t]+")


class ExportFormat(StrEnum):
    MARKDOWN = "md"
    JSON = "json"


@dataclass(frozen=True)
class CallRecord:
    call: CallView
    customer: CustomerView
    entries: tuple[EntryView, ...]
    promises: tuple[tuple[PromiseView, tuple[PromiseEventView, ...]], ...]


def call_record(user: User, call_id: str) -> CallRecord:
    """Everything about one call, read in one transaction so the parts agree."""
    with database.atomic():
        user = require_active(user, action="Reading call records")
        call = get_call(user, call_id)
        return CallRecord(
            call=call,
            customer=get_customer(user, call.customer.id),
            entries=tuple(entry_views(call.id)),
            promises=tuple((p, tuple(promise_history(p.id))) for p in promises_of_call(call.id)),
        )


def export_call(user: User, call_id: str, fmt: ExportFormat | str) -> str:
    """The call's record in ``fmt`` ("md" or "json"); the export is audited."""
    kind = parse_choice(ExportFormat, fmt, "export format")
    record = call_record(user, call_id)
    exported_at = utcnow()
    text = (
        to_markdown(record, user.display_name, exported_at)
        if kind is ExportFormat.MARKDOWN
        else to_json(record, user.display_name, exported_at)
    )
    with database.atomic():
        user = require_active(user, action="Exporting call records")
        audit.record(user, Action.EXPORT, "call", record.call.id, format=kind.value)
    return text


def to_json(record: CallRecord, exported_by: str, exported_at: datetime) -> str:
    call = record.call
    data = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "times": "UTC",
        "exported_at": _iso(exported_at),
        "exported_by": exported_by,
        "call": {
            "id": call.id,
            "direction": call.direction.value,
            "agent": call.agent.display_name,
            "started_at": _iso(call.started_at),
            "ended_at": _iso(call.ended_at),
            "problem": call.problem,
            "ideal_resolution": call.ideal_resolution,
            "checklist": {name: getattr(call.checklist, name) for name in CHECKLIST_LABELS},
            "outcome": call.outcome.value if call.outcome else None,
            "summary": call.summary,
            "related_calls": list(call.related),
        },
        "customer": {
            "id": record.customer.id,
            "display_name": record.customer.display_name,
            "is_organisation": record.customer.is_organisation,
            "phones": [p.e164 for p in record.customer.phones],
            "emails": list(record.customer.emails),
            "references": [{"kind": r.kind, "value": r.value} for r in record.customer.references],
        },
        "entries": [
            {
                "id": e.id,
                "seq": e.seq,
                "at": _iso(e.at),
                "author": e.author.display_name,
                "kind": e.kind.value,
                "text": e.text,
                "amends_seq": e.amends_seq,
                "amended_by_seq": list(e.amended_by),
            }
            for e in record.entries
        ],
        "promises": [
            {
                "id": p.id,
                "entry_id": p.entry_id,
                "text": p.text,
                "owner": p.owner.display_name,
                "due_on": p.due_on.isoformat(),
                "state": p.state.value,
                "history": [_event_json(ev) for ev in events],
            }
            for p, events in record.promises
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_markdown(record: CallRecord, exported_by: str, exported_at: datetime) -> str:
    call, customer = record.call, record.customer
    seq_of = {e.id: e.seq for e in record.entries}
    lines = [
        f"# Call with {_text(customer.display_name)}, {_when(call.started_at)}",
        "",
        f"- Call id: `{call.id}`",
        f"- Customer: {_text(customer.display_name)} (`{customer.id}`)",
    ]
    if customer.phones:
        lines.append(f"- Phone: {_text(', '.join(p.display for p in customer.phones))}")
    lines += [
        f"- Agent: {_text(call.agent.display_name)}",
        f"- Direction: {call.direction.value}",
        f"- Started: {_when(call.started_at)}",
        f"- Ended: {_when(call.ended_at) if call.ended_at else 'still open'}",
        f"- Outcome: {call.outcome.label if call.outcome else 'not closed yet'}",
    ]
    if call.related:
        lines.append(f"- Related earlier calls: {', '.join(f'`{c}`' for c in call.related)}")
    lines += ["", "## The caller's goal", ""]
    lines += _field("Problem", call.problem) + _field("Ideal resolution", call.ideal_resolution)
    lines += ["## Information checklist", ""]
    for name, label in CHECKLIST_LABELS.items():
        lines.append(f"- {label}: {_inline(getattr(call.checklist, name)) or '(not asked)'}")
    lines += ["", "## What was said, promised and done", ""]
    lines += ['Entries are never changed: a correction is a later entry marked "corrects #N".', ""]
    if not record.entries:
        lines += ["(no entries)", ""]
    for entry in record.entries:
        heading = (
            f"**#{entry.seq}** {_when(entry.at)} · {entry.kind.value} · "
            f"{_text(entry.author.display_name)}"
        )
        if entry.amends_seq is not None:
            heading += f" · corrects #{entry.amends_seq}"
        if entry.amended_by:
            heading += f" · amended by {', '.join(f'#{n}' for n in entry.amended_by)}"
        lines += [heading, "", *_quote(entry.text), ""]
    lines += ["## Promises", ""]
    if not record.promises:
        lines += ["(none)", ""]
    for promise, events in record.promises:
        lines += [
            f"### #{seq_of.get(promise.entry_id, '?')}: {_inline(promise.text)}",
            "",
            f"- Owner: {_text(promise.owner.display_name)}",
            f"- Due: {promise.due_on:%Y-%m-%d}",
            f"- State: {promise.state.value}",
            "- History:",
        ]
        lines += [f"  - {_event_line(event)}" for event in events]
        lines.append("")
    lines += ["## Summary", ""]
    lines += [*(_quote(call.summary) if call.summary else ["(no summary)"]), ""]
    lines += [f"_Exported {_when(exported_at)} by {_text(exported_by)}. All times are UTC._", ""]
    return "\n".join(lines)


def _event_line(event: PromiseEventView) -> str:
    who = f"{_when(event.at)} by {_text(event.actor.display_name)}"
    if event.from_state is None:
        text = f"{who}: promised, due {event.new_due:%Y-%m-%d}"
    elif event.old_due != event.new_due:
        text = f"{who}: {event.to_state.value}, due date {event.old_due:%Y-%m-%d} → {event.new_due:%Y-%m-%d}"
    else:
        text = f"{who}: {event.from_state.value} → {event.to_state.value}"
    return f"{text}. {_inline(event.reason)}" if event.reason else text


def _event_json(event: PromiseEventView) -> dict[str, Any]:
    return {
        "at": _iso(event.at),
        "by": event.actor.display_name,
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value,
        "old_due": _iso(event.old_due),
        "new_due": _iso(event.new_due),
        "reason": event.reason,
    }


def _field(label: str, value: str) -> list[str]:
    return [f"**{label}:**", "", *(_quote(value) if value else ["(not recorded)"]), ""]


def _quote(text: str) -> list[str]:
    """Free text as a block quote, line by line, so it reads as what was written."""
    return [f"> {_line(line)}" if line.strip() else ">" for line in text.split("\n")]


def _inline(text: str) -> str:
    """Typed text on one line (a list item or heading), escaped."""
    return _line(" ".join(text.split()))


def _line(line: str) -> str:
    """One typed line, escaped; its indentation kept as spaces Markdown cannot read as code."""
    indent = _LEADING_SPACE.match(line)
    width = len(indent.group().expandtabs(4)) if indent else 0
    rest = _text(line[indent.end() :] if indent else line)
    return "&nbsp;" * width + _LINE_START.sub(_escape_line_start, rest)


def _text(text: str) -> str:
    return _INLINE.sub(lambda match: _HTML.get(match.group(), "\\" + match.group()), text)


def _escape_line_start(match: re.Match[str]) -> str:
    """A heading, list or rule marker at a line's start, made plain text."""
    marker = match.group()
    if marker.isdigit():
        return marker + "\\"  # "1." becomes "1\." and stays text, not a list
    return "&#61;" if marker == "=" else "\\" + marker


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    return value.isoformat()
