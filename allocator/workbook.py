"""Open a workbook file and return the grid of one sheet's cells.

This is the only module that touches the spreadsheet library on the way in. It returns plain
values plus the positions of formula and error cells (a formula's cached value is never trusted:
the reader reports it), and turns every way a file can fail to open into an :class:`Issue`.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allocator.errors import Issue, Severity, issue

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted .xlsx


@dataclass
class Grid:
    """One sheet as rows of values. ``rows[i]`` is Excel row ``row_numbers[i]``."""

    sheet: str
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row index, column position)
    errors: set[tuple[int, int]] = field(default_factory=set)
    title: str | None = None  # the first text above the data, e.g. ``2027年度…汇总表``

    def value(self, index: int, position: int) -> Any:
        cells = self.rows[index]
        return cells[position] if position < len(cells) else None


def sniff(path: Path) -> str | None:
    """Catalogue code of the reason ``path`` is not an .xlsx workbook, or ``None``."""
    if not path.exists():
        return "file_missing"
    if not path.is_file():
        return "file_not_file"
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        return "file_empty"
    if head.startswith(OLE_MAGIC):
        return "file_ole"
    if not head.startswith(XLSX_MAGIC) or not zipfile.is_zipfile(path):
        return "file_not_xlsx"
    return None


def read_grid(path: Path, preferred_sheet: str) -> tuple[Grid | None, list[Issue]]:
    """The cells of ``preferred_sheet`` (or the first sheet) of the workbook at ``path``."""
    name = path.name
    problem = sniff(path)
    if problem:
        return None, [issue(Severity.ERROR, problem, file=name)]
    import openpyxl  # deferred: the command line starts faster for `--help`

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # any parser failure is the file's fault, not ours
        return None, [issue(Severity.ERROR, "file_unreadable", file=name,
                            reason=type(exc).__name__)]
    try:
        names = book.sheetnames
        if not names:
            return None, [issue(Severity.ERROR, "file_no_sheets", file=name)]
        sheet = preferred_sheet if preferred_sheet in names else names[0]
        grid = Grid(sheet)
        next_row = 1
        for index, cells in enumerate(book[sheet].iter_rows()):
            numbers = [c.row for c in cells if getattr(c, "row", None)]
            row = numbers[0] if numbers else next_row
            next_row = row + 1
            values = tuple(c.value for c in cells)
            for position, cell in enumerate(cells):
                kind = getattr(cell, "data_type", "n")
                if kind == "f":
                    grid.formulas.add((index, position))
                elif kind == "e":
                    grid.errors.add((index, position))
            if grid.title is None and any(values):
                grid.title = next((str(v) for v in values if isinstance(v, str)), None)
            grid.rows.append(values)
            grid.row_numbers.append(row)
    except Exception as exc:
        return None, [issue(Severity.ERROR, "file_unreadable", file=name,
                            reason=type(exc).__name__)]
    finally:
        book.close()
    return grid, []
