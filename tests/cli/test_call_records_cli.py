"""The call-record commands as an agent or a script would run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import parse_args, run_command


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run_command(parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run(capsys, "customer", "add", *argv, "--json")
    assert code == 0, err
    return str(json.loads(out)["customer"]["id"])


@pytest.mark.parametrize(
    "command",
    [
        ["customer", "add"],
        ["customer", "find"],
        ["customer", "show"],
        ["customer", "link"],
        ["customer", "merge"],
        ["promises", "due"],
        ["call", "export"],
        ["demo"],
    ],
)
def test_every_command_explains_itself(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args([*command, "--help"])
    assert stopped.value.code == 0
    assert len(capsys.readouterr().out.splitlines()) > 4


def test_add_find_and_show_a_customer(capsys: pytest.CaptureFixture[str]) -> None:
    ana = add(capsys, "Ana María López", "--phone", "(555) 010-2030", "--account", "ACC-1")
    code, out, _ = run(capsys, "customer", "find", "+1 555 0102030")
    assert code == 0
    assert "Ana María López  [(555) 010-2030]  (phone)" in out
    assert ana in out
    code, out, _ = run(capsys, "customer", "show", ana)
    assert code == 0 and "account: ACC-1" in out and "Calls (0)" in out


def test_add_warns_of_a_likely_duplicate(capsys: pytest.CaptureFixture[str]) -> None:
    first = add(capsys, "John Smith", "--phone", "555 010 1000")
    code, out, _ = run(capsys, "customer", "add", "Jon Smith", "--phone", "5550101000")
    assert code == 0
    assert "Possible duplicates" in out and first in out and "same phone number" in out


def test_link_and_merge_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    ana, luis = add(capsys, "Ana"), add(capsys, "Luis")
    duplicate = add(capsys, "Ana L", "--phone", "555 010 2222")
    code, out, _ = run(capsys, "customer", "link", ana, luis, "--relation", "household")
    assert (code, out.strip()) == (0, f"Linked: Luis is same household ({luis}).")
    code, out, _ = run(capsys, "customer", "merge", ana, duplicate)
    assert code == 0 and "Merged" in out
    code, out, _ = run(capsys, "customer", "find", "555 010 2222", "--json")
    assert [m["customer"]["id"] for m in json.loads(out)] == [ana]


def test_bad_input_is_one_line_with_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "customer", "add", "Ana", "--phone", "call me")
    assert code == 1 and out == ""
    assert err.startswith("error: 'call me' is not a phone number") and err.count("\n") == 1
    ana = add(capsys, "Ana")
    code, _, err = run(capsys, "customer", "merge", ana, ana)
    assert code == 1 and "cannot be merged with itself" in err
    code, _, err = run(capsys, "call", "export", "no-such-call")
    assert code == 1 and "No call has the id" in err
    code, _, err = run(capsys, "promises", "due", "--owner", "Nobody")
    assert code == 1 and "Known users:" in err


def test_demo_then_promises_due_and_call_export(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0 and "overdue" in out
    code, out, _ = run(capsys, "promises", "due", "--json")
    report = json.loads(out)
    assert code == 0 and report["overdue"]
    call_id = report["overdue"][0]["call_id"]
    code, out, _ = run(capsys, "promises", "due", "--owner", "priya shah", "--limit", "1")
    assert code == 0 and "owner Priya Shah" in out and "more; raise --limit" in out
    target = tmp_path / "call.json"
    code, out, _ = run(capsys, "call", "export", call_id, "--format", "json", "-o", str(target))
    assert code == 0 and json.loads(target.read_text(encoding="utf-8"))["call"]["id"] == call_id
    code, out, _ = run(capsys, "call", "export", call_id)
    assert code == 0 and out.startswith("# Call with ")
    code, _, err = run(capsys, "demo")
    assert code == 1 and "already has" in err
