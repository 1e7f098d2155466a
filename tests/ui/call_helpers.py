"""Shared set-up for call-pane tests: a repeat caller with history, and waiting helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pytestqt.qtbot import QtBot

from companion import calls, entries, promises
from companion.clock import local_today
from companion.customer_links import link_customers
from companion.customers import CustomerDetails, create_customer
from companion.users import User
from ui.main_window import MainWindow


@dataclass(frozen=True)
class RepeatCaller:
    customer_id: str
    partner_id: str
    earlier_call_id: str


def make_repeat_caller(user: User) -> RepeatCaller:
    """Ana calls again: her partner is linked, and last week's promise is overdue."""
    ana = create_customer(
        user,
        CustomerDetails.validate(
            "Ana Ruiz", phones=["(555) 010-2030"], references=[("account", "ACC-4411")]
        ),
    ).customer
    luis = create_customer(user, CustomerDetails.validate("Luis Ruiz")).customer
    link_customers(user, ana.id, luis.id, "household")
    earlier = calls.start_call(user, ana.id, problem="Internet drops every evening")
    entries.add_entry(user, earlier.id, "said", "Drops started after the storm")
    promises.record_promise(
        user, earlier.id, "Send an engineer's time slot", local_today() - timedelta(days=2)
    )
    calls.close_call(user, earlier.id, "follow_up", "Engineer to be booked")
    return RepeatCaller(ana.id, luis.id, earlier.id)


def wait_for_idle_runner(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=10_000)
