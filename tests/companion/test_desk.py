"""The desk's name is what colleagues see: the site's chosen name, else the host name."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from companion.desk import DESK_ENV, DESK_NAME_MAX, desk_name
from kb.workspace import open_workspace


def test_the_site_can_name_a_desk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DESK_ENV, "  Front   desk 2 ")
    assert desk_name() == "Front desk 2"


def test_without_a_name_the_desk_is_its_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DESK_ENV, raising=False)
    assert desk_name() == socket.gethostname().strip()[:DESK_NAME_MAX]


def test_a_name_with_control_characters_or_too_long_is_tidied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DESK_ENV, "Desk\x1b[31m" + "x" * 200)
    name = desk_name()
    assert "\x1b" not in name
    assert len(name) == DESK_NAME_MAX
    assert name.startswith("Desk[31m")


def test_a_site_ini_names_the_desk_when_the_environment_does_not(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    monkeypatch.delenv(DESK_ENV, raising=False)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "site.ini").write_text("[desk]\nname = Front  desk 3\n", encoding="utf-8")
    open_workspace(data_dir, load_defaults=False).close()
    assert desk_name() == "Front desk 3"

    monkeypatch.setenv(DESK_ENV, "Back office")
    assert desk_name() == "Back office"
