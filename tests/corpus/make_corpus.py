"""Malformed and hostile demand workbooks, each with the clean error it must end in.

``python tests/corpus/make_corpus.py [DIR]`` writes every case to ``DIR`` (default: a folder
in the system's temporary directory); ``--measure`` then runs
``python -m allocator validate`` on each in a child process and prints its time and peak memory.
The tests build the corpus in a temporary folder with :func:`build_all`: the files are generated,
not committed, so the repository stays small (the largest inflates to ~300 MB from ~300 KB).

Every :class:`Case` names the issue code the reader must report and, where it applies, the
sheet, Excel row and column (header as written, or the column letter for file-level limits).
"""

from __future__ import annotations

import io
import os
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter

HEADER = ["统一社会信用代码", "单位名称", "单位类型", "申报人数合计"]
BAIDU = "91110000802100433B"
BOC = "911000001000013428"
ICBC = "91100000100003962T"
SHEET = "需求申报"
#: What an XXE payload would leak if an entity were ever expanded.
SECRET_MARKERS = ("root:x:0:0", "/bin/bash", "/usr/sbin/nologin")

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
WS_TYPE = RELS + "/worksheet"


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], None]
    code: str  # the issue code expected among the errors
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    note: str = ""

    @property
    def file(self) -> str:
        return f"{self.name}.xlsx"


# -- a raw .xlsx writer: every byte under control ---------------------------------------------
def esc(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;")


def cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = str(value)
    if text.startswith("="):
        return f'<c r="{ref}"><f>{esc(text[1:])}</f><v>12</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{esc(text)}</t></is></c>'


def row_xml(number: int, values: list[object], last: str = "") -> str:
    """Row ``number`` with ``values`` from column A, then ``last``: raw XML for the one cell a
    case is about (a formula with its cached value, an error, a shared formula, …)."""
    cells = "".join(cell(f"{get_column_letter(i)}{number}", v)
                    for i, v in enumerate(values, start=1))
    last = last.replace("{ref}", f"{get_column_letter(len(values) + 1)}{number}")
    return f'<row r="{number}">{cells}{last}</row>'


def rows_xml(rows: list[list[object]], first: int = 1) -> str:
    return "".join(row_xml(number, values) for number, values in enumerate(rows, start=first))


PROLOG = '<?xml version="1.0" encoding="UTF-8"?>'


def sheet_xml(data: str, *, head: str = "", tail: str = "", prolog: str = "") -> str:
    return (f"{prolog or PROLOG}"
            f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">{head}<sheetData>{data}</sheetData>'
            f"{tail}</worksheet>")


GOOD_ROWS = [HEADER, [BAIDU, "百度", "企业", 12], [BOC, "中国银行", "企业", 150]]
#: Bank of China's row up to its demand cell, for cases about that one cell.
BOC_CELLS: list[object] = [BOC, "中国银行", "企业"]


def package(sheets: list[tuple[str, str, str]] | None = None, *,
            extra: dict[str, bytes | str] | None = None, drop: tuple[str, ...] = (),
            workbook: str | None = None, workbook_rels: str | None = None,
            content_types: str | None = None) -> dict[str, bytes | str]:
    """The parts of a workbook: ``sheets`` is (name, state, sheet XML)."""
    if sheets is None:
        sheets = [(SHEET, "visible", sheet_xml(rows_xml(GOOD_ROWS)))]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": content_types or (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="'
            'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml"'
            ' ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"),
        "_rels/.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
                        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" '
                        'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": workbook or (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
            "<sheets>" + "".join(
                f'<sheet name="{esc(name)}" sheetId="{i}" state="{state}" r:id="rId{i}"/>'
                for i, (name, state, _) in enumerate(sheets, start=1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": workbook_rels or (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">' + "".join(
                f'<Relationship Id="rId{i}" Type="{WS_TYPE}" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)) + "</Relationships>"),
    }
    for i, (_, _, xml) in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    parts.update(extra or {})
    for name in drop:
        parts.pop(name, None)
    return parts


def write_zip(path: Path, parts: dict[str, bytes | str] | list[tuple[str, bytes | str]]) -> None:
    items = parts.items() if isinstance(parts, dict) else parts
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in items:
            raw = data.encode("utf-8") if isinstance(data, str) else data
            archive.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), raw,
                             compress_type=zipfile.ZIP_DEFLATED)


def xlsx(**kwargs) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        write_zip(path, package(**kwargs))
    return build


def data_rows(rows: list[list[object]], **kwargs) -> Callable[[Path], None]:
    return xlsx(sheets=[(SHEET, "visible", sheet_xml(rows_xml(rows)))], **kwargs)


def raw(content: bytes) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(content)
    return build


# -- hostile builders ---------------------------------------------------------------------------
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">'
                    for i in range(1, 10)) + "]>")
XXE = '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def truncated(path: Path) -> None:
    xlsx()(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def bomb_part(size: int, filler: bytes = b" ") -> Callable[[Path], None]:
    """A sheet that inflates to ``size`` bytes of ``filler`` (deflate: ~1000:1)."""
    def build(path: Path) -> None:
        head = sheet_xml(rows_xml(GOOD_ROWS)).encode()
        cut = head.index(b"</worksheet>")
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        body = io.BytesIO()
        crc = zlib.crc32(head[:cut])
        body.write(compressor.compress(head[:cut]))
        chunk = filler * (1 << 20)
        left = size
        while left > 0:
            piece = chunk[: min(left, len(chunk))]
            crc = zlib.crc32(piece, crc)
            body.write(compressor.compress(piece))
            left -= len(piece)
        crc = zlib.crc32(head[cut:], crc)
        body.write(compressor.compress(head[cut:]))
        body.write(compressor.flush())
        total = cut + size + len(head) - cut
        parts = package()
        del parts["xl/worksheets/sheet1.xml"]
        write_zip(path, parts)
        _append_raw_entry(path, "xl/worksheets/sheet1.xml", body.getvalue(), crc, total)
    return build


def _append_raw_entry(path: Path, name: str, compressed: bytes, crc: int, size: int,
                      declared: int | None = None) -> None:
    """Add a pre-deflated entry to a zip (``declared`` may lie about the inflated size)."""
    declared = size if declared is None else declared
    with zipfile.ZipFile(path) as archive:
        entries = [(i, archive.read(i)) for i in archive.infolist()]
    out = io.BytesIO()
    central = io.BytesIO()
    count = 0

    def add(entry_name: str, data: bytes, crc_: int, inflated: int, method: int) -> None:
        nonlocal count
        encoded = entry_name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x5C21, crc_,
                              len(data), inflated, len(encoded), 0))
        out.write(encoded)
        out.write(data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0,
                                  0x5C21, crc_, len(data), inflated, len(encoded), 0, 0, 0, 0,
                                  0, offset))
        central.write(encoded)
        count += 1

    for info, data in entries:
        add(info.filename, zlib.compress(data, 9)[2:-4], zlib.crc32(data), len(data), 8)
    add(name, compressed, crc, declared, 8)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central.getvalue()),
                          start, 0))
    path.write_bytes(out.getvalue())


def lying_size(path: Path) -> None:
    """The directory says the sheet inflates to 2 KB; it inflates to 50 MB."""
    data = sheet_xml(rows_xml(GOOD_ROWS) + " " * (50 << 20)).encode()
    parts = package()
    del parts["xl/worksheets/sheet1.xml"]
    write_zip(path, parts)
    _append_raw_entry(path, "xl/worksheets/sheet1.xml", zlib.compress(data, 9)[2:-4],
                      zlib.crc32(data), len(data), declared=2048)


def many_parts(path: Path) -> None:
    parts = package()
    parts.update({f"xl/media/image{i}.bin": b"x" for i in range(1500)})
    write_zip(path, parts)


def duplicate_part(path: Path) -> None:
    parts = list(package().items())
    decoy = sheet_xml(rows_xml([HEADER, [BAIDU, "诱饵", "企业", 999999]]))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        write_zip(path, [*parts, ("xl/worksheets/sheet1.xml", decoy)])


def encrypted_ole(path: Path) -> None:
    # What Excel writes for a password-protected workbook: a compound file (OLE) holding
    # EncryptionInfo and EncryptedPackage streams.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
    path.write_bytes(header + b"\x00" * 482 + "EncryptionInfo".encode("utf-16-le")
                     + b"\x00" * 4096)


def no_sheets(path: Path) -> None:
    write_zip(path, package(
        sheets=[], workbook=(f'<?xml version="1.0"?><workbook xmlns="{MAIN}"><sheets/>'
                             "</workbook>")))


def chart_only(path: Path) -> None:
    parts = package(
        workbook_rels=(f'<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship '
                       f'Id="rId1" Type="{RELS}/chartsheet" Target="chartsheets/sheet1.xml"/>'
                       "</Relationships>"))
    parts["xl/chartsheets/sheet1.xml"] = f'<chartsheet xmlns="{MAIN}"/>'
    write_zip(path, parts)


def utf16_sheet(path: Path) -> None:
    xml = sheet_xml(rows_xml(GOOD_ROWS), prolog='<?xml version="1.0" encoding="UTF-16"?>')
    write_zip(path, package(sheets=[(SHEET, "visible", xml.encode("utf-16"))]))


def sst(strings: list[str], *, head: str = "", count: str = "") -> str:
    items = "".join(f"<si><t>{esc(s)}</t></si>" for s in strings)
    return f'{head or PROLOG}<sst xmlns="{MAIN}"{count}>{items}</sst>'


def with_sst(table: str, rows: str) -> Callable[[Path], None]:
    rels = (f'<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{WS_TYPE}" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    return xlsx(sheets=[(SHEET, "visible", sheet_xml(rows))], workbook_rels=rels,
                extra={"xl/sharedStrings.xml": table})


SST_ROWS = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
            '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>')


def far_cell(ref: str, row: int) -> Callable[[Path], None]:
    extra = f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'
    return xlsx(sheets=[(SHEET, "visible", sheet_xml(rows_xml(GOOD_ROWS) + extra))])


def wide_header(columns: int) -> Callable[[Path], None]:
    header = HEADER + [f"备注{i}" for i in range(columns - len(HEADER))]
    return data_rows([header, [BAIDU, "百度", "企业", 12]])


def wide_without_refs(path: Path) -> None:
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(20000))
    xml = sheet_xml(rows_xml(GOOD_ROWS) + f'<row r="4">{cells}</row>')
    write_zip(path, package(sheets=[(SHEET, "visible", xml)]))


def area_bomb(path: Path) -> None:
    """Two cells far apart within the row and column limits: a 40-million-cell rectangle."""
    xml = sheet_xml(rows_xml(GOOD_ROWS) + '<row r="200000"><c r="GR200000"><v>1</v></c></row>')
    write_zip(path, package(sheets=[(SHEET, "visible", xml)]))


def inconsistent_row(path: Path) -> None:
    xml = sheet_xml(rows_xml(GOOD_ROWS) + '<row r="4"><c r="A999999"><v>1</v></c></row>')
    write_zip(path, package(sheets=[(SHEET, "visible", xml)]))


def merged(ranges: list[str], rows: list[list[object]] | None = None) -> Callable[[Path], None]:
    tail = f'<mergeCells count="{len(ranges)}">' + "".join(
        f'<mergeCell ref="{r}"/>' for r in ranges) + "</mergeCells>"
    xml = sheet_xml(rows_xml(rows or GOOD_ROWS), tail=tail)
    return xlsx(sheets=[(SHEET, "visible", xml)])


def cached_formula(path: Path) -> None:
    """A formula whose cached value is a perfectly good number: it must still be refused."""
    data = rows_xml(GOOD_ROWS[:2]) + row_xml(
        3, BOC_CELLS, '<c r="{ref}"><f>SUM(D2,138)</f><v>150</v></c>')
    write_zip(path, package(sheets=[(SHEET, "visible", sheet_xml(data))]))


def shared_formula(path: Path) -> None:
    data = (rows_xml([HEADER, [BAIDU, "百度", "企业", 6]])
            + row_xml(3, BOC_CELLS,
                      '<c r="{ref}"><f t="shared" ref="D3:D4" si="0">D2*2</f><v>12</v></c>')
            + row_xml(4, [ICBC, "工商银行", "企业"],
                      '<c r="{ref}"><f t="shared" si="0"/><v>24</v></c>'))
    write_zip(path, package(sheets=[(SHEET, "visible", sheet_xml(data))]))


def error_cells(path: Path) -> None:
    data = rows_xml(GOOD_ROWS[:2]) + row_xml(3, BOC_CELLS, '<c r="{ref}" t="e"><v>#DIV/0!</v></c>')
    write_zip(path, package(sheets=[(SHEET, "visible", sheet_xml(data))]))


def prefixed(path: Path) -> None:
    """Namespace prefixes on every element (legal XML, unusual): read by openpyxl."""
    data = rows_xml([*GOOD_ROWS[:2], [BOC, "中国银行", "企业", "=1+2"]])
    xml = sheet_xml(data).replace("<", "<x:").replace("<x:/", "</x:").replace("<x:?", "<?")
    xml = xml.replace(f'<x:worksheet xmlns="{MAIN}"', f'<x:worksheet xmlns:x="{MAIN}"')
    xml = xml.replace(" xml:space", " xml:space")
    write_zip(path, package(sheets=[(SHEET, "visible", xml)]))


def bad_boolean(path: Path) -> None:
    data = rows_xml(GOOD_ROWS[:2]) + row_xml(3, BOC_CELLS, '<c r="{ref}" t="b"><v>2</v></c>')
    write_zip(path, package(sheets=[(SHEET, "visible", sheet_xml(data))]))


def control_chars(path: Path) -> None:
    data = rows_xml(GOOD_ROWS).replace("百度", "百\x00度\x01")
    write_zip(path, package(sheets=[(SHEET, "visible", sheet_xml(data))]))


def deep_nesting(path: Path) -> None:
    nested = "<a>" * 50000 + "</a>" * 50000
    data = f'<row r="1"><c r="A1" t="inlineStr"><is><t>{nested}</t></is></c></row>'
    write_zip(path, package(sheets=[(SHEET, "visible", sheet_xml(data))]))


def hidden_data_sheet(state: str) -> Callable[[Path], None]:
    decoy = sheet_xml(rows_xml([["请填写本表"], ["本表仅作说明"]]))
    data = sheet_xml(rows_xml(GOOD_ROWS))
    return xlsx(sheets=[("说明", "visible", decoy), (SHEET, state, data)])


def decoy_shared_strings(path: Path) -> None:
    rels = (f'<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{WS_TYPE}" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{RELS}/sharedStrings" Target="realStrings.xml"/></Relationships>')
    write_zip(path, package(
        sheets=[(SHEET, "visible", sheet_xml(SST_ROWS))], workbook_rels=rels,
        extra={"xl/sharedStrings.xml": sst(["a", "b", "c", "d"]),
               "xl/realStrings.xml": sst(HEADER)}))


def missing_sheet_part(path: Path) -> None:
    write_zip(path, package(drop=("xl/worksheets/sheet1.xml",)))


def too_many_merged(path: Path) -> None:
    merged([f"E{r}:F{r}" for r in range(1, 10_002)])(path)


def openpyxl_book(rows: list[list[object]], *, setup: Callable | None = None
                  ) -> Callable[[Path], None]:
    """Data-level cases, written the way employers' tools write them."""
    def build(path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        ws = book.active
        ws.title = SHEET
        for row in rows:
            ws.append(row)
        if setup:
            setup(book)
        book.save(path)
    return build


def huge_text(path: Path) -> None:
    openpyxl_book([HEADER, ["X" * 1_000_000, "百" * 30000, "企业", 12]])(path)


# -- issue 18: damaged cells, Strict Open XML, separators, invisible characters --------------
def damaged_string_index(index: str) -> Callable[[Path], None]:
    """Baidu's name is shared text ``index`` of a table of 7 (the title is text 0)."""
    strings = ["2027年度指标申报汇总表", *HEADER, "百度", "企业"]
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2">'
            + "".join(f'<c r="{c}2" t="s"><v>{i + 1}</v></c>' for i, c in enumerate("ABCD"))
            + f'</row><row r="3"><c r="A3" t="inlineStr"><is><t>{BAIDU}</t></is></c>'
            f'<c r="B3" t="s"><v>{index}</v></c><c r="C3" t="s"><v>6</v></c>'
            '<c r="D3"><v>12</v></c></row>')
    return with_sst(sst(strings), rows)


def odd_value(raw: str, kind: str = "") -> Callable[[Path], None]:
    """Bank of China's demand cell stored as ``raw`` (``kind``: the cell's t attribute)."""
    typed = f' t="{kind}"' if kind else ""
    rows = rows_xml([HEADER]) + row_xml(2, BOC_CELLS, f'<c r="{{ref}}"{typed}><v>{raw}</v></c>')
    return xlsx(sheets=[(SHEET, "visible", sheet_xml(rows))])


def strict_ooxml(path: Path) -> None:
    """A workbook saved by Excel as "Strict Open XML Spreadsheet": other namespaces."""
    strict = "http://purl.oclc.org/ooxml/"
    parts = package(sheets=[(SHEET, "visible", sheet_xml(rows_xml(GOOD_ROWS)).replace(
        MAIN, strict + "spreadsheetml/main"))])
    for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "_rels/.rels"):
        parts[name] = str(parts[name]).replace(MAIN, strict + "spreadsheetml/main").replace(
            RELS, strict + "officeDocument/relationships")
    write_zip(path, parts)


def data_on_second_sheet(path: Path) -> None:
    notes = sheet_xml(rows_xml([["填报说明：请在“2027申报”表中填写"]]))
    write_zip(path, package(sheets=[("Sheet1", "visible", notes),
                                    ("2027申报", "visible", sheet_xml(rows_xml(GOOD_ROWS)))]))


def data_below_formatting(path: Path) -> None:
    """Rows formatted down to 1,048,576 (not counted) and one real value at row 300,000."""
    formatted = "".join(f'<row r="{n}" s="1" customFormat="1"><c r="A{n}" s="1"/></row>'
                        for n in range(4, 2000))
    tail = ('<row r="300000"><c r="A300000" s="1"/><c r="C300000"><v>7</v></c></row>'
            '<row r="1048576"><c r="A1048576" s="1"/></row>')
    write_zip(path, package(sheets=[(SHEET, "visible", sheet_xml(
        rows_xml(GOOD_ROWS) + formatted + tail))]))


# -- the corpus --------------------------------------------------------------------------------
def _cases() -> list[Case]:
    rng = random.Random(8)
    return [
        # not a workbook at all
        Case("empty", raw(b""), "file_empty"),
        Case("random_bytes", raw(bytes(rng.getrandbits(8) for _ in range(4096))),
             "file_not_xlsx"),
        Case("csv_renamed", raw(("统一社会信用代码,单位名称,单位类型,申报人数合计\n"
                                 f"{BAIDU},百度,企业,12\n").encode()), "file_not_xlsx"),
        Case("xls_renamed", raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048),
             "file_ole"),
        Case("encrypted", encrypted_ole, "file_ole"),
        Case("truncated_zip", truncated, "reading.zip_damaged"),
        Case("pk_garbage", raw(b"PK\x03\x04 this is not really a zip"), "file_not_xlsx"),
        Case("empty_zip", raw(b"PK\x05\x06" + b"\x00" * 18), "file_not_xlsx"),
        # archive-level bombs and tricks
        Case("zip_bomb_entry", bomb_part(300 << 20, b"\x00"), "reading.part_too_large",
             note="a 300 MB part of zeros, ~300 KB compressed"),
        Case("whitespace_bomb", bomb_part(200 << 20), "reading.zip_bomb",
             note="200 MB of spaces inside the sheet XML"),
        Case("lying_size", lying_size, "reading.part_damaged",
             note="declares 2 KB, inflates to 50 MB"),
        Case("too_many_parts", many_parts, "reading.too_many_parts"),
        Case("duplicate_part", duplicate_part, "reading.part_name"),
        Case("missing_content_types", xlsx(drop=("[Content_Types].xml",)),
             "reading.part_missing"),
        Case("missing_sheet_part", missing_sheet_part, "reading.structure"),
        Case("decoy_shared_strings", decoy_shared_strings, "reading.structure"),
        Case("no_sheets", no_sheets, "file_no_sheets"),
        Case("chart_only", chart_only, "reading.no_worksheet"),
        # XML attacks
        Case("billion_laughs", xlsx(sheets=[(SHEET, "visible", sheet_xml(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
            prolog=LAUGHS))]), "reading.xml_entities"),
        Case("billion_laughs_strings", with_sst(sst(HEADER, head=LAUGHS), SST_ROWS),
             "reading.xml_entities"),
        Case("xxe_sheet", xlsx(sheets=[(SHEET, "visible", sheet_xml(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>',
            prolog=XXE))]), "reading.xml_entities"),
        Case("xxe_workbook", xlsx(workbook=(
            XXE + f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="&xxe;" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>')), "reading.xml_entities"),
        Case("xxe_strings", with_sst(sst(["&xxe;", *HEADER[1:]], head=XXE), SST_ROWS),
             "reading.xml_entities"),
        Case("utf16_sheet", utf16_sheet, "reading.xml_encoding"),
        Case("shared_strings_count", with_sst(
            sst(HEADER, count=' count="4000000000" uniqueCount="4000000000"'), SST_ROWS),
            "reading.shared_strings", note="calamine would allocate 96 GB and abort"),
        Case("deep_nesting", deep_nesting, "header_not_found", sheet=SHEET),
        Case("control_characters", control_chars, "file_unreadable"),
        # sheets too large
        Case("cell_xfd1048576", far_cell("XFD1048576", 1048576), "reading.too_many_rows",
             sheet=SHEET, row=1048576, column="XFD",
             note="calamine would allocate 38 GB and abort"),
        Case("row_inconsistent", inconsistent_row, "reading.too_many_rows", sheet=SHEET,
             row=999999, column="A"),
        Case("thousands_of_columns", wide_header(5000), "reading.too_many_columns",
             sheet=SHEET, row=1, column="GS"),
        Case("columns_without_refs", wide_without_refs, "reading.too_many_columns",
             sheet=SHEET, column="ACOF"),
        Case("area_bomb", area_bomb, "reading.too_many_cells", sheet=SHEET),
        Case("too_many_merged", too_many_merged, "reading.too_many_merged", sheet=SHEET),
        # hidden sheets and merged cells
        Case("hidden_data_sheet", hidden_data_sheet("hidden"), "reading.chosen_sheet_hidden",
             sheet=SHEET),
        Case("very_hidden_data_sheet", hidden_data_sheet("veryHidden"),
             "reading.chosen_sheet_hidden", sheet=SHEET),
        Case("merged_across_data", merged(["C2:C3"]), "reading.merged_data", sheet=SHEET,
             row=2, column="单位类型"),
        # content: every cell is read, every problem named
        Case("missing_columns", data_rows([["统一社会信用代码", "单位名称"], [BAIDU, "百度"]]),
             "header_missing", sheet=SHEET, row=1, column="单位类型"),
        Case("header_only", data_rows([HEADER]), "no_data", sheet=SHEET, row=1),
        Case("duplicate_credit_codes", data_rows([*GOOD_ROWS, [BAIDU, "百度二", "企业", 3]]),
             "credit_code_duplicate", sheet=SHEET, row=4, column="统一社会信用代码"),
        Case("invalid_credit_code", data_rows([HEADER, [BAIDU[:-1] + "9", "百度", "企业", 1]]),
             "credit_code_check", sheet=SHEET, row=2, column="统一社会信用代码"),
        Case("negative_number", data_rows([HEADER, [BAIDU, "百度", "企业", -5]]),
             "count_negative", sheet=SHEET, row=2, column="申报人数合计"),
        Case("fractional_number", data_rows([HEADER, [BAIDU, "百度", "企业", 2.5]]),
             "count_fraction", sheet=SHEET, row=2, column="申报人数合计"),
        Case("boolean_number", data_rows([HEADER, [BAIDU, "百度", "企业", True]]),
             "number_boolean", sheet=SHEET, row=2, column="申报人数合计"),
        Case("text_number", data_rows([HEADER, [BAIDU, "百度", "企业", "十二个"]]),
             "number_text", sheet=SHEET, row=2, column="申报人数合计"),
        Case("absurd_number", data_rows([HEADER, [BAIDU, "百度", "企业", 1e300]]),
             "count_too_large", sheet=SHEET, row=2, column="申报人数合计"),
        Case("formula_number", data_rows([HEADER, [BAIDU, "百度", "企业", "=5+7"]]),
             "formula", sheet=SHEET, row=2, column="申报人数合计"),
        Case("formula_cached_value", cached_formula, "formula", sheet=SHEET, row=3,
             column="申报人数合计"),
        Case("shared_formula", shared_formula, "formula", sheet=SHEET, row=3,
             column="申报人数合计"),
        Case("error_value", error_cells, "excel_error", sheet=SHEET, row=3,
             column="申报人数合计"),
        Case("prefixed_formula", prefixed, "formula", sheet=SHEET, row=3,
             column="申报人数合计", note="read by openpyxl: namespace prefixes"),
        Case("bad_boolean", bad_boolean, "number_boolean", sheet=SHEET, row=3,
             column="申报人数合计", note="calamine refuses t=b '2'; openpyxl reads True"),
        Case("unknown_enum", data_rows([HEADER, [BAIDU, "百度", "外星企业", 12]]),
             "enum_unknown", sheet=SHEET, row=2, column="单位类型"),
        Case("impossible_percentage", data_rows([[*HEADER, "近一年流失率"],
                                                 [BAIDU, "百度", "企业", 12, "250%"]]),
             "rate_too_large", sheet=SHEET, row=2, column="近一年流失率"),
        Case("impossible_date", data_rows([[*HEADER, "申报日期"],
                                           [BAIDU, "百度", "企业", 12, "2026-02-30"]]),
             "date_impossible", sheet=SHEET, row=2, column="申报日期"),
        Case("huge_text", huge_text, "credit_code_length", sheet=SHEET, row=2,
             column="统一社会信用代码"),
        # issue 18 -- damaged shared strings: once read as text 0 (the title)
        *[Case(f"string_index_{label}", damaged_string_index(index),
               "reading.file.shared_string_index", sheet=SHEET, row=3, column="B")
          for label, index in (("negative", "-1"), ("letters", "abc"), ("fraction", "1.5"),
                               ("huge", "1" + "0" * 20), ("out_of_range", "99999"))],
        # values no parser can read: once "cannot be read (ValueError)" with no cell
        *[Case(f"value_{label}", odd_value(raw, kind), code, sheet=SHEET, row=2, column="D")
          for label, raw, kind, code in (
              ("nan", "NaN", "", "reading.file.cell_value"),
              ("inf", "INF", "", "reading.file.cell_value"),
              ("hex", "0x1F", "", "reading.file.cell_value"),
              ("iso_date", "2026-13-45", "d", "reading.file.cell_date"))],
        Case("strict_ooxml", strict_ooxml, "reading.file.strict_ooxml"),
        # numbers in text with separators where no thousands separator goes
        Case("decimal_comma", data_rows([HEADER, [*BOC_CELLS, "1,5"]]), "read.number_grouping",
             sheet=SHEET, row=2, column="申报人数合计"),
        Case("european_number", data_rows([HEADER, [*BOC_CELLS, "1.500,5"]]),
             "read.number_grouping", sheet=SHEET, row=2, column="申报人数合计"),
        Case("point_as_thousands", data_rows([HEADER, [*BOC_CELLS, "1.000"]]),
             "read.number_ambiguous", sheet=SHEET, row=2, column="申报人数合计"),
        # invisible and bidi characters
        *[Case(f"invisible_{label}", data_rows([HEADER, [BOC, f"中国{char}银行", "企业", 5]]),
               "text_control", sheet=SHEET, row=2, column="单位名称")
          for label, char in (("rlo", "\u202e"), ("lri", "\u2066"), ("rlm", "\u200f"),
                              ("alm", "\u061c"), ("zwsp", "\u200b"), ("bom", "\ufeff"))],
        Case("soft_hyphen_code", data_rows([HEADER, [BOC[:6] + "\u00ad" + BOC[6:], "中国银行",
                                                     "企业", 5]]),
             "text_control", sheet=SHEET, row=2, column="统一社会信用代码"),
        Case("data_on_second_sheet", data_on_second_sheet, "read.header_elsewhere",
             sheet="Sheet1"),
        Case("data_below_formatting", data_below_formatting, "reading.too_many_rows",
             sheet=SHEET, row=300000, column="C"),
    ]


CASES: list[Case] = _cases()


def build_all(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for case in CASES:
        path = directory / case.file
        if not path.exists():
            case.build(path)
        paths[case.name] = path
    return paths


def measure(directory: Path, only: tuple[str, ...] = ()) -> list[tuple[str, float, float, int]]:
    """(case, seconds, peak MB, exit code) of ``python -m allocator validate`` on each file.

    The peak is the largest resident set of the command and its parsing child.
    """
    import subprocess
    import time

    rows = []
    for case in CASES:
        if only and case.name not in only:
            continue
        path = directory / case.file
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "allocator", "validate", str(path)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)  # wait4: the child's peak memory too
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        rows.append((case.name, seconds, usage.ru_maxrss / 1024, process.returncode))
    return rows


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    import tempfile

    target = Path(arguments[0]) if arguments else Path(tempfile.gettempdir()) / "corpus"
    built = build_all(target)
    print(f"{len(built)} files in {target}")
    if "--measure" in sys.argv:
        print(f"{'case':28} {'seconds':>8} {'peak MB':>8} exit")
        for name, seconds, peak, code in measure(target):
            print(f"{name:28} {seconds:8.2f} {peak:8.0f} {code:4d}")
