"""``site export | import | show | name``: carrying call records between sites by file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.output import print_json, when
from cli.progress import StderrProgress
from cli.workspace_session import workspace_session
from companion.exchange import ExportReport, ImportReport, export_records, import_records
from companion.exchange.ledger import SiteOverview, site_overview
from companion.sites import name_this_site

# Below this many rows a file is done before a counter would be worth reading.
PROGRESS_FROM_ROWS = 5_000


def register(commands: Any) -> None:
    site = commands.add_parser(
        "site",
        help="this site's name, and exporting or importing call records between sites",
        description="Each store is a site with a lasting id. Export what this site created "
        "or changed to a .csx file, carry it to head office (or another site), and import it "
        "there: records keep their ids and the site they came from, and importing the same "
        "file again changes nothing.",
    )
    actions = site.add_subparsers(dest="action", metavar="ACTION", required=True)

    export = actions.add_parser(
        "export",
        help="write this site's call records to a file",
        description="Write every customer, link, call, entry, amendment, promise with its "
        "history, article opened during a call and audit event to OUT (a sealed .csx file "
        "with checksums); with --since-last only what was created or changed since the last "
        "export to the same destination. Needs a supervisor or admin.",
    )
    export.add_argument(
        "out", metavar="OUT.csx", help="file to write (or a folder for a dated one)"
    )
    export.add_argument(
        "--since-last",
        action="store_true",
        help="only what changed since the last export to this destination",
    )
    export.add_argument(
        "--to",
        metavar="NAME",
        default="head office",
        help='the destination, remembered for --since-last (default "head office")',
    )
    export.add_argument("--json", action="store_true", help="print the report as JSON")
    export.set_defaults(handler=cmd_export)

    imp = actions.add_parser(
        "import",
        help="merge another site's call-record file into this store",
        description="Check the whole file (kind, version, checksums), then merge it in one "
        "go: new records are added, known ones left as they are, edits merged (the later one "
        "wins, the other kept in the audit trail). Customers that look like one person "
        "created at two sites are listed, never joined. A damaged, foreign or newer file, or "
        "this site's own, is refused with nothing changed. Needs a supervisor or admin.",
    )
    imp.add_argument("file", metavar="FILE.csx", help="the file another site exported")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.set_defaults(handler=cmd_import)

    show = actions.add_parser(
        "show",
        help="this site, the sites records came from, and exports and imports done",
        description="This site's name and id, every site records were imported from, and "
        "the latest exports and imports.",
    )
    show.add_argument("--json", action="store_true", help="print as JSON")
    show.set_defaults(handler=cmd_show)

    name = actions.add_parser(
        "name",
        help="give this site a name",
        description="Store this site's name, which other sites see on its files. "
        "COMPANION_SITE_NAME or [site] name in site.ini, when set, still win.",
    )
    name.add_argument("name", metavar="NAME", help='e.g. "North branch"')
    name.set_defaults(handler=cmd_name)


class _BigFileProgress:
    """A counter on stderr, shown only once there are enough rows to wait for."""

    def __init__(self, label: str) -> None:
        self._counter = StderrProgress(label)

    def __call__(self, done: int, total: int) -> None:
        if total >= PROGRESS_FROM_ROWS:
            self._counter(done, total)


def cmd_export(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        report = export_records(
            workspace.user,
            Path(args.out),
            destination=args.to,
            since_last=args.since_last,
            progress=_BigFileProgress("Exporting"),
        )
    if args.json:
        print_json(report)
    else:
        _print_export(report)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        report = import_records(
            workspace.user, Path(args.file), progress=_BigFileProgress("Importing")
        )
    if args.json:
        print_json(report)
    else:
        _print_import(report, Path(args.file))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        overview = site_overview(workspace.user)
    if args.json:
        print_json(overview)
    else:
        _print_overview(overview)
    return 0


def cmd_name(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        del workspace
        site = name_this_site(args.name)
    print(f"This site is now named {site.name} (id {site.id}).")
    return 0


def _print_export(report: ExportReport) -> None:
    what = (
        "the call records changed since the last export"
        if report.since_last
        else "all call records"
    )
    rows = sum(report.counts.values())
    print(
        f"Exported {what} from {report.site.name} for {report.destination} to {report.path} "
        f"({_size(report.size_bytes)}, {rows:,} rows)."
    )
    for kind, count in report.counts.items():
        if count:
            print(f"  {_label(kind):<22} {count:>9,}")


def _print_import(report: ImportReport, path: Path) -> None:
    if report.already_imported:
        print(f"{path} was already imported (from {report.from_site.name}); nothing changed.")
        return
    print(f"Imported {path} from {report.from_site.name}.")
    print(f"  {'':<22} {'added':>9} {'unchanged':>10} {'updated':>9} {'conflicts':>10}")
    for kind, counts in report.kinds.items():
        if counts.added or counts.unchanged or counts.updated or counts.conflicts:
            print(
                f"  {_label(kind):<22} {counts.added:>9,} {counts.unchanged:>10,} "
                f"{counts.updated:>9,} {counts.conflicts:>10,}"
            )
    if any(counts.conflicts for counts in report.kinds.values()):
        print(
            "Conflicts: this store kept its own, newer version; the file's version is kept in "
            "the audit trail (customers) or was already here in another form."
        )
    if report.possible_duplicates:
        print(
            "Possibly the same customer at two sites (not merged; if they are one person, "
            "run `customer merge KEEP DUPLICATE`):"
        )
        for dup in report.possible_duplicates:
            print(
                f"  {dup.display_name} ({dup.customer_id}) and {dup.other_name} "
                f"({dup.other_id}): {dup.reason}"
            )


def _print_overview(overview: SiteOverview) -> None:
    print(f"This site: {overview.site.name} (id {overview.site.id})")
    others = [site for site in overview.known_sites if site.id != overview.site.id]
    if others:
        print("Records came from:")
        for site in others:
            print(f"  {site.name} (id {site.id})")
    print("Exports:" if overview.exports else "No exports yet.")
    for done in overview.exports:
        since = f"changes since {when(done.since)}" if done.since else "everything"
        print(
            f"  {when(done.at)}  to {done.destination}: {done.file_name}, {since}, "
            f"{done.rows:,} rows, {_size(done.size_bytes)} (by {done.by})"
        )
    print("Imports:" if overview.imports else "No imports yet.")
    for got in overview.imports:
        print(
            f"  {when(got.at)}  from {got.from_site.name}: {got.file_name}, {got.rows:,} rows "
            f"(by {got.by})"
        )


def _label(kind: str) -> str:
    return kind.replace("_", " ")


def _size(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:,.1f} KB"
    return f"{size / (1024 * 1024):,.1f} MB"
