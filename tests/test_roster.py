"""The roster reader (docs/columns.md) and `--roster` on the command line: every problem named by
sheet, row, column and value; identities kept only masked and hashed; no full ID number in any
output, log or the store."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator.cli import main
from allocator.examples import credit_code, resident_id
from allocator.roster import (
    id_check_character,
    mask_id,
    mask_name,
    parse_person_id,
    read_roster,
    valid_resident_ids,
)

DEMAND_HEADER = ["统一社会信用代码", "单位名称", "单位类型", "申报人数_高级管理人员",
                 "申报人数_业务骨干", "申报人数_其他人才", "申报人数合计", "区级百强企业"]
ROSTER_HEADER = ["统一社会信用代码", "证件号码", "姓名", "人员类别", "入职日期", "本市固定住所",
                 "上年度应税收入", "符合条件项", "最高学位", "工作年限", "人才来源", "弄虚作假记录"]
SCENARIO = """[scenario]
name = "名单测试"
year = 2027
[cap]
annual = 20
[roster]
city_average_wage = 100000
reference_date = "2026-12-31"
"""


def person(number: int, employer: int, *, role: str = "其他人才", income: object = 200000,
           hired: str = "2020-03-01", residence: str = "是", conditions: str = "一",
           degree: str = "学士", years: object = 5, origin: str = "", falsified: str = "否",
           person_id: object = None) -> list[object]:
    return [credit_code(employer), resident_id(number) if person_id is None else person_id,
            f"王{number}红", role, hired, residence, income, conditions, degree, years, origin,
            falsified]


def write(path: Path, employers: list[list[object]], people: list[list[object]] | None,
          *, roster_path: Path | None = None, header: list[str] = ROSTER_HEADER) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "需求申报"
    sheet.append(DEMAND_HEADER)
    for row in employers:
        sheet.append(row)
    target = book
    if people is not None:
        if roster_path is not None:
            target = openpyxl.Workbook()
            names = target.active
            names.title = "Sheet1"
        else:
            names = book.create_sheet("申报人员名单")
        names.append(header)
        for row in people:
            names.append(row)
    book.save(path)
    if roster_path is not None:
        target.save(roster_path)
    return path


def firm(number: int, senior: int, key_staff: int, other: int, top100: str = "否") -> list:
    return [credit_code(number), f"单位{number}", "企业", senior, key_staff, other,
            senior + key_staff + other, top100]


# -- identities -------------------------------------------------------------------------------
def test_gb_11643_check_character_by_hand():
    # 11010519491231002X is the standard's own example: weighted sum 167, 167 mod 11 = 2 → X
    assert id_check_character("11010519491231002") == "X"
    assert parse_person_id("11010519491231002x") == "11010519491231002X"
    assert parse_person_id(" 110105 1949 1231 002X ") == "11010519491231002X"


def test_ids_checked_all_at_once_by_hand():
    ids = ["11010519491231002X",  # the standard's example
           "110105194912310021",  # wrong check character
           "110105194902300028",  # 30 February
           "110105200002290013",  # 29 February 2000, a leap year: weighted sum 130 → 3
           "110105190002290017",  # 1900 is no leap year (sum 137 → 7 is right)
           "11010500000101001X",  # year 0 (sum 57 → X is right)
           "11010519491231002x",  # not canonical: left to parse_person_id
           "110105194912310020 "]
    assert valid_resident_ids(ids) == {"11010519491231002X", "110105200002290013"}


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18)
       | st.builds(lambda body, year, month, day: f"{body}{year:04d}{month:02d}{day:02d}",
                   st.from_regex(r"\A[0-9]{6}\Z"), st.integers(0, 9999), st.integers(0, 13),
                   st.integers(0, 32)).flatmap(
           lambda head: st.sampled_from("0123456789X").map(
               lambda last: head + "123" + last)))
def test_ids_checked_all_at_once_agree_with_one_at_a_time(number):
    """The vectorised check accepts exactly the canonical IDs the one-by-one parser accepts
    unchanged (check character by GB 11643, a real birth date)."""
    from allocator.cells import CellError

    try:
        accepted = parse_person_id(number) == number and len(number) == 18 \
            and number[:17].isdigit()
    except CellError:
        accepted = False
    assert (number in valid_resident_ids([number])) == accepted


@pytest.mark.parametrize(("value", "code"), [
    ("110105194912310021", "roster.person_id_check"),
    ("110105194902300028", "roster.person_id_birth"),  # 30 February
    ("110105491231002", "roster.person_id_old"),
    ("11010519491231002", "roster.person_id_format"),
    (110105194912310020, "roster.person_id_not_text"),
    ("中文", "roster.person_id_format"),
])
def test_bad_resident_ids_are_refused(value, code):
    from allocator.cells import CellError

    with pytest.raises(CellError) as caught:
        parse_person_id(value)
    assert caught.value.code == code


def test_other_documents_are_accepted():
    assert parse_person_id("E12345678") == "E12345678"
    assert parse_person_id("h0123456789") == "H0123456789"


def test_masks():
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_name("张三明") == "张*明"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("张三") == "张*"
    assert mask_id("E12345678") == "E1*****78"


# -- the reader -------------------------------------------------------------------------------
def test_the_roster_sheet_of_the_demand_workbook(tmp_path):
    path = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 2)], [person(1, 1), person(2, 1)])
    roster = read_roster(path, separate=False)
    assert roster is not None and roster.ok, roster.issues
    assert roster.sheet == "申报人员名单"
    assert roster.frame["row"].tolist() == [2, 3]
    assert roster.frame["person_masked"].tolist() == [mask_id(resident_id(1)),
                                                      mask_id(resident_id(2))]
    assert roster.frame["name_masked"].tolist() == ["王*红", "王*红"]
    assert "person_id" not in roster.frame and "person_name" not in roster.frame
    assert resident_id(1) not in roster.frame.to_string()


@pytest.mark.parametrize("totals", [
    ["合计", None, None, None], [None, "合  计", None, None], ["Total", None, None, None]])
def test_a_totals_row_under_the_roster_is_ignored_with_a_warning(tmp_path, totals):
    """A roster with a 合计 row under the applicants (as offices add): the row, with no credit
    code and the word in one of its first cells, is not an applicant, and the reader says so,
    naming its row. A row with a credit code and a totals word as the name is an applicant."""
    people = [person(1, 1), person(2, 1), [*totals, None, None, None, 2, None, None, None, None]]
    named_total = person(3, 1)
    named_total[2] = "合计"
    path = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 3)], [*people, named_total])
    roster = read_roster(path, separate=False)
    assert roster is not None and not roster.errors, roster.issues
    assert roster.frame["row"].tolist() == [2, 3, 5]
    warned = [(i.code, i.row) for i in roster.issues if i.severity.name == "WARNING"]
    assert warned == [("totals_row_ignored", 4)]


def test_a_demand_workbook_without_the_sheet_has_no_roster(tmp_path):
    path = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 2)], None)
    assert read_roster(path, separate=False) is None


def test_english_headers_in_any_order(tmp_path):
    header = ["ID number", "credit code", "Name", "Role", "Hired on",
              "Fixed residence in Beijing", "Taxable income last year", "Conditions claimed"]
    row = person(1, 1)
    people = [[row[1], row[0], row[2], "key staff", row[4], "yes", row[6], "1"]]
    path = write(tmp_path / "d.xlsx", [firm(1, 0, 1, 0)], people, header=header)
    roster = read_roster(path, separate=False)
    assert roster.ok, roster.issues
    assert roster.frame.iloc[0]["role"] == "key_staff"
    assert roster.frame.iloc[0]["conditions"] == (1,)


def test_every_problem_is_named_and_no_id_is_shown_whole(tmp_path):
    bad_check = resident_id(3)[:17] + ("0" if resident_id(3)[17] != "0" else "1")
    people = [person(1, 1), person(1, 1), person(2, 9), person(3, 1, person_id=bad_check),
              person(4, 1, income="很多"), person(5, 1, role="实习生"),
              person(6, 1, hired="")]
    path = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 2)], people)
    code = main(["validate", str(path), "--json", str(tmp_path / "report.json")])
    assert code == 2
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    found = {(i["code"], i["row"], i["column"]) for i in report["issues"]}
    assert found >= {
        ("roster.person_id_duplicate", 3, "证件号码"),
        ("roster.person_id_check", 5, "证件号码"),
        ("number_text", 6, "上年度应税收入"),
        ("enum_unknown", 7, "人员类别"),
        ("required_blank", 8, "入职日期"),
    }
    assert all(i["sheet"] == "申报人员名单" for i in report["issues"])
    shown = {i["code"]: i["value"] for i in report["issues"]}
    assert shown["roster.person_id_check"] == mask_id(bad_check)
    assert shown["roster.person_id_duplicate"] == mask_id(resident_id(1))
    text = (tmp_path / "report.json").read_text(encoding="utf-8")
    for number in (1, 2, 3):
        assert resident_id(number) not in text
    assert bad_check not in text


def test_an_applicant_of_an_unknown_employer_is_an_error(tmp_path, capsys):
    path = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 2)], [person(1, 1), person(2, 9)])
    assert main(["validate", str(path), "--json", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert "申报人员名单" in err and credit_code(9) in err
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [(i["code"], i["sheet"], i["row"], i["column"], i["value"]) for i in
            report["issues"]] == [("roster.employer_unknown", "申报人员名单", 3,
                                   "统一社会信用代码", credit_code(9))]


def test_a_numeric_id_cell_is_refused(tmp_path, capsys):
    path = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 1)],
                 [person(1, 1, person_id=110101199003070011)])
    assert main(["validate", str(path)]) == 2
    assert "文本" in capsys.readouterr().err


# -- solve with a roster ----------------------------------------------------------------------
def solve_json(tmp_path: Path, demand: Path, *extra: str, scenario: str = SCENARIO) -> dict:
    (tmp_path / "s.toml").write_text(scenario, encoding="utf-8")
    out = tmp_path / "result.json"
    code = main(["solve", str(demand), "--scenario", str(tmp_path / "s.toml"),
                 "--json", str(out), *extra])
    assert code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_solve_screens_the_roster_sheet(tmp_path):
    people = ([person(i, 1) for i in range(1, 9)]
              + [person(10 + i, 1, income=90000) for i in range(3)]
              + [person(20, 1, hired="2026-08-01")])
    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 12), firm(2, 0, 0, 3)], people)
    result = solve_json(tmp_path, demand)
    first, second = result["employers"]
    assert (first["requested"], first["eligible"], first["allocated"]) == (12, 8, 8)
    assert first["roster"] == {
        "listed": 12, "passed": 8, "failed": 4,
        "passed_by_role": {"senior": 0, "key_staff": 0, "other": 8},
        "failed_by_reason": {"FALSIFIED": 0, "OUTSIDE_QUOTA": 0, "EMPLOYMENT_SHORT": 1,
                             "NO_RESIDENCE": 0, "INCOME_LOW": 3, "CONDITION_UNMET": 0}}
    assert "申报12人，名单中8人符合第六条（3人收入未达标，1人聘用未满6个月）" in \
        first["reasons"][0]["zh"]
    assert second["roster"] is None and second["eligible"] == 3
    assert [w["code"] for w in second["warnings"]] == ["ROSTER_UNLISTED"]
    assert result["roster"]["applicants"] == 12 and result["roster_sha256"]


def test_a_separate_roster_workbook_and_no_full_id_anywhere(tmp_path, capsys):
    people = [person(i, 1, role="高级管理人员") for i in range(1, 4)] + \
        [person(9, 1, role="高级管理人员", residence="否")]
    demand = write(tmp_path / "d.xlsx", [firm(1, 4, 0, 0, "是")], people,
                   roster_path=tmp_path / "r.xlsx")
    assert read_roster(demand, separate=False) is None
    result = solve_json(tmp_path, demand, "--roster", str(tmp_path / "r.xlsx"),
                        "--out", str(tmp_path / "plan.xlsx"))
    row = result["employers"][0]
    assert (row["eligible"], row["guaranteed"]) == (3, 3)  # Art. 8: qualified seniors only
    printed = capsys.readouterr()
    outputs = [printed.out, printed.err, (tmp_path / "result.json").read_text("utf-8")]
    plan = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    assert plan.sheetnames[-2:] == ["人员审核汇总", "人员审核明细"]
    detail = list(plan["人员审核明细"].iter_rows(min_row=3, values_only=True))
    assert [r[2] for r in detail] == [mask_id(resident_id(n)) for n in (1, 2, 3, 9)]
    assert [r[3] for r in detail] == ["王*红"] * 4
    assert [r[5] for r in detail] == ["符合"] * 3 + ["不符合"]
    assert detail[3][6] == "本市无固定住所（第六条）"
    summary = list(plan["人员审核汇总"].iter_rows(min_row=3, values_only=True))
    assert summary[0][3:9] == (4, 4, 3, 3, 0, 0)  # requested, listed, passed, per role
    outputs += [str(cell.value) for ws in plan.worksheets for r in ws.iter_rows() for cell in r]
    store = Path(__import__("os").environ["ALLOCATOR_DB"])
    with sqlite3.connect(store) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            outputs += [repr(r) for r in db.execute(f'SELECT * FROM "{table}"')]
    outputs.append(store.read_bytes().decode("latin-1"))
    for number in (1, 2, 3, 9):
        full = resident_id(number)
        assert not any(full in text for text in outputs), number
        assert not any(f"王{number}红" in text for text in outputs), number


def test_a_roster_without_a_wage_figure_stops_the_run(tmp_path, capsys):
    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 1)], [person(1, 1)])
    (tmp_path / "s.toml").write_text("[cap]\nannual = 5\n", encoding="utf-8")
    assert main(["solve", str(demand), "--scenario", str(tmp_path / "s.toml")]) == 2
    assert "roster.city_average_wage" in capsys.readouterr().err


def test_compare_screens_under_each_scenario(tmp_path, monkeypatch):
    import allocator.forked
    import allocator.roster

    monkeypatch.setattr(allocator.forked, "FORK", False)  # count the reads in this process
    reads = []
    real = allocator.roster.read_roster
    monkeypatch.setattr(allocator.roster, "read_roster",
                        lambda *a, **k: reads.append(a) or real(*a, **k))
    people = [person(i, 1, income=150000) for i in range(1, 5)]
    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 4), firm(2, 0, 0, 4)], people)
    (tmp_path / "a.toml").write_text(SCENARIO, encoding="utf-8")
    (tmp_path / "b.toml").write_text(SCENARIO.replace('name = "名单测试"', 'name = "严格"')
                                     + "income_multiple = 2.0\n", encoding="utf-8")
    out = tmp_path / "c.json"
    assert main(["compare", str(demand), str(tmp_path / "a.toml"), str(tmp_path / "b.toml"),
                 "--json", str(out)]) == 0
    comparison = json.loads(out.read_text(encoding="utf-8"))
    # a: income 150,000 is above 1 × 100,000, all four pass; b: not above 2 ×, none passes
    allocated = {d["credit_code"]: d["allocated"] for d in comparison["differences"]}
    assert allocated[credit_code(1)] == {"名单测试": 4, "严格": 0}
    assert {p["key"] for p in comparison["parameters"]} >= {"roster.income_multiple"}
    assert len(reads) == 1  # read once, screened under each scenario
    shown = {m["key"]: m for m in comparison["metrics"]}
    assert [shown["roster.passed"]["values"][n] for n in ("名单测试", "严格")] == [4, 0]
    assert [shown["roster.failed"]["values"][n] for n in ("名单测试", "严格")] == [0, 4]


def test_a_screened_run_replays_from_the_store_and_verifies(tmp_path):
    from allocator.store import Store

    people = ([person(i, 1) for i in range(1, 6)] + [person(9, 1, income=1)]
              + [person(20 + i, 2, role="高级管理人员") for i in range(2)])
    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 8), firm(2, 3, 0, 0, "是"),
                                         firm(3, 0, 0, 2)], people)
    result = solve_json(tmp_path, demand)
    assert [e["eligible"] for e in result["employers"]] == [5, 2, 2]
    with Store.open() as store:
        replay = store.replay(result["run_id"])
        assert replay.same
        assert [int(x) for x in replay.plan.allocation] == \
            [e["allocated"] for e in result["employers"]]
    assert main(["verify", "--resolve"]) == 0


def test_a_plan_exported_again_from_the_store_keeps_the_rosters_warnings(tmp_path):
    """The store keeps no applicant, so a plan exported from it has each employer's counts but
    no per-applicant verdicts — and says why on that sheet — while the roster's warnings (here a
    totals row under the applicants, and one applicant passing on item 4 alone) are the
    plan's, word for word, as when it was solved."""
    item_4_alone = [*person(2, 1, conditions="四"), 900000]  # above 4 × 100,000 for 3 years
    people = [person(1, 1), item_4_alone, ["合计"]]
    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 2)], people,
                   header=[*ROSTER_HEADER, "近三年最低年应税收入"])
    (tmp_path / "s.toml").write_text(SCENARIO, encoding="utf-8")
    solved = tmp_path / "solved.xlsx"
    assert main(["solve", str(demand), "--scenario", str(tmp_path / "s.toml"),
                 "--out", str(solved)]) == 0
    exported = tmp_path / "exported.xlsx"
    assert main(["export", "1", "--out", str(exported)]) == 0

    def sheet(path: Path, name: str) -> list[tuple]:
        return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))

    warnings = [row[4] for row in sheet(solved, "提示")[2:]]
    assert any("第4行" in w and "合计" in w for w in warnings), warnings  # the totals row
    assert any(w.endswith("：1名申请人仅凭第六条第四项或第五项符合条件（名单第3行）。这两项还要求"
                          "所在单位是新型研发机构、创新型总部或高新技术企业（第四项），或是律师、"
                          "会计、审计、税务、人力资源服务机构或金融机构（第五项）；名单和申报表都"
                          "没有记载单位属于哪一类，本程序只核对了收入，请人工核实单位类型。")
               for w in warnings), warnings
    assert sheet(exported, "提示") == sheet(solved, "提示")
    assert sheet(exported, "人员审核汇总") == sheet(solved, "人员审核汇总")
    assert len(sheet(solved, "人员审核明细")) == 2 + 2  # title, header, two applicants
    (note,) = [row[6] for row in sheet(exported, "人员审核明细")[2:]]
    assert note.startswith("存储库不保存申请人（个人信息）")


def test_the_sample_roster_is_realistic_and_reads_back(tmp_path):
    from allocator.sample import generate
    from allocator.sample_roster import RATES, generate_roster, write_roster_workbook
    from allocator.scenario import load_scenario
    from allocator.screening import screen

    demand = generate(600, 2027, 2027)
    people = generate_roster(demand, 2027, 2027)
    assert people.equals(generate_roster(demand, 2027, 2027))  # deterministic in the seed
    declared = int(demand["demand_total"].sum())
    assert declared <= len(people) <= 1.1 * declared  # roughly the declared demand
    assert people["person_id"].is_unique
    assert all(parse_person_id(i) == i for i in people["person_id"])
    write_roster_workbook(tmp_path / "r.xlsx", people)
    roster = read_roster(tmp_path / "r.xlsx")
    assert roster.ok, roster.issues[:3]
    assert len(roster) == len(people)
    read = roster.frame  # the workbook reads back as generated, identities masked
    for key in ("credit_code", "role", "hired_on", "beijing_residence", "income_last_year",
                "conditions", "degree", "work_years", "title_level", "origin", "falsified",
                "award", "recommendation"):
        assert read[key].tolist() == people[key].tolist(), key
    assert read["person_masked"].tolist() == [mask_id(i) for i in people["person_id"]]
    assert read["name_masked"].tolist() == [mask_name(n) for n in people["person_name"]]
    baseline = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
    screened = screen(roster, baseline.roster, 2027)
    share = 1 - screened.applicants["passed"].mean()
    expected = sum(RATES.values())  # roughly the sum of the stated rates (some overlap)
    assert 0.5 * expected < share < 1.5 * expected
    summary = screened.summary()["failed_by_reason"]
    assert all(summary[code] > 0 for code in summary)  # every reason occurs


def test_the_template_has_a_roster_sheet_that_reads_back(tmp_path):
    from allocator.schema import ROSTER_COLUMNS

    assert main(["template", str(tmp_path / "t.xlsx")]) == 0
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    sheet = book["申报人员名单"]
    assert [c.value for c in sheet[2]][:len(ROSTER_COLUMNS)] == [c.zh for c in ROSTER_COLUMNS]
    assert read_roster(tmp_path / "t.xlsx", separate=False) is None  # blank: no roster
    demand = book["需求申报"]
    header_row = next(r for r in range(1, 10)
                      if any(c.value == "统一社会信用代码" for c in demand[r]))
    headers = [c.value for c in demand[header_row]]
    values = {"统一社会信用代码": credit_code(1), "单位名称": "单位1", "单位类型": "企业",
              "申报人数合计": 1}
    for position, header in enumerate(headers, start=1):
        if header in values:  # below the example row, which the reader skips
            demand.cell(row=header_row + 2, column=position, value=values[header])
    row = dict(zip(ROSTER_HEADER, person(1, 1), strict=True))
    for position, column in enumerate(ROSTER_COLUMNS, start=1):
        sheet.cell(row=3, column=position, value=row.get(column.zh))
    book.save(tmp_path / "filled.xlsx")
    roster = read_roster(tmp_path / "filled.xlsx", separate=False)
    assert roster is not None and roster.ok, roster.issues
    assert roster.frame["person_masked"].tolist() == [mask_id(resident_id(1))]
    result = solve_json(tmp_path, tmp_path / "filled.xlsx")
    assert result["employers"][0]["roster"]["passed"] == 1


def test_a_roster_file_that_is_not_a_workbook_is_refused_by_its_content(tmp_path, capsys):
    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 1)], None)
    (tmp_path / "r.xlsx").write_text("证件号码,姓名\n110101199003070011,张三\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(SCENARIO, encoding="utf-8")
    assert main(["solve", str(demand), "--scenario", str(tmp_path / "s.toml"),
                 "--roster", str(tmp_path / "r.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "r.xlsx" in err and "Traceback" not in err
    assert "110101199003070011" not in err


def test_a_formula_in_the_id_column_is_an_error_shown_masked(tmp_path):
    people = [person(1, 1, person_id="=\"" + resident_id(1) + "\"")]
    path = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 1)], people)
    roster = read_roster(path, separate=False)
    found = [(i.code, i.row, i.column) for i in roster.errors]
    assert found == [("formula", 2, "证件号码")]
    assert resident_id(1) not in str(roster.errors[0].value)
    assert resident_id(1) not in roster.errors[0].message.zh


def test_a_bad_demand_file_is_reported_once_not_again_for_its_roster(tmp_path):
    (tmp_path / "d.xlsx").write_text("not a workbook", encoding="utf-8")
    assert main(["validate", str(tmp_path / "d.xlsx"), "--json", str(tmp_path / "r.json")]) == 2
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert len(report["issues"]) == 1 and "roster" not in report


def test_sweep_screens_the_roster_at_every_cap(tmp_path):
    people = [person(i, 1) for i in range(1, 4)] + [person(9, 1, income=1)]
    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 6), firm(2, 0, 0, 2)], people)
    (tmp_path / "s.toml").write_text(SCENARIO, encoding="utf-8")
    out = tmp_path / "sweep.json"
    assert main(["sweep", str(demand), "--scenario", str(tmp_path / "s.toml"),
                 "--caps", "1:10:3", "--json", str(out)]) == 0
    curve = json.loads(out.read_text(encoding="utf-8"))
    employers = {e["credit_code"]: e["allocated"] for e in curve["employers"]}
    # employer 1: 6 requested, 3 qualified; employer 2: not on the roster, kept at 2
    assert max(employers[credit_code(1)]) == 3
    for cap, first, second in zip(curve["caps"], employers[credit_code(1)],
                                  employers[credit_code(2)], strict=True):
        single = solve_json(tmp_path, demand, "--cap", str(cap))
        assert [e["allocated"] for e in single["employers"]] == [first, second]


def test_an_output_may_not_name_the_roster(tmp_path):
    people = [person(1, 1)]
    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 1)], people,
                   roster_path=tmp_path / "r.xlsx")
    before = (tmp_path / "r.xlsx").read_bytes()
    (tmp_path / "s.toml").write_text(SCENARIO, encoding="utf-8")
    assert main(["solve", str(demand), "--scenario", str(tmp_path / "s.toml"),
                 "--roster", str(tmp_path / "r.xlsx"), "--json", str(tmp_path / "r.xlsx")]) == 2
    assert (tmp_path / "r.xlsx").read_bytes() == before


def test_every_field_of_a_screened_result_is_in_the_result_page(tmp_path):
    people = [person(i, 1) for i in range(1, 5)] + [person(9, 1, income=1)]
    demand = write(tmp_path / "d.xlsx", [firm(1, 0, 0, 5), firm(2, 0, 2, 0)], people)
    result = solve_json(tmp_path, demand)
    page = (Path(__file__).resolve().parents[1] / "docs" / "result.md").read_text(
        encoding="utf-8")
    named = set(re.findall(r"`([a-z_0-9]+)`", page))
    fields = set(result) | set(result["roster"]) | set(result["marginal"])
    fields |= set(result["solver"]) - {"parameters"} | set(result["scenario"])
    for entry in (*result["employers"], *result["scopes"], *result["ties"]):
        fields |= set(entry)
    fields |= {key for e in result["employers"] if e["roster"] for key in e["roster"]}
    fields |= {key for e in result["employers"] for r in e["reasons"] for key in r}
    assert result["employers"][1]["roster"] is None  # unlisted: its field is still named
    assert fields - named == set()
