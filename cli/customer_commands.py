"""``customer add | find | show | link | unlink | merge``: caller records from a terminal."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli.output import print_json, when
from cli.workspace_session import workspace_session
from companion.customer_links import Relation, link_customers, unlink_customers
from companion.customer_search import MAX_RESULTS, find_customers
from companion.customers import CreateResult, CustomerDetails, CustomerView, create_customer
from companion.history import History, history
from companion.merge import merge_customers


def register(commands: Any) -> None:
    customer = commands.add_parser(
        "customer",
        help="add, find, show, link and merge customers",
        description="Customer records: the people and organisations who call.",
    )
    actions = customer.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="create a customer",
        description="Create a customer. Likely duplicates (same phone or e-mail, very similar "
        "name) are listed after the new record so you can merge them.",
    )
    add.add_argument("name", help="display name, e.g. 'Ana María López' or 'Brightside Dental'")
    add.add_argument(
        "--phone", action="append", default=[], help="phone number, any format; repeatable"
    )
    add.add_argument("--email", action="append", default=[], help="e-mail address; repeatable")
    add.add_argument("--account", action="append", default=[], help="account number; repeatable")
    add.add_argument("--order", action="append", default=[], help="order number; repeatable")
    add.add_argument(
        "--ref", action="append", default=[], help="other reference number; repeatable"
    )
    add.add_argument("--organisation", action="store_true", help="the customer is an organisation")
    add.add_argument("--notes", default="", help="free notes")
    add.add_argument("--json", action="store_true", help="print the result as JSON")
    add.set_defaults(handler=cmd_add)

    find = actions.add_parser(
        "find",
        help="find customers by phone, account number, e-mail or name",
        description="Type what the caller gives you: a phone number in any format, the last "
        "digits of one, an account or order number, an e-mail address, the start of a name, or "
        "a name as you heard it. Best matches first.",
    )
    find.add_argument("query", help="e.g. '(555) 010-2030', 'ACC-100123', 'lop', 'Jon Smyth'")
    find.add_argument(
        "--limit", type=int, default=10, help=f"how many results, 1-{MAX_RESULTS} (default 10)"
    )
    find.add_argument("--json", action="store_true", help="print a JSON list")
    find.set_defaults(handler=cmd_find)

    show = actions.add_parser(
        "show",
        help="show a customer with links, open promises and call history",
        description="Everything an agent needs on a repeat call: details, linked people, "
        "promises still owed to any of them, and calls newest first.",
    )
    show.add_argument("id", help="customer id (from `customer find`)")
    show.add_argument("--json", action="store_true", help="print as JSON")
    show.set_defaults(handler=cmd_show)

    link = actions.add_parser(
        "link",
        help="link two customers",
        description="Record how two customers are related; the link shows from both sides. "
        "Read it as: OTHER is ID's RELATION (e.g. the guardian of a minor).",
    )
    link.add_argument("id", help="customer id")
    link.add_argument("other", help="the other customer's id")
    link.add_argument(
        "--relation",
        required=True,
        choices=[r.value for r in Relation],
        help="how OTHER relates to ID",
    )
    link.add_argument("--note", default="", help="e.g. 'may discuss billing'")
    link.set_defaults(handler=cmd_link)

    unlink = actions.add_parser(
        "unlink",
        help="remove the link between two customers",
        description="Remove a link. The audit trail keeps what it said.",
    )
    unlink.add_argument("id", help="customer id")
    unlink.add_argument("other", help="the other customer's id")
    unlink.set_defaults(handler=cmd_unlink)

    merge = actions.add_parser(
        "merge",
        help="merge a duplicate customer into the one to keep",
        description="Move the duplicate's calls, promises, phone numbers, e-mails, reference "
        "numbers and links to the record you keep. The duplicate stays, pointing at it.",
    )
    merge.add_argument("keep", help="id of the customer to keep")
    merge.add_argument("duplicate", help="id of the duplicate to merge into it")
    merge.set_defaults(handler=cmd_merge)


def cmd_add(args: argparse.Namespace) -> int:
    references = [("account", v) for v in args.account] + [("order", v) for v in args.order]
    references += [("reference", v) for v in args.ref]
    details = CustomerDetails.validate(
        args.name,
        phones=args.phone,
        emails=args.email,
        references=references,
        is_organisation=args.organisation,
        notes=args.notes,
    )
    with workspace_session(args) as workspace:
        result = create_customer(workspace.user, details)
    if args.json:
        print_json(result)
        return 0
    _print_created(result)
    return 0


def cmd_find(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        matches = find_customers(workspace.user, args.query, limit=args.limit)
    if args.json:
        print_json(matches)
        return 0
    if not matches:
        print(
            "No customer matches. Try the last four digits of the phone number, the account "
            "number, or the first letters of the surname.",
            file=sys.stderr,
        )
        return 0
    for rank, match in enumerate(matches, start=1):
        person = match.customer
        phones = ", ".join(person.phones) or "no phone"
        print(f"{rank:>2}. {person.display_name}  [{phones}]  ({match.matched_on.label})")
        print(f"    {person.id}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        record = history(workspace.user, args.id)
    if args.json:
        print_json(record)
        return 0
    _print_history(record)
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        link = link_customers(workspace.user, args.id, args.other, args.relation, args.note)
    print(f"Linked: {link.other.display_name} is {link.label} ({link.other.id}).")
    return 0


def cmd_unlink(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        unlink_customers(workspace.user, args.id, args.other)
    print("Unlinked.")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        result = merge_customers(workspace.user, args.keep, args.duplicate)
    print(
        f"Merged {result.merged_id} into {result.survivor.display_name} ({result.survivor.id}): "
        f"{result.calls_moved} calls, {result.promises_moved} promises and "
        f"{result.links_moved} links moved."
    )
    return 0


def _print_created(result: CreateResult) -> None:
    _print_customer(result.customer)
    if result.duplicates:
        print("\nPossible duplicates (merge with `customer merge KEEP DUPLICATE`):")
        for warning in result.duplicates:
            print(f"  - {warning.customer.display_name} {warning.reason}  ({warning.customer.id})")


def _print_customer(customer: CustomerView) -> None:
    kind = "organisation" if customer.is_organisation else "person"
    print(f"{customer.display_name}  ({kind})")
    print(f"  id: {customer.id}")
    for phone in customer.phones:
        print(f"  phone: {phone.display}")
    for address in customer.emails:
        print(f"  e-mail: {address}")
    for ref in customer.references:
        print(f"  {ref.kind}: {ref.value}")
    if customer.notes:
        print("  notes: " + customer.notes.replace("\n", "\n         "))


def _print_history(record: History) -> None:
    if record.redirected_from:
        print(f"({record.redirected_from} was merged into this customer.)\n")
    _print_customer(record.customer)
    if record.links:
        print("\nLinked:")
        for link in record.links:
            note = f" ({link.note})" if link.note else ""
            print(f"  - {link.label}: {link.other.display_name}{note}  {link.other.id}")
    if record.open_promises:
        print("\nPromises still owed:")
        for promise in record.open_promises:
            print(
                f"  - due {promise.due_on:%Y-%m-%d} [{promise.state.value}] {promise.text} "
                f"({promise.customer.display_name}; owner {promise.owner.display_name})"
            )
    print(f"\nCalls ({len(record.calls)}), newest first:")
    if not record.calls:
        print("  (none)")
    for call in record.calls:
        outcome = call.outcome.label if call.outcome else "open"
        via = f" [{call.via_link}: {call.customer.display_name}]" if call.via_link else ""
        print(
            f"  - {when(call.started_at)} {call.direction.value}, {outcome}{via}, {call.agent_name}"
        )
        if call.problem:
            print(f"    problem: {call.problem}")
        if call.summary:
            print(f"    summary: {call.summary}")
        print(f"    {call.id}")
