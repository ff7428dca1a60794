"""The comparison workbook: plans of several scenarios side by side."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from allocator.compare import Comparison
from allocator.docs import article_text
from allocator.excel.plan import document_name, one_language
from allocator.excel.styles import (
    CODE_WIDTH,
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
    new_workbook,
    page_setup,
    put,
    save_workbook,
    set_widths,
    sheet_title,
    text_width,
    text_wraps,
    wrapped_lines,
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


def comparison_title(comparison: Comparison, lang: Lang = "zh") -> str:
    """``东城区2027年度《北京市工作居住证》办证指标分配方案比较（3个方案）``."""
    plans = [*comparison.plans, *(plan for _, plan in comparison.infeasible)]
    count = len(comparison.names) + len(comparison.infeasible)
    name = document_name(plans[0], lang) if plans else msg(lang, "doc.title_no_year",
                                                           district=msg(lang, "district"))
    return msg(lang, "compare_doc.title", title=name, count=count)


def comparison_subtitle(comparison: Comparison, lang: Lang = "zh",
                        generated_at: datetime | None = None) -> str:
    """对照方案, date (blanks to fill in unless ``generated_at``) and the input's hash."""
    plans = [*comparison.plans, *(plan for _, plan in comparison.infeasible)]
    reference = comparison.names[0] if comparison.names else "—"
    date = msg(lang, "cover.date_blank") if generated_at is None else msg(
        lang, "cover.date", year=generated_at.year, month=generated_at.month,
        day=generated_at.day)
    digest = plans[0].problem.input_sha256 if plans else "—"
    return msg(lang, "compare_doc.subtitle", reference=reference, date=date, sha256=digest)


def build_comparison_workbook(comparison: Comparison, *, lang: Lang = "zh",
                              generated_at: datetime | None = None) -> Workbook:
    """The comparison workbook in memory (see :func:`write_comparison_workbook`)."""
    book = new_workbook()
    title = comparison_title(comparison, lang)
    subtitle = comparison_subtitle(comparison, lang, generated_at)
    sheets = named_sheets(book, [msg(lang, f"compare.sheet.{k}") for k in COMPARISON_SHEETS])
    _metrics_sheet(sheets[0], comparison, title, subtitle, lang)
    header = title.replace("\n", " ")  # the page header: one line
    _sectors_sheet(sheets[1], comparison, header, lang)
    _parameter_differences_sheet(sheets[2], comparison, header, lang)
    _employer_differences_sheet(sheets[3], comparison, header, lang)
    return book


def write_comparison_workbook(comparison: Comparison, path: str | Path, *,
                              lang: Lang = "zh", generated_at: datetime | None = None) -> None:
    """Write scenarios side by side (``allocator compare --out``): 指标对比 (the metrics, and
    the scenarios that could not be met with their conflicts), 分产业分配 (allocation by sector
    with a bar chart), 参数差异 (the parameters that differ) and 单位差异 (each employer whose
    allocation differs, with its change against the first scenario, 对照方案, in one column per
    other scenario). The title names the district, the year, the date (``generated_at``, else
    blanks to fill in) and the input's hash. Same comparison, same bytes."""
    save_workbook(build_comparison_workbook(comparison, lang=lang, generated_at=generated_at),
                  path)


def _scenario_widths(first: float, names: Sequence[str], *, minimum: float = 14) -> list[float]:
    return [first, *[max(minimum, min(30, text_width(n) + 4)) for n in names]]


_KIND_FORMATS = {"count": FORMAT_INT, "share": FORMAT_PERCENT, "number": "0.000"}
#: The divisor is shown with the digits it has (it is a short decimal by construction).
_METRIC_FORMATS = {"divisor": "0.0#####"}


def _metrics_sheet(sheet: Worksheet, comparison: Comparison, title: str, subtitle: str,
                   lang: Lang) -> None:
    names = comparison.names
    widths = _scenario_widths(34, names)
    set_widths(sheet, widths)
    sheet_title(sheet, title, len(widths), height=max(32, 22 * wrapped_lines(
        title, sum(widths), 16)))
    sheet.cell(row=1, column=1).alignment = TITLE_WRAP
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
    note = put(sheet, 2, 1, subtitle + "\n" + msg(lang, "compare.fill_note"))
    note.font = NOTE_FONT
    note.alignment = WRAP
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(widths))
    fit_row(sheet, 2, (sum(widths),), [sheet.cell(row=2, column=1).value], size=9)
    row = 3
    write_header(sheet, row, headers, widths)
    row += 1
    for values, number_format in zip(rows, formats_by_row, strict=True):
        formats = [None, *[number_format] * len(names)]
        write_row(sheet, row, values, formats, [True] + [False] * len(names), widths, 1,
                  PLAN_FONT, None)
        row += 1
    sheet.freeze_panes = sheet.cell(row=4, column=2)
    # What each scenario is: its description, in the document's language.
    row = write_section(sheet, row + 1, msg(lang, "compare_doc.descriptions"), len(widths))
    for name, plan in zip(names, comparison.plans, strict=True):
        description = one_language(plan.problem.scenario.scenario.description, lang) or "—"
        cell = put(sheet, row, 1, f"{name}：{description}" if lang == "zh"
                   else f"{name}: {description}")
        cell.alignment = WRAP
        cell.font = PLAN_FONT
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
        fit_row(sheet, row, (sum(widths),), [cell.value])
        row += 1
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
    page_setup(sheet, title.replace("\n", " "), title_rows="3:3", landscape=len(names) > 5,
               lang=lang)


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
    page_setup(sheet, title, lang=lang)


def _parameter_differences_sheet(sheet: Worksheet, comparison: Comparison, title: str,
                                 lang: Lang) -> None:
    names = comparison.names
    widths = [30, 12, *_scenario_widths(0, names, minimum=18)[1:], 30]
    set_widths(sheet, widths)
    sheet_title(sheet, msg(lang, "compare.parameters_title"), len(widths))
    label = "label_zh" if lang == "zh" else "label_en"
    suffix = "" if lang == "zh" else "__en"
    rows = [[record[label], article_text(record["article"]).get(lang) or "—",
             *[shown_number(record[f"{n}{suffix}"]) for n in names], record["key"]]
            for _, record in comparison.parameters.iterrows()]
    if not rows:
        rows = [[msg(lang, "compare.no_parameter_differences"), None, *[None] * len(names),
                 None]]
    headers = [msg(lang, "compare.col.parameter"), msg(lang, "params.col.article"), *names,
               msg(lang, "params.col.key")]
    write_table(sheet, 3, headers, [[v[0] if isinstance(v, tuple) else v for v in r]
                                    for r in rows],
                widths, [None, None, *[FORMAT_GENERAL] * len(names), None],
                wrap=[True, True, *[True] * len(names), True])
    # Each number in its own format (a share as a percentage, a count as a whole number).
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            if isinstance(value, tuple):
                sheet.cell(row=4 + offset, column=column).number_format = value[1]
    sheet.freeze_panes = sheet.cell(row=4, column=2)
    page_setup(sheet, title, title_rows="3:3", lang=lang)


def _employer_differences_sheet(sheet: Worksheet, comparison: Comparison, title: str,
                                lang: Lang) -> None:
    names = comparison.names
    reference, others = names[0], names[1:]
    change_widths = [max(10, min(24, text_width(n) + 6)) for n in others]
    widths = [8, CODE_WIDTH, 30, 10, 8, *_scenario_widths(0, names, minimum=10)[1:],
              *change_widths, 8]
    set_widths(sheet, widths)
    sheet_title(sheet, msg(lang, "compare.differences_title", count=len(comparison.differences)),
                len(widths))
    note = put(sheet, 2, 1, msg(lang, "compare_doc.change_note", reference=reference))
    note.font = NOTE_FONT
    note.alignment = WRAP
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(widths))
    fit_row(sheet, 2, (sum(widths),), [note.value], size=9)
    headers = [msg(lang, "detail.col.row"), msg(lang, "detail.col.credit_code"),
               msg(lang, "detail.col.name"), msg(lang, "detail.col.sector"),
               msg(lang, "detail.col.requested"), *names,
               *[msg(lang, "compare_doc.change", name=n, reference=reference) for n in others],
               msg(lang, "compare.col.spread")]
    table = comparison.differences
    sector_text = {c.zh: Text(zh=c.zh, en=c.en) for c in SECTORS}
    rows = [[int(r["row"]), r["credit_code"], r["name"],
             sector_text[r["sector"]].get(lang) if r["sector"] in sector_text else r["sector"],
             int(r["requested"]), *[int(r[n]) for n in names],
             *[int(r[n]) - int(r[reference]) for n in others], int(r["spread"])]
            for _, r in table.iterrows()]
    if not rows:
        rows = [[None, None, msg(lang, "compare.no_differences"), None, None,
                 *[None] * (len(names) + len(others)), None]]
    formats = [FORMAT_COUNT, None, None, None, FORMAT_INT, *[FORMAT_INT] * len(names),
               *[FORMAT_CHANGE] * len(others), FORMAT_INT]
    end = write_table(sheet, 3, headers, rows, widths, formats, wrap=text_wraps(formats, 1))
    sheet.freeze_panes = sheet.cell(row=4, column=4)
    sheet.auto_filter.ref = f"A3:{get_column_letter(len(widths))}{max(end - 1, 4)}"
    if others and len(table):
        first = get_column_letter(6 + len(names))
        last = get_column_letter(5 + len(names) + len(others))
        cells = f"{first}4:{last}{end - 1}"
        sheet.conditional_formatting.add(cells, CellIsRule(
            operator="greaterThan", formula=["0"], fill=MORE_FILL, font=MORE_FONT))
        sheet.conditional_formatting.add(cells, CellIsRule(
            operator="lessThan", formula=["0"], fill=LESS_FILL, font=LESS_FONT))
    page_setup(sheet, title, title_rows="3:3", lang=lang)


#: More than the reference: green; fewer: red (conditional formatting of the change columns).
MORE_FILL = PatternFill("solid", start_color="E2EFDA", end_color="E2EFDA")
MORE_FONT = Font(color="375623")
LESS_FILL = PatternFill("solid", start_color="FCE4D6", end_color="FCE4D6")
LESS_FONT = Font(color="C00000")
TITLE_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)
#: Excel's own format: a number as it is typed.
FORMAT_GENERAL = "General"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def shown_number(shown: object) -> object:
    """A parameter value as the comparison shows it: ``"50%"`` → ``(0.5, "0%")``, ``"1.2"`` →
    ``(1.2, "General")``, ``"3000"`` → ``(3000, "#,##0")`` — numbers as numbers, in a format
    that shows them as written; anything else (text, lists) unchanged."""
    if not isinstance(shown, str):
        return shown
    text_ = shown.strip()
    percent = text_.endswith("%")
    digits = text_[:-1].strip() if percent else text_
    if not _NUMBER.fullmatch(digits):
        return shown
    places = len(digits.partition(".")[2])
    number = Decimal(digits)
    if percent:
        return (float(number / 100), "0%" if not places else "0." + "0" * places + "%")
    if not places:
        return (int(number), FORMAT_INT)
    return (float(number), "0." + "0" * places)
