"""Realistic synthetic submissions for one district's plan year (``allocator sample``).

The data imitate a Dongcheng Q4 round: a few hundred employers, mostly finance, information
services, culture and professional services (law, accounting, HR and headhunting firms), some
state-owned headquarters and research institutes and a tail of others. Demand is heavy-tailed:
most employers ask for two or three permits, a few bank and SOE headquarters for 50 to 150; the
district's top-100 firms hold 30–50 % of it. A minority cross the 10 % attrition line (Art. 16),
some are suspended (Art. 13), a few blacklisted, restricted or of an ineligible type (Art. 3, 5);
a share, mostly in technology, R&D and culture, is on the city's positive list (Art. 3).

Everything is drawn from one ``numpy.random.default_rng(seed)``: the same seed gives the same
frame and, through :func:`allocator.excel.write_demand_workbook`, the same workbook bytes. Trade
names are invented from a pool of characters, and the best-known real trade names are excluded;
credit codes are well-formed (GB 32100-2015, with GB 11714 organisation codes) but synthetic.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator import credit_code
from allocator.i18n import text
from allocator.industries import sector_of_industry
from allocator.schema import COLUMNS

DONGCHENG = "110101"  # administrative division code of the registering authority

#: GB 32100-2015 registration authority + organisation type, by unit type (Art. 5):
#: 9x market regulation (1 enterprise, 2 individual business), 1x institutional staffing
#: (2 public institution), 3x justice (1 law firm), 5x civil affairs (1 social organisation,
#: 2 private non-enterprise unit, 3 foundation).
REGISTRATION = {
    "enterprise": "91", "branch": "91", "accounting_firm": "91", "audit_firm": "91",
    "tax_firm": "91", "law_firm": "31", "institution": "12", "social_organisation": "51",
    "private_non_enterprise": "52", "foundation": "53", "other": "92",
}
#: The letter pair that opens organisation codes issued since the 2015 reform, by authority.
NEW_CODE_PREFIX = {"9": "MA", "1": "MB", "3": "MD", "5": "MJ"}
_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: Characters trade names are built from, and real trade names they must not spell.
BRAND_CHARACTERS = (
    "华信泰安恒瑞京东联鼎汇博通诚达新远宏金融德盛嘉和丰源鑫昌兴润晟正宇智创云数星辰峰海川岳睿哲"
    "思明启航致衡慧谦颐朗弘坤乾泓澄锦麒骏凯翔蓝银禾森铭"
)
_REAL = (
    "华泰 泰康 华安 安信 信达 京东 东方 华夏 兴业 宏源 诚通 华润 国泰 嘉实 博时 汇丰 恒丰 瑞银 "
    "华融 信诚 海通 东兴 德邦 联想 新华 泰和 天元 德恒 华联 京华 和信 信永 致同 瑞华 大华 天健 "
    "立信 中汇 兴华 华兴 宇通 博通 联通 恒生 汇添 银华 东海 华创 源达 宇信 恒泰 川财 华鑫 鑫元 "
    "兴银 融通 东吴 华宝 泰达 宏信 诚信 金融 银河 京城 中信 安邦 平安 鼎晖 弘毅 昆仑 海尔 华为 "
    "明源 通达 恒大 海航 华信 信泰 汇金 金泰 嘉和 宏达 京泰"
)
EXCLUDED_TRADE_NAMES = frozenset(_REAL.split()) | {"东德"}  # and a word no firm should spell


@dataclass(frozen=True, slots=True)
class EmployerKind:
    """One kind of employer: how it is named, registered and classified, and how big it is."""

    name: str  # template with {brand}
    unit_type: str
    industry: str  # GB/T 4754-2017 class
    weight: float  # relative frequency within its segment
    size: float = 1.0  # demand multiplier
    categories: tuple[tuple[int, float], ...] = ()  # (Art. 8 category, probability)


FINANCE, INFORMATION, CULTURE = "finance", "information", "culture"
PROFESSIONAL, STATE_RD, OTHER = "professional", "state_rd", "other"

#: Employer kinds by segment. Industry classes are GB/T 4754-2017 (the 2011 edition's 6620,
#: 6510, 6420 were split into 6621…, 6511…, 6421…; 6711 is exchanges, brokers are 6712).
KINDS: dict[str, tuple[EmployerKind, ...]] = {
    FINANCE: (
        EmployerKind("{brand}银行股份有限公司北京分行", "branch", "J6621",
                     22, 2.2, ((3, .7), (2, .4))),
        EmployerKind("{brand}银行股份有限公司北京东城支行", "branch", "J6621", 14, .8, ((3, .2),)),
        EmployerKind("{brand}银行（中国）有限公司北京分行", "branch", "J6621",
                     3, 1.2, ((6, .9), (3, .3))),
        EmployerKind("{brand}证券股份有限公司", "enterprise", "J6712", 9, 1.6, ((3, .5), (2, .5))),
        EmployerKind("{brand}证券有限责任公司北京东城分公司", "branch", "J6712", 7, .7, ()),
        EmployerKind("{brand}基金管理有限公司", "enterprise", "J6720", 9, 1.3, ((3, .4),)),
        EmployerKind("{brand}人寿保险股份有限公司北京分公司", "branch", "J6811",
                     8, 1.3, ((3, .4), (6, .1))),
        EmployerKind("{brand}财产保险股份有限公司北京分公司", "branch", "J6820",
                     5, 1.0, ((3, .3),)),
        EmployerKind("北京{brand}保险经纪有限公司", "enterprise", "J6851", 4, .5, ()),
        EmployerKind("{brand}国际信托有限公司", "enterprise", "J6911", 4, 1.1, ((3, .5),)),
        EmployerKind("{brand}融资租赁有限公司", "enterprise", "J6631", 4, .6, ()),
        EmployerKind("北京{brand}创业投资管理有限公司", "enterprise", "J6760", 8, .4, ()),
        EmployerKind("{brand}支付有限公司", "enterprise", "J6930", 3, .7, ((1, .3),)),
        EmployerKind("北京{brand}金融信息服务有限公司", "enterprise", "J6940", 3, .5, ((1, .2),)),
        EmployerKind("{brand}消费金融有限公司", "enterprise", "J6636", 2, .9, ((3, .3),)),
    ),
    INFORMATION: (
        EmployerKind("北京{brand}科技有限公司", "enterprise", "I6513", 24, 1.0, ((1, .5),)),
        EmployerKind("北京{brand}网络技术有限公司", "enterprise", "I6429", 12, 1.0, ((1, .4),)),
        EmployerKind("北京{brand}信息技术有限公司", "enterprise", "I6531", 14, .9, ((1, .4),)),
        EmployerKind("北京{brand}软件股份有限公司", "enterprise", "I6511",
                     6, 1.4, ((1, .8), (2, .5))),
        EmployerKind("北京{brand}数据科技有限公司", "enterprise", "I6450", 8, .9, ((1, .5),)),
        EmployerKind("北京{brand}云计算科技有限公司", "enterprise", "I6550", 5, 1.0, ((1, .5),)),
        EmployerKind("北京{brand}互动娱乐科技有限公司", "enterprise", "I6422", 5, 1.0, ((1, .3),)),
        EmployerKind("北京{brand}通信技术有限公司", "enterprise", "I6319", 4, .9, ((1, .3),)),
        EmployerKind("北京{brand}智能科技有限公司", "enterprise", "I6599", 8, .9, ((1, .6),)),
        EmployerKind("北京{brand}集成电路设计有限公司", "enterprise", "I6520", 3, 1.1, ((1, .8),)),
        EmployerKind("北京{brand}物联网技术有限公司", "enterprise", "I6532", 4, .8, ((1, .5),)),
        EmployerKind("{brand}（中国）信息技术有限公司", "enterprise", "I6560", 4, 1.3, ((6, .9),)),
    ),
    CULTURE: (
        EmployerKind("北京{brand}文化传媒有限公司", "enterprise", "R8730", 18, .8, ()),
        EmployerKind("北京{brand}影视文化有限公司", "enterprise", "R8730", 10, 1.0, ((2, .1),)),
        EmployerKind("{brand}出版社有限公司", "enterprise", "R8621", 8, 1.1, ()),
        EmployerKind("北京{brand}数字出版有限公司", "enterprise", "R8626", 5, .8, ((1, .3),)),
        EmployerKind("{brand}杂志社", "institution", "R8623", 5, .7, ()),
        EmployerKind("{brand}报社", "institution", "R8622", 4, 1.0, ((4, .3),)),
        EmployerKind("北京{brand}新闻中心", "institution", "R8610", 3, .9, ((4, .3),)),
        EmployerKind("北京{brand}广播传媒有限公司", "enterprise", "R8710", 3, .9, ()),
        EmployerKind("北京{brand}演艺有限公司", "enterprise", "R8810", 8, .7, ()),
        EmployerKind("北京{brand}文化艺术有限公司", "enterprise", "R8890", 8, .6, ()),
        EmployerKind("北京{brand}电影发行有限公司", "enterprise", "R8750", 4, .8, ()),
        EmployerKind("北京{brand}剧场管理有限公司", "enterprise", "R8820", 4, .6, ()),
        EmployerKind("北京{brand}博物馆", "private_non_enterprise", "R8850", 3, .4, ((5, .8),)),
    ),
    PROFESSIONAL: (
        EmployerKind("北京市{brand}律师事务所", "law_firm", "L7231", 36, 1.0, ((5, .9),)),
        EmployerKind("{brand}会计师事务所（特殊普通合伙）", "accounting_firm", "L7241",
                     14, 1.4, ((5, .9),)),
        EmployerKind("北京{brand}会计师事务所有限责任公司", "accounting_firm", "L7241",
                     7, .7, ((5, .8),)),
        EmployerKind("{brand}会计师事务所（特殊普通合伙）北京分所", "accounting_firm", "L7241",
                     4, .9, ((5, .8),)),
        EmployerKind("北京{brand}税务师事务所有限公司", "tax_firm", "L7241", 8, .5, ((5, .8),)),
        EmployerKind("北京{brand}审计师事务所有限公司", "audit_firm", "L7241", 3, .5, ((5, .8),)),
        EmployerKind("北京{brand}人力资源服务有限公司", "enterprise", "L7269", 12, .8, ((5, .6),)),
        EmployerKind("北京{brand}人才咨询有限公司", "enterprise", "L7262", 8, .8, ((5, .7),)),
        EmployerKind("{brand}（北京）人力资源顾问有限公司", "enterprise", "L7262",
                     4, 1.0, ((5, .7), (6, .6))),
    ),
    STATE_RD: (
        EmployerKind("中国{brand}集团有限公司", "enterprise", "L7211", 18, 1.8, ((4, .9),)),
        EmployerKind("北京{brand}研究院", "institution", "M7310", 22, .9, ((4, .7),)),
        EmployerKind("北京{brand}技术研究院有限公司", "enterprise", "M7320",
                     22, .9, ((4, .6), (1, .3))),
        EmployerKind("中国{brand}研究院", "institution", "M7350", 10, .8, ((4, .5),)),
        EmployerKind("北京{brand}生物医药研究院有限公司", "enterprise", "M7340",
                     10, .8, ((4, .5), (1, .4))),
        EmployerKind("北京{brand}工程技术研究院有限公司", "enterprise", "M7320",
                     10, .9, ((4, .6),)),
    ),
    OTHER: (
        EmployerKind("北京{brand}饭店有限公司", "enterprise", "H6110", 12, .7, ((6, .15),)),
        EmployerKind("北京{brand}餐饮管理有限公司", "enterprise", "H6210", 6, .5, ()),
        EmployerKind("北京{brand}置业有限公司", "enterprise", "K7010", 8, .8, ()),
        EmployerKind("北京{brand}物业管理有限公司", "enterprise", "K7020", 5, .5, ()),
        EmployerKind("北京{brand}商贸有限公司", "enterprise", "F5199", 8, .5, ()),
        EmployerKind("北京{brand}百货有限公司", "enterprise", "F5211", 4, .6, ()),
        EmployerKind("北京{brand}建设工程有限公司", "enterprise", "E4790", 5, .7, ()),
        EmployerKind("北京{brand}医药科技有限公司", "enterprise", "C2720", 3, .7, ((1, .4),)),
        EmployerKind("北京{brand}国际旅行社有限公司", "enterprise", "L7291", 4, .5, ()),
        EmployerKind("北京{brand}国际货运代理有限公司", "enterprise", "G5821", 3, .5, ()),
        EmployerKind("北京{brand}口腔医院", "private_non_enterprise", "Q8415", 4, .5, ((5, .8),)),
        EmployerKind("北京市东城区{brand}职业技能培训学校", "private_non_enterprise", "P8391",
                     4, .4, ((5, .8),)),
        EmployerKind("北京{brand}行业协会", "social_organisation", "S9522", 6, .4, ((5, .9),)),
        EmployerKind("中国{brand}学会", "social_organisation", "S9521", 3, .5, ((5, .9),)),
        EmployerKind("北京{brand}公益基金会", "foundation", "S9530", 4, .4, ((5, .9),)),
    ),
}
#: The few very large headquarters (Art. 8 "leading firms"): demand of 50 to 150.
HEADQUARTERS = {
    FINANCE: EmployerKind("{brand}银行股份有限公司", "enterprise", "J6621",
                          1, 1, ((3, 1), (2, .8))),
    STATE_RD: EmployerKind("中国{brand}控股集团有限公司", "enterprise", "L7211", 1, 1, ((4, 1),)),
}
#: Individual businesses (个体工商户) are not among the unit types of Art. 5.
INDIVIDUAL_BUSINESS = EmployerKind("北京市东城区{brand}设计工作室", "other", "M7492", 1, .3)

#: Share of employers by segment, before a small per-seed jitter.
SEGMENT_SHARES = {FINANCE: .285, INFORMATION: .185, CULTURE: .18, PROFESSIONAL: .185,
                  STATE_RD: .0825, OTHER: .0825}
#: Chance that an employer's industry is on the city's positive list (Art. 3), by segment.
POSITIVE_LIST_SHARES = {FINANCE: .25, INFORMATION: .45, CULTURE: .3, PROFESSIONAL: .15,
                        STATE_RD: .4, OTHER: .05}
#: Industries whose employers may fall on the city's negative list (Art. 3): wholesale,
#: construction, manufacturing and real estate in the capital's core districts.
NEGATIVE_LIST_INDUSTRIES = ("F5199", "F5211", "E4790", "C2720", "K7010")

DEMAND_MEDIAN = 2.8  # lognormal median of an ordinary employer's demand (size 1)
DEMAND_SIGMA = 1.05
ORDINARY_CAP = 48  # above this only the headquarters ask
HQ_DEMAND = (50, 150)
TOP100_SHARE = (0.33, 0.47)  # of total demand; the set is repaired into this band


@dataclass
class _Employer:
    kind: EmployerKind
    segment: str
    headquarters: bool = False
    name: str = ""
    credit_code: str = ""
    demand: int = 0
    top100: bool = False


def organisation_code_check(body: str) -> str:
    """GB 11714-1997 check character of an 8-character organisation code body."""
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * weight
                for ch, weight in zip(body, _GB11714_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _credit_code(rng: np.random.Generator, unit_type: str, recent: bool) -> str:
    prefix = REGISTRATION[unit_type]
    if recent:  # e.g. MA01…: issued after the 2015 reform
        letters = "".join(rng.choice(list(credit_code.ALPHABET), size=5))
        body = NEW_CODE_PREFIX.get(prefix[0], "MA") + str(rng.integers(0, 10)) + letters
    else:
        body = str(rng.integers(10_000_000, 99_999_999))
    organisation = body + organisation_code_check(body)
    return credit_code.complete(prefix + DONGCHENG + organisation)


def _brand(rng: np.random.Generator) -> str:
    while True:
        first, second = rng.choice(len(BRAND_CHARACTERS), size=2, replace=False)
        brand = BRAND_CHARACTERS[first] + BRAND_CHARACTERS[second]
        if brand not in EXCLUDED_TRADE_NAMES:
            return brand


def _segment_counts(rng: np.random.Generator, employers: int) -> dict[str, int]:
    """Employers per segment: the target shares, jittered by ±2 %, by largest remainder."""
    shares = {k: v * rng.uniform(0.98, 1.02) for k, v in SEGMENT_SHARES.items()}
    total = sum(shares.values())
    quotas = {k: employers * v / total for k, v in shares.items()}
    counts = {k: int(q) for k, q in quotas.items()}
    order = sorted(quotas, key=lambda k: (counts[k] - quotas[k], k))
    for key in order[: employers - sum(counts.values())]:
        counts[key] += 1
    return counts


def _subset(rng: np.random.Generator, pool: list[int], size: int) -> list[int]:
    """``size`` members of ``pool`` (all of it if smaller), drawn without replacement."""
    size = min(len(pool), size)
    return sorted(rng.choice(pool, size=size, replace=False).tolist()) if size > 0 else []


def _pick(rng: np.random.Generator, pool: list[int], share: tuple[float, float],
          employers: int, minimum: int = 0) -> list[int]:
    """A random subset of ``pool`` whose size is a share (drawn from ``share``) of all employers."""
    return _subset(rng, pool, max(minimum, round(employers * rng.uniform(*share))))


def _demand(rng: np.random.Generator, employer: _Employer) -> int:
    if employer.headquarters:
        return int(rng.integers(HQ_DEMAND[0], HQ_DEMAND[1] + 1))
    draw = DEMAND_MEDIAN * employer.kind.size * float(np.exp(rng.normal(0, DEMAND_SIGMA)))
    return int(min(ORDINARY_CAP, max(1, round(draw))))


def _choose_top100(rng: np.random.Generator, firms: list[_Employer]) -> None:
    """Mark the district top-100 firms: enterprises and branches, the larger the likelier.

    Headquarters are always in. The set is then nudged, one firm at a time, until its share of
    total demand lies in :data:`TOP100_SHARE` (the share district statistics report).
    """
    total = sum(f.demand for f in firms)
    pool = [i for i, f in enumerate(firms) if f.kind.unit_type in ("enterprise", "branch")]
    count = min(100, len(pool), round(len(firms) * rng.uniform(0.10, 0.14)))
    score = {i: np.log(firms[i].demand) + rng.normal(0, 0.9) + (99 if firms[i].headquarters
                                                                  else 0) for i in pool}
    ranked = sorted(pool, key=lambda i: (-score[i], i))
    chosen, rest = ranked[:count], ranked[count:]
    share = sum(firms[i].demand for i in chosen) / total if total else 0
    low, high = TOP100_SHARE
    for _ in range(len(firms)):
        if not rest or not chosen or low <= share <= high:
            break
        if share < low:  # swap the smallest member for the largest outsider
            out = min((i for i in chosen if not firms[i].headquarters),
                      key=lambda i: (firms[i].demand, i), default=None)
            into = max(rest, key=lambda i: (firms[i].demand, -i))
        else:
            out = max((i for i in chosen if not firms[i].headquarters),
                      key=lambda i: (firms[i].demand, -i), default=None)
            into = min(rest, key=lambda i: (firms[i].demand, i))
        if out is None or (firms[into].demand - firms[out].demand) * (low - share) <= 0:
            break
        chosen[chosen.index(out)] = into
        rest[rest.index(into)] = out
        share = sum(firms[i].demand for i in chosen) / total
    for i in chosen:
        firms[i].top100 = True


def _working_days(year: int) -> list[date]:
    """Q4 working days of ``year`` after the National Day holiday (1–7 October)."""
    day, last, days = date(year, 10, 8), date(year, 12, 31), []
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _parts(rng: np.random.Generator, total: int) -> tuple[int, int, int]:
    """Senior managers, key staff and other talent summing to ``total``."""
    shares = rng.dirichlet((1.5, 5.0, 5.5))
    senior, key, other = (int(x) for x in rng.multinomial(total, shares))
    return senior, key, other


def generate(employers: int = 600, seed: int = 2027, year: int = 2027) -> pd.DataFrame:
    """``employers`` synthetic submissions for plan ``year``, as :func:`read_submissions` returns.

    Columns are the schema keys in schema order (no ``row``), each of dtype ``object`` holding
    canonical values: codes for choices, tuples of ints for items, ``bool``, ``int`` or ``None``
    for counts, ``Decimal`` fractions for the attrition rate and ``date`` for submission dates.
    """
    if employers < 1:
        raise ValueError("employers must be a positive whole number")
    rng = np.random.default_rng(seed)

    # Who applies: segments, kinds, headquarters, individual businesses.
    counts = _segment_counts(rng, employers)
    headquarters = {FINANCE: 0, STATE_RD: 0}
    for _ in range(max(1, round(employers * rng.uniform(0.005, 0.01)))):
        headquarters[FINANCE if rng.random() < 0.55 else STATE_RD] += 1
    firms: list[_Employer] = []
    for segment, count in counts.items():
        kinds = KINDS[segment]
        weights = np.array([k.weight for k in kinds], dtype=float)
        big = min(headquarters.get(segment, 0), count)
        firms += [_Employer(HEADQUARTERS[segment], segment, headquarters=True)
                  for _ in range(big)]
        picks = rng.choice(len(kinds), size=count - big, p=weights / weights.sum())
        firms += [_Employer(kinds[k], segment) for k in picks]
    individual = [i for i, f in enumerate(firms) if f.segment == OTHER]
    for i in _pick(rng, individual, (0.003, 0.006), employers, minimum=1):
        firms[i].kind = INDIVIDUAL_BUSINESS

    # Names and credit codes, unique.
    names: set[str] = set()
    codes: set[str] = set()
    for firm in firms:
        for _attempt in range(50):
            if firm.name and firm.name not in names:
                break
            firm.name = firm.kind.name.format(brand=_brand(rng))
        # A city-size run exhausts the brand pool: number the branch (…第二分公司 style).
        suffix = 2
        base = firm.name
        while firm.name in names:
            firm.name = f"{base}（{suffix}）"
            suffix += 1
        names.add(firm.name)
        recent = firm.kind.unit_type != "institution" and rng.random() < 0.35
        while not firm.credit_code or firm.credit_code in codes:
            firm.credit_code = _credit_code(rng, firm.kind.unit_type, recent)
        codes.add(firm.credit_code)

    # Demand, and the top-100 firms that hold a large part of it (Art. 8).
    for firm in firms:
        firm.demand = _demand(rng, firm)
    _choose_top100(rng, firms)

    n = len(firms)
    rows: list[dict[str, Any]] = []
    for firm in firms:
        kind = firm.kind
        categories = tuple(sorted({c for c, p in kind.categories if rng.random() < p}
                                  | ({7} if rng.random() < 0.02 else set())))
        if firm.top100 or rng.random() > 0.12:
            senior, key, other = _parts(rng, firm.demand)
        else:  # a small employer giving only the total
            senior = key = other = None
        has_prior = firm.headquarters or firm.top100 or rng.random() < 0.78
        quota = used = lost = None
        rate: Decimal | None = None
        if has_prior:
            quota = max(1, round(firm.demand * rng.uniform(0.45, 1.0)))
            used = int(rng.binomial(quota, rng.uniform(0.6, 1.0)))
            rate = (Decimal(0) if rng.random() < 0.4
                    else Decimal(int(rng.integers(5, 96))) / 1000)
            lost = 0
        rows.append({
            "credit_code": firm.credit_code, "name": firm.name, "unit_type": kind.unit_type,
            "industry_code": kind.industry, "sector": _sector(kind.industry),
            "categories": categories, "top100": firm.top100,
            "demand_senior": senior, "demand_key_staff": key, "demand_other": other,
            "demand_total": firm.demand, "prior_quota": quota, "prior_used": used,
            "attrition_rate": rate, "lost_within_3m": lost, "violations": (),
            "status": "normal", "negative_list": "none", "positive_list": False,
            "submitted_on": None,
        })

    # Sanctions (Art. 13, 16): attrition above the 10 % line, early leavers, violations, status.
    with_prior = [i for i in range(n) if rows[i]["prior_quota"] is not None]
    for i in _pick(rng, with_prior, (0.07, 0.12), n):
        rows[i]["attrition_rate"] = Decimal(int(rng.integers(105, 351))) / 1000
        if rng.random() < 0.25:
            rows[i]["violations"] = (3,)
    for i in _pick(rng, with_prior, (0.02, 0.04), n):
        rows[i]["lost_within_3m"] = int(rng.integers(1, 4))
    ordinary = [i for i in range(n) if not firms[i].top100]
    for i in _pick(rng, ordinary, (0.015, 0.03), n):
        rows[i]["violations"] = tuple(sorted({*rows[i]["violations"],
                                              int(rng.choice([1, 2, 4, 5, 6]))}))
    blacklisted = max(1, round(n * rng.uniform(0.002, 0.005)))
    terminated = round(n * rng.uniform(0.001, 0.004))
    suspended = max(1, round(n * rng.uniform(0.025, 0.045)))
    sanctioned = _subset(rng, ordinary, blacklisted + terminated + suspended)
    order = rng.permutation(len(sanctioned))
    for rank, position in enumerate(order):
        i = sanctioned[position]
        if rank < blacklisted:
            rows[i]["status"] = "blacklisted"
            rows[i]["violations"] = tuple(sorted({*rows[i]["violations"], 4}))
        elif rank < blacklisted + terminated:
            rows[i]["status"] = "terminated"
            rows[i]["violations"] = tuple(sorted({*rows[i]["violations"], 5}))
        else:
            rows[i]["status"] = "suspended"
    negative = [i for i in range(n) if firms[i].kind.industry in NEGATIVE_LIST_INDUSTRIES]
    for rank, i in enumerate(_pick(rng, negative, (0.008, 0.015), n, minimum=1)):
        rows[i]["negative_list"] = "prohibited" if rank % 3 == 2 else "restricted"

    # Submission dates: Q4 of the year before the plan year, heavier towards the deadline.
    days = _working_days(year - 1)
    weights = np.array([3.0 if d.month == 11 else 2.0 if d.month == 10 else 0.7 for d in days])
    picks = rng.choice(len(days), size=n, p=weights / weights.sum())
    for row, pick in zip(rows, picks, strict=True):
        row["submitted_on"] = days[pick]

    # The city's list of supported and encouraged industries (Art. 3, the positive list):
    # mostly technology, R&D, culture and finance, never an industry on the negative list.
    for firm, row in zip(firms, rows, strict=True):
        row["positive_list"] = bool(row["negative_list"] == "none"
                                    and rng.random() < POSITIVE_LIST_SHARES[firm.segment])

    # As received by the bureau: by date, then credit code.
    rows.sort(key=lambda r: (r["submitted_on"], r["credit_code"]))
    return pd.DataFrame({c.key: pd.Series([r[c.key] for r in rows], dtype="object")
                         for c in COLUMNS})


def _sector(industry: str) -> str:
    """The Art. 8 priority sector of an industry class (the rule the reader applies to blanks)."""
    return sector_of_industry(industry)[0]


def sample_title(year: int) -> str:
    return text("sample.title", year=year).zh


def write_sample(path: str | Path, employers: int = 600, seed: int = 2027,
                 year: int = 2027) -> None:
    """Write ``employers`` synthetic submissions for plan ``year`` to a demand workbook."""
    from allocator.excel import write_demand_workbook

    write_demand_workbook(path, generate(employers, seed, year), title=sample_title(year),
                          year=year)


def describe(frame: pd.DataFrame) -> dict[str, object]:
    """The statistics the realism targets speak of, for reports (tests recompute their own)."""
    demand = frame["demand_total"].astype(int)
    top = frame["top100"].astype(bool)
    return {
        "employers": len(frame),
        "median": float(demand.median()), "mean": float(demand.mean()),
        "p90": float(demand.quantile(0.9)), "max": int(demand.max()),
        "total": int(demand.sum()),
        "sectors": dict(Counter(frame["sector"])),
        "top100": int(top.sum()), "top100_share": float(demand[top].sum() / demand.sum()),
        "above_attrition": int(sum(r is not None and r > Decimal("0.1")
                                   for r in frame["attrition_rate"])),
        "status": dict(Counter(frame["status"])),
        "negative_list": dict(Counter(frame["negative_list"])),
        "unit_types": dict(Counter(frame["unit_type"])),
    }
