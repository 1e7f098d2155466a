"""Arbitrary bytes, text and front matter thrown at the importer, and the format's round trip.

The importer reads files supervisors bring from anywhere. Whatever is in them, an
import must finish, and every Markdown file must end up either saved or reported as
failed with a reason; nothing may vanish and nothing may crash the import.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from companion.errors import InvalidInput
from kb import store
from kb.article import ArticleDraft, Status
from kb.frontmatter import parse_document, render_document
from kb.import_report import FileOutcome, ImportReport
from kb.importer import import_playbook
from kb.links import link_destinations, rewrite_links
from kb.workspace import Workspace

# The workspace is shared by every example of a test: articles from earlier examples
# only turn "created" into "updated"/"unchanged", which the properties allow.
SHARED_WORKSPACE = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

MARKDOWNISH = st.text(alphabet=st.sampled_from("#-*`~[]()<>!:/.\\ \n\tab1é😀"), max_size=200)


def _assert_every_file_accounted_for(report: ImportReport, names: list[str]) -> None:
    paths = [result.path for result in report.files]
    assert sorted(paths) == sorted(set(paths)), "a file was reported twice"
    assert set(paths) == set(names)
    for result in report.files:
        if result.outcome is FileOutcome.FAILED:
            assert result.reason
        else:
            assert result.slug
    assert report.summary().startswith(f"{report.created} created")


def _import_folder(ws: Workspace, files: dict[str, bytes]) -> ImportReport:
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            (Path(folder) / name).write_bytes(content)
        return import_playbook(Path(folder), ws.playbook, ws.user)


@SHARED_WORKSPACE
@given(content=st.binary(max_size=2_000))
def test_arbitrary_bytes_are_saved_or_reported(empty_workspace: Workspace, content: bytes) -> None:
    report = _import_folder(empty_workspace, {"any.md": content, "good.md": b"# Good\n"})

    _assert_every_file_accounted_for(report, ["any.md", "good.md"])
    assert {r.path: r.outcome for r in report.files}["good.md"] is not FileOutcome.FAILED


@SHARED_WORKSPACE
@given(text=st.text(st.characters(exclude_categories=()), max_size=2_000))
def test_arbitrary_text_is_saved_or_reported(empty_workspace: Workspace, text: str) -> None:
    content = text.encode("utf-8", "surrogatepass")  # lone surrogates make invalid UTF-8

    report = _import_folder(empty_workspace, {"text.md": content})

    _assert_every_file_accounted_for(report, ["text.md"])


@SHARED_WORKSPACE
@given(front=st.text(max_size=500), body=MARKDOWNISH)
def test_arbitrary_front_matter_is_saved_or_reported(
    empty_workspace: Workspace, front: str, body: str
) -> None:
    content = f"---\n{front}\n---\n{body}".encode()

    report = _import_folder(empty_workspace, {"front.md": content})

    _assert_every_file_accounted_for(report, ["front.md"])


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | st.dates(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children)
    ),
    max_leaves=6,
)


@SHARED_WORKSPACE
@given(
    fields=st.dictionaries(
        st.sampled_from(["slug", "title", "category", "tags", "aliases", "status", "review_by"]),
        YAML_VALUES,
    )
)
def test_any_yaml_value_in_a_known_field_is_saved_or_reported(
    empty_workspace: Workspace, fields: dict[str, object]
) -> None:
    content = "---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\n# Heading\n"

    report = _import_folder(empty_workspace, {"fields.md": content.encode()})

    _assert_every_file_accounted_for(report, ["fields.md"])
    (result,) = report.files
    if result.outcome is not FileOutcome.FAILED:
        article = store.get_article(result.slug or "")
        for name in ("slug", "title", "category"):
            if isinstance(fields.get(name), list | dict):
                pytest.fail(f"{name} {fields[name]!r} was saved as {getattr(article, name)!r}")


HOSTILE_FRONT = st.lists(
    st.sampled_from(
        [
            "title: ",
            "slug: ",
            "tags: ",
            "&a ",
            "*a ",
            "[",
            "]",
            "{",
            "}",
            ", ",
            "\n",
            "\n  - ",
            "!!python/object:os.system ",
            "x" * 300,
            "9" * 5_000,
            "[" * 2_000,
            "yes",
        ]
    ),
    max_size=30,
).map("".join)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fronts=st.lists(HOSTILE_FRONT, min_size=1, max_size=3))
def test_hostile_front_matter_never_stops_the_good_files(
    empty_workspace: Workspace, fronts: list[str]
) -> None:
    files = {f"bad{i}.md": f"---\n{front}\n---\nbody\n".encode() for i, front in enumerate(fronts)}
    files["good.md"] = b"---\ntitle: Good\ntags: [fine]\n---\nbody\n"

    report = _import_folder(empty_workspace, files)

    _assert_every_file_accounted_for(report, list(files))
    assert {r.path: r.outcome for r in report.files}["good.md"] is not FileOutcome.FAILED
    assert store.get_article("good").title == "Good"


ZIP_NAMES = st.text(max_size=30) | st.lists(
    st.sampled_from(["a", "B", ".", "..", "/", "\\", ".md", ".MD", "__MACOSX", "C:", " "]),
    max_size=8,
).map("".join)


def _expected_zip_paths(data: bytes) -> list[str]:
    """The .md entries an import must account for, by the names the zip really holds."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
    expected = []
    for name in names:
        normal = name.replace("\\", "/")
        parts = [part for part in normal.split("/") if part not in ("", ".")]
        if normal.startswith("/") or re.match("[A-Za-z]:", normal) or ".." in parts:
            expected.append(name)  # unsafe: must be reported as failed
        elif (
            parts
            and not any(p.startswith(".") or p == "__MACOSX" for p in parts)
            and normal.lower().endswith(".md")
        ):
            expected.append("/".join(parts))
    return expected


@SHARED_WORKSPACE
@given(entries=st.dictionaries(ZIP_NAMES, st.binary(max_size=300), max_size=5))
def test_zip_with_arbitrary_names_and_contents_is_saved_or_reported(
    empty_workspace: Workspace, entries: dict[str, bytes]
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            if name and not name.startswith("\x00"):
                archive.writestr(name, content)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pb.zip"
        path.write_bytes(buffer.getvalue())
        report = import_playbook(path, empty_workspace.playbook, empty_workspace.user)

    assert sorted(r.path for r in report.files) == sorted(_expected_zip_paths(buffer.getvalue()))
    for result in report.files:
        assert result.reason if result.outcome is FileOutcome.FAILED else result.slug


# --- The on-disk format round trip (no database needed) ----------------------------------

WORDS = st.text(min_size=1, max_size=40)


@st.composite
def drafts(draw: st.DrawFn) -> ArticleDraft:
    draft = ArticleDraft(
        slug=draw(st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}", fullmatch=True)),
        title=draw(WORDS),
        body=draw(st.text(max_size=500) | MARKDOWNISH),
        category=draw(st.from_regex(r"[a-z]{1,12}", fullmatch=True)),
        tags=tuple(draw(st.lists(WORDS, max_size=4))),
        aliases=tuple(draw(st.lists(WORDS, max_size=4))),
        status=draw(st.sampled_from(Status)),
        review_by=draw(st.none() | st.dates(min_value=date(1900, 1, 1))),
    )
    try:
        clean = draft.validated()
    except InvalidInput:
        reject()
    return clean


@given(draft=drafts())
def test_validating_twice_changes_nothing(draft: ArticleDraft) -> None:
    """Cleaning must be final, or an unchanged article would hash differently next save."""
    assert draft.validated() == draft


@settings(deadline=None)
@given(draft=drafts())
def test_rendered_article_parses_back_to_the_same_fields(draft: ArticleDraft) -> None:
    text = render_document(draft)
    # What the importer does to the decoded file before parsing it.
    meta, body = parse_document(text.replace("\r\n", "\n"))

    parsed = ArticleDraft(
        slug=meta.slug or "",
        title=meta.title or "",
        body=body,
        category=meta.category or "",
        tags=meta.tags,
        aliases=meta.aliases,
        status=meta.status,
        review_by=meta.review_by,
    ).validated()
    assert parsed == draft
    assert meta.unknown_keys == ()


@given(markdown=st.text(max_size=500) | MARKDOWNISH)
def test_rewriting_no_link_leaves_markdown_untouched(markdown: str) -> None:
    seen: list[str] = []

    def keep(dest: str) -> None:
        seen.append(dest)

    assert rewrite_links(markdown, keep) == markdown
    assert seen == link_destinations(markdown)
