"""A site's records reach head office whole, once, keeping their ids and their site."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from companion.audit import AuditEvent
from companion.call_articles import CallArticle, record_article_opened
from companion.calls import Call, CallLink, close_call, link_calls, start_call
from companion.customer_links import CustomerLink, link_customers
from companion.customer_models import Customer
from companion.entries import Entry, add_entry, amend_entry
from companion.errors import PermissionDenied
from companion.exchange import export_records, import_records
from companion.promises import Promise, PromiseEvent, keep_promise, record_promise
from companion.sites import known_sites, name_this_site, this_site
from companion.users import Role, User, create_user
from tests.companion.exchange.conftest import Store, StoreFactory, count
from tests.companion.exchange.helpers import export, load, send


def _a_day_at(site: Store) -> dict[str, str]:
    """A customer with a linked relative, two calls (one closed), entries, an amendment,
    a kept promise and an article opened: one of every kind of row."""
    ana = site.customer("Ana Ruiz", phones=["+44 20 7946 0958"], emails=["ana@example.com"])
    luis = site.customer("Luis Ruiz", references=[("account", "ACC-1")])
    with site:
        agent = create_user("Bea Agent", Role.AGENT)
        link_customers(site.user, ana, luis, "household")
        first = start_call(agent, ana, problem="Charged twice")
        said = add_entry(agent, first.id, "said", "I was charged twice")
        amend_entry(site.user, said.id, "charged twice in March")
        promise = record_promise(agent, first.id, "Refund by Friday", date(2026, 5, 8))
        keep_promise(agent, promise.promise.id, "refund sent")
        record_article_opened(agent, first.id, "refunds")
        close_call(agent, first.id, "resolved", "Refund sent")
        second = start_call(agent, ana, related=(first.id,))
        add_entry(agent, second.id, "note", "calling about the refund")
    return {"ana": ana, "luis": luis, "call": first.id, "promise": promise.promise.id}


def test_every_record_reaches_head_office_with_its_id_and_site(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    ids = _a_day_at(north)
    sent = north.state()
    report = send(north, hq, folder)
    assert report.from_site.id == north.site_id
    assert report.kinds["entries"].added == 4  # said, amendment, promised, note
    assert report.kinds["calls"].added == 2
    assert not report.already_imported
    got = hq.state()
    for table in sent:
        if table == "users":
            continue
        assert set(sent[table]) <= set(got[table]), table
    with hq:
        assert Customer.get_by_id(ids["ana"]).site == north.site_id
        assert Call.get_by_id(ids["call"]).site == north.site_id
        assert Promise.get_by_id(ids["promise"]).state == "kept"
        assert {site.id for site in known_sites()} == {hq.site_id, north.site_id}


def test_the_same_file_twice_is_already_imported_and_changes_nothing(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    _a_day_at(north)
    path = export(north, folder).path
    load(hq, path)
    before = hq.state()
    again = load(hq, path)
    assert again.already_imported and again.kinds == {}
    assert hq.state() == before


def test_a_new_file_with_the_same_records_finds_them_all_unchanged(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    _a_day_at(north)
    send(north, hq, folder)
    before = hq.state()
    report = send(north, hq, folder)
    assert not report.already_imported
    for kind in ("customers", "calls", "entries", "promises", "promise_events", "call_articles"):
        counts = report.kinds[kind]
        assert counts.added == counts.updated == counts.conflicts == 0, kind
        assert counts.unchanged > 0, kind
    # Only the new export's own audit event arrived, plus the import's bookkeeping.
    assert count(hq, Entry) == len(before["entries"])
    assert count(hq, AuditEvent) > len(before["audit_events"])


def test_people_arrive_disabled_without_password_and_local_ones_are_never_touched(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    with hq:
        local_bea = create_user("Bea Agent", Role.SUPERVISOR)
    _a_day_at(north)
    send(north, hq, folder)
    with hq:
        arrived = {u.display_name: u for u in User.select() if u.id != local_bea.id}
        assert User.get_by_id(local_bea.id).display_name == "Bea Agent"
        assert User.get_by_id(local_bea.id).role == "supervisor"
        bea = next(u for name, u in arrived.items() if name.startswith("Bea Agent ("))
        assert bea.disabled and bea.password_hash is None and bea.role == "agent"
        assert all(u.disabled for u in arrived.values() if u.id != hq.user.id)
        assert not any(u.is_local_default for u in arrived.values() if u.id != hq.user.id)


def test_only_supervisors_and_admins_export_and_import(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    with north:
        agent = create_user("Ann Agent", Role.AGENT)
        with pytest.raises(PermissionDenied, match="supervisor or admin"):
            export_records(agent, folder / "x.csx")
    assert not (folder / "x.csx").exists()
    path = export(north, folder).path
    with hq:
        agent = create_user("Ann Agent", Role.AGENT)
        with pytest.raises(PermissionDenied, match="supervisor or admin"):
            import_records(agent, path)


def test_since_last_sends_what_changed_with_the_records_it_refers_to(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    ids = _a_day_at(north)
    send(north, hq, folder, since_last=True)
    with north:
        # Make everything sent look old, as it would be a day later.
        for model, stamp in (
            (Customer, Customer.updated_at),
            (Call, Call.updated_at),
            (Entry, Entry.at),
            (Promise, Promise.updated_at),
            (PromiseEvent, PromiseEvent.at),
            (AuditEvent, AuditEvent.at),
            (CallArticle, CallArticle.opened_at),
            (CallLink, CallLink.created_at),
            (CustomerLink, CustomerLink.updated_at),
        ):
            model.update({stamp: date(2020, 1, 1)}).execute()
        entry = add_entry(north.user, _open_call(ids["ana"]), "done", "posted the form")
    report = export(north, folder, since_last=True)
    assert report.counts["entries"] == 1
    assert report.counts["calls"] == 1  # the entry's call goes with it
    assert report.counts["customers"] == 1  # and the call's customer
    assert report.counts["promises"] == 0
    got = load(hq, report.path)
    assert got.kinds["entries"].added == 1
    with hq:
        assert Entry.get_by_id(entry.id).text == "posted the form"


def test_a_site_name_travels_with_its_files(make_store: StoreFactory, folder: Path) -> None:
    north, hq = make_store("north"), make_store("hq")
    with north:
        name_this_site("North branch")
        assert this_site().name == "North branch"
    north.customer("Ana Ruiz")
    report = send(north, hq, folder)
    assert report.from_site.name == "North branch"
    with hq:
        assert [site.name for site in known_sites()][1:] == ["North branch"]


def test_the_environment_names_the_site_before_the_stored_name(
    make_store: StoreFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    north = make_store("north")
    with north:
        name_this_site("Stored name")
        monkeypatch.setenv("COMPANION_SITE_NAME", "From the environment")
        assert this_site().name == "From the environment"


def _open_call(customer_id: str) -> str:
    return str(
        Call.select(Call.id).where(Call.customer == customer_id, Call.outcome.is_null()).scalar()
    )


def test_calls_and_links_are_linked_the_same_at_head_office(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    ids = _a_day_at(north)
    with north:
        later = start_call(north.user, ids["luis"])
        link_calls(north.user, later.id, ids["call"])
    send(north, hq, folder)
    assert hq.state()["call_links"]
    assert north.state()["call_links"] == hq.state()["call_links"]
    assert north.state()["customer_links"] == hq.state()["customer_links"]


def test_progress_is_reported_up_to_the_whole(make_store: StoreFactory, folder: Path) -> None:
    north, hq = make_store("north"), make_store("hq")
    _a_day_at(north)
    seen: list[tuple[int, int]] = []
    with north:
        report = export_records(
            north.user, folder / "p.csx", progress=lambda d, t: seen.append((d, t))
        )
    assert (
        seen and seen[-1][0] == seen[-1][1] == sum(report.counts.values()) - report.counts["users"]
    )
    got: list[tuple[int, int]] = []
    with hq:
        import_records(hq.user, report.path, progress=lambda d, t: got.append((d, t)))
    assert got and got[-1][0] == got[-1][1] and all(d <= t for d, t in got)
