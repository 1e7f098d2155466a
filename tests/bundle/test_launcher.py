"""How Companion knows whether it runs from a checkout or as the installed, frozen app.

The frozen app is exercised whole by test_offline_bundle.py; these check the rules
themselves quickly, with ``sys.frozen`` and ``sys.executable`` set as PyInstaller sets them.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from cli.main import build_parser
from companion import launcher
from companion.version import app_version

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Pretend to be the installed app at ``tmp_path/opt dir/companion/companion``."""
    executable = tmp_path / "opt dir" / "companion" / "companion"
    executable.parent.mkdir(parents=True)
    executable.touch()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(executable))
    return executable


def test_from_a_checkout_the_launcher_is_main_py(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert not launcher.is_frozen()
    assert launcher.program_name() == "main.py"
    assert launcher.app_dir() == ROOT
    assert launcher.command_words()[-1] == "main.py"


def test_the_installed_app_is_its_own_launcher(
    frozen: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert launcher.is_frozen()
    assert launcher.program_name() == "companion"
    # site.ini goes beside the executable, not in _internal/ where the modules are.
    assert launcher.app_dir() == frozen.parent
    assert launcher.command_words() == ["opt dir/companion/companion"]
    monkeypatch.chdir(frozen.parent)
    assert launcher.command_words() == ["./companion"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert launcher.command_words() == [str(frozen)]


def test_help_names_the_installed_command(frozen: Path) -> None:
    assert build_parser().format_usage().startswith("usage: companion ")


def test_the_version_is_the_one_in_pyproject() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        expected = tomllib.load(handle)["project"]["version"]
    assert app_version() == expected


def test_version_option_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"main.py {app_version()}"
