"""Nothing a planner should know is dropped between ``validate`` and ``solve`` (docs/result.md).

Small workbooks are built cell by cell with openpyxl, worked by hand: each warning of the
reader reaches the result JSON (top level and the employer's own entry) with its row and
credit code, the console names the row and the employer, and a number a warning changed says
so in the employer's reason and sentence. A property test checks, for random workbooks and
scenarios, that the warnings of the plan contain every warning of the validation.
"""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.cli import main
from allocator.examples import credit_code
from allocator.explain import explain_plan
from allocator.model import solve
from allocator.plan import plan_json
from allocator.policy import build_problem
from allocator.scenario import default_scenario
from allocator.submissions import read_submissions

#: Each example reads a workbook (in a sandboxed subprocess, ~0.5 s): FUZZ_EXAMPLES=200 runs more.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
HEADER = ["统一社会信用代码", "单位名称", "单位类型", "区级百强企业", "申报人数_高级管理人员",
          "申报人数_业务骨干", "申报人数_其他人才", "申报人数合计", "近一年流失率", "申报日期",
          "行业代码"]


def write(path: Path, rows: list[list[object]], *, title: str | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "需求申报"
    if title:
        sheet.append([title])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def row(number: int, name: str, *, top100: str = "否", parts: tuple = (None, None, None),
        total: int = 10, rate: object = None, on: str = "2026-11-02",
        industry: str | None = None) -> list[object]:
    return [credit_code(number), name, "企业", top100, *parts, total, rate, on, industry]


def result_of(path: Path, cap: int, **changes: object) -> tuple[dict, list]:
    demand = read_submissions(path, plan_year=2027)
    assert demand.ok, demand.errors
    plan = solve(build_problem(demand, default_scenario(cap).with_values(changes)))
    return plan_json(plan), explain_plan(plan)


def own(result: dict, position: int) -> list[tuple[str, int]]:
    return [(w["code"], w["row"]) for w in result["employers"][position]["warnings"]]


def test_a_top100_firm_without_a_breakdown_loses_its_guarantee_and_says_so(tmp_path):
    # Two top-100 firms asking for 10 each under a tight cap of 4. The one giving 3 senior
    # managers is guaranteed 3 (Art. 8, 100 % by default); the one giving no breakdown by role
    # cannot be guaranteed anything: both have claim 10, so Sainte-Laguë would split 2 : 2,
    # and the guarantee lifts the first to 3, leaving 1.
    path = write(tmp_path / "d.xlsx", [
        row(1, "甲公司", top100="是", parts=(3, 2, 5)),
        row(2, "乙公司", top100="是"),
    ])
    result, sentences = result_of(path, 4)
    first, second = result["employers"]
    assert (first["guaranteed"], first["allocated"]) == (3, 3)
    assert (second["guaranteed"], second["allocated"]) == (0, 1)
    assert own(result, 1) == [("demand_parts_top100", 3)]
    [reason] = [r for r in second["reasons"] if r["code"] == "TOP100_NO_BREAKDOWN"]
    assert reason["warning"] == "demand_parts_top100" and reason["amount"] == 0
    assert "未填高级管理人员人数" in reason["zh"] and "第八条" in reason["zh"]
    # The divisor: the last permit is the second firm's first (10/0.5 = 20), the strongest
    # refused its second (10/1.5 ≈ 6.67); one digit inside (6.67, 20) nearest 13.3 is 10.
    assert (sentences[1].sentence.en, sentences[1].sentence.zh) == (
        "Requested 10; eligible 10; floor 0, ceiling 10 (top-100 firm without a breakdown by "
        "role, so no guarantee under Art. 8 can be worked out: 0); weight 1; claim 1 × 10 = 10; "
        "quotient 10 ÷ 10 = 1 (divisor of the allocatable cap), rounded to 1 by Sainte-Laguë; "
        "allocated 1.",
        "申报10个；合格10个；下限0个、上限10个（区级百强企业未填分项人数，无法依第八条计算保障数，"
        "保障0个）；权重1；分配依据1×10=10；商10÷10=1（按全区可分配总量的除数），按圣拉古法取整为1；"
        "分配1个。")
    warning = next(w for w in result["warnings"] if w["row"] == 3)
    assert warning == {"code": "demand_parts_top100", "row": 3, "credit_code": credit_code(2),
                       "zh": "区级百强企业未填分项人数，无法计算高级管理人员保障数。",
                       "en": "A top-100 firm gave no demand parts: its senior-manager guarantee "
                             "cannot be computed."}


def test_a_top100_firm_without_a_breakdown_names_every_role_it_would_be_guaranteed(tmp_path):
    # With key staff guaranteed too (50 %), the firm that gave no breakdown lacks both roles'
    # numbers, and the reason names both.
    path = write(tmp_path / "d.xlsx", [row(1, "乙公司", top100="是")])
    result, _ = result_of(path, 4, **{"guarantee.top100_key_staff": Decimal("0.5")})
    [reason] = [r for r in result["employers"][0]["reasons"]
                if r["code"] == "TOP100_NO_BREAKDOWN"]
    assert reason["zh"] == ("区级百强企业（第八条），但未填高级管理人员、业务骨干人数，"
                            "无法计算保障数：保障0个（提示：未填分项人数）。")
    assert reason["en"] == ("District top-100 firm (Art. 8), but the number of senior managers "
                            "and key staff is not given, so no guarantee can be worked out: 0 "
                            "guaranteed (warning: no breakdown by role).")


def test_an_attrition_rate_typed_as_1_is_read_as_100_percent_and_says_so(tmp_path):
    # Rate 1 reads as 100 % > 10 %: half of 10 is cut (5 left). The reason and the sentence
    # name the warning; the second firm typed "1%" and is not cut.
    path = write(tmp_path / "d.xlsx", [row(1, "甲公司", rate=1), row(2, "乙公司", rate="1%")])
    result, sentences = result_of(path, 100)
    assert [e["eligible"] for e in result["employers"]] == [5, 10]
    [cut] = result["employers"][0]["reasons"]
    assert (cut["code"], cut["amount"], cut["warning"]) == ("ATTRITION_CUT", -5, "rate_one")
    assert "流失率填写为1，按100%计" in cut["zh"]
    assert (sentences[0].sentence.en, sentences[0].sentence.zh) == (
        "Requested 10; eligible 5 (attrition above the threshold, Art. 16(3), −5 — the "
        "attrition rate was typed as 1 and read as 100 %); floor 0, ceiling 5; weight 1; claim "
        "1 × 5 = 5; allocated 5: enough permits for everyone in scope, so its full ceiling.",
        "申报10个；合格5个（因流失率超标依第十六条第三项减5个，流失率填写为1，按100%计）；"
        "下限0个、上限5个；权重1；分配依据1×5=5；分配5个：本范围名额充足，按上限全额分配。")
    assert own(result, 0) == [("rate_one", 2)] and own(result, 1) == []


def test_a_submission_outside_q4_is_flagged_in_the_plan(tmp_path):
    # Plan year 2027: the filing period is 2026-10-01 to 2026-12-31 (Art. 7).
    path = write(tmp_path / "d.xlsx", [row(1, "甲公司", on="2026-05-02"),
                                       row(2, "乙公司", on="2026-12-31"),
                                       row(3, "丙公司", on="2027-01-01")])
    result, _ = result_of(path, 30)
    assert [(w["code"], w["row"], w["credit_code"]) for w in result["warnings"]
            if w["row"] is not None] == [("date_outside_q4", 2, credit_code(1)),
                                         ("date_outside_q4", 4, credit_code(3))]
    assert [own(result, i) for i in range(3)] == [[("date_outside_q4", 2)], [],
                                                  [("date_outside_q4", 4)]]


def test_an_industry_code_too_coarse_counts_as_other_and_says_so(tmp_path):
    # R90 mixes entertainment (culture) and lotteries: no culture tilt, and the sentence
    # says why; R9011 (a dance hall) is culture, weighted 1.2 by default.
    path = write(tmp_path / "d.xlsx", [row(1, "甲公司", industry="R90"),
                                       row(2, "乙公司", industry="R9011")])
    result, sentences = result_of(path, 100)
    assert [(e["sector"], e["weight"]) for e in result["employers"]] == [("other", 1.0),
                                                                       ("culture", 1.2)]
    assert own(result, 0) == [("industry_too_coarse", 2)]
    assert (sentences[0].sentence.en, sentences[0].sentence.zh) == (
        "Requested 10; eligible 10; floor 0, ceiling 10; weight 1 (other under Art. 8: the "
        "industry code is too coarse, so it cannot decide the priority sector); claim "
        "1 × 10 = 10; allocated 10: enough permits for everyone in scope, so its full ceiling.",
        "申报10个；合格10个；下限0个、上限10个；权重1（依第八条按“其他”计：行业代码过粗，"
        "无法判定重点产业）；分配依据1×10=10；分配10个：本范围名额充足，按上限全额分配。")
    [undecided] = [r for r in result["employers"][0]["reasons"]
                   if r["code"] == "SECTOR_UNDECIDED"]
    assert undecided["en"].startswith("Industry code R90 cannot decide the priority sector")


def test_the_console_names_row_and_employer(tmp_path, capsys):
    path = write(tmp_path / "d.xlsx", [row(1, "甲公司", rate=1), row(2, "乙公司")])
    assert main(["solve", str(path), "--cap", "20", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert f"第2行 甲公司（{credit_code(1)}）：流失率填写为 1，按 100% 理解" in out


def test_validate_and_solve_json_agree_on_every_warning(tmp_path):
    path = write(tmp_path / "d.xlsx", [
        row(1, "甲公司", top100="是", rate=1, on="2026-01-05", industry="L72"),
        row(2, "乙公司", top100="是", parts=(1, None, None), total=4),
        ["合计", None, None, None, None, None, None, 14],
    ], title="2027年度工作居住证办证需求汇总表")
    report, result = tmp_path / "v.json", tmp_path / "s.json"
    assert main(["validate", str(path), "--json", str(report)]) == 0
    assert main(["solve", str(path), "--cap", "10", "--json", str(result)]) == 0
    validated = json.loads(report.read_text(encoding="utf-8"))["issues"]
    solved = json.loads(result.read_text(encoding="utf-8"))["warnings"]
    wanted = {(i["code"], i["row"], i["zh"], i["en"]) for i in validated}
    assert {"rate_one", "date_outside_q4", "industry_too_coarse", "demand_parts_missing",
            "totals_row_ignored"} <= {code for code, *_ in wanted}
    assert wanted <= {(w["code"], w["row"], w["zh"], w["en"]) for w in solved}
    assert all(set(w) == {"code", "row", "credit_code", "zh", "en"} for w in solved)


# -- the property -----------------------------------------------------------------------------
CELL = {
    "top100": st.sampled_from(["是", "否", None]),
    "part": st.sampled_from([None, 0, 1, 3]),
    "rate": st.sampled_from([None, 0, 1, "1%", "15%", Decimal("0.3"), 12]),
    "date": st.sampled_from([None, date(2026, 11, 2), date(2026, 3, 1), date(2027, 2, 1)]),
    "industry": st.sampled_from([None, "R90", "R9011", "L7211", "J66", "C23", "R", "A01"]),
}


@st.composite
def workbooks(draw: st.DrawFn) -> list[list[object]]:
    rows = []
    for number in range(1, draw(st.integers(1, 8)) + 1):
        parts = [draw(CELL["part"]) for _ in range(3)]
        given = [p for p in parts if p is not None]
        total = sum(given) + draw(st.integers(0, 6)) if len(given) < 3 else sum(given)
        rows.append([credit_code(number), f"单位{number}", "企业", draw(CELL["top100"]), *parts,
                     total, draw(CELL["rate"]), draw(CELL["date"]), draw(CELL["industry"])])
    if draw(st.booleans()):
        rows.append(["合计", None, None, None, None, None, None,
                     sum(r[7] for r in rows)])
    return rows


scenario_changes = st.fixed_dictionaries({}, optional={
    "guarantee.top100_key_staff": st.sampled_from(["0", "0.5", "1"]),
    "guarantee.top100_senior": st.sampled_from(["0", "1"]),
    "sanctions.share_rounding": st.sampled_from(["at_least_one", "down", "nearest", "up"]),
    "weights.combine": st.sampled_from(["product", "largest"]),
    "sanctions.attrition_threshold": st.sampled_from(["0.1", "1"]),
})


@settings(max_examples=EXAMPLES or 10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=workbooks(), changes=scenario_changes, cap=st.integers(0, 40))
def test_the_plan_warns_of_everything_the_validation_warns_of(tmp_path, rows, changes, cap):
    path = write(tmp_path / "d.xlsx", rows)
    demand = read_submissions(path, plan_year=2027)
    assert demand.ok, demand.errors  # the cells drawn are all readable
    result = plan_json(solve(build_problem(demand, default_scenario(cap).with_values(changes))))
    plan_warnings = [(w["code"], w["row"], w["zh"], w["en"]) for w in result["warnings"]]
    for found in demand.warnings:
        assert (found.code, found.row, found.message.zh, found.message.en) in plan_warnings
    # …and each employer's entry carries its own, with its credit code.
    rows_of = {e["row"]: e for e in result["employers"]}
    for found in demand.warnings:
        if found.row in rows_of:
            entry = rows_of[found.row]
            assert {"code": found.code, "row": found.row, "credit_code": entry["credit_code"],
                    "zh": found.message.zh, "en": found.message.en} in entry["warnings"]


def test_warning_lines_name_the_row_the_employer_and_its_credit_code(tmp_path):
    from dataclasses import replace

    from allocator.explain import warning_lines
    from allocator.i18n import Text
    from allocator.policy import PlanWarning

    path = write(tmp_path / "d.xlsx", [row(1, "甲公司", rate=1),
                                       row(2, "乙公司", on="2026-05-02")])
    demand = read_submissions(path, plan_year=2027)
    plan = solve(build_problem(demand, default_scenario(100)))
    assert [(line.en, line.zh) for line in warning_lines(plan)] == [
        (f"Row 2, 甲公司 ({credit_code(1)}): An attrition rate of 1 is read as 100 %; write '1%' "
         "if you meant one percent.",
         f"第2行 甲公司（{credit_code(1)}）：流失率填写为 1，按 100% 理解；如指 1%，请填写“1%”。"),
        (f"Row 3, 乙公司 ({credit_code(2)}): Submission date 2026-05-02 is outside the filing "
         "period for plan year 2027 (2026-10-01 to 2026-12-31).",
         f"第3行 乙公司（{credit_code(2)}）：申报日期 2026-05-02 不在2027年度计划的申报期"
         "（2026-10-01 至 2026-12-31）内。"),
        # The first firm keeps 5 of 10 after the attrition cut (a rate of 100 %), the second its
        # 10: 15 of 100.
        ("Eligible demand of 15 (15 after ceilings) is below the allocatable 100: 85 permits "
         "stay unallocated.",
         "合格需求15个（计单位上限后15个）少于可分配总量100个，85个指标未分配。"),
    ]
    # A warning about a row that is no employer's (a row the reader set aside) names the row
    # alone.
    aside = PlanWarning("ignored", Text(zh="合计行已忽略。", en="A totals row was ignored."), 9,
                        None)
    plan = replace(plan, problem=replace(plan.problem, warnings=(aside,)))
    assert [(line.en, line.zh) for line in warning_lines(plan, surplus=False)] == [
        ("Row 9: A totals row was ignored.", "第9行：合计行已忽略。")]
