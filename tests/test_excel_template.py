"""The demand workbook writer: template structure, rendering, round trip, hostile text."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string

from allocator import credit_code, excel
from allocator.excel import (
    PRINTED_LINES,
    ListSource,
    plain_header,
    write_demand_workbook,
    write_template,
)
from allocator.sample import generate
from allocator.schema import COLUMNS, Kind
from allocator.submissions import read_submissions

GUIDE_HEADERS = ["中文表头", "English header", "必填/选填", "说明", "Explanation", "依据条款",
                 "可选值"]
HOSTILE_NAMES = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "=1+2", "#N/A",
                 "-=cmd|' /C calc'!A0"]


def position(key: str) -> int:
    return next(i for i, c in enumerate(COLUMNS, start=1) if c.key == key)


def letter(key: str) -> str:
    return get_column_letter(position(key))


def code(number: int) -> str:
    return credit_code.complete(f"91110101{number:08d}0")


def validation_at(sheet, coordinate: str):
    found = [dv for dv in sheet.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(found) == 1, f"{coordinate}: {len(found)} validations"
    return found[0]


def list_values(book, formula: str) -> list[str]:
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet_name, cells = formula.split("!")
    sheet = book[sheet_name.strip("'")]
    first, last = (coordinate_from_string(c.replace("$", "")) for c in cells.split(":"))
    column = column_index_from_string(first[0])
    return [sheet.cell(row=r, column=column).value for r in range(first[1], last[1] + 1)]


def assert_same_frame(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal columns, values and Python types, cell by cell (Decimal written the same way)."""
    assert list(actual.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(actual.reset_index(drop=True), expected.reset_index(drop=True))
    for key in expected.columns:
        for row, (got, want) in enumerate(zip(actual[key], expected[key], strict=True)):
            assert type(got) is type(want) and repr(got) == repr(want), (key, row, got, want)


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                if name.startswith("xl/worksheets/")}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    write_template(path)
    return path


@pytest.fixture(scope="module")
def book(template):
    return openpyxl.load_workbook(template)


def edge_frame() -> pd.DataFrame:
    """Rows that between them use every choice, item and awkward value the schema allows."""
    rows = []
    unit_types = [c.code for c in COLUMNS[position("unit_type") - 1].choices]
    sectors = ["finance", "culture", "information", "other"]
    statuses = ["normal", "suspended", "terminated", "blacklisted"]
    negatives = ["none", "restricted", "prohibited"]
    rates = [Decimal("0"), Decimal("1"), Decimal("0.5"), Decimal("0.001"), Decimal("0.0833"),
             None, Decimal("0.1"), Decimal("0.35")]
    industries = ["J66", "R", "I6513", "L7231", None, "M7310", "J6621", "S9530"]
    for index, unit_type in enumerate(unit_types):
        parts = (index % 3, index, 2) if index % 4 else (None, None, None)
        top = index % 4 == 1
        total = sum(parts) if parts[0] is not None else 7
        rows.append({
            "credit_code": code(index + 1),
            "name": HOSTILE_NAMES[index] if index < len(HOSTILE_NAMES) else f"北京测试{index}公司",
            "unit_type": unit_type,
            "industry_code": industries[index % len(industries)],
            "sector": sectors[index % 4],
            "categories": tuple(range(1, 8)) if index == 0 else ((index % 7) + 1,) if index % 2
            else (),
            "top100": top,
            "demand_senior": parts[0], "demand_key_staff": parts[1], "demand_other": parts[2],
            "demand_total": total,
            "prior_quota": None if index == 3 else 10,
            "prior_used": None if index == 3 else index % 11,
            "attrition_rate": rates[index % len(rates)],
            "lost_within_3m": None if index == 3 else index % 3,
            "violations": tuple(range(1, 7)) if index == 2 else (4,) if index == 5 else (),
            "status": statuses[index % 4],
            "negative_list": negatives[index % 3],
            "positive_list": index % 3 == 1,
            "submitted_on": date(2026, 10, 1) + pd.Timedelta(days=index * 8).to_pytimedelta(),
        })
    return pd.DataFrame({c.key: pd.Series([r[c.key] for r in rows], dtype="object")
                         for c in COLUMNS})


# -- structure of the blank template ----------------------------------------------------------
def test_template_has_the_demand_sheet_then_the_instructions(book):
    # …then the blank applicant roster (docs/columns.md, tests/test_roster.py)
    assert book.sheetnames == ["需求申报", "填表说明", "申报人员名单"]
    assert book.active.title == "需求申报"


def test_headers_are_the_schema_columns_in_order_under_a_merged_title(book):
    sheet = book["需求申报"]
    # Plain headers: 申报人数（高级管理人员）, not the programmer's 申报人数_高级管理人员.
    assert [c.value for c in sheet[3]] == [plain_header(c.zh) for c in COLUMNS]
    assert "申报人数（高级管理人员）" in [c.value for c in sheet[3]]
    assert not any("_" in c.value for c in sheet[3])
    assert sheet["A1"].value == "东城区　　　　年度《北京市工作居住证》办证需求申报表"
    assert sheet.oddHeader.center.text == sheet["A1"].value  # on every printed page
    # The contact and seal line between the title and the headers.
    for field in ("填报单位（盖章）", "联系人", "联系电话", "填报日期"):
        assert field in sheet["A2"].value
    # The example row, then boxed lines to fill in on paper (inside the print area).
    assert sheet[f"{letter('name')}4"].value.startswith("【示例】")
    assert sheet.max_row == 4 + PRINTED_LINES
    assert all(sheet.cell(row=sheet.max_row, column=k).border.bottom.style
               for k in range(1, len(COLUMNS) + 1))
    assert sheet.print_area == f"'需求申报'!$A$1:${get_column_letter(len(COLUMNS))}$" \
        f"{4 + PRINTED_LINES}"


def test_headers_are_protected_and_data_cells_open(book):
    sheet = book["需求申报"]
    assert sheet.protection.sheet
    assert all(c.protection.locked for c in sheet[3])  # headers
    assert not any(c.protection.locked for c in sheet[5])  # a line to fill in
    assert not sheet.column_dimensions[letter("name")].protection.locked  # rows typed later
    # Filtering, sorting and adding rows stay allowed (False: not protected).
    assert not sheet.protection.autoFilter and not sheet.protection.insertRows


def test_the_year_goes_into_the_title(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(path, year=2027)
    sheet = openpyxl.load_workbook(path)["需求申报"]
    assert sheet["A1"].value == "东城区2027年度《北京市工作居住证》办证需求申报表"


def test_the_example_row_is_skipped_and_filled_rows_are_read(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(path, year=2027)
    book = openpyxl.load_workbook(path)
    sheet = book["需求申报"]
    example = [c.value for c in sheet[4]]
    filled = ["911101010000000000"[:17] + "0", "北京填报测试有限公司", *example[2:]]
    filled[0] = credit_code.complete("91110101MA0000001")
    for column, value in enumerate(filled, start=1):
        sheet.cell(row=5, column=column).value = value
    book.save(path)
    read = read_submissions(path)
    assert [(i.code, i.row) for i in read.issues] == [("example_row_ignored", 4)]
    assert read.frame["name"].tolist() == ["北京填报测试有限公司"]
    assert read.frame["demand_total"].tolist() == [5]


def test_header_is_styled_and_frozen_and_printable(book):
    sheet = book["需求申报"]
    for cell in sheet[3]:
        assert cell.font.b and cell.fill.fill_type == "solid" and cell.alignment.wrap_text
    column, row = coordinate_from_string(sheet.freeze_panes)
    assert row == 4  # everything from the header up stays in view
    assert column_index_from_string(column) >= 2  # and the name column
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4 in the OOXML paper-size table
    first, last = (int(n) for n in re.findall(r"\d+", sheet.print_title_rows))
    assert first <= 3 <= last
    # Two pages across, the credit code and name on both.
    assert sheet.page_setup.fitToWidth == 2 and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_cols == "$A:$B"


def test_columns_are_wide_enough(book):
    sheet = book["需求申报"]
    assert sheet.column_dimensions[letter("credit_code")].width >= 18
    assert sheet.column_dimensions[letter("name")].width >= 24
    for column in COLUMNS:
        assert sheet.column_dimensions[letter(column.key)].width >= 8


@pytest.mark.parametrize("column", [c for c in COLUMNS if c.kind in (Kind.ENUM, Kind.BOOL)],
                         ids=lambda c: c.key)
def test_enum_and_bool_columns_have_drop_downs_of_chinese_labels(book, column):
    sheet = book["需求申报"]
    rule = validation_at(sheet, f"{letter(column.key)}4")
    assert rule.type == "list"
    assert f"{letter(column.key)}500" in rule.sqref  # rows typed in later are covered too
    expected = [c.zh for c in column.choices] if column.kind is Kind.ENUM else ["是", "否"]
    assert list_values(book, rule.formula1) == expected
    assert rule.showErrorMessage and rule.error


def test_known_labels_in_the_drop_downs(book):
    sheet = book["需求申报"]
    unit_types = list_values(book, validation_at(sheet, f"{letter('unit_type')}4").formula1)
    assert {"企业", "律师事务所", "会计师事务所", "其他"} <= set(unit_types)
    assert list_values(book, validation_at(sheet, f"{letter('sector')}4").formula1) == [
        "金融", "文化", "信息服务", "其他"]
    assert list_values(book, validation_at(sheet, f"{letter('status')}4").formula1) == [
        "正常", "暂停", "终止", "黑名单"]


@pytest.mark.parametrize("column", [c for c in COLUMNS if c.kind is Kind.COUNT],
                         ids=lambda c: c.key)
def test_count_columns_take_whole_numbers_from_zero(book, column):
    rule = validation_at(book["需求申报"], f"{letter(column.key)}4")
    assert rule.type == "whole"
    assert (rule.operator, rule.formula1) in (("between", "0"), ("greaterThanOrEqual", "0"))
    assert rule.showErrorMessage


def test_rate_date_and_code_validation(book):
    sheet = book["需求申报"]
    rate = validation_at(sheet, f"{letter('attrition_rate')}4")
    assert (rate.type, rate.operator, rate.formula1, rate.formula2) == (
        "decimal", "between", "0", "1")
    day = validation_at(sheet, f"{letter('submitted_on')}4")
    assert day.type == "date"
    assert int(day.formula1) == (date(2000, 1, 1) - date(1899, 12, 30)).days
    uscc = validation_at(sheet, f"{letter('credit_code')}4")
    assert (uscc.type, uscc.formula1) == ("textLength", "18")


@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.key)
def test_every_column_prompts_in_chinese(book, column):
    rule = validation_at(book["需求申报"], f"{letter(column.key)}4")
    assert rule.showInputMessage
    assert rule.promptTitle == column.zh
    assert rule.prompt == column.help_zh
    if rule.type:
        assert re.search(r"[\u4e00-\u9fff]", rule.error)


def test_rows_typed_later_keep_codes_as_text(book):
    sheet = book["需求申报"]
    assert sheet.column_dimensions[letter("credit_code")].number_format == "@"
    assert "%" in sheet.column_dimensions[letter("attrition_rate")].number_format


def test_instructions_explain_every_column(book):
    sheet = book["填表说明"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[:7] == GUIDE_HEADERS)
    general = " ".join(str(v) for r in rows[:header] for v in r if v)
    for phrase in ("一行", "GB 32100-2015", "第四季度", "合计"):
        assert phrase in general
    listed = rows[header + 1: header + 1 + len(COLUMNS)]
    assert [r[0] for r in listed] == [plain_header(c.zh) for c in COLUMNS]
    for column, row in zip(COLUMNS, listed, strict=True):
        _, en, required, help_zh, help_en, article, choices = row[:7]
        assert en == column.en
        assert required.startswith("必填" if column.required else "选填")
        assert (help_zh, help_en) == (column.help_zh, column.help_en)
        if column.article:
            assert f"Art. {column.article}" in article and "条" in article
        else:
            assert article is None
        for choice in column.choices:
            assert choice.zh in choices and choice.en in choices
    categories = listed[position("categories") - 1][6]
    assert "一、独角兽" in categories and "七、" in categories


def test_template_reads_back_as_a_header_without_rows(template):
    submissions = read_submissions(template)
    assert submissions.header_row == 3
    assert [i.code for i in submissions.issues] == ["no_data", "example_row_ignored"]


# -- rendering of values ----------------------------------------------------------------------
def test_values_are_rendered_for_people(tmp_path):
    frame = edge_frame().iloc[[8]].copy()  # a law firm
    frame.iloc[0, position("categories") - 1] = (1, 3)
    frame.iloc[0, position("top100") - 1] = True
    frame.iloc[0, position("attrition_rate") - 1] = Decimal("0.125")
    frame.iloc[0, position("submitted_on") - 1] = date(2026, 10, 15)
    path = tmp_path / "one.xlsx"
    write_demand_workbook(path, frame)
    sheet = openpyxl.load_workbook(path)["需求申报"]

    def cell(key):
        return sheet[f"{letter(key)}3"]

    assert cell("unit_type").value == "律师事务所"
    assert cell("categories").value == "一、三"
    assert cell("violations").value is None
    assert cell("top100").value == "是"
    assert cell("status").value in ("正常", "暂停", "终止", "黑名单")
    assert cell("attrition_rate").value == 0.125 and "%" in cell("attrition_rate").number_format
    assert cell("submitted_on").value == datetime(2026, 10, 15)
    assert cell("submitted_on").number_format == "yyyy-mm-dd"
    assert cell("credit_code").data_type == "s" and cell("credit_code").number_format == "@"
    assert isinstance(cell("demand_total").value, int)
    assert sheet["A1"].value == "东城区2027年度《北京市工作居住证》办证需求申报表"


def test_an_explicit_title_and_year(tmp_path):
    path = tmp_path / "titled.xlsx"
    write_demand_workbook(path, title="自定义标题")
    assert openpyxl.load_workbook(path)["需求申报"]["A1"].value == "自定义标题"
    write_demand_workbook(path, year=2030)
    assert openpyxl.load_workbook(path)["需求申报"]["A1"].value.startswith("东城区2030年度")


def test_an_unknown_code_is_a_bug_not_a_label(tmp_path):
    frame = edge_frame().iloc[:1].copy()
    frame.iloc[0, position("unit_type") - 1] = "company"
    with pytest.raises(ValueError, match="unit_type"):
        write_demand_workbook(tmp_path / "bad.xlsx", frame)


# -- round trip -------------------------------------------------------------------------------
def test_generated_submissions_round_trip_exactly(tmp_path):
    frame = generate(employers=150, seed=11, year=2027)
    path = tmp_path / "demand.xlsx"
    write_demand_workbook(path, frame)
    submissions = read_submissions(path)
    assert submissions.issues == []
    assert submissions.plan_year == 2027
    assert_same_frame(submissions.frame.drop(columns="row"), frame)
    assert list(submissions.frame["row"]) == list(range(3, 3 + len(frame)))


def test_every_choice_and_awkward_value_round_trips(tmp_path):
    frame = edge_frame()
    path = tmp_path / "edge.xlsx"
    write_demand_workbook(path, frame)
    submissions = read_submissions(path)
    assert submissions.issues == []
    assert_same_frame(submissions.frame.drop(columns="row"), frame)


def test_a_read_frame_writes_back_to_the_same_frame(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_demand_workbook(first, generate(employers=40, seed=3))
    once = read_submissions(first).frame
    write_demand_workbook(second, once)  # carries `row`: not a schema column, not written
    twice = read_submissions(second).frame
    assert_same_frame(twice, once)


def test_hostile_names_stay_text(tmp_path):
    frame = edge_frame()
    path = tmp_path / "hostile.xlsx"
    write_demand_workbook(path, frame)
    for name, xml in sheet_xml(path).items():
        assert re.search(r"<f[\s>/]", xml) is None, name
        assert 't="e"' not in xml, name
    sheet = openpyxl.load_workbook(path)["需求申报"]
    names = [sheet.cell(row=r, column=position("name")) for r in range(3, 3 + len(frame))]
    for cell, hostile in zip(names, HOSTILE_NAMES, strict=False):
        assert cell.value == hostile and cell.data_type == "s"
        if hostile[0] in "=+-@":
            assert cell.quotePrefix  # editing the cell in Excel keeps it text
    read = read_submissions(path)
    assert read.issues == []
    assert list(read.frame["name"][: len(HOSTILE_NAMES)]) == HOSTILE_NAMES


def test_text_starting_with_a_tab_is_never_a_formula(tmp_path):
    book = openpyxl.Workbook()
    cell = excel.put(book.active, 1, 1, "\t=1+2")
    assert cell.data_type == "s" and cell.quotePrefix
    path = tmp_path / "tab.xlsx"
    excel.save_workbook(book, path)
    assert all(re.search(r"<f[\s>/]", xml) is None for xml in sheet_xml(path).values())
    assert openpyxl.load_workbook(path).active["A1"].value == "\t=1+2"


# -- drop-down lists too long to write inline -------------------------------------------------
def test_long_lists_go_to_a_hidden_sheet():
    book = openpyxl.Workbook()
    lists = ListSource(book)
    assert lists.formula(["是", "否"]) == '"是,否"'
    assert "下拉选项" not in book.sheetnames
    long = [f"第{i:02d}个很长很长的选项名称" for i in range(40)]
    formula = lists.formula(long)
    assert book["下拉选项"].sheet_state == "hidden"
    assert list_values(book, formula) == long
    comma = ["甲,乙", "丙"]
    assert list_values(book, lists.formula(comma)) == comma


def test_the_template_falls_back_to_hidden_lists(tmp_path, monkeypatch):
    monkeypatch.setattr(excel.styles, "INLINE_LIST_LIMIT", 10)
    path = tmp_path / "lists.xlsx"
    write_demand_workbook(path, generate(employers=20, seed=5))
    book = openpyxl.load_workbook(path)
    assert book["下拉选项"].sheet_state == "hidden"
    rule = validation_at(book["需求申报"], f"{letter('unit_type')}3")
    assert rule.formula1.startswith("'下拉选项'!")
    assert list_values(book, rule.formula1) == [c.zh for c in COLUMNS[position("unit_type") - 1]
                                                .choices]
    assert read_submissions(path).issues == []


def test_same_content_same_bytes(tmp_path):
    frame = generate(employers=30, seed=9)
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    write_demand_workbook(first, frame)
    write_demand_workbook(second, frame)
    assert first.read_bytes() == second.read_bytes()


def test_columns_missing_from_the_frame_are_left_blank(tmp_path):
    frame = edge_frame()[["credit_code", "name", "unit_type", "demand_total"]].iloc[6:9]
    path = tmp_path / "partial.xlsx"
    write_demand_workbook(path, frame)
    sheet = openpyxl.load_workbook(path)["需求申报"]
    assert [c.value for c in sheet[2]] == [plain_header(c.zh) for c in COLUMNS]
    assert all(sheet[f"{letter('top100')}{r}"].value is None for r in range(3, 6))
    read = read_submissions(path)
    assert read.issues == []
    assert list(read.frame["name"]) == list(frame["name"])
    assert set(read.frame["status"]) == {"normal"}  # the reader's default for a blank
