"""``playbook import | export | search | reindex``, and the release commands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cli import release_commands
from cli.progress import StderrProgress
from cli.workspace_session import workspace_session as _workspace
from companion.errors import InvalidInput
from kb.exporter import export_playbook
from kb.importer import import_playbook
from kb.search.index import SearchHit
from kb.search.query import parse as parse_query

MAX_LIMIT = 1000


def register(commands: Any) -> None:
    playbook = commands.add_parser(
        "playbook", help="import, export, search, reindex and release the playbook"
    )
    actions = playbook.add_subparsers(dest="action", metavar="ACTION", required=True)

    do_import = actions.add_parser(
        "import",
        help="import a folder of .md files or a .zip of one",
        description="Import Markdown articles (YAML front matter optional). Unchanged files "
        "change nothing; changed files become new revisions; bad files are reported and skipped.",
    )
    do_import.add_argument("path", type=Path, help="folder or .zip to import")
    do_import.set_defaults(handler=cmd_import)

    do_export = actions.add_parser(
        "export",
        help="write every article as Markdown with front matter",
        description="Write the playbook as CATEGORY/SLUG.md files that import back losslessly.",
    )
    do_export.add_argument("path", type=Path, help="folder to write into")
    do_export.set_defaults(handler=cmd_export)

    do_search = actions.add_parser(
        "search",
        help="search the playbook",
        description="Search titles, aliases, tags, categories and text; best matches first.",
    )
    do_search.add_argument("query", help="what the caller said, a few words or an error code")
    do_search.add_argument("--limit", type=int, default=10, help="how many results (default 10)")
    do_search.add_argument("--json", action="store_true", help="print a JSON list")
    do_search.add_argument("--drafts", action="store_true", help="include draft articles")
    do_search.set_defaults(handler=cmd_search)

    do_reindex = actions.add_parser(
        "reindex",
        help="rebuild the search index from the database",
        description="Rebuild the search index. Rarely needed: it rebuilds itself when stale.",
    )
    do_reindex.set_defaults(handler=cmd_reindex)
    release_commands.register(actions)


def cmd_import(args: argparse.Namespace) -> int:
    with _workspace(args) as workspace:
        workspace.ensure_index(StderrProgress("Indexing playbook"))
        report = import_playbook(args.path, workspace.playbook, workspace.user)
        try:
            # A large import retunes the index's scoring; do that rebuild now, with
            # progress, rather than in the first search an agent makes.
            workspace.ensure_index(StderrProgress("Indexing playbook"))
        finally:
            # What was imported stays imported even if the index cannot be written
            # (a full disk): the report says what it was.
            print(report.format())
    return 0 if not report.failed else 1


def cmd_export(args: argparse.Namespace) -> int:
    with _workspace(args):
        report = export_playbook(args.path)
    print(report.format())
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        raise InvalidInput(f"--limit must be between 1 and {MAX_LIMIT}.")
    if parse_query(args.query).is_empty:
        # Only punctuation or AND/OR/NOT: nothing can match, which is an answer, not an
        # error, so a script piping '&&' through gets an empty list rather than a failure.
        return _no_matches(
            args,
            "No articles match: there are no words to search for. Type a few words or an error code.",
        )
    with _workspace(args) as workspace:
        workspace.ensure_index(StderrProgress("Indexing playbook"))
        results = workspace.index.search(args.query, args.limit, include_drafts=args.drafts)
    if not results.hits:
        return _no_matches(args, "No articles match. Try fewer or different words.")
    if args.json:
        print(json.dumps([_hit_json(h) for h in results.hits], ensure_ascii=False, indent=2))
        return 0
    if results.widened:
        print("(few exact matches; including similar spellings)", file=sys.stderr)
    for rank, hit in enumerate(results.hits, start=1):
        print(f"{rank:>2}. {hit.title}  [{hit.category}]  {hit.slug}  ({hit.score:.2f})")
        print(f"    {hit.snippet.to_text()}")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    with _workspace(args) as workspace:
        count = workspace.rebuild_index(StderrProgress("Indexing playbook"))
    print(f"Indexed {count} articles.")
    return 0


def _no_matches(args: argparse.Namespace, message: str) -> int:
    """An empty JSON list on stdout, or one line for a person on stderr; never a failure."""
    if args.json:
        print("[]")
    else:
        print(message, file=sys.stderr)
    return 0


def _hit_json(hit: SearchHit) -> dict[str, object]:
    return {
        "slug": hit.slug,
        "title": hit.title,
        "category": hit.category,
        "score": hit.score,
        "snippet": hit.snippet.to_text(),
        "snippet_html": hit.snippet.to_html(),
    }
