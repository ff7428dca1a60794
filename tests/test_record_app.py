"""Issue 12 in the app: one approved plan per plan year (a reason is required to replace it),
and an approved plan is downloadable only while the store verifies."""

from __future__ import annotations

import sqlite3

from test_app import app, app_text, go, library_plan, sample, scenario  # noqa: F401

from allocator.plan import plan_sha256
from allocator.store import Store


def approve_in_app(app, name: str, reason: str | None = None) -> None:  # noqa: F811
    app.text_input(key="alloc.w.approver").input(name)
    if reason is not None:
        app.text_area(key="alloc.w.supersede_reason").input(reason)
    app.checkbox(key="alloc.w.approval_confirm").check()
    app.button[0].click().run()  # the form's submit button
    assert not app.exception


def test_a_second_plan_for_the_year_needs_a_reason_in_the_app(app) -> None:  # noqa: F811
    other = scenario("proportional")
    with Store.open() as store:
        first = store.record_run(sample(), other, library_plan(sample(), other))
        store.approve(first, "王五")
    go(app, "approve")
    warned = [w.value for w in app.warning]
    assert any("王五" in w and f"{first}" in w for w in warned), warned
    approve_in_app(app, "张三")  # no reason: refused, nothing recorded
    assert any(app_text("record.reason_needed", run=first) in e.value for e in app.error)
    with Store.open() as store:
        assert [r.id for r in store.runs() if r.approved] == [first]
    go(app, "approve")
    approve_in_app(app, "张三", reason="区政府复议调整")
    with Store.open() as store:
        runs = {r.id: r for r in store.runs()}
        report = store.verify()
    assert report.ok, report.findings
    new = next(r for r in runs.values() if r.approved and r.id != first)
    assert new.approval.supersedes == first and new.approval.reason == "区政府复议调整"
    assert runs[first].approval.superseded_by == new.id
    assert new.plan_sha256 == plan_sha256(library_plan(sample(), scenario("baseline")))


def test_an_altered_store_offers_no_approved_download(app) -> None:  # noqa: F811
    go(app, "approve")
    approve_in_app(app, "张三")
    with Store.open() as store:
        path = store.path
    with sqlite3.connect(path) as connection:  # an insider renames the approver
        connection.execute("DROP TRIGGER approvals_no_update")
        connection.execute("UPDATE approvals SET approver = '李四'")
    connection.close()
    go(app, "approve")
    labels = [b.label for b in app.download_button]
    assert app_text("approve.download_plan") not in labels
    assert any("altered" in e.value or "改动" in e.value for e in app.error)
    # The run history says so too, naming what was found.
    heading = app_text("record.altered", count=3)  # the trigger, the approval, its audit entry
    assert any(e.value.startswith(heading) and "approvals_no_update" in e.value
               for e in app.error), [e.value for e in app.error]
