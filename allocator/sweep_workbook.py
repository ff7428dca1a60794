"""The sweep workbook: the curve against the cap, each employer's seats per cap, the answers.

Written as its own small module (the plan and comparison workbooks live in
:mod:`allocator.excel`); three sheets, Chinese first with English beside it:

* 总量敏感性 Cap sensitivity — one row per cap: allocated, unallocated, fill rates, each
  sector's seats, the divisor interval; a line chart of the sector curves;
* 各单位 Employers — one row per employer (input order), one column per cap;
* 反向问题 Inverse questions — each question answered in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from allocator.i18n import Lang
from allocator.schema import SECTORS
from allocator.sweep import Answer, Sweep, sweep_json

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CURRENT_FILL = PatternFill("solid", fgColor="FFF2CC")
_PERCENT = "0.0%"


def _header(sheet, row: int, values: Sequence[str]) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def write_sweep_workbook(result: Sweep, answers: Sequence[Answer], path: Path,
                         lang: Lang = "zh") -> None:
    data = sweep_json(result, answers)
    other: Lang = "en" if lang == "zh" else "zh"
    book = Workbook()
    curve = book.active
    curve.title = "总量敏感性 Cap sensitivity"
    name = data["scenario"]["name"]
    curve["A1"] = f"总量敏感性 Cap sensitivity — {name}"
    curve["A1"].font = Font(bold=True, size=14)
    curve["A2"] = (f"方法 Method: {data['method']}   预留 Reserve: {data['reserve']}   "
                   f"方案总量 Scenario cap: {data['scenario_cap']}（黄色 highlighted）")
    sectors = [c for c in SECTORS if data["by_sector"][c.code]["eligible"]]
    headers = ["年度总量 Cap", "状态 Status", "分配 Allocated", "未分配 Unallocated",
               "满足率（申报）Fill of requested", "满足率（合格）Fill of eligible",
               *(f"{c.zh} {c.en}" for c in sectors),
               "除数下限 Divisor above", "除数上限 Divisor up to"]
    _header(curve, 4, headers)
    for i, cap in enumerate(data["caps"]):
        row = 5 + i
        feasible = data["status"][i] == "optimal"
        interval = data["divisor_interval"][i] or [None, None]
        values = [cap, "可行 feasible" if feasible else "不可行 infeasible",
                  data["allocated"][i], data["unallocated"][i], data["fill_requested"][i],
                  data["fill_eligible"][i],
                  *(data["by_sector"][c.code]["allocated"][i] for c in sectors),
                  interval[0], interval[1]]
        for column, value in enumerate(values, start=1):
            cell = curve.cell(row=row, column=column, value=value)
            if column in (5, 6):
                cell.number_format = _PERCENT
            elif isinstance(value, int):
                cell.number_format = "#,##0"
            if cap == data["scenario_cap"]:
                cell.fill = _CURRENT_FILL
    for column in range(1, len(headers) + 1):
        curve.column_dimensions[get_column_letter(column)].width = 16
    curve.freeze_panes = "B5"
    last = 4 + len(data["caps"])
    if sectors and len(data["caps"]) > 1:
        chart = LineChart()
        chart.title = "各产业分配 Allocation by sector"
        chart.x_axis.title = "年度总量 Cap"
        chart.y_axis.title = "指标 Permits"
        chart.add_data(Reference(curve, min_col=7, max_col=6 + len(sectors), min_row=4,
                                 max_row=last), titles_from_data=True)
        chart.set_categories(Reference(curve, min_col=1, min_row=5, max_row=last))
        chart.height, chart.width = 9, 18
        curve.add_chart(chart, f"A{last + 3}")

    employers = book.create_sheet("各单位 Employers")
    caps = data["caps"]
    _header(employers, 1, ["行 Row", "统一社会信用代码 Credit code", "单位名称 Name",
                           "重点产业 Sector", "合格 Eligible", *(f"{c:,}" for c in caps)])
    labels = {c.code: f"{c.zh} {c.en}" for c in SECTORS}
    for r, entry in enumerate(data["employers"], start=2):
        values = [entry["row"], entry["credit_code"], entry["name"],
                  labels.get(entry["sector"], entry["sector"]), entry["eligible"],
                  *entry["allocated"]]
        for column, value in enumerate(values, start=1):
            employers.cell(row=r, column=column, value=value)
    employers.freeze_panes = "F2"
    for column, width in zip("ABCDE", (7, 22, 28, 12, 9), strict=True):
        employers.column_dimensions[column].width = width

    questions = book.create_sheet("反向问题 Inverse questions")
    _header(questions, 1, ["问题 Question", "总量 Cap", "说明", "Explanation"])
    for r, answer in enumerate(data["answers"], start=2):
        questions.cell(row=r, column=1, value=answer["question"])
        questions.cell(row=r, column=2, value=answer["cap"])
        questions.cell(row=r, column=3, value=answer[lang]).alignment = \
            Alignment(wrap_text=True)
        questions.cell(row=r, column=4, value=answer[other]).alignment = \
            Alignment(wrap_text=True)
    for column, width in zip("ABCD", (14, 10, 60, 60), strict=True):
        questions.column_dimensions[column].width = width
    book.save(path)
