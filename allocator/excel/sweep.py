"""The sweep workbook: the curve against the cap, each employer's seats per cap, the answers.

Three sheets, Chinese first with English beside it, in the shared styles of :mod:`.styles`:

* 总量敏感性 Cap sensitivity — one row per cap (the scenario's own cap highlighted): allocated,
  unallocated, fill rates, each sector's seats, the divisor interval; a line chart of the sector
  curves under the table;
* 各单位 Employers — one row per employer (input order), one column per cap;
* 反向问题 Inverse questions — each question answered in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from allocator.excel.styles import (
    CHANGED_FILL,
    FORMAT_INT,
    FORMAT_PERCENT,
    PLAN_BOLD,
    page_setup,
    put,
    save_workbook,
    set_widths,
    sheet_title,
    write_table,
)
from allocator.i18n import Lang
from allocator.schema import SECTORS
from allocator.sweep import Answer, Sweep, sweep_json

SWEEP_SHEETS = ("总量敏感性 Cap sensitivity", "各单位 Employers", "反向问题 Inverse questions")


def add_curve_sheet(book: Workbook, result: Sweep) -> None:
    """The curve as one more sheet of another workbook (the plan's, ``solve --curve``)."""
    curve_sheet(book.create_sheet(SWEEP_SHEETS[0]), sweep_json(result))


def curve_sheet(curve: Worksheet, data: dict[str, Any]) -> None:
    """One row per cap (the scenario's own highlighted), and a chart of the sector curves."""
    name = data["scenario"]["name"]
    title = f"总量敏感性 Cap sensitivity — {name}"
    sectors = [c for c in SECTORS if data["by_sector"][c.code]["eligible"]]
    headers = ["年度总量 Cap", "状态 Status", "分配 Allocated", "未分配 Unallocated",
               "满足率（申报）Fill of requested", "满足率（合格）Fill of eligible",
               *(f"{c.zh} {c.en}" for c in sectors),
               "除数高于 Divisor above", "除数不超过 Divisor up to"]
    widths = [11, 12, 11, 11, 12, 12, *(11 for _ in sectors), 14, 14]
    sheet_title(curve, title, len(headers))
    put(curve, 2, 1, f"方法 Method: {data['method']}   预留 Reserve: {data['reserve']:,}   "
                     f"方案总量 Scenario cap: {data['scenario_cap']:,}（底色标出 highlighted）")
    rows, fills = [], []
    for i, cap in enumerate(data["caps"]):
        feasible = data["status"][i] == "optimal"
        interval = data["divisor_interval"][i] or [None, None]
        rows.append([cap, "可行 feasible" if feasible else "不可行 infeasible",
                     data["allocated"][i], data["unallocated"][i], data["fill_requested"][i],
                     data["fill_eligible"][i],
                     *(data["by_sector"][c.code]["allocated"][i] for c in sectors),
                     interval[0], "∞" if interval[0] is not None and interval[1] is None
                     else interval[1]])
        fills.append(CHANGED_FILL if cap == data["scenario_cap"] else None)
    formats = [FORMAT_INT, None, FORMAT_INT, FORMAT_INT, FORMAT_PERCENT, FORMAT_PERCENT,
               *(FORMAT_INT for _ in sectors), None, None]
    end = write_table(curve, 4, headers, rows, widths, formats, fills=fills)
    set_widths(curve, widths)
    curve.freeze_panes = "B5"
    page_setup(curve, title, title_rows="4:4")
    if sectors and len(rows) > 1:
        chart = LineChart()
        chart.title = "各产业分配 Allocation by sector"
        chart.x_axis.title = "年度总量 Cap"
        chart.y_axis.title = "指标 Permits"
        chart.add_data(Reference(curve, min_col=7, max_col=6 + len(sectors), min_row=4,
                                 max_row=end - 1), titles_from_data=True)
        chart.set_categories(Reference(curve, min_col=1, min_row=5, max_row=end - 1))
        chart.height, chart.width = 9, 18
        curve.add_chart(chart, f"A{end + 2}")


def write_sweep_workbook(result: Sweep, answers: Sequence[Answer], path: str | Path,
                         lang: Lang = "zh") -> None:
    save_workbook(build_sweep_workbook(result, answers, lang), path)


def build_sweep_workbook(result: Sweep, answers: Sequence[Answer],
                         lang: Lang = "zh") -> Workbook:
    data = sweep_json(result, answers)
    other: Lang = "en" if lang == "zh" else "zh"
    book = Workbook()
    curve = book.active
    curve.title = SWEEP_SHEETS[0]
    curve_sheet(curve, data)

    employers = book.create_sheet(SWEEP_SHEETS[1])
    caps = data["caps"]
    labels = {c.code: f"{c.zh} {c.en}" for c in SECTORS}
    heads = ["行 Row", "统一社会信用代码 Credit code", "单位名称 Name", "重点产业 Sector",
             "合格 Eligible", *(f"{c:,}" for c in caps)]
    for column, value in enumerate(heads, start=1):
        put(employers, 1, column, value).font = PLAN_BOLD
    # Plain cells: a 10,000-employer, 200-cap sweep is two million numbers.
    for r, entry in enumerate(data["employers"], start=2):
        values = [entry["row"], entry["credit_code"], entry["name"],
                  labels.get(entry["sector"], entry["sector"]), entry["eligible"],
                  *entry["allocated"]]
        for column, value in enumerate(values, start=1):
            put(employers, r, column, value)
    employers.freeze_panes = "F2"
    set_widths(employers, [7, 22, 28, 14, 9])

    questions = book.create_sheet(SWEEP_SHEETS[2])
    qtitle = "反向问题 Inverse questions"
    sheet_title(questions, qtitle, 4)
    write_table(questions, 3, ["问题 Question", "总量 Cap", "说明", "Explanation"],
                [[a["question"], a["cap"], a[lang], a[other]] for a in data["answers"]],
                [14, 10, 60, 60], [None, FORMAT_INT, None, None])
    set_widths(questions, [14, 10, 60, 60])
    page_setup(questions, qtitle, title_rows="3:3")
    return book
