"""tools/ensure-qt-libs.sh: which platform it checks, what it reports, what it installs.

The script is run for real against the installed PySide6, with fake ``ldd``, ``id``
and ``apt-get`` first on PATH, so each case controls what is "missing" and whether
we are root, and nothing is ever installed on the machine running the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or shutil.which("sh") is None,
        reason="the script checks Linux shared libraries",
    ),
]

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "ensure-qt-libs.sh"

# ldd that reports two xcb libraries and one unknown file missing for anything
# X11-related (unless FAKE_XCB_OK), and libEGL missing when FAKE_EGL_MISSING, until
# the fake apt-get has "installed" it.
FAKE_LDD = """#!/bin/sh
case "$1" in
    *xcb* | *Xcb*)
        if [ "$FAKE_XCB_OK" != 1 ]; then
            echo "	libxcb-icccm.so.4 => not found"
            echo "	libxcb-keysyms.so.1 => not found"
            echo "	libmystery-widget.so.7 => not found"
        fi
        ;;
esac
if [ "$FAKE_EGL_MISSING" = 1 ] && [ ! -e "$FAKE_ROOT/installed" ]; then
    echo "	libEGL.so.1 => not found"
fi
echo "	libc.so.6 => /lib/libc.so.6 (0x0000)"
"""
FAKE_ID = """#!/bin/sh
echo "$FAKE_UID"
"""
FAKE_APT = """#!/bin/sh
echo "$*" >> "$FAKE_ROOT/apt-calls"
case "$*" in *install*) touch "$FAKE_ROOT/installed" ;; esac
"""


def run_script(
    tmp_path: Path, *args: str, uid: int = 1000, **env: str
) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in (("ldd", FAKE_LDD), ("id", FAKE_ID), ("apt-get", FAKE_APT)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "QT_QPA_PLATFORM"}
    }
    base |= {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "FAKE_UID": str(uid),
        "FAKE_ROOT": str(tmp_path),
    }
    return subprocess.run(
        ["sh", str(SCRIPT), *args, sys.executable],
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def report(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)
    return {key: value.strip() for key, value in pairs}


def apt_calls(tmp_path: Path) -> str:
    calls = tmp_path / "apt-calls"
    return calls.read_text() if calls.exists() else ""


def test_a_desktop_session_checks_the_x11_plugin_and_names_its_packages(tmp_path: Path) -> None:
    result = run_script(tmp_path, "--check", DISPLAY=":9")
    assert result.returncode == 1
    assert report(result) == {
        "platform": "xcb",
        "missing": "libmystery-widget.so.7 libxcb-icccm.so.4 libxcb-keysyms.so.1",
        "packages": "libxcb-icccm4 libxcb-keysyms1",
        "unknown": "libmystery-widget.so.7",
    }


def test_headless_tests_do_not_demand_x11_libraries(tmp_path: Path) -> None:
    # The test suite's own setting, options and all.
    result = run_script(tmp_path, "--check", DISPLAY=":9", QT_QPA_PLATFORM="offscreen:size=1x1")
    assert result.returncode == 0, result.stderr
    assert report(result)["platform"] == "offscreen"
    assert report(result)["missing"] == ""


def test_a_wayland_session_checks_the_wayland_plugin(tmp_path: Path) -> None:
    result = run_script(
        tmp_path, "--check", DISPLAY=":0", WAYLAND_DISPLAY="wayland-0", XDG_SESSION_TYPE="wayland"
    )
    assert report(result)["platform"] == "wayland"
    listed = run_script(tmp_path, "--check", QT_QPA_PLATFORM="wayland;xcb")
    assert report(listed)["platform"] == "wayland"


def test_without_root_it_prints_the_apt_get_line_and_installs_nothing(tmp_path: Path) -> None:
    result = run_script(tmp_path, DISPLAY=":9", uid=1000)
    assert result.returncode == 1
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in result.stderr
    assert "libmystery-widget.so.7" in result.stderr
    assert apt_calls(tmp_path) == ""


def test_as_root_it_installs_what_is_missing_then_checks_again(tmp_path: Path) -> None:
    result = run_script(
        tmp_path, uid=0, QT_QPA_PLATFORM="offscreen", FAKE_EGL_MISSING="1", DISPLAY=":9"
    )
    assert result.returncode == 0, result.stderr
    assert "installing libegl1 with apt-get" in result.stderr
    assert "install -y -qq --no-install-recommends libegl1" in apt_calls(tmp_path)


def test_check_mode_never_installs(tmp_path: Path) -> None:
    result = run_script(tmp_path, "--check", uid=0, DISPLAY=":9")
    assert result.returncode == 1
    assert apt_calls(tmp_path) == ""


def test_x11_without_a_display_says_so_instead_of_a_qt_abort(tmp_path: Path) -> None:
    result = run_script(tmp_path, FAKE_XCB_OK="1")
    assert result.returncode == 1
    assert "No desktop display: DISPLAY is not set" in result.stderr


def test_an_unknown_platform_lists_the_ones_qt_has(tmp_path: Path) -> None:
    result = run_script(tmp_path, QT_QPA_PLATFORM="vnc-but-not-really")
    assert result.returncode == 1
    assert "Qt has no 'vnc-but-not-really' platform plugin" in result.stderr
    assert "offscreen" in result.stderr and "xcb" in result.stderr
