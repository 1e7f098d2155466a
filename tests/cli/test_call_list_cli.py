"""``call list --open``: a supervisor sees which calls are open, where and by whom."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import parse_args, run_command
from companion.call_desks import release_call
from companion.calls import start_call
from companion.customers import CustomerDetails, create_customer
from companion.users import Role, create_user
from kb.workspace import open_workspace


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run_command(parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_open_calls_show_their_desk_and_person(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, out, err = run(capsys, "call", "list", "--open")
    assert (code, out.strip()) == (0, "No open calls."), err

    ws = open_workspace(data_dir, load_defaults=False)
    tom = create_user("Tom Becker", Role.AGENT)
    ana = create_customer(ws.user, CustomerDetails.validate("Ana López")).customer
    petra = create_customer(ws.user, CustomerDetails.validate("Petra Müller")).customer
    held = start_call(tom, ana.id, desk="Front desk 2")
    waiting = start_call(ws.user, petra.id, desk="Front desk 1")
    release_call(ws.user, waiting.id, desk="Front desk 1")
    ws.close()

    code, out, err = run(capsys, "call", "list", "--open")

    assert code == 0, err
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert lines.keys() == {held.id, waiting.id}
    assert "Ana López" in lines[held.id]
    assert "open at desk Front desk 2 by Tom Becker since " in lines[held.id]
    assert "Petra Müller" in lines[waiting.id] and lines[waiting.id].endswith("(on hold)")

    code, out, _ = run(capsys, "call", "list", "--open", "--json")
    listed = {c["id"]: c["holder"] for c in json.loads(out)}
    assert listed[held.id]["desk"] == "Front desk 2"
    assert listed[waiting.id] is None
