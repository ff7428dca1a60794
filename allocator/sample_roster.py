"""A synthetic applicant roster (docs/columns.md) behind synthetic submissions.

Every employer lists roughly its declared demand in applicants, role by role (a role left blank
counts as other talent), sometimes one or two more. Most applicants pass; the failures come at
rates a district sees (an assumption, stated here and in the tests, not a statistic):

=====================  =======  =========================================================
reason                 rate     how it is made
=====================  =======  =========================================================
income below the line  ≈ 6 %    last year's income 40–100 % of the average wage
employed < 6 months    ≈ 4 %    hired one to five months before the reference date
no fixed residence     ≈ 3 %    本市固定住所 = 否
condition unmet        ≈ 3 %    the claimed item's evidence column left blank
Art. 18 (HMT/abroad)   ≈ 1 %    人才来源 = 港澳台 or 境外
Art. 17 (falsified)    ≈ 0.3 %  弄虚作假记录 = 是
=====================  =======  =========================================================

Identities are synthetic: resident IDs with valid GB 11643 check digits from Dongcheng's and
other Beijing districts' area codes, unique by construction; names drawn from common
surnames and given-name characters. Generation is vectorised (numpy) and deterministic in the
seed: 100,000 applicants take well under a second.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.roster import ID_CHECK, ID_WEIGHTS
from allocator.schema import ROSTER_BY_KEY, ROSTER_COLUMNS

#: The average wage the sample's incomes are drawn around (the baseline scenario's figure).
SAMPLE_WAGE = 143_244
AREAS = ("110101", "110102", "110105", "110106", "110107", "110108", "110111", "110112",
         "110113", "110114", "110115", "110116")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞建国文辉力斌宇浩凯健俊"
    "帆帅旭宁琳晨欣怡婷雪梅兰云峰博思源子涵雨轩梓萱一诺可馨"
)
RATES = {"income": 0.06, "short": 0.04, "residence": 0.03, "unmet": 0.03, "outside": 0.01,
         "falsified": 0.003}


def generate_roster(demand: pd.DataFrame, seed: int = 2027, year: int = 2027) -> pd.DataFrame:
    """Applicants behind ``demand`` (as :func:`allocator.sample.generate` returns), canonical:
    the roster keys of :data:`~allocator.schema.ROSTER_COLUMNS`, in roster order."""
    rng = np.random.default_rng(seed + 14)
    roles: list[str] = []
    owners: list[int] = []
    for position, record in enumerate(demand.itertuples(index=False)):
        parts = (record.demand_senior, record.demand_key_staff, record.demand_other)
        if all(p is None for p in parts):
            parts = (0, 0, int(record.demand_total))
        for role, count in zip(("senior", "key_staff", "other"), parts, strict=True):
            count = int(count or 0)
            if count:
                count += int(rng.random() < 0.15) + int(rng.random() < 0.03)
            roles += [role] * count
            owners += [position] * count
    n = len(roles)
    reference = date(year - 1, 12, 31)
    codes = demand["credit_code"].to_numpy(dtype=object)[np.asarray(owners, dtype=np.int64)]

    ids = _resident_ids(rng, n)
    surnames = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), n)]
    given = np.array(list(GIVEN))
    first = given[rng.integers(0, len(given), n)]
    second = np.where(rng.random(n) < 0.6, given[rng.integers(0, len(given), n)], "")
    names = np.char.add(np.char.add(surnames, first), second)

    fail = {key: rng.random(n) < rate for key, rate in RATES.items()}
    months = np.where(fail["short"], rng.integers(1, 6, n), rng.integers(7, 180, n))
    hired = [reference - timedelta(days=int(m * 30.44) + 1) for m in months]
    income_ratio = np.where(fail["income"], rng.uniform(0.4, 1.0, n),
                            np.exp(rng.normal(0.8, 0.45, n)) + 1.05)
    incomes = [Decimal(int(r * SAMPLE_WAGE)) for r in income_ratio]
    # Conditions: most claim item 1 (degree and work), some item 2 (title), a few others.
    item = rng.choice([1, 2, 3, 4, 6, 9], size=n, p=[0.72, 0.18, 0.02, 0.05, 0.02, 0.01])
    evidence_ok = ~fail["unmet"]
    degree = np.where((item == 1) & evidence_ok,
                      rng.choice(["bachelor", "master", "doctor"], n, p=[0.55, 0.38, 0.07]),
                      None)
    work_years = [Decimal(int(y)) if d is not None else None
                  for y, d in zip(rng.integers(2, 25, n), degree, strict=True)]
    title = np.where((item == 2) & evidence_ok,
                     rng.choice(["intermediate", "associate_senior", "senior"], n,
                                p=[0.7, 0.25, 0.05]), None)
    income3 = [Decimal(int(SAMPLE_WAGE * r * 1.2)) if i == 4 and ok else None
               for r, i, ok in zip(income_ratio + 3.5, item, evidence_ok, strict=True)]
    origin = np.where(fail["outside"], rng.choice(["hmt", "overseas"], n), "domestic")
    frame = pd.DataFrame({
        "credit_code": codes, "person_id": ids, "person_name": names.astype(object),
        "role": np.asarray(roles, dtype=object), "hired_on": hired,
        "beijing_residence": ~fail["residence"], "income_last_year": incomes,
        "conditions": [(int(i),) for i in item], "degree": degree, "work_years": work_years,
        "title_level": title, "income_3y_min": income3, "origin": origin,
        "falsified": fail["falsified"],
        "award": np.where((item == 3) & evidence_ok, "北京市科学技术奖", None),
        "patents": np.where((item == 6) & evidence_ok, "发明专利已在京转化", None),
        "venture": None, "tax_3y_min": None,
        "recommendation": np.where((item == 9) & evidence_ok, "京人才推荐〔2026〕1号", None),
    })
    return frame.astype(object).where(frame.notna(), None)


def _resident_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid resident IDs: area, birth date (1965–2001), sequence, check."""
    slots = rng.permutation(n)  # distinct (birth day, sequence) pairs
    born = np.datetime64("1965-01-01") + (slots // 1000 % 13_000).astype("timedelta64[D]")
    sequence = slots % 1000
    area = np.array(AREAS)[rng.integers(0, len(AREAS), n)]
    birth = np.datetime_as_string(born, unit="D")
    first17 = np.char.add(np.char.add(area, np.char.replace(birth, "-", "")),
                          np.char.zfill(sequence.astype(str), 3))
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    check = np.array(list(ID_CHECK))[(digits.astype(np.int64) @ np.array(ID_WEIGHTS)) % 11]
    return np.char.add(first17, check).astype(object)


def roster_sheet_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[object]]]:
    """The Chinese header and the cells of a roster sheet as an employer would type them."""
    header = [c.zh for c in ROSTER_COLUMNS]
    labels = {c.key: {choice.code: choice.zh for choice in c.choices} for c in ROSTER_COLUMNS
              if c.choices}
    numerals = "一二三四五六七八九"
    columns = []
    for column in ROSTER_COLUMNS:
        values = frame[column.key].tolist()
        if column.key in labels:
            values = [None if v is None else labels[column.key][v] for v in values]
        elif column.key in ("beijing_residence", "falsified"):
            values = ["是" if v else "否" for v in values]
        elif column.key == "conditions":
            values = ["、".join(numerals[i - 1] for i in v) for v in values]
        elif column.key in ("income_last_year", "work_years", "income_3y_min", "tax_3y_min"):
            values = [None if v is None else int(v) for v in values]
        columns.append(values)
    return header, [list(row) for row in zip(*columns, strict=True)]


def write_roster_workbook(path: str | Path, frame: pd.DataFrame) -> None:
    """A roster workbook (sheet 申报人员名单) with text-formatted ID cells, written atomically."""
    import os
    import tempfile

    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("申报人员名单")
    header, rows = roster_sheet_rows(frame)
    sheet.append(header)
    id_position = header.index(ROSTER_BY_KEY["person_id"].zh)
    for row in rows:
        cell = WriteOnlyCell(sheet, value=row[id_position])
        cell.number_format = "@"
        row[id_position] = cell
        sheet.append(row)
    target = Path(path)
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=target.parent or ".")
    os.close(handle)
    try:
        book.save(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
