"""Odd but real workbooks (issue 18): read exactly as Excel shows them, or refused naming the
file, sheet, row, column and value, saying what is wrong and what to do, in both languages.

Every file is generated here with the raw writer of ``tests/corpus/make_corpus.py`` (every byte
under control) or openpyxl. The expected words are written out by hand.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator import credit_code
from allocator.cli import main
from allocator.submissions import read_submissions

_SPEC = importlib.util.spec_from_file_location(
    "make_corpus", Path(__file__).parent / "corpus" / "make_corpus.py")
assert _SPEC and _SPEC.loader
mc = importlib.util.module_from_spec(_SPEC)
sys.modules.setdefault("make_corpus", mc)
_SPEC.loader.exec_module(mc)

HEADER, BAIDU, BOC, SHEET = mc.HEADER, mc.BAIDU, mc.BOC, mc.SHEET
#: Words a planner must never see: parsers' exception class names.
CLASS_NAMES = re.compile(r"\b\w+(Error|Exception)\b|KeyError|IndexError|ValueError")


def code_for(number: int) -> str:
    """A valid credit code, different for every number."""
    return credit_code.complete(f"91110101{number:08d}0")


def validate(path: Path, tmp_path: Path, capsys) -> tuple[int, str, list[dict]]:
    report = tmp_path / "report.json"
    code = main(["validate", str(path), "--json", str(report)])
    out, err = capsys.readouterr()
    issues = json.loads(report.read_text(encoding="utf-8"))["issues"]
    return code, out + err, issues


def refused(path: Path, tmp_path: Path, capsys, *, code: str, sheet: str | None, row: int | None,
            column: str | None, value: str | None) -> dict:
    """The file is refused (exit 2) with exactly one error of ``code`` at that place."""
    status, shown, issues = validate(path, tmp_path, capsys)
    assert status == 2, shown
    errors = [i for i in issues if i["severity"] == "error"]
    assert [i["code"] for i in errors] == [code], errors
    [found] = errors
    assert (found["file"], found["sheet"], found["row"], found["column"], found["value"]) == (
        path.name, sheet, row, column, value)
    assert path.name in shown and (sheet is None or sheet in shown)
    assert found["zh"] in shown and found["en"] in shown  # both languages on the screen
    assert not CLASS_NAMES.search(shown), shown
    assert "Traceback" not in shown
    return found


def sheet_of(rows: str, **kwargs) -> dict[str, bytes | str]:
    return mc.package(sheets=[(SHEET, "visible", mc.sheet_xml(rows))], **kwargs)


def write(tmp_path: Path, name: str, parts: dict[str, bytes | str]) -> Path:
    path = tmp_path / name
    mc.write_zip(path, parts)
    return path


# -- damaged shared-string indexes -----------------------------------------------------------
def with_strings(strings: list[str], rows: str) -> dict[str, bytes | str]:
    """A package whose texts are shared strings, declared as Excel declares them."""
    rels = (f'<?xml version="1.0"?><Relationships xmlns="{mc.PKG}"><Relationship Id="rId1" '
            f'Type="{mc.WS_TYPE}" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{mc.RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    parts = sheet_of(rows, workbook_rels=rels, extra={"xl/sharedStrings.xml": mc.sst(strings)})
    override = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    parts["[Content_Types].xml"] = str(parts["[Content_Types].xml"]).replace(
        "</Types>", override + "</Types>")
    return parts


TITLE = "2027年度工作居住证指标申报汇总表"
STRINGS = [TITLE, *HEADER, BAIDU, "百度", "企业"]  # 8 texts, numbered 0 to 7


def string_rows(index: str) -> str:
    """A title (text 0), the header (1–4) and Baidu's row, whose name is text ``index``."""
    return ('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
            '<row r="2">' + "".join(f'<c r="{c}2" t="s"><v>{i}</v></c>'
                                    for c, i in zip("ABCD", range(1, 5), strict=True)) + "</row>"
            f'<row r="3"><c r="A3" t="s"><v>5</v></c><c r="B3" s="0" t="s"><v>{index}</v></c>'
            '<c r="C3" t="s"><v>7</v></c><c r="D3"><v>12</v></c></row>')


def test_a_valid_shared_string_index_reads_its_text(tmp_path):
    result = read_submissions(write(tmp_path, "ok.xlsx", with_strings(STRINGS, string_rows("6"))))
    assert result.ok, result.issues
    assert result.frame["name"].tolist() == ["百度"]


@pytest.mark.parametrize("index", ["-1", "abc", "1.5", "100000000000000000000", "99999", "8", "008",
                                   "", "+1", "1e2"])
def test_a_damaged_shared_string_index_is_refused_naming_the_cell(index, tmp_path, capsys):
    # Before issue 18, -1, abc, 1.5 and 10**20 read as text 0: Baidu's name became the title.
    path = write(tmp_path, "strings.xlsx", with_strings(STRINGS, string_rows(index)))
    found = refused(path, tmp_path, capsys, code="reading.file.shared_string_index",
                    sheet=SHEET, row=3, column="B", value=index)
    assert found["en"] == (
        f"Cell B3 refers to text number '{index}' of the workbook's table of texts, which has "
        "8 (numbered from 0): the file is damaged and the cell's text is unknown. Open the "
        "file in Excel, check the cell, save it as .xlsx and import that.")
    assert found["zh"].startswith(f"单元格 B3 引用文本表中的第「{index}」号文本，而文本表只有 8 条")


def test_a_text_cell_without_a_table_of_texts_is_refused(tmp_path, capsys):
    rows = mc.rows_xml([HEADER]) + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    path = write(tmp_path, "nosst.xlsx", sheet_of(rows))
    refused(path, tmp_path, capsys, code="reading.file.shared_string_index", sheet=SHEET, row=2,
            column="A", value="0")


# -- values no parser can read ----------------------------------------------------------------
@pytest.mark.parametrize("raw", ["NaN", "INF", "-INF", "0x1F", "1,5"])
def test_a_number_cell_holding_no_number_is_refused_naming_the_cell(raw, tmp_path, capsys):
    rows = mc.rows_xml([HEADER]) + mc.row_xml(2, [BAIDU, "百度", "企业"],
                                              f'<c r="{{ref}}"><v>{raw}</v></c>')
    path = write(tmp_path, "nan.xlsx", sheet_of(rows))
    found = refused(path, tmp_path, capsys, code="reading.file.cell_value", sheet=SHEET, row=2,
                    column="D", value=raw)
    assert found["en"] == (
        f"Cell D2 holds '{raw}', which is not a number as Excel stores one (NaN, INF or "
        "hexadecimal are not): the file is damaged or was written by another program. Type the "
        "number into the cell in Excel, save it as .xlsx and import that.")
    assert found["zh"].startswith(f"单元格 D2 存的是「{raw}」，不是 Excel 保存数字的形式")


@pytest.mark.parametrize("raw", ["2026-13-45", "yesterday", "2026-02-30T00:00:00"])
def test_a_date_cell_holding_no_date_is_refused_naming_the_cell(raw, tmp_path, capsys):
    rows = mc.rows_xml([[*HEADER, "申报日期"]]) + mc.row_xml(
        2, [BAIDU, "百度", "企业", 12], f'<c r="{{ref}}" t="d"><v>{raw}</v></c>')
    path = write(tmp_path, "date.xlsx", sheet_of(rows))
    found = refused(path, tmp_path, capsys, code="reading.file.cell_date", sheet=SHEET, row=2,
                    column="E", value=raw)
    assert found["en"].startswith(f"Cell E2 is stored as a date but holds '{raw}', which is "
                                  "not a date")


# -- Strict Open XML --------------------------------------------------------------------------
def strict_package() -> dict[str, bytes | str]:
    strict_main = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    strict_rels = "http://purl.oclc.org/ooxml/officeDocument/relationships"
    parts = mc.package()
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{strict_main}" '
        f'xmlns:r="{strict_rels}" conformance="strict"><sheets><sheet name="{SHEET}" '
        'sheetId="1" r:id="rId1"/></sheets></workbook>')
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{mc.PKG}"><Relationship '
        f'Id="rId1" Type="{strict_rels}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>")
    parts["_rels/.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{mc.PKG}"><Relationship '
        f'Id="rId1" Type="{strict_rels}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>")
    parts["xl/worksheets/sheet1.xml"] = str(parts["xl/worksheets/sheet1.xml"]).replace(
        mc.MAIN, strict_main)
    return parts


def test_strict_open_xml_is_named_and_the_way_out_explained(tmp_path, capsys):
    path = write(tmp_path, "strict.xlsx", strict_package())
    found = refused(path, tmp_path, capsys, code="reading.file.strict_ooxml", sheet=None,
                    row=None, column=None, value=None)
    assert "Strict Open XML" in found["en"] and "Excel Workbook (*.xlsx)" in found["en"]
    assert "Strict Open XML" in found["zh"] and "Excel 工作簿 (*.xlsx)" in found["zh"]
    assert "no sheets" not in found["en"]


# -- trailing rows that hold only formatting -------------------------------------------------
def test_formatting_down_to_the_last_row_is_not_counted(tmp_path):
    data = [HEADER] + [[code_for(i), f"单位{i}", "企业", i + 1] for i in range(50)]
    tail = "".join(f'<row r="{n}" s="1" customFormat="1"><c r="A{n}" s="1"/><c r="B{n}" s="1"/>'
                   f'<c r="S{n}" s="1"/></row>' for n in range(52, 1_048_577))
    path = write(tmp_path, "formatted.xlsx", sheet_of(mc.rows_xml(data) + tail))
    result = read_submissions(path)
    assert result.ok, result.issues[:3]
    assert len(result) == 50 and result.frame["row"].tolist() == list(range(2, 52))
    assert result.frame["demand_total"].tolist() == list(range(1, 51))


@pytest.mark.parametrize("last", ['<row r="1048576"><c r="A1048576" s="1"/></row>',
                                  '<row r="1048576" s="1" customFormat="1"/>',
                                  '<row r="1048576"><c r="XFD1048576" s="2"></c></row>'])
def test_one_formatted_cell_at_the_very_end_is_not_counted(last, tmp_path):
    path = write(tmp_path, "end.xlsx", sheet_of(mc.rows_xml(mc.GOOD_ROWS) + last))
    result = read_submissions(path)
    assert result.ok, result.issues
    assert result.frame["name"].tolist() == ["百度", "中国银行"]


def test_data_beyond_the_last_row_allowed_is_still_refused_naming_it(tmp_path, capsys):
    far = '<row r="300000"><c r="A300000" s="1"/><c r="B300000"><v>5</v></c></row>'
    path = write(tmp_path, "far.xlsx", sheet_of(mc.rows_xml(mc.GOOD_ROWS) + far))
    found = refused(path, tmp_path, capsys, code="reading.too_many_rows", sheet=SHEET,
                    row=300000, column="B", value=None)
    assert found["en"] == (
        "This row holds data beyond the last row allowed (200100, about 200,000 employers); "
        "the sheet is not read. Rows that are only formatted do not count: delete the data "
        "below your table.")


# -- the 1904 date system ---------------------------------------------------------------------
def book_1904(cell: str, styles: str | None = None) -> dict[str, bytes | str]:
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{mc.MAIN}" '
                f'xmlns:r="{mc.RELS}"><workbookPr date1904="1"/><sheets><sheet name="{SHEET}" '
                'sheetId="1" r:id="rId1"/></sheets></workbook>')
    rows = mc.rows_xml([[*HEADER, "申报日期"]]) + mc.row_xml(2, [BAIDU, "百度", "企业", 12],
                                                             cell)
    extra = {"xl/styles.xml": styles} if styles else None
    rels = None
    if styles:
        rels = (f'<?xml version="1.0"?><Relationships xmlns="{mc.PKG}"><Relationship Id="rId1" '
                f'Type="{mc.WS_TYPE}" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
                f'Type="{mc.RELS}/styles" Target="styles.xml"/></Relationships>')
    return sheet_of(rows, workbook=workbook, extra=extra, workbook_rels=rels)


def test_a_serial_date_in_general_format_follows_the_1904_system(tmp_path):
    # Day 45,000 of the 1904 system is 2027-03-16 (1904-01-01 + 45,000 days); on the 1900
    # system it would be 2023-03-15, four years and a day early.
    path = write(tmp_path, "mac.xlsx", book_1904('<c r="{ref}"><v>45000</v></c>'))
    result = read_submissions(path)
    assert result.frame["submitted_on"].tolist() == [date(2027, 3, 16)]


def test_a_date_formatted_cell_follows_the_1904_system(tmp_path):
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{mc.MAIN}"><cellXfs '
              'count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
              "</styleSheet>")
    path = write(tmp_path, "mac_styled.xlsx",
                 book_1904('<c r="{ref}" s="1"><v>44834</v></c>', styles))
    result = read_submissions(path)
    # 1904-01-01 + 44,834 days = 2026-10-01.
    assert result.frame["submitted_on"].tolist() == [date(2026, 10, 1)]


def test_without_the_flag_the_1900_system_is_used(tmp_path):
    rows = mc.rows_xml([[*HEADER, "申报日期"], [BAIDU, "百度", "企业", 12, 46296]])
    result = read_submissions(write(tmp_path, "pc.xlsx", sheet_of(rows)))
    assert result.frame["submitted_on"].tolist() == [date(2026, 10, 1)]  # 1899-12-30 + 46,296


# -- numbers typed as text --------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "code", "en"), [
    ("1,5", "read.number_grouping",
     "The number '1,5' has a comma, point or space where no thousands separator goes, so it "
     "could be misread (1,5 is 1.5 in much of Europe). Write it without separators (1500), or "
     "group the digits by three (1,500); a decimal comma is not accepted."),
    ("1.500,5", "read.number_grouping", None),
    ("1.000", "read.number_ambiguous",
     "The number '1.000' is ambiguous: the point may be a decimal point (1 and a fraction) or a "
     "thousands separator. Write it without separators, e.g. 1000."),
])
def test_an_ambiguous_number_in_text_is_refused_naming_the_cell(typed, code, en, tmp_path,
                                                                capsys):
    # Before issue 18, "1,5" was read as 15 permits and "1.000" as 1.
    path = write(tmp_path, "text_number.xlsx", sheet_of(mc.rows_xml(
        [HEADER, [BAIDU, "百度", "企业", typed]])))
    found = refused(path, tmp_path, capsys, code=code, sheet=SHEET, row=2, column="申报人数合计",
                    value=typed)
    if en:
        assert found["en"] == en


def test_a_number_grouped_by_thousands_is_read(tmp_path):
    path = write(tmp_path, "grouped.xlsx", sheet_of(mc.rows_xml(
        [HEADER, [BAIDU, "百度", "企业", "1,500"], [BOC, "中国银行", "企业", "２，０００"]])))
    result = read_submissions(path)
    assert result.ok and result.frame["demand_total"].tolist() == [1500, 2000]


# -- invisible and bidi characters ------------------------------------------------------------
def test_a_right_to_left_override_in_a_name_is_refused_naming_it(tmp_path, capsys):
    path = write(tmp_path, "bidi.xlsx", sheet_of(mc.rows_xml(
        [HEADER, [BAIDU, "百度\u202e司公限有", "企业", 12]])))
    found = refused(path, tmp_path, capsys, code="text_control", sheet=SHEET, row=2,
                    column="单位名称", value="百度\\u202e司公限有")
    assert found["en"] == (
        "Contains invisible or control characters: U+202E RIGHT-TO-LEFT OVERRIDE at position "
        "3. They can make the text look different from what it is: delete them and type the "
        "text again.")
    assert found["zh"] == ("含有看不见的字符或控制字符："
                           "U+202E RIGHT-TO-LEFT OVERRIDE（第3个字符）。"
                           "它们会使文字看上去与实际不同，请删除后重新填写。")


def test_a_soft_hyphen_in_a_credit_code_is_named_with_its_position(tmp_path, capsys):
    typed = BAIDU[:5] + "\u00ad" + BAIDU[5:]
    path = write(tmp_path, "shy.xlsx", sheet_of(mc.rows_xml([HEADER, [typed, "百度", "企业", 12]])))
    found = refused(path, tmp_path, capsys, code="text_control", sheet=SHEET, row=2,
                    column="统一社会信用代码", value="91110\\u00ad000802100433B")
    assert "U+00AD SOFT HYPHEN at position 6" in found["en"]
    assert "19" not in found["en"]  # no longer "this one has 19 characters"


# -- the data on another sheet ----------------------------------------------------------------
def test_data_on_another_sheet_is_pointed_to(tmp_path, capsys):
    sheets = [("Sheet1", "visible", mc.sheet_xml(mc.rows_xml([["说明：请在第二个工作表填写"]]))),
              ("2027申报", "visible", mc.sheet_xml(mc.rows_xml(mc.GOOD_ROWS)))]
    path = write(tmp_path, "second.xlsx", mc.package(sheets=sheets))
    found = refused(path, tmp_path, capsys, code="read.header_elsewhere", sheet="Sheet1",
                    row=None, column=None, value=None)
    assert found["en"] == (
        "No header row in the first 30 rows of this sheet, but sheet '2027申报' has one: only "
        "the sheet named 需求申报 (or else the first sheet) is read. Rename sheet '2027申报' to "
        "需求申报 (or move it first) and import again.")
    assert "「2027申报」" in found["zh"]


def test_no_header_anywhere_keeps_the_plain_message(tmp_path, capsys):
    sheets = [("Sheet1", "visible", mc.sheet_xml(mc.rows_xml([["空"]]))),
              ("Sheet2", "visible", mc.sheet_xml(mc.rows_xml([["也空"]])))]
    path = write(tmp_path, "none.xlsx", mc.package(sheets=sheets))
    refused(path, tmp_path, capsys, code="header_not_found", sheet="Sheet1", row=None,
            column=None, value=None)


# -- no hint from a refused cell --------------------------------------------------------------
def test_a_refused_part_adds_no_hint_derived_from_it(tmp_path):
    header = [*HEADER, "申报人数_高级管理人员", "申报人数_业务骨干"]
    rows = [header] + [[code_for(i), f"单位{i}", "企业", 10, "五个", 3]
                       for i in range(41)]
    result = read_submissions(write(tmp_path, "parts.xlsx", sheet_of(mc.rows_xml(rows))))
    # 41 invalid counts are 41 problems, not 41 errors and 41 "parts incomplete" hints.
    assert [i.code for i in result.issues] == ["number_text"] * 41
    # A part that is really blank still gets its hint.
    rows = [header, [BAIDU, "百度", "企业", 10, 4, None]]
    result = read_submissions(write(tmp_path, "blank.xlsx", sheet_of(mc.rows_xml(rows))))
    assert [i.code for i in result.issues] == ["demand_parts_missing"]


# -- the command line: stored text escaped, files named ---------------------------------------
SMALL = [[*HEADER, "重点产业", "区级百强企业"], [BAIDU, "百度", "企业", 12, "金融", "是"],
         [BOC, "中国银行", "企业", 150, "金融", "否"],
         [mc.ICBC, "工商银行", "企业", 30, "其他", "是"]]


def scenario_file(tmp_path: Path, name: str, body: str = "") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "坏\\u0007\\u001b[31m红 {name}"\n[cap]\nannual = 100\n'
                    f"{body}", encoding="utf-8")
    return path


def test_a_scenario_name_is_escaped_by_solve_and_compare(tmp_path, capsys):
    demand = write(tmp_path, "small.xlsx", sheet_of(mc.rows_xml(SMALL)))
    first, second = scenario_file(tmp_path, "一"), scenario_file(tmp_path, "二")
    assert main(["solve", str(demand), "--scenario", str(first)]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "坏\\x07\\x1b[31m红 一" in out
    assert main(["compare", str(demand), str(first), str(second)]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "坏\\x07\\x1b[31m红 一" in out and "坏\\x07\\x1b[31m红 二" in out


def test_overlapping_groups_name_the_scenario_file(tmp_path, capsys):
    demand = write(tmp_path, "small.xlsx", sheet_of(mc.rows_xml(SMALL)))
    overlap = scenario_file(tmp_path, "overlap", '[groups.fin]\nsector = "finance"\nmin = 1\n'
                                                 "[groups.top]\ntop100 = true\nmin = 1\n")
    assert main(["solve", str(demand), "--scenario", str(overlap)]) == 2
    _, err = capsys.readouterr()
    assert "overlap.toml" in err and "\x1b" not in err
    assert "Groups 'fin' and 'top' overlap" in err


def test_a_full_disk_names_the_file(tmp_path, capsys, monkeypatch):
    # A full disk fails in a write or the close, and that OSError carries no file name (the
    # old message ended "cannot read or write a file:  (No space left on device)"). Simulated:
    # never write to /dev/full itself, an atomic writer would replace the device node.
    import errno

    demand = write(tmp_path, "small.xlsx", sheet_of(mc.rows_xml(SMALL)))
    report = tmp_path / "report.json"

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["validate", str(demand), "--json", str(report)]) == 2
    _, err = capsys.readouterr()
    assert f"cannot read or write a file: {report} (No space left on device)" in err
    assert "无法读写文件" in err


@pytest.mark.parametrize(("by", "note", "words"), [
    ("张\u202e三", "", ("U+202E RIGHT-TO-LEFT OVERRIDE at position 2", "审批人姓名")),
    ("李四", "同意\u2066此致\u2069", ("U+2066 LEFT-TO-RIGHT ISOLATE at position 3",
                                   "U+2069 POP DIRECTIONAL ISOLATE at position 6", "审批备注")),
    ("王\u200b五", "", ("U+200B ZERO WIDTH SPACE at position 2",)),
])
def test_approve_refuses_bidi_and_invisible_characters(by, note, words, tmp_path, capsys):
    db = tmp_path / "store.sqlite3"
    status = main(["approve", "1", "--by", by, "--note", note, "--db", str(db)])
    _, err = capsys.readouterr()
    assert status == 2 and all(w in err for w in words), err
    assert "\u202e" not in err and "\u2066" not in err


# -- the same damage in a sheet read by openpyxl (unusual XML: here single-quoted attributes) --
@pytest.mark.parametrize(("cell", "code", "value"), [
    ("<c r='B3' t='s'><v>-1</v></c>", "reading.file.shared_string_index", "-1"),
    ("<c r='B3' t='s'><v>abc</v></c>", "reading.file.shared_string_index", "abc"),
    ("<c r='B3' t='s'><v>99999</v></c>", "reading.file.shared_string_index", "99999"),
    ("<c r='B3'><v>NaN</v></c>", "reading.file.cell_value", "NaN"),
    ("<c r='B3'><v>0x1F</v></c>", "reading.file.cell_value", "0x1F"),
    ("<c r='B3' t='d'><v>2026-13-45</v></c>", "reading.file.cell_date", "2026-13-45"),
])
def test_damage_in_a_sheet_read_by_openpyxl_is_named_too(cell, code, value, tmp_path, capsys):
    # Before, openpyxl read -1 as the table's last text, and the rest as "cannot be read".
    rows = string_rows("6").replace('<c r="B3" s="0" t="s"><v>6</v></c>', cell)
    assert cell in rows
    path = write(tmp_path, "quoted.xlsx", with_strings(STRINGS, rows))
    refused(path, tmp_path, capsys, code=code, sheet=SHEET, row=3, column="B", value=value)


def test_a_sheet_read_by_openpyxl_with_a_valid_index_reads_its_text(tmp_path):
    rows = string_rows("6").replace('<c r="B3" s="0" t="s"><v>6</v></c>',
                                    "<c r='B3' t='s'><v>6</v></c>")
    result = read_submissions(write(tmp_path, "quoted_ok.xlsx", with_strings(STRINGS, rows)))
    assert result.ok and result.frame["name"].tolist() == ["百度"]


# -- the one check for hidden characters -------------------------------------------------------
def test_the_fast_pass_covers_every_format_character_of_this_python():
    import unicodedata

    from allocator.errors import _MAYBE_HIDDEN

    missed = [f"U+{c:04X}" for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) in ("Cf", "Cc")
              and not _MAYBE_HIDDEN.fullmatch(chr(c))]
    assert missed == []


@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=30))
def test_hidden_characters_are_exactly_controls_and_format_characters(value):
    import unicodedata

    from allocator.errors import hidden_characters

    expected = [(i, c) for i, c in enumerate(value, start=1)
                if unicodedata.category(c) in ("Cf", "Cc")]
    found = hidden_characters(value)
    if not expected:
        assert found is None
    else:
        assert found is not None
        listed = expected[:5]
        for position, char in listed:
            assert f"U+{ord(char):04X}" in found.en and f"at position {position}" in found.en
            assert f"第{position}个字符" in found.zh
        assert found.en.count("at position") == len(listed)
