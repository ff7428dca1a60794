"""Headers in Chinese or English, any spelling the documentation lists, in any order.

The demand workbook's contract promises that headers may be Chinese or English, in any order
(docs/columns.md lists the further accepted spellings). The table below was written by hand from
that page, not read from the schema: removing a spelling from the code breaks these tests.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator import workbook
from allocator.submissions import header_token, read_submissions

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_demand.xlsx"

#: Column → every header spelling a planner may use: the Chinese header, the English label, the
#: file key and the documented aliases.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "credit_code": ("统一社会信用代码", "Unified social credit code", "credit_code", "信用代码",
                    "社会信用代码", "credit code", "uscc"),
    "name": ("单位名称", "Employer name", "name", "单位", "企业名称", "employer"),
    "unit_type": ("单位类型", "Unit type", "unit_type", "类型", "type"),
    "industry_code": ("行业代码", "Industry code", "industry_code", "国民经济行业代码",
                      "行业分类代码", "industry"),
    "sector": ("重点产业", "Priority sector", "sector", "产业", "所属产业"),
    "categories": ("重点支持类别", "Priority categories", "categories", "支持类别", "重点类别"),
    "top100": ("区级百强企业", "District top-100 firm", "top100", "百强企业", "是否百强",
               "top 100"),
    "demand_senior": ("申报人数_高级管理人员", "申报人数（高级管理人员）",
                      "Demand: senior managers", "demand_senior", "高级管理人员", "高管人数",
                      "senior"),
    "demand_key_staff": ("申报人数_业务骨干", "申报人数（业务骨干）", "Demand: key staff",
                         "demand_key_staff", "业务骨干", "骨干人数", "key staff"),
    "demand_other": ("申报人数_其他人才", "申报人数（其他人才）", "Demand: other talent",
                     "demand_other", "其他人才", "其他人数", "other"),
    "demand_total": ("申报人数合计", "Demand: total", "demand_total", "申报人数", "需求人数",
                     "合计人数", "demand", "total demand"),
    "prior_quota": ("上年度分配指标", "Prior-year quota", "prior_quota", "上年指标",
                    "prior quota"),
    "prior_used": ("上年度实际使用", "Prior-year used", "prior_used", "上年使用", "prior used"),
    "attrition_rate": ("近一年流失率", "One-year attrition rate", "attrition_rate", "流失率",
                       "attrition"),
    "lost_within_3m": ("取证后三个月内离职人数", "Left within 3 months of permit",
                       "lost_within_3m", "三个月内离职人数", "lost within 3m"),
    "violations": ("违规情形", "Violations", "violations", "违规"),
    "status": ("申请资格状态", "Application status", "status", "资格状态", "状态"),
    "negative_list": ("负面清单", "Negative list", "negative_list", "禁止限制目录",
                      "negative list"),
    "positive_list": ("正面清单", "Positive list", "positive_list", "支持和鼓励发展产业目录",
                      "鼓励类产业", "positive list"),
    "submitted_on": ("申报日期", "Submission date", "submitted_on", "填报日期", "日期",
                     "submitted on", "date"),
}
#: The sample's header row, in its order (the Chinese headers).
CANONICAL = [spellings[0] for spellings in SPELLINGS.values()]
ROWS = 12  # data rows taken from the sample: enough for every kind of value it holds


def sample_rows() -> list[tuple]:
    book = openpyxl.load_workbook(SAMPLE, read_only=True)
    try:
        rows = list(book["需求申报"].iter_rows(min_row=2, max_row=2 + ROWS, values_only=True))
    finally:
        book.close()  # a read-only workbook keeps its file open until closed
    # The sample is written with the canonical headers (申报人数（高级管理人员） as the template
    # shows it, the same header as 申报人数_高级管理人员).
    assert [header_token(h) for h in rows[0]] == [header_token(h) for h in CANONICAL]
    return rows[1:]


DATA = sample_rows()


def write(path: Path, headers: list[str], order: list[int]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "需求申报"
    sheet.append([headers[i] for i in order])
    for row in DATA:
        sheet.append([row[i] for i in order])
    book.save(path)
    return path


def read(path: Path):
    submissions = read_submissions(path)
    assert submissions.ok, [i.message.en for i in submissions.issues]
    return submissions


@pytest.fixture(autouse=True, scope="module")
def _in_process():
    """These files are benign and small: read them in this process, not a guarded child."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workbook, "ISOLATE", False)
        yield


@pytest.fixture(scope="module")
def canonical(_in_process, tmp_path_factory):
    path = write(tmp_path_factory.mktemp("h") / "canonical.xlsx", CANONICAL,
                 list(range(len(CANONICAL))))
    return read(path).frame


def same_data(frame, canonical) -> None:
    for key in SPELLINGS:
        assert [repr(v) for v in frame[key]] == [repr(v) for v in canonical[key]], key


@pytest.mark.parametrize(("key", "spelling"),
                         [(k, s) for k, spellings in SPELLINGS.items() for s in spellings])
def test_every_documented_spelling_names_its_column(tmp_path, canonical, key, spelling):
    headers = list(CANONICAL)
    headers[list(SPELLINGS).index(key)] = spelling
    submissions = read(write(tmp_path / "one.xlsx", headers, list(range(len(headers)))))
    assert submissions.headers[key] == spelling
    assert not submissions.extra_columns
    same_data(submissions.frame, canonical)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_mix_of_spellings_in_any_order_reads_the_same(tmp_path, canonical, data):
    headers = []
    for spellings in SPELLINGS.values():
        spelling = data.draw(st.sampled_from(spellings))
        # Case and surrounding spaces do not matter (Excel users type "Credit Code ").
        style = data.draw(st.sampled_from(["as is", "upper", "title", "padded"]))
        spelling = {"as is": spelling, "upper": spelling.upper(), "title": spelling.title(),
                    "padded": f"  {spelling} "}[style]
        headers.append(spelling)
    order = data.draw(st.permutations(range(len(headers))))
    submissions = read(write(tmp_path / "mix.xlsx", headers, list(order)))
    assert set(submissions.headers) == set(SPELLINGS)
    assert not submissions.extra_columns
    same_data(submissions.frame, canonical)
