"""The sweep workbook: the curve against the cap, each employer's seats per cap, the answers.

Three sheets, in one language (the one chosen; Chinese by default), in the shared styles of
:mod:`.styles`:

* 总量敏感性 (Cap sensitivity) — one row per cap (the scenario's own cap highlighted): allocated,
  unallocated, fill rates, each sector's seats, the divisor interval; a line chart of the sector
  curves under the table;
* 各单位 (Employers) — one row per employer (input order), one column per cap;
* 反向问题 (Inverse questions) — each question answered in words.
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
from allocator.i18n import Lang, text
from allocator.schema import SECTORS
from allocator.sweep import Answer, Sweep, sweep_json

SWEEP_SHEETS = {lang: tuple(text(f"workbook.sweep.sheet.{key}").get(lang)
                             for key in ("curve", "employers", "questions"))
                for lang in ("zh", "en")}


def _t(lang: Lang, key: str, /, **params: Any) -> str:
    return text(f"workbook.sweep.{key}", **params).get(lang)


def add_curve_sheet(book: Workbook, result: Sweep, lang: Lang = "zh") -> None:
    """The curve as one more sheet of another workbook (the plan's, ``solve --curve``)."""
    curve_sheet(book.create_sheet(SWEEP_SHEETS[lang][0]), sweep_json(result), lang)


def curve_sheet(curve: Worksheet, data: dict[str, Any], lang: Lang = "zh") -> None:
    """One row per cap (the scenario's own highlighted), and a chart of the sector curves."""
    name = data["scenario"]["name"]
    title = _t(lang, "title", name=name)
    sectors = [c for c in SECTORS if data["by_sector"][c.code]["eligible"]]
    headers = [*(_t(lang, f"col.{key}") for key in
                 ("cap", "status", "allocated", "unallocated", "fill_requested", "fill_eligible")),
               *(c.zh if lang == "zh" else c.en for c in sectors),
               _t(lang, "col.divisor_above"), _t(lang, "col.divisor_up_to")]
    widths = [11, 12, 11, 11, 12, 12, *(11 for _ in sectors), 14, 14]
    sheet_title(curve, title, len(headers))
    put(curve, 2, 1, _t(lang, "note", method=data["method"], reserve=f"{data['reserve']:,}",
                        cap=f"{data['scenario_cap']:,}"))
    feasible_text, infeasible_text = _t(lang, "feasible"), _t(lang, "infeasible")
    rows, fills = [], []
    for i, cap in enumerate(data["caps"]):
        feasible = data["status"][i] == "optimal"
        interval = data["divisor_interval"][i] or [None, None]
        rows.append([cap, feasible_text if feasible else infeasible_text,
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
    page_setup(curve, title, title_rows="4:4", lang=lang)
    if sectors and len(rows) > 1:
        chart = LineChart()
        chart.title = _t(lang, "chart")
        chart.x_axis.title = _t(lang, "col.cap")
        chart.y_axis.title = _t(lang, "permits")
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
    """The sweep workbook in ``lang`` (sheet names, headers, answers), data values as given."""
    data = sweep_json(result, answers)
    names = SWEEP_SHEETS[lang]
    book = Workbook()
    curve = book.active
    curve.title = names[0]
    curve_sheet(curve, data, lang)

    employers = book.create_sheet(names[1])
    caps = data["caps"]
    labels = {c.code: c.zh if lang == "zh" else c.en for c in SECTORS}
    heads = [*(_t(lang, f"col.{key}") for key in
               ("row", "credit_code", "name", "sector", "eligible")), *(f"{c:,}" for c in caps)]
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

    questions = book.create_sheet(names[2])
    qtitle = _t(lang, "questions_title")
    sheet_title(questions, qtitle, 3)
    write_table(questions, 3, [_t(lang, "col.question"), _t(lang, "col.cap"),
                               _t(lang, "col.answer")],
                [[_t(lang, f"question.{a['question']}"), a["cap"], a[lang]]
                 for a in data["answers"]],
                [16, 10, 80], [None, FORMAT_INT, None], wrap=[False, False, True])
    set_widths(questions, [16, 10, 80])
    page_setup(questions, qtitle, title_rows="3:3", lang=lang)
    return book
