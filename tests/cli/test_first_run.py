"""A fresh install, as the README tells a newcomer to use it: the commands work as written.

The README's account example is read from README.md itself and run line by line as
real processes on a new data dir, so the page and the program cannot drift apart.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
MAIN = REPO / "main.py"
PASSWORD = "a long enough passphrase"


def readme_block(heading: str) -> list[str]:
    """The command lines of the first ```sh block under ``## heading``."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, f"no sh block under {heading}"
    return [line for line in block.group(1).splitlines() if line.strip()]


def run_line(line: str, data_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one README line: its python is this test's, with the data dir added first."""
    words = shlex.split(line)
    stdin = None
    if "<" in words:
        at = words.index("<")
        stdin = (cwd / words[at + 1]).read_text()
        words = words[:at]
    assert words[:2] == [".venv/bin/python", "main.py"], line
    command = [sys.executable, str(MAIN), "--data-dir", str(data_dir), *words[2:]]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def test_the_readme_account_example_works_as_written(tmp_path: Path, data_dir: Path) -> None:
    lines = readme_block("Accounts")
    for name in {w for line in lines for w in re.findall(r"< (\S+)", line)}:
        (tmp_path / name).write_text(PASSWORD + "\n")
    results = [run_line(line, data_dir, tmp_path) for line in lines]
    for line, result in zip(lines, results, strict=True):
        assert result.returncode == 0, (line, result.stderr)
        assert "Traceback" not in result.stderr
    listing = results[-1].stdout
    assert "Grace Okafor  supervisor  active" in listing
    assert re.search(r"\badmin  active\n", listing)


def test_a_supervisor_first_is_refused_with_the_command_to_run_first(
    tmp_path: Path, data_dir: Path
) -> None:
    (tmp_path / "pw.txt").write_text(PASSWORD + "\n")
    supervisor = '.venv/bin/python main.py user add "Grace Okafor" --role supervisor '
    supervisor += "--password-stdin < pw.txt"
    refused = run_line(supervisor, data_dir, tmp_path)
    assert refused.returncode == 1
    assert len(refused.stderr.strip().splitlines()) == 1
    hint = refused.stderr.split("First run: ", 1)[1].strip()
    # The hint is a command that works once the placeholders are filled in.
    words = shlex.split(
        hint.replace("YOUR NAME", "Ana Admin").replace("admin-password.txt", "pw.txt")
    )
    at = words.index("<")
    first = subprocess.run(
        words[:at],
        input=(tmp_path / words[at + 1]).read_text(),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    assert "Added Ana Admin (admin); can sign in." in first.stdout
    assert run_line(supervisor, data_dir, tmp_path).returncode == 0


def test_a_python_without_the_dependencies_gets_one_line_not_a_traceback(tmp_path: Path) -> None:
    # -S: no site packages, so peewee and friends are not importable.
    result = subprocess.run(
        [
            sys.executable,
            "-S",
            str(MAIN),
            "--data-dir",
            str(tmp_path),
            "customer",
            "find",
            "x",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Companion cannot start: the Python package 'peewee' is missing. Run `make run` (it "
        "creates .venv with the pinned dependencies), or use .venv/bin/python main.py."
    ]


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_fills_the_data_dir_that_make_run_then_opens(tmp_path: Path) -> None:
    demo_dir = tmp_path / "demo here"
    demo = make("demo", f"DATA_DIR={demo_dir}")
    assert demo.returncode == 0, demo.stderr
    assert f"Open it with:  make run DATA_DIR={demo_dir}" in demo.stdout
    found = subprocess.run(
        [sys.executable, str(MAIN), "--data-dir", str(demo_dir), "promises", "due"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert found.returncode == 0 and "overdue" in found.stdout.lower(), found.stderr
    # `make run` opens a window, so only its plan is checked: the same data dir.
    plan = make("-n", "run", f"DATA_DIR={demo_dir}")
    assert f'main.py --data-dir "{demo_dir}"' in plan.stdout
    assert "--data-dir" not in make("-n", "run", "DATA_DIR=").stdout
