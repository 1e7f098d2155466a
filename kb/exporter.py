"""Exporting the playbook as a folder the importer reads back without losing anything.

Files are laid out as ``CATEGORY/SLUG.md`` with the same front matter the importer
reads, and ``article:SLUG`` links become relative paths, so the folder also reads well
in any Markdown viewer or on a file share. An export never deletes or overwrites
someone else's files: it writes only into an empty folder or a previous export, which
a hidden manifest identifies. From a previous export it removes the files it wrote
last time that are gone now, but only when they are unchanged since; otherwise an
article renamed or moved to another category would come back on the next import.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from companion.errors import InvalidInput
from kb import store
from kb.article import ArticleData
from kb.frontmatter import render_document
from kb.links import relative_article_path, rewrite_links, slug_from_url

MANIFEST = ".companion-export.json"
MANIFEST_FORMAT = 1


@dataclass
class ExportReport:
    dest: Path
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # stale files of the previous export
    kept: list[str] = field(default_factory=list)  # stale but edited since: left alone

    @property
    def count(self) -> int:
        return len(self.written)

    def lines(self) -> list[str]:
        out = [f"Exported {self.count} article{'' if self.count == 1 else 's'} to {self.dest}."]
        if self.removed:
            out.append(f"Removed {len(self.removed)} file(s) of articles no longer in the export:")
            out.extend(f"  {path}" for path in self.removed)
        if self.kept:
            out.append("Left in place, because they were edited after the last export:")
            out.extend(f"  {path}" for path in self.kept)
        return out

    def format(self) -> str:
        return "\n".join(self.lines())


def export_playbook(dest: Path, articles: Sequence[ArticleData] | None = None) -> ExportReport:
    """Write ``articles`` (default: every article, drafts too) under ``dest``.

    Raises :class:`InvalidInput` when ``dest`` is a file, or a folder holding anything
    other than a previous export, or cannot be written.
    """
    dest = Path(dest)
    chosen = list(store.list_articles() if articles is None else articles)
    previous = _previous_manifest(dest)
    categories = {article.slug: article.category for article in chosen}
    report = ExportReport(dest=dest)
    written: dict[str, str] = {}
    for article in sorted(chosen, key=lambda a: (a.category, a.slug)):
        relative = article_path(article)
        content = render_article(article, categories).encode("utf-8")
        _write(dest, relative, content)
        written[str(relative)] = _digest(content)
        report.written.append(str(relative))
    _remove_stale(dest, previous, written, report)
    _write(dest, PurePosixPath(MANIFEST), _manifest(written))
    return report


def article_path(article: ArticleData) -> PurePosixPath:
    return PurePosixPath(article.category, f"{article.slug}.md")


def render_article(article: ArticleData, categories: Mapping[str, str]) -> str:
    """The file's text: in-app links become paths relative to this article's file.

    ``categories`` maps slug to category for the exported articles; a link to an
    article outside the export is looked up in the store, and a link to no article at
    all is left as ``article:SLUG`` so nothing is invented.
    """

    def to_path(dest: str) -> str | None:
        slug = slug_from_url(dest)
        if slug is None:
            return None
        category = categories.get(slug) or _stored_category(slug)
        if category is None:
            return None
        _, hash_sign, fragment = dest.partition("#")
        return relative_article_path(article.category, category, slug) + hash_sign + fragment

    body = rewrite_links(article.body, to_path)
    return render_document(replace(article.as_draft(), body=body))


def _stored_category(slug: str) -> str | None:
    found = store.find_article(slug)
    return None if found is None else found.category


def _previous_manifest(dest: Path) -> dict[str, str]:
    """What the previous export here wrote; refuses a folder that is not one."""
    if dest.exists() and not dest.is_dir():
        raise InvalidInput(f"{dest} is a file; choose a folder to export into.")
    if not dest.exists():
        return {}
    manifest = dest / MANIFEST
    if not manifest.is_file():
        if any(not child.name.startswith(".") for child in dest.iterdir()):
            raise InvalidInput(
                f"{dest} is not empty. Export into an empty folder, or into a previous "
                "export, so that no other files are overwritten."
            )
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        files = data["files"]
        return {str(path): str(digest) for path, digest in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # still our folder, but with no record we remove nothing


def _remove_stale(
    dest: Path, previous: dict[str, str], written: dict[str, str], report: ExportReport
) -> None:
    for relative, digest in sorted(previous.items()):
        if relative in written or not _is_plain_relative(relative):
            continue
        path = dest / relative
        if path.is_symlink() or not path.is_file():
            continue
        if _digest(path.read_bytes()) != digest:
            report.kept.append(relative)
            continue
        path.unlink()
        report.removed.append(relative)
        _remove_if_empty(path.parent, dest)


def _is_plain_relative(relative: str) -> bool:
    """A manifest is only a file we wrote; never trust it to point outside ``dest``."""
    parts = PurePosixPath(relative).parts
    return bool(parts) and not relative.startswith("/") and ".." not in parts


def _remove_if_empty(folder: Path, dest: Path) -> None:
    if folder != dest and not any(folder.iterdir()):
        folder.rmdir()


def _write(dest: Path, relative: PurePosixPath, content: bytes) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    path = dest.joinpath(*relative.parts)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(content)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise InvalidInput(f"Could not write {path}: {exc.strerror or exc}") from exc


def _manifest(written: dict[str, str]) -> bytes:
    data = {"format": MANIFEST_FORMAT, "files": written}
    return json.dumps(data, indent=2, sort_keys=True).encode("utf-8")


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
