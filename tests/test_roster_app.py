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


def warnings_shown(at) -> list[str]:
    return [w.value for w in at.warning]


def test_a_roster_left_out_of_the_workspace_is_said_after_a_refresh(app, tmp_path: Path):  # noqa: F811
    """The roster is personal data, so the workspace does not keep it; after a refresh the
    demand workbook comes back without it. The plan is then unscreened, and every page says
    so, naming both files, until the roster is uploaded again."""
    from test_workspace import session

    frame = generate(employers=30, seed=5)
    content = workbook_bytes(frame)
    upload(app, "本区申报.xlsx", content)
    write_roster_workbook(tmp_path / "名单.xlsx", generate_roster(frame, seed=5))
    app.file_uploader[1].set_value(("名单.xlsx", (tmp_path / "名单.xlsx").read_bytes(), XLSX))
    app.run()
    go(app, "results")
    said = ("上次与申报表「本区申报.xlsx」一起使用的人员名单「名单.xlsx」含个人信息，按规定不保存在"
            "工作区中，刷新后没有恢复：在“数据导入”页重新上传之前，分配结果未经人员名单审核。")
    assert said not in warnings_shown(app)  # the roster is in use in this session

    refreshed = session()
    assert said in warnings_shown(refreshed)
    go(refreshed, "results")  # on every page, and the plan is the unscreened one
    assert said in warnings_shown(refreshed)
    demand = tmp_path / "d.xlsx"
    demand.write_bytes(content)
    unscreened = plan_json(library_plan(read_submissions(demand), scenario("baseline")))
    assert plan_table(refreshed)[t("app.table.allocated", "zh")].tolist() == [
        r["allocated"] for r in unscreened["employers"]]
    assert said in warnings_shown(session())  # a second refresh still says it

    go(refreshed, "import")
    refreshed.file_uploader[1].set_value(
        ("名单.xlsx", (tmp_path / "名单.xlsx").read_bytes(), XLSX))
    refreshed.run()
    assert said not in warnings_shown(refreshed)


def test_a_workbook_with_a_roster_sheet_is_named_after_a_refresh(app, tmp_path: Path):  # noqa: F811
    from test_roster import firm, person, write
    from test_workspace import session

    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 2)], [person(1, 1), person(2, 1)])
    upload(app, "带名单.xlsx", demand.read_bytes())
    said = ("上次打开的申报表「带名单.xlsx」含“申报人员名单”工作表（个人信息），按规定整份不保存在"
            "工作区中，刷新后没有恢复：请在“数据导入”页重新上传。")
    assert said not in warnings_shown(app)
    refreshed = session()
    assert said in warnings_shown(refreshed)
    assert t("app.sidebar.no_data", "zh") in [c.value for c in refreshed.sidebar.caption]
    upload(refreshed, "带名单.xlsx", demand.read_bytes())
    assert said not in warnings_shown(refreshed)
    assert said in warnings_shown(session())  # in use again, so left out again by a refresh
