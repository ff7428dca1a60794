"""The app with an applicant roster (docs/columns.md): uploaded beside the demand workbook, screened
under the current scenario, planned exactly as the library plans it, failures filtered by
reason, identities masked."""

from __future__ import annotations

from pathlib import Path

from test_app import (  # the app's own test helpers and its fixture
    XLSX,
    app,  # noqa: F401
    go,
    library_plan,
    metric,
    plan_table,
    scenario,
    upload,
    workbook_bytes,
)

from allocator.i18n import t
from allocator.model import solve
from allocator.plan import plan_json
from allocator.policy import build_problem
from allocator.roster import read_roster
from allocator.sample import generate
from allocator.sample_roster import generate_roster, write_roster_workbook
from allocator.screening import screen
from allocator.submissions import read_submissions


def roster_text(key: str) -> str:
    return t(f"roster.app.{key}", "zh")


def test_an_uploaded_roster_is_screened_and_planned_as_the_library_does(app, tmp_path: Path):  # noqa: F811
    frame = generate(employers=40, seed=11)
    content = workbook_bytes(frame)
    upload(app, "东城区申报.xlsx", content)
    people = generate_roster(frame, seed=11)
    write_roster_workbook(tmp_path / "名单.xlsx", people)
    app.file_uploader[1].set_value(("名单.xlsx", (tmp_path / "名单.xlsx").read_bytes(), XLSX))
    app.run()
    assert not app.exception, [e.message for e in app.exception]

    demand = tmp_path / "d.xlsx"
    demand.write_bytes(content)
    submissions = read_submissions(demand)
    roster = read_roster(tmp_path / "名单.xlsx")
    baseline = scenario("baseline")
    screening = screen(roster, baseline.roster, submissions.plan_year)
    expected = plan_json(solve(build_problem(submissions, baseline, screening)))
    unscreened = plan_json(library_plan(submissions, baseline))
    assert [e["eligible"] for e in expected["employers"]] != \
        [e["eligible"] for e in unscreened["employers"]]  # the roster matters here

    # the screening view: every applicant, masked, and the failures of one reason
    shown = next(d.value for d in app.dataframe if roster_text("person") in d.value.columns)
    assert len(shown) == len(people)
    assert set(shown[roster_text("person")]) == set(screening.applicants["person_masked"])
    assert not set(people["person_id"]) & set(shown[roster_text("person")])
    app.multiselect(key="alloc.w.roster_reasons").set_value(["INCOME_LOW"]).run()
    shown = next(d.value for d in app.dataframe if roster_text("person") in d.value.columns)
    low = screening.applicants["reasons"].map(lambda r: "INCOME_LOW" in r)
    assert len(shown) == int(low.sum()) > 0
    assert all("收入未达标" in reason for reason in shown[roster_text("reasons")])

    go(app, "results")
    assert metric(app, "results.allocated") == f"{expected['allocated']:,}"
    assert plan_table(app)[t("app.table.allocated", "zh")].tolist() == [
        r["allocated"] for r in expected["employers"]]


def test_a_workbook_with_a_roster_sheet_is_never_kept_in_the_workspace(app, tmp_path: Path):  # noqa: F811
    from test_roster import firm, person, resident_id, write

    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 2)], [person(1, 1), person(2, 1)])
    upload(app, "带名单.xlsx", demand.read_bytes())
    shown = next(d.value for d in app.dataframe if roster_text("person") in d.value.columns)
    assert len(shown) == 2
    go(app, "results")
    from allocator_app.workspace import workspace_path

    saved = Path(workspace_path())
    assert saved.exists()  # the app autosaved its workspace
    for part in saved.parent.glob(saved.name + "*"):  # the database and any journal
        content = part.read_bytes()
        assert resident_id(1).encode() not in content
        assert "王1红".encode() not in content
