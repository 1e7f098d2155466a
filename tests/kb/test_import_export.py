"""Importing playbook folders and zips, exporting them, and the round trip between the two."""

from __future__ import annotations

import importlib.resources
import io
import json
import stat
import struct
import zipfile
from datetime import date
from pathlib import Path

import pytest

from companion.errors import InvalidInput
from kb import importer, store
from kb.article import ArticleData, ArticleDraft, Status
from kb.exporter import MANIFEST, export_playbook
from kb.import_report import FileOutcome, ImportReport
from kb.importer import import_playbook
from kb.workspace import Workspace, open_workspace

GREETING = """\
---
slug: greeting
title: Greeting
category: opening
tags: [opening, tone]
aliases:
  - how to answer the phone
status: published
review_by: 2027-06-30
---
# Greeting

Smile before you answer. See [Handoff](../escalation/handoff.md#steps).
"""

HANDOFF = """\
---
slug: handoff
title: Handoff
category: escalation
---
# Handoff

## Steps
Brief the colleague. Back to [greeting](../opening/greeting.md).
"""


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def make_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def run_import(ws: Workspace, source: Path) -> ImportReport:
    return import_playbook(source, ws.playbook, ws.user)


def outcomes(report: ImportReport) -> dict[str, str]:
    return {result.path: result.outcome.value for result in report.files}


def reason(report: ImportReport, path: str) -> str:
    (result,) = [r for r in report.files if r.path == path]
    assert result.outcome is FileOutcome.FAILED
    return result.reason


# --- Reading fields ------------------------------------------------------------------


def test_front_matter_fields_become_the_article(empty_workspace: Workspace, tmp_path: Path) -> None:
    source = write_tree(
        tmp_path / "pb",
        {"opening/greeting.md": GREETING, "escalation/handoff.md": HANDOFF},
    )

    report = run_import(empty_workspace, source)

    assert outcomes(report) == {
        "escalation/handoff.md": "created",
        "opening/greeting.md": "created",
    }
    greeting = store.get_article("greeting")
    assert greeting.title == "Greeting"
    assert greeting.category == "opening"
    assert greeting.tags == ("opening", "tone")
    assert greeting.aliases == ("how to answer the phone",)
    assert greeting.status is Status.PUBLISHED
    assert greeting.review_by == date(2027, 6, 30)
    assert greeting.body.startswith("# Greeting\n\nSmile before you answer.")


def test_missing_fields_come_from_file_name_heading_and_folder(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    source = write_tree(
        tmp_path / "pb",
        {
            "Conflict/Angry Callers.md": "```\n# Not the title\n```\n# Calming an angry caller\n",
            "top-level.md": "No heading here, just advice.\n",
        },
    )

    report = run_import(empty_workspace, source)

    assert report.created == 2
    angry = store.get_article("angry-callers")
    assert angry.title == "Calming an angry caller"
    assert angry.category == "conflict"
    top = store.get_article("top-level")
    assert top.title == "top-level"
    assert top.category == "general"
    assert top.status is Status.PUBLISHED


def test_lenient_forms_people_write_by_hand(empty_workspace: Workspace, tmp_path: Path) -> None:
    text = (
        "---\ntitle: Refunds\ntags: money, refunds , policy\naliases: give money back\n"
        "status: Draft\nreview_by: '2026-01-15'\ntittle: typo\n---\nBody\n"
    )
    source = write_tree(tmp_path / "pb", {"billing/refunds.md": text})

    report = run_import(empty_workspace, source)

    refunds = store.get_article("refunds")
    assert refunds.tags == ("money", "refunds", "policy")
    assert refunds.aliases == ("give money back",)
    assert refunds.status is Status.DRAFT
    assert refunds.review_by == date(2026, 1, 15)
    (result,) = report.files
    assert result.notes == ("ignored unknown front-matter keys: tittle",)
    assert "note: ignored unknown front-matter keys: tittle" in report.format()


def test_windows_line_endings_and_byte_order_mark_are_accepted(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    text = "\ufeff---\r\ntitle: Hold\r\n---\r\nPut the caller on hold.\r\n"
    source = write_tree(tmp_path / "pb", {"hold.md": text.encode("utf-8")})

    run_import(empty_workspace, source)

    hold = store.get_article("hold")
    assert hold.title == "Hold"
    assert hold.body == "Put the caller on hold.\n"


# --- Links ---------------------------------------------------------------------------


def test_relative_links_become_article_links(empty_workspace: Workspace, tmp_path: Path) -> None:
    source = write_tree(
        tmp_path / "pb",
        {
            "opening/greeting.md": GREETING,
            "escalation/handoff.md": HANDOFF,
            # A front-matter slug wins over the file name when links are resolved.
            "escalation/when-to-escalate.md": "---\nslug: escalation\n---\n# Escalation\n",
            "conflict/abusive.md": (
                "# Abusive callers\n"
                "[Escalate](../escalation/when-to-escalate.md) or [hand off](<../escalation/handoff.md>).\n"
                "[ref]: ../opening/greeting.md\n"
            ),
        },
    )

    report = run_import(empty_workspace, source)

    assert report.failed == 0
    assert report.broken_links == []
    assert "[Handoff](article:handoff#steps)" in store.get_article("greeting").body
    assert "[greeting](article:greeting)" in store.get_article("handoff").body
    abusive = store.get_article("abusive").body
    assert "[Escalate](article:escalation)" in abusive
    assert "[hand off](article:handoff)" in abusive
    assert "[ref]: article:greeting" in abusive


def test_links_that_are_not_playbook_files_are_left_alone(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    body = (
        "# Links\n"
        "[site](https://example.com/handoff.md) [mail](mailto:help@example.com)\n"
        "![diagram](handoff.md)\n"
        "`[code](handoff.md)`\n"
        "```\n[fenced](handoff.md)\n```\n"
        "[anchor](#steps) [picture](pic.png)\n"
    )
    source = write_tree(tmp_path / "pb", {"links.md": body, "handoff.md": "# Handoff\n"})

    report = run_import(empty_workspace, source)

    assert report.broken_links == []
    assert store.get_article("links").body == body


def test_broken_links_are_listed_and_kept_as_written(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    body = "# Closing\nSee [missing](../nowhere/missing.md) and [bad](bad.md).\n"
    source = write_tree(
        tmp_path / "pb",
        {"closing/wrap-up.md": body, "closing/bad.md": "---\n[not: yaml\n---\n"},
    )

    report = run_import(empty_workspace, source)

    assert store.get_article("wrap-up").body == body
    assert [(link.path, link.target, link.reason) for link in report.broken_links] == [
        ("closing/wrap-up.md", "../nowhere/missing.md", "no such file in the playbook"),
        ("closing/wrap-up.md", "bad.md", "that file could not be imported"),
    ]
    assert "broken     closing/wrap-up.md: link to ../nowhere/missing.md" in report.format()
    assert report.summary().endswith("1 failed; 2 broken links")


def test_link_to_an_article_already_in_the_store_resolves_by_file_name(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    run_import(empty_workspace, write_tree(tmp_path / "first", {"escalation/handoff.md": HANDOFF}))
    second = write_tree(
        tmp_path / "second",
        {"notes/new.md": "# New\nAs in [handoff](../escalation/handoff.md).\n"},
    )

    report = run_import(empty_workspace, second)

    assert report.broken_links == []
    assert store.get_article("new").body == "# New\nAs in [handoff](article:handoff).\n"


# --- Re-importing ----------------------------------------------------------------------


def test_reimporting_unchanged_files_changes_nothing(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    source = write_tree(
        tmp_path / "pb", {"opening/greeting.md": GREETING, "escalation/handoff.md": HANDOFF}
    )
    run_import(empty_workspace, source)

    report = run_import(empty_workspace, source)

    assert report.summary() == "0 created, 0 updated, 2 unchanged, 0 failed; 0 broken links"
    assert store.get_article("greeting").revision == 1
    assert [r.number for r in store.list_revisions("handoff")] == [1]


def test_changed_file_becomes_a_new_revision_and_the_old_one_stays_readable(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    source = write_tree(tmp_path / "pb", {"opening/greeting.md": GREETING})
    run_import(empty_workspace, source)
    (source / "opening/greeting.md").write_text(
        GREETING.replace("Smile before you answer.", "Breathe, then answer."), encoding="utf-8"
    )

    report = run_import(empty_workspace, source)

    assert outcomes(report) == {"opening/greeting.md": "updated"}
    assert store.get_article("greeting").revision == 2
    assert "Breathe, then answer." in store.get_article("greeting").body
    assert "Smile before you answer." in store.get_revision("greeting", 1).content.body


# --- Bad files -------------------------------------------------------------------------

BAD_FILES: list[tuple[str, bytes, str]] = [
    ("latin1.md", "# Café\n".encode("latin-1"), "not UTF-8 text"),
    ("binary.md", b"# Title\n\x00\x01\x02", "binary file"),
    ("utf16.md", "# Title\n".encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
    ("bom-binary.md", b"\xff\xfe#\x00\x00\x00", "binary file"),
    ("bad-yaml.md", b"---\ntitle: [unclosed\n---\nbody\n", "not valid YAML"),
    ("bad-date.md", b"---\nreview_by: 2027-13-45\n---\nbody\n", "not valid YAML"),
    ("list.md", b"---\n- a\n- b\n---\nbody\n", "must be 'key: value' lines"),
    ("text.md", b"---\njust words\n---\nbody\n", "must be 'key: value' lines"),
    ("open.md", b"---\ntitle: Never closed\n\nbody\n", "never closed"),
    ("empty.md", b"", "empty"),
    ("blank.md", b"  \n\t\n  ", "empty"),
    ("bad-slug.md", b"---\nslug: Not A Slug!\n---\nbody\n", "slug 'Not A Slug!' is not valid"),
    ("long-title.md", b"---\ntitle: " + b"x" * 300 + b"\n---\nbody\n", "longer than 200"),
    ("status.md", b"---\nstatus: live\n---\nbody\n", "use 'draft' or 'published'"),
    ("date.md", b"---\nreview_by: next week\n---\nbody\n", "is not a date"),
    ("tags.md", b"---\ntags: {a: b}\n---\nbody\n", "must be a list"),
    ("title-list.md", b"---\ntitle: [a, b]\n---\nbody\n", "must be text"),
    ("\u65e5\u672c.md", b"# Nihon\n", "no slug can be made from the file name"),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_reported_and_the_rest_goes_in(
    empty_workspace: Workspace, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    source = write_tree(tmp_path / "pb", {name: content, "good.md": "# Good\nFine.\n"})

    report = run_import(empty_workspace, source)

    assert expected in reason(report, name)
    assert outcomes(report)["good.md"] == "created"
    assert store.all_slugs() == {"good"}


def test_bad_file_never_harms_the_existing_article(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    source = write_tree(tmp_path / "pb", {"opening/greeting.md": GREETING})
    run_import(empty_workspace, source)
    (source / "opening/greeting.md").write_bytes(b"---\nslug: greeting\ntitle: [broken\n---\n")

    report = run_import(empty_workspace, source)

    assert report.failed == 1
    greeting = store.get_article("greeting")
    assert greeting.revision == 1
    assert greeting.title == "Greeting"
    assert [r.number for r in store.list_revisions("greeting")] == [1]


def test_file_over_five_megabytes_is_refused_without_reading_it(
    empty_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_tree(tmp_path / "pb", {"small.md": "# Small\n"})
    with (source / "huge.md").open("wb") as handle:
        handle.truncate(5 * 1024 * 1024 + 1)
    real_read = importer._read_file

    def read_only_small(path: str) -> bytes:
        assert not path.endswith("huge.md"), "the oversized file was read"
        return real_read(path)

    monkeypatch.setattr(importer, "_read_file", read_only_small)

    report = run_import(empty_workspace, source)

    assert "over the 5 MB limit" in reason(report, "huge.md")
    assert outcomes(report)["small.md"] == "created"


def test_duplicate_slugs_keep_the_first_and_name_both_files(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    source = write_tree(
        tmp_path / "pb",
        {
            "a/handoff.md": "# First handoff\n",
            "b/other.md": "---\nslug: handoff\n---\n# Second handoff\n",
        },
    )

    report = run_import(empty_workspace, source)

    assert reason(report, "b/other.md") == "duplicate slug handoff, also in a/handoff.md"
    (first,) = [r for r in report.files if r.path == "a/handoff.md"]
    assert first.outcome is FileOutcome.CREATED
    assert first.notes == ("the slug handoff is also used by b/other.md, which was not imported",)
    assert store.get_article("handoff").title == "First handoff"


def test_symlinks_are_reported_and_not_followed(empty_workspace: Workspace, tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"secret.md": "# Secret\n"})
    source = write_tree(tmp_path / "pb", {"real.md": "# Real\n"})
    try:
        (source / "linked.md").symlink_to(outside / "secret.md")
        (source / "linked-folder").symlink_to(outside, target_is_directory=True)
    except OSError as exc:
        pytest.skip(f"this system cannot create symlinks: {exc}")

    report = run_import(empty_workspace, source)

    assert "symbolic link" in reason(report, "linked.md")
    assert "symbolic link" in reason(report, "linked-folder")
    assert store.all_slugs() == {"real"}


def test_hidden_files_macos_folders_and_other_files_are_skipped_quietly(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    source = write_tree(
        tmp_path / "pb",
        {
            "real.md": "# Real\n",
            ".draft.md": "# Hidden\n",
            ".git/notes.md": "# Git\n",
            "__MACOSX/._real.md": b"\x00\x05\x16\x07",
            "images/logo.png": b"\x89PNG\r\n",
            "README.txt": "not an article",
        },
    )

    report = run_import(empty_workspace, source)

    assert outcomes(report) == {"real.md": "created"}
    assert report.ignored == ["README.txt", "images/logo.png"]
    assert store.all_slugs() == {"real"}


def test_a_source_that_cannot_be_used_is_refused_with_a_clear_message(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello", encoding="utf-8")
    corrupt = tmp_path / "playbook.zip"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a zip")

    with pytest.raises(InvalidInput, match="There is no file or folder"):
        run_import(empty_workspace, tmp_path / "missing")
    with pytest.raises(InvalidInput, match=r"neither a folder nor a \.zip"):
        run_import(empty_workspace, text_file)
    with pytest.raises(InvalidInput, match="not a readable zip"):
        run_import(empty_workspace, corrupt)
    assert store.all_slugs() == set()


# --- Zips ------------------------------------------------------------------------------


def test_zip_imports_like_a_folder_without_touching_the_disk(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    archive = make_zip(
        tmp_path / "pb.zip",
        {
            "opening/greeting.md": GREETING,
            "escalation/handoff.md": HANDOFF,
            "../evil.md": "# Evil\n",
            "/etc/absolute.md": "# Absolute\n",
            "__MACOSX/opening/._greeting.md": b"\x00\x05",
            ".hidden/x.md": "# Hidden\n",
        },
    )

    report = run_import(empty_workspace, archive)

    assert outcomes(report) == {
        "../evil.md": "failed",
        "/etc/absolute.md": "failed",
        "escalation/handoff.md": "created",
        "opening/greeting.md": "created",
    }
    assert reason(report, "../evil.md") == "it points outside the folder"
    assert "[Handoff](article:handoff#steps)" in store.get_article("greeting").body
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "pb.zip"]


def test_zip_symlink_entry_is_reported(empty_workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "pb.zip"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("link.md")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("real.md", "# Real\n")

    report = run_import(empty_workspace, path)

    assert "symbolic link" in reason(report, "link.md")
    assert store.all_slugs() == {"real"}


def test_zip_entry_over_five_megabytes_is_refused(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    archive = make_zip(
        tmp_path / "pb.zip", {"huge.md": "a" * (5 * 1024 * 1024 + 1), "fine.md": "# Fine\n"}
    )

    report = run_import(empty_workspace, archive)

    assert "over the 5 MB limit" in reason(report, "huge.md")
    assert store.all_slugs() == {"fine"}


def test_zip_expanding_past_the_total_limit_is_not_read(
    empty_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "MAX_ZIP_BYTES", 10_000)
    archive = make_zip(
        tmp_path / "pb.zip",
        {"a.md": "# A\n" + "a" * 6_000, "b.md": "# B\n" + "b" * 6_000},
    )

    report = run_import(empty_workspace, archive)

    assert report.failed == 2
    assert "more than the" in reason(report, "a.md")
    assert store.all_slugs() == set()


def test_zip_entry_that_lies_about_its_size_is_refused(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    archive = make_zip(
        tmp_path / "pb.zip", {"bomb.md": "# Bomb\n" + "a" * 200_000, "fine.md": "# Fine\n"}
    )
    _declare_size(archive, "bomb.md", 100)

    report = run_import(empty_workspace, archive)

    assert "could not be read from the zip" in reason(report, "bomb.md")
    assert outcomes(report)["fine.md"] == "created"
    assert store.all_slugs() == {"fine"}


def _declare_size(archive: Path, name: str, size: int) -> None:
    """Rewrite the uncompressed size a zip declares for ``name``, as a zip bomb would."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as parsed:
        info = parsed.getinfo(name)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, central + 24, size)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    archive.write_bytes(bytes(data))


# --- Report ----------------------------------------------------------------------------


def test_report_reads_well_and_serialises(empty_workspace: Workspace, tmp_path: Path) -> None:
    source = write_tree(
        tmp_path / "pb",
        {
            "opening/greeting.md": GREETING,
            "empty.md": "",
        },
    )

    report = run_import(empty_workspace, source)

    assert report.lines() == [
        "failed     empty.md: the file is empty",
        "created    opening/greeting.md",
        "broken     opening/greeting.md: link to ../escalation/handoff.md#steps "
        "(no such file in the playbook)",
        "1 created, 0 updated, 0 unchanged, 1 failed; 1 broken link",
    ]
    data = json.loads(report.to_json())
    assert data["counts"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "failed": 1,
        "broken_links": 1,
    }
    assert data["files"][0] == {
        "path": "empty.md",
        "outcome": "failed",
        "slug": None,
        "reason": "the file is empty",
        "notes": [],
    }
    assert not report.ok


# --- Export and the round trip -----------------------------------------------------------

UNICODE_ARTICLES = [
    ArticleDraft(
        slug="rtl",
        title="שלום — مرحبا 👋",
        body="# שלום\nמה שלומך? كيف حالك؟ 😀\nSee [greeting](article:greeting#steps).\n",
        category="languages",
        tags=("עברית", "عربي", "emoji😀"),
        aliases=("caller speaks Hebrew", "Ünïcödé: ‘quotes’"),
        status=Status.DRAFT,
        review_by=date(2030, 2, 28),
    ),
    ArticleDraft(
        slug="yes",
        title="2024-01-01",
        body="---\nA body that starts like front matter.\n\n    indented\n",
        category="odd",
        tags=("null", "yes", "a, b"),
        aliases=("#hash", "- dash", "key: value"),
    ),
]


def _fields(article: ArticleData) -> tuple[object, ...]:
    return (
        article.slug,
        article.title,
        article.category,
        article.tags,
        article.aliases,
        article.body,
        article.status,
        article.review_by,
    )


def test_export_writes_category_folders_with_relative_links(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.playbook.save_batch(UNICODE_ARTICLES, workspace.user)

    report = export_playbook(tmp_path / "out")

    assert report.count == len(store.all_slugs())
    rtl = (tmp_path / "out/languages/rtl.md").read_text(encoding="utf-8")
    assert rtl.startswith("---\nslug: rtl\ntitle: שלום — مرحبا 👋\ncategory: languages\n")
    assert "review_by: 2030-02-28\n---\n# שלום\n" in rtl
    assert "[greeting](../opening/greeting.md#steps)" in rtl
    handoff = (tmp_path / "out/escalation/handoff.md").read_text(encoding="utf-8")
    assert "- [Escalation](escalation.md)\n" in handoff
    assert "- [Recording](../closing/recording.md)\n" in handoff


def test_export_then_import_into_an_empty_data_dir_loses_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.playbook.save_batch(UNICODE_ARTICLES, workspace.user)
    before = {a.slug: _fields(a) for a in store.list_articles()}
    export_playbook(tmp_path / "out")

    second = open_workspace(tmp_path / "second-data", load_defaults=False)
    try:
        report = run_import(second, tmp_path / "out")
        after = {a.slug: _fields(a) for a in store.list_articles()}
    finally:
        second.close()

    assert report.failed == 0
    assert report.broken_links == []
    assert after == before


def test_a_zipped_export_imports_back_unchanged(workspace: Workspace, tmp_path: Path) -> None:
    export_playbook(tmp_path / "out")
    archive = tmp_path / "out.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((tmp_path / "out").rglob("*")):
            zipped.write(path, path.relative_to(tmp_path / "out").as_posix())

    report = run_import(workspace, archive)

    assert report.created == report.updated == report.failed == 0
    assert report.unchanged == len(store.all_slugs())


def test_export_refuses_a_folder_with_other_files(workspace: Workspace, tmp_path: Path) -> None:
    dest = write_tree(tmp_path / "mine", {"thesis.md": "my own work"})

    with pytest.raises(InvalidInput, match="is not empty"):
        export_playbook(dest)

    assert [p.name for p in dest.iterdir()] == ["thesis.md"]
    assert (dest / "thesis.md").read_text(encoding="utf-8") == "my own work"


def test_export_refuses_a_file_as_destination(workspace: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "file.md"
    target.write_text("keep me", encoding="utf-8")

    with pytest.raises(InvalidInput, match="is a file"):
        export_playbook(target)

    assert target.read_text(encoding="utf-8") == "keep me"


def test_exporting_again_updates_the_previous_export_and_keeps_edited_files(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    ws = empty_workspace
    drafts = [
        ArticleDraft(slug="moving", title="Moving", body="Moves.", category="old"),
        ArticleDraft(slug="edited", title="Edited", body="Edited.", category="old"),
    ]
    ws.playbook.save_batch(drafts, ws.user)
    dest = tmp_path / "out"
    export_playbook(dest)
    (dest / "old/edited.md").write_text("a supervisor's local edit", encoding="utf-8")
    (dest / "notes.txt").write_text("user file", encoding="utf-8")
    ws.playbook.save_batch(
        [
            ArticleDraft(slug="moving", title="Moving", body="Moves.", category="new"),
            ArticleDraft(slug="edited", title="Edited", body="Edited.", category="new"),
        ],
        ws.user,
    )

    report = export_playbook(dest)

    assert report.removed == ["old/moving.md"]
    assert report.kept == ["old/edited.md"]
    assert not (dest / "old/moving.md").exists()
    assert (dest / "old/edited.md").read_text(encoding="utf-8") == "a supervisor's local edit"
    assert (dest / "notes.txt").read_text(encoding="utf-8") == "user file"
    assert (dest / "new/moving.md").is_file()
    assert (dest / MANIFEST).is_file()


def test_export_of_chosen_articles_links_to_the_rest_by_path(
    workspace: Workspace, tmp_path: Path
) -> None:
    handoff = store.get_article("handoff")

    report = export_playbook(tmp_path / "out", [handoff])

    assert report.written == ["escalation/handoff.md"]
    text = (tmp_path / "out/escalation/handoff.md").read_text(encoding="utf-8")
    assert "- [Recording](../closing/recording.md)\n" in text


# --- The default playbook --------------------------------------------------------------


def test_default_playbook_imports_cleanly(empty_workspace: Workspace) -> None:
    folder = importlib.resources.files("resources") / "playbook"
    if not folder.is_dir():
        pytest.skip("resources/playbook has not been written yet")
    with importlib.resources.as_file(folder) as path:
        report = run_import(empty_workspace, Path(path))

    assert report.failed == 0, report.format()
    assert report.broken_links == [], report.format()
    assert report.created >= 10
    for article in store.list_articles():
        assert ".md)" not in article.body, article.slug
