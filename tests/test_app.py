"""The Streamlit app, driven in-process with AppTest: every page, against the library's numbers.

Each expectation is computed with the library directly (read → policy → solve → plan_json,
compare_plans) on the same inputs, and the test checks that the app shows exactly that.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from allocator.compare import compare_plans
from allocator.excel import write_demand_workbook
from allocator.i18n import t
from allocator.model import solve
from allocator.plan import Plan, plan_json, plan_sha256
from allocator.policy import build_problem
from allocator.sample import generate
from allocator.scenario import Scenario, load_scenario
from allocator.store import Store
from allocator.submissions import Submissions, read_submissions

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SAMPLE = ROOT / "data" / "sample_demand.xlsx"
SCENARIOS = ROOT / "scenarios"
TIMEOUT = 60
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def app_text(key: str, lang: str = "zh", **params: object) -> str:
    return t(f"app.{key}", lang, **params)  # type: ignore[arg-type]


# -- the library's answers --------------------------------------------------------------------
@cache
def sample() -> Submissions:
    return read_submissions(SAMPLE)


@cache
def scenario(stem: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{stem}.toml")


def library_plan(submissions: Submissions, chosen: Scenario) -> Plan:
    return solve(build_problem(submissions, chosen))


@cache
def baseline_plan() -> Plan:
    return library_plan(sample(), scenario("baseline"))


# -- driving the app --------------------------------------------------------------------------
@pytest.fixture
def app() -> Iterator[AppTest]:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    yield at
    assert not at.exception, [e.message for e in at.exception]


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"allocator_app/page_{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label_key: str) -> str:
    label = app_text(label_key)
    return next(m.value for m in at.metric if m.label == label)


def plan_table(at: AppTest) -> pd.DataFrame:
    code = app_text("table.credit_code")
    return next(d.value for d in at.dataframe if code in d.value.columns)


def workbook_bytes(frame: pd.DataFrame, **cells: object) -> bytes:
    """A demand workbook of these submissions; ``cells`` overwrite cells, e.g. B3="x"."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demand.xlsx"
        write_demand_workbook(path, frame)
        book = load_workbook(path)
    sheet = book.active
    for cell, value in cells.items():
        sheet[cell] = value
    book.save(buffer)
    return buffer.getvalue()


def issues_table(at: AppTest) -> pd.DataFrame:
    """The problems shown: a static table when few, else a scrolling one."""
    message = app_text("issues.message")
    return next(e.value for e in [*at.table, *at.dataframe] if message in e.value.columns)


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    go(at, "import")
    at.file_uploader[0].set_value((name, content, XLSX))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


# -- the first screen -------------------------------------------------------------------------
def test_first_screen_is_the_baseline_plan_on_the_sample(app: AppTest) -> None:
    expected = plan_json(baseline_plan())
    assert app.title[0].value == app_text("results.title")
    assert metric(app, "results.allocated") == f"{expected['allocated']:,}"
    assert metric(app, "results.unallocated") == f"{expected['unallocated']:,}"
    funded = sum(1 for r in expected["employers"] if r["allocated"] > 0)
    assert metric(app, "results.funded") == f"{funded} / {len(expected['employers'])}"
    table = plan_table(app)
    assert table[app_text("table.allocated")].tolist() == [
        r["allocated"] for r in expected["employers"]]
    assert table[app_text("table.credit_code")].tolist() == [
        r["credit_code"] for r in expected["employers"]]
    assert any(expected["plan_sha256"][:12] in c.value for c in app.caption)
    solved = app_text("results.solved", name="基准方案", seconds="").split("（")[0]
    assert [s.label.startswith(solved) for s in app.status] == [True]


def test_search_filters_and_explanation_come_from_the_library(app: AppTest) -> None:
    expected = plan_json(baseline_plan())
    first = expected["employers"][0]
    app.text_input(key="alloc.w.search.zh").input(first["credit_code"]).run()
    table = plan_table(app)
    assert table[app_text("table.credit_code")].tolist() == [first["credit_code"]]
    app.selectbox(key="alloc.w.explain").select(0).run()
    from allocator.explain import explain_employer

    sentence = explain_employer(baseline_plan(), 0).zh
    assert any(sentence == i.value for i in app.info)
    app.text_input(key="alloc.w.search.zh").input("").run()
    app.selectbox(key="alloc.w.view.zh").select("cut").run()
    cut = [r for r in expected["employers"] if r["eligible"] < r["requested"]]
    assert len(plan_table(app)) == len(cut)
    go(app, "about")  # the filter outlives a page switch
    go(app, "results")
    assert len(plan_table(app)) == len(cut)


def test_every_page_renders_without_a_traceback(app: AppTest) -> None:
    for page, title in [("import", "import.title"), ("scenario", "scenario.title"),
                        ("results", "results.title"), ("compare", "compare.title"),
                        ("approve", "approve.title"), ("about", "about.title")]:
        go(app, page)
        assert app.title[0].value == app_text(title)
        assert not app.error, [e.value for e in app.error]


def test_english_switch(app: AppTest) -> None:
    app.sidebar.segmented_control[0].set_value("en").run()
    assert app.title[0].value == app_text("results.title", "en")
    go(app, "scenario")
    assert app.title[0].value == app_text("scenario.title", "en")
    label = app.number_input(key="alloc.w.p.en.baseline.0.cap.annual").label
    assert label.startswith("Annual cap")


# -- import -----------------------------------------------------------------------------------
def test_import_page_shows_the_sample_preview_and_the_template(app: AppTest) -> None:
    go(app, "import")
    assert any(app_text("import.passed") in s.value for s in app.success)
    preview = next(d.value for d in app.dataframe if len(d.value) == len(sample()))
    assert preview[app_text("table.row")].tolist() == sample().frame["row"].tolist()
    assert [b.label for b in app.download_button] == [app_text("import.template")]


def test_a_bad_workbook_is_reported_row_by_row_and_blocks_the_plan(app: AppTest) -> None:
    frame = generate(employers=12, seed=5)
    content = workbook_bytes(frame, A4="91110101ABCDEFGH12", J5="很多")
    upload(app, "坏的申报表.xlsx", content)
    assert app.error, "the failed validation is shown"
    issues = issues_table(app)
    rows = issues[app_text("issues.row")].tolist()
    assert "4" in rows and "5" in rows
    assert "91110101ABCDEFGH12" in issues[app_text("issues.value")].tolist()
    assert set(issues[app_text("issues.sheet")]) == {"需求申报"}
    go(app, "results")
    assert any("坏的申报表.xlsx" in e.value for e in app.error)
    assert not app.metric


def test_a_file_that_is_not_a_workbook_is_refused_by_its_content(app: AppTest) -> None:
    upload(app, "demand.xlsx", b"name,weight\nA,1\n")
    messages = " ".join(e.value for e in app.error)
    assert app_text("import.failed", errors=1) in messages
    issues = issues_table(app)
    assert t("issue.file_not_xlsx", "zh") in issues[app_text("issues.message")].tolist()[0]


def test_an_uploaded_workbook_is_planned_exactly_as_the_library_plans_it(
        app: AppTest, tmp_path: Path) -> None:
    frame = generate(employers=40, seed=11)
    content = workbook_bytes(frame)
    upload(app, "东城区申报.xlsx", content)
    path = tmp_path / "东城区申报.xlsx"
    path.write_bytes(content)
    expected = plan_json(library_plan(read_submissions(path), scenario("baseline")))
    go(app, "results")
    assert metric(app, "results.allocated") == f"{expected['allocated']:,}"
    assert plan_table(app)[app_text("table.allocated")].tolist() == [
        r["allocated"] for r in expected["employers"]]
    assert "东城区申报.xlsx" in app.sidebar.caption[0].value


def test_the_results_page_shows_every_warning_with_its_row_and_employer(
        app: AppTest, tmp_path: Path) -> None:
    frame = generate(employers=12, seed=5)
    frame.loc[1, "sector"] = None  # the industry code decides …
    frame.loc[1, "industry_code"] = "R90"  # … and cannot: a warning
    book = load_workbook(io.BytesIO(workbook_bytes(frame)))
    header = next(row for row in book.active.iter_rows() if "近一年流失率" in
                  [c.value for c in row])
    rate = next(c for c in header if c.value == "近一年流失率")
    content = workbook_bytes(frame, **{f"{rate.column_letter}{rate.row + 1}": 1})  # 1 → 100 %
    path = tmp_path / "d.xlsx"
    path.write_bytes(content)
    demand = read_submissions(path)
    assert {w.code for w in demand.warnings} >= {"rate_one", "industry_too_coarse"}
    upload(app, "d.xlsx", content)
    go(app, "results")
    shown = [w.value for w in app.warning]
    names = dict(zip(demand.frame["row"], demand.frame["name"], strict=True))
    codes = dict(zip(demand.frame["row"], demand.frame["credit_code"], strict=True))
    for warning in demand.warnings:
        line = f"第{warning.row}行 {names[warning.row]}（{codes[warning.row]}）：" \
               f"{warning.message.zh}"
        assert line in shown, (line, shown)
    # The reasons table cites in the one style (第十六条第三项), not the machine form.
    app.selectbox(key="alloc.w.explain").select(0).run()
    reasons = next(d.value for d in app.table if app_text("explain.article")
                   in d.value.columns)
    assert "第十六条第三项" in reasons[app_text("explain.article")].tolist()


# -- scenario ---------------------------------------------------------------------------------
def test_changing_a_parameter_resolves_the_plan(app: AppTest) -> None:
    go(app, "scenario")
    app.number_input(key="alloc.w.p.zh.baseline.0.cap.annual").set_value(2500).run()
    app.number_input(key="alloc.w.p.zh.baseline.0.weights.sector.finance").set_value(1.5).run()
    assert any(app_text("scenario.valid") in s.value for s in app.success)
    changed = scenario("baseline").with_values({"cap.annual": 2500,
                                                "weights.sector.finance": "1.5"})
    expected = plan_json(library_plan(sample(), changed))
    go(app, "results")
    assert metric(app, "results.allocatable") == "2,500"
    assert plan_table(app)[app_text("table.allocated")].tolist() == [
        r["allocated"] for r in expected["employers"]]
    go(app, "scenario")  # the edit survived the page switch
    assert app.number_input(key="alloc.w.p.zh.baseline.0.cap.annual").value == 2500


def test_an_invalid_value_is_explained_beside_its_field(app: AppTest) -> None:
    go(app, "scenario")
    app.number_input(key="alloc.w.p.zh.baseline.0.cap.reserve").set_value(5000).run()
    expected = t("scenario.reserve_above_annual", "zh", reserve=5000, annual=3000)
    assert any(e.value == expected for e in app.error)
    assert app.warning, "the page says the scenario has problems"
    go(app, "results")  # the last valid scenario is still planned, with a warning
    assert any(app_text("results.scenario_invalid", name="基准方案") == w.value
               for w in app.warning)
    assert metric(app, "results.allocated") == "3,000"
    go(app, "scenario")
    next(b for b in app.button if b.label == app_text("scenario.discard")).click().run()
    assert any(app_text("scenario.valid") in s.value for s in app.success)


def test_an_impossible_scenario_names_the_conflicting_rules(app: AppTest) -> None:
    go(app, "scenario")
    app.number_input(key="alloc.w.p.zh.baseline.0.cap.annual").set_value(100).run()
    changed = scenario("baseline").with_values({"cap.annual": 100})
    plan = library_plan(sample(), changed)
    assert plan.conflicts
    go(app, "results")
    shown = " ".join(m.value for m in app.markdown)
    for conflict in plan.conflicts:
        assert conflict.message.zh in shown
    assert any(app_text("results.infeasible", name="基准方案") == e.value for e in app.error)


def test_loading_a_shipped_scenario_shows_its_groups(app: AppTest) -> None:
    go(app, "scenario")
    app.selectbox(key="alloc.w.scenario_file.zh").select("scenarios/sector_floors.toml").run()
    next(b for b in app.button if b.label == app_text("scenario.load")).click().run()
    assert app.sidebar.selectbox(key="alloc.w.current").value == "sector_floors"
    groups = next(d.value for d in app.dataframe if "scope" in d.value.columns)
    assert sorted(groups["name"]) == sorted(scenario("sector_floors").groups)
    # Its plan has a tie at the cut-off: the Results page names the employers and the rule.
    expected = plan_json(library_plan(sample(), scenario("sector_floors")))
    assert expected["ties"]
    go(app, "results")
    names = {r["credit_code"]: r["name"] for r in expected["employers"]}
    ties = next(t.value for t in app.table if app_text("ties.broken_by") in t.value.columns)
    assert ties[app_text("ties.employers")].tolist() == [
        "、".join(names[c] for c in tie["credit_codes"]) for tie in expected["ties"]]
    assert ties[app_text("ties.broken_by")].tolist() == [
        app_text(f"tiebreak.{tie['broken_by']}") for tie in expected["ties"]]


def test_duplicate_and_save_as_new(app: AppTest) -> None:
    go(app, "scenario")
    next(b for b in app.button if b.label == app_text("scenario.duplicate")).click().run()
    copy_name = app_text("scenario.copy_name", name="基准方案")
    assert app.sidebar.selectbox(key="alloc.w.current").value == "baseline-copy"
    assert app.subheader[0].value == app_text("scenario.editing", name=copy_name)
    app.text_input(key="alloc.w.new_name").input("金融加权1.5").run()
    save = next(b for b in app.button if b.label == app_text("scenario.save_as"))
    save.click().run()  # without the planner's name: refused, nothing saved
    assert any(e.value == app_text("scenario.author_needed") for e in app.error)
    app.text_input(key="alloc.w.author.zh").input("李四").run()
    next(b for b in app.button if b.label == app_text("scenario.save_as")).click().run()
    with Store.open() as store:
        assert [(s.name, s.created_by) for s in store.scenarios()] == [("金融加权1.5", "李四")]


# -- compare ----------------------------------------------------------------------------------
def test_compare_two_scenarios_side_by_side(app: AppTest) -> None:
    go(app, "compare")
    app.multiselect(key="alloc.w.compare").set_value(["baseline", "sector_floors"]).run()
    plans = [baseline_plan(), library_plan(sample(), scenario("sector_floors"))]
    expected = compare_plans(plans, ["基准方案", "重点产业保底"])
    metrics = next(d.value for d in app.dataframe
                   if app_text("compare.measure") in d.value.columns)
    # The first scenario is the reference, and its column says so.
    assert list(metrics.columns) == [app_text("compare.measure"), "基准方案（对照方案）",
                                     "重点产业保底"]
    allocated = metrics.set_index(app_text("compare.measure")).loc["已分配"]
    assert allocated.tolist() == [f"{v:,}" for v in expected.metrics.loc["allocated",
                                                                           expected.names]]
    differences = next(d.value for d in app.dataframe
                       if app_text("compare.spread") in d.value.columns)
    assert len(differences) == len(expected.differences)
    assert differences[app_text("table.credit_code")].tolist() == \
        expected.differences["credit_code"].tolist()
    sectors = next(d.value for d in app.dataframe if app_text("table.sector") in d.value.columns
                   and "基准方案（对照方案）" in d.value.columns)
    assert sectors["重点产业保底"].tolist() == expected.by_sector["重点产业保底"].tolist()


# -- approve and export -----------------------------------------------------------------------
def test_approve_under_a_name_and_export(app: AppTest) -> None:
    go(app, "compare")  # the comparison workbook needs a comparison
    go(app, "approve")
    assert any(app_text("approve.not_yet", name="基准方案") == i.value for i in app.info)
    app.text_input(key="alloc.w.approver").input("张三")
    app.text_area(key="alloc.w.approval_note").input("区政府常务会议审议通过")
    app.checkbox(key="alloc.w.approval_confirm").check()
    app.button[0].click().run()  # the form's submit button
    assert not app.exception
    assert any("张三" in s.value for s in app.success)
    with Store.open() as store:
        runs = store.runs()
    assert len(runs) == 1 and runs[0].approval is not None
    assert runs[0].approval.approver == "张三"
    assert runs[0].plan_sha256 == plan_sha256(baseline_plan())
    labels = [b.label for b in app.download_button]
    assert labels == [app_text("approve.download_plan"),
                      app_text("approve.download_comparison")]
    # The bytes behind the download button: the library's plan workbook, approved.
    (workbook,) = app.session_state["alloc.workbooks"].values()
    book = load_workbook(io.BytesIO(workbook))
    cover = [v for row in book["封面"].iter_rows(values_only=True) for v in row if v]
    assert "张三" in " ".join(map(str, cover)) and "审定稿" in str(cover[1])
    detail = book["分配明细"]
    header = [c.value for c in detail[2]]
    seats = [row[header.index("分配")] for row in detail.iter_rows(min_row=3, values_only=True)
             if isinstance(row[0], int)]
    assert seats == [int(x) for x in baseline_plan().allocation]
    # The explanations stay on screen by default (only their sheet's title prints); printed
    # as an appendix when the planner chooses so.
    assert book["分配说明"].print_area == "'分配说明'!$A$1:$E$1"
    app.radio(key="alloc.w.explanations.zh").set_value("appendix").run()
    assert not app.exception
    (workbook,) = app.session_state["alloc.workbooks"].values()
    appendix = load_workbook(io.BytesIO(workbook))["分配说明"]
    assert appendix["A1"].value == "附件：分配说明（按申报表行序）"
    assert not appendix.print_area  # the whole sheet prints
    # Approving the same plan again is refused by the page (it says who approved it).
    go(app, "approve")
    shown = [s.value for s in app.success]
    assert len(shown) == 1 and "张三" in shown[0] and f"{runs[0].id}" in shown[0]
    assert not any(b.label == app_text("approve.button") for b in app.button)


# -- failures are explained, never shown as a traceback ---------------------------------------
def test_an_unexpected_failure_is_logged_not_shown(app: AppTest,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import allocator_app.state

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("solver exploded: secret/path/in/traceback")

    monkeypatch.setattr(allocator_app.state, "solve", broken)
    go(app, "scenario")
    app.number_input(key="alloc.w.p.zh.baseline.0.cap.annual").set_value(2999).run()
    go(app, "results")
    assert [e.value for e in app.error] == [
        app_text("error.unexpected", action=app_text("action.solve"))]
    shown = " ".join(str(getattr(e, "value", "")) for e in app.main)
    assert "secret/path" not in shown and "Traceback" not in shown


def test_group_rows_become_the_scenarios_groups() -> None:
    from allocator_app.editor import rows_to_groups

    rows = [{"name": "金融保底", "scope": "sector:finance", "min": 1200, "max": None},
            {"name": "百强上限", "scope": "top100:true", "min": 0, "max": 900},
            {"name": "", "scope": "category:3", "min": 10, "max": None}]
    groups, problems = rows_to_groups(rows)
    assert groups == {"金融保底": {"sector": "finance", "min": 1200},
                      "百强上限": {"top100": True, "min": 0, "max": 900}}
    assert problems == [app_text("groups.name_blank", row=3)]
    changed = scenario("baseline").with_values({"groups": groups})
    assert changed.groups["金融保底"].min == 1200
    assert changed.groups["百强上限"].selector == ("top100", True)


def test_every_kind_of_field_reaches_the_library(app: AppTest) -> None:
    """A choice, a list, a cut switched from a share to a number of permits, and a share."""
    key = "alloc.w.p.zh.baseline.0."
    go(app, "scenario")
    app.selectbox(key=key + "method.rule").select("dhondt").run()
    app.multiselect(key=key + "eligibility.excluded_statuses").set_value(
        ["terminated", "blacklisted"]).run()
    app.selectbox(key=key + "sanctions.attrition_cut.mode").select("count").run()
    app.number_input(key=key + "sanctions.attrition_cut.amount.count").set_value(2).run()
    app.number_input(key=key + "guarantee.top100_key_staff").set_value(50).run()  # percent
    app.selectbox(key=key + "sanctions.restricted_industry.mode").select("none").run()
    assert not app.error, [e.value for e in app.error]
    changed = scenario("baseline").with_values({
        "method.rule": "dhondt", "eligibility.excluded_statuses": ["terminated", "blacklisted"],
        "sanctions.attrition_cut": 2, "guarantee.top100_key_staff": "0.5",
        "sanctions.restricted_industry": "none"})
    assert app.session_state["alloc.drafts"]["baseline"].scenario == changed
    expected = plan_json(library_plan(sample(), changed))
    go(app, "results")
    assert plan_table(app)[app_text("table.allocated")].tolist() == [
        r["allocated"] for r in expected["employers"]]
