"""Every service that takes a user, and what each kind of account gets when it calls it.

The table below lists every public function or method in ``companion`` and ``kb`` that
takes a ``user`` or ``actor``; the first test finds them by introspection, so a new
service that is not listed here (with its rule) fails. The second runs each service as
an agent, a supervisor, an admin, a disabled account, an account that was removed, and
two stale sessions: ``User`` objects loaded at sign-in, after which an admin demoted
one (supervisor to agent) and disabled the other in the database. A refusal must be
the right ``PermissionDenied`` with its message, and must leave no audit event behind.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import itertools
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pytest

import companion
import kb
from companion import (
    accounts,
    audit_query,
    call_articles,
    call_desks,
    call_export,
    calls,
    customer_links,
    customer_search,
    customers,
    demo,
    drafts,
    entries,
    exchange,
    followups,
    history,
    merge,
    phrasing_rules,
    promises,
    team,
)
from companion.audit import AuditEvent
from companion.db import database
from companion.errors import CompanionError, PermissionDenied
from companion.exchange.ledger import site_overview
from companion.permissions import ADMINS, EDITORS, EVERYONE
from companion.users import Role, User, create_user
from kb import editing, importer, reads, releases, workspace
from kb.article import ArticleDraft, Status
from kb.workspace import Workspace

PASSWORD = "a long enough password"
TODAY = date.today()

Call = Callable[["Fixtures", User], object]


@dataclass(frozen=True)
class Service:
    target: str  # module.qualname, as introspection names it
    rule: tuple[Role, ...]
    action: str  # what a refusal of the role says the work is
    call: Call
    case: str = ""  # tells two rows for one function apart
    first_check: str = ""  # when an earlier "active account" check names the work otherwise

    @property
    def id(self) -> str:
        return f"{self.target}[{self.case}]" if self.case else self.target

    @property
    def revoked_action(self) -> str:
        return self.first_check or self.action


class Fixtures:
    """Fresh records for each call, made by the desk's admin, so no row is shared."""

    def __init__(self, ws: Workspace, tmp_path: Path) -> None:
        self.ws = ws
        self.desk = ws.user
        self.tmp_path = tmp_path
        self._n = itertools.count(1)

    def n(self) -> int:
        return next(self._n)

    def customer(self) -> str:
        details = customers.CustomerDetails.validate(f"Customer Number{self.n()}")
        return customers.create_customer(self.desk, details).customer.id

    def call(self) -> str:
        return calls.start_call(self.desk, self.customer()).id

    def entry(self) -> str:
        return entries.add_entry(self.desk, self.call(), "said", "It stopped working.").id

    def promise(self) -> str:
        due = TODAY + timedelta(days=1)
        return promises.record_promise(self.desk, self.call(), "Ring back", due).promise.id

    def linked_pair(self) -> tuple[str, str]:
        first, second = self.customer(), self.customer()
        customer_links.link_customers(self.desk, first, second, "household")
        return first, second

    def agent(self, *, disabled: bool = False) -> str:
        user = create_user(f"Target {self.n()}", Role.AGENT)
        if disabled:
            User.update(disabled=True).where(User.id == user.id).execute()
        return str(user.id)

    def draft(self, status: Status = Status.DRAFT) -> ArticleDraft:
        number = self.n()
        return ArticleDraft(
            slug=f"article-{number}",
            title=f"Article {number}",
            body="Greet the caller.\n",
            category="general",
            status=status,
        )

    def article(self) -> str:
        """An article with two published revisions, then a draft: revisions 1, 2, 3."""
        first = self.draft(Status.PUBLISHED)
        playbook = self.ws.playbook
        playbook.save(first, self.desk)
        playbook.save(replace(first, body="Greet the caller by name.\n"), self.desk)
        playbook.save(replace(first, body="Half-written.\n", status=Status.DRAFT), self.desk)
        return first.slug

    def source(self) -> Path:
        folder = self.tmp_path / f"import-{self.n()}"
        folder.mkdir()
        (folder / f"imported-{self.n()}.md").write_text("# Imported\n\nText.\n", encoding="utf-8")
        return folder

    def rule(self) -> phrasing_rules.PhrasingRule:
        rule = next(
            v.rule for v in phrasing_rules.list_rules(self.desk) if v.rule.id == "calm-down"
        )
        return dataclasses.replace(rule, suggestion=f"I can hear this is hard ({self.n()})")


def _append(w: Fixtures, u: User) -> object:
    with database.atomic():
        return entries.append_entry(u, calls.get_call_row(w.call()), entries.EntryKind.SAID, "Hi")


def _link_calls(w: Fixtures, u: User) -> object:
    customer = w.customer()
    earlier = calls.start_call(w.desk, customer).id
    later = calls.start_call(w.desk, customer).id
    return calls.link_calls(u, later, earlier)


def _release(w: Fixtures) -> Path:
    """A release file made here by the desk's admin (applying it here is a no-op)."""
    path = w.tmp_path / f"release-{w.n()}.cpb"
    releases.make_release(w.desk, path)
    return path


def _conflicted_article(w: Fixtures) -> str:
    """An article with an open release conflict against one of its own revisions."""
    from kb.models import Article, ArticleRevision
    from kb.releases.models import ReleaseConflictRow

    article = Article.get(Article.slug == w.article())
    theirs = ArticleRevision.get(
        (ArticleRevision.article == article.id) & (ArticleRevision.number == 1)
    )
    ReleaseConflictRow.create(article=article.id, release_id="release", theirs=theirs.id)
    return str(article.id)


def _records_from_another_site(w: Fixtures) -> Path:
    """Call records exported here, after which this store takes a new site id: the file
    is then another site's, which is what an import takes."""
    from companion.sites import SiteRow, ThisSite

    path = w.tmp_path / f"records-{w.n()}.csx"
    exchange.export_records(w.desk, path)
    moved = SiteRow.create(id=f"00000000-0000-4000-8000-{w.n():012d}")
    ThisSite.update(site=moved.id).where(ThisSite.slot == 1).execute()
    return path


def _claim(w: Fixtures, u: User) -> object:
    call = w.call()
    call_desks.release_call(w.desk, call)
    return call_desks.claim_call(u, call)


_TEAM = "Viewing the team overview"
_AUDIT = "Viewing the audit trail"
_RULES = "Editing phrasing rules"
_ACCOUNTS = "Managing accounts"
_EDIT = "Editing playbook articles"
_PUBLISH = "Publishing playbook articles"
_IMPORT = "Importing a playbook"
_RECORDS = "Reading call records"

SERVICES: tuple[Service, ...] = (
    # Agents' work: any enabled account.
    Service("companion.customers.create_customer", EVERYONE, "Creating customers",
            lambda w, u: customers.create_customer(
                u, customers.CustomerDetails.validate(f"New Caller{w.n()}"))),
    Service("companion.customers.update_customer", EVERYONE, "Changing customer details",
            lambda w, u: customers.update_customer(
                u, w.customer(), customers.CustomerDetails.validate("Renamed Caller"))),
    Service("companion.customers.get_customer", EVERYONE, "Reading customer records",
            lambda w, u: customers.get_customer(u, w.customer())),
    Service("companion.customer_search.find_customers", EVERYONE, "Looking up customers",
            lambda w, u: customer_search.find_customers(u, "Customer")),
    Service("companion.customer_links.link_customers", EVERYONE, "Linking customers",
            lambda w, u: customer_links.link_customers(u, w.customer(), w.customer(), "other")),
    Service("companion.customer_links.unlink_customers", EVERYONE, "Unlinking customers",
            lambda w, u: customer_links.unlink_customers(u, *w.linked_pair())),
    Service("companion.customer_links.links_of", EVERYONE, "Reading a customer's links",
            lambda w, u: customer_links.links_of(u, w.linked_pair()[0])),
    Service("companion.merge.merge_customers", EVERYONE, "Merging customers",
            lambda w, u: merge.merge_customers(u, w.customer(), w.customer())),
    Service("companion.history.history", EVERYONE, "Reading a customer's history",
            lambda w, u: history.history(u, w.customer())),
    Service("companion.calls.start_call", EVERYONE, "Starting calls",
            lambda w, u: calls.start_call(u, w.customer())),
    Service("companion.calls.update_call", EVERYONE, "Changing a call's notes",
            lambda w, u: calls.update_call(u, w.call(), problem="The dock is dead")),
    Service("companion.calls.link_calls", EVERYONE, "Linking calls", _link_calls),
    Service("companion.calls.close_call", EVERYONE, "Closing calls",
            lambda w, u: calls.close_call(u, w.call(), "resolved")),
    Service("companion.calls.get_call", EVERYONE, "Reading calls",
            lambda w, u: calls.get_call(u, w.call())),
    Service("companion.calls.open_call_ids", EVERYONE, "Listing your open calls",
            lambda w, u: calls.open_call_ids(u)),
    Service("companion.call_desks.claim_call", EVERYONE, "Opening calls", _claim),
    Service("companion.call_desks.take_over_call", EVERYONE, "Taking over calls",
            lambda w, u: call_desks.take_over_call(u, w.call(), desk="Another desk")),
    Service("companion.call_desks.release_call", EVERYONE, "Holding calls",
            lambda w, u: call_desks.release_call(u, w.call())),
    Service("companion.call_desks.open_calls", EVERYONE, "Listing open calls",
            lambda w, u: call_desks.open_calls(u)),
    Service("companion.call_desks.calls_open_elsewhere", EVERYONE, "Listing your open calls",
            lambda w, u: call_desks.calls_open_elsewhere(u)),
    Service("companion.entries.add_entry", EVERYONE, "Adding call entries",
            lambda w, u: entries.add_entry(u, w.call(), "said", "Hello")),
    Service("companion.entries.amend_entry", EVERYONE, "Amending call entries",
            lambda w, u: entries.amend_entry(u, w.entry(), "It stopped on Monday.")),
    Service("companion.entries.append_entry", EVERYONE, "Adding call entries", _append),
    Service("companion.promises.record_promise", EVERYONE, "Recording promises",
            lambda w, u: promises.record_promise(u, w.call(), "Send the form", TODAY)),
    Service("companion.promises.keep_promise", EVERYONE, "Changing promises",
            lambda w, u: promises.keep_promise(u, w.promise(), "Sent")),
    Service("companion.promises.withdraw_promise", EVERYONE, "Changing promises",
            lambda w, u: promises.withdraw_promise(u, w.promise(), "Not possible")),
    Service("companion.promises.reschedule_promise", EVERYONE, "Changing promises",
            lambda w, u: promises.reschedule_promise(
                u, w.promise(), TODAY + timedelta(days=5), "Waiting on parts")),
    Service("companion.promises.promises_due", EVERYONE, "Listing promises due",
            lambda w, u: promises.promises_due(u)),
    Service("companion.followups.follow_ups", EVERYONE, "Listing follow-ups",
            lambda w, u: followups.follow_ups(u)),
    Service("companion.call_export.call_record", EVERYONE, _RECORDS,
            lambda w, u: call_export.call_record(u, w.call())),
    Service("companion.call_export.export_call", EVERYONE, _RECORDS,
            lambda w, u: call_export.export_call(u, w.call(), "md")),
    Service("companion.call_articles.record_article_opened", EVERYONE,
            "Noting the articles opened during a call",
            lambda w, u: call_articles.record_article_opened(u, w.call(), "greeting")),
    Service("companion.drafts.save_draft", EVERYONE, "Keeping your unsent text",
            lambda w, u: drafts.save_draft(u, f"scratch:{w.n()}", "Half a sentence")),
    Service("kb.reads.mark_read", EVERYONE, "Noting what you have read",
            lambda w, u: reads.mark_read(u, w.article(), 2)),
    Service("kb.reads.last_read", EVERYONE, "Checking what you have read",
            lambda w, u: reads.last_read(u, w.article())),
    Service("kb.reads.changed_since_read", EVERYONE, "Checking what you have read",
            lambda w, u: reads.changed_since_read(u, w.article())),
    Service("kb.editing.diff", EVERYONE, "Comparing revisions",
            lambda w, u: editing.diff(u, w.article(), 1, 2), case="published"),
    Service("companion.accounts.set_password", EVERYONE, "Changing your password",
            lambda w, u: accounts.set_password(u, u.id, PASSWORD), case="own"),
    # Playbook editors: supervisors and admins.
    Service("kb.editing.diff", EDITORS, "Reading a draft's changes",
            lambda w, u: editing.diff(u, w.article(), 2, 3), case="draft",
            first_check="Comparing revisions"),
    Service("kb.editing.save_working_copy", EDITORS, _EDIT,
            lambda w, u: editing.save_working_copy(w.ws.playbook, u, w.draft())),
    Service("kb.editing.publish", EDITORS, _PUBLISH,
            lambda w, u: editing.publish(w.ws.playbook, u, w.article())),
    Service("kb.editing.restore", EDITORS, "Restoring playbook revisions",
            lambda w, u: editing.restore(w.ws.playbook, u, w.article(), 1)),
    Service("kb.playbook.Playbook.save", EDITORS, _EDIT,
            lambda w, u: w.ws.playbook.save(w.draft(), u), case="draft"),
    Service("kb.playbook.Playbook.save", EDITORS, _PUBLISH,
            lambda w, u: w.ws.playbook.save(w.draft(Status.PUBLISHED), u), case="published"),
    Service("kb.playbook.Playbook.save_batch", EDITORS, _PUBLISH,
            lambda w, u: w.ws.playbook.save_batch([w.draft(Status.PUBLISHED)], u)),
    Service("kb.importer.import_playbook", EDITORS, _IMPORT,
            lambda w, u: importer.import_playbook(w.source(), w.ws.playbook, u)),
    Service("kb.workspace.load_default_playbook", EDITORS, _IMPORT,
            lambda w, u: workspace.load_default_playbook(w.ws.playbook, u)),
    Service("kb.releases.making.make_release", EDITORS, "Making a playbook release",
            lambda w, u: releases.make_release(u, w.tmp_path / f"made-{w.n()}.cpb")),
    Service("kb.releases.applying.apply_release", EDITORS, "Applying a playbook release",
            lambda w, u: releases.apply_release(u, _release(w))),
    Service("kb.releases.conflicts.resolve_conflict", EDITORS, "Resolving a release conflict",
            lambda w, u: releases.resolve_conflict(
                u, _conflicted_article(w), releases.Resolution.KEEP_OURS)),
    Service("kb.releases.notices.pending_notice", EVERYONE, "Reading playbook release notices",
            lambda w, u: releases.pending_notice(u)),
    Service("kb.releases.notices.mark_notice_seen", EVERYONE, "Reading playbook release notices",
            lambda w, u: releases.mark_notice_seen(u, "release")),
    Service("companion.phrasing_rules.list_rules", EDITORS, _RULES,
            lambda w, u: phrasing_rules.list_rules(u)),
    Service("companion.phrasing_rules.save_rule", EDITORS, _RULES,
            lambda w, u: phrasing_rules.save_rule(u, w.rule())),
    Service("companion.phrasing_rules.set_enabled", EDITORS, _RULES,
            lambda w, u: phrasing_rules.set_enabled(u, "calm-down", False)),
    Service("companion.phrasing_rules.rule_history", EDITORS,
            "Reading a phrasing rule's history",
            lambda w, u: phrasing_rules.rule_history(u, "calm-down")),
    # The team's work, seen by supervisors and admins.
    Service("companion.team.team_summary", EDITORS, _TEAM,
            lambda w, u: team.team_summary(u, TODAY)),
    Service("companion.team.promises_due_per_day", EDITORS, _TEAM,
            lambda w, u: team.promises_due_per_day(u, TODAY)),
    Service("companion.team.kept_on_time_rate", EDITORS, _TEAM,
            lambda w, u: team.kept_on_time_rate(u, TODAY)),
    Service("companion.audit_query.filter_choices", EDITORS, _AUDIT,
            lambda w, u: audit_query.filter_choices(u)),
    Service("companion.audit_query.search_events", EDITORS, _AUDIT,
            lambda w, u: audit_query.search_events(u)),
    Service("companion.audit_query.export_csv", EDITORS, "Exporting the audit trail",
            lambda w, u: audit_query.export_csv(u, [], w.tmp_path / f"audit-{w.n()}.csv")),
    # Accounts: admins only.
    Service("companion.accounts.create_account", ADMINS, _ACCOUNTS,
            lambda w, u: accounts.create_account(u, f"New Person {w.n()}", "agent")),
    Service("companion.accounts.list_accounts", ADMINS, _ACCOUNTS,
            lambda w, u: accounts.list_accounts(u)),
    Service("companion.accounts.disable_account", ADMINS, _ACCOUNTS,
            lambda w, u: accounts.disable_account(u, w.agent())),
    Service("companion.accounts.enable_account", ADMINS, _ACCOUNTS,
            lambda w, u: accounts.enable_account(u, w.agent(disabled=True))),
    Service("companion.accounts.change_role", ADMINS, _ACCOUNTS,
            lambda w, u: accounts.change_role(u, w.agent(), "supervisor")),
    Service("companion.accounts.set_password", ADMINS, "Resetting another person's password",
            lambda w, u: accounts.set_password(u, w.agent(), PASSWORD), case="other"),
    Service("companion.exchange.export.export_records", EDITORS, "Exporting call records",
            lambda w, u: exchange.export_records(u, w.tmp_path / f"out-{w.n()}.csx")),
    Service("companion.exchange.importing.import_records", EDITORS, "Importing call records",
            lambda w, u: exchange.import_records(u, _records_from_another_site(w))),
    Service("companion.exchange.ledger.site_overview", EVERYONE,
            "Reading the site's exchanges", lambda w, u: site_overview(u)),
    Service("companion.demo.load_demo", ADMINS, "Loading demo data",
            lambda w, u: demo.load_demo(u)),
)  # fmt: skip

# Functions that take a user but are not services acting for one.
NOT_SERVICES = {
    "companion.accounts.account_of": "turns a stored row into the admin's list entry",
    "companion.users.user_ref": "names who made a record",
    "companion.audit.record": "writes the audit event for a service that already checked",
    "companion.permissions.require_role": "is the check itself",
    "companion.permissions.require_active": "is the check itself",
    "companion.permissions.current_user": "is the check itself",
    "companion.permissions.has_role": "judges the window's copy, only to hide menus",
    "companion.permissions.can_edit_playbook": "judges the window's copy, only to hide menus",
    "companion.permissions.can_manage_accounts": "judges the window's copy, only to hide menus",
    "companion.permissions.can_view_team": "judges the window's copy, only to hide menus",
    "kb.store.save_article": "is the storage step under Playbook.save, which checks",
    "companion.calls.hold_here": "is the storage step under the call services, which check",
    "companion.call_desks.held_here": "judges a call the caller already read",
}


def services_taking_a_user() -> set[str]:
    found: set[str] = set()
    for package in (companion, kb):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                    continue
                functions = [(name, value)] if inspect.isfunction(value) else []
                if inspect.isclass(value):
                    functions = [
                        (f"{name}.{attr}", member)
                        for attr, member in vars(value).items()
                        if inspect.isfunction(member) and not attr.startswith("_")
                    ]
                for qualname, function in functions:
                    parameters = inspect.signature(function).parameters
                    if "user" in parameters or "actor" in parameters:
                        found.add(f"{module.__name__}.{qualname}")
    return found


def test_every_service_that_takes_a_user_is_in_the_table() -> None:
    listed = {service.target for service in SERVICES}
    assert not listed & NOT_SERVICES.keys()
    found = services_taking_a_user()
    assert sorted(found - listed - NOT_SERVICES.keys()) == [], "add these to SERVICES"
    assert sorted((listed | NOT_SERVICES.keys()) - found) == [], "no longer exist"


Outcome = tuple[str, str]
ALLOWED: Outcome = ("allowed", "")


def make_actors() -> dict[str, User]:
    """Each kind of caller; the two stale ones are the objects a window held since sign-in."""
    actors = {
        "agent": create_user("Ann Agent", Role.AGENT),
        "supervisor": create_user("Sam Supervisor", Role.SUPERVISOR),
        "admin": create_user("Ada Admin", Role.ADMIN),
        "disabled": create_user("Dee Disabled", Role.SUPERVISOR),
        "removed": create_user("Rae Removed", Role.ADMIN),
        "stale demoted": create_user("Gus Stale", Role.SUPERVISOR),
        "stale disabled": create_user("Ola Stale", Role.ADMIN),
    }
    # An admin who can sign in, so giving others passwords is allowed at all.
    User.update(password_hash="set").where(User.id == actors["admin"].id).execute()
    for name in ("disabled", "stale disabled"):
        User.update(disabled=True).where(User.id == actors[name].id).execute()
    User.update(role=Role.AGENT.value).where(User.id == actors["stale demoted"].id).execute()
    User.delete().where(User.id == actors["removed"].id).execute()
    actors["disabled"] = User.get_by_id(actors["disabled"].id)
    return actors


def expected(service: Service, kind: str, actor: User) -> Outcome:
    name = actor.display_name
    if kind in ("disabled", "stale disabled"):
        return (
            "AccountRevoked",
            f"{service.revoked_action} needs an active account; an admin has disabled "
            f"{name}'s account. Sign in again with an active account.",
        )
    if kind == "removed":
        return (
            "AccountRevoked",
            f"{service.revoked_action} was refused: the account {name!r} no longer exists. "
            "Sign in again with an active account.",
        )
    stored = Role.AGENT if kind == "stale demoted" else Role(actor.role)
    if stored in service.rule:
        return ALLOWED
    who = "an admin" if service.rule == ADMINS else "a supervisor or admin"
    needs = f"{service.action} needs {who} account"
    if kind == "stale demoted":
        return (
            "RoleChanged",
            f"{needs}; an admin has changed {name}'s account from supervisor to agent.",
        )
    return ("PermissionDenied", f"{needs}.")


def attempt(service: Service, fixtures: Fixtures, actor: User) -> Outcome:
    """What happened, with the refusal's class and message; a refused person wrote nothing."""
    try:
        service.call(fixtures, actor)
    except PermissionDenied as refused:
        wrote = AuditEvent.select().where(AuditEvent.actor == actor.id).count()
        assert wrote == 0, f"{service.id} refused {actor.display_name} but recorded their work"
        return (type(refused).__name__, str(refused))
    except CompanionError as failed:  # shown in the comparison, not hidden
        return (f"unexpected {type(failed).__name__}", str(failed))
    return ALLOWED


@pytest.mark.usefixtures("cheap_hashing")
@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.id)
def test_each_account_gets_the_right_answer_from_each_service(
    service: Service,
    empty_workspace: Workspace,
    tmp_path: Path,
) -> None:
    fixtures = Fixtures(empty_workspace, tmp_path)
    actors = make_actors()
    got = {kind: attempt(service, fixtures, actor) for kind, actor in actors.items()}
    want = {kind: expected(service, kind, actor) for kind, actor in actors.items()}
    assert got == want
