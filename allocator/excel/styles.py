"""Shared building blocks of every workbook: writing a cell so that no text can turn into a
formula, the styles (fonts, fills, borders, number formats), header and table rows sized to
their wrapped text, drop-down lists and data validation, A4 print setup with page breaks that
keep sections together, and saving with fixed metadata so that the same content always gives
the same bytes.

A new sheet is one function ``(sheet, ..., lang) -> None`` built from :func:`sheet_title`,
:func:`write_section`, :func:`write_table` and :func:`page_setup`.
"""

from __future__ import annotations

import gc
import io
import math
import numbers
import re
import unicodedata
import weakref
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from allocator import cells
from allocator.errors import visible
from allocator.i18n import Lang, text

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
    # Stored, not compressed: every part is compressed once, below.
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True)).save()
    bulk = {sheet.path.lstrip("/"): tables for sheet in book.worksheets
            if (tables := _BULK.get(sheet))}
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL,
                            allowZip64=True) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = entry.external_attr
            data = source.read(entry.filename)
            if entry.filename in bulk:
                data = _with_bulk_rows(data, bulk[entry.filename])
            target.writestr(fixed, data, compresslevel=_ZIP_LEVEL)
    from allocator.outputs import write_bytes_atomically

    write_bytes_atomically(path, out.getvalue())


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block, as it was after it.

    Writing a large workbook makes hundreds of thousands of short-lived objects (sentences,
    rows, XML strings), few of them in cycles; each collection the allocations trigger walks
    every object the process holds (the plan, pandas, the solver), about a fifth of the time
    at 10,000 employers. Reference counting still frees everything at once."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- many rows, fast ----------------------------------------------------------------------------
#
# openpyxl keeps a Python object per cell and writes it through an XML library: about 20 µs a
# cell, 5 s for a plan of 10,000 employers. A long table (one row per employer) is instead kept
# as ready-made XML — the same values, styles (openpyxl's own style ids) and row heights that
# :func:`write_row` gives — and put into the sheet's ``<sheetData>`` by :func:`save_workbook`,
# after the rows openpyxl wrote (title, header). Everything else (widths, print setup, merged
# cells, filters, validation) is openpyxl's as usual.

#: deflate level of the saved file: level 6 costs twice the time of 1 for 10 % smaller files.
_ZIP_LEVEL = 1


@dataclass
class BulkTable:
    """Rows kept as sheet XML until the workbook is saved (see :func:`bulk_rows`)."""

    first_row: int
    last_row: int
    last_column: int
    xml: list[str] = field(default_factory=list)
    heights: list[float] = field(default_factory=list)  # each row's, for pagination


_BULK: weakref.WeakKeyDictionary[Worksheet, list[BulkTable]] = weakref.WeakKeyDictionary()
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _style_id(sheet: Worksheet, **styles: Any) -> int:
    """The workbook's cell-format index of these styles (registered on a detached cell)."""
    quote = styles.pop("quote", False)
    cell = Cell(sheet)
    apply_style(cell, **styles)
    if quote:
        cell.quotePrefix = True
    return cell.style_id


#: Points per wrapped line of 10 pt text, and the points a row adds around its lines. Noto Sans
#: CJK (LibreOffice's CJK font) lays a line out in 1.45 em, but its glyphs are 1 em tall with the
#: spare space mostly above them: 13.5 points a line show every glyph whole with a point to spare
#: (checked on the printed PDF), and a page holds 39 rows of the detail instead of 36.
LINE_HEIGHT, ROW_PADDING = 13.5, 1.0
#: The height of a row of one line of 10 pt text.
ONE_LINE = LINE_HEIGHT + ROW_PADDING


def bulk_rows(sheet: Worksheet, first_row: int, rows: Iterable[Sequence[Any]],
              formats: Sequence[str | None], wraps: Sequence[bool], widths: Sequence[float], *,
              font: Font, fill: PatternFill | None = None, first_column: int = 1,
              minimum: float = ONE_LINE, fill_factor: float | None = None) -> int:
    """Write a long boxed table's rows as :func:`write_row` would, fast; returns the row after.

    The rows are not cells of ``sheet`` in memory (``sheet.max_row`` does not see them); they
    are in the file :func:`save_workbook` writes. Values are as :func:`cell_value` makes them:
    numbers as numbers in the column's format, text always text (quote-prefixed when it starts
    with a formula trigger), ``None`` an empty boxed cell. ``fill_factor`` is the share of a
    wrapped column's width a line is taken to fill (:data:`FILL_FACTOR`, a margin for fonts
    that print wider than measured).
    """
    count = len(formats)
    cells = [f'<c r="{get_column_letter(first_column + i)}' for i in range(count)]
    base = {"font": font, "fill": fill, "border": BORDER}
    text_ids = [_style_id(sheet, **base, alignment=WRAP if wraps[i] else TOP_CENTRE)
                for i in range(count)]
    quoted_ids: dict[int, int] = {}  # registered on first use: few texts start with "="
    empty = [f'" s="{text_ids[i]}"/>' for i in range(count)]
    empty_text = [f'" s="{text_ids[i]}" t="inlineStr"/>' for i in range(count)]
    # A number in a text column stays a number, in the column's text style (as write_row).
    number_as_text = [f'" s="{text_ids[i]}"><v>' for i in range(count)]
    text_open = [f'" s="{text_ids[i]}" t="inlineStr"><is><t xml:space="preserve">'
                 for i in range(count)]
    number_ids = [None if formats[i] is None else
                  _style_id(sheet, **base, alignment=NUMBER_ALIGNMENT, number_format=formats[i])
                  for i in range(count)]
    number_open = [None if number_ids[i] is None else f'" s="{number_ids[i]}"><v>'
                   for i in range(count)]
    # Per wrapped column: the points a line holds (see wrapped_lines), for the row height.
    fill_factor = FILL_FACTOR if fill_factor is None else fill_factor
    room = {i: (column_points(widths[first_column - 1 + i]) - 4) * fill_factor
            for i, wrap in enumerate(wraps) if wrap}
    table = BulkTable(first_row=first_row, last_row=first_row - 1,
                      last_column=first_column + count - 1)
    row = first_row
    xml, heights = table.xml, table.heights
    rooms = [room.get(i) for i in range(count)]
    size = float(font.sz or 10.0)  # the lines and the row height follow the font's size
    for values in rows:
        parts = []
        lines = 1
        number = str(row)
        for column, given in enumerate(values):
            raw = given
            kind = type(raw)
            if kind is int and rooms[column] is None:  # most cells: a number, not wrapped
                parts += (cells[column], number, number_open[column] or number_as_text[column],
                          str(raw), "</v></c>")
                continue
            if rooms[column] is not None and given is not None:  # as fit_row counts
                needed = 0
                for part in str(given).split("\n"):
                    length = len(part)
                    if part.isascii():
                        needed += max(1, math.ceil(length * NARROW_EM * size / rooms[column]))
                        continue
                    wide = (len(part.encode()) - length) / 2
                    needed += max(1, math.ceil((wide + (length - wide) * NARROW_EM) * size
                                               / rooms[column]))
                if needed > lines:
                    lines = needed
            if kind not in (int, float, str) and raw is not None:
                raw = cell_value(raw)  # bool, numpy and decimal numbers, other objects
                kind = type(raw)
            if kind is int or (kind is float and raw == raw):
                opening = number_open[column] or number_as_text[column]
                parts += (cells[column], number, opening,
                          repr(raw) if kind is float else str(raw), "</v></c>")
                continue
            if kind is str and raw:
                value = raw
            elif kind is str:  # "": an empty text cell, as openpyxl writes it
                parts += (cells[column], number, empty_text[column])
                continue
            else:  # None, NaN
                parts += (cells[column], number, empty[column])
                continue
            if _UNWRITABLE.search(value):
                value = visible(value, keep="\t\n\r")
            if value.startswith(FORMULA_TRIGGERS):
                if column not in quoted_ids:
                    quoted_ids[column] = _style_id(sheet, **base, quote=True,
                                                   alignment=WRAP if wraps[column]
                                                   else TOP_CENTRE)
                opening = (f'" s="{quoted_ids[column]}" t="inlineStr"><is>'
                           '<t xml:space="preserve">')
            else:
                opening = text_open[column]
            if "&" in value or "<" in value or ">" in value:
                value = value.translate(_XML_ESCAPES)
            parts += (cells[column], number, opening, value, "</t></is></c>")
        height = max(minimum, row_height(lines, size))
        heights.append(height)
        xml.append(f'<row r="{row}" ht="{height:g}" customHeight="1">{"".join(parts)}</row>')
        row += 1
    table.last_row = row - 1
    _BULK.setdefault(sheet, []).append(table)
    return row


_DIMENSION = re.compile(rb'<dimension ref="([^"]*)"\s*/>')


def _with_bulk_rows(data: bytes, tables: list[BulkTable]) -> bytes:
    """The sheet XML ``data`` with the tables' rows in ``<sheetData>``, in row order among the
    rows openpyxl wrote, and the used range widened to them."""
    chunks: list[tuple[int, bytes]] = [(table.first_row + i, chunk.encode())
                                       for table in tables for i, chunk in enumerate(table.xml)]
    start = data.find(b"<sheetData")
    if data.startswith(b"<sheetData/>", start):
        end, inner = start + len(b"<sheetData/>"), b""
    else:
        open_end = data.index(b">", start) + 1
        end = data.index(b"</sheetData>", open_end) + len(b"</sheetData>")
        inner = data[open_end:end - len(b"</sheetData>")]
    chunks += [(int(match.group(1)), match.group(0)) for match in _ROW.finditer(inner)]
    chunks.sort(key=lambda chunk: chunk[0])
    data = data[:start] + b"<sheetData>" + b"".join(c for _, c in chunks) + b"</sheetData>" + \
        data[end:]
    last_row = max(t.last_row for t in tables)
    match = _DIMENSION.search(data)
    if match is not None:
        ref = match.group(1).decode()
        first, _, last = ref.partition(":")
        last = last or first
        column = "".join(ch for ch in last if ch.isalpha())
        row = int("".join(ch for ch in last if ch.isdigit()) or 1)
        width = max(column_index_from_string(column),
                    max(t.last_column for t in tables))
        ref = f"{first}:{get_column_letter(width)}{max(row, last_row)}"
        data = data[:match.start()] + f'<dimension ref="{ref}"/>'.encode() + \
            data[match.end():]
    return data


#: One ``<row>`` element as openpyxl writes it (its cells hold no ``<row``).
_ROW = re.compile(rb'<row r="(\d+)"(?:[^>]*/>|.*?</row>)', re.DOTALL)



#: SimSun ships with every Chinese Windows and WPS; a named font keeps widths predictable.
FONT_NAME = "宋体"
#: The workbook's default font, by which column widths are measured (see new_workbook).
DEFAULT_FONT_NAME = "Arial"
PLAN_FONT = Font(name=FONT_NAME, size=10)
PLAN_BOLD = Font(name=FONT_NAME, size=10, bold=True)
PLAN_TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
SECTION_FONT = Font(name=FONT_NAME, size=12, bold=True)
NOTE_FONT = Font(name=FONT_NAME, size=9, color="595959")
TOTAL_FILL = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
CHANGED_FILL = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
NUMBER_ALIGNMENT = Alignment(horizontal="right", vertical="top")
#: A text cell that is not wrapped (a code, 是/否): centred, and shrunk rather than cut when a
#: font prints it wider than its column.
TOP_CENTRE = Alignment(horizontal="center", vertical="top", shrink_to_fit=True)
#: The width of a column of 18-character codes (credit codes, masked resident IDs): LibreOffice
#: prints their Latin characters in DejaVu Sans (0.64 em a digit), 120 points at 10 pt.
CODE_WIDTH = 23
FORMAT_INT = "#,##0"
FORMAT_WEIGHT = "0.0###"
FORMAT_CLAIM = "#,##0.0###"
FORMAT_CHANGE = "+#,##0;-#,##0;0"
#: The share of a column's width a wrapped line really fills (words and punctuation that may
#: not start a line push text on).
FILL_FACTOR = 0.92
#: Average width of a narrow (Latin, digit) character, in ems; a wide (CJK) one is 1 em.
NARROW_EM = 0.55
#: A4 in points, and the margins of every printed sheet in inches.
A4 = (595.3, 841.9)
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.55, "bottom": 0.5, "header": 0.25,
           "footer": 0.25}


def msg(lang: Lang, key: str, /, **params: Any) -> str:
    """One workbook message (``workbook.<key>``) in the workbook's language."""
    return text(f"workbook.{key}", **params).get(lang)


def column_points(width: float) -> float:
    """The printed width in points of a column ``width`` characters wide (Excel: 7 px a
    character plus 5 px padding, at 96 px an inch)."""
    return (width * 7 + 5) * 0.75


def text_points(value: str, size: float = 10.0) -> float:
    """About how wide ``value`` prints at ``size`` points: a character outside Latin-1 and the
    like (CJK, full-width punctuation: three bytes in UTF-8) is one em, any other
    :data:`NARROW_EM`. Counted from the UTF-8 length, so it costs next to nothing."""
    length = len(value)
    wide = (len(value.encode()) - length) / 2
    return (wide + (length - wide) * NARROW_EM) * size


def wrapped_lines(value: Any, width: float, size: float = 10.0) -> int:
    """Lines a wrapped cell of ``width`` characters needs for ``value`` at ``size`` points."""
    if value is None or width <= 0:
        return 1
    room = (column_points(width) - 4) * FILL_FACTOR
    return sum(max(1, math.ceil(text_points(part, size) / room))
               for part in str(value).split("\n"))


def row_height(lines: int, size: float = 10.0) -> float:
    """The height of a row of ``lines`` wrapped lines of ``size``-point text."""
    return LINE_HEIGHT * size / 10 * lines + ROW_PADDING


def fit_row(sheet: Worksheet, row: int, widths: Sequence[float], values: Sequence[Any], *,
            first_column: int = 1, minimum: float = ONE_LINE, size: float = 10.0) -> None:
    """Set a row's height so every wrapped value shows whole (Excel does not do this for
    rows written by a program, and LibreOffice does it only on edit)."""
    lines = max((wrapped_lines(v, widths[first_column - 1 + i], size)
                 for i, v in enumerate(values) if first_column - 1 + i < len(widths)),
                default=1)
    sheet.row_dimensions[row].height = max(minimum, row_height(lines, size))


def restyle(cells_: Iterable[Cell], font: Font) -> None:
    """The shared header and title styles, in the plan's font."""
    for cell in cells_:
        cell.font = font


def write_header(sheet: Worksheet, row: int, headers: Sequence[str], widths: Sequence[float],
                 *, first_column: int = 1, minimum: float = 20) -> None:
    for offset, header in enumerate(headers):
        put(sheet, row, first_column + offset, header)
    cells_ = [sheet.cell(row=row, column=first_column + i) for i in range(len(headers))]
    style_header(cells_)
    restyle(cells_, PLAN_BOLD)
    fit_row(sheet, row, widths, headers, first_column=first_column, minimum=minimum)


def sheet_title(sheet: Worksheet, title: str, columns: int, *, height: float = 32) -> None:
    write_title(sheet, 1, title, columns, height=height)
    sheet.cell(row=1, column=1).font = PLAN_TITLE_FONT


def text_wraps(formats: Sequence[str | None], *whole: int) -> list[bool]:
    """Which columns of a table wrap: its text columns (no number format), but not the
    columns ``whole`` (codes, shown whole: shrunk rather than wrapped, see :data:`TOP_CENTRE`)."""
    return [f is None and column not in whole for column, f in enumerate(formats)]


def write_table(sheet: Worksheet, row: int, headers: Sequence[str], rows: Iterable[Sequence[Any]],
                widths: Sequence[float], formats: Sequence[str | None], *,
                total: Sequence[Any] | None = None, first_column: int = 1,
                wrap: Sequence[bool] | None = None,
                fills: Sequence[PatternFill | None] = (), font: Font = PLAN_FONT) -> int:
    """A boxed table with a styled header; returns the row after it.

    ``formats`` gives each column's number format (None for text); text columns are left
    aligned and wrapped, numbers right aligned. ``total`` is an optional bold last row.
    ``font`` is the rows' (the header's is bold 10 pt).
    """
    write_header(sheet, row, headers, widths, first_column=first_column)
    row += 1
    wraps = wrap or text_wraps(formats)
    for index, values in enumerate(rows):
        fill = fills[index] if index < len(fills) else None
        write_row(sheet, row, values, formats, wraps, widths, first_column, font, fill)
        row += 1
    if total is not None:
        write_row(sheet, row, total, formats, wraps, widths, first_column, PLAN_BOLD,
                  TOTAL_FILL)
        row += 1
    return row


def write_row(sheet: Worksheet, row: int, values: Sequence[Any], formats: Sequence[str | None],
              wraps: Sequence[bool], widths: Sequence[float], first_column: int, font: Font,
              fill: PatternFill | None) -> None:
    for offset, given in enumerate(values):
        value = cell_value(given)  # numbers of any kind (Fraction, numpy) get their format
        number_format = formats[offset] if isinstance(value, int | float) else None
        if number_format is not None:
            alignment = NUMBER_ALIGNMENT
        else:
            alignment = WRAP if wraps[offset] else TOP_CENTRE
        apply_style(sheet.cell(row=row, column=first_column + offset), font=font, fill=fill,
                    border=BORDER, alignment=alignment, number_format=number_format)
        put(sheet, row, first_column + offset, value)
    fit_row(sheet, row, widths, [v if wraps[i] else None for i, v in enumerate(values)],
            first_column=first_column, size=float(font.sz or 10.0))


def cell_value(value: Any) -> Any:
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


def write_section(sheet: Worksheet, row: int, title: str, columns: int, note: str = "") -> int:
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


def page_setup(sheet: Worksheet, title: str, *, title_rows: str | None = None,
               landscape: bool = True, lang: Lang = "zh") -> None:
    """A4, fitted to the width, the plan's title in the page header, page x of y below (in
    the document's language)."""
    set_print_layout(sheet, title_rows=title_rows, landscape=landscape)
    sheet.oddFooter.center.text = text("excel.page_footer").get(lang)
    for side, inches in MARGINS.items():
        setattr(sheet.page_margins, side, inches)
    sheet.oddHeader.center.text = title
    sheet.oddHeader.center.size = 9


def print_scale(widths: Sequence[float], landscape: bool) -> float:
    """The scale at which a sheet of these column widths prints fitted to the A4 page width
    (never enlarged)."""
    short, long = A4
    page_width = long if landscape else short
    usable_width = page_width - (MARGINS["left"] + MARGINS["right"]) * 72.0
    return min(1.0, usable_width / sum(column_points(w) for w in widths))


def printable_height(sheet: Worksheet, widths: Sequence[float], landscape: bool) -> float:
    """The height of one printed page in the sheet's own points, after fitting to the width."""
    short, long = A4
    page_height = short if landscape else long
    usable_height = page_height - (MARGINS["top"] + MARGINS["bottom"]) * 72.0
    return usable_height / print_scale(widths, landscape)


def keep_together(sheet: Worksheet, blocks: Sequence[tuple[int, int]], widths: Sequence[float],
                  *, landscape: bool = True, repeated: float = 0.0,
                  margin: float = 0.95) -> list[int]:
    """Insert page breaks so that no block of rows (a section: heading, note and the start of
    its table) is cut by a page end; returns the rows that start a new page.

    The pages are laid out row by row as the printer will (a row that does not fit starts the
    next page), and a block starts a new page only when it does not fit under what the current
    page holds. Row heights are estimates and every program paginates a little differently, so
    a page is taken as ``margin`` of its height. ``repeated`` is the height of rows printed on
    every page (print titles).
    """
    page = (printable_height(sheet, widths, landscape) - repeated) * margin
    bulk = {table.first_row + i: height for table in _BULK.get(sheet, ())
            for i, height in enumerate(table.heights)}

    def height(row: int) -> float:
        return bulk.get(row) or sheet.row_dimensions[row].height or 15.0

    starts = dict(blocks[1:])
    breaks: list[int] = []
    used = 0.0  # of the current printed page
    for row in range(1, max(starts, default=0) + 1):
        if row in starts and used > 0:
            block = sum(height(r) for r in range(row, starts[row] + 1))
            if used + block > page:  # the block does not fit under what is on the page
                sheet.row_breaks.append(Break(id=row - 1))
                breaks.append(row)
                used = 0.0
        used = height(row) if used + height(row) > page else used + height(row)
    return breaks


def new_workbook() -> Workbook:
    """An empty workbook whose default font (the Normal style's) measures columns the same in
    Excel and LibreOffice.

    Both measure a column's width in digits of the default font. openpyxl's default, Calibri,
    is missing on Linux, where LibreOffice measures with DejaVu Sans instead and prints every
    sheet a quarter smaller; 宋体 is matched to DejaVu Serif there, as wide. Arial (Liberation
    Sans, metric-compatible, on Linux) has the same digit width everywhere. The cells
    themselves keep their own fonts.
    """
    book = Workbook()
    default = Font(name=DEFAULT_FONT_NAME, size=10)
    book._fonts = IndexedList([default, *list(book._fonts)[1:]])
    book._named_styles["Normal"].font = default
    return book


def named_sheets(book: Workbook, names: Sequence[str]) -> list[Worksheet]:
    """The sheets, named before anything refers to them (a chart's ranges name the sheet)."""
    sheets = [book.active]
    sheets[0].title = names[0]
    sheets += [book.create_sheet(name) for name in names[1:]]
    book.active = 0
    return sheets
