"""The fast reader gives the same cells as the openpyxl reader it replaced, cell by cell.

The reference is the former ``read_grid``: openpyxl in read-only mode, values and data types
(``f`` formula, ``e`` error). Compared: every value with its Python type (``1`` is not ``1.0``,
``datetime`` is not ``date``), and the formula and error positions. The documented differences
(``allocator/workbook.py``) are applied to the reference: an empty text is ``None``, ``_x000D_``
escapes are decoded, and cells beyond a wrong ``<dimension>`` are read.
"""

from __future__ import annotations

import html
import os
import re
import warnings
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator import workbook
from allocator.excel import write_demand_workbook
from allocator.sample import generate
from allocator.workbook import read_grid

DATA = Path(__file__).resolve().parents[1] / "data"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def openpyxl_grid(path: Path, sheet: str = "需求申报"):
    """The former reader (allocator/workbook.py before issue #8), minus its dimension bug."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        try:
            ws = book[sheet if sheet in book.sheetnames else book.sheetnames[0]]
            ws.reset_dimensions()
            rows, formulas, errors = [], set(), set()
            for index, cells in enumerate(ws.iter_rows()):
                rows.append(tuple(c.value for c in cells))
                for position, cell in enumerate(cells):
                    kind = getattr(cell, "data_type", "n")
                    if kind == "f":
                        formulas.add((index, position))
                    elif kind == "e":
                        errors.add((index, position))
        finally:
            book.close()
    return rows, formulas, errors


def comparable(value: Any) -> Any:
    if isinstance(value, str):
        if "_x" in value:
            return ("escaped text", None)  # openpyxl leaves escapes; see the module docstring
        return value or None
    if hasattr(value, "ref") and hasattr(value, "text"):  # ArrayFormula
        return ("array", value.ref, value.text)
    if type(value).__name__ == "DataTableFormula":
        return ("table", sorted(dict(value).items()))
    return value


def trimmed(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    out = []
    for row in rows:
        cells = [comparable(v) for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


def assert_same_cells(path: Path, sheet: str = "需求申报") -> None:
    grid, issues = read_grid(path, sheet)
    assert grid is not None, issues
    rows, formulas, errors = openpyxl_grid(path, sheet)
    new, old = trimmed(grid.rows), trimmed(rows)
    assert len(new) == len(old)
    for number, (a, b) in enumerate(zip(new, old, strict=True), start=1):
        for position in range(max(len(a), len(b))):
            x = a[position] if position < len(a) else None
            y = b[position] if position < len(b) else None
            if isinstance(y, tuple) and y[0] == "escaped text":
                continue
            assert type(x) is type(y) and x == y, (number, position, x, y)
    assert grid.formulas == formulas
    assert grid.errors == errors
    assert grid.row_numbers == list(range(1, len(grid.rows) + 1))


# -- workbooks to compare ---------------------------------------------------------------------
def raw_workbook(path: Path, rows_xml: str, *, styles: str | None = None,
                 strings: str | None = None, date1904: bool = False) -> Path:
    overrides = ""
    relations = (f'<Relationship Id="rId1" Type="{RELS}/worksheet" '
                 'Target="worksheets/sheet1.xml"/>')
    parts = {}
    if styles is not None:
        overrides += ('<Override PartName="/xl/styles.xml" ContentType="application/vnd.'
                      'openxmlformats-officedocument.spreadsheetml.styles+xml"/>')
        relations += f'<Relationship Id="rId2" Type="{RELS}/styles" Target="styles.xml"/>'
        parts["xl/styles.xml"] = styles
    if strings is not None:
        overrides += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                      'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        relations += (f'<Relationship Id="rId3" Type="{RELS}/sharedStrings" '
                      'Target="sharedStrings.xml"/>')
        parts["xl/sharedStrings.xml"] = strings
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    parts |= {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
            '/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            f'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{overrides}</Types>'),
        "_rels/.rels": (f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{RELS}/'
                        'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{pr}<sheets><sheet '
                            'name="需求申报" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">{relations}</Relationships>',
        "xl/worksheets/sheet1.xml": (f'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                                     f'xmlns="{MAIN}"><sheetData>{rows_xml}</sheetData>'
                                     "</worksheet>"),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


FORMATS = ['"d"0', "General", "@", "yyyy/m/d;@", "[$-804]aaaa", "m/d/yy h:mm",
           '[DBNum1][$-804]yyyy"年"m"月"d"日"', '0.0"天"', 'yyyy"年"m"月"', "[h]:mm:ss",
           "mm:ss", "[ss]", "h:mm AM/PM", '上午/下午h"时"mm"分"', "0%", "# ?/?", "0.00E+00",
           "DD/MM/YYYY", "yyyy-mm-dd\\ hh:mm", "#,##0;-#,##0;\"-\""]
BUILTIN = [0, 1, 9, 10, 14, 15, 18, 20, 21, 22, 45, 46, 47, 49]


def styles_xml() -> str:
    custom = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{html.escape(f, quote=True)}"/>'
                     for i, f in enumerate(FORMATS))
    ids = BUILTIN + [164 + i for i in range(len(FORMATS))]
    xfs = "".join(f'<xf numFmtId="{i}"/>' for i in ids)
    return (f'<styleSheet xmlns="{MAIN}"><numFmts count="{len(FORMATS)}">{custom}</numFmts>'
            '<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/></fill>'
            '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
            '</border></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            f'<cellXfs count="{len(ids)}">{xfs}</cellXfs></styleSheet>')


STYLE_COUNT = len(BUILTIN) + len(FORMATS)
STRINGS = ["plain", "北京", "line_x000D_break", "  padded  ", "a\nb\tc", "😀𠀀", "",
           "_x005F_x0041_",
           "=not a formula", "#N/A", "12", "1.0"]


def strings_xml() -> str:
    items = "".join(f'<si><t xml:space="preserve">{html.escape(s)}</t></si>' for s in STRINGS)
    rich = '<si><r><rPr><b/></rPr><t>rich</t></r><r><t xml:space="preserve"> text</t></r></si>'
    phonetic = '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si>'
    return f'<sst xmlns="{MAIN}">{items}{rich}{phonetic}</sst>'


NUMBERS = ["46310", "46310.5", "0.5", "-1", "0", "60", "61", "59", "1e5", "1.0", "12.50", "1E+20",
           "-0", "00012", "9007199254740993", "1.7976931348623157e308", "0.1",
           "3.0000000000000004", "2958465", "2958466", "-3", "1e-7", " 12 ", "+5", "5.",
           ".5", "123456789012345678901234567890"]


#: Serials calamine can turn into dates (beyond them it refuses the sheet: openpyxl reads it).
SANE_NUMBERS = [n for n in NUMBERS if abs(float(n)) < 1e10]


def messy_rows(numbers: list[str] = NUMBERS) -> str:
    rows = ['<row r="1">' + "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>'
                                    for i in range(len(STRINGS) + 2)) + "</row>"]
    for style in range(STYLE_COUNT):
        number = style + 2
        cells = "".join(f'<c r="{workbook.column_letter(i + 1)}{number}" s="{style}"><v>{v}</v>'
                        "</c>" for i, v in enumerate(numbers))
        rows.append(f'<row r="{number}">{cells}</row>')
    n = STYLE_COUNT + 2
    rows.append(
        f'<row r="{n}"><c r="A{n}" t="b"><v>1</v></c><c r="B{n}" t="b"><v>0</v></c>'
        f'<c r="C{n}" t="e"><v>#REF!</v></c><c r="D{n}" t="str"><f>A1&amp;"x"</f><v>plainx</v>'
        f'</c><c r="E{n}"><f>1/0</f><v>5</v></c><c r="F{n}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        f'<c r="G{n}" t="inlineStr"><is><t>inl</t></is></c><c r="H{n}" t="inlineStr"><is><r>'
        f'<t>in</t></r><r><t>rich</t></r></is></c><c r="I{n}" t="inlineStr"><is><t '
        f'xml:space="preserve"> </t></is></c><c r="J{n}" t="str"><v>no formula</v></c>'
        f'<c r="K{n}" t="d"><v>2026-10-15T08:30:00</v></c><c r="L{n}" t="d"><v>2026-10-15</v>'
        f'</c><c r="M{n}" t="n"/><c r="N{n}" s="99"><v>5</v></c><c r="O{n}" t="s"><v>6</v>'
        f'</c><c r="P{n}"><f>SUM(A1:A2)</f><v/></c><c r="Q{n}" s="4"><f>TODAY()</f>'
        f'<v>46310</v></c></row>')
    n += 1
    rows.append(f'<row r="{n}"><c r="A{n}"><f t="shared" ref="A{n}:A{n + 2}" si="0">B{n}*2</f>'
                f'<v>2</v></c></row><row r="{n + 1}"><c r="A{n + 1}"><f t="shared" si="0"/>'
                f'<v>4</v></c></row><row r="{n + 2}"><c r="A{n + 2}"><f t="array" '
                f'ref="A{n + 2}">SUM(B1:B2)</f><v>6</v></c></row>')
    rows.append('<row r="40"><c r="C40"><v>7</v></c></row>')  # a gap, then a far row
    return "".join(rows)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("engines") / "generated.xlsx"
    frame = generate(employers=300, seed=4, year=2027)
    frame.loc[frame.index[:3], "name"] = ['=HYPERLINK("http://x","y")', "#N/A", "-=cmd|' /C"]
    write_demand_workbook(path, frame)
    return path


def test_the_shipped_sample(tmp_path):
    assert_same_cells(DATA / "sample_demand.xlsx")


def test_the_template():
    assert_same_cells(DATA / "template.xlsx")


def test_a_generated_workbook_with_awkward_names(generated):
    assert_same_cells(generated)


@pytest.mark.parametrize("date1904", [False, True])
@pytest.mark.parametrize(("numbers", "engine"), [(SANE_NUMBERS, "calamine"),
                                                 (NUMBERS, "openpyxl")])
def test_every_cell_type_number_format_and_formula(tmp_path, date1904, numbers, engine):
    path = raw_workbook(tmp_path / "messy.xlsx", messy_rows(numbers), styles=styles_xml(),
                        strings=strings_xml(), date1904=date1904)
    assert_same_cells(path)
    grid, _ = read_grid(path, "需求申报")
    assert grid.engine == engine  # the fast path, patched; or the fallback for absurd dates


def test_values_written_by_openpyxl(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "需求申报"
    ws.append([1, 1.0, 1.5, 2**63, -0.0, 1e300, True, False, "text", " pad ", "",
               datetime(2026, 10, 15), datetime(2026, 10, 15, 12, 30), date(2026, 10, 15),
               time(12, 30), timedelta(days=1, hours=2), "=1+2", "#N/A", 0.1 + 0.2, 2**53 + 1,
               "12", None, "x"])
    for column, (value, fmt) in enumerate([(45000, "yyyy-mm-dd"), (45000.5, "yyyy-mm-dd hh:mm"),
                                           (0.5, "hh:mm"), (45000, "0.0%"), (30, "[h]:mm:ss"),
                                           (59, "yyyy-mm-dd"), (61, "yyyy-mm-dd"),
                                           (-5, "yyyy-mm-dd"), (1e20, "yyyy-mm-dd")], start=2):
        ws.cell(row=3, column=column, value=value).number_format = fmt
    ws["A6"] = "beyond a gap"
    path = tmp_path / "typed.xlsx"
    book.save(path)
    assert_same_cells(path)


def test_a_wrong_dimension_hides_nothing(tmp_path):
    path = raw_workbook(tmp_path / "dim.xlsx", "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="E{r}"><v>{r}</v></c></row>'
        for r in range(1, 51)))
    with zipfile.ZipFile(path) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"<sheetData>", b'<dimension ref="A1:B3"/><sheetData>')
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    grid, _ = read_grid(path, "需求申报")
    assert len(grid.rows) == 50 and grid.rows[-1][4] == 50  # openpyxl read-only: 3 rows


# -- fuzz: random cells in random types and formats -------------------------------------------
NUMBER_TEXT = st.one_of(
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(NUMBERS),
    st.builds(lambda a, b: f"{a}.{b}", st.integers(0, 99999), st.integers(0, 999)),
    st.builds(lambda a, e: f"{a}E{e}", st.integers(-999, 999), st.integers(-30, 30)),
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


@st.composite
def raw_cell(draw: st.DrawFn, ref: str) -> str:
    kind = draw(st.sampled_from(["n", "n", "n", "s", "b", "e", "str", "inline", "formula",
                                 "empty", "d"]))
    style = draw(st.one_of(st.none(), st.integers(0, STYLE_COUNT - 1)))
    s = "" if style is None else f' s="{style}"'
    match kind:
        case "n":
            return f'<c r="{ref}"{s}><v>{draw(NUMBER_TEXT)}</v></c>'
        case "s":
            return f'<c r="{ref}"{s} t="s"><v>{draw(st.integers(0, len(STRINGS) - 1))}</v></c>'
        case "b":
            return f'<c r="{ref}"{s} t="b"><v>{draw(st.sampled_from(["0", "1"]))}</v></c>'
        case "e":
            error = draw(st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?",
                                          "#NUM!", "#NULL!"]))
            return f'<c r="{ref}"{s} t="e"><v>{error}</v></c>'
        case "str":
            return f'<c r="{ref}"{s} t="str"><v>{html.escape(draw(TEXT))}</v></c>'
        case "inline":
            return (f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">'
                    f"{html.escape(draw(TEXT))}</t></is></c>")
        case "formula":
            cached = draw(st.one_of(NUMBER_TEXT, st.just("")))
            return f'<c r="{ref}"{s}><f>SUM(A1:A{draw(st.integers(1, 9))})</f><v>{cached}</v></c>'
        case "d":
            day = draw(st.dates(date(1901, 1, 1), date(9998, 12, 31)))
            return f'<c r="{ref}"{s} t="d"><v>{day.isoformat()}</v></c>'
    return f'<c r="{ref}"{s}/>'


@st.composite
def raw_rows(draw: st.DrawFn) -> str:
    numbers = sorted(draw(st.sets(st.integers(1, 12), min_size=1, max_size=6)))
    rows = []
    for number in numbers:
        columns = sorted(draw(st.sets(st.integers(1, 30), min_size=1, max_size=6)))
        cells = "".join(draw(raw_cell(f"{workbook.column_letter(c)}{number}")) for c in columns)
        rows.append(f'<row r="{number}">{cells}</row>')
    return "".join(rows)


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "0")) or 150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=raw_rows(), date1904=st.booleans())
def test_fuzz_both_engines_agree(tmp_path, monkeypatch, rows, date1904):
    monkeypatch.setattr(workbook, "ISOLATE", False)  # benign generated files: no child needed
    path = raw_workbook(tmp_path / "fuzz.xlsx", rows, styles=styles_xml(), strings=strings_xml(),
                        date1904=date1904)
    try:
        openpyxl_grid(path)
    except Exception:
        grid, issues = read_grid(path, "需求申报")
        assert grid is None and [i.code for i in issues] == ["file_unreadable"]
        return
    assert_same_cells(path)
