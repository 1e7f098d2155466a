"""Every test gets its own empty data dir and never touches the real home directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Headless Qt, on a desk-sized virtual screen: the default offscreen screen is
# 800x600, smaller than the window, which would make every size a clamp.
_SCREEN = Path(__file__).with_name("offscreen-screen.json")
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "data"
    monkeypatch.setenv("COMPANION_DATA_DIR", str(directory))
    monkeypatch.delenv("COMPANION_DB_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return directory


@pytest.fixture
def workspace(data_dir: Path) -> Iterator[object]:
    """A workspace on the fresh data dir, with the default playbook loaded."""
    from kb.workspace import open_workspace

    ws = open_workspace(data_dir)
    yield ws
    ws.close()


@pytest.fixture
def empty_workspace(data_dir: Path) -> Iterator[object]:
    """A workspace whose new database has no articles at all."""
    from kb.workspace import open_workspace

    ws = open_workspace(data_dir, load_defaults=False)
    yield ws
    ws.close()
