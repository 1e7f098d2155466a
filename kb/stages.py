"""The stages of a call and the playbook article each one opens.

Shared by the playbook pane's shortcut row and, later, the call pane's stage bar, so
that "greet" means the same article everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    slug: str
    hint: str


CALL_STAGES: tuple[Stage, ...] = (
    Stage("greet", "Greet", "greeting", "Open the call warmly"),
    Stage("goal", "Goal", "understand-the-goal", "The problem and the ideal resolution"),
    Stage("information", "Information", "gather-information", "What you need to know"),
    Stage("conflict", "Conflict", "conflicts", "When the caller is upset or disagrees"),
    Stage("escalate", "Escalate", "escalation", "When it is beyond you"),
    Stage("close", "Close", "disengaging", "Wrap up the call"),
    Stage("record", "Record", "recording", "Said, promised, done"),
)


# The call pane's stage bar walks a call in this order; each step opens its article.
CALL_FLOW: tuple[Stage, ...] = (
    Stage("greet", "Greet", "greeting", "Open the call warmly"),
    Stage("goal", "Goal", "understand-the-goal", "The problem and the ideal resolution"),
    Stage("information", "Information", "gather-information", "What you need to know"),
    Stage("resolve", "Resolve", "escalation", "Resolve it, or escalate and hand off well"),
    Stage("close", "Close", "disengaging", "Wrap up the call"),
    Stage("record", "Record", "recording", "Said, promised, done"),
)
