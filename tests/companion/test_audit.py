"""Every create, change, merge, link and export leaves an audit event, in order."""

from __future__ import annotations

from datetime import date

from companion.audit import AuditEvent, events_for
from companion.call_export import export_call
from companion.calls import close_call, start_call
from companion.customer_links import link_customers
from companion.entries import add_entry
from companion.merge import merge_customers
from companion.promises import keep_promise, record_promise
from tests.companion.conftest import Records


def test_each_kind_of_change_is_audited_with_its_actor(records: Records) -> None:
    tom = records.agent("Tom Becker")
    a, b, c = (records.customer(n) for n in ("Ana", "Ana L", "Luis"))
    link_customers(tom, a.id, c.id, "household")
    call = start_call(tom, a.id)
    add_entry(tom, call.id, "said", "Hello")
    promise = record_promise(tom, call.id, "Call back", date(2025, 1, 1)).promise
    keep_promise(tom, promise.id, "Done")
    close_call(tom, call.id, "resolved")
    export_call(tom, call.id, "md")
    merge_customers(tom, a.id, b.id)
    by_tom = AuditEvent.select().where(AuditEvent.actor == tom.id).order_by(AuditEvent.at)
    assert [(e.action, e.object_type) for e in by_tom] == [
        ("link", "customer_link"),
        ("create", "call"),
        ("create", "entry"),
        ("create", "entry"),
        ("create", "promise"),
        ("change", "promise"),
        ("change", "call"),
        ("export", "call"),
        ("merge", "customer"),
    ]
    assert [e.action for e in events_for(call.id)] == ["create", "change", "export"]
