"""``playbook release | update | installed | conflicts | resolve``: head office to sites.

Registered under ``playbook`` by :mod:`cli.playbook_commands`. Progress goes to
stderr, so ``--json`` output on stdout stays clean for scripts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cli.output import print_json, when
from cli.progress import StderrProgress
from cli.workspace_session import workspace_session as _workspace
from companion.errors import InvalidInput, NotFound
from kb.releases import (
    ReleaseApplied,
    Resolution,
    apply_release,
    conflict_for,
    installed_release,
    make_release,
    release_conflicts,
    resolve_conflict,
)

MAX_BODY_FILE = 5 * 1024 * 1024


def register(actions: Any) -> None:
    release = actions.add_parser(
        "release",
        help="write a playbook release file for the sites (head office)",
        description="Write every published article with its whole history, and the phrasing "
        "rules, to one checked file (.cpb) that sites apply with `playbook update`.",
    )
    release.add_argument("out", type=Path, metavar="OUT.cpb", help="the file to write")
    release.add_argument("--json", action="store_true", help="print the result as JSON")
    release.set_defaults(handler=cmd_release)

    update = actions.add_parser(
        "update",
        help="apply a playbook release file from head office",
        description="Check every checksum of the release, then apply it in one go: new and "
        "changed articles arrive with their history; an article edited here is kept and "
        "flagged as a conflict. Applying the same release twice changes nothing.",
    )
    update.add_argument("file", type=Path, metavar="FILE.cpb", help="the release file")
    update.add_argument(
        "--force",
        action="store_true",
        help="apply a release older than the one installed, or from another head office",
    )
    update.add_argument("--json", action="store_true", help="print the report as JSON")
    update.set_defaults(handler=cmd_update)

    installed = actions.add_parser("installed", help="say which playbook release is installed here")
    installed.add_argument("--json", action="store_true", help="print it as JSON")
    installed.set_defaults(handler=cmd_installed)

    conflicts = actions.add_parser(
        "conflicts",
        help="list articles edited here that a head office release also changed",
        description="Articles whose local version was kept when a release changed them too. "
        "Resolve each with `playbook resolve`.",
    )
    conflicts.add_argument("--json", action="store_true", help="print a JSON list")
    conflicts.set_defaults(handler=cmd_conflicts)

    resolve = actions.add_parser(
        "resolve",
        help="resolve a release conflict: keep ours, take theirs, or publish a merged text",
    )
    resolve.add_argument("slug", help="the article's slug")
    choice = resolve.add_mutually_exclusive_group(required=True)
    choice.add_argument(
        "--keep-ours", action="store_true", help="keep the site's version (agents see no change)"
    )
    choice.add_argument("--take-theirs", action="store_true", help="publish head office's version")
    choice.add_argument(
        "--body-file",
        type=Path,
        metavar="FILE",
        help="publish the merged Markdown text in FILE",
    )
    resolve.set_defaults(handler=cmd_resolve)


def cmd_release(args: argparse.Namespace) -> int:
    with _workspace(args) as workspace:
        made = make_release(workspace.user, args.out)
    if args.json:
        print_json(made)
        return 0
    release = made.release
    print(
        f"Made release {release.label}: {release.article_count} articles, "
        f"{made.size_bytes // 1024 + 1} KB, in {made.path}."
    )
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    with _workspace(args) as workspace:
        applied = apply_release(
            workspace.user, args.file, force=args.force, progress=StderrProgress("Applying")
        )
        workspace.ensure_index(StderrProgress("Indexing playbook"))
    if args.json:
        print_json(applied)
    else:
        print(format_applied(applied))
    return 0


def format_applied(applied: ReleaseApplied) -> str:
    """The report a supervisor reads after ``playbook update``."""
    label = applied.release.label
    if applied.already_installed:
        return f"Release {label} is already installed here; nothing was changed."
    lines = [
        f"Applied release {label} (made by {applied.release.author}, "
        f"{when(applied.release.made_at)}): {applied.added} added, {applied.updated} updated, "
        f"{applied.unchanged} unchanged, {applied.conflicts} conflicts, "
        f"{applied.unpublished} unpublished."
    ]
    for change in applied.changed:
        lines.append(f"  {change.change:<12} {change.slug}  {change.title}")
    if applied.conflicts:
        lines.append(
            f"Conflicts keep this site's version (agents see it); resolve each with "
            f"`playbook resolve SLUG --keep-ours|--take-theirs|--body-file FILE` "
            f"(they conflict with head office release {label})."
        )
    rules = f"Phrasing rules: {applied.rules_added} added, {applied.rules_updated} updated"
    if applied.rules_kept_local:
        kept = ", ".join(applied.rules_kept_local)
        rules += f"; kept this site's wording of {kept} (local edits win)"
    lines.append(rules + ".")
    return "\n".join(lines)


def cmd_installed(args: argparse.Namespace) -> int:
    with _workspace(args):
        release = installed_release()
    if args.json:
        print_json(release)
    elif release is None:
        print("No playbook release is installed here.")
    else:
        print(
            f"Release {release.label}, made by {release.author} at {when(release.made_at)} "
            f"({release.article_count} articles; id {release.release_id})."
        )
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    with _workspace(args):
        conflicts = release_conflicts()
    if args.json:
        print_json(conflicts)
        return 0
    if not conflicts:
        print("No open release conflicts.", file=sys.stderr)
        return 0
    for conflict in conflicts:
        print(f"{conflict.slug}  {conflict.title}  ({conflict.message})")
        print(
            f"    ours: {conflict.ours.saved_by}, {when(conflict.ours.saved_at)}; "
            f"theirs: {conflict.theirs.saved_by}, {when(conflict.theirs.saved_at)}"
        )
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    body = _read_body(args.body_file) if args.body_file is not None else None
    if args.keep_ours:
        resolution = Resolution.KEEP_OURS
    elif args.take_theirs:
        resolution = Resolution.TAKE_THEIRS
    else:
        resolution = Resolution.EDITED
    with _workspace(args) as workspace:
        conflict = conflict_for(args.slug)
        if conflict is None:
            raise NotFound(f"The article {args.slug!r} has no open release conflict.")
        resolve_conflict(workspace.user, conflict.article_id, resolution, body)
        workspace.ensure_index(StderrProgress("Indexing playbook"))
    print(f"Resolved {args.slug} ({resolution.value}).")
    return 0


def _read_body(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if len(data) > MAX_BODY_FILE:
        raise InvalidInput(f"{path} is larger than 5 MB; an article body must be smaller.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text.") from exc
