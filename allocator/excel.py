"""Workbooks written for people: the demand template, the plan and the scenario comparison.

The module is in sections. **Shared building blocks** are what every writer needs — writing a
cell so that no text can turn into a formula, header styling, column widths, drop-down lists and
data validation, print setup, and saving with fixed metadata so that the same content always
gives the same bytes. **The demand workbook** writes the submission template (DESIGN §3): the
sheet ``需求申报`` with a title row, one header per :data:`allocator.schema.COLUMNS` entry and
optionally one row per employer, and the instructions sheet ``填表说明``.

Everything about a column (header, kind, choices, help text, article) comes from the schema;
nothing here lists columns by hand.

**The plan workbook** (:func:`write_plan_workbook`) and **the comparison workbook**
(:func:`write_comparison_workbook`) are written from :mod:`allocator.explain` and
:mod:`allocator.compare` with the same building blocks, as documents to print.
"""

from __future__ import annotations

import io
import json
import math
import numbers
import re
import unicodedata
import weakref
import zipfile
from collections.abc import Iterable, Sequence
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from allocator import __version__, cells
from allocator.compare import Comparison, show_value
from allocator.docs import article_text, chinese_numeral, choices_text, requirement_text
from allocator.errors import visible
from allocator.explain import (
    BREAKDOWNS,
    EmployerExplanation,
    PlanSummary,
    decimal_text,
    explain_plan,
    fill_rate,
    method_label,
    plan_summary,
    sector_label,
    unit_type_label,
)
from allocator.i18n import Lang, Text, text
from allocator.plan import ApprovalInfo, Plan, plan_sha256
from allocator.scenario import GROUP_PARAMETERS, PARAMETERS
from allocator.schema import COLUMNS, SECTORS, Column, Kind
from allocator.submissions import SHEET_NAME, infer_plan_year

# =============================================================================================
# Shared building blocks
# =============================================================================================

#: Text starting with one of these is what spreadsheet programs read as a formula (or, pasted
#: into a CSV, as an injection): such text is always stored as a string and quote-prefixed.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: Excel's limit for a drop-down list typed inline in the validation rule.
INLINE_LIST_LIMIT = 255
#: Excel's limits for an input prompt.
PROMPT_TITLE_LIMIT, PROMPT_LIMIT = 32, 255

#: The fixed timestamp written into the file's metadata, so a workbook's bytes depend only on
#: its content (same seed → same sample file).
FIXED_TIMESTAMP = datetime(2020, 1, 1)
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)

FORMAT_TEXT = "@"
FORMAT_PERCENT = "0.0%"
FORMAT_DATE = "yyyy-mm-dd"
FORMAT_COUNT = "0"

THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
TITLE_FONT = Font(bold=True, size=16)
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
CENTRE = Alignment(horizontal="center", vertical="center")
LEFT = Alignment(horizontal="left", vertical="center")
WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)


def text_width(value: str) -> int:
    """Width in Excel character units: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


#: What a worksheet cannot hold (openpyxl refuses it): C0 controls but tab, LF and CR.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def put(sheet: Worksheet, row: int, column: int, value: Any, *,
        number_format: str | None = None) -> Cell:
    """Write one cell; text is always stored as text, never as a formula or an error value.

    openpyxl turns a string starting with ``=`` into a formula and ``#N/A`` into an error; a
    planner's data must never do either, so the type is set back to string afterwards. Text
    starting with a formula trigger is also quote-prefixed, so editing it in Excel keeps it text.
    """
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str) and _UNWRITABLE.search(value):
        value = visible(value, keep="\t\n\r")  # XML cannot hold them: shown as \x07 etc.
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    if number_format is not None:
        cell.number_format = number_format
    return cell


#: Per workbook, the cell style (openpyxl's ``StyleArray``) of each combination of font, fill,
#: border, alignment and number format already used, with the style objects themselves so
#: that the ids in the key stay theirs.
_STYLE_CACHE: weakref.WeakKeyDictionary[Workbook, dict[tuple[Any, ...], tuple[Any, ...]]] = \
    weakref.WeakKeyDictionary()


def apply_style(cell: Cell, *, font: Font | None = None, fill: PatternFill | None = None,
                border: Border | None = None, alignment: Alignment | None = None,
                number_format: str | None = None) -> None:
    """Give ``cell`` these styles (``None``: the default), replacing any it had.

    Setting ``cell.font`` and the like makes openpyxl hash the style object against the
    workbook's list of styles every time, which cost most of the time of a 10,000-row plan
    workbook. Each combination is set the usual way once per workbook; later cells get a copy
    of the resulting style indices (what openpyxl's own ``WorksheetCopy`` does). Call it before
    :func:`put`, which may add the quote prefix.
    """
    book = cell.parent.parent
    cache = _STYLE_CACHE.setdefault(book, {})
    key = (id(font), id(fill), id(border), id(alignment), number_format)
    known = cache.get(key)
    if known is not None:
        cell._style = copy(known[0])
        return
    cell._style = StyleArray()
    for name, value in (("font", font), ("fill", fill), ("border", border),
                        ("alignment", alignment), ("number_format", number_format)):
        if value is not None:
            setattr(cell, name, value)
    cache[key] = (copy(cell._style), font, fill, border, alignment, number_format)


def style_header(cells_: Iterable[Cell], *, required: Sequence[bool] | None = None) -> None:
    """Bold, filled, centred, wrapped and boxed; required columns in dark red."""
    for index, cell in enumerate(cells_):
        cell.font = REQUIRED_FONT if required and required[index] else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        cell.border = BORDER


def write_title(sheet: Worksheet, row: int, title: str, columns: int, *,
                height: float = 32) -> None:
    """A title merged across ``columns`` columns."""
    put(sheet, row, 1, title)
    if columns > 1:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    cell = sheet.cell(row=row, column=1)
    cell.font = TITLE_FONT
    cell.alignment = CENTRE
    sheet.row_dimensions[row].height = height


def set_widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def set_print_layout(sheet: Worksheet, *, title_rows: str | None = None,
                     landscape: bool = True) -> None:
    """A4, fitted to the page width, with ``title_rows`` (e.g. ``"1:2"``) on every page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.oddFooter.center.text = text("excel.page_footer").zh


class ListSource:
    """Where a drop-down list's values come from: inline, or a hidden sheet when too long.

    Excel keeps an inline list in the rule itself, limited to 255 characters and unable to hold
    a comma; longer lists go to column after column of one hidden sheet, created on first use.
    """

    def __init__(self, book: Workbook, sheet_name: str = "下拉选项"):
        self.book = book
        self.sheet_name = sheet_name
        self.sheet: Worksheet | None = None
        self.columns = 0

    def formula(self, values: Sequence[str]) -> str:
        inline = '"' + ",".join(values) + '"'
        if len(inline) <= INLINE_LIST_LIMIT and not any("," in v or '"' in v for v in values):
            return inline
        if self.sheet is None:
            self.sheet = self.book.create_sheet(self.sheet_name)
            self.sheet.sheet_state = "hidden"
        self.columns += 1
        for row, value in enumerate(values, start=1):
            put(self.sheet, row, self.columns, value)
        letter = get_column_letter(self.columns)
        return f"{quote_sheetname(self.sheet_name)}!${letter}$1:${letter}${len(values)}"


def validation(kind: str | None, *, prompt_title: str, prompt: str, error_title: str = "",
               error: str = "", formula1: str | None = None, formula2: str | None = None,
               operator: str | None = None) -> DataValidation:
    """A validation rule with a Chinese input prompt and, when it restricts, an error message."""
    rule = DataValidation(
        type=kind, operator=operator, formula1=formula1, formula2=formula2, allow_blank=True,
        showInputMessage=True, promptTitle=prompt_title[:PROMPT_TITLE_LIMIT],
        prompt=prompt[:PROMPT_LIMIT],
        showErrorMessage=kind is not None, errorStyle="stop" if kind is not None else None,
        errorTitle=error_title[:PROMPT_TITLE_LIMIT] if kind is not None else None,
        error=error[:PROMPT_LIMIT] if kind is not None else None,
    )
    if kind == "list":
        # openpyxl's showDropDown=True *hides* the arrow (the attribute's meaning is inverted).
        rule.showDropDown = False
    return rule


def excel_serial(day: date) -> int:
    """The Excel serial day number of ``day`` (1900 date system)."""
    return (day - cells.EXCEL_EPOCH.date()).days


def save_workbook(book: Workbook, path: str | Path) -> None:
    """Save ``book`` so that the same content always gives byte-identical files.

    ``Workbook.save`` stamps the document's modification time and each zip entry's date with
    the current time. Here the properties are fixed and the writer is driven directly, then the
    zip is rewritten entry by entry, in the same order, with a fixed date.
    """
    book.properties.created = FIXED_TIMESTAMP
    book.properties.modified = FIXED_TIMESTAMP
    book.properties.creator = "allocator"
    book.properties.lastModifiedBy = "allocator"
    buffer = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = entry.external_attr
            target.writestr(fixed, source.read(entry.filename))
    Path(path).write_bytes(out.getvalue())


# =============================================================================================
# The demand workbook (DESIGN §3): the template, and the same layout filled with submissions
# =============================================================================================

DEMAND_SHEET = SHEET_NAME  # the name the reader looks for
INSTRUCTIONS_SHEET = "填表说明"
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3
#: Validation and formats reach this many rows below the last one written.
SPARE_ROWS = 1000
#: The instructions sheet's table of columns (its header is bilingual by design).
GUIDE_HEADERS = ("中文表头", "English header", "必填/选填", "说明", "Explanation", "依据条款",
                 "可选值")
GUIDE_WIDTHS = (24, 26, 12, 46, 52, 16, 44)

_KIND_WIDTH = {
    Kind.CREDIT_CODE: 22, Kind.TEXT: 30, Kind.ENUM: 10, Kind.INDUSTRY: 10, Kind.ITEMS: 12,
    Kind.BOOL: 8, Kind.COUNT: 9, Kind.RATE: 10, Kind.DATE: 12,
}
_KIND_FORMAT = {
    Kind.CREDIT_CODE: FORMAT_TEXT, Kind.INDUSTRY: FORMAT_TEXT, Kind.ITEMS: FORMAT_TEXT,
    Kind.COUNT: FORMAT_COUNT, Kind.RATE: FORMAT_PERCENT, Kind.DATE: FORMAT_DATE,
}
_KIND_ALIGNMENT = {Kind.TEXT: LEFT, Kind.CREDIT_CODE: LEFT}
_WIDTH_CAP = 48


def demand_title(year: int | None) -> str:
    """The default title, ``2027年度《北京市工作居住证》办证需求申报表`` (no year if unknown)."""
    return text("excel.title", year=year).zh if year else text("excel.title_no_year").zh


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
    width = max(_KIND_WIDTH[column.kind], math.ceil(text_width(column.zh) / 3) + 3)
    if column.choices:
        width = max(width, max(text_width(c.zh) for c in column.choices) + 4)
    longest = max((text_width(str(v)) for v in values if v is not None), default=0)
    return min(max(width, longest + 2), _WIDTH_CAP)


def _demand_sheet(book: Workbook, rows: list[list[Any]], title: str) -> None:
    sheet = book.active
    sheet.title = DEMAND_SHEET
    count = len(COLUMNS)
    write_title(sheet, TITLE_ROW, title, count)
    for position, column in enumerate(COLUMNS, start=1):
        put(sheet, HEADER_ROW, position, column.zh)
    style_header(sheet[HEADER_ROW][:count], required=[c.required for c in COLUMNS])
    sheet.row_dimensions[HEADER_ROW].height = 48

    for offset, values in enumerate(rows):
        row = FIRST_DATA_ROW + offset
        for position, (column, value) in enumerate(zip(COLUMNS, values, strict=True), start=1):
            cell = put(sheet, row, position, value, number_format=_KIND_FORMAT.get(column.kind))
            cell.border = BORDER
            cell.alignment = _KIND_ALIGNMENT.get(column.kind, CENTRE)

    last = FIRST_DATA_ROW + len(rows) + SPARE_ROWS - 1
    lists = ListSource(book)
    for position, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        rule = _column_validation(column, lists)
        sheet.add_data_validation(rule)
        rule.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
        dimension = sheet.column_dimensions[letter]
        dimension.width = _column_width(column, (r[position - 1] for r in rows))
        if column.kind in _KIND_FORMAT:
            # Rows typed in later get the same format (credit codes stay text, not 9.1E+17).
            dimension.number_format = _KIND_FORMAT[column.kind]

    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=3)  # header and name stay put
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(count)}{HEADER_ROW + len(rows)}"
    set_print_layout(sheet, title_rows=f"{TITLE_ROW}:{HEADER_ROW}")


def _instructions_sheet(book: Workbook) -> None:
    sheet = book.create_sheet(INSTRUCTIONS_SHEET)
    width = len(GUIDE_HEADERS)
    write_title(sheet, 1, text("excel.guide_title").zh, width, height=30)
    row = 2
    for number, key in enumerate(("one_row", "credit_code", "q4", "totals", "lists",
                                  "required", "headers"), start=1):
        note = text(f"excel.guide.{key}")
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
        values = (column.zh, column.en, f"{requirement.zh} {requirement.en}", column.help_zh,
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
                          year: int | None = None) -> Workbook:
    """The demand workbook in memory (see :func:`write_demand_workbook`)."""
    rows: list[list[Any]] = []
    if frame is not None:
        blank: list[Any] = [None] * len(frame)
        columns = [[render(c, v) for v in frame[c.key]] if c.key in frame.columns else blank
                   for c in COLUMNS]
        rows = [list(values) for values in zip(*columns, strict=True)]
        if year is None and "submitted_on" in frame.columns:
            year = infer_plan_year(None, frame["submitted_on"].where(frame["submitted_on"]
                                                                      .notna(), None))
    book = Workbook()
    _demand_sheet(book, rows, title or demand_title(year))
    _instructions_sheet(book)
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


def write_template(path: str | Path) -> None:
    """The blank submission template sent to employers (``allocator template``)."""
    write_demand_workbook(path)


# =============================================================================================
# The plan workbook (DESIGN §1, §5): the plan as a document for the district government
# =============================================================================================
#
# Six sheets, each a printable table: 说明 (the plan at a glance and how to read it), 分配汇总
# (totals by sector, category, top-100 and unit type; exclusions, cuts and divisors),
# 分配明细 (every input row in input order, with its explanation), 平局与调整 (ties, guarantees,
# exclusions, cuts, ceilings), 参数 (every scenario parameter) and 审计 (hashes, versions and
# the solver's report). Every number is written as a value, never as a formula, and every text
# from a submission through :func:`put`, so a name such as ``=HYPERLINK(…)`` stays text.
#
# The same plan always gives the same bytes (:func:`save_workbook`): no wall-clock time is
# written unless the caller passes ``generated_at``; an approved plan shows its approval time.

PLAN_SHEETS = ("overview", "summary", "detail", "adjustments", "parameters", "audit")
#: SimSun ships with every Chinese Windows and WPS; a named font keeps widths predictable.
FONT_NAME = "宋体"
PLAN_FONT = Font(name=FONT_NAME, size=10)
PLAN_BOLD = Font(name=FONT_NAME, size=10, bold=True)
PLAN_TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
SECTION_FONT = Font(name=FONT_NAME, size=12, bold=True)
NOTE_FONT = Font(name=FONT_NAME, size=9, color="595959")
TOTAL_FILL = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
CHANGED_FILL = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
NUMBER_ALIGNMENT = Alignment(horizontal="right", vertical="top")
TOP_CENTRE = Alignment(horizontal="center", vertical="top", wrap_text=True)
FORMAT_INT = "#,##0"
FORMAT_WEIGHT = "0.0###"
FORMAT_CLAIM = "#,##0.0###"
FORMAT_CHANGE = "+#,##0;-#,##0;0"
#: Points per wrapped line of 10 pt CJK text (CJK fonts are taller than Latin ones), and the
#: share of a column's width a wrapped line really fills.
_LINE_HEIGHT, _FILL_FACTOR = 14.5, 0.95
#: A4 in points, and the margins of every printed sheet in inches.
_A4 = (595.3, 841.9)
_MARGINS = {"left": 0.4, "right": 0.4, "top": 0.75, "bottom": 0.7, "header": 0.3,
            "footer": 0.3}


def _w(lang: Lang, key: str, /, **params: Any) -> str:
    """One workbook message (``workbook.<key>``) in the workbook's language."""
    return text(f"workbook.{key}", **params).get(lang)


def _lines(value: Any, width: float) -> int:
    """Lines a wrapped cell of ``width`` characters needs for ``value``."""
    if value is None or width <= 0:
        return 1
    parts = str(value).split("\n")
    return sum(max(1, math.ceil(text_width(p) / (width * _FILL_FACTOR))) for p in parts)


def fit_row(sheet: Worksheet, row: int, widths: Sequence[float], values: Sequence[Any], *,
            first_column: int = 1, minimum: float = 15.0) -> None:
    """Set a row's height so every wrapped value shows whole (Excel does not do this for
    rows written by a program, and LibreOffice does it only on edit)."""
    lines = max((_lines(v, widths[first_column - 1 + i]) for i, v in enumerate(values)
                 if first_column - 1 + i < len(widths)), default=1)
    sheet.row_dimensions[row].height = max(minimum, _LINE_HEIGHT * lines + 4)


def _restyle(cells_: Iterable[Cell], font: Font) -> None:
    """The shared header and title styles, in the plan's font."""
    for cell in cells_:
        cell.font = font


def _header_row(sheet: Worksheet, row: int, headers: Sequence[str], widths: Sequence[float],
                *, first_column: int = 1, minimum: float = 20) -> None:
    for offset, header in enumerate(headers):
        put(sheet, row, first_column + offset, header)
    cells_ = [sheet.cell(row=row, column=first_column + i) for i in range(len(headers))]
    style_header(cells_)
    _restyle(cells_, PLAN_BOLD)
    fit_row(sheet, row, widths, headers, first_column=first_column, minimum=minimum)


def _title(sheet: Worksheet, title: str, columns: int, *, height: float = 32) -> None:
    write_title(sheet, 1, title, columns, height=height)
    sheet.cell(row=1, column=1).font = PLAN_TITLE_FONT


def _table(sheet: Worksheet, row: int, headers: Sequence[str], rows: Iterable[Sequence[Any]],
           widths: Sequence[float], formats: Sequence[str | None], *,
           total: Sequence[Any] | None = None, first_column: int = 1,
           wrap: Sequence[bool] | None = None, fills: Sequence[PatternFill | None] = ()) -> int:
    """A boxed table with a styled header; returns the row after it.

    ``formats`` gives each column's number format (None for text); text columns are left
    aligned and wrapped, numbers right aligned. ``total`` is an optional bold last row.
    """
    _header_row(sheet, row, headers, widths, first_column=first_column)
    row += 1
    wraps = wrap or [f is None for f in formats]
    for index, values in enumerate(rows):
        fill = fills[index] if index < len(fills) else None
        _table_row(sheet, row, values, formats, wraps, widths, first_column, PLAN_FONT, fill)
        row += 1
    if total is not None:
        _table_row(sheet, row, total, formats, wraps, widths, first_column, PLAN_BOLD,
                   TOTAL_FILL)
        row += 1
    return row


def _table_row(sheet: Worksheet, row: int, values: Sequence[Any], formats: Sequence[str | None],
               wraps: Sequence[bool], widths: Sequence[float], first_column: int, font: Font,
               fill: PatternFill | None) -> None:
    for offset, value in enumerate(values):
        number_format = formats[offset] if isinstance(value, int | float) and \
            not isinstance(value, bool) else None
        if number_format is not None:
            alignment = NUMBER_ALIGNMENT
        else:
            alignment = WRAP if wraps[offset] else TOP_CENTRE
        apply_style(sheet.cell(row=row, column=first_column + offset), font=font, fill=fill,
                    border=BORDER, alignment=alignment, number_format=number_format)
        put(sheet, row, first_column + offset, _cell_value(value))
    fit_row(sheet, row, widths, [v if wraps[i] else None for i, v in enumerate(values)],
            first_column=first_column)


def _cell_value(value: Any) -> Any:
    """Numbers as numbers (NaN and None as blank), everything else as text."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, Fraction | Decimal):
        return float(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value)


def _section(sheet: Worksheet, row: int, title: str, columns: int, note: str = "") -> int:
    """A section heading (and an optional note under it); returns the next row."""
    cell = put(sheet, row, 1, title)
    cell.font = SECTION_FONT
    sheet.row_dimensions[row].height = 22
    row += 1
    if note:
        put(sheet, row, 1, note).font = NOTE_FONT
        sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        row += 1
    return row


def _page(sheet: Worksheet, title: str, *, title_rows: str | None = None,
          landscape: bool = True) -> None:
    """A4, fitted to the width, the plan's title in the page header, page x of y below."""
    set_print_layout(sheet, title_rows=title_rows, landscape=landscape)
    for side, inches in _MARGINS.items():
        setattr(sheet.page_margins, side, inches)
    sheet.oddHeader.center.text = title
    sheet.oddHeader.center.size = 9


def _printable_height(sheet: Worksheet, widths: Sequence[float], landscape: bool) -> float:
    """The height of one printed page in the sheet's own points, after fitting to the width."""
    short, long = _A4
    page_width, page_height = (long, short) if landscape else (short, long)
    inch = 72.0
    usable_width = page_width - (_MARGINS["left"] + _MARGINS["right"]) * inch
    usable_height = page_height - (_MARGINS["top"] + _MARGINS["bottom"]) * inch
    sheet_width = sum((w * 7 + 5) * 0.75 for w in widths)  # Excel: 7 px per unit, 96 dpi
    scale = min(1.0, usable_width / sheet_width)
    return usable_height / scale


def keep_together(sheet: Worksheet, blocks: Sequence[tuple[int, int]], widths: Sequence[float],
                  *, landscape: bool = True, repeated: float = 0.0,
                  margin: float = 0.85) -> list[int]:
    """Insert page breaks so that no block of rows (a section: heading, note and the start of
    its table) is cut by a page end; returns the rows that start a new page.

    Row heights are estimates and every program paginates a little differently, so a block
    shares a page with what came before it only when everything since the last break fits in
    ``margin`` of a page; otherwise it starts a new one. Errors then never add up over pages.
    ``repeated`` is the height of rows printed on every page (print titles).
    """
    page = (_printable_height(sheet, widths, landscape) - repeated) * margin

    def height(first: int, last: int) -> float:
        return sum(sheet.row_dimensions[r].height or 15.0 for r in range(first, last + 1))

    breaks: list[int] = []
    since = 1  # the first row of the current printed page
    for first, last in blocks[1:]:
        if height(since, last) > page:
            sheet.row_breaks.append(Break(id=first - 1))
            breaks.append(first)
            since = first
    return breaks


def _plan_year(plan: Plan) -> int | None:
    year = plan.problem.scenario.scenario.year
    if year:
        return int(year)
    dates = plan.problem.employers["submitted_on"]
    return infer_plan_year(None, dates.where(dates.notna(), None))


def plan_title(plan: Plan, approval: ApprovalInfo | None = None, lang: Lang = "zh") -> str:
    """``2027年度东城区《北京市工作居住证》指标分配方案（草案）`` — 审定稿 once approved."""
    state = _w(lang, "state_approved" if approval is not None else "state_draft")
    year = _plan_year(plan)
    key = "title" if year else "title_no_year"
    return _w(lang, key, year=year, district=_w(lang, "district"), state=state)


def _percent_text(rate: Fraction | None) -> str:
    if rate is None:
        return "—"
    return decimal_text(rate * 100, 1)[0] + "%"


def _divisor_text(divisor: Fraction | None) -> str:
    return "—" if divisor is None else decimal_text(divisor, 6)[0]


def build_plan_workbook(plan: Plan, *, approval: ApprovalInfo | None = None, lang: Lang = "zh",
                        generated_at: datetime | None = None) -> Workbook:
    """The plan workbook in memory (see :func:`write_plan_workbook`)."""
    if plan.allocation is None:
        raise ValueError("an infeasible plan has no allocation to export; see its conflicts")
    title = plan_title(plan, approval, lang)
    summary = plan_summary(plan)
    explanations = explain_plan(plan)
    book = Workbook()
    sheets = _named_sheets(book, [_w(lang, f"sheet.{key}") for key in PLAN_SHEETS])
    _overview_sheet(sheets[0], plan, summary, title, approval, lang)
    _summary_sheet(sheets[1], plan, summary, title, lang)
    _detail_sheet(sheets[2], plan, explanations, title, lang)
    _adjustments_sheet(sheets[3], plan, explanations, title, lang)
    _parameters_sheet(sheets[4], plan, title, lang)
    _audit_sheet(sheets[5], plan, title, approval, generated_at, lang)
    return book


def _named_sheets(book: Workbook, names: Sequence[str]) -> list[Worksheet]:
    """The sheets, named before anything refers to them (a chart's ranges name the sheet)."""
    sheets = [book.active]
    sheets[0].title = names[0]
    sheets += [book.create_sheet(name) for name in names[1:]]
    book.active = 0
    return sheets


def write_plan_workbook(plan: Plan, path: str | Path, *, approval: ApprovalInfo | None = None,
                        lang: Lang = "zh", generated_at: datetime | None = None) -> None:
    """Write the plan as a workbook for the district government (``allocator solve --out``).

    Sheets 说明, 分配汇总, 分配明细, 平局与调整, 参数, 审计 (Chinese; ``lang="en"`` writes the same
    in English). The title says 草案 (draft) until ``approval`` is given, then 审定稿 with the
    approver and time. The file's bytes depend only on the plan, ``approval`` and
    ``generated_at`` (omitted by default, so that the same plan gives an identical file).
    """
    save_workbook(build_plan_workbook(plan, approval=approval, lang=lang,
                                      generated_at=generated_at), path)


# -- 说明 -------------------------------------------------------------------------------------
OVERVIEW_WIDTHS = (30, 92)


def _key_values(sheet: Worksheet, row: int, items: Sequence[tuple[str, Any, str | None]]) -> int:
    for label, value, number_format in items:
        label_cell = put(sheet, row, 1, label)
        label_cell.font = PLAN_BOLD
        label_cell.fill = HEADER_FILL
        label_cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        label_cell.border = BORDER
        cell = put(sheet, row, 2, _cell_value(value), number_format=number_format)
        cell.font = PLAN_FONT
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        fit_row(sheet, row, OVERVIEW_WIDTHS, [label, value])
        row += 1
    return row


def _overview_sheet(sheet: Worksheet, plan: Plan, summary: PlanSummary, title: str,
                    approval: ApprovalInfo | None, lang: Lang) -> None:
    problem = plan.problem
    info = problem.scenario.scenario
    set_widths(sheet, OVERVIEW_WIDTHS)
    _title(sheet, title, 2, height=36)
    row = 2
    if approval is None:
        put(sheet, row, 1, _w(lang, "draft_notice")).font = NOTE_FONT
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        sheet.cell(row=row, column=1).alignment = CENTRE
        row += 1
    row += 1
    row = _section(sheet, row, _w(lang, "overview.plan"), 2)
    divisors = "\n".join(line.get(lang) for line in summary.lines
                         if line is not None)
    status = _w(lang, f"status.{plan.status.value}")
    items: list[tuple[str, Any, str | None]] = [
        (_w(lang, "overview.scenario"), info.name, None),
        (_w(lang, "overview.description"), info.description.strip() or "—", None),
        (_w(lang, "overview.year"), _plan_year(plan) or "—", "0"),
        (_w(lang, "overview.cap"), problem.cap, FORMAT_INT),
        (_w(lang, "overview.reserve"), problem.reserve, FORMAT_INT),
        (_w(lang, "overview.allocatable"), problem.allocatable, FORMAT_INT),
        (_w(lang, "overview.allocated"), plan.allocated, FORMAT_INT),
        (_w(lang, "overview.unallocated"), plan.unallocated, FORMAT_INT),
    ]
    if summary.surplus is not None:
        items.append((_w(lang, "overview.surplus"), summary.surplus.get(lang), None))
    items += [
        (_w(lang, "overview.status"), status, None),
        (_w(lang, "overview.method"), method_label(problem.method).get(lang), None),
        (_w(lang, "overview.divisor"), _divisor_text(plan.divisor), None),
        (_w(lang, "overview.employers"), problem.size, FORMAT_INT),
        (_w(lang, "overview.requested"), summary.requested, FORMAT_INT),
        (_w(lang, "overview.eligible"), summary.eligible, FORMAT_INT),
        (_w(lang, "overview.fill_requested"), _percent_text(summary.fill_requested), None),
        (_w(lang, "overview.fill_eligible"), _percent_text(summary.fill_eligible), None),
        (_w(lang, "overview.highlights"), divisors, None),
    ]
    for note in [*plan.warnings]:
        if note.code != "SURPLUS":
            items.append((_w(lang, "overview.warning"), note.message.get(lang), None))
    row = _key_values(sheet, row, items)
    row += 1
    row = _section(sheet, row, _w(lang, "overview.approval"), 2)
    if approval is None:
        approval_items: list[tuple[str, Any, str | None]] = [
            (_w(lang, "overview.approval_state"), _w(lang, "state_draft_long"), None)]
    else:
        approval_items = [
            (_w(lang, "overview.approval_state"), _w(lang, "state_approved_long"), None),
            (_w(lang, "overview.approver"), approval.approver, None),
            (_w(lang, "overview.approved_at"), _when(approval.approved_at, lang), None),
            (_w(lang, "overview.approval_note"), approval.note or "—", None),
            (_w(lang, "overview.run_id"), approval.run_id, "0"),
        ]
    row = _key_values(sheet, row, approval_items)
    row += 1
    row = _section(sheet, row, _w(lang, "overview.how_to_read"), 2)
    for key in ("rule", "bounds", "ties", "sheets"):
        cell = put(sheet, row, 1, _w(lang, f"overview.read_{key}",
                                     method=method_label(problem.method).get(lang)))
        cell.font = PLAN_FONT
        cell.alignment = WRAP
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        fit_row(sheet, row, (sum(OVERVIEW_WIDTHS),), [cell.value])
        row += 1
    _page(sheet, title, landscape=False)


def _when(stamp: str, lang: Lang) -> str:
    """An ISO 8601 time as people write it: 2026年12月28日 15:00 (the audit keeps the ISO)."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    offset = moment.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return _w(lang, "when", year=moment.year, month=moment.month, day=moment.day,
              time=moment.strftime("%H:%M")) + zone


# -- 分配汇总 ---------------------------------------------------------------------------------
SUMMARY_WIDTHS = (44, 15, 12, 12, 12, 12, 14, 14)


def _summary_sheet(sheet: Worksheet, plan: Plan, summary: PlanSummary, title: str,
                   lang: Lang) -> None:
    set_widths(sheet, SUMMARY_WIDTHS)
    columns = len(SUMMARY_WIDTHS)
    _title(sheet, _w(lang, "summary.title"), columns)
    headers = [_w(lang, f"summary.col.{key}") for key in
               ("group", "employers", "requested", "eligible", "guaranteed", "allocated",
                "fill_requested", "fill_eligible")]
    formats = [None, FORMAT_INT, FORMAT_INT, FORMAT_INT, FORMAT_INT, FORMAT_INT,
               FORMAT_PERCENT, FORMAT_PERCENT]
    label = "label_zh" if lang == "zh" else "label_en"
    row = 3
    blocks: list[tuple[int, int]] = []
    for name in BREAKDOWNS:
        start = row
        table = summary.breakdown(name)
        note = _w(lang, "summary.category_note") if name == "category" else ""
        row = _section(sheet, row, _w(lang, f"summary.by_{name}"), columns, note)
        rows = [[r[label], r["employers"], r["requested"], r["eligible"], r["guaranteed"],
                 r["allocated"], r["fill_requested"], r["fill_eligible"]]
                for _, r in table.iterrows() if name != "unit_type" or r["employers"] > 0]
        total = None
        if name != "category":
            total = [_w(lang, "total"), plan.problem.size, summary.requested, summary.eligible,
                     summary.guaranteed, plan.allocated, _float(summary.fill_requested),
                     _float(summary.fill_eligible)]
        row = _table(sheet, row, headers, rows, SUMMARY_WIDTHS, formats, total=total) + 1
        blocks.append((start, row - 2))

    reason_headers = [_w(lang, "summary.col.reason"), _w(lang, "summary.col.article"),
                      _w(lang, "summary.col.employers"), _w(lang, "summary.col.permits")]
    article = "article_zh" if lang == "zh" else "article_en"
    for name, table in (("excluded", summary.excluded), ("cuts", summary.cuts)):
        start = row
        row = _section(sheet, row, _w(lang, f"summary.{name}"), columns,
                       _w(lang, f"summary.{name}_note"))
        rows = [[r[label], r[article], r["employers"], r["permits"]]
                for _, r in table.iterrows()]
        if not rows:
            rows = [[_w(lang, "none"), None, None, None]]
        row = _table(sheet, row, reason_headers, rows, SUMMARY_WIDTHS,
                     [None, None, FORMAT_INT, FORMAT_INT], wrap=[True, True, False, False]) + 1
        blocks.append((start, row - 2))

    start = row
    row = _section(sheet, row, _w(lang, "summary.scopes"), columns,
                   _w(lang, "summary.scopes_note"))
    # A scope without a divisor (everyone in it at a bound) reads back from pandas as NA.
    scope_rows = [[r[label], r["employers"], r["allocated"],
                   _divisor_text(None if pd.isna(r["divisor_exact"])
                                 else Fraction(r["divisor_exact"]))]
                  for _, r in summary.scopes.iterrows()]
    end = _table(sheet, row, [_w(lang, "summary.col.scope"), _w(lang, "summary.col.employers"),
                              _w(lang, "summary.col.allocated"), _w(lang, "summary.col.divisor")],
                 scope_rows, SUMMARY_WIDTHS, [None, FORMAT_INT, FORMAT_INT, None],
                 wrap=[True, False, False, False])
    blocks.append((start, end - 1))
    _page(sheet, title)
    keep_together(sheet, blocks, SUMMARY_WIDTHS)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


# -- 分配明细 ---------------------------------------------------------------------------------
DETAIL_COLUMNS = (
    # key, width, number format (None: text), wrapped
    ("row", 7, FORMAT_COUNT, False),
    ("credit_code", 21, None, False),
    ("name", 26, None, True),
    ("sector", 9, None, False),
    ("unit_type", 11, None, True),
    ("top100", 6, None, False),
    ("requested", 7, FORMAT_INT, False),
    ("eligible", 7, FORMAT_INT, False),
    ("guaranteed", 7, FORMAT_INT, False),
    ("upper", 7, FORMAT_INT, False),
    ("weight", 7, FORMAT_WEIGHT, False),
    ("claim", 9, FORMAT_CLAIM, False),
    ("allocated", 7, FORMAT_INT, False),
    ("fill", 8, FORMAT_PERCENT, False),
    ("explanation", 62, None, True),
    ("reasons", 46, None, True),
)
DETAIL_HEADER_ROW, DETAIL_FIRST_ROW = 2, 3


def _detail_sheet(sheet: Worksheet, plan: Plan, explanations: list[EmployerExplanation],
                  title: str, lang: Lang) -> None:
    frame = plan.problem.employers
    widths = [c[1] for c in DETAIL_COLUMNS]
    formats = [c[2] for c in DETAIL_COLUMNS]
    wraps = [c[3] for c in DETAIL_COLUMNS]
    set_widths(sheet, widths)
    _title(sheet, _w(lang, "detail.title"), len(DETAIL_COLUMNS))
    headers = [_w(lang, f"detail.col.{c[0]}") for c in DETAIL_COLUMNS]
    _header_row(sheet, DETAIL_HEADER_ROW, headers, widths, minimum=30)
    yes, no = text("common.yes").get(lang), text("common.no").get(lang)
    row = DETAIL_FIRST_ROW
    for position, record in enumerate(frame.itertuples(index=False)):
        explanation = explanations[position]
        allocated = plan.seats(position)
        reasons = "\n".join(r.message.get(lang) for r in record.reasons)
        values = [
            int(record.row), record.credit_code, record.name,
            sector_label(record.sector).get(lang), unit_type_label(record.unit_type).get(lang),
            yes if record.top100 else no, int(record.requested), int(record.eligible),
            int(record.guaranteed), int(record.upper), float(record.weight),
            float(record.claim), allocated,
            _float(fill_rate(allocated, int(record.requested))),
            explanation.sentence.get(lang), reasons or None,
        ]
        _table_row(sheet, row, values, formats, wraps, widths, 1, PLAN_FONT, None)
        row += 1
    total = [None, _w(lang, "total"), None, None, None, None, int(frame["requested"].sum()),
             int(frame["eligible"].sum()), int(frame["guaranteed"].sum()),
             int(frame["upper"].sum()), None, None, plan.allocated,
             _float(fill_rate(plan.allocated, int(frame["requested"].sum()))), None, None]
    _table_row(sheet, row, total, formats, wraps, widths, 1, PLAN_BOLD, TOTAL_FILL)
    last = get_column_letter(len(DETAIL_COLUMNS))
    sheet.freeze_panes = sheet.cell(row=DETAIL_FIRST_ROW, column=4)
    sheet.auto_filter.ref = f"A{DETAIL_HEADER_ROW}:{last}{row - 1}"
    _page(sheet, title, title_rows=f"{DETAIL_HEADER_ROW}:{DETAIL_HEADER_ROW}")


# -- 平局与调整 -------------------------------------------------------------------------------
#: One table with one header (repeated on every printed page); each kind of adjustment is a
#: block under a heading row: ties, guarantees, exclusions, cuts, ceilings.
ADJUSTMENT_COLUMNS = (
    # key, width, number format (None: text), wrapped
    ("row", 8, FORMAT_COUNT, False),
    ("name", 30, None, True),
    ("requested", 7, FORMAT_INT, False),
    ("eligible", 8, FORMAT_INT, False),
    ("guaranteed", 7, FORMAT_INT, False),
    ("upper", 7, FORMAT_INT, False),
    ("allocated", 7, FORMAT_INT, False),
    ("change", 8, FORMAT_CHANGE, False),
    ("why", 76, None, True),
)
ADJUSTMENT_KINDS = ("ties", "guarantees", "excluded", "cuts", "ceilings")
SECTION_FILL = PatternFill("solid", start_color="E2EFDA", end_color="E2EFDA")


def adjustment_rows(plan: Plan, explanations: list[EmployerExplanation],
                    lang: Lang) -> dict[str, list[list[Any]]]:
    """The rows of each block of 平局与调整, in input order within a block.

    ``change`` is what the step did to the employer: a tie's loser −1 against its rounding, a
    guarantee raising the rounding, an exclusion or cut removing demand, a ceiling lowering the
    rounding.
    """
    rows_of = plan.problem.employers["row"].astype(int).tolist()
    blocks: dict[str, list[list[Any]]] = {kind: [] for kind in ADJUSTMENT_KINDS}
    for e in explanations:
        base = [e.row, e.name, e.requested, e.eligible, e.guaranteed, e.upper, e.allocated]
        if e.tie is not None:
            others = [str(rows_of[i]) for i in e.tie.employers if i != e.position]
            blocks["ties"].append([*base, -1 if e.tie_lost else None, _w(
                lang, "adjust.tie_lost" if e.tie_lost else "adjust.tie_won",
                others=("、" if lang == "zh" else ", ").join(others),
                permits=e.tie.permits, rounded=e.rounded,
                broken_by=text(f"explain.broken_by.{e.tie.broken_by}").get(lang))])
        if e.guaranteed > 0:
            why = [r.message.get(lang) for r in e.bounds if r.code != "CEILING"]
            change = None
            if e.outcome.startswith("raised_") and e.rounded is not None:
                why.append(_w(lang, "adjust.raised", rounded=e.rounded))
                change = e.guaranteed - e.rounded
            blocks["guarantees"].append([*base, change, "\n".join(why)])
        if e.gates:
            blocks["excluded"].append([*base, -e.requested,
                                       "\n".join(r.message.get(lang) for r in e.gates)])
        applied = list(e.cuts)  # every sanction that applied, even one that removed 0
        if applied:
            blocks["cuts"].append([*base, sum(r.amount or 0 for r in applied),
                                   "\n".join(r.message.get(lang) for r in applied)])
        ceiling = [r.message.get(lang) for r in e.bounds if r.code == "CEILING"]
        if e.outcome in ("capped_eligible", "capped_ceiling") or ceiling:
            change = None
            if e.outcome.startswith("capped_") and e.rounded is not None:
                ceiling.append(_w(lang, f"adjust.{e.outcome}", rounded=e.rounded,
                                  upper=e.upper))
                change = e.upper - e.rounded
            blocks["ceilings"].append([*base, change, "\n".join(ceiling)])
    return blocks


def _adjustments_sheet(sheet: Worksheet, plan: Plan,
                       explanations: list[EmployerExplanation], title: str,
                       lang: Lang) -> None:
    widths = [c[1] for c in ADJUSTMENT_COLUMNS]
    formats = [c[2] for c in ADJUSTMENT_COLUMNS]
    wraps = [c[3] for c in ADJUSTMENT_COLUMNS]
    columns = len(ADJUSTMENT_COLUMNS)
    set_widths(sheet, widths)
    _title(sheet, _w(lang, "adjust.title"), columns)
    headers = [_w(lang, f"adjust.col.{c[0]}") for c in ADJUSTMENT_COLUMNS]
    _header_row(sheet, 2, headers, widths, minimum=30)
    row = 3
    blocks: list[tuple[int, int]] = []
    for number, (kind, rows) in enumerate(adjustment_rows(plan, explanations, lang).items(),
                                          start=1):
        blocks.append((row, row + min(3, max(1, len(rows)))))  # no heading alone at a page end
        heading = _w(lang, f"adjust.{kind}", number=chinese_numeral(number)
                     if lang == "zh" else number, count=len(rows))
        cell = put(sheet, row, 1, f"{heading}  {_w(lang, f'adjust.{kind}_note')}")
        cell.font = PLAN_BOLD
        cell.fill = SECTION_FILL
        cell.alignment = WRAP
        cell.border = BORDER
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        fit_row(sheet, row, (sum(widths),), [cell.value], minimum=18)
        row += 1
        for values in rows or [[None, _w(lang, "none"), *[None] * (columns - 2)]]:
            _table_row(sheet, row, values, formats, wraps, widths, 1, PLAN_FONT, None)
            row += 1
    sheet.freeze_panes = "C3"
    _page(sheet, title, title_rows="2:2")
    keep_together(sheet, blocks, widths, repeated=sheet.row_dimensions[2].height or 15.0)


# -- 参数 -------------------------------------------------------------------------------------
PARAMETER_WIDTHS = (26, 22, 22, 13, 70, 30)


def _parameters_sheet(sheet: Worksheet, plan: Plan, title: str, lang: Lang) -> None:
    scenario = plan.problem.scenario
    columns = len(PARAMETER_WIDTHS)
    set_widths(sheet, PARAMETER_WIDTHS)
    _title(sheet, _w(lang, "params.title"), columns)
    note = put(sheet, 2, 1, _w(lang, "params.note"))
    note.font = NOTE_FONT
    note.alignment = WRAP
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)
    headers = [_w(lang, f"params.col.{k}") for k in
               ("label", "value", "default", "article", "help", "key")]
    rows, fills = [], []
    for parameter in PARAMETERS:
        value = scenario.get(parameter.key)
        default = None if parameter.required else parameter.default
        changed = not parameter.required and not _same_value(value, default)
        shown = _shown(parameter, value, lang)
        if parameter.key == "scenario.description" and value:
            shown = _w(lang, "params.see_overview")  # the prose is on the first sheet
        rows.append([parameter.label.get(lang), shown,
                     _w(lang, "params.required") if parameter.required
                     else _shown(parameter, default, lang),
                     article_text(parameter.article).get(lang) or "—",
                     parameter.help.get(lang), parameter.key])
        fills.append(CHANGED_FILL if changed else None)
    for group_name, config in sorted(scenario.groups.items()):
        for parameter in GROUP_PARAMETERS:
            value = getattr(config, parameter.name)
            label = text("compare.group_parameter", name=group_name, label=parameter.label)
            rows.append([label.get(lang), _shown(parameter, value, lang), "—",
                         article_text(parameter.article).get(lang) or "—",
                         parameter.help.get(lang), f"groups.{group_name}.{parameter.name}"])
            fills.append(CHANGED_FILL)
    _table(sheet, 3, headers, rows, PARAMETER_WIDTHS, [None] * columns, fills=fills)
    sheet.freeze_panes = sheet.cell(row=4, column=2)
    _page(sheet, title, title_rows="3:3")


def _shown(parameter: Any, value: Any, lang: Lang) -> str:
    return show_value(parameter, value).get(lang)


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) == list(b)
    if isinstance(a, dict) or isinstance(b, dict):
        return a == b
    return bool(a == b)


# -- 审计 -------------------------------------------------------------------------------------
def _audit_sheet(sheet: Worksheet, plan: Plan, title: str, approval: ApprovalInfo | None,
                 generated_at: datetime | None, lang: Lang) -> None:
    problem = plan.problem
    set_widths(sheet, OVERVIEW_WIDTHS)
    _title(sheet, _w(lang, "audit.title"), 2)
    solver = plan.solver
    items: list[tuple[str, Any, str | None]] = [
        (_w(lang, "audit.input_sha256"), problem.input_sha256, None),
        (_w(lang, "audit.scenario_sha256"), problem.scenario_sha256, None),
        (_w(lang, "audit.plan_sha256"), plan_sha256(plan), None),
        (_w(lang, "audit.allocator"), __version__, None),
        (_w(lang, "audit.ortools"), plan.ortools_version or "—", None),
        (_w(lang, "audit.method"), problem.method.value, None),
        (_w(lang, "audit.divisor_exact"), "—" if plan.divisor is None else str(plan.divisor),
         None),
    ]
    if solver is not None:
        items += [
            (_w(lang, "audit.solver"), solver.name, None),
            (_w(lang, "audit.solver_status"), solver.status, None),
            (_w(lang, "audit.objective"), "—" if solver.objective is None else solver.objective,
             FORMAT_COUNT),
            (_w(lang, "audit.bound"), "—" if solver.bound is None else solver.bound,
             FORMAT_COUNT),
            (_w(lang, "audit.gap"), "—" if solver.gap is None else solver.gap, "0.00%"),
            (_w(lang, "audit.parameters"),
             json.dumps(solver.parameters, ensure_ascii=False, sort_keys=True), None),
        ]
    if approval is not None:
        items += [
            (_w(lang, "audit.run_id"), approval.run_id, "0"),
            (_w(lang, "overview.approver"), approval.approver, None),
            (_w(lang, "overview.approved_at"), approval.approved_at, None),
            (_w(lang, "audit.chain_sha256"), approval.chain_sha256, None),
        ]
    items.append((_w(lang, "audit.generated_at"),
                  generated_at.isoformat(timespec="seconds") if generated_at is not None
                  else _w(lang, "audit.generated_omitted"), None))
    row = _key_values(sheet, 3, items)
    cell = put(sheet, row + 1, 1, _w(lang, "audit.note"))
    cell.font = NOTE_FONT
    cell.alignment = WRAP
    sheet.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=2)
    fit_row(sheet, row + 1, (sum(OVERVIEW_WIDTHS),), [cell.value])
    _page(sheet, title, landscape=False)


# =============================================================================================
# The comparison workbook: plans of several scenarios side by side
# =============================================================================================

COMPARISON_SHEETS = ("metrics", "sectors", "parameters", "differences")


def build_comparison_workbook(comparison: Comparison, *, lang: Lang = "zh") -> Workbook:
    """The comparison workbook in memory (see :func:`write_comparison_workbook`)."""
    book = Workbook()
    title = _w(lang, "compare.title", count=len(comparison.names) + len(comparison.infeasible))
    sheets = _named_sheets(book, [_w(lang, f"compare.sheet.{k}") for k in COMPARISON_SHEETS])
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
    _title(sheet, title, len(widths))
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
    headers = [_w(lang, "compare.col.metric"), *names]
    note = put(sheet, 2, 1, _w(lang, "compare.fill_note"))
    note.font = NOTE_FONT
    note.alignment = WRAP
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(widths))
    fit_row(sheet, 2, (sum(widths),), [sheet.cell(row=2, column=1).value])
    row = 3
    _header_row(sheet, row, headers, widths)
    row += 1
    for values, number_format in zip(rows, formats_by_row, strict=True):
        formats = [None, *[number_format] * len(names)]
        _table_row(sheet, row, values, formats, [True] + [False] * len(names), widths, 1,
                   PLAN_FONT, None)
        row += 1
    sheet.freeze_panes = sheet.cell(row=4, column=2)
    if comparison.infeasible:
        row = _section(sheet, row + 1, _w(lang, "compare.infeasible"), len(widths))
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
    _page(sheet, title, title_rows="3:3", landscape=len(names) > 5)


def _sectors_sheet(sheet: Worksheet, comparison: Comparison, title: str, lang: Lang) -> None:
    names = comparison.names
    widths = _scenario_widths(22, names)
    set_widths(sheet, widths)
    _title(sheet, _w(lang, "compare.sectors_title"), len(widths))
    label = "label_zh" if lang == "zh" else "label_en"
    table = comparison.by_sector
    rows = [[record[label], *[int(record[n]) for n in names]] for _, record in table.iterrows()]
    total = [_w(lang, "total"), *[int(table[n].sum()) for n in names]]
    header_row = 3
    end = _table(sheet, header_row, [_w(lang, "compare.col.sector"), *names], rows, widths,
                 [None, *[FORMAT_INT] * len(names)], total=total)
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = _w(lang, "compare.chart_title")
    chart.y_axis.title = _w(lang, "compare.chart_axis")
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
    _page(sheet, title)


def _parameter_differences_sheet(sheet: Worksheet, comparison: Comparison, title: str,
                                 lang: Lang) -> None:
    names = comparison.names
    widths = [30, 12, *_scenario_widths(0, names, minimum=18)[1:], 30]
    set_widths(sheet, widths)
    _title(sheet, _w(lang, "compare.parameters_title"), len(widths))
    label = "label_zh" if lang == "zh" else "label_en"
    suffix = "" if lang == "zh" else "__en"
    rows = [[record[label], article_text(record["article"]).get(lang) or "—",
             *[record[f"{n}{suffix}"] for n in names], record["key"]]
            for _, record in comparison.parameters.iterrows()]
    if not rows:
        rows = [[_w(lang, "compare.no_parameter_differences"), None, *[None] * len(names),
                 None]]
    headers = [_w(lang, "compare.col.parameter"), _w(lang, "params.col.article"), *names,
               _w(lang, "params.col.key")]
    _table(sheet, 3, headers, rows, widths, [None] * len(widths))
    sheet.freeze_panes = sheet.cell(row=4, column=2)
    _page(sheet, title, title_rows="3:3")


def _employer_differences_sheet(sheet: Worksheet, comparison: Comparison, title: str,
                                lang: Lang) -> None:
    names = comparison.names
    widths = [8, 21, 30, 10, 8, *_scenario_widths(0, names, minimum=10)[1:], 10, 10]
    set_widths(sheet, widths)
    _title(sheet, _w(lang, "compare.differences_title", count=len(comparison.differences)),
           len(widths))
    first = names[0]
    last = names[-1]
    headers = [_w(lang, "detail.col.row"), _w(lang, "detail.col.credit_code"),
               _w(lang, "detail.col.name"), _w(lang, "detail.col.sector"),
               _w(lang, "detail.col.requested"), *names,
               _w(lang, "compare.col.change", first=first, last=last),
               _w(lang, "compare.col.spread")]
    table = comparison.differences
    sector_text = {c.zh: Text(zh=c.zh, en=c.en) for c in SECTORS}
    rows = [[int(r["row"]), r["credit_code"], r["name"],
             sector_text[r["sector"]].get(lang) if r["sector"] in sector_text else r["sector"],
             int(r["requested"]), *[int(r[n]) for n in names], int(r["change"]),
             int(r["spread"])] for _, r in table.iterrows()]
    if not rows:
        rows = [[None, None, _w(lang, "compare.no_differences"), None, None,
                 *[None] * len(names), None, None]]
    formats = [FORMAT_COUNT, None, None, None, FORMAT_INT, *[FORMAT_INT] * len(names),
               FORMAT_CHANGE, FORMAT_INT]
    end = _table(sheet, 2, headers, rows, widths, formats)
    sheet.freeze_panes = sheet.cell(row=3, column=4)
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(widths))}{max(end - 1, 3)}"
    _page(sheet, title, title_rows="2:2")
