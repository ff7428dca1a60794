"""The demand-workbook reader: messy real-world layouts and every validation rule.

Workbooks are built cell by cell with openpyxl here, independently of the project's own writer.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from allocator.cli import main
from allocator.credit_code import check_character
from allocator.errors import InputError
from allocator.submissions import read_submissions

HEADER = ["统一社会信用代码", "单位名称", "单位类型", "申报人数合计"]
BAIDU = "91110000802100433B"
BOC = "911000001000013428"
ICBC = "91100000100003962T"


def workbook(path: Path, rows: list[list[object]], *, sheet: str = "需求申报",
             before: list[list[object]] | None = None) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in (before or []):
        ws.append(row)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def codes(result) -> list[tuple[str, int | None, str | None]]:
    return [(i.code, i.row, i.column) for i in result.issues]


def test_minimal_clean_workbook(tmp_path):
    path = workbook(tmp_path / "d.xlsx", [HEADER, [BAIDU, "百度", "企业", 12],
                                          [BOC, "中国银行", "企业", 150]])
    result = read_submissions(path)
    assert result.ok and result.issues == []
    assert list(result.frame["row"]) == [2, 3]
    assert list(result.frame["demand_total"]) == [12, 150]
    assert list(result.frame["status"]) == ["normal", "normal"]  # blank means normal
    assert list(result.frame["negative_list"]) == ["none", "none"]
    assert list(result.frame["top100"]) == [False, False]
    assert list(result.frame["sector"]) == ["other", "other"]
    assert result.header_row == 1 and result.sheet == "需求申报"


def test_a_control_character_in_a_name_is_an_error_shown_escaped(tmp_path, capsys):
    # Excel keeps a control character as _x0007_; the reader decodes it. It is refused, and
    # the report shows it as \x07 (an ESC would otherwise steer the planner's terminal).
    path = workbook(tmp_path / "d.xlsx", [HEADER, [BAIDU, "百度_x0007_在线_x001B_[2J", "企业", 12]])
    result = read_submissions(path)
    assert codes(result) == [("text_control", 2, "单位名称")]
    assert result.issues[0].value == "百度\\x07在线\\x1b[2J"
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr()
    assert "\x1b" not in out.out + out.err and "\\x1b[2J" in out.out + out.err


def test_title_rows_merged_cells_and_notes_above_the_header(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"] = "2027年度工作居住证办证需求汇总表"
    ws.merge_cells("A1:F1")
    ws["A2"] = "填报单位：东城区人力资源和社会保障局    单位：人"
    ws.merge_cells("A2:F2")
    for col, title in enumerate(HEADER, start=1):
        ws.cell(row=4, column=col, value=title)
    ws.append([BAIDU, "百度", "企业", 12])
    path = tmp_path / "titled.xlsx"
    book.save(path)
    result = read_submissions(path)
    assert result.ok, result.issues
    assert result.header_row == 4
    assert list(result.frame["row"]) == [5]
    assert result.plan_year == 2027  # from the title


def test_english_headers_any_order_aliases_and_unknown_columns(tmp_path):
    path = workbook(tmp_path / "en.xlsx", [
        ["Employer name", "备注", "Demand: total", "Unified social credit code", "UNIT TYPE",
         "申报人数（高级管理人员）", "Industry code"],
        ["Baidu", "联系人：张三", 12, BAIDU, "enterprise", 2, "I6510"],
    ])
    result = read_submissions(path)
    assert result.ok, result.issues
    row = result.frame.iloc[0]
    assert (row["name"], row["credit_code"], row["demand_total"]) == ("Baidu", BAIDU, 12)
    assert row["demand_senior"] == 2
    assert row["备注"] == "联系人：张三"  # carried through untouched
    assert result.extra_columns == ["备注"]
    assert row["sector"] == "information"  # a blank sector follows the industry code (I)


def test_full_width_padded_and_text_typed_values_are_normalised(tmp_path):
    path = workbook(tmp_path / "fw.xlsx", [
        [*HEADER, "近一年流失率", "区级百强企业", "申报日期", "重点支持类别"],
        ["９１１１００００８０２１００４３３Ｂ", "  百度  ", " 企业 ", "１２", "１２％", "是",
         "2026年10月15日", "一、三"],
    ])
    result = read_submissions(path)
    assert result.ok, result.issues
    row = result.frame.iloc[0]
    assert row["credit_code"] == BAIDU
    assert row["name"] == "百度"
    assert row["demand_total"] == 12
    assert row["attrition_rate"] == Decimal("0.12")
    assert row["top100"] is True
    assert row["submitted_on"] == date(2026, 10, 15)
    assert row["categories"] == (1, 3)


def test_totals_row_is_ignored_with_a_warning(tmp_path):
    path = workbook(tmp_path / "t.xlsx", [HEADER, [BAIDU, "百度", "企业", 12],
                                          ["合计", None, None, 12]])
    result = read_submissions(path)
    assert result.ok
    assert len(result) == 1
    assert codes(result) == [("totals_row_ignored", 3, None)]


def test_an_employer_named_total_is_not_a_totals_row(tmp_path):
    path = workbook(tmp_path / "t.xlsx", [["单位名称", *HEADER[:1], *HEADER[2:]],
                                          ["Total", BAIDU, "企业", 12],
                                          ["合计", None, None, 12]])
    result = read_submissions(path)
    assert list(result.frame["name"]) == ["Total"]
    assert codes(result) == [("totals_row_ignored", 3, None)]


def test_the_named_sheet_wins_over_the_first(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active["A1"] = "请填写第二个工作表"
    ws = book.create_sheet("需求申报")
    ws.append(HEADER)
    ws.append([BAIDU, "百度", "企业", 12])
    path = tmp_path / "two.xlsx"
    book.save(path)
    result = read_submissions(path)
    assert result.ok and result.sheet == "需求申报" and len(result) == 1


def test_every_problem_is_reported_at_once_with_row_and_column(tmp_path):
    path = workbook(tmp_path / "bad.xlsx", [
        [*HEADER, "近一年流失率"],
        [BAIDU, "百度", "企业", 12, "abc"],
        [BOC[:-1] + "9", "中国银行", "有限公司", 1.5, None],
        [None, "无代码", "企业", 3, None],
    ])
    result = read_submissions(path)
    assert not result.ok
    assert set(codes(result)) == {
        ("number_text", 2, "近一年流失率"),
        ("credit_code_check", 3, "统一社会信用代码"),
        ("enum_unknown", 3, "单位类型"),
        ("count_fraction", 3, "申报人数合计"),
        ("required_blank", 4, "统一社会信用代码"),
    }
    assert all(i.sheet == "需求申报" and i.file == "bad.xlsx" for i in result.issues)
    assert all(i.message.zh and i.message.en for i in result.issues)


def test_duplicate_codes_after_normalisation(tmp_path):
    path = workbook(tmp_path / "dup.xlsx", [HEADER, [BAIDU, "百度", "企业", 12],
                                            [BOC, "中国银行", "企业", 3],
                                            [BAIDU.lower(), "百度（重复）", "企业", 5]])
    result = read_submissions(path)
    [problem] = result.errors
    assert (problem.code, problem.row) == ("credit_code_duplicate", 4)
    assert "2" in problem.message.zh and "row 2" in problem.message.en


@pytest.mark.parametrize(("parts", "total", "expected"), [
    ((2, 3, 7), 12, []),
    ((2, 3, 6), 12, [("demand_parts_sum", "error")]),
    ((2, None, None), 12, [("demand_parts_missing", "warning")]),
    ((20, None, None), 12, [("demand_parts_exceed", "error")]),
    ((None, None, None), 12, []),
])
def test_demand_parts_rules(tmp_path, parts, total, expected):
    header = [*HEADER[:3], "申报人数_高级管理人员", "申报人数_业务骨干", "申报人数_其他人才",
              "申报人数合计"]
    path = workbook(tmp_path / "p.xlsx", [header, [BAIDU, "百度", "企业", *parts, total]])
    result = read_submissions(path)
    assert [(i.code, i.severity.value) for i in result.issues] == expected


def test_top100_without_parts_warns(tmp_path):
    path = workbook(tmp_path / "t.xlsx", [[*HEADER, "区级百强企业"],
                                          [BAIDU, "百度", "企业", 12, "是"],
                                          [BOC, "中国银行", "企业", 12, "否"]])
    result = read_submissions(path)
    assert result.ok
    assert codes(result) == [("demand_parts_top100", 2, "申报人数_高级管理人员")]


def test_prior_used_above_prior_quota_warns(tmp_path):
    path = workbook(tmp_path / "q.xlsx", [[*HEADER, "上年度分配指标", "上年度实际使用"],
                                          [BAIDU, "百度", "企业", 12, 10, 11],
                                          [BOC, "中国银行", "企业", 12, 10, 10]])
    result = read_submissions(path)
    assert result.ok
    assert codes(result) == [("prior_used_above_quota", 2, "上年度实际使用")]


def test_submission_outside_q4_of_the_year_before_the_plan_year_warns(tmp_path):
    path = workbook(tmp_path / "d.xlsx", [[*HEADER, "申报日期"],
                                          [BAIDU, "百度", "企业", 12, "2026-10-01"],
                                          [BOC, "中国银行", "企业", 12, "2026-12-31"],
                                          [ICBC, "工商银行", "企业", 12, "2026-09-30"]])
    result = read_submissions(path, plan_year=2027)
    assert result.ok
    assert codes(result) == [("date_outside_q4", 4, "申报日期")]
    # Without a plan year the reader infers it from the most common submission year.
    assert read_submissions(path).plan_year == 2027


def test_formulas_are_refused_not_trusted(tmp_path):
    path = workbook(tmp_path / "f.xlsx", [HEADER, [BAIDU, "百度", "企业", "=5+7"]])
    result = read_submissions(path)
    assert codes(result) == [("formula", 2, "申报人数合计")]


def test_excel_error_values_are_refused(tmp_path):
    path = workbook(tmp_path / "e.xlsx", [HEADER, [BAIDU, "百度", "企业", "#N/A"]])
    assert codes(read_submissions(path)) == [("excel_error", 2, "申报人数合计")]


def test_missing_and_duplicate_headers(tmp_path):
    path = workbook(tmp_path / "h.xlsx", [["统一社会信用代码", "单位名称", "Employer name"],
                                          [BAIDU, "百度", "百度"]])
    result = read_submissions(path)
    assert {i.code for i in result.errors} == {"header_duplicate", "header_missing"}
    missing = {i.column for i in result.errors if i.code == "header_missing"}
    assert missing == {"单位类型", "申报人数合计"}


def test_no_header_and_no_data(tmp_path):
    nothing = workbook(tmp_path / "n.xlsx", [["hello", "world"], [1, 2]])
    unread = read_submissions(nothing)
    assert [i.code for i in unread.issues] == ["header_not_found"]
    # No row, but every column a plan reads is there (the app and the checks read them).
    assert len(unread.frame) == 0
    assert {"row", "credit_code", "name", "demand_total"} <= set(unread.frame.columns)
    assert str(unread.frame["row"].dtype) == "int64"
    header_only = workbook(tmp_path / "h.xlsx", [HEADER])
    assert [i.code for i in read_submissions(header_only).issues] == ["no_data"]


@pytest.mark.parametrize(("content", "code"), [
    (b"", "file_empty"),
    ("统一社会信用代码,单位名称\n".encode(), "file_not_xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "file_ole"),
    (b"PK\x03\x04 this is not really a zip", "file_not_xlsx"),
])
def test_files_that_are_not_workbooks(tmp_path, content, code):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    result = read_submissions(path)
    assert [i.code for i in result.issues] == [code]
    assert result.issues[0].file == "x.xlsx"


def test_missing_file(tmp_path):
    assert [i.code for i in read_submissions(tmp_path / "none.xlsx").issues] == ["file_missing"]


def test_blank_rows_between_data_are_skipped(tmp_path):
    path = workbook(tmp_path / "b.xlsx", [HEADER, [BAIDU, "百度", "企业", 12], [],
                                          [BOC, "中国银行", "企业", 3]])
    result = read_submissions(path)
    assert result.ok and list(result.frame["row"]) == [2, 4]


def test_validate_command_exit_codes_and_json(tmp_path, capsys):
    good = workbook(tmp_path / "good.xlsx", [HEADER, [BAIDU, "百度", "企业", 12]])
    assert main(["validate", str(good), "--json", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert (report["rows"], report["errors"], report["ok"]) == (1, 0, True)
    bad = workbook(tmp_path / "bad.xlsx", [HEADER, [BAIDU, "百度", "企业", -1]])
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "申报人数合计" in err and "不能为负数" in err and "Must not be negative" in err
    assert "Traceback" not in err


def test_a_flood_of_problems_is_counted_not_listed(tmp_path):
    from allocator.submissions import MAX_LISTED_ISSUES

    rows = [HEADER] + [[BAIDU[:-1] + "0", f"单位{i}", "未知", -1] for i in range(600)]
    result = read_submissions(workbook(tmp_path / "flood.xlsx", rows))
    # 600 rows × (check character, unit type, negative count) = 1800 problems; a code that
    # fails its check is not compared for duplicates.
    assert len(result.issues) == MAX_LISTED_ISSUES + 1
    last = result.issues[-1]
    assert last.code == "too_many" and last.is_error
    assert str(3 * 600 - MAX_LISTED_ISSUES) in last.message.zh


def test_a_cell_reads_the_same_whatever_the_other_rows_hold(tmp_path):
    """The reader parses each distinct value of a column once: 1, True and 1.0 are equal in
    Python but distinct cells, so mixing them must not change how any one of them reads."""
    values = [1, True, 0, False, "1", 1.5, "是", None, 2, 1.0]
    header = [*HEADER, "区级百强企业"]
    codes_ = [f"9111000080210{n:04d}" + check_character(f"9111000080210{n:04d}")
              for n in range(len(values))]
    mixed = read_submissions(workbook(tmp_path / "mixed.xlsx", [header, *[
        [codes_[n], f"单位{n}", "企业", v, v] for n, v in enumerate(values)]]))
    assert mixed.errors  # True, 1.5 and 是 are no counts
    for n, value in enumerate(values):
        alone = read_submissions(workbook(tmp_path / f"alone{n}.xlsx", [
            header, [codes_[n], f"单位{n}", "企业", value, value]]))
        assert [(i.code, i.column) for i in mixed.issues if i.row == n + 2] == \
            [(i.code, i.column) for i in alone.issues], value
        for key in ("demand_total", "top100"):
            assert repr(mixed.frame[key][n]) == repr(alone.frame[key][0]), (value, key)


# -- mutation survivors (docs/mutation.md) ----------------------------------------------------
PARTS_HEADER = [*HEADER[:3], "申报人数_高级管理人员", "申报人数_业务骨干", "申报人数_其他人才",
                "申报人数合计"]


def test_a_parts_error_names_its_row_and_the_total_column(tmp_path):
    path = workbook(tmp_path / "p.xlsx", [PARTS_HEADER, [BAIDU, "百度", "企业", 1, 1, 1, 12],
                                          [BOC, "中国银行", "企业", 2, 3, 6, 12]])
    # Parts 1 + 1 + 1 = 3 and 2 + 3 + 6 = 11, neither the total 12.
    found = read_submissions(path)
    assert codes(found) == [("demand_parts_sum", 2, "申报人数合计"),
                            ("demand_parts_sum", 3, "申报人数合计")]
    assert [i.value for i in found.issues] == ["12", "12"]
    assert found.issues[1].message.en == "Total demand (12) differs from the sum of its parts (11)."


def test_a_refused_part_elsewhere_does_not_hide_a_missing_part_hint(tmp_path):
    # Row 2's senior count is refused (text); row 3 leaves two parts blank: it still gets its
    # hint, naming the two blank columns in both languages.
    path = workbook(tmp_path / "p.xlsx", [PARTS_HEADER,
                                          [BAIDU, "百度", "企业", "abc", 3, 7, 12],
                                          [BOC, "中国银行", "企业", 2, None, None, 12]])
    issues = read_submissions(path).issues
    assert [(i.code, i.row) for i in issues if i.row == 3] == [("demand_parts_missing", 3)]
    [hint] = [i for i in issues if i.code == "demand_parts_missing"]
    assert "缺：申报人数_业务骨干、申报人数_其他人才" in hint.message.zh
    assert "missing: Demand: key staff, Demand: other talent" in hint.message.en


def test_a_second_spelling_of_a_column_is_refused_naming_the_first(tmp_path):
    # "uscc" is an English spelling of 统一社会信用代码: the same column twice.
    path = workbook(tmp_path / "d.xlsx", [[*HEADER, "uscc"], [BAIDU, "百度", "企业", 12, BOC]])
    [found] = read_submissions(path).issues
    assert (found.code, found.row, found.column) == ("header_duplicate", 1, "uscc")
    assert "「统一社会信用代码」" in found.message.zh
    assert "'统一社会信用代码'" in found.message.en


def test_a_formula_in_a_part_is_refused_with_its_text_and_gives_no_missing_part_hint(tmp_path):
    path = workbook(tmp_path / "p.xlsx", [PARTS_HEADER,
                                          [BAIDU, "百度", "企业", "=1+1", 3, 7, 12]])
    issues = read_submissions(path).issues  # the senior count is not missing: it is refused
    assert [(i.code, i.row, i.column, i.value) for i in issues] == [
        ("formula", 2, "申报人数_高级管理人员", "=1+1")]


def test_prior_use_above_the_prior_quota_is_a_warning_naming_both(tmp_path):
    path = workbook(tmp_path / "p.xlsx", [[*HEADER, "上年度分配指标", "上年度实际使用"],
                                          [BAIDU, "百度", "企业", 12, 5, 7]])
    [found] = read_submissions(path).issues
    assert (found.code, found.row, found.column) == ("prior_used_above_quota", 2, "上年度实际使用")
    assert "Prior-year used (7) exceeds the prior-year quota (5)" in found.message.en


# -- mutation survivors, third sample (docs/mutation.md) -------------------------------------
def test_raise_for_errors_raises_exactly_the_errors(tmp_path):
    path = workbook(tmp_path / "d.xlsx", [HEADER, [BAIDU, "百度", "企业", 12],
                                          [BOC, "中国银行", "企业", -3]])
    result = read_submissions(path)
    assert not result.ok
    with pytest.raises(InputError) as caught:
        result.raise_for_errors()
    assert caught.value.issues == result.errors
    assert [(i.row, i.column) for i in caught.value.issues] == [(3, "申报人数合计")]
    clean = read_submissions(workbook(tmp_path / "ok.xlsx", [HEADER, [BAIDU, "百度", "企业", 12]]))
    assert clean.raise_for_errors() is clean


def test_an_attrition_rate_of_1_is_warned_about_with_the_value_typed(tmp_path):
    header = [*HEADER, "近一年流失率"]
    path = workbook(tmp_path / "r.xlsx", [header, [BAIDU, "百度", "企业", 12, 1],
                                          [BOC, "中国银行", "企业", 150, "1%"]])
    found = read_submissions(path)
    assert [(i.code, i.row, i.column, i.value) for i in found.warnings] == [
        ("rate_one", 2, "近一年流失率", "1")]
    assert list(found.frame["attrition_rate"]) == [1, Decimal("0.01")]
