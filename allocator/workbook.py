"""Open a workbook file and return the grid of one sheet's cells — safely and fast.

This is the only module that touches a spreadsheet library on the way in. It returns plain
values plus the positions of formula and error cells (a formula's cached value is never trusted:
the reader reports it), and turns every way a file can fail into an :class:`Issue` that names
the file and, where it applies, the sheet, row and column. Workbooks come from hundreds of
outside employers, so every file is treated as hostile until it has passed the checks below.

How a workbook is read
----------------------
1. **The archive** (central directory only, nothing inflated): number of parts, each part's
   declared size and compression ratio, the total, duplicate or odd part names, encryption,
   the parts every workbook needs. See :data:`LIMITS` and the constants next to it.
2. **The package**: ``[Content_Types].xml``, the relationships and ``xl/workbook.xml`` (and
   ``xl/styles.xml``) are small; they are read with a size cap and parsed with ``defusedxml``
   (no DTD, no entities, no external references). The sheet to read is resolved exactly as the
   fast parser resolves it, so the scan in step 3 and the values in step 4 come from the same
   part; any ambiguity (two parts with one name, a relationship resolved two ways, shared
   strings or styles outside their usual place) is refused rather than guessed.
3. **A streaming scan** of the chosen sheet's XML, in blocks cut at ``</row>`` (memory does not
   grow with the sheet): DTDs and entities, cells holding a value beyond the limits
   (``XFD1048576``; cells and rows that only hold formatting do not count, so a column formatted
   down to row 1,048,576 is fine), shared-string indexes that are not a whole number below the
   table's size (``-1``, ``abc``, ``1.5``, ``99999``: calamine would read text 0), and the
   cells whose value the fast parser cannot give exactly as openpyxl would — formulas
   (``<f>``), errors (``t="e"``), ISO dates, numbers written as ``1.0``, ``1E3`` or with more
   than 15 digits, and every date-formatted number. Those cells are few; each is decoded with
   openpyxl's own cell parser (or its ``from_excel``), so their values are identical to the
   old openpyxl reader. A sheet whose XML is unusual (cells without ``r=``, namespace
   prefixes, comments, CDATA, single-quoted attributes, …) is read by openpyxl instead.
4. **Values** come from ``python-calamine`` (Rust), **in a child process** with an address
   space limit (``RLIMIT_AS``), a CPU limit and a wall-clock timeout; the scan of step 3 runs
   in this process meanwhile, on the other core. calamine is 6–20× faster than openpyxl, but
   it aborts the *whole process* on some hostile files (a cell at ``XFD1048576`` makes it
   allocate tens of GB; a shared-strings table that declares 4 billion entries too) — a
   Rust allocation failure cannot be caught. In a child, such a file costs a child; the app
   or the command line survives and says which limit the file broke. The child also reads
   with openpyxl when calamine refuses a file, so a file the old reader read is still read.

Measured with ``bench/bench_read.py`` on a shared 2-core machine (Excel-like workbooks with
shared strings): 10,000 employers 0.6 s against 2.0 s for ``pandas.read_excel(engine=
"openpyxl")``; 100,000 employers 4.9 s against 22.9 s. Of a 10,000-employer read, starting
the child costs ~0.1 s and sending the values back ~0.1 s; the scan runs meanwhile.

Damaged cells
-------------
A cell whose stored value no parser can read — ``<v>NaN</v>``, ``INF``, ``0x1F``, a ``t="d"``
that is no date, a shared-string index out of the table — is refused naming the sheet and the
cell (``reading.file.*``), never with a parser's exception name. Strict Open XML workbooks (other
namespaces throughout) are refused with the way to save a standard .xlsx.

Identical values
----------------
Values are those the openpyxl read-only reader returns — ``int`` for whole numbers written
without a decimal point, ``float`` otherwise, ``bool``, ``datetime`` (never ``date``) for date
formats, ``time`` and ``timedelta`` for time and duration formats, error strings such as
``#N/A``, ``"=…"`` for formulas — with three deliberate differences:

* an empty text cell is ``None`` (openpyxl gives ``""`` for an empty *shared* string and
  ``None`` for an empty inline one; the reader treats both as blank);
* escapes such as ``_x000D_`` in text are decoded as Excel shows them (openpyxl leaves them);
* cells outside a wrong ``<dimension>`` are read (openpyxl's read-only mode drops them
  silently, so an employer's rows could vanish).

``tests/test_workbook_engines.py`` compares both engines cell by cell.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import pickle
import posixpath
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from allocator.errors import Issue, Severity, issue
from allocator.i18n import Text, text

#: Why a damaged file cannot be read, for a planner (never a parser's exception class name).
DAMAGED = Text(zh="其内部结构与 Excel 保存的不同", en="its inside is not as Excel saves it")
CUT_SHORT = Text(zh="数据不完整或校验不符", en="its data are cut short or fail their checksum")

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted .xlsx

# -- limits ------------------------------------------------------------------------------------
# One place for every limit a workbook must respect. They are far above what a district's
# submissions need (a few thousand employers, 19 columns) and far below what would exhaust the
# server: at the limits a read stays under ~1 GB of memory and a minute of time.
MiB = 1 << 20
#: The .xlsx file itself. Our own writer needs ~100 bytes per employer compressed.
MAX_FILE_BYTES = 100 * MiB
#: Parts in the archive: a workbook has 10–50; thousands are a zip bomb's way to waste time.
MAX_PARTS = 1_000
#: Declared uncompressed size of one part. The sheet of 200,000 employers written by
#: ``allocator sample`` (inline strings) is ~190 MB.
MAX_PART_BYTES = 256 * MiB
#: All parts together, uncompressed.
MAX_TOTAL_BYTES = 384 * MiB
#: Compression ratio of one part. Real sheets compress 5–30:1; a "whitespace bomb" 1000:1.
MAX_RATIO = 100
#: Parts smaller than this may compress as well as they like (a tiny file cannot hurt).
RATIO_FREE_BYTES = 4 * MiB
#: Package parts parsed as a whole tree (content types, relationships, workbook, styles).
MAX_META_BYTES = 16 * MiB
#: Excel row number of the last row read: 200,000 employers plus title, notes and header.
MAX_ROWS = 200_100
#: Columns used; the schema has 19, employers add a few of their own.
MAX_COLUMNS = 200
#: Cells in the used rectangle (rows × columns): the parsers allocate the whole rectangle.
MAX_CELLS = 10_000_000
#: Entries a shared-strings table may declare (calamine allocates them up front).
MAX_SHARED_STRINGS = 5_000_000
#: Merged ranges on the sheet.
MAX_MERGED = 10_000
#: Sheets larger than this (uncompressed) are parsed while they are scanned; smaller ones are
#: scanned first, so that a small hostile file never reaches the parser.
EARLY_START_BYTES = 1 * MiB
#: Wall-clock and CPU seconds the parsing child may take, and its address space.
READ_TIMEOUT_S = 300
CHILD_MEMORY_BYTES = 3 << 30

#: Parse in a child process (the default). Tests of benign generated files may switch it off
#: to run hundreds of examples quickly; hostile files must never be read with it off.
ISOLATE = True

LIMITS: dict[str, int] = {
    "file_bytes": MAX_FILE_BYTES, "parts": MAX_PARTS, "part_bytes": MAX_PART_BYTES,
    "total_bytes": MAX_TOTAL_BYTES, "ratio": MAX_RATIO, "rows": MAX_ROWS,
    "columns": MAX_COLUMNS, "cells": MAX_CELLS, "shared_strings": MAX_SHARED_STRINGS,
    "merged": MAX_MERGED, "timeout_s": READ_TIMEOUT_S,
}

#: The hidden sheet of drop-down lists in our own template (``allocator.excel.ListSource``).
LIST_SHEET = "下拉选项"

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
#: Strict Open XML (Excel's "Strict Open XML Spreadsheet") puts every part in these namespaces.
STRICT_NS_PREFIX = "http://purl.oclc.org/ooxml/"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_SHARED_STRINGS = "xl/sharedStrings.xml"
_STYLES = "xl/styles.xml"
_REQUIRED_PARTS = ("[Content_Types].xml", _WORKBOOK, _WORKBOOK_RELS)
_BLOCK = 4 * MiB


@dataclass
class Grid:
    """One sheet as rows of values. ``rows[i]`` is Excel row ``row_numbers[i]``."""

    sheet: str
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row index, column position)
    errors: set[tuple[int, int]] = field(default_factory=set)
    title: str | None = None  # the first text above the data, e.g. ``2027年度…汇总表``
    #: Merged ranges as (first row index, first position, last row index, last position).
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    engine: str = ""  # "calamine" or "openpyxl": which parser gave the values
    #: The workbook counts dates from 1904 (``<workbookPr date1904="1"/>``): a bare serial
    #: number in a date column is a day of that system.
    date1904: bool = False
    #: The workbook's other worksheets, in order (to say where the data may be).
    other_sheets: list[str] = field(default_factory=list)
    #: The rows transposed, built on first use (with the list they were built from).
    _columns: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]] | None = field(
        default=None, repr=False, compare=False)

    def value(self, index: int, position: int) -> Any:
        cells = self.rows[index]
        return cells[position] if position < len(cells) else None

    def column(self, position: int, indices: Sequence[int]) -> list[Any]:
        """The values at ``position`` of the rows ``indices`` (``None`` past a short row)."""
        if self._columns is None or self._columns[1] is not self.rows:
            self._columns = (list(itertools.zip_longest(*self.rows)), self.rows)
        columns = self._columns[0]
        if position >= len(columns):
            return [None] * len(indices)
        values = columns[position]
        if len(indices) and indices[-1] - indices[0] == len(indices) - 1:
            return list(values[indices[0]:indices[-1] + 1])  # the usual case: rows in a run
        return [values[i] for i in indices]


class WorkbookProblem(Exception):
    """A file that cannot be read safely; ``issues`` says why (internal to this module)."""

    def __init__(self, *issues: Issue):
        super().__init__(issues[0].message.en if issues else "")
        self.issues = list(issues)


def problem(code: str, file: str, *, severity: Severity = Severity.ERROR, sheet: str | None = None,
            row: int | None = None, column: str | None = None, value: object = None,
            **params: Any) -> Issue:
    """An :class:`Issue` whose message is the catalogue entry ``reading.<code>``."""
    shown = None if value is None else str(value)
    message = text(f"reading.{code}", file=file, **params)
    return Issue(severity, f"reading.{code}", message, file, sheet, row, column, shown)


def _refuse(code: str, file: str, **where: Any) -> WorkbookProblem:
    return WorkbookProblem(problem(code, file, **where))


# -- start-up check ----------------------------------------------------------------------------
@cache
def assert_safe_xml() -> None:
    """Refuse to run when XML could be parsed without ``defusedxml``'s protection.

    openpyxl parses with ``defusedxml`` only when it is importable and ``OPENPYXL_DEFUSEDXML``
    is not "False"; without it a workbook could expand entities or read local files (XXE).
    Called by :func:`read_grid`; the command line and the app may call it at start-up too.
    """
    try:
        import defusedxml.ElementTree  # noqa: F401
    except ImportError as exc:  # pragma: no cover - defusedxml is a dependency
        raise RuntimeError("defusedxml is required to read workbooks safely") from exc
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise RuntimeError("openpyxl must parse XML with defusedxml "
                           "(unset OPENPYXL_DEFUSEDXML or set it to True)")
    from openpyxl.xml import functions

    if not functions.iterparse.__module__.startswith("defusedxml"):  # pragma: no cover
        raise RuntimeError("openpyxl's iterparse is not defusedxml's")


# -- the file itself ---------------------------------------------------------------------------
def sniff(path: Path) -> str | None:
    """Catalogue code of the reason ``path`` is not an .xlsx workbook, or ``None``.

    Codes starting ``reading.`` are in the ``[reading]`` table, the others in ``[issue]``.
    """
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
    if not head.startswith(XLSX_MAGIC):
        return "file_not_xlsx"
    if not zipfile.is_zipfile(path):
        # A real workbook's first part, but no directory at the end: the file was cut short.
        return "reading.zip_damaged" if _starts_like_xlsx(path) else "file_not_xlsx"
    return None


def _starts_like_xlsx(path: Path) -> bool:
    """The first local header names a part of an Office package."""
    with path.open("rb") as handle:
        header = handle.read(30 + 256)
    if len(header) < 30:
        return False
    length = int.from_bytes(header[26:28], "little")
    name = header[30:30 + length]
    return 0 < length <= 256 and name.startswith((b"[Content_Types].xml", b"_rels/", b"xl/",
                                                   b"docProps/", b"customXml/"))


def read_grid(path: Path, preferred_sheet: str, *,
              only_named: bool = False) -> tuple[Grid | None, list[Issue]]:
    """The cells of ``preferred_sheet`` (or the first worksheet) of the workbook at ``path``.

    Never raises for a bad file: the reasons come back as issues (errors mean no grid). Warnings
    (hidden sheets, …) come back with the grid. With ``only_named`` a workbook without that
    sheet gives no grid and no issue (the roster sheet of a demand workbook is optional).
    """
    path = Path(path)
    name = path.name
    found = sniff(path)
    if found:
        if found.startswith("reading."):
            return None, [problem(found.removeprefix("reading."), name)]
        return None, [issue(Severity.ERROR, found, file=name)]
    assert_safe_xml()
    try:
        return _read(path, preferred_sheet, name, only_named)
    except _NoSuchSheet:
        return None, []
    except WorkbookProblem as refused:
        return None, refused.issues
    except Exception:  # any parser failure is the file's fault, not ours
        return None, [issue(Severity.ERROR, "file_unreadable", file=name, reason=DAMAGED)]


class _NoSuchSheet(Exception):
    """The named sheet is not in the workbook (and only that one was asked for)."""


def _read(path: Path, preferred_sheet: str, file: str,
          only_named: bool = False) -> tuple[Grid, list[Issue]]:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _refuse("file_too_large", file, size=_mb(size), limit=_mb(MAX_FILE_BYTES))
    with zipfile.ZipFile(path) as archive:
        package = _Package(archive, file)
        book = package.structure()
        if only_named and not any(s.name == preferred_sheet and s.kind == "worksheet"
                                   for s in book.sheets):
            raise _NoSuchSheet(preferred_sheet)
        sheet, warnings = _choose_sheet(book, preferred_sheet, file)
        package.check_shared_strings_header()
        workers: list[_Worker] = []

        def start() -> None:  # after the first block: a small hostile file never reaches it
            if not workers:
                workers.append(_Worker(path, sheet.name, "calamine"))

        try:
            if package.names[sheet.part].file_size > EARLY_START_BYTES:
                start()  # a large sheet: parse the values while this process scans
            scan = _SheetScan(package, sheet, book, package.verify_shared_strings())
            scan.run(after_first_block=start)
            if not scan.regular:
                for worker in workers:
                    worker.stop()
                workers[:] = [_Worker(path, sheet.name, "openpyxl")]
            start()
            result = workers[0].result(file, sheet.name)
        finally:
            for worker in workers:
                worker.stop()
    grid = _assemble(result, scan, book, file, sheet.name)
    if grid is None:  # calamine saw a date the scan did not: let openpyxl read it all
        worker = _Worker(path, sheet.name, "openpyxl")
        try:
            result = worker.result(file, sheet.name)
        finally:
            worker.stop()
        grid = _assemble(result, scan, book, file, sheet.name)
        assert grid is not None
    grid.date1904 = book.epoch.year == 1904
    grid.other_sheets = [s.name for s in book.sheets if s.kind == "worksheet" and s is not sheet]
    return grid, warnings


def _mb(size: int) -> str:
    return f"{size / MiB:.1f}"


# -- the package -------------------------------------------------------------------------------
@dataclass
class _Sheet:
    name: str
    state: str  # visible | hidden | veryHidden
    kind: str  # worksheet | chartsheet | dialogsheet | macrosheet | other
    part: str


@dataclass
class _Book:
    sheets: list[_Sheet]
    epoch: datetime
    date_styles: frozenset[int]
    timedelta_styles: frozenset[int]


class _Package:
    """The zip archive, checked before anything in it is inflated."""

    def __init__(self, archive: zipfile.ZipFile, file: str):
        self.archive = archive
        self.file = file
        self.string_prefix = b""  # the shared-strings table's namespace prefix, if any
        self.names: dict[str, zipfile.ZipInfo] = {}
        total = 0
        entries = archive.infolist()
        if len(entries) > MAX_PARTS:
            raise _refuse("too_many_parts", file, count=len(entries), limit=MAX_PARTS)
        seen: set[str] = set()
        for entry in entries:
            name = entry.filename
            folded = name.casefold()
            if folded in seen or "\\" in name or name.startswith("/") or \
                    ".." in name.split("/") or "\x00" in name:
                # Two parts one name: each parser would pick a different one.
                raise _refuse("part_name", file, part=_short(name))
            seen.add(folded)
            if entry.flag_bits & 0x1:
                raise _refuse("encrypted", file)
            if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _refuse("compression", file, part=_short(name))
            if entry.file_size > MAX_PART_BYTES:
                raise _refuse("part_too_large", file, part=_short(name),
                              size=_mb(entry.file_size), limit=_mb(MAX_PART_BYTES))
            if entry.file_size > RATIO_FREE_BYTES and \
                    entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
                raise _refuse("zip_bomb", file, part=_short(name),
                              ratio=entry.file_size // max(entry.compress_size, 1),
                              limit=MAX_RATIO)
            total += entry.file_size
            self.names[name] = entry
        if total > MAX_TOTAL_BYTES:
            raise _refuse("too_large", file, size=_mb(total), limit=_mb(MAX_TOTAL_BYTES))
        for part in _REQUIRED_PARTS:
            if part not in self.names:
                raise _refuse("part_missing", file, part=part)

    def read(self, part: str, limit: int = MAX_META_BYTES) -> bytes:
        """A small part, whole; its CRC is checked, so its declared size cannot lie."""
        entry = self.names[part]
        if entry.file_size > limit:
            raise _refuse("part_too_large", self.file, part=part, size=_mb(entry.file_size),
                          limit=_mb(limit))
        try:
            data = self.archive.read(entry)
        except Exception:  # BadZipFile (CRC), zlib.error, EOFError, …
            raise _refuse("part_damaged", self.file, part=part, reason=CUT_SHORT) from None
        _check_prolog(data, part, self.file)
        return data

    def blocks(self, part: str) -> Iterator[bytes]:
        """A part in blocks, inflated as it is read; the CRC is checked at the end."""
        try:
            with self.archive.open(self.names[part]) as stream:
                while block := stream.read(_BLOCK):
                    yield block
        except Exception:  # BadZipFile (CRC), zlib.error, EOFError, …
            raise _refuse("part_damaged", self.file, part=part, reason=CUT_SHORT) from None

    def tree(self, part: str) -> Any:
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import ParseError, fromstring

        data = self.read(part)
        try:
            return fromstring(data, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
        except DefusedXmlException:
            raise _refuse("xml_entities", self.file, part=part) from None
        except (ParseError, ValueError, UnicodeError) as exc:
            raise _refuse("xml_malformed", self.file, part=part,
                          reason=_short(str(exc), 80)) from None

    # -- structure --------------------------------------------------------------------------
    def structure(self) -> _Book:
        """Sheets, date system and date styles, resolved the way calamine resolves them."""
        file = self.file
        types = self.tree("[Content_Types].xml")
        overrides = {o.get("PartName", ""): o.get("ContentType", "")
                     for o in types.iter(f"{{{CT_NS}}}Override")}
        for part_name, content in overrides.items():
            expected = {"sharedStrings": "/" + _SHARED_STRINGS, "styles+": "/" + _STYLES,
                        "sheet.main+": "/" + _WORKBOOK, "macroEnabled.main+": "/" + _WORKBOOK}
            for marker, where in expected.items():
                if marker in content and part_name != where:
                    raise _refuse("structure", file, part=_short(part_name))
        if "_rels/.rels" in self.names:
            for rel in self.tree("_rels/.rels").iter(f"{{{PKG_REL_NS}}}Relationship"):
                if rel.get("Type", "").endswith("/officeDocument") and \
                        _resolve_root(rel.get("Target", "")) != _WORKBOOK:
                    raise _refuse("structure", file, part=_short(rel.get("Target", "")))
        rels: dict[str, tuple[str, str]] = {}
        for rel in self.tree(_WORKBOOK_RELS).iter(f"{{{PKG_REL_NS}}}Relationship"):
            ident, kind, target = rel.get("Id"), rel.get("Type", ""), rel.get("Target", "")
            if ident is None or ident in rels:
                raise _refuse("structure", file, part=_WORKBOOK_RELS)
            if rel.get("TargetMode") == "External":
                rels[ident] = (kind, "")
                continue
            rels[ident] = (kind, target)
            fixed = {"/sharedStrings": _SHARED_STRINGS, "/styles": _STYLES}
            for suffix, where in fixed.items():
                if kind.endswith(suffix) and _resolve_in_xl(target) != where:
                    raise _refuse("structure", file, part=_short(target))
        workbook = self.tree(_WORKBOOK)
        if str(workbook.tag).startswith("{" + STRICT_NS_PREFIX):
            # ISO/IEC 29500 Strict: other namespaces throughout; neither parser reads it.
            raise _refuse("file.strict_ooxml", file)
        sheets: list[_Sheet] = []
        for node in workbook.iter(f"{{{MAIN_NS}}}sheet"):
            name = node.get("name")
            ident = node.get(f"{{{REL_NS}}}id")
            if name is None or ident is None or ident not in rels:
                raise _refuse("structure", file, part=_WORKBOOK)
            kind, target = rels[ident]
            part = _resolve_in_xl(target)
            # calamine's own rule: "/xl/…" and "xl/…" are kept, anything else goes under xl/.
            if target.startswith("/xl/"):
                calamine_part = target[1:]
            elif target.startswith("xl/"):
                calamine_part = target
            else:
                calamine_part = "xl/" + target
            sheet_kind = kind.rsplit("/", 1)[-1] if kind else "other"
            if sheet_kind == "worksheet" and (part != calamine_part or part not in self.names):
                raise _refuse("structure", file, part=_short(target))
            state = node.get("state", "visible")
            sheets.append(_Sheet(name, state, sheet_kind, part))
        if len({s.name.casefold() for s in sheets}) != len(sheets):
            raise _refuse("structure", file, part=_WORKBOOK)  # Excel forbids two such names
        properties = workbook.find(f"{{{MAIN_NS}}}workbookPr")
        mac = properties is not None and properties.get("date1904", "0").lower() in ("1", "true")
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

        dates, durations = self.date_styles()
        return _Book(sheets, CALENDAR_MAC_1904 if mac else WINDOWS_EPOCH, dates, durations)

    def date_styles(self) -> tuple[frozenset[int], frozenset[int]]:
        """Style ids whose number format is a date or a duration, as openpyxl decides it."""
        if _STYLES not in self.names:
            return frozenset(), frozenset()
        from openpyxl.styles.numbers import (
            builtin_format_code,
            is_date_format,
            is_timedelta_format,
        )

        root = self.tree(_STYLES)
        custom: dict[int, str] = {}
        formats = root.find(f"{{{MAIN_NS}}}numFmts")
        for node in formats if formats is not None else ():
            with contextlib.suppress(TypeError, ValueError):
                custom[int(node.get("numFmtId", ""))] = node.get("formatCode", "")
        dates: set[int] = set()
        durations: set[int] = set()
        xfs = root.find(f"{{{MAIN_NS}}}cellXfs")
        for index, node in enumerate(xfs if xfs is not None else ()):
            try:
                number = int(node.get("numFmtId", "0"))
            except ValueError:
                number = 0
            code = custom[number] if number in custom else builtin_format_code(number)
            if is_date_format(code):
                dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
        return frozenset(dates), frozenset(durations)

    # -- shared strings -------------------------------------------------------------------------
    def check_shared_strings_header(self) -> None:
        """calamine allocates the declared number of strings before reading one."""
        if _SHARED_STRINGS not in self.names:
            return
        with contextlib.closing(self.blocks(_SHARED_STRINGS)) as blocks:
            head = next(blocks, b"")
        _check_prolog(head, _SHARED_STRINGS, self.file)
        found = re.search(rb"<(\w+:)?sst\b[^>]*>", head[: 64 * 1024])
        if found:
            self.string_prefix = found[1] or b""
            for count in re.findall(rb'[cC]ount\s*=\s*["\']\s*(\d+)', found[0]):
                if len(count) > 12 or int(count) > MAX_SHARED_STRINGS:
                    raise _refuse("shared_strings", self.file, count=int(count[:15]),
                                  limit=MAX_SHARED_STRINGS)

    def verify_shared_strings(self) -> int:
        """Inflate the whole table once: its CRC, and no DTD hidden past the first block.

        Returns the number of texts in the table (0 without one): a cell's index must be less.
        """
        if _SHARED_STRINGS not in self.names:
            return 0
        tail = b""
        count = 0
        opening = b"<" + self.string_prefix + b"si"
        items = (opening + b">", opening + b" ", opening + b"/")
        for block in self.blocks(_SHARED_STRINGS):
            window = tail + block
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise _refuse("xml_entities", self.file, part=_SHARED_STRINGS)
            count += sum(window.count(item) - tail.count(item) for item in items)
            tail = block[-16:]
        return count


def _short(value: str, limit: int = 60) -> str:
    value = value.replace("\n", "\\n").replace("\r", "\\r")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _resolve_in_xl(target: str) -> str:
    """A workbook relationship's target as a part name, the way openpyxl resolves it."""
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


def _resolve_root(target: str) -> str:
    return posixpath.normpath(target.lstrip("/"))


def _check_prolog(data: bytes, part: str, file: str) -> None:
    """UTF-8 only, and no document type declaration (the home of entity bombs and XXE)."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")):
        raise _refuse("xml_encoding", file, part=part)
    declared = re.match(rb"\s*<\?xml[^>]*encoding\s*=\s*[\"']([^\"']+)", head)
    if declared and declared[1].lower().replace(b"_", b"-") not in (b"utf-8", b"utf8",
                                                                     b"us-ascii", b"ascii"):
        raise _refuse("xml_encoding", file, part=part)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _refuse("xml_entities", file, part=part)


def _choose_sheet(book: _Book, preferred: str, file: str) -> tuple[_Sheet, list[Issue]]:
    if not book.sheets:
        raise WorkbookProblem(issue(Severity.ERROR, "file_no_sheets", file=file))
    worksheets = [s for s in book.sheets if s.kind == "worksheet"]
    if not worksheets:
        raise _refuse("no_worksheet", file)
    chosen = next((s for s in worksheets if s.name == preferred), worksheets[0])
    warnings: list[Issue] = []
    if chosen.state != "visible":
        # What the planner sees in Excel must be what is read: an error, not a warning.
        warnings.append(problem("chosen_sheet_hidden", file, sheet=chosen.name))
    for other in book.sheets:
        if other is chosen or other.state == "visible":
            continue
        if other.state == "veryHidden":
            warnings.append(problem("sheet_very_hidden", file, severity=Severity.WARNING,
                                    sheet=other.name, read=chosen.name))
        elif other.name != LIST_SHEET:
            warnings.append(problem("sheet_hidden", file, severity=Severity.WARNING,
                                    sheet=other.name, read=chosen.name))
    return chosen, warnings


# -- the streaming scan ------------------------------------------------------------------------
def _column_index(letters: bytes | str) -> int:
    number = 0
    for char in letters if isinstance(letters, str) else letters.decode("ascii"):
        number = number * 26 + ord(char) - 64
    return number


def column_letter(index: int) -> str:
    """``1`` → ``A``, ``27`` → ``AA``."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _greater_than(limit: int) -> str:
    """A regex for decimal numbers (no sign, no leading zero) greater than ``limit``."""
    digits = str(limit)
    options = [f"[1-9]\\d{{{len(digits)},}}"]
    for i, digit in enumerate(digits):
        if digit != "9":
            rest = len(digits) - i - 1
            options.append(f"{digits[:i]}[{int(digit) + 1}-9]\\d{{{rest}}}")
    return "(?:" + "|".join(options) + ")"


def _columns_beyond(limit: int) -> str:
    """A regex for column letters of columns after ``limit`` (``limit`` ≤ 702, i.e. ZZ)."""
    letters = column_letter(limit)
    options = ["[A-Z]{3,}"]
    if len(letters) == 1:
        options.append("[A-Z]{2}")
        if letters != "Z":
            options.append(f"[{chr(ord(letters) + 1)}-Z]")
    else:
        first, second = letters
        if first != "Z":
            options.append(f"[{chr(ord(first) + 1)}-Z][A-Z]")
        if second != "Z":
            options.append(f"{first}[{chr(ord(second) + 1)}-Z]")
    return "(?:" + "|".join(options) + ")"


_ROW_TAG = re.compile(rb'<row r="(\d{1,12})"')
#: A cell with content (not self-closing) beyond the last column allowed.
_FAR_COLUMN = re.compile(
    rb'<c r="(' + _columns_beyond(MAX_COLUMNS).encode() + rb')(\d{1,12})"[^>]*(?<!/)>')
_FAR_ROW = re.compile(rb'<c r="([A-Z]{1,3})(' + _greater_than(MAX_ROWS).encode() + rb')"')
_FAR_ROW_TAG = re.compile(rb'<row r="(' + _greater_than(MAX_ROWS).encode() + rb')"')
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"')
#: The end of a cell's value: a number, an inline text or a formula.
_CELL_CONTENT = re.compile(rb"</v>|</is>|<f[\s>/]")
#: A cell past column Z that is not self-closing (a formatted empty cell is).
_WIDE_CELL = re.compile(rb'<c r="([A-Z]{2})\d+"[^>]*(?<!/)>')
_FORMULA = re.compile(rb"<f[\s>/]")
#: A value that is not a plain decimal: openpyxl and calamine may differ on it.
_ODD_VALUE = re.compile(rb"<v>(?!-?\d{1,15}</v>|-?\d*\.\d*[1-9]\d*</v>)")
#: Whitespace other than a space, and the control characters XML 1.0 forbids (openpyxl
#: refuses those; calamine would read them).
_CONTROL_BYTES = tuple(bytes([b]) for b in range(32))


def _has_control_byte(data: bytes) -> bool:
    """``data`` holds a byte below 32 (one of :data:`_CONTROL_BYTES`): the smallest byte, in
    one pass (32 searches for single bytes took ten times as long on a large sheet)."""
    import numpy as np

    return bool(data) and int(np.frombuffer(data, dtype=np.uint8).min()) < len(_CONTROL_BYTES)


_SHEET_DATA = re.compile(rb"<([\w.\-]+:)?sheetData\b")
_PREFIXED = re.compile(rb"</?[A-Za-z_][\w.\-]*:")
_TYPE_BEFORE = re.compile(rb"\st\s*=\s*$")
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')


def _date_pattern(styles: frozenset[int]) -> re.Pattern[bytes] | None:
    """Date-formatted numbers in the shape Excel, openpyxl and xlsxwriter write them: the
    cell's reference, style, optional number type and value. A cell in another shape is left to
    the check in :func:`_assemble`, which hands the sheet to openpyxl if calamine saw a date."""
    if not styles:
        return None
    choice = b"|".join(str(style).encode() for style in sorted(styles))
    return re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})" s="(' + choice
                      + rb')"(?: t="n")?><v>([^<]*)</v></c>')


class _Letters(dict):  # type: ignore[type-arg]
    """Column letters → 1-based index, each computed once."""

    def __missing__(self, letters: bytes) -> int:
        self[letters] = index = _column_index(letters)
        return index


class _SheetScan:
    """One pass over the sheet's XML, in blocks, without building a tree."""

    def __init__(self, package: _Package, sheet: _Sheet, book: _Book, strings: int = 0):
        self.package = package
        self.strings = strings  # texts in the shared-strings table
        # One pass finds every index that is not a whole number below the table's size.
        beyond = _greater_than(strings - 1) if strings else r"\d+"
        self._bad_string_index = re.compile(
            rb' t="s"[^>]*><v>(?:(?!\d{1,15}</v>)|(?=0*(?:' + beyond.encode() + rb')</v>))'
            rb'([^<]{0,40})')
        self.sheet = sheet
        self.book = book
        self.regular = True
        self.max_row = 0
        self.max_column = 0
        self.cells = 0
        self.special: dict[tuple[int, int], bytes] = {}  # cells openpyxl decodes
        self.dates: dict[tuple[int, int], tuple[bytes, int]] = {}  # date-styled numbers
        self.merged: list[tuple[int, int, int, int]] = []
        self.namespaces = b""
        self._date_pattern = _date_pattern(book.date_styles)
        self._letters = _Letters()

    def refuse(self, code: str, **where: Any) -> WorkbookProblem:
        return _refuse(code, self.package.file, sheet=self.sheet.name, **where)

    def run(self, after_first_block: Callable[[], None] | None = None) -> None:
        region = "head"
        pending = b""
        for count, block in enumerate(self.package.blocks(self.sheet.part)):
            if count == 1 and after_first_block is not None:
                after_first_block()  # the sheet is large: let the values be parsed meanwhile
            pending += block
            if region == "head":
                found = _SHEET_DATA.search(pending)
                if found is None:
                    if len(pending) > MAX_META_BYTES:
                        raise self.refuse("xml_malformed", part=self.sheet.part,
                                          reason="<sheetData> not found")
                    continue
                start = found.start()
                self.head(pending[:start])
                if found[1]:
                    self.regular = False  # prefixed elements: openpyxl resolves namespaces
                end = pending.find(b">", start)
                if end < 0:
                    continue
                region = "post" if pending[end - 1:end] == b"/" else "rows"
                pending = pending[end + 1:]
            if region == "rows":
                close = pending.find(b"</sheetData>")
                if close >= 0:
                    self.rows(pending[:close])
                    pending = pending[close:]
                    region = "post"
                else:
                    cut = pending.rfind(b"</row>")
                    if cut >= 0:
                        self.rows(pending[:cut + 6])
                        pending = pending[cut + 6:]
                    continue
            if region == "post":
                cut = pending.rfind(b">")
                if cut >= 0:
                    self.post(pending[:cut + 1])
                    pending = pending[cut + 1:]
        if region == "head":
            self.head(pending)
            self.regular = False  # no <sheetData> in the usual form: let openpyxl judge
        elif region == "rows":
            self.rows(pending)
        else:
            self.post(pending)

    def head(self, data: bytes) -> None:
        _check_prolog(data, self.sheet.part, self.package.file)
        root = re.search(rb"<([\w.\-]+:)?worksheet\b[^>]*>", data)
        if root:
            self.namespaces = b" ".join(re.findall(rb'xmlns(?::\w+)?="[^"]*"', root[0]))
            if root[1]:
                self.regular = False

    def rows(self, data: bytes) -> None:
        if not data or not self.regular:
            return
        if b"!" in data and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
            raise self.refuse("xml_entities", part=self.sheet.part)
        # Single bytes first: memchr speed. Anything unusual goes to openpyxl, which reads any
        # well-formed XML and checks the limits as it goes.
        if _has_control_byte(data) or b"'" in data \
                or (b"!" in data and b"<!" in data) or (b"?" in data and b"<?" in data) \
                or (b":" in data and _PREFIXED.search(data)) \
                or (b"<v " in data and data.count(b"<v ") != data.count(b"<v />")):
            self.regular = False
            return
        cells = data.count(b'<c r="')
        if data.count(b"<c") != cells or data.count(b"<row") != data.count(b'<row r="'):
            self.regular = False  # cells or rows without a reference: positions are implied
            return
        numbers = _ROW_TAG.findall(data)
        last = max(int(n) for n in numbers) if numbers else 0
        if last > MAX_ROWS or _FAR_ROW.search(data):
            self.data_beyond_limit(data)
        for far in _FAR_COLUMN.finditer(data):
            end = data.find(b"</c>", far.end())
            if _CELL_CONTENT.search(data, far.end(), end if end >= 0 else len(data)):
                raise self.refuse("too_many_columns", row=int(far[2]), column=far[1].decode(),
                                  limit=MAX_COLUMNS, limit_letter=column_letter(MAX_COLUMNS))
        # Rows and cells that only hold formatting (a whole column formatted down to row
        # 1,048,576, as real offices do) are not counted: no parser keeps them.
        self.max_row = max(self.max_row, self.last_data_row(data))
        cells = data.count(b"</v>") + data.count(b"</is>")
        self.cells += cells
        if self.cells > MAX_CELLS:
            raise self.refuse("too_many_cells", cells=self.cells, limit=MAX_CELLS)
        if _WIDE_CELL.search(data):  # past column Z: find the last column used
            last = max(_column_index(c) for c in set(_WIDE_CELL.findall(data)))
            self.max_column = max(self.max_column, last)
        area = self.max_row * max(self.max_column, 26)
        if area > MAX_CELLS:
            # The parsers allocate the whole rectangle, however empty it is.
            raise self.refuse("too_many_cells", cells=area, limit=MAX_CELLS)
        for pattern in (_FORMULA, _ODD_VALUE):
            for found in pattern.finditer(data):
                self.special_cell(data, found.start())
        for needle in (b'"e"', b'"d"'):  # t="e" (errors) and t="d" (ISO dates)
            at = data.find(needle)
            while at >= 0:
                if _TYPE_BEFORE.search(data, max(0, at - 8), at):
                    self.special_cell(data, at)
                at = data.find(needle, at + 1)
        if self._date_pattern is not None:
            letters = self._letters
            self.dates.update(((int(row) - 1, letters[column] - 1), (raw, int(style)))
                              for column, row, style, raw in self._date_pattern.findall(data))
        if b' t="s"' in data:
            self.shared_string_cells(data)

    def shared_string_cells(self, data: bytes) -> None:
        """A text cell's index must be a whole number below the table's size: calamine reads
        ``-1``, ``abc`` or ``1.5`` as text 0 (often the sheet's title), which is not in the
        cell. The file is damaged; it is refused, naming the cell."""
        for found in self._bad_string_index.finditer(data):
            self.bad_string_index(data, found.start() + 1, found[1])

    def bad_string_index(self, data: bytes, inside: int, value: bytes) -> None:
        found = self._cell_at(data, inside)
        if found is None:
            self.regular = False  # not the XML we expect: openpyxl judges it
            return
        (row, column), _, _ = found
        raise self.refuse("file.shared_string_index", row=row + 1, column=column_letter(column + 1),
                          value=_short(value.decode("utf-8", "replace"), 30),
                          shown=_short(value.decode("utf-8", "replace"), 30),
                          cell=f"{column_letter(column + 1)}{row + 1}", count=self.strings)

    def last_data_row(self, data: bytes) -> int:
        """The row number of the last cell in ``data`` that holds a value (0 if none)."""
        end = data.rfind(b"</v>")  # nearly always the last value; the others may follow it
        end = max(end, *(data.find(mark, max(end, 0)) for mark in (b"</is>", b"<f>", b"<f ")))
        if end < 0:
            return 0
        ref = _CELL_REF.match(data, max(data.rfind(b'<c r="', 0, end), 0))
        return int(ref[2]) if ref else 0

    def data_beyond_limit(self, data: bytes) -> None:
        """Refuse the sheet if a cell beyond :data:`MAX_ROWS` holds a value (formatting alone
        does not count), naming the first such cell."""
        starts = [m.start() for m in (_FAR_ROW_TAG.search(data), _FAR_ROW.search(data)) if m]
        for found in _CELL_CONTENT.finditer(data, min(starts, default=0)):
            ref = _CELL_REF.match(data, max(data.rfind(b'<c r="', 0, found.start()), 0))
            if ref is None:
                # Content outside a referenced cell: the row tag says where it is.
                tag = _ROW_TAG.match(data, max(data.rfind(b"<row ", 0, found.start()), 0))
                if tag and int(tag[1]) > MAX_ROWS:
                    raise self.refuse("too_many_rows", row=int(tag[1]), limit=MAX_ROWS)
                continue
            if int(ref[2]) > MAX_ROWS:
                raise self.refuse("too_many_rows", row=int(ref[2]),
                                  column=ref[1].decode(), limit=MAX_ROWS)

    def _cell_at(self, data: bytes, inside: int) -> tuple[tuple[int, int], int, int] | None:
        """(position, start, end) of the cell element around offset ``inside``."""
        start = data.rfind(b'<c r="', 0, inside + 1)
        if start < 0:
            return None
        ref = _CELL_REF.match(data, start)
        if ref is None:
            return None
        tag_end = data.find(b">", start)
        if tag_end < 0:
            return None
        if data[tag_end - 1:tag_end] == b"/":
            end = tag_end + 1
        else:
            close = data.find(b"</c>", tag_end)
            if close < 0:
                return None
            end = close + 4
        if not start < inside < end:
            return None
        position = (int(ref[2]) - 1, _column_index(ref[1]) - 1)
        return position, start, end

    def special_cell(self, data: bytes, inside: int) -> None:
        found = self._cell_at(data, inside)
        if found is None:
            self.regular = False  # a value outside a cell: not the XML we expect
            return
        position, start, end = found
        self.special.setdefault(position, data[start:end])

    def post(self, data: bytes) -> None:
        for found in _MERGE.finditer(data):
            if len(self.merged) >= MAX_MERGED:
                raise self.refuse("too_many_merged", limit=MAX_MERGED)
            first_col, first_row, last_col, last_row = found.groups()
            self.merged.append((int(first_row) - 1, _column_index(first_col) - 1,
                                int(last_row) - 1, _column_index(last_col) - 1))


# -- the parsing child -------------------------------------------------------------------------
class _Worker:
    """A child process that parses the sheet; killed if it overruns or the scan refuses."""

    def __init__(self, path: Path, sheet: str, engine: str):
        self.started = time.monotonic()
        self.inline: dict[str, Any] | None = None
        if not ISOLATE:
            self.inline = parse_sheet(str(path), sheet, engine)
            return
        import allocator

        root = str(Path(allocator.__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"]
                                    if env.get("PYTHONPATH") else "")
        env.setdefault("RUST_BACKTRACE", "0")
        env["RUST_BACKTRACE"] = "0"
        self.process = subprocess.Popen(
            # -P: not the working folder first (a folder named allocator there is not ours).
            [sys.executable, "-P", "-c", "from allocator.workbook import child_main; child_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            start_new_session=True,
        )
        request = {"path": str(path), "sheet": sheet, "engine": engine,
                   "memory": CHILD_MEMORY_BYTES, "cpu": READ_TIMEOUT_S}
        self.output: list[bytes] = []
        self.errors: list[bytes] = []
        assert self.process.stdin and self.process.stdout and self.process.stderr
        try:
            self.process.stdin.write(json.dumps(request).encode())
            self.process.stdin.close()
        except OSError:
            pass  # the child died at once; result() says so
        self.readers = [
            threading.Thread(target=_drain, args=(self.process.stdout, self.output, None),
                             daemon=True),
            threading.Thread(target=_drain, args=(self.process.stderr, self.errors, 64 * 1024),
                             daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def stop(self) -> None:
        if self.inline is not None:
            return
        if self.process.poll() is None:
            killpg = getattr(os, "killpg", None)  # the child's whole session, on POSIX
            if killpg is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def result(self, file: str, sheet: str) -> dict[str, Any]:
        if self.inline is not None:
            return self.answer(self.inline, file, sheet)
        left = READ_TIMEOUT_S - (time.monotonic() - self.started)
        try:
            self.process.wait(timeout=max(left, 0.01))
        except subprocess.TimeoutExpired:
            self.stop()
            raise _refuse("parse_timeout", file, sheet=sheet, seconds=READ_TIMEOUT_S) from None
        for reader in self.readers:
            reader.join(timeout=30)
        payload = b"".join(self.output)
        if self.process.returncode != 0 or not payload:
            reason = b"".join(self.errors).decode("utf-8", "replace").strip().splitlines()
            if self.process.returncode and self.process.returncode < 0:
                why = f"signal {-self.process.returncode}"
            else:
                why = reason[0] if reason else f"exit {self.process.returncode}"
                if re.search(r"Traceback|\w(?:Error|Exception)\b", why):
                    why = f"exit {self.process.returncode}"  # never a class name to a planner
            raise _refuse("parser_failed", file, sheet=sheet, reason=_short(why, 80))
        try:
            found = _SafeUnpickler(io.BytesIO(payload)).load()
        except Exception:
            raise _refuse("parser_failed", file, sheet=sheet, reason="bad answer") from None
        if not isinstance(found, dict):
            raise _refuse("parser_failed", file, sheet=sheet, reason="bad answer")
        return self.answer(found, file, sheet)

    @staticmethod
    def answer(found: dict[str, Any], file: str, sheet: str) -> dict[str, Any]:
        kind = found.get("status")
        if kind == "ok":
            return found
        if kind == "too_large":
            rows, columns = found["rows"], found["columns"]
            if rows > MAX_ROWS:
                raise _refuse("too_many_rows", file, sheet=sheet, row=rows, limit=MAX_ROWS)
            if columns > MAX_COLUMNS:
                raise _refuse("too_many_columns", file, sheet=sheet, row=found.get("row"),
                              column=column_letter(columns), limit=MAX_COLUMNS,
                              limit_letter=column_letter(MAX_COLUMNS))
            raise _refuse("too_many_cells", file, sheet=sheet, cells=rows * columns,
                          limit=MAX_CELLS)
        if kind == "memory":
            raise _refuse("parser_failed", file, sheet=sheet, reason="memory limit")
        if kind == "bad_cell" and found.get("row") and found.get("column"):
            letter = column_letter(int(found["column"]))
            raw = _short(str(found.get("raw", "")), 30)
            code = {"s": "file.shared_string_index", "d": "file.cell_date"}.get(
                str(found.get("type")), "file.cell_value")
            raise _refuse(code, file, sheet=sheet, row=int(found["row"]), column=letter,
                          value=raw, shown=raw, cell=f"{letter}{found['row']}",
                          count=found.get("strings", 0))
        raise WorkbookProblem(issue(Severity.ERROR, "file_unreadable", file=file,
                                    reason=DAMAGED))


def _drain(stream: Any, into: list[bytes], limit: int | None) -> None:
    size = 0
    with contextlib.suppress(OSError, ValueError):
        while block := stream.read(1 << 20):
            if limit is None or size < limit:
                into.append(block)
            size += len(block)


class _SafeUnpickler(pickle.Unpickler):
    """The child's answer may hold only plain values and the datetime types."""

    ALLOWED: ClassVar[set[tuple[str, str]]] = {
        ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"),
        ("datetime", "timedelta"), ("builtins", "set"), ("builtins", "frozenset"),
        ("builtins", "object"), ("copyreg", "_reconstructor"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        if module == "openpyxl.worksheet.formula" and name in ("ArrayFormula",
                                                               "DataTableFormula"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed")


def child_main() -> None:
    """Entry point of the parsing child: a JSON request on stdin, a pickle on stdout."""
    request = json.loads(sys.stdin.buffer.read() or b"{}")
    try:
        import resource

        memory, cpu = int(request["memory"]), int(request["cpu"])
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on every platform
        pass
    try:
        answer = parse_sheet(request["path"], request["sheet"], request["engine"])
    except MemoryError:
        answer = {"status": "memory"}
    data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def parse_sheet(path: str, sheet: str, engine: str) -> dict[str, Any]:
    """The sheet's values: calamine first, openpyxl when asked or when calamine refuses."""
    if engine == "calamine":
        try:
            return _calamine_values(path, sheet)
        except MemoryError:
            raise
        except BaseException:  # calamine's errors and Rust panics (PanicException)
            pass
    try:
        return _openpyxl_values(path, sheet)
    except MemoryError:
        raise
    except Exception as exc:
        return {"status": "unreadable", "reason": type(exc).__name__}


def _too_large(rows: int, columns: int, row: int | None = None) -> dict[str, Any] | None:
    if rows > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        return {"status": "too_large", "rows": rows, "columns": columns, "row": row}
    return None


def _calamine_values(path: str, sheet: str) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    try:
        ws = book.get_sheet_by_name(sheet)
        end = ws.end
        if end is None:
            return {"status": "ok", "engine": "calamine", "columns": [], "height": 0,
                    "dates": {}}
        height, width = end[0] + 1, end[1] + 1
        refused = _too_large(height, width)
        if refused:
            return refused
        start = ws.start or (0, 0)
        rows: list[list[Any]] = []
        for values in ws.iter_rows():
            left = width - len(values)  # iter_rows may start at the first used column
            rows.append([None] * left + values if left > 0 else values)
        if len(rows) == height - start[0] and start[0]:
            # Older python-calamine start at the first used row: put the rows back in place.
            rows[:0] = [[]] * start[0]
        columns: list[list[Any]] = []
        dates: dict[int, list[int]] = {}
        for position, column in enumerate(itertools.zip_longest(*rows)):
            kinds = set(map(type, column))  # one pass in C; a conversion keeps dates dates
            columns.append(_calamine_column(column, kinds))
            if not kinds.isdisjoint(_DATE_KINDS):
                dates[position] = [index for index, value in enumerate(column)
                                   if type(value) in _DATE_KINDS]
        return {"status": "ok", "engine": "calamine", "columns": columns, "height": len(rows),
                "dates": dates}
    finally:
        book.close()


_DATE_KINDS = (datetime, date, time_of_day, timedelta)
_NUMBER_KINDS = {bool, int, float}
_TEXT_KINDS = {str, type(None)}


def _calamine_value(value: Any) -> Any:
    """calamine's value as openpyxl gives it: no empty text, whole floats as ints, a date as
    a datetime at midnight."""
    kind = type(value)
    if kind is str:
        return value or None
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is date:
        return datetime(value.year, value.month, value.day)
    return value


def _calamine_column(column: tuple[Any, ...], kinds: set[type] | None = None) -> list[Any]:
    """One column converted (``kinds``: the types in it, when known); equal values share one
    object (the pickle to the parent then holds each once), unless two kinds of number
    (1, 1.0, True) could meet. Each distinct value is converted once."""
    if kinds is None:
        kinds = set(map(type, column))
    if len(kinds & _NUMBER_KINDS) > 1:
        return list(map(_calamine_value, column))
    if kinds <= _TEXT_KINDS:  # texts (and blanks): each is itself, but the empty text
        table: dict[Any, Any] = dict(zip(column, column, strict=True))
        if "" in table:
            table[""] = None
        return list(map(table.__getitem__, column))
    table = dict.fromkeys(column)  # the first of equal values is the key
    for value in table:
        table[value] = _calamine_value(value)
    return list(map(table.__getitem__, column))


def _openpyxl_values(path: str, sheet: str) -> dict[str, Any]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = book[sheet]
        ws.reset_dimensions()  # a wrong <dimension> must not hide rows (nor invent millions)
        # openpyxl would read index -1 as the table's last text: refuse it like 99999.
        ws._shared_strings = _Strings(ws._shared_strings)
        try:
            return _openpyxl_rows(ws)
        except MemoryError:
            raise
        except Exception:
            return _failing_cell(ws)
    finally:
        book.close()


class _Strings(list):  # type: ignore[type-arg]
    """A shared-strings table that refuses negative indexes."""

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int) and index < 0:
            raise IndexError(index)
        return super().__getitem__(index)


def _failing_cell(ws: Any) -> dict[str, Any]:
    """Where openpyxl failed, found by parsing the sheet again cell by cell (only on failure):
    the cell's row, column, stored value and type, for a refusal naming it."""
    from openpyxl.worksheet._reader import WorkSheetParser

    last: list[Any] = [None]

    class Tracking(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> Any:
            last[0] = element
            return super().parse_cell(element)

    parser = None
    try:
        with ws._get_source() as source:
            parser = Tracking(source, ws._shared_strings, data_only=False,
                              epoch=ws.parent.epoch, date_formats=ws.parent._date_formats,
                              timedelta_formats=ws.parent._timedelta_formats)
            for _ in parser.parse():
                pass
    except MemoryError:
        raise
    except Exception:
        element = last[0]
        if parser is not None and element is not None:
            raw = next((child.text for child in element
                        if str(child.tag).rsplit("}", 1)[-1] == "v"), None)
            return {"status": "bad_cell", "row": parser.row_counter,
                    "column": parser.col_counter, "raw": "" if raw is None else str(raw),
                    "type": element.get("t", "n"), "strings": len(ws._shared_strings)}
    return {"status": "unreadable"}


def _openpyxl_rows(ws: Any) -> dict[str, Any]:
    """The sheet's values, row by row, as openpyxl's read-only reader gives them."""
    rows: list[tuple[Any, ...]] = []
    formulas: list[tuple[int, int]] = []
    errors: list[tuple[int, int]] = []
    numbers: list[int] = []
    cells = 0
    next_row = 1
    for index, row in enumerate(ws.iter_rows()):
        found = [c.row for c in row if getattr(c, "row", None)]
        number = found[0] if found else next_row
        next_row = number + 1
        values = tuple(c.value for c in row)
        # Cells that only hold formatting do not count (nor their rows and columns).
        filled = [c for c, value in zip(row, values, strict=True) if value is not None]
        columns = max((getattr(c, "column", 0) or 0 for c in filled), default=0)
        cells += len(filled)
        refused = _too_large(number, columns, number) if filled and (
            number > MAX_ROWS or columns > MAX_COLUMNS) else None
        if refused or cells > MAX_CELLS:
            return refused or {"status": "too_large", "rows": number,
                               "columns": columns, "row": number}
        if not filled and number > MAX_ROWS:
            continue  # formatting below the limit's last row: nothing to read
        rows.append(values)
        numbers.append(number)
        for position, cell in enumerate(row):
            kind = getattr(cell, "data_type", "n")
            if kind == "f":
                formulas.append((index, position))
            elif kind == "e":
                errors.append((index, position))
    return {"status": "ok", "engine": "openpyxl", "rows": rows, "numbers": numbers,
            "formulas": formulas, "errors": errors}


# -- putting the grid together -----------------------------------------------------------------
def _assemble(result: dict[str, Any], scan: _SheetScan, book: _Book, file: str,
              sheet: str) -> Grid | None:
    grid = Grid(sheet, engine=result["engine"])
    if result["engine"] == "openpyxl":
        grid.rows = result["rows"]
        grid.row_numbers = result["numbers"]
        grid.formulas = set(result["formulas"])
        grid.errors = set(result["errors"])
    else:
        columns: list[list[Any]] = result["columns"]
        height: int = result["height"]
        dates = {(index, position) for position, indices in result["dates"].items()
                 for index in indices}
        if not dates <= scan.dates.keys() | scan.special.keys():
            return None  # calamine called a cell a date that openpyxl's styles do not
        for (index, position), (value, kind) in _patches(scan, book, file, sheet).items():
            if index >= height:
                for column in columns:
                    column.extend([None] * (index + 1 - height))
                height = index + 1
            while position >= len(columns):
                columns.append([None] * height)
            columns[position][index] = value
            if kind == "f":
                grid.formulas.add((index, position))
            elif kind == "e":
                grid.errors.add((index, position))
        grid.rows = list(zip(*columns, strict=True)) if columns else [()] * height
        grid._columns = (columns, grid.rows)
        grid.row_numbers = list(range(1, height + 1))
    for values in grid.rows:
        if any(values):
            grid.title = next((str(v) for v in values if isinstance(v, str)), None)
            break
    grid.merged = [m for m in scan.merged if m[0] < len(grid.rows)]
    return grid


def _patches(scan: _SheetScan, book: _Book, file: str,
             sheet: str) -> dict[tuple[int, int], tuple[Any, str]]:
    """Exact openpyxl values of the cells the scan singled out: (value, data type)."""
    from openpyxl.utils.datetime import from_excel
    from openpyxl.worksheet._reader import WorkSheetParser, _cast_number

    out: dict[tuple[int, int], tuple[Any, str]] = {}
    known: dict[tuple[bytes, int], tuple[Any, str]] = {}  # dates repeat: each converted once
    for position, (raw, style) in scan.dates.items():
        if position in scan.special:
            continue
        if (raw, style) in known:
            out[position] = known[raw, style]
            continue
        try:
            number = _cast_number(raw.decode("ascii"))
        except (ValueError, UnicodeError):
            continue  # the special-cell path decodes it (or finds the file unreadable)
        try:
            value = from_excel(number, book.epoch, timedelta=style in book.timedelta_styles)
            out[position] = known[raw, style] = (value, "d")
        except (OverflowError, ValueError):
            # openpyxl's verdict on an impossible date
            out[position] = known[raw, style] = ("#VALUE!", "e")
    if scan.special:
        from defusedxml.ElementTree import fromstring

        parser = WorkSheetParser(None, [], data_only=False, epoch=book.epoch,
                                 date_formats=set(book.date_styles),
                                 timedelta_formats=set(book.timedelta_styles))
        wrapper = b"<wrapper " + (scan.namespaces or b'xmlns="' + MAIN_NS.encode() + b'"') + b">"
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for position, snippet in scan.special.items():
                element = fromstring(wrapper + snippet + b"</wrapper>", forbid_dtd=True)[0]
                if element.get("t") == "s" and element.find(f"{{{MAIN_NS}}}f") is None:
                    continue  # a shared string: calamine's text is the one to keep
                try:
                    cell = parser.parse_cell(element)
                except Exception:  # NaN, INF, 0x1F, a t="d" that is no date: a damaged cell
                    raise _bad_cell(element, position, file, sheet) from None
                out[position] = (cell["value"], cell["data_type"])
    return out


def _bad_cell(element: Any, position: tuple[int, int], file: str,
              sheet: str) -> WorkbookProblem:
    """The refusal of a cell whose stored value no parser can read, naming the cell."""
    found = element.find(f"{{{MAIN_NS}}}v")
    raw = "" if found is None or found.text is None else found.text
    letter = column_letter(position[1] + 1)
    code = "file.cell_date" if element.get("t") == "d" else "file.cell_value"
    return _refuse(code, file, sheet=sheet, row=position[0] + 1, column=letter,
                   value=_short(raw, 30), shown=_short(raw, 30), cell=f"{letter}{position[0] + 1}")


# -- merged cells across data rows -------------------------------------------------------------
def merged_issues(grid: Grid, file: str, header_index: int,
                  columns: dict[int, tuple[str, bool]]) -> list[Issue]:
    """Merged ranges below the header: only their first cell holds a value.

    ``columns`` maps a column position to (header as written, whether it is a schema column).
    A range over a schema column is an error (the other rows would read as blank); over an
    employer's own column, a warning.
    """
    found: list[Issue] = []
    for first_row, first_col, last_row, last_col in grid.merged:
        if last_row <= header_index or (first_row == last_row and first_col == last_col):
            continue
        first_row = max(first_row, header_index + 1)
        covered = [p for p in range(first_col, last_col + 1) if p in columns]
        if not covered:
            continue
        known = any(columns[p][1] for p in covered)
        header = columns[covered[0]][0]
        cells = (f"{column_letter(first_col + 1)}{first_row + 1}:"
                 f"{column_letter(last_col + 1)}{last_row + 1}")
        row = grid.row_numbers[first_row] if first_row < len(grid.row_numbers) else first_row + 1
        found.append(problem("merged_data" if known else "merged_extra", file,
                             severity=Severity.ERROR if known else Severity.WARNING,
                             sheet=grid.sheet, row=row, column=header, value=cells,
                             cells=cells))
    return found
