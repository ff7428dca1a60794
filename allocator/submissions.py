"""Read, validate and normalise the demand workbook (docs/columns.md) into :class:`Submissions`.

The reader finds the sheet (``需求申报`` or the first), finds the header row under any title
rows and notes, maps Chinese or English headers in any order to the schema's keys, parses every
cell with :mod:`allocator.cells`, and runs the cross-column rules. It reports **every** problem
at once, each naming file, sheet, Excel row, column header and value. No input row is dropped
silently: it is read, or reported as a totals row, a blank row or an error.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from allocator import credit_code
from allocator.cells import CellError, is_blank, normalise, parser_for
from allocator.errors import InputError, Issue, Reported, Severity, issue
from allocator.i18n import Text
from allocator.industries import sector_of_industry, sectors_within
from allocator.schema import BY_KEY, COLUMNS, DEMAND_PARTS, REQUIRED, Column, Kind
from allocator.workbook import Grid, merged_issues, read_grid

SHEET_NAME = "需求申报"
HEADER_SCAN_ROWS = 30
#: A report longer than this helps nobody (a whole column typed wrong repeats one problem);
#: the rest are counted, not listed, so a hostile file cannot flood memory or the screen.
MAX_LISTED_ISSUES = 1000
TOTALS_WORDS = ("合计", "总计", "小计", "total", "sum")
_HEADER_JUNK = re.compile(r"[\s_\-—–()（）\[\]【】:：*＊·/\\.。]+")

ERROR, WARNING = Severity.ERROR, Severity.WARNING
#: Markers of a cell value not parsed yet, and of a blank one (see ``parse_column``).
_BLANK = object()


#: The name of the template's example row starts with this (allocator.excel.template); the
#: reader skips the row.
EXAMPLE_MARK = "【示例】"


def header_token(value: object) -> str:
    """A header reduced to what identifies it.

    ``申报人数（高级管理人员）`` and ``申报人数_高级管理人员`` are the same header.
    """
    return _HEADER_JUNK.sub("", normalise(str(value))).casefold()


def header_keys(columns: Sequence[Column]) -> dict[str, str]:
    """Header token → column key, for every spelling a column accepts (key, Chinese, English,
    aliases)."""
    return {header_token(spelling): column.key
            for column in columns
            for spelling in (column.key, column.zh, column.en, *column.aliases)}


HEADER_KEYS: dict[str, str] = header_keys(COLUMNS)


@dataclass
class Submissions(Reported):
    """The employers' demand as read from one workbook.

    ``frame`` has one row per data row in workbook order: ``row`` (the Excel row number), every
    schema key (canonical values, ``None`` where blank or unreadable), then the unknown columns
    carried through under their own headers.
    """

    frame: pd.DataFrame
    issues: list[Issue]
    file: str
    sheet: str | None = None
    header_row: int | None = None
    plan_year: int | None = None
    sha256: str = ""
    extra_columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # key → header as written

    def raise_for_errors(self) -> Submissions:
        if self.errors:
            raise InputError(self.errors)
        return self

    def __len__(self) -> int:
        return len(self.frame)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_submissions(path: str | Path, plan_year: int | None = None) -> Submissions:
    """Read and validate a demand workbook. Never raises for bad content: see ``issues``."""
    path = Path(path)
    grid, problems = read_grid(path, preferred_sheet=SHEET_NAME)
    name = path.name
    sha = file_sha256(path) if path.is_file() else ""
    if grid is None:
        return Submissions(_empty_frame(), problems, name, sha256=sha)
    reader = _Reader(grid, name, plan_year)
    result = reader.run()
    if reader.header_missing and grid.other_sheets:
        _look_elsewhere(path, grid, result)
    result.issues[:0] = problems
    result.sha256 = sha
    return result


#: Other worksheets searched for a header when the one read has none.
MAX_SHEETS_SEARCHED = 5


def _look_elsewhere(path: Path, grid: Grid, result: Submissions) -> None:
    """The sheet read has no header: say which other sheet seems to hold the data."""
    for other in grid.other_sheets[:MAX_SHEETS_SEARCHED]:
        found, problems = read_grid(path, preferred_sheet=other)
        if found is None or found.sheet != other or any(p.is_error for p in problems):
            continue
        if _Reader(found, result.file, None).find_header() is not None:
            result.issues = [issue(ERROR, "read.header_elsewhere", file=result.file,
                                   sheet=grid.sheet, other=other)
                             if i.code == "header_not_found" else i for i in result.issues]
            return


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype="int64"),
                         **{c.key: pd.Series(dtype="object") for c in COLUMNS}})


class SheetReader:
    """What reading one sheet of a table needs, whatever the table: its header row found among
    the top rows and mapped to column keys, every problem named by file and sheet, and a
    report capped at :data:`MAX_LISTED_ISSUES`. The demand sheet (here) and the roster
    (:mod:`allocator.roster`) differ only in their columns."""

    header_keys: dict[str, str] = HEADER_KEYS  # header token → column key
    required: tuple[str, ...] = REQUIRED
    by_key: dict[str, Column] = BY_KEY

    def __init__(self, grid: Grid, file: str):
        self.grid = grid
        self.file = file
        self.sheet = grid.sheet
        self.issues: list[Issue] = []
        self.headers: dict[str, str] = {}  # key → header as written
        #: (Excel row, column key) of every cell refused: no hint is derived from such a cell.
        self.refused: set[tuple[int, str]] = set()

    def add(self, severity: Severity, code: str, **where: Any) -> None:
        self.issues.append(issue(severity, code, file=self.file, sheet=self.sheet, **where))

    def column_parser(self, column: Column, position: int,
                      indices: list[int]) -> Callable[[object], Any]:
        """The cell parser of ``column``; a credit code already written canonically with
        the right check character (nearly all of them) is taken as it is, checked with the
        others all at once."""
        parse = parser_for(column, date1904=self.grid.date1904)
        if column.kind is not Kind.CREDIT_CODE:
            return parse
        verified = credit_code.valid_written(self.grid.column(position, indices))

        def parse_code(raw: object) -> Any:
            return raw if raw in verified else parse(raw)

        return parse_code

    # -- header -------------------------------------------------------------------------------
    def find_header(self) -> int | None:
        """Index in ``grid.rows`` of the header: the first of the top rows naming ≥ 2 columns."""
        best, best_score = None, 1
        for index, cells in enumerate(self.grid.rows[:HEADER_SCAN_ROWS]):
            score = len({self.header_keys[t] for v in cells if v is not None
                         and (t := header_token(v)) in self.header_keys})
            if score > best_score:
                best, best_score = index, score
        return best

    def map_header(self, header_index: int) -> tuple[dict[str, int], dict[int, str]]:
        header = self.grid.rows[header_index]
        row = self.grid.row_numbers[header_index]
        keys: dict[str, int] = {}
        extras: dict[int, str] = {}
        written: dict[str, str] = {}
        for position, value in enumerate(header):
            if is_blank(value):
                continue
            title = str(value).strip()
            key = self.header_keys.get(header_token(title))
            if key is None:
                extras[position] = title
            elif key in keys:
                self.add(ERROR, "header_duplicate", row=row, column=title,
                         first=written[key])
            else:
                keys[key] = position
                written[key] = title
        for key in self.required:
            if key not in keys:
                column = self.by_key[key]
                self.add(ERROR, "header_missing", row=row, column=column.zh,
                         zh_name=column.zh, en_name=column.en)
        self.headers = written
        return keys, extras

    def read_cells(self, column: Column, position: int, indices: list[int], rows: list[int],
                   parse: Callable[[object], Any], blank_value: Any, *,
                   shown: Callable[[object], object] = lambda raw: raw) -> list[Any]:
        """One column's cells parsed, in ``indices`` order. A formula, an Excel error, a blank
        required cell or a value ``parse`` refuses is reported with its row (its value as
        ``shown`` gives it) and read as ``None``; a blank cell gives ``blank_value``. Each
        distinct value is checked and parsed once (most columns repeat; 1, 1.0 and True are
        distinct values)."""
        header = self.headers[column.key]
        cells = self.grid.column(position, indices)
        # A column of one type (and blanks) is keyed by value; else 1, 1.0 and True would meet.
        keys: list[Any] = cells if len(set(map(type, cells)) - {type(None)}) <= 1 \
            else list(zip(map(type, cells), cells, strict=True))
        single = keys is cells
        marked = {i for i, p in (*self.grid.formulas, *self.grid.errors) if p == position}
        table: dict[Any, Any] = dict.fromkeys(
            [k for i, k in zip(indices, keys, strict=True) if i not in marked] if marked
            else keys)
        for key in table:
            raw = key if single else key[1]
            if is_blank(raw):
                table[key] = _BLANK if column.required else blank_value
            else:
                try:
                    table[key] = parse(raw)
                except CellError as problem:
                    table[key] = problem
        out = list(map(table.get, keys))
        special = {key for key, value in table.items()
                   if value is _BLANK or isinstance(value, CellError)}
        if not special and not marked:
            return out  # the usual column: every cell read
        for n, (index, row, key) in enumerate(zip(indices, rows, keys, strict=True)):
            if index in marked:
                formula = (index, position) in self.grid.formulas
                self.add(ERROR, "formula" if formula else "excel_error", row=row,
                         column=header, value=shown(key if single else key[1]))
                self.refused.add((row, column.key))
                out[n] = None
            elif key in special:
                value = table[key]
                if value is _BLANK:  # only a required column keeps the mark
                    self.add(ERROR, "required_blank", row=row, column=header)
                    out[n] = blank_value
                else:
                    self.add(ERROR, value.code, row=row, column=header,
                             value=shown(key if single else key[1]), **value.params)
                    self.refused.add((row, column.key))
                    out[n] = None
        return out

    def finish_issues(self) -> None:
        """Sort the problems by row and keep the first :data:`MAX_LISTED_ISSUES`, counting
        the rest (a hostile file cannot flood memory or the screen)."""
        self.issues.sort(key=lambda found: found.row or 0)
        if len(self.issues) > MAX_LISTED_ISSUES:
            more = len(self.issues) - MAX_LISTED_ISSUES
            has_error = any(i.is_error for i in self.issues)
            del self.issues[MAX_LISTED_ISSUES:]
            self.add(ERROR if has_error else WARNING, "too_many", more=more,
                     listed=MAX_LISTED_ISSUES)


def totals_word(value: Any) -> bool:
    """``value`` is a totals word (合计, 总计, total, …) however it is spaced or cased."""
    return isinstance(value, str) and header_token(value) in TOTALS_WORDS


def is_totals(cells: Sequence[Any], code: Any) -> bool:
    """A 合计 / total row (of the demand sheet or the roster): the word in one of the first
    cells, and no credit code."""
    return (is_blank(code) or totals_word(code)) and any(totals_word(v) for v in cells[:4])


class _Reader(SheetReader):
    def __init__(self, grid: Grid, file: str, plan_year: int | None):
        super().__init__(grid, file)
        self.plan_year = plan_year
        self.header_missing = False

    # -- rows ---------------------------------------------------------------------------------
    def data_rows(self, header_index: int, positions: Sequence[int],
                  code_position: int | None, name_position: int | None = None) -> Iterator[int]:
        """Indices of data rows: blank rows skipped, totals rows and the template's example
        row (its name starts with 【示例】) reported and skipped."""
        for index in range(header_index + 1, len(self.grid.rows)):
            if all(is_blank(self.grid.value(index, p)) for p in positions):
                continue
            name = None if name_position is None else self.grid.value(index, name_position)
            if isinstance(name, str) and name.strip().startswith(EXAMPLE_MARK):
                self.add(WARNING, "example_row_ignored", row=self.grid.row_numbers[index])
                continue
            code = None if code_position is None else self.grid.value(index, code_position)
            if is_totals(self.grid.rows[index], code):
                self.add(WARNING, "totals_row_ignored", row=self.grid.row_numbers[index])
                continue
            yield index

    # -- the whole read -----------------------------------------------------------------------
    def run(self) -> Submissions:
        header_index = self.find_header()
        if header_index is None:
            self.add(ERROR, "header_not_found", required=column_names(REQUIRED))
            self.header_missing = True
            return Submissions(_empty_frame(), self.issues, self.file, self.sheet)
        keys, extras = self.map_header(header_index)
        header_row = self.grid.row_numbers[header_index]
        self.issues += merged_issues(self.grid, self.file, header_index, {
            **{p: (title, False) for p, title in extras.items()},
            **{p: (self.headers[key], True) for key, p in keys.items()}})
        indices = list(self.data_rows(header_index, [*keys.values(), *extras],
                                      keys.get("credit_code"), keys.get("name")))
        if not indices and not any(i.is_error for i in self.issues):
            self.add(ERROR, "no_data", row=header_row)
        rows = [self.grid.row_numbers[i] for i in indices]
        data: dict[str, list[Any]] = {"row": rows}
        for column in COLUMNS:
            data[column.key] = self.parse_column(column, keys.get(column.key), indices, rows)
        for position, title in extras.items():
            data.setdefault(title, [self.grid.value(i, position) for i in indices])
        frame = pd.DataFrame({key: pd.Series(values, dtype="int64" if key == "row" else "object")
                              for key, values in data.items()})
        self.check_rows(frame)
        plan_year = self.plan_year or infer_plan_year(self.grid.title, frame["submitted_on"])
        self.check_dates(frame, plan_year)
        self.finish_issues()
        return Submissions(frame, self.issues, self.file, self.sheet, header_row, plan_year,
                           extra_columns=[t for t in extras.values() if t in data],
                           headers=self.headers)

    def parse_column(self, column: Column, position: int | None, indices: list[int],
                     rows: list[int]) -> list[Any]:
        blank_value = column.default
        if column.key in ("top100", "positive_list"):
            blank_value = False
        elif column.key in ("categories", "violations"):
            blank_value = ()
        if position is None:
            return [blank_value] * len(indices)
        parse = self.column_parser(column, position, indices)
        out = self.read_cells(column, position, indices, rows, parse, blank_value)
        if column.key == "attrition_rate":  # 1 may mean 1 % or 100 %: say which was read
            for index, row, value in zip(indices, rows, out, strict=True):
                raw = self.grid.value(index, position)
                if value == 1 and not (isinstance(raw, str)
                                       and raw.strip().endswith(("%", "％"))):
                    self.add(WARNING, "rate_one", row=row, column=self.headers[column.key],
                             value=raw)
        return out

    # -- rules across columns -----------------------------------------------------------------
    def header(self, key: str) -> str:
        return self.headers.get(key, BY_KEY[key].zh)

    def check_rows(self, frame: pd.DataFrame) -> None:
        seen: dict[str, int] = {}
        for record in frame.itertuples(index=False):
            row = record.row
            code = record.credit_code
            if code is not None:
                if code in seen:
                    self.add(ERROR, "credit_code_duplicate", row=row,
                             column=self.header("credit_code"), value=code, first=seen[code])
                else:
                    seen[code] = row
            self.check_demand(record)
            used, quota = record.prior_used, record.prior_quota
            if used is not None and quota is not None and used > quota:
                self.add(WARNING, "prior_used_above_quota", row=row,
                         column=self.header("prior_used"), value=used, quota=quota)
        frame["sector"] = pd.Series(self.sectors(frame), index=frame.index, dtype="object")

    def sectors(self, frame: pd.DataFrame) -> list[str]:
        """A blank sector follows the industry code by the national classifications (Art. 8,
        :mod:`allocator.industries`); a code that cannot decide is warned about, not guessed."""
        derived = []
        for row, sector, industry in zip(frame["row"], frame["sector"], frame["industry_code"],
                                         strict=True):
            if sector is None:
                sector, problem = sector_of_industry(industry) if industry else ("other", None)
                if problem is not None:
                    self.add(WARNING, problem, row=int(row), column=self.header("industry_code"),
                             value=industry, sectors=sector_names(sectors_within(industry)))
            derived.append(sector)
        return derived

    def check_demand(self, record: Any) -> None:
        total = record.demand_total
        parts = [getattr(record, key) for key in DEMAND_PARTS]
        given = [p for p in parts if p is not None]
        if total is None:
            return
        # A part whose cell was refused is not missing: it is already reported, so the hints
        # below (which read a blank part as "not given") would only repeat that error.
        refused = self.refused and any((record.row, key) in self.refused for key in DEMAND_PARTS)
        if len(given) == len(parts) and sum(given) != total:
            self.add(ERROR, "demand_parts_sum", row=record.row,
                     column=self.header("demand_total"), value=total, parts=sum(given))
        elif given and len(given) < len(parts):
            if sum(given) > total:
                self.add(ERROR, "demand_parts_exceed", row=record.row,
                         column=self.header("demand_total"), value=total, parts=sum(given))
            elif not refused:
                missing = [k for k, p in zip(DEMAND_PARTS, parts, strict=True) if p is None]
                self.add(WARNING, "demand_parts_missing", row=record.row,
                         column=self.header("demand_total"), missing=column_names(missing))
        elif not given and record.top100 and not refused:
            self.add(WARNING, "demand_parts_top100", row=record.row,
                     column=self.header("demand_senior"))

    def check_dates(self, frame: pd.DataFrame, plan_year: int | None) -> None:
        if plan_year is None:
            return
        first, last = date(plan_year - 1, 10, 1), date(plan_year - 1, 12, 31)
        for row, submitted in zip(frame["row"], frame["submitted_on"], strict=True):
            if submitted is not None and not first <= submitted <= last:
                self.add(WARNING, "date_outside_q4", row=int(row),
                         column=self.header("submitted_on"), value=submitted.isoformat(),
                         plan_year=plan_year, first=first.isoformat(), last=last.isoformat())


def sector_names(codes: Sequence[str]) -> Text:
    column = BY_KEY["sector"]
    return Text(zh="、".join(column.choice(c).zh for c in codes),
                en=", ".join(column.choice(c).en for c in codes))


def column_names(keys: Sequence[str]) -> Text:
    return Text(zh="、".join(BY_KEY[k].zh for k in keys), en=", ".join(BY_KEY[k].en for k in keys))


def infer_plan_year(title: str | None, dates: pd.Series) -> int | None:
    """The plan year: from a title such as ``2027年度…`` or else the year after most submissions."""
    if title:
        match = re.search(r"(20\d{2})\s*年度?", normalise(title))
        if match:
            return int(match[1])
    years = Counter(d.year for d in dates if d is not None)
    return years.most_common(1)[0][0] + 1 if years else None
