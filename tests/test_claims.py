"""Tests for ``allocator apportion CLAIMS.csv`` (allocator/claims.py) through the real CLI.

Expected allocations are worked by hand in the comments; bad input must end in exit code 2 with
the row and column named on stderr and no traceback.
"""

from __future__ import annotations

import csv
import os
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from allocator.claims import parse_number, read_claims, run_apportion
from allocator.cli import main
from allocator.errors import InputError


def write(tmp_path: Path, content: str | bytes, name: str = "claims.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main(["apportion", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def rows(out: str) -> list[str]:
    return out.strip("\n").split("\n")


# -- good input -------------------------------------------------------------------------------
def test_default_is_sainte_lague_in_input_order(tmp_path, capsys):
    # Sainte-Laguë, 7 seats, claims 53:24:23 — v/(k+½): A 106 35.3 21.2 | B 48 16 | C 46 15.33,
    # next would be A's 15.14: A 3, B 2, C 2.
    path = write(tmp_path, "name,weight\n甲公司,53\n乙公司,24\n丙公司,23\n")
    code, out, err = run(capsys, path, "--total", 7)
    assert code == 0
    assert rows(out) == ["name,allocation", "甲公司,3", "乙公司,2", "丙公司,2"]
    assert err == ""


def test_methods_and_aliases(tmp_path, capsys):
    # D'Hondt v/(k+1): A 53 26.5 17.67 13.25 | B 24 12 | C 23: A 4, B 2, C 1.
    path = write(tmp_path, "name,weight\nA,53\nB,24\nC,23\n")
    for method in ("dhondt", "jefferson", "D'Hondt"):
        code, out, _ = run(capsys, path, "--total", 7, "--method", method)
        assert code == 0 and rows(out)[1:] == ["A,4", "B,2", "C,1"]
    # Hamilton: quotas 3.71 1.68 1.61 → 3 1 1 + two largest remainders (.71, .68) → 4 2 1.
    code, out, _ = run(capsys, path, "--total", 7, "--method", "hamilton")
    assert rows(out)[1:] == ["A,4", "B,2", "C,1"]
    code, out, _ = run(capsys, path, "--total", 7, "--method", "webster")
    assert rows(out)[1:] == ["A,3", "B,2", "C,2"]


def test_bom_quotes_duplicates_blank_lines_and_extra_columns(tmp_path, capsys):
    # Excel's "CSV UTF-8" starts with a byte order mark; names may hold commas (quoted) and
    # repeat; unknown columns are ignored; blank lines are not rows.
    content = ("\ufeffName,note,Weight\n"
               '"北京某某科技有限公司, 海淀分公司",x,1\n'
               "\n"
               "dup,,1\n"
               "dup,,2\n")
    path = write(tmp_path, content.encode("utf-8"))
    code, out, _ = run(capsys, path, "--total", 4, "--method", "dhondt")
    # D'Hondt 1:1:2 → 2 (2/1), 1 (1/1) ×2 tie with 2/2 = 1 … 4 seats: dup₂ 2, then three
    # seats of priority 1 for rows 2, 4 and dup₂'s second seat: all three fit, no tie.
    assert code == 0
    assert rows(out) == ["name,allocation", '"北京某某科技有限公司, 海淀分公司",1', "dup,1",
                         "dup,2"]


def test_bounds_and_the_floor(tmp_path, capsys):
    # D'Hondt 7 seats; A at most 2, C at least 2 (min column), and --min 1 for everyone:
    # A 53 26.5 | B 24 12 8 6 | C from its 3rd seat 7.67 5.75 | D (weight 1) gets its floor 1.
    # Lower bounds C 2, D 1, A 1, B 1 = 5; 2 more seats: A's 2nd (26.5), B's 2nd (12).
    path = write(tmp_path, "name,weight,min,max\nA,53,,2\nB,24,,\nC,23,2,\nD,1,,\n")
    code, out, _ = run(capsys, path, "--total", 7, "--method", "dhondt", "--min", 1)
    assert code == 0
    assert rows(out)[1:] == ["A,2", "B,2", "C,2", "D,1"]


def test_weights_are_read_exactly(tmp_path, capsys):
    # 10**17 + 1 and 1e17 are the same double but not the same number: the larger one wins
    # the single seat outright, with no tie to report.
    path = write(tmp_path, "name,weight\nround,1e17\nexact,100000000000000001\n")
    code, out, err = run(capsys, path, "--total", 1)
    assert code == 0 and rows(out)[1:] == ["round,0", "exact,1"]
    assert err == ""
    assert parse_number("1,234.5") == Fraction(2469, 2)
    assert parse_number("３/２") == parse_number("1.5") == parse_number("15e-1")
    assert parse_number(" 0.1 ") == Fraction(1, 10)


def test_exact_tie_is_broken_by_input_order_and_reported(tmp_path, capsys):
    # 3/2 and 1.5 are the same claim: one seat, row 2 (earlier) wins; both languages say so.
    path = write(tmp_path, "name,weight\n东方公司,3/2\n西方公司,1.5\n")
    code, out, err = run(capsys, path, "--total", 1)
    assert code == 0
    assert rows(out)[1:] == ["东方公司,1", "西方公司,0"]
    assert "第2、3行" in err and "输入顺序" in err and "东方公司" in err
    assert "rows 2, 3" in err and "input order" in err and "row(s) 2" in err


def test_hamilton_tie_and_surplus_warnings(tmp_path):
    path = write(tmp_path, "name,weight,max\nA,1,\nB,1,\nC,0,0\n")
    output = run_apportion(path, total=3, method="hamilton", minimum=0)
    assert output.csv.splitlines()[1:] == ["A,2", "B,1", "C,0"]
    assert len(output.warnings) == 1 and "余数" in output.warnings[0].zh
    assert "remainders" in output.warnings[0].en
    capped = write(tmp_path, "name,weight,max\nA,1,2\nB,1,1\n", "capped.csv")
    output = run_apportion(capped, total=5, method="sainte-lague", minimum=0)
    assert output.csv.splitlines()[1:] == ["A,2", "B,1"]
    assert [w.en for w in output.warnings] == [
        "The total is 5, but the rows' maxima allow only 3: 2 remain unallocated."]
    assert "2个未分配" in output.warnings[0].zh


def test_us_house_2020_from_a_csv(tmp_path, capsys):
    from test_methods import STATES, US_2020_POPULATION, US_2020_SEATS

    lines = ["name,weight", *(f"{s},{p}" for s, p in zip(STATES, US_2020_POPULATION,
                                                          strict=True))]
    path = write(tmp_path, "\n".join(lines) + "\n")
    code, out, _ = run(capsys, path, "--total", 435, "--method", "hill", "--min", 1)
    assert code == 0
    assert rows(out)[1:] == [f"{s},{n}" for s, n in zip(STATES, US_2020_SEATS, strict=True)]


# -- bad input --------------------------------------------------------------------------------
BAD_ROWS = [
    # (content, expected (row, column) pairs, a word of the English message)
    ("name,weight\nA,\n", [(2, "weight")], "blank"),
    ("name,weight\nA,abc\n", [(2, "weight")], "number"),
    ("name,weight\nA,-3\n", [(2, "weight")], "negative"),
    ("name,weight\nA,inf\n", [(2, "weight")], "number"),
    ("name,weight\nA,1e999\n", [(2, "weight")], "number"),
    ("name,weight\nA,50%\n", [(2, "weight")], "number"),
    ("name,weight\nA,1/0\n", [(2, "weight")], "number"),
    ("name,weight\n,1\n", [(2, "name")], "name is blank"),
    ("name,weight,min,max\nA,1,3,2\n", [(2, "max")], "exceeds the maximum"),
    ("name,weight,min\nA,1,1.5\n", [(2, "min")], "whole number"),
    ("name,weight,max\nA,1,-1\n", [(2, "max")], "negative"),
    ("name,weight,max\nA,1,x\n", [(2, "max")], "whole number"),
    ("name,weight,max\nA,1,1e13\n", [(2, "max")], "Too large"),
    ("name,weight\nA,1,2\n", [(2, None)], "more fields"),
    ("name,weight\nA,1\nB,x\nC,\n,-1\n",
     [(3, "weight"), (4, "weight"), (5, "name"), (5, "weight")], "weight"),
    ("name\nA\n", [(1, "weight")], "missing"),
    ("weight,名称,Name\n1,A,A\n", [(1, "Name")], "same as"),
]


@pytest.mark.parametrize(("content", "where", "word"), BAD_ROWS)
def test_bad_rows_name_row_and_column(tmp_path, capsys, content, where, word):
    path = write(tmp_path, content)
    with pytest.raises(InputError) as info:
        run_apportion(path, total=3, method="sainte-lague", minimum=0)
    issues = info.value.issues
    assert [(i.row, i.column) for i in issues] == where
    assert all(i.file == str(path) for i in issues)
    assert any(word in i.message.en for i in issues)
    assert all(i.message.zh != i.message.en for i in issues)
    code, out, err = run(capsys, path, "--total", 3)
    assert code == 2 and out == "" and "Traceback" not in err
    for row, column in where:
        assert str(row) in err and (column is None or column in err)


def test_issue_values_are_shown(tmp_path):
    path = write(tmp_path, "name,weight\nA,abc\n")
    with pytest.raises(InputError) as info:
        run_apportion(path, total=3, method="sainte-lague", minimum=0)
    assert info.value.issues[0].value == "abc"


@pytest.mark.parametrize(("content", "word_zh", "word_en"), [
    (b"", "\u7a7a", "empty"),
    (b"name,weight\n", "没有任何数据行", "no data rows"),
    ("name,weight\n甲,1\n".encode("gbk"), "UTF-8", "UTF-8"),
    (b"name;weight\nA;1\n", "分号", "semicolons"),
])
def test_bad_files(tmp_path, capsys, content, word_zh, word_en):
    path = write(tmp_path, content)
    code, out, err = run(capsys, path, "--total", 3)
    assert code == 2 and out == "" and "Traceback" not in err
    assert word_zh in err and word_en in err


def test_not_utf8_names_the_line(tmp_path):
    path = write(tmp_path, "name,weight\nA,1\n乙,2\n".encode("gbk"))
    with pytest.raises(InputError) as info:
        read_claims(path)
    assert info.value.issues[0].row == 3


def test_missing_file_and_directory(tmp_path, capsys):
    code, _, err = run(capsys, tmp_path / "nope.csv", "--total", 3)
    assert code == 2 and "nope.csv" in err and "not found" in err and "Traceback" not in err
    code, _, err = run(capsys, tmp_path, "--total", 3)
    assert code == 2 and "Not a file" in err


@pytest.mark.parametrize(("args", "column", "word"), [
    (["--total", "-1"], "--total", "negative"),
    (["--total", "3", "--method", "borda"], "--method", "hamilton"),
    (["--total", "3", "--min", "-1"], "--min", "negative"),
    (["--total", "1", "--min", "1"], "min", "more than the total"),
    (["--total", str(10**13)], "--total", "too large"),
])
def test_bad_arguments(tmp_path, capsys, args, column, word):
    path = write(tmp_path, "name,weight\nA,1\nB,2\n")
    code, out, err = run(capsys, path, *args)
    assert code == 2 and out == "" and "Traceback" not in err
    assert column in err and word in err


def test_floor_above_a_rows_maximum(tmp_path, capsys):
    path = write(tmp_path, "name,weight,max\nA,1,0\nB,2,\n")
    code, _, err = run(capsys, path, "--total", 5, "--min", 1)
    assert code == 2 and "--min 1" in err and "max" in err and "2" in err


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "name,weight\nA,x\nB,-1\n")
    with pytest.raises(InputError) as info:
        run_apportion(path, total=-1, method="nope", minimum=0)
    columns = [i.column for i in info.value.issues]
    assert columns == ["--method", "--total", "weight", "weight"]


def test_a_non_integer_total_is_a_usage_error(tmp_path, capsys):
    path = write(tmp_path, "name,weight\nA,1\n")
    with pytest.raises(SystemExit) as info:
        main(["apportion", str(path), "--total", "three"])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


# -- fuzzing ----------------------------------------------------------------------------------
CELLS = ["", "0", "1", "7", "-1", "2.5", "1/3", "1e3", "nan", "inf", "1e400", "9" * 40, "abc",
         "１２", " 3 ", "=1+1", '"5"', "0.000001"]
GOOD = {"name": ["A", "B", "东城", "=cmd", ""], "weight": ["1", "7", "2.5", "1/3", "1e3", "0"],
        "min": ["", "0", "1", "3"], "max": ["", "2", "5", "40"]}


@st.composite
def claim_files(draw: st.DrawFn) -> list[list[str]]:
    header = draw(st.sampled_from([["name", "weight"], ["name", "weight", "min"],
                                   ["weight", "name", "max", "min"]])
                  | st.lists(st.sampled_from(["name", "weight", "min", "max", "x", ""]),
                             min_size=1, max_size=5))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        rows.append([draw(st.sampled_from(CELLS) | st.text(max_size=6))
                     if draw(st.integers(1, 6)) == 1 or column not in GOOD
                     else draw(st.sampled_from(GOOD[column])) for column in header])
    return [header, *rows]


@settings(deadline=None, max_examples=int(os.environ.get("FUZZ_EXAMPLES", "0")) or 150,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=claim_files(), total=st.integers(0, 50), method=st.sampled_from(
           ["sainte-lague", "dhondt", "hill", "adams", "dean", "hamilton"]),
       minimum=st.integers(0, 3))
def test_any_csv_ends_in_an_apportionment_or_input_errors(tmp_path, lines, total, method,
                                                          minimum):
    path = tmp_path / "fuzz.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(lines)
    try:
        output = run_apportion(path, total, method, minimum)
    except InputError as refused:
        assert refused.issues and all(i.message.zh and i.message.en for i in refused.issues)
        event("refused")
        return
    event("apportioned")
    assert output.result is not None
    allocated = list(output.result.seats)
    assert len(allocated) == len(output.claims) and sum(allocated) <= total
    assert all(seats >= minimum or (c.maximum is not None and seats == c.maximum)
               for seats, c in zip(allocated, output.claims, strict=True))
