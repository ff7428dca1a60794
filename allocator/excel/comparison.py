"""The comparison workbook: plans of several scenarios side by side."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from allocator.compare import Comparison
from allocator.docs import article_text
from allocator.excel.styles import (
    FORMAT_CHANGE,
    FORMAT_COUNT,
    FORMAT_INT,
    FORMAT_PERCENT,
    NOTE_FONT,
    PLAN_FONT,
    WRAP,
    fit_row,
    msg,
    named_sheets,
    page_setup,
    put,
    save_workbook,
    set_widths,
    sheet_title,
    text_width,
    write_header,
    write_row,
    write_section,
    write_table,
)
from allocator.i18n import Lang, Text
from allocator.schema import SECTORS

# =============================================================================================
# The comparison workbook: plans of several scenarios side by side
# =============================================================================================

COMPARISON_SHEETS = ("metrics", "sectors", "parameters", "differences")


def build_comparison_workbook(comparison: Comparison, *, lang: Lang = "zh") -> Workbook:
    """The comparison workbook in memory (see :func:`write_comparison_workbook`)."""
    book = Workbook()
    title = msg(lang, "compare.title", count=len(comparison.names) + len(comparison.infeasible))
    sheets = named_sheets(book, [msg(lang, f"compare.sheet.{k}") for k in COMPARISON_SHEETS])
    _metrics_sheet(sheets[0], comparison, title, lang)
    _sectors_sheet(sheets[1], comparison, title, lang)
    _parameter_differences_sheet(sheets[2], comparison, title, lang)
    _employer_differences_sheet(sheets[3], comparison, title, lang)
    return book


def write_comparison_workbook(comparison: Comparison, path: str | Path, *,
                              lang: Lang = "zh") -> None:
    """Write scenarios side by side (``allocator compare --out``): 指标对比 (the metrics, and
    the scenarios that could not be met with their conflicts), 分产业分配 (allocation by sector
    with a bar chart), 参数差异 (the parameters that differ) and 单位差异 (each employer whose
    allocation differs, largest change first). Same comparison, same bytes."""
    save_workbook(build_comparison_workbook(comparison, lang=lang), path)


def _scenario_widths(first: float, names: Sequence[str], *, minimum: float = 14) -> list[float]:
    return [first, *[max(minimum, min(30, text_width(n) + 4)) for n in names]]


_KIND_FORMATS = {"count": FORMAT_INT, "share": FORMAT_PERCENT, "number": "0.000"}
#: The divisor is shown with the digits it has (it is a short decimal by construction).
_METRIC_FORMATS = {"divisor": "0.0#####"}


def _metrics_sheet(sheet: Worksheet, comparison: Comparison, title: str, lang: Lang) -> None:
    names = comparison.names
    widths = _scenario_widths(34, names)
    set_widths(sheet, widths)
    sheet_title(sheet, title, len(widths))
    label = "label_zh" if lang == "zh" else "label_en"
    rows = []
    formats_by_row = []
    for key, record in comparison.metrics.iterrows():
        values = [record[n] for n in names]
        if key == "divisor":
            values = ["—" if v is None or (isinstance(v, float) and math.isnan(v)) else v
                      for v in values]
        else:
            values = [v.get(lang) if isinstance(v, Text) else v for v in values]
        rows.append([record[label], *values])
        formats_by_row.append(_METRIC_FORMATS.get(str(key), _KIND_FORMATS.get(record["kind"])))
    headers = [msg(lang, "compare.col.metric"), *names]
    note = put(sheet, 2, 1, msg(lang, "compare.fill_note"))
    note.font = NOTE_FONT
    note.alignment = WRAP
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(widths))
    fit_row(sheet, 2, (sum(widths),), [sheet.cell(row=2, column=1).value])
    row = 3
    write_header(sheet, row, headers, widths)
    row += 1
    for values, number_format in zip(rows, formats_by_row, strict=True):
        formats = [None, *[number_format] * len(names)]
        write_row(sheet, row, values, formats, [True] + [False] * len(names), widths, 1,
                  PLAN_FONT, None)
        row += 1
    sheet.freeze_panes = sheet.cell(row=4, column=2)
    if comparison.infeasible:
        row = write_section(sheet, row + 1, msg(lang, "compare.infeasible"), len(widths))
        for name, plan in comparison.infeasible:
            for conflict in plan.conflicts or []:
                cell = put(sheet, row, 1, f"{name}：{conflict.message.get(lang)}"
                           if lang == "zh" else f"{name}: {conflict.message.get(lang)}")
                cell.alignment = WRAP
                cell.font = PLAN_FONT
                sheet.merge_cells(start_row=row, start_column=1, end_row=row,
                                  end_column=len(widths))
                fit_row(sheet, row, (sum(widths),), [cell.value])
                row += 1
    page_setup(sheet, title, title_rows="3:3", landscape=len(names) > 5)


def _sectors_sheet(sheet: Worksheet, comparison: Comparison, title: str, lang: Lang) -> None:
    names = comparison.names
    widths = _scenario_widths(22, names)
    set_widths(sheet, widths)
    sheet_title(sheet, msg(lang, "compare.sectors_title"), len(widths))
    label = "label_zh" if lang == "zh" else "label_en"
    table = comparison.by_sector
    rows = [[record[label], *[int(record[n]) for n in names]] for _, record in table.iterrows()]
    total = [msg(lang, "total"), *[int(table[n].sum()) for n in names]]
    header_row = 3
    end = write_table(sheet, header_row, [msg(lang, "compare.col.sector"), *names], rows, widths,
                      [None, *[FORMAT_INT] * len(names)], total=total)
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = msg(lang, "compare.chart_title")
    chart.y_axis.title = msg(lang, "compare.chart_axis")
    chart.y_axis.majorGridlines = None
    chart.height, chart.width = 9, max(16, 4 * len(names) + 8)
    data = Reference(sheet, min_col=2, max_col=1 + len(names), min_row=header_row,
                     max_row=header_row + len(rows))
    categories = Reference(sheet, min_col=1, min_row=header_row + 1,
                           max_row=header_row + len(rows))
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    # openpyxl hides axes unless told otherwise (its default changed in 3.1).
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    sheet.add_chart(chart, f"A{end + 2}")
    page_setup(sheet, title)


def _parameter_differences_sheet(sheet: Worksheet, comparison: Comparison, title: str,
                                 lang: Lang) -> None:
    names = comparison.names
    widths = [30, 12, *_scenario_widths(0, names, minimum=18)[1:], 30]
    set_widths(sheet, widths)
    sheet_title(sheet, msg(lang, "compare.parameters_title"), len(widths))
    label = "label_zh" if lang == "zh" else "label_en"
    suffix = "" if lang == "zh" else "__en"
    rows = [[record[label], article_text(record["article"]).get(lang) or "—",
             *[record[f"{n}{suffix}"] for n in names], record["key"]]
            for _, record in comparison.parameters.iterrows()]
    if not rows:
        rows = [[msg(lang, "compare.no_parameter_differences"), None, *[None] * len(names),
                 None]]
    headers = [msg(lang, "compare.col.parameter"), msg(lang, "params.col.article"), *names,
               msg(lang, "params.col.key")]
    write_table(sheet, 3, headers, rows, widths, [None] * len(widths))
    sheet.freeze_panes = sheet.cell(row=4, column=2)
    page_setup(sheet, title, title_rows="3:3")


def _employer_differences_sheet(sheet: Worksheet, comparison: Comparison, title: str,
                                lang: Lang) -> None:
    names = comparison.names
    widths = [8, 21, 30, 10, 8, *_scenario_widths(0, names, minimum=10)[1:], 10, 10]
    set_widths(sheet, widths)
    sheet_title(sheet, msg(lang, "compare.differences_title", count=len(comparison.differences)),
                len(widths))
    first = names[0]
    last = names[-1]
    headers = [msg(lang, "detail.col.row"), msg(lang, "detail.col.credit_code"),
               msg(lang, "detail.col.name"), msg(lang, "detail.col.sector"),
               msg(lang, "detail.col.requested"), *names,
               msg(lang, "compare.col.change", first=first, last=last),
               msg(lang, "compare.col.spread")]
    table = comparison.differences
    sector_text = {c.zh: Text(zh=c.zh, en=c.en) for c in SECTORS}
    rows = [[int(r["row"]), r["credit_code"], r["name"],
             sector_text[r["sector"]].get(lang) if r["sector"] in sector_text else r["sector"],
             int(r["requested"]), *[int(r[n]) for n in names], int(r["change"]),
             int(r["spread"])] for _, r in table.iterrows()]
    if not rows:
        rows = [[None, None, msg(lang, "compare.no_differences"), None, None,
                 *[None] * len(names), None, None]]
    formats = [FORMAT_COUNT, None, None, None, FORMAT_INT, *[FORMAT_INT] * len(names),
               FORMAT_CHANGE, FORMAT_INT]
    end = write_table(sheet, 2, headers, rows, widths, formats)
    sheet.freeze_panes = sheet.cell(row=3, column=4)
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(widths))}{max(end - 1, 3)}"
    page_setup(sheet, title, title_rows="2:2")
