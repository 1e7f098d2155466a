"""Playbook releases from the command line: head office writes a file, a site applies it.

Two data dirs (on the PostgreSQL run, two databases), as two installs are. Every
refusal is one ``error:`` line on stderr, exit 1, and the site's playbook unchanged.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from companion.sealed_archive import SITE_RECORDS, write_archive
from kb import store
from kb.workspace import open_workspace
from main import main
from tests import postgres
from tests.kb.releases.conftest import new_database

ROOT = Path(__file__).resolve().parents[2]
SLUG = "staying-in-your-lane"


class Installs:
    """Command-line arguments naming each store, and a way to edit one in-process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.urls: dict[str, str | None] = {}

    def args(self, name: str) -> list[str]:
        if name not in self.urls:
            self.urls[name] = new_database()
            open_workspace(self.root / name, self.urls[name]).close()
        url = self.urls[name]
        return ["--data-dir", str(self.root / name), *(["--db", url] if url else [])]

    def edit(self, name: str, addition: str) -> None:
        self.args(name)
        workspace = open_workspace(self.root / name, self.urls[name])
        try:
            article = store.get_article(SLUG)
            draft = replace(article.as_draft(), body=f"{article.body}\n\n{addition}")
            workspace.playbook.save(draft, workspace.user)
        finally:
            workspace.close()

    def visible_body(self, name: str) -> str:
        workspace = open_workspace(self.root / name, self.urls[name])
        try:
            return store.visible_article(SLUG).body
        finally:
            workspace.close()


@pytest.fixture
def installs(tmp_path: Path) -> Iterator[Installs]:
    made = Installs(tmp_path / "installs")
    yield made
    for url in made.urls.values():
        if url is not None:
            postgres.drop_database(url)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow
def test_release_and_update_in_real_processes(installs: Installs, tmp_path: Path) -> None:
    release = tmp_path / "r1.cpb"
    installs.edit("hq", "Head office wording.")

    def main_py(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "main.py", *argv], cwd=ROOT, capture_output=True, text=True
        )

    made = main_py(*installs.args("hq"), "playbook", "release", str(release))
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Made release R1: 20 articles")
    site = installs.args("site")
    applied = main_py(*site, "playbook", "update", str(release), "--json")
    assert applied.returncode == 0, applied.stderr
    report = json.loads(applied.stdout)
    assert report["release"]["label"] == "R1"
    assert report["updated"] == 1 and report["already_installed"] is False
    assert [c["slug"] for c in report["changed"]] == [SLUG]
    assert "Applying: 20/20" in applied.stderr
    again = main_py(*site, "playbook", "update", str(release))
    assert again.returncode == 0
    assert again.stdout.strip() == "Release R1 is already installed here; nothing was changed."
    search = main_py(*site, "playbook", "search", "Head office wording", "--json")
    assert json.loads(search.stdout)[0]["slug"] == SLUG


def test_update_prints_the_report(
    installs: Installs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    installs.edit("hq", "Head office wording.")
    code, out, _ = run(capsys, *installs.args("hq"), "playbook", "release", str(tmp_path / "r.cpb"))
    assert code == 0
    code, out, err = run(
        capsys, *installs.args("site"), "playbook", "update", str(tmp_path / "r.cpb")
    )
    assert code == 0, err
    assert out.splitlines()[0].startswith("Applied release R1 (made by Local desk")
    assert "1 updated" in out and f"updated      {SLUG}" in out
    code, out, _ = run(capsys, *installs.args("site"), "playbook", "installed")
    assert code == 0 and out.startswith("Release R1, made by Local desk")


def test_older_release_is_refused_unless_forced(
    installs: Installs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hq, site = installs.args("hq"), installs.args("site")
    run(capsys, *hq, "playbook", "release", str(tmp_path / "r1.cpb"))
    run(capsys, *hq, "playbook", "release", str(tmp_path / "r2.cpb"))
    assert run(capsys, *site, "playbook", "update", str(tmp_path / "r2.cpb"))[0] == 0
    code, out, err = run(capsys, *site, "playbook", "update", str(tmp_path / "r1.cpb"))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "R1" in err and "R2" in err and "--force" in err
    code, out, err = run(capsys, *site, "playbook", "update", str(tmp_path / "r1.cpb"), "--force")
    assert code == 0, err
    assert run(capsys, *site, "playbook", "installed")[1].startswith("Release R1")


def test_release_from_another_head_office_is_refused_unless_forced(
    installs: Installs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = installs.args("site")
    run(capsys, *installs.args("hq"), "playbook", "release", str(tmp_path / "r1.cpb"))
    run(capsys, *installs.args("other"), "playbook", "release", str(tmp_path / "other.cpb"))
    assert run(capsys, *site, "playbook", "update", str(tmp_path / "r1.cpb"))[0] == 0
    code, _, err = run(capsys, *site, "playbook", "update", str(tmp_path / "other.cpb"))
    assert code == 1 and "different head office" in err and "--force" in err
    assert run(capsys, *site, "playbook", "update", str(tmp_path / "other.cpb"), "--force")[0] == 0


def _bad_files(tmp_path: Path, good: Path) -> dict[str, Path]:
    data = good.read_bytes()
    files = {}
    files["text"] = tmp_path / "notes.cpb"
    files["text"].write_text("not a release\n")
    files["records"] = tmp_path / "records.csx"
    write_archive(files["records"], SITE_RECORDS, 1, [("calls.jsonl", b"{}\n")], {})
    files["truncated"] = tmp_path / "cut.cpb"
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["flipped"] = tmp_path / "flipped.cpb"
    changed = bytearray(data)
    changed[len(changed) // 4] ^= 0x01
    files["flipped"].write_bytes(bytes(changed))
    files["slip"] = tmp_path / "slip.cpb"
    files["slip"].write_bytes(data)
    with zipfile.ZipFile(files["slip"], "a") as archive:
        archive.writestr("../evil.txt", b"x")
    files["photos"] = tmp_path / "photos.cpb"
    with zipfile.ZipFile(files["photos"], "w") as archive:
        archive.writestr("holiday.jpg", b"\xff\xd8")
    return files


def test_bad_files_are_refused_in_one_line_and_change_nothing(
    installs: Installs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    installs.edit("hq", "Head office wording.")
    good = tmp_path / "r1.cpb"
    run(capsys, *installs.args("hq"), "playbook", "release", str(good))
    site = installs.args("site")
    expected = {
        "text": "is not a playbook release",
        "records": "is a call-record file, not a playbook release",
        "truncated": "incomplete or damaged",
        "flipped": "cannot be used as a playbook release",
        "slip": "not a plain name",
        "photos": "zip file but not a playbook release",
    }
    for kind, path in _bad_files(tmp_path, good).items():
        code, out, err = run(capsys, *site, "playbook", "update", str(path))
        assert code == 1, kind
        assert out == "" and err.count("\n") == 1 and "Traceback" not in err, kind
        assert expected[kind] in err, (kind, err)
        assert "Head office wording." not in installs.visible_body("site")
    assert run(capsys, *site, "playbook", "installed")[1].startswith("No playbook release")
    assert not (tmp_path / "evil.txt").exists()


def test_conflicts_are_listed_and_resolved(
    installs: Installs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hq, site = installs.args("hq"), installs.args("site")
    run(capsys, *hq, "playbook", "release", str(tmp_path / "r1.cpb"))
    run(capsys, *site, "playbook", "update", str(tmp_path / "r1.cpb"))
    installs.edit("site", "Site wording.")
    installs.edit("hq", "Head office wording.")
    run(capsys, *hq, "playbook", "release", str(tmp_path / "r2.cpb"))
    code, out, _ = run(capsys, *site, "playbook", "update", str(tmp_path / "r2.cpb"))
    assert code == 0 and "1 conflicts" in out and f"conflict     {SLUG}" in out
    code, out, _ = run(capsys, *site, "playbook", "conflicts")
    assert code == 0
    assert out.splitlines()[0] == (
        f"{SLUG}  Staying in your lane  (conflicts with head office release R2)"
    )
    listed = json.loads(run(capsys, *site, "playbook", "conflicts", "--json")[1])
    assert [c["slug"] for c in listed] == [SLUG]
    assert "Head office wording." in listed[0]["theirs"]["body"]

    merged = tmp_path / "merged.md"
    merged.write_text("# Staying in your lane\n\nMerged wording.\n", encoding="utf-8")
    code, out, err = run(capsys, *site, "playbook", "resolve", SLUG, "--body-file", str(merged))
    assert code == 0, err
    assert installs.visible_body("site") == "# Staying in your lane\n\nMerged wording.\n"
    code, _, err = run(capsys, *site, "playbook", "resolve", SLUG, "--keep-ours")
    assert code == 1 and "no open release conflict" in err
    assert run(capsys, *site, "playbook", "conflicts", "--json")[1].strip() == "[]"


def test_resolve_needs_exactly_one_choice(
    installs: Installs, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([*installs.args("site"), "playbook", "resolve", SLUG])
    with pytest.raises(SystemExit):
        main([*installs.args("site"), "playbook", "resolve", SLUG, "--keep-ours", "--take-theirs"])
