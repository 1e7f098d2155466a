"""The desk's name is what colleagues see: the site's chosen name, else the host name."""

from __future__ import annotations

import socket

import pytest

from companion.desk import DESK_ENV, DESK_NAME_MAX, desk_name


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
