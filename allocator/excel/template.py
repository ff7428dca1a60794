"""The demand workbook (docs/columns.md): the submission template sent to employers, and the same
layout filled with submissions — the sheet ``需求申报`` with a title row, one header per
:data:`allocator.schema.COLUMNS` entry and optionally one row per employer, and the
instructions sheet ``填表说明``.

Everything about a column (header, kind, choices, help text, article) comes from the schema;
nothing here lists columns by hand.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet

from allocator import cells, credit_code
from allocator.docs import article_text, chinese_numeral, choices_text, requirement_text
from allocator.excel.styles import (
    BORDER,
    CENTRE,
    CODE_WIDTH,
    FORMAT_COUNT,
    FORMAT_DATE,
    FORMAT_PERCENT,
    FORMAT_TEXT,
    HEADER_FONT,
    LEFT,
    REQUIRED_FONT,
    WRAP,
    ListSource,
    excel_serial,
    new_workbook,
    put,
    save_workbook,
    set_print_layout,
    set_widths,
    style_header,
    text_width,
    validation,
    write_title,
)
from allocator.i18n import text
from allocator.schema import COLUMNS, Column, Kind
from allocator.submissions import EXAMPLE_MARK, SHEET_NAME, infer_plan_year

# =============================================================================================
# The demand workbook (docs/columns.md): the template, and the same layout filled with submissions
# =============================================================================================

DEMAND_SHEET = SHEET_NAME  # the name the reader looks for
INSTRUCTIONS_SHEET = "填表说明"
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3
#: Validation and formats reach this many rows below the last one written.
SPARE_ROWS = 1000
#: The instructions sheet's table of columns (its header is bilingual by design).
GUIDE_HEADERS = ("中文表头", "English header", "必填/选填", "说明", "Explanation", "依据条款",
                 "可选值")
GUIDE_WIDTHS = (20, 20, 10, 40, 40, 12, 32)

_KIND_WIDTH = {
    Kind.CREDIT_CODE: CODE_WIDTH, Kind.TEXT: 30, Kind.ENUM: 10, Kind.INDUSTRY: 10, Kind.ITEMS: 12,
    Kind.BOOL: 8, Kind.COUNT: 9, Kind.RATE: 10, Kind.DATE: 12,
}
_KIND_FORMAT = {
    Kind.CREDIT_CODE: FORMAT_TEXT, Kind.INDUSTRY: FORMAT_TEXT, Kind.ITEMS: FORMAT_TEXT,
    Kind.COUNT: FORMAT_COUNT, Kind.RATE: FORMAT_PERCENT, Kind.DATE: FORMAT_DATE,
}
#: A code typed in is shown whole: shrunk rather than cut where a font prints it wider.
_KIND_ALIGNMENT = {Kind.TEXT: LEFT,
                   Kind.CREDIT_CODE: Alignment(horizontal="left", vertical="center",
                                               shrink_to_fit=True)}
_WIDTH_CAP = 48


def demand_title(year: int | None) -> str:
    """The default title, ``东城区2027年度《北京市工作居住证》办证需求申报表`` (the year left
    blank to fill in when unknown)."""
    district = text("workbook.district").zh
    if year:
        return text("excel.template.title", district=district, year=year).zh
    return text("excel.template.title_no_year", district=district).zh


def format_items(items: Iterable[int]) -> str:
    """Article items as the workbook shows them: ``(1, 3)`` → ``一、三``."""
    return "、".join(chinese_numeral(int(n)) for n in sorted(set(items)))


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def render(column: Column, value: Any) -> Any:
    """One canonical value (as :func:`read_submissions` returns it) as the workbook shows it."""
    if _missing(value):
        return None
    match column.kind:
        case Kind.ENUM:
            codes = {c.code: c.zh for c in column.choices}
            if value not in codes:
                raise ValueError(f"{column.key}: {value!r} is not one of {sorted(codes)}")
            return codes[value]
        case Kind.BOOL:
            return text("common.yes" if bool(value) else "common.no").zh
        case Kind.ITEMS:
            return format_items(value) or None
        case Kind.COUNT:
            return int(value)
        case Kind.RATE:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
            if number == 1:
                # A bare 1 is ambiguous (1 % or 100 %?) and the reader warns about it; the text
                # "100%" is not.
                return "100%"
            # Whole numbers as integers: 0 reads back as 0, not 0.0.
            return int(number) if number == number.to_integral_value() else float(number)
        case Kind.DATE:
            return value.date() if isinstance(value, datetime) else value
        case _:
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                return str(int(value))
            return str(value)


def _column_validation(column: Column, lists: ListSource) -> DataValidation:
    prompt = {"prompt_title": column.zh, "prompt": column.help_zh,
              "error_title": text("excel.error_title").zh}
    match column.kind:
        case Kind.ENUM:
            labels = [c.zh for c in column.choices]
            return validation("list", formula1=lists.formula(labels),
                              error=text("excel.error_choice", options="、".join(labels)).zh,
                              **prompt)
        case Kind.BOOL:
            labels = [text("common.yes").zh, text("common.no").zh]
            return validation("list", formula1=lists.formula(labels),
                              error=text("excel.error_bool").zh, **prompt)
        case Kind.COUNT:
            return validation("whole", operator="between", formula1="0",
                              formula2=str(cells.MAX_COUNT),
                              error=text("excel.error_count", limit=cells.MAX_COUNT).zh, **prompt)
        case Kind.RATE:
            return validation("decimal", operator="between", formula1="0", formula2="1",
                              error=text("excel.error_rate").zh, **prompt)
        case Kind.DATE:
            return validation("date", operator="between",
                              formula1=str(excel_serial(cells.EARLIEST_DATE)),
                              formula2=str(excel_serial(cells.LATEST_DATE)),
                              error=text("excel.error_date", earliest=cells.EARLIEST_DATE,
                                         latest=cells.LATEST_DATE).zh, **prompt)
        case Kind.CREDIT_CODE:
            return validation("textLength", operator="equal", formula1="18",
                              error=text("excel.error_credit_code").zh, **prompt)
        case _:
            return validation(None, **prompt)  # free text: the prompt alone


def _column_width(column: Column, values: Iterable[Any]) -> float:
    width = max(_KIND_WIDTH.get(column.kind, 14), math.ceil(text_width(column.zh) / 3) + 3)
    if column.choices:
        width = max(width, max(text_width(c.zh) for c in column.choices) + 4)
    longest = max((text_width(str(v)) for v in values if v is not None), default=0)
    return min(max(width, longest + 2), _WIDTH_CAP)


def plain_header(header: str) -> str:
    """A header as people write it: ``申报人数_高级管理人员`` → ``申报人数（高级管理人员）``
    (the reader takes either spelling)."""
    name, separator, detail = header.partition("_")
    return f"{name}（{detail}）" if separator else header


#: Blank boxed rows under the example, lines to fill in on paper.
PRINTED_LINES = 25
EXAMPLE_FONT = Font(italic=True, color="808080")
CONTACT_FONT = Font(size=11)
UNLOCKED = Protection(locked=False)


def example_row() -> list[Any]:
    """The template's example row, rendered as the sheet shows values (name marked)."""
    values = {
        "credit_code": credit_code.complete("91110101MA0000000"),
        "name": f"{EXAMPLE_MARK}北京某某科技有限公司",
        "unit_type": "enterprise", "industry_code": "I6513", "sector": "information",
        "categories": (4,), "top100": False, "demand_senior": 1, "demand_key_staff": 2,
        "demand_other": 2, "demand_total": 5, "prior_quota": 4, "prior_used": 4,
        "attrition_rate": Decimal("0.05"), "lost_within_3m": 0, "violations": (),
        "status": "normal", "negative_list": "none", "positive_list": False,
        "submitted_on": date(2026, 10, 15),
    }
    return [render(column, values.get(column.key)) for column in COLUMNS]


def _demand_sheet(book: Workbook, rows: list[list[Any]], title: str, *,
                  blank: bool = False) -> None:
    """The sheet 需求申报: title, headers and the rows; ``blank`` (the template sent to
    employers) adds the contact and seal line, an example row, lines to fill in, and protects
    the title and headers while every data cell stays open."""
    sheet = book.active
    sheet.title = DEMAND_SHEET
    count = len(COLUMNS)
    header_row = HEADER_ROW + 1 if blank else HEADER_ROW
    first_data_row = header_row + 1
    if blank:
        # Printed two pages across, the credit code and name repeated: the title and the
        # contact line start at the left (not merged across pages) and the title is also the
        # page header of every page.
        write_title(sheet, TITLE_ROW, title, 1)
        sheet.cell(row=TITLE_ROW, column=1).alignment = LEFT
        contact = put(sheet, TITLE_ROW + 1, 1, text("excel.template.contact").zh)
        contact.font = CONTACT_FONT
        contact.alignment = LEFT
        sheet.row_dimensions[TITLE_ROW + 1].height = 30
    else:
        write_title(sheet, TITLE_ROW, title, count)
    for position, column in enumerate(COLUMNS, start=1):
        put(sheet, header_row, position, plain_header(column.zh))
    style_header(sheet[header_row][:count], required=[c.required for c in COLUMNS])
    sheet.row_dimensions[header_row].height = 48

    written = [example_row(), *[[None] * count] * PRINTED_LINES] if blank else rows
    for offset, values in enumerate(written):
        row = first_data_row + offset
        for position, (column, value) in enumerate(zip(COLUMNS, values, strict=True), start=1):
            cell = put(sheet, row, position, value, number_format=_KIND_FORMAT.get(column.kind))
            cell.border = BORDER
            cell.alignment = _KIND_ALIGNMENT.get(column.kind, CENTRE)
            if blank:
                cell.protection = UNLOCKED
                if offset == 0:
                    cell.font = EXAMPLE_FONT
        if blank:
            sheet.row_dimensions[row].height = 20

    last = first_data_row + len(written) + SPARE_ROWS - 1
    lists = ListSource(book)
    for position, column in enumerate(COLUMNS, start=1):
        dimension = _data_column(sheet, lists, position, column, first_data_row, last,
                                 [r[position - 1] for r in written])
        if blank:
            dimension.protection = UNLOCKED  # rows typed below the printed lines too

    sheet.freeze_panes = sheet.cell(row=first_data_row, column=3)  # header and name stay put
    sheet.auto_filter.ref = (f"A{header_row}:{get_column_letter(count)}"
                             f"{header_row + len(written)}")
    if blank:
        # The headers may not be changed (the instructions say so); data cells stay open,
        # and filtering, sorting, resizing and adding rows stay allowed.
        protection = sheet.protection
        protection.sheet = True
        protection.autoFilter = protection.sort = False
        protection.insertRows = protection.deleteRows = False
        protection.formatColumns = protection.formatRows = protection.formatCells = False
        # Printed as a form: the title, contact line and headers on every page, the credit
        # code and name on both pages across (one page width would shrink it to 6 pt).
        set_print_layout(sheet, title_rows=f"{TITLE_ROW}:{header_row}")
        sheet.print_title_cols = "A:B"
        sheet.page_setup.fitToWidth = 2
        sheet.oddHeader.center.text = title
        sheet.oddHeader.center.size = 10
        sheet.print_area = (f"A{TITLE_ROW}:{get_column_letter(count)}"
                            f"{first_data_row + len(written) - 1}")
    else:
        set_print_layout(sheet, title_rows=f"{TITLE_ROW}:{HEADER_ROW}")


def _instructions_sheet(book: Workbook, *, blank: bool = False) -> None:
    sheet = book.create_sheet(INSTRUCTIONS_SHEET)
    width = len(GUIDE_HEADERS)
    write_title(sheet, 1, text("excel.guide_title").zh, width, height=30)
    row = 2
    keys = ["excel.guide." + key for key in ("one_row", "credit_code", "q4", "totals", "lists",
                                             "required", "headers")]
    if blank:
        keys.append("excel.template.example")
    for number, key in enumerate(keys, start=1):
        note = text(key)
        put(sheet, row, 1, f"{number}. {note.zh}")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        put(sheet, row, 5, f"{number}. {note.en}")
        sheet.merge_cells(start_row=row, start_column=5, end_row=row, end_column=width)
        for position in (1, 5):
            sheet.cell(row=row, column=position).alignment = WRAP
        sheet.row_dimensions[row].height = 32
        row += 1

    row += 1
    header_row = row
    for position, header in enumerate(GUIDE_HEADERS, start=1):
        put(sheet, row, position, header)
    style_header(sheet[row][:width])
    for column in COLUMNS:
        row += 1
        article = article_text(column.article)
        requirement = requirement_text(column)
        choices = choices_text(column)
        values = (plain_header(column.zh), column.en, f"{requirement.zh} {requirement.en}",
                  column.help_zh,
                  column.help_en, f"{article.zh}\n{article.en}" if column.article else "",
                  f"{choices.zh}\n{choices.en}")
        for position, value in enumerate(values, start=1):
            cell = put(sheet, row, position, value or None)
            cell.alignment = WRAP
            cell.border = BORDER
        sheet.cell(row=row, column=1).font = REQUIRED_FONT if column.required else HEADER_FONT
        lines = max(str(v).count("\n") + 1 + text_width(str(v)) // (w * 1.1)
                    for v, w in zip(values, GUIDE_WIDTHS, strict=True))
        sheet.row_dimensions[row].height = max(30, 15 * lines)
    set_widths(sheet, GUIDE_WIDTHS)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    set_print_layout(sheet, title_rows=f"{header_row}:{header_row}")


def build_demand_workbook(frame: pd.DataFrame | None = None, *, title: str | None = None,
                          year: int | None = None, blank: bool = False) -> Workbook:
    """The demand workbook in memory (see :func:`write_demand_workbook`)."""
    rows: list[list[Any]] = []
    if frame is not None:
        empty: list[Any] = [None] * len(frame)
        columns = [[render(c, v) for v in frame[c.key]] if c.key in frame.columns else empty
                   for c in COLUMNS]
        rows = [list(values) for values in zip(*columns, strict=True)]
        if year is None and "submitted_on" in frame.columns:
            year = infer_plan_year(None, frame["submitted_on"].where(frame["submitted_on"]
                                                                      .notna(), None))
    book = new_workbook()
    _demand_sheet(book, rows, title or demand_title(year), blank=blank)
    _instructions_sheet(book, blank=blank)
    book.active = 0
    return book


def write_demand_workbook(path: str | Path, frame: pd.DataFrame | None = None, *,
                          title: str | None = None, year: int | None = None) -> None:
    """Write the demand workbook: the sheet ``需求申报`` and the instructions sheet ``填表说明``.

    ``frame`` holds submissions in the canonical form :func:`read_submissions` returns (schema
    keys, canonical codes, tuples of items, ``Decimal`` rates, ``date`` dates); only the schema's
    columns are written, in schema order, rendered for people (Chinese labels, 一、三, 是/否,
    percentages, real dates, credit codes as text). Reading the file back gives the same frame.
    The title defaults to the plan year's (``year``, else inferred from the submission dates).
    """
    save_workbook(build_demand_workbook(frame, title=title, year=year), path)


def write_template(path: str | Path, *, year: int | None = None) -> None:
    """The blank submission template sent to employers (``allocator template``): the contact
    and seal line, an example row (skipped by the reader), lines to fill in when printed, and
    headers protected while every data cell stays open; then a blank applicant roster sheet
    (docs/columns.md) that the reader ignores while it holds no applicant."""
    book = build_demand_workbook(year=year, blank=True)
    _roster_sheet(book)
    book.active = 0
    save_workbook(book, path)


def _data_column(sheet: Worksheet, lists: ListSource, position: int, column: Column,
                 first_row: int, last_row: int, values: Iterable[Any]) -> ColumnDimension:
    """Column ``position`` of a data table: its drop-down or check on the data rows, a width
    for its header and ``values``, and the number format rows typed in later get (credit codes
    stay text, not 9.1E+17)."""
    letter = get_column_letter(position)
    rule = _column_validation(column, lists)
    sheet.add_data_validation(rule)
    rule.add(f"{letter}{first_row}:{letter}{last_row}")
    dimension = sheet.column_dimensions[letter]
    dimension.width = _column_width(column, values)
    if column.kind in _KIND_FORMAT:
        dimension.number_format = _KIND_FORMAT[column.kind]
    return dimension


def _roster_sheet(book: Workbook) -> None:
    """The sheet 申报人员名单: one row per applicant, headers, drop-downs and prompts."""
    from allocator.roster import SHEET_NAME as ROSTER_SHEET
    from allocator.schema import ROSTER_COLUMNS

    sheet = book.create_sheet(ROSTER_SHEET)
    count = len(ROSTER_COLUMNS)
    write_title(sheet, TITLE_ROW, text("roster.template_title").zh, count)
    for position, column in enumerate(ROSTER_COLUMNS, start=1):
        put(sheet, HEADER_ROW, position, column.zh)
    style_header(sheet[HEADER_ROW][:count], required=[c.required for c in ROSTER_COLUMNS])
    sheet.row_dimensions[HEADER_ROW].height = 48
    last = FIRST_DATA_ROW + SPARE_ROWS - 1
    lists = ListSource(book)
    for position, column in enumerate(ROSTER_COLUMNS, start=1):
        dimension = _data_column(sheet, lists, position, column, FIRST_DATA_ROW, last, [])
        if column.key == "person_id":  # 18 digits stay text, never 1.1E+17
            dimension.number_format = FORMAT_TEXT
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=4)
    # Nineteen columns on one page width would print at 4 pt: three pages across, the credit
    # code, ID and name repeated on each.
    set_print_layout(sheet, title_rows=f"{TITLE_ROW}:{HEADER_ROW}")
    sheet.print_title_cols = "A:C"
    sheet.page_setup.fitToWidth = 3
