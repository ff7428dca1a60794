"""Workbooks written for people: the demand template, and (later) plan and comparison exports.

The module is in sections. **Shared building blocks** are what every writer needs — writing a
cell so that no text can turn into a formula, header styling, column widths, drop-down lists and
data validation, print setup, and saving with fixed metadata so that the same content always
gives the same bytes. **The demand workbook** writes the submission template (DESIGN §3): the
sheet ``需求申报`` with a title row, one header per :data:`allocator.schema.COLUMNS` entry and
optionally one row per employer, and the instructions sheet ``填表说明``.

Everything about a column (header, kind, choices, help text, article) comes from the schema;
nothing here lists columns by hand.
"""

from __future__ import annotations

import io
import math
import numbers
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from allocator import cells
from allocator.docs import article_text, chinese_numeral, choices_text, requirement_text
from allocator.i18n import text
from allocator.schema import COLUMNS, Column, Kind
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


def put(sheet: Worksheet, row: int, column: int, value: Any, *,
        number_format: str | None = None) -> Cell:
    """Write one cell; text is always stored as text, never as a formula or an error value.

    openpyxl turns a string starting with ``=`` into a formula and ``#N/A`` into an error; a
    planner's data must never do either, so the type is set back to string afterwards. Text
    starting with a formula trigger is also quote-prefixed, so editing it in Excel keeps it text.
    """
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    if number_format is not None:
        cell.number_format = number_format
    return cell


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
