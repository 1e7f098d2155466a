"""The core never imports Qt: the CLI stays fast and every rule is testable headless."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_PACKAGES = ("companion", "kb", "cli")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_sources_do_not_import_qt() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in CORE_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if any(
            name.split(".")[0] in ("PySide6", "shiboken6", "ui") for name in imported_modules(path)
        )
    ]
    assert offenders == []


def test_companion_does_not_depend_on_the_playbook_or_the_window() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "companion").rglob("*.py")
        if any(name.split(".")[0] in ("kb", "ui", "cli") for name in imported_modules(path))
    ]
    assert offenders == []


def test_running_the_cli_loads_no_qt() -> None:
    code = (
        "import sys; from cli.main import parse_args, run_command; "
        "import kb.workspace, kb.importer, kb.exporter; "
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
