"""What the release windows say, as plain functions: one wording, tested without Qt.

Stored times are naive UTC; everything a person reads here is in local time.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime

from kb.editing import DiffKind, DiffRow
from kb.releases import ChangedArticle, ReleaseApplied, ReleaseMade, ReleaseManifest
from ui.time_format import local_datetime

# How each kind of change reads in a list of what a release changed.
CHANGE_WORDS = {
    "added": "new",
    "updated": "updated",
    "conflict": "this site's version kept",
    "unpublished": "withdrawn",
}


def moment(stored: datetime) -> str:
    """A stored naive-UTC time as the local "2026-12-02 14:03"."""
    return f"{local_datetime(stored):%Y-%m-%d %H:%M}"


def articles(count: int) -> str:
    return "1 article" if count == 1 else f"{count} articles"


def describe_release(release: ReleaseManifest) -> str:
    """ "R7 from Grace Okafor, made 2026-12-02 14:03" """
    return f"{release.label} from {release.author}, made {moment(release.made_at)}"


def confirm_text(release: ReleaseManifest) -> str:
    return (
        f"Apply release {release.label} from {release.author}, made "
        f"{moment(release.made_at)}, {articles(release.article_count)}?"
    )


def installed_text(installed: ReleaseManifest | None) -> str:
    if installed is None:
        return "No head office release is installed here yet."
    return f"Installed now: release {describe_release(installed)}."


def is_refusable(release: ReleaseManifest, installed: ReleaseManifest | None) -> bool:
    """Whether applying is refused unless forced (the order checks of ``apply_release``).

    Older than the installed release, another release with its number (a head office
    restored from a backup), or from another head office.
    """
    if installed is None or installed.release_id == release.release_id:
        return False
    return release.series != installed.series or release.number <= installed.number


def without_command_line(refusal: str) -> str:
    """A refusal without its advice for the command line (the window offers a button)."""
    sentences = re.split(r"(?<=\.) ", refusal)
    kept = [sentence for sentence in sentences if "--force" not in sentence]
    return " ".join(kept) or refusal


def force_warning(release: ReleaseManifest, installed: ReleaseManifest | None) -> str:
    """The warning shown before "Apply anyway", naming what would happen."""
    if installed is not None and release.series != installed.series:
        why = (
            f"Release {release.label} was made by a different head office than the "
            f"installed {installed.label}."
        )
    elif installed is not None and release.number == installed.number:
        why = (
            f"This {release.label} is not the {installed.label} installed here, though it "
            "carries the same number."
        )
    else:
        now = installed.label if installed is not None else "the installed release"
        why = f"Release {release.label} is older than {now}."
    return (
        f"{why} Applying it anyway brings its articles in as if it were newest: articles "
        "not edited here go back to its text. Articles edited here still keep this site's "
        "version, and every revision stays in the history."
    )


def applied_headline(applied: ReleaseApplied) -> str:
    if applied.already_installed:
        return (
            f"Release {applied.release.label} is already installed (it was applied here "
            "before); nothing changed."
        )
    return f"Release {applied.release.label} applied."


def applied_counts(applied: ReleaseApplied) -> str:
    """ "2 added, 5 updated, 40 unchanged, 1 conflict." and what a conflict means."""
    parts = [
        f"{applied.added} added",
        f"{applied.updated} updated",
        f"{applied.unchanged} unchanged",
        f"{applied.conflicts} conflict" + ("" if applied.conflicts == 1 else "s"),
    ]
    if applied.unpublished:
        parts.append(f"{applied.unpublished} withdrawn")
    text = ", ".join(parts) + "."
    if applied.conflicts:
        text += (
            " Articles edited here keep this site's version until you resolve them: "
            "Supervisor → Release conflicts."
        )
    kept = applied.rules_kept_local
    if kept:
        text += f" Phrasing rules edited here were kept: {', '.join(kept)}."
    return text


def made_text(made: ReleaseMade) -> str:
    return (
        f"Release {made.release.label} ({articles(made.release.article_count)}) "
        f"was written to {made.path} ({size_text(made.size_bytes)})."
    )


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def notice_text(label: str, changed: int) -> str:
    """ "Playbook updated to release R7: 5 articles changed" (1 article, not 1 articles)."""
    return f"Playbook updated to release {label}: {articles(changed)} changed"


def change_row(change: ChangedArticle) -> str:
    """One line of "What changed": the title and what happened to it."""
    return f"{change.title} — {CHANGE_WORDS.get(change.change, change.change)}"


def conflicts_action_text(count: int) -> str:
    return f"Release &conflicts ({count})…"


def side_lines(title: str, body: str) -> list[str]:
    """What a side of a conflict shows: its title (it may differ too), then the body."""
    return [f"Title: {title}", "", *body.split("\n")]


def text_diff(left: list[str], right: list[str]) -> list[DiffRow]:
    """Line by line, ours on the left and theirs on the right, in the diff table's rows.

    Changed runs are paired line by line and the rest left blank on the other side,
    as the editor's history comparison does, so both read the same way.
    """
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(DiffRow(line, line, DiffKind.EQUAL) for line in left[i1:i2])
            continue
        old, new = left[i1:i2], right[j1:j2]
        rows.extend(DiffRow(o, n, DiffKind.CHANGED) for o, n in zip(old, new, strict=False))
        rows.extend(DiffRow(o, "", DiffKind.REMOVED) for o in old[len(new) :])
        rows.extend(DiffRow("", n, DiffKind.ADDED) for n in new[len(old) :])
    return rows
