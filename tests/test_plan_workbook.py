"""The plan workbook: its contents against the plan, its layout for printing, hostile text,
and byte-for-byte reproducibility."""

from __future__ import annotations

import random
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from allocator.cli import main
from allocator.examples import employer, submissions
from allocator.excel import print_scale, write_demand_workbook, write_plan_workbook
from allocator.explain import explain_employer
from allocator.model import solve
from allocator.plan import ApprovalInfo, PlanStatus, plan_json
from allocator.policy import build_problem
from allocator.scenario import PARAMETERS, default_scenario, load_scenario
from allocator.schema import SECTORS
from allocator.submissions import read_submissions

ROOT = Path(__file__).resolve().parent.parent
SHEETS = ["封面", "说明", "分配汇总", "分配明细", "分配说明", "并列与调整", "提示", "参数", "审计"]
HOSTILE_NAMES = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "=1+2", "#N/A",
                 "-=cmd|' /C calc'!A0", "=A1*2"]
APPROVAL = ApprovalInfo(run_id=7, approver="张三", approved_at="2026-12-20T10:30:00+08:00",
                        note="同意", chain_sha256="ab" * 32)


@cache
def sample():
    """The sample data under the baseline scenario: submissions, plan and workbook bytes."""
    demand = read_submissions(ROOT / "data" / "sample_demand.xlsx")
    plan = solve(build_problem(demand, load_scenario(ROOT / "scenarios" / "baseline.toml")))
    return demand, plan


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory):
    _, plan = sample()
    path = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    write_plan_workbook(plan, path)
    return path, openpyxl.load_workbook(path)


def hostile_plan():
    rng = random.Random(3)
    records = []
    for i, name in enumerate(HOSTILE_NAMES * 3):
        records.append(employer(i + 1, name=name, demand_total=rng.randint(1, 9),
                                sector=rng.choice([c.code for c in SECTORS]),
                                status="blacklisted" if i == 4 else "normal",
                                attrition_rate=Decimal("0.2") if i == 5 else None))
    scenario = default_scenario(40)
    return solve(build_problem(submissions(records), scenario))


def rows_of(sheet, first_row: int, columns: int) -> list[list]:
    return [[sheet.cell(row=r, column=c).value for c in range(1, columns + 1)]
            for r in range(first_row, sheet.max_row + 1)]


def key_values(sheet) -> dict[str, object]:
    return {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value
            for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=1).value}


def cover_values(sheet) -> dict[str, object]:
    """The cover's label → value pairs (two a row: A→B and C→D)."""
    out = {}
    for r in range(1, sheet.max_row + 1):
        for column in (1, 3):
            label = sheet.cell(row=r, column=column).value
            if isinstance(label, str):
                out.setdefault(label, sheet.cell(row=r, column=column + 1).value)
    return out


# -- contents ---------------------------------------------------------------------------------
def test_sheets_and_title(sample_book):
    _, book = sample_book
    assert book.sheetnames == SHEETS
    cover = book["封面"]
    assert cover["A1"].value == "东城区2027年度《北京市工作居住证》办证指标分配方案"
    assert cover["A2"].value == "（草案）"
    assert cover["A3"].value == "日期：　　年　　月　　日"  # a draft: to be filled in
    values = cover_values(cover)
    _, plan = sample()
    assert values["方案名称"] == "基准方案"
    assert values["年度指标总量（个）"] == 3000 and values["可分配指标（个）"] == 3000
    assert values["已分配指标（个）"] == plan.allocated
    assert values["未分配指标（个）"] == plan.unallocated
    assert values["分配方法"] == "圣拉古法"
    low, high = plan_json(plan)["divisor_interval"]
    assert values["除数"] == f"1.39（可取区间：{low} 至 {high}）"
    assert values["提示（条）"] == len(plan.all_warnings)
    for role in ("拟稿人", "审核人", "签发人"):
        assert role in values and values[role] is None  # room to sign
    assert values["单位盖章"] == "（盖章）"
    overview = key_values(book["说明"])
    assert overview["求解状态"] == "最优（已证明）"
    assert overview["状态"] == "草案，尚未审定"
    # One language: the scenario's English paragraph is not in the Chinese document.
    assert "The district" not in overview["方案说明"]
    assert overview["方案说明"].startswith("本区对实施细则的默认理解")


def test_every_employer_in_input_order_with_its_numbers(sample_book):
    demand, plan = sample()
    _, book = sample_book
    sheet = book["分配明细"]
    headers = [c.value for c in sheet[2]]
    assert headers[:4] == ["原表行号", "统一社会信用代码", "单位名称", "重点产业"]
    col = {h: i for i, h in enumerate(headers)}
    rows = rows_of(sheet, 3, len(headers))
    body, total = rows[:-1], rows[-1]
    frame = demand.frame
    assert [r[col["原表行号"]] for r in body] == frame["row"].tolist()
    assert [r[col["统一社会信用代码"]] for r in body] == frame["credit_code"].tolist()
    assert [r[col["单位名称"]] for r in body] == frame["name"].tolist()
    assert [r[col["申报"]] for r in body] == frame["demand_total"].tolist()
    allocated = [r[col["分配"]] for r in body]
    assert allocated == [int(x) for x in plan.allocation]
    assert sum(allocated) == plan.allocated == total[col["分配"]]
    assert total[col["申报"]] == int(frame["demand_total"].sum())
    for position, r in enumerate(body):
        requested = r[col["申报"]]
        fill = r[col["满足率"]]
        assert fill == pytest.approx(allocated[position] / requested) if requested else \
            fill is None
    # The explanation and every reason of every employer are on 分配说明, in the same order.
    sheet = book["分配说明"]
    headers = [c.value for c in sheet[2]]
    assert headers == ["原表行号", "单位名称", "分配", "分配说明", "原因及依据"]
    explained = rows_of(sheet, 3, len(headers))
    employers = plan_json(plan)["employers"]
    assert [r[0] for r in explained] == frame["row"].tolist()
    for r, e in zip(explained, employers, strict=True):
        assert r[2] == e["allocated"]
        for reason in e["reasons"]:
            assert reason["zh"] in r[4]
        assert r[3].endswith(f"分配{e['allocated']}个。") or f"分配{e['allocated']}个：" in r[3]
    assert explained[0][3] == explain_employer(plan, 0).zh


def sector_table(sheet) -> dict[str, list]:
    """The rows of 一、按重点产业 on 分配汇总, by label."""
    out, inside = {}, False
    for r in range(1, sheet.max_row + 1):
        label = sheet.cell(row=r, column=1).value
        if label == "一、按重点产业":
            inside = True
            continue
        if inside and label and label.startswith("二、"):
            break
        if inside and label:
            out[label] = [sheet.cell(row=r, column=c).value for c in range(2, 9)]
    return out


def test_summary_totals_equal_the_plan(sample_book):
    demand, plan = sample()
    _, book = sample_book
    table = sector_table(book["分配汇总"])
    sectors = demand.frame["sector"].to_numpy()
    for choice in SECTORS:
        mask = sectors == choice.code
        employers, requested, eligible, _, allocated, fill_requested, _ = table[choice.zh]
        assert employers == int(mask.sum())
        assert requested == int(demand.frame["demand_total"][mask].sum())
        assert eligible == int(plan.problem.employers["eligible"][mask].sum())
        assert allocated == int(plan.allocation[mask].sum())
        assert fill_requested == pytest.approx(allocated / requested)
    assert table["合计"][0] == len(demand.frame)
    assert table["合计"][4] == plan.allocated == 3000


def test_hashes_versions_and_solver_in_the_audit(sample_book):
    _, plan = sample()
    _, book = sample_book
    values = key_values(book["审计"])
    result = plan_json(plan)
    assert values["申报表校验值（SHA-256）"] == result["input_sha256"]
    assert values["方案参数校验值（SHA-256）"] == result["scenario_sha256"]
    assert values["分配方案校验值（SHA-256）"] == result["plan_sha256"]
    assert values["分配程序版本"] == result["allocator_version"]
    assert values["OR-Tools 版本"] == result["solver"]["version"]
    assert values["求解器状态"] == "OPTIMAL"
    assert values["目标值"] == result["solver"]["objective"]
    assert values["除数（精确值）"] == result["divisor_exact"]
    low, high = result["divisor_interval"]
    assert values["除数可取区间（精确值）"] == f"{low} 至 {high}"
    # Solver parameters one a line, not JSON.
    lines = values["求解参数"].split("\n")
    assert any(line.startswith("num_workers = ") for line in lines)
    assert "{" not in values["求解参数"]
    assert values["生成时间"].startswith("未记录")


def test_every_parameter_listed(sample_book):
    _, book = sample_book
    sheet = book["参数"]
    keys = [sheet.cell(row=r, column=6).value for r in range(4, sheet.max_row + 1)]
    assert keys == [p.key for p in PARAMETERS]
    labels = [sheet.cell(row=r, column=1).value for r in range(4, sheet.max_row + 1)]
    assert labels == [p.label_zh for p in PARAMETERS]
    by_key = {sheet.cell(row=r, column=6).value: r for r in range(4, sheet.max_row + 1)}
    row = by_key["sanctions.attrition_cut"]
    assert sheet.cell(row=row, column=2).value == "50%"
    assert sheet.cell(row=row, column=4).value == "第十六条第三项"


def adjustment_blocks(sheet) -> dict[str, list[int]]:
    """The input rows listed under each heading of 并列与调整 (heading text → rows)."""
    blocks: dict[str, list[int]] = {}
    current = None
    for r in range(3, sheet.max_row + 1):
        value = sheet.cell(row=r, column=1).value
        if isinstance(value, str):
            current = value
            blocks[current] = []
        elif isinstance(value, int) and current is not None:
            blocks[current].append(value)
    return blocks


def test_adjustments_list_exclusions_cuts_and_ceilings(sample_book):
    from fractions import Fraction

    from allocator.methods import rounded

    _, plan = sample()
    _, book = sample_book
    blocks = adjustment_blocks(book["并列与调整"])
    by_heading = {h.split("（")[0]: (h, rows) for h, rows in blocks.items()}
    frame = plan.problem.employers
    rows = frame["row"].astype(int).tolist()
    excluded = [rows[i] for i, reasons in enumerate(frame["reasons"])
                if any(r.code.startswith(("STATUS", "UNIT", "NEGATIVE")) for r in reasons)]
    heading, listed = by_heading["三、不予分配"]
    assert listed == excluded and f"（{len(excluded)}家）" in heading
    cut = [rows[i] for i, reasons in enumerate(frame["reasons"])
           if any(r.code.endswith("_CUT") and r.amount for r in reasons)]
    assert by_heading["四、压减"][1] == cut
    # Employers whose rounded quotient at the divisor is above their ceiling, recomputed.
    capped = [rows[i] for i in range(len(frame)) if frame.at[i, "upper"] > 0 and rounded(
        plan.problem.method, Fraction(frame.at[i, "claim"]) / plan.divisor)
        > frame.at[i, "upper"]]
    assert capped and by_heading["五、达到上限"][1] == capped
    guaranteed = [rows[i] for i in range(len(frame)) if frame.at[i, "guaranteed"] > 0]
    assert by_heading["二、保障"][1] == guaranteed
    assert by_heading["一、临界名额并列"][1] == []  # the baseline has no tie


def test_ties_are_listed_with_what_broke_them(tmp_path):
    # Claims 7, 2, 1 and 5 permits: A's 4th and C's first permit tie at the divisor 2 and
    # C, who submitted first, wins.
    from datetime import date

    records = [employer(1, demand_total=7, submitted_on=date(2026, 11, 2)),
               employer(2, demand_total=2, submitted_on=date(2026, 11, 1)),
               employer(3, demand_total=1, submitted_on=date(2026, 10, 9))]
    scenario = default_scenario(5).with_values({"weights.sector.other": 1})
    plan = solve(build_problem(submissions(records), scenario))
    path = tmp_path / "tie.xlsx"
    write_plan_workbook(plan, path)
    sheet = openpyxl.load_workbook(path)["并列与调整"]
    cells = {(sheet.cell(row=r, column=1).value, sheet.cell(row=r, column=9).value)
             for r in range(3, sheet.max_row + 1)}
    assert (2, "与第4行并列争夺最后1个名额，按申报日期先后未得，比取整结果4个少1个。") in cells
    assert (4, "与第2行并列争夺最后1个名额，按申报日期先后胜出，按取整结果1个分配。") in cells


def seats_of(plan) -> list[int]:
    return [int(x) for x in plan.allocation]


def test_a_scope_without_a_divisor_is_shown_as_a_dash(tmp_path):
    # Finance is held at its ceiling of 30 (divided by a divisor); everyone else gets all they
    # asked for, so the cap's scope has no divisor and 60 permits stay unallocated. The plan
    # workbook once failed here (pandas read the missing divisor back as NaN).
    records = [employer(1, demand_total=60, sector="finance"),
               employer(2, demand_total=40, sector="finance"),
               employer(3, demand_total=10)]
    scenario = default_scenario(100).with_values(
        {"weights.sector.finance": 1, "groups": {"fin": {"sector": "finance", "max": 30}}})
    plan = solve(build_problem(submissions(records), scenario))
    assert plan.allocated == 40 and plan.unallocated == 60
    assert {s.name: s.divisor is None for s in plan.scopes} == {"cap": True, "fin": False}
    path = tmp_path / "surplus.xlsx"
    write_plan_workbook(plan, path)
    sheet = openpyxl.load_workbook(path)["分配汇总"]
    rows = [list(row[:4]) for row in sheet.iter_rows(values_only=True)]
    header = rows.index(["分配范围", "单位（家）", "分配（个）", "除数"])
    assert sheet.cell(row=header + 1, column=5).value == "除数可取区间"
    fin = next(s for s in plan.scopes if s.name == "fin")
    # 30 permits over claims 60 and 40 at Sainte-Laguë: 18 and 12. Weakest seat awarded
    # 60/17.5 = 3.4286, strongest refused 60/18.5 = 3.2432: of the two-digit divisors inside,
    # 3.3 and 3.4, 3.3 is nearer the midpoint 3.336.
    assert fin.divisor == Decimal("3.3") and seats_of(plan) == [18, 12, 10]
    assert rows[header + 1:header + 3] == [["年度可分配总量", 1, 10, "—"],
                                           ["重点产业“金融”", 2, 30, "3.3"]]


# -- approval, reproducibility ----------------------------------------------------------------
def test_approved_plan_shows_approver_and_time(tmp_path):
    plan = hostile_plan()  # no plan year given or inferable: the title goes without
    path = tmp_path / "approved.xlsx"
    write_plan_workbook(plan, path, approval=APPROVAL)
    book = openpyxl.load_workbook(path)
    assert book["封面"]["A1"].value == "东城区《北京市工作居住证》办证指标分配方案"
    assert book["封面"]["A2"].value == "（审定稿）"
    assert book["封面"]["A3"].value == "日期：2026年12月20日"
    assert cover_values(book["封面"])["审定记录"] == \
        "张三于2026年12月20日 10:30 (UTC+08:00)审定（运行编号7）。"
    values = key_values(book["说明"])
    assert values["审定人"] == "张三"
    assert values["审定时间"] == "2026年12月20日 10:30 (UTC+08:00)"
    assert values["状态"] == "已审定"
    audit = key_values(book["审计"])
    assert audit["审定记录链校验值"] == "ab" * 32
    assert audit["审定时间"] == "2026-12-20T10:30:00+08:00"  # exact, for the audit
    assert "（草案）" not in book["分配明细"].oddHeader.center.text


def test_control_characters_from_outside_are_written_visibly(tmp_path):
    # An approver's name or note typed with a control character (the reader refuses them in
    # a workbook, but a name comes from the command line or the app too): the workbook is
    # still written, the character shown as an escape instead of breaking the file.
    from dataclasses import replace

    path = tmp_path / "approved.xlsx"
    write_plan_workbook(hostile_plan(), path,
                        approval=replace(APPROVAL, approver="张\x07三", note="通过\x1b[2J"))
    values = key_values(openpyxl.load_workbook(path)["说明"])
    assert values["审定人"] == "张\\x07三"
    assert any(v == "通过\\x1b[2J" for v in values.values())


def test_the_same_plan_gives_the_same_bytes(tmp_path):
    plan = hostile_plan()
    first, again = tmp_path / "first.xlsx", tmp_path / "again.xlsx"
    write_plan_workbook(plan, first)
    write_plan_workbook(plan, again)
    assert first.read_bytes() == again.read_bytes()
    write_plan_workbook(plan, again, approval=APPROVAL)
    assert first.read_bytes() != again.read_bytes()
    stamped = tmp_path / "stamped.xlsx"
    write_plan_workbook(plan, stamped, generated_at=datetime(2026, 12, 1, 9, 0, 0))
    stamped_book = openpyxl.load_workbook(stamped)
    assert key_values(stamped_book["审计"])["生成时间"] == "2026-12-01T09:00:00"
    assert stamped_book["封面"]["A3"].value == "日期：2026年12月1日"


# -- hostile text -----------------------------------------------------------------------------
def test_hostile_names_stay_text(tmp_path):
    plan = hostile_plan()
    path = tmp_path / "hostile.xlsx"
    write_plan_workbook(plan, path)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name).decode("utf-8")
                assert not re.search(r"<f[ >/]", xml), name
    book = openpyxl.load_workbook(path)
    sheet = book["分配明细"]
    names = [sheet.cell(row=r, column=3) for r in range(3, 3 + plan.problem.size)]
    assert [c.value for c in names] == HOSTILE_NAMES * 3
    assert all(c.data_type == "s" for c in names)
    adjustments = book["并列与调整"]
    listed = [adjustments.cell(row=r, column=2) for r in range(3, adjustments.max_row + 1)]
    assert any(c.value == HOSTILE_NAMES[4] and c.data_type == "s" for c in listed)


# -- layout -----------------------------------------------------------------------------------
def test_print_layout(sample_book):
    _, book = sample_book
    for sheet in book.worksheets:
        assert int(sheet.page_setup.paperSize) == 9  # A4
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert "草案" in sheet.oddHeader.center.text
    detail = book["分配明细"]
    assert detail.page_setup.orientation == "landscape"
    assert detail.print_title_rows == "$2:$2"
    assert detail.freeze_panes == "D3"
    assert book["并列与调整"].print_title_rows == "$2:$2"
    assert book["分配说明"].print_title_rows == "$2:$2"
    assert book["封面"].page_setup.orientation == "portrait"
    headers = {c.value: c.column_letter for c in detail[2]}
    assert detail[f"{headers['满足率']}3"].number_format == "0.0%"
    assert detail[f"{headers['分配']}3"].number_format == "#,##0"
    widths = [detail.column_dimensions[letter].width for letter in headers.values()]
    assert min(widths) >= 6
    # The numbers on one A4 landscape page width at 85 % or more (docs/documents.md).
    assert print_scale(widths, landscape=True) >= 0.85
    # Wrapped explanations (9 pt) get rows tall enough for their lines: a sentence wider than
    # its column (74 characters ≈ 390 pt, a Chinese character 9 pt wide) needs two lines or
    # more, each at least 9 pt × 1.2 high.
    explained = book["分配说明"]
    for r in range(3, 40):
        sentence = explained.cell(row=r, column=4).value
        wide = sum(1 for ch in sentence if len(ch.encode()) > 1)
        if wide * 9 > 390:
            assert explained.row_dimensions[r].height >= 2 * 9 * 1.2, r


def test_english_workbook(tmp_path):
    plan = hostile_plan()
    path = tmp_path / "en.xlsx"
    write_plan_workbook(plan, path, lang="en", approval=APPROVAL)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Cover", "Overview", "Summary", "Employers", "Explanations",
                               "Ties and adjustments", "Warnings", "Parameters", "Audit"]
    assert book["Cover"]["A1"].value == "Dongcheng District Work Residence Permit quota plan"
    assert book["Cover"]["A2"].value == "(approved)"
    assert book["Explanations"]["D3"].value == explain_employer(plan, 0).en
    assert book["Employers"]["B2"].value == "Credit code"
    # One language: the page footer too.
    assert all(sheet.oddFooter.center.text == "Page &P of &N" for sheet in book.worksheets)


def test_infeasible_plan_is_refused(tmp_path):
    records = [employer(1, demand_total=3, top100=True, demand_senior=3, demand_other=0)]
    plan = solve(build_problem(submissions(records), default_scenario(2)))
    assert plan.status is PlanStatus.INFEASIBLE
    with pytest.raises(ValueError):
        write_plan_workbook(plan, tmp_path / "x.xlsx")


def test_solve_out_writes_the_workbook(tmp_path):
    rng = np.random.default_rng(1)
    records = [employer(i + 1, demand_total=int(rng.integers(1, 9))) for i in range(12)]
    demand = tmp_path / "demand.xlsx"
    write_demand_workbook(demand, submissions(records).frame)
    out = tmp_path / "plan.xlsx"
    code = main(["solve", str(demand), "--cap", "20", "--out", str(out), "--db",
                 str(tmp_path / "store.db")])
    assert code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == SHEETS
    detail = book["分配明细"]
    assert sum(detail.cell(row=r, column=13).value for r in range(3, 15)) == 20


def test_a_cut_of_zero_is_listed_with_the_cut_employers(tmp_path):
    # Attrition 20 % (above the 10 % threshold) cuts half of the eligible demand; rounded down,
    # half of 1 permit removes 0. The sanction applied, so the employer is listed under 压减
    # with its change 0, and its reason says so.
    records = [employer(1, demand_total=1, attrition_rate=Decimal("0.2")),
               employer(2, demand_total=4)]
    scenario = default_scenario(5).with_values({"sanctions.share_rounding": "down"})
    plan = solve(build_problem(submissions(records), scenario))
    path = tmp_path / "zero.xlsx"
    write_plan_workbook(plan, path)
    sheet = openpyxl.load_workbook(path)["并列与调整"]
    blocks = adjustment_blocks(sheet)
    (heading, listed), = [(h, rows) for h, rows in blocks.items() if "、压减" in h]
    first_row = int(plan.problem.employers["row"].iloc[0])
    assert listed == [first_row] and "（1家）" in heading
    row = next(r for r in range(3, sheet.max_row + 1)
               if sheet.cell(row=r, column=1).value == first_row
               and sheet.cell(row=r, column=8).value is not None)
    assert sheet.cell(row=row, column=8).value == 0
    assert "减0个" in sheet.cell(row=row, column=9).value
    # 分配汇总 六、压减 counts it too: one employer, 0 permits.
    summary = openpyxl.load_workbook(path)["分配汇总"]
    values = [[c.value for c in r] for r in summary.iter_rows()]
    cuts = next(i for i, r in enumerate(values) if r[0] == "六、压减（按原因）")
    total = next(r for r in values[cuts:] if r[0] == "合计（单位按家去重）")
    assert total[2:4] == [1, 0]


def test_every_warning_is_listed_with_its_row_and_employer(tmp_path):
    # Two warnings of the workbook's validation, each about one employer: a top-100 firm
    # without the breakdown by role (Excel row 3, under the title and the header) and a
    # submission dated outside Q4 (row 4).
    from datetime import date

    records = [employer(1, demand_total=5, top100=True),
               employer(2, demand_total=3, submitted_on=date(2026, 6, 1))]
    demand = tmp_path / "demand.xlsx"
    write_demand_workbook(demand, submissions(records).frame)
    read = read_submissions(demand, plan_year=2027)
    plan = solve(build_problem(read, default_scenario(6)))
    path = tmp_path / "warned.xlsx"
    write_plan_workbook(plan, path)
    sheet = openpyxl.load_workbook(path)["提示"]
    assert [c.value for c in sheet[2]] == ["序号", "原表行号", "统一社会信用代码", "单位名称",
                                           "提示内容"]
    listed = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert sheet["A1"].value == f"提示（{len(plan.all_warnings)}条）"
    assert [r[0] for r in listed] == list(range(1, len(plan.all_warnings) + 1))
    by_row = {r[1]: r for r in listed if r[1] is not None}
    assert by_row[3][2:4] == [records[0]["credit_code"], "示例单位1"]
    assert by_row[4][2:4] == [records[1]["credit_code"], "示例单位2"]
    # Each listed message is the plan's own warning, in the plan's order.
    assert [r[4] for r in listed] == [w.message.zh for w in plan.all_warnings]


def solved_with(tmp_path, *options: str) -> openpyxl.Workbook:
    """``allocator solve --out`` of 12 employers for 20 permits, with ``options``."""
    rng = np.random.default_rng(4)
    records = [employer(i + 1, demand_total=int(rng.integers(1, 9))) for i in range(12)]
    demand = tmp_path / "demand.xlsx"
    write_demand_workbook(demand, submissions(records).frame)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(demand), "--cap", "20", "--out", str(out), *options, "--db",
                 str(tmp_path / "store.db")]) == 0
    return openpyxl.load_workbook(out)


def cover_text(book: openpyxl.Workbook) -> str:
    return " ".join(str(v) for row in book["封面"].iter_rows(values_only=True) for v in row if v)


@pytest.mark.parametrize("choice", [None, "sheet", "appendix"])
def test_the_explanations_stay_in_the_workbook_printed_or_not(tmp_path, choice):
    book = solved_with(tmp_path, *(["--explanations", choice] if choice else []))
    assert book.sheetnames == SHEETS
    assert "未收入本工作簿" not in cover_text(book)
    sheet = book["分配说明"]
    # Every employer's sentence is in the sheet whatever the choice: only the printing differs.
    assert sum(1 for r in range(3, 15) if sheet.cell(row=r, column=4).value) == 12
    if choice == "appendix":
        assert sheet["A1"].value.startswith("附件")
        assert not sheet.print_area
    else:  # the default: on screen only, the title says so and is all that prints
        assert "未随方案打印" in sheet["A1"].value and "12家" in sheet["A1"].value
        assert sheet.print_area == "'分配说明'!$A$1:$E$1"


def test_the_explanations_can_be_left_out(tmp_path):
    book = solved_with(tmp_path, "--explanations", "none")
    assert book.sheetnames == [s for s in SHEETS if s != "分配说明"]
    assert "未收入本工作簿" in cover_text(book)


def test_an_unknown_explanations_choice_is_refused(tmp_path):
    _, plan = sample()
    with pytest.raises(ValueError, match="explanations"):
        write_plan_workbook(plan, tmp_path / "x.xlsx", explanations="printed")
    assert not (tmp_path / "x.xlsx").exists()
