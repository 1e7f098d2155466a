"""Editors saving one phrasing rule at the same moment: one lands, the others are told.

Real processes, as separate desks would be, on SQLite and PostgreSQL. Before the rule's
row was locked, PostgreSQL let two saves read the same revision and the later one
failed on the revision number with a raw database error.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from companion.phrasing import PhrasingRule
from companion.phrasing_rules import list_rules, rule_history, save_rule
from companion.users import Role, create_user
from tests.companion.conftest import Records
from tests.processes import run_together

EDITORS = 4

SAVER = textwrap.dedent(
    """
    import dataclasses
    import sys
    import time
    from pathlib import Path

    from companion import db
    from companion.errors import CompanionError
    from companion.phrasing_rules import list_rules, save_rule
    from companion.phrasing import PhrasingRule
    from companion.users import find_user

    url, gate, name, rule_id, base = sys.argv[1:6]
    db.connect(url)
    user = find_user(name)
    rule = PhrasingRule(
        id=rule_id,
        pattern="asap",
        suggestion=f"by the end of today ({name})",
        why="A plain time gives the caller something to hold us to.",
    )
    while not Path(gate).exists():
        time.sleep(0.002)
    try:
        view = save_rule(user, rule, expected_revision=int(base))
    except CompanionError as refused:
        print("refused", refused)
    else:
        print("saved", view.revision)
    """
)

RULE = PhrasingRule(
    id="as-soon-as-possible",
    pattern="asap",
    suggestion="by the end of today",
    why="A plain time gives the caller something to hold us to.",
)


@pytest.mark.parametrize("base", [0, 1], ids=["new rule", "existing rule"])
def test_simultaneous_saves_of_one_rule_one_lands_the_rest_are_told(
    records: Records, tmp_path: Path, base: int
) -> None:
    names = [f"Editor {n}" for n in range(EDITORS)]
    for name in names:
        create_user(name, Role.SUPERVISOR)
    opener = create_user("Opener", Role.SUPERVISOR)
    if base:
        save_rule(opener, RULE, expected_revision=0)
    gate = tmp_path / "go"
    editors = run_together(
        [["-c", SAVER, records.url, str(gate), name, RULE.id, str(base)] for name in names],
        gate=gate,
    )
    outcomes = []
    for editor in editors:
        assert editor.returncode == 0, editor.stderr
        outcomes.append(editor.stdout.strip())

    assert sorted(o.split()[0] for o in outcomes) == ["refused"] * (EDITORS - 1) + ["saved"]
    told = [o for o in outcomes if o.startswith("refused")]
    expected = "already exists" if base == 0 else "while you were editing it"
    assert all(expected in o for o in told), told
    history = rule_history(opener, RULE.id)
    assert [v.revision for v in history] == list(range(1, base + 2))
    assert [v.revision for v in list_rules(opener) if v.rule.id == RULE.id] == [base + 1]
