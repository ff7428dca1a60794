"""The planner's workspace: what survives a refresh, copied descriptions, clashes, plain words.

A refresh, a closed tab or a server restart is a new Streamlit session: here, a new
``AppTest`` on the same store folder. Every expectation is written out by hand or computed with
the library directly.
"""

from __future__ import annotations

import os
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, SAMPLE, SCENARIOS, TIMEOUT, go, metric, upload, workbook_bytes

from allocator.i18n import LANGS, t
from allocator.model import solve
from allocator.policy import build_problem
from allocator.sample import generate
from allocator.scenario import PARAMETERS, load_scenario
from allocator.schema import SECTORS, STATUSES, UNIT_TYPES
from allocator.store import Store
from allocator.submissions import read_submissions
from allocator_app.workspace import Workspace, workspace_path

DRAFTS = "alloc.drafts"
KEY = "alloc.w.p.zh.baseline.0."


def app_text(key: str, lang: str = "zh", **params: object) -> str:
    return t(f"app.{key}", lang, **params)  # type: ignore[arg-type]


def session() -> AppTest:
    """A new browser session (a refresh, a new tab, or after a restart)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


# -- the workspace file -----------------------------------------------------------------------
def test_the_workspace_is_a_file_of_its_own_beside_the_store() -> None:
    store = Path(os.environ["ALLOCATOR_DB"])
    assert workspace_path() == store.parent / "workspace.sqlite3"
    assert workspace_path(Path("/srv/plans/official.sqlite3")) == Path(
        "/srv/plans/workspace.sqlite3")
    at = session()
    go(at, "scenario")
    at.number_input(key=KEY + "cap.annual").set_value(2500).run()
    assert workspace_path().is_file()
    # The record holds nothing of it: an edit is not a scenario saved on purpose.
    with Store.open() as kept:
        assert kept.scenarios() == [] and kept.runs() == []
    with sqlite3.connect(store) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "snapshot" not in tables and "workbook" not in tables


def test_edits_upload_copies_choice_and_language_survive_a_new_session() -> None:
    at = session()
    assert any(c.value.startswith(app_text("workspace.saved", at="")[:5])
               for c in at.sidebar.caption), "the sidebar says the work is saved"
    frame = generate(employers=30, seed=8)
    content = workbook_bytes(frame)
    upload(at, "本区申报.xlsx", content)
    go(at, "scenario")
    at.number_input(key=KEY + "cap.annual").set_value(200).run()
    at.number_input(key=KEY + "cap.reserve").set_value(5000).run()  # invalid: kept pending
    click(at, app_text("scenario.duplicate"))
    at.number_input(key="alloc.w.p.zh.baseline-copy.0.weights.sector.finance").set_value(
        1.5).run()
    go(at, "compare")
    at.multiselect(key="alloc.w.compare").set_value(["baseline-copy", "proportional"]).run()
    at.sidebar.segmented_control[0].set_value("en").run()

    again = session()  # the refresh
    drafts = again.session_state[DRAFTS]
    assert list(drafts) == [*(p.stem for p in sorted(
        SCENARIOS.glob("*.toml"), key=lambda p: (p.stem != "baseline", p.name))),
        "baseline-copy"]
    baseline = drafts["baseline"]
    assert baseline.scenario.cap.annual == 200
    assert baseline.pending == {"cap.reserve": 5000} and baseline.issues  # still explained
    copy = drafts["baseline-copy"]
    assert copy.scenario.weights.sector.finance == Decimal("1.5")
    assert copy.copy_of is not None and copy.copy_of.cap.annual == 200
    assert again.sidebar.selectbox(key="alloc.w.current").value == "baseline-copy"
    assert again.session_state["alloc.compare_ids"] == ["baseline-copy", "proportional"]
    assert again.title[0].value == app_text("results.title", "en")
    assert "本区申报.xlsx" in again.sidebar.caption[0].value
    path = Path(os.environ["ALLOCATOR_DB"]).parent / "本区申报.xlsx"
    path.write_bytes(content)
    changed = load_scenario(SCENARIOS / "baseline.toml").with_values(
        {"cap.annual": 200, "weights.sector.finance": "1.5",
         "scenario.name": app_text("scenario.copy_name", name="基准方案")})
    expected = solve(build_problem(read_submissions(path), changed))
    assert metric_en(again, "results.allocated") == f"{int(expected.allocation.sum()):,}"


def metric_en(at: AppTest, key: str) -> str:
    label = app_text(key, "en")
    return next(m.value for m in at.metric if m.label == label)


def test_start_afresh_forgets_the_workspace_but_not_the_record() -> None:
    at = session()
    go(at, "scenario")
    at.number_input(key=KEY + "cap.annual").set_value(2500).run()
    with Store.open() as kept:
        kept.save_scenario(load_scenario(SCENARIOS / "proportional.toml"), by="李四")
    click(at, app_text("workspace.afresh_confirm"))
    assert at.session_state[DRAFTS]["baseline"].scenario.cap.annual == 3000
    assert metric(go(at, "results"), "results.allocatable") == "3,000"
    again = session()
    assert again.session_state[DRAFTS]["baseline"].scenario.cap.annual == 3000
    with Store.open() as kept:
        assert [s.name for s in kept.scenarios()] == ["纯比例分配"]


def test_a_damaged_workspace_is_said_and_the_app_starts_afresh() -> None:
    path = workspace_path()
    Workspace(path).save({"drafts": [{"id": "x", "scenario": "[cap]\nannual = 'many'\n"}]},
                         None)
    at = session()
    assert any(app_text("workspace.not_restored", reason="")[:8] in w.value
               for w in at.sidebar.warning)
    assert at.session_state[DRAFTS]["baseline"].scenario.cap.annual == 3000
    assert metric(at, "results.allocated") == "3,000"


def test_a_workspace_that_cannot_be_written_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    import allocator_app.workspace

    def refuse(*args: object, **kwargs: object) -> str:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(allocator_app.workspace.Workspace, "save", refuse)
    at = session()
    assert any("readonly" in w.value for w in at.sidebar.warning)
    assert metric(at, "results.allocated") == "3,000"  # the work goes on


# -- copied descriptions ----------------------------------------------------------------------
def test_a_copied_description_is_flagged_and_its_changes_are_written_on_approval() -> None:
    at = session()
    go(at, "scenario")
    click(at, app_text("scenario.duplicate"))
    assert any(c.value == app_text("scenario.copied_from", name="基准方案") for c in at.caption)
    assert not at.warning
    key = "alloc.w.p.zh.baseline-copy.0."
    at.number_input(key=key + "cap.annual").set_value(2500).run()
    at.number_input(key=key + "weights.sector.finance").set_value(1.5).run()
    (stale,) = [w.value for w in at.warning]
    assert "基准方案" in stale
    assert "年度指标总量 3000 → 2500" in stale and "金融产业权重 1.2 → 1.5" in stale

    go(at, "approve")
    at.text_input(key="alloc.w.approver").input("张三")
    at.checkbox(key="alloc.w.approval_confirm").check()
    at.button[0].click().run()  # refused: the description still describes the baseline
    assert any(e.value == app_text("approve.description_needed") for e in at.error)
    with Store.open() as kept:
        assert kept.runs() == []
    at.text_input(key="alloc.w.approver").input("张三")
    at.checkbox(key="alloc.w.approval_confirm").check()
    at.checkbox(key="alloc.w.approval_description").check()
    at.button[0].click().run()
    with Store.open() as kept:
        (run,) = kept.runs()
        approved = kept.scenario(run.scenario_id)
    assert run.approval is not None and run.approval.approver == "张三"
    written = "【复制自「基准方案」后改动的参数】年度指标总量 3000 → 2500；金融产业权重 1.2 → 1.5。"
    assert approved.scenario.description.endswith(written)
    assert approved.scenario.description.startswith("本区对实施细则的默认理解")
    # The draft now holds what was approved, so the page shows the approval.
    assert at.session_state[DRAFTS]["baseline-copy"].scenario == approved
    # The approved plan is the one the draft now shows, and it says so.
    go(at, "approve")
    assert any("张三" in s.value for s in at.success)


def test_a_rewritten_description_is_no_longer_flagged() -> None:
    at = session()
    go(at, "scenario")
    click(at, app_text("scenario.duplicate"))
    key = "alloc.w.p.zh.baseline-copy.0."
    at.number_input(key=key + "cap.annual").set_value(2500).run()
    assert at.warning
    at.text_area(key=key + "scenario.description").input("年度指标2500个。").run()
    assert not at.warning
    assert not any(c.value.startswith("本方案复制自") for c in at.caption)


# -- clashes ----------------------------------------------------------------------------------
def test_an_infeasible_plan_names_the_parameter_just_edited_first_and_leads_back() -> None:
    at = session()
    go(at, "scenario")
    # Every employer's floor is its whole eligible demand: 3,224 permits in the sample, more
    # than the cap of 3,000 (the library's own conflict says by how much).
    at.number_input(key=KEY + "method.min_per_employer").set_value(1000).run()
    go(at, "results")
    assert [s.state for s in at.status] == ["error"]
    assert not at.metric
    shown = " ".join(m.value for m in at.markdown)
    clash = shown[shown.index(app_text("results.clashing", names="")):]
    assert clash.index("每单位最低指标") < clash.index("年度指标总量")
    click(at, app_text("results.to_parameters"))
    assert at.title[0].value == app_text("scenario.title")
    beside = [w.value for w in at.warning if w.value == app_text("scenario.clashes")]
    assert len(beside) == 3  # minimum per employer, annual cap, senior managers' guarantee
    at.number_input(key=KEY + "method.min_per_employer").set_value(0).run()
    assert not [w for w in at.warning if w.value == app_text("scenario.clashes")]
    go(at, "results")
    assert metric(at, "results.allocated") == "3,000"


# -- plain words ------------------------------------------------------------------------------
def test_shares_are_percentages_and_reach_the_library_exactly() -> None:
    at = session()
    go(at, "scenario")
    threshold = at.number_input(key=KEY + "sanctions.attrition_threshold")
    assert threshold.value == 10 and threshold.label.startswith("流失率阈值（%")
    assert at.number_input(key=KEY + "method.max_share").value == 100
    threshold.set_value(12.5).run()
    at.selectbox(key=KEY + "sanctions.violation_cut.2.mode").select("share").run()
    at.number_input(key=KEY + "sanctions.violation_cut.2.amount.share").set_value(35).run()
    at.selectbox(key=KEY + "sanctions.violation_cut.6.mode").select("off").run()
    scenario = at.session_state[DRAFTS]["baseline"].scenario
    assert scenario.sanctions.attrition_threshold == Decimal("0.125")
    assert scenario.sanctions.violation_cut[2].value == Decimal("0.35")
    assert scenario.sanctions.violation_cut[6].is_none()


def test_violations_are_named_with_their_article_item() -> None:
    at = session()
    go(at, "scenario")
    labels = [at.selectbox(key=KEY + f"sanctions.violation_cut.{n}.mode").label
              for n in range(1, 7)]
    assert labels[0] == "为不符合条件人员申报（第十六条第一项）"
    assert labels[5] == "其他违规情形（第十六条第六项）"


@pytest.mark.parametrize("lang", LANGS)
def test_the_editor_help_names_no_file_codes_or_aliases(lang: str) -> None:
    """Codes and aliases belong in docs/scenario.md, not in the planner's help."""
    from allocator_app import editor, ui

    at = session()
    at.session_state[ui.LANG_KEY] = lang
    # A file's codes and keys; in English the codes that are plain words (finance, Adams)
    # are also the words of the help, so only the spelled-as-code ones count there.
    codes = {"sainte-lague", "huntington-hill", "dhondt", "submitted_on", "credit_code",
             "top100", "true", "false", "scenario.", "cap.annual", "weights.", "sanctions.",
             "0.5", "1.0"}
    if lang == "zh":  # no code at all in Chinese help
        codes |= {"webster", "jefferson", "hamilton", "adams", "dean", "exclude", "none"}
        codes |= {c.code for c in (*SECTORS, *UNIT_TYPES, *STATUSES)}
    found = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ui, "lang", lambda: lang)
        for parameter in PARAMETERS:
            shown = editor.help_text(parameter).casefold()
            hits = sorted(code for code in codes if code in shown)
            if hits:
                found[parameter.key] = hits
    assert found == {}


def test_the_scenario_picker_and_origin_use_names_not_paths() -> None:
    at = session()
    go(at, "scenario")
    picker = at.selectbox(key="alloc.w.scenario_file.zh")
    assert "scenarios/" not in " ".join(picker.options)
    assert "内置方案「重点产业保底」" in picker.options
    assert any(c.value == app_text("scenario.origin",
                                   origin=app_text("scenario.shipped", name="基准方案"))
               for c in at.caption)


def test_an_open_section_stays_open_across_a_copy_and_an_edit() -> None:
    at = session()
    go(at, "scenario")
    at.session_state["alloc.w.section.sanctions"] = True  # as the planner's click does
    at.session_state["alloc.keep.open.sanctions"] = True
    click(at, app_text("scenario.duplicate"))
    at.number_input(key="alloc.w.p.zh.baseline-copy.0.cap.annual").set_value(2900).run()
    title = t("app.scenario.label_article", "zh", label="惩戒压减", article="").split("（")[0]
    sanctions = [e for e in at.expander if e.label == title]
    assert sanctions and at.session_state["alloc.w.section.sanctions"] is True


# -- numbers ----------------------------------------------------------------------------------
def test_one_divisor_precision_and_articles_as_the_text_says_them() -> None:
    at = session()
    plan = solve(build_problem(read_submissions(SAMPLE),
                               load_scenario(SCENARIOS / "baseline.toml")))
    (scope,) = [s for s in plan.scopes if s.name == "cap"]
    # Six places, rounded half up, trailing zeros dropped: by hand from the exact fraction.
    places = round(scope.divisor * 10**6)
    shown = f"{places // 10**6}.{places % 10**6:06d}".rstrip("0")
    assert metric(at, "results.divisor") == shown
    assert any(f"除数{shown}" in m.value for m in at.markdown)
    first_cut = next(i for i, reasons in enumerate(plan.problem.employers["reasons"])
                     if any(r.article == "13" for r in reasons))
    at.selectbox(key="alloc.w.explain").select(first_cut).run()
    reasons = next(t.value for t in at.table if app_text("explain.article") in t.value.columns)
    assert "第十三条" in reasons[app_text("explain.article")].tolist()
    assert "None" not in reasons.to_string()
