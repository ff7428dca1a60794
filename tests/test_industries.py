"""Art. 8 priority sectors from GB/T 4754-2017 codes, by the national classifications.

Expectations are written by hand from the classifications themselves: 国家统计局《文化及相关产业
分类（2018）》 (culture), 《数字经济及其核心产业统计分类（2021）》 (information services: section I)
and GB/T 4754-2017 section J (finance) — the boundary cases the issue names first.
"""

from __future__ import annotations

import openpyxl
import pytest

from allocator.cells import parse_industry
from allocator.industries import industry_table, sector_of_industry
from allocator.schema import section_of_division
from allocator.submissions import read_submissions

COARSE, PART = "industry_too_coarse", "industry_partial"


@pytest.mark.parametrize(("code", "sector", "problem"), [
    # Sport is not a cultural industry: the classification has no class of division 89.
    ("R89", "other", None), ("R8911", "other", None), ("R8930", "other", None),
    # Entertainment (R90): indoor entertainment 0611–0614, amusement parks 0615, leisure
    # sightseeing 0631, other entertainment 0616, cultural activities, agents 0751–0753 are
    # culture; lotteries (904) and sports performance and agents (9052, 9054) are not.
    ("R90", "other", COARSE), ("R901", "culture", None), ("R9011", "culture", None),
    ("R9013", "culture", None), ("R9020", "culture", None), ("R9030", "culture", None),
    ("R9041", "other", None), ("R904", "other", None), ("R905", "other", COARSE),
    ("R9051", "culture", None), ("R9052", "other", None), ("R9053", "culture", None),
    ("R9054", "other", None), ("R9090", "culture", None),
    # News and publishing, broadcasting and film, the arts: culture whole.
    ("R86", "culture", None), ("R8626", "culture", None), ("R87", "culture", None),
    ("R88", "culture", None), ("R8850", "culture", None),
    # Section R as a whole mixes culture and sport.
    ("R", "other", COARSE),
    # Advertising (0311 internet advertising, 0312 other) is culture; L72 mixes it with law.
    ("L7251", "culture", None), ("L7259", "culture", None), ("L725", "culture", None),
    ("L72", "other", COARSE), ("L7231", "other", None),
    # Printing and reproduction of recorded media (072) is culture, the whole division C23.
    ("C23", "culture", None), ("C231", "culture", None), ("C2311", "culture", None),
    ("C2330", "culture", None),
    # Culture goods in C24, but sports goods (244) are not.
    ("C24", "other", COARSE), ("C2431", "culture", None), ("C2441", "other", None),
    # Design: industrial design 0322 and specialised design 0323 are culture; engineering
    # design only for buildings (0321, 7484*).
    ("M7491", "culture", None), ("M7492", "culture", None), ("M7484", "other", PART),
    # Head-office management and investment: only cultural firms' (0521, 0510, marked *).
    ("L7211", "other", PART), ("L7212", "other", PART),
    # Information services: section I, whole; finance: section J.
    ("I", "information", None), ("I6513", "information", None), ("I6422", "information", None),
    ("I65", "information", None), ("J", "finance", None), ("J66", "finance", None),
    ("J6621", "finance", None),
    # Outside every priority sector.
    ("A01", "other", None), ("K7010", "other", None), ("H6110", "other", None),
])
def test_boundary_cases(code, sector, problem):
    assert sector_of_industry(code) == (sector, problem)


def test_the_table_is_well_formed():
    rows = industry_table()
    codes = [row.code for row in rows]
    assert len(codes) == len(set(codes))
    for row in rows:
        assert row.sector in ("finance", "culture", "information") and row.share in ("all", "part")
        assert row.item and row.name
        if len(row.code) > 1:  # a division belongs to its section letter (GB/T 4754-2017)
            assert parse_industry(row.code) == row.code
            assert section_of_division(int(row.code[1:3])) == row.code[0]
    for a in codes:  # no code lies inside another: the lookup relies on it
        assert not any(b != a and b.startswith(a) for b in codes), a


def write(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "需求申报"
    sheet.append(["统一社会信用代码", "单位名称", "单位类型", "申报人数合计", "行业代码",
                  "重点产业"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_the_reader_follows_the_code_warns_when_it_cannot_and_the_column_wins(tmp_path):
    from allocator.examples import credit_code

    path = write(tmp_path / "d.xlsx", [
        [credit_code(1), "甲", "企业", 5, "L7251", None],  # advertising: culture
        [credit_code(2), "乙", "企业", 5, "R8930", None],  # fitness: not culture
        [credit_code(3), "丙", "企业", 5, "R90", None],  # too coarse: other, warned
        [credit_code(4), "丁", "企业", 5, "R90", "文化"],  # the column wins, no warning
        [credit_code(5), "戊", "企业", 5, "L7211", None],  # only partly cultural: warned
        [credit_code(6), "己", "企业", 5, "C2311", "其他"],  # the column wins over culture
    ])
    result = read_submissions(path)
    assert result.ok
    assert list(result.frame["sector"]) == ["culture", "other", "other", "culture", "other",
                                            "other"]
    assert [(i.code, i.row, i.column, i.value) for i in result.warnings] == [
        (COARSE, 4, "行业代码", "R90"), (PART, 6, "行业代码", "L7211")]
    assert "文化" in result.warnings[0].message.zh
