"""Setting up accounts from a terminal, as the first admin at a new site would."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli.main import parse_args, run_command
from companion.accounts import authenticate, login_required
from kb.workspace import open_workspace

pytestmark = pytest.mark.usefixtures("cheap_hashing")


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = run_command(parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_first_admin_from_stdin_can_then_sign_in(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    code, out, err = run(
        capsys,
        monkeypatch,
        "user",
        "add",
        "Ana López",
        "--role",
        "admin",
        "--password-stdin",
        stdin="first admin pass\n",
    )
    assert code == 0, err
    assert out == "Added Ana López (admin); can sign in.\n"
    code, out, err = run(
        capsys,
        monkeypatch,
        "user",
        "add",
        "Bo",
        "--role",
        "agent",
        "--password-stdin",
        stdin="agent pass 1\r\n",
    )
    assert code == 0, err
    workspace = open_workspace(data_dir)
    try:
        assert login_required()
        assert authenticate("ana lopez", "first admin pass").display_name == "Ana López"
        assert authenticate("Bo", "agent pass 1").role == "agent"
    finally:
        workspace.close()


def test_without_a_terminal_or_stdin_flag_the_account_has_no_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, "user", "add", "Cy", "--role", "supervisor")
    assert code == 0
    assert "has no password yet" in out
    code, out, _ = run(capsys, monkeypatch, "user", "list")
    assert "Cy  supervisor  active, no password" in out
    code, _, err = run(capsys, monkeypatch, "user", "passwd", "Cy")
    assert code == 1
    assert "pass --password-stdin" in err


def test_bad_role_and_bad_password_are_explained(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, monkeypatch, "user", "add", "Dee", "--role", "boss")
    assert code == 1
    assert err == "error: 'boss' is not a valid role; use one of: agent, supervisor, admin.\n"
    code, _, err = run(
        capsys,
        monkeypatch,
        "user",
        "add",
        "Dee",
        "--role",
        "admin",
        "--password-stdin",
        stdin="short\n",
    )
    assert code == 1
    assert "at least 8 characters" in err
    _, out, _ = run(capsys, monkeypatch, "user", "list")
    assert "Dee" not in out


def test_disable_refuses_the_local_desk_and_disables_others(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, monkeypatch, "user", "disable", "local desk")
    assert code == 1
    assert "cannot disable your own account" in err
    run(capsys, monkeypatch, "user", "add", "Eli", "--role", "agent")
    code, out, _ = run(capsys, monkeypatch, "user", "disable", "eli")
    assert code == 0 and "Eli is disabled" in out
    _, out, _ = run(capsys, monkeypatch, "user", "list")
    assert "Eli  agent  disabled" in out


def test_help_says_the_command_line_acts_as_the_local_administrator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(["user", "add", "--help"])
    assert stopped.value.code == 0
    assert "local administrator" in " ".join(capsys.readouterr().out.split())
