"""Agents are told once what a release changed; phrasing rules travel with their history."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from companion.phrasing_rules import list_rules, rule_history, save_rule
from companion.users import Role
from kb.releases import apply_release, make_release, mark_notice_seen, pending_notice
from tests.kb.releases.conftest import Stores
from tests.kb.releases.test_apply import SLUG, edit, new_article


def test_every_user_is_told_once_of_a_release_that_changed_articles(
    stores: Stores, tmp_path: Path
) -> None:
    hq = stores.open("hq")
    edit(hq, SLUG, "HQ wording.")
    new_article(hq, "new-greeting", "New greeting")
    make_release(hq.user, tmp_path / "r1.cpb")
    site = stores.open("site")
    agent = stores.user("Ann Agent", Role.AGENT)
    assert pending_notice(agent) is None
    apply_release(site.user, tmp_path / "r1.cpb")
    notice = pending_notice(agent)
    assert notice is not None
    assert notice.message == "Playbook updated to release R1: 2 articles changed"
    assert {c.slug for c in notice.changed} == {SLUG, "new-greeting"}
    assert pending_notice(site.user) == notice
    mark_notice_seen(agent, notice.release_id)
    assert pending_notice(agent) is None
    assert pending_notice(site.user) is not None


def test_newest_release_supersedes_an_unseen_older_notice(stores: Stores, tmp_path: Path) -> None:
    hq = stores.open("hq")
    edit(hq, SLUG, "First.")
    make_release(hq.user, tmp_path / "r1.cpb")
    new_article(hq, "new-greeting", "New greeting")
    make_release(hq.user, tmp_path / "r2.cpb")
    site = stores.open("site")
    agent = stores.user("Ann Agent", Role.AGENT)
    apply_release(site.user, tmp_path / "r1.cpb")
    apply_release(site.user, tmp_path / "r2.cpb")
    notice = pending_notice(agent)
    assert notice is not None and notice.label == "R2"
    assert [c.slug for c in notice.changed] == ["new-greeting"]
    mark_notice_seen(agent, notice.release_id)
    assert pending_notice(agent) is None


def test_a_release_that_changed_nothing_tells_nobody(stores: Stores, tmp_path: Path) -> None:
    hq = stores.open("hq")
    make_release(hq.user, tmp_path / "r1.cpb")
    site = stores.open("site")
    apply_release(site.user, tmp_path / "r1.cpb")
    assert pending_notice(stores.user("Ann Agent", Role.AGENT)) is None


def test_head_office_rule_change_arrives_with_history(stores: Stores, tmp_path: Path) -> None:
    hq = stores.open("hq")
    view = list_rules(hq.user)[0]
    save_rule(hq.user, replace(view.rule, why="Head office says why."))
    make_release(hq.user, tmp_path / "r1.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r1.cpb")
    assert applied.rules_updated == 1 and applied.rules_kept_local == ()
    here = {v.rule.id: v for v in list_rules(site.user)}[view.rule.id]
    assert here.rule.why == "Head office says why."
    history = rule_history(site.user, view.rule.id)
    assert [h.updated_by for h in history] == ["shipped with Companion", "Local desk (head office)"]
    # Applying the same again adds nothing.
    assert apply_release(site.user, tmp_path / "r1.cpb").already_installed
    assert len(rule_history(site.user, view.rule.id)) == 2


def test_site_rule_edit_is_kept_and_reported(stores: Stores, tmp_path: Path) -> None:
    site = stores.open("site")
    view = list_rules(site.user)[0]
    save_rule(site.user, replace(view.rule, why="Our own reason."))
    hq = stores.open("hq")
    save_rule(hq.user, replace(list_rules(hq.user)[0].rule, why="Head office says why."))
    make_release(hq.user, tmp_path / "r1.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r1.cpb")
    assert applied.rules_kept_local == (view.rule.id,)
    here = {v.rule.id: v for v in list_rules(site.user)}[view.rule.id]
    assert here.rule.why == "Our own reason."
    whys = [h.rule.why for h in rule_history(site.user, view.rule.id)]
    assert "Head office says why." in whys and whys[-1] == "Our own reason."


def test_new_head_office_rule_is_added(stores: Stores, tmp_path: Path) -> None:
    hq = stores.open("hq")
    template = list_rules(hq.user)[0].rule
    save_rule(
        hq.user,
        replace(template, id="hq-only-rule", pattern="kinda", suggestion="somewhat", why="Plain."),
        expected_revision=0,
    )
    make_release(hq.user, tmp_path / "r1.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r1.cpb")
    assert applied.rules_added == 1
    assert "hq-only-rule" in {v.rule.id for v in list_rules(site.user)}
