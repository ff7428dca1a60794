"""Scenarios (docs/scenario.md): every threshold of the policy as a typed, validated parameter.

A scenario is a TOML file in ``scenarios/``. Art. 19 lets the bureau adjust the rules' conditions,
so no threshold of the policy is a constant in code: it is a parameter here, with a default.

One table, :data:`PARAMETERS`, holds every parameter's key, default, Chinese and English name and
help, article, kind and bounds. The pydantic models take their defaults and bounds from it
(:func:`_spec`), the docs page ``docs/scenario.md`` is generated from it
(:func:`parameters_markdown`), and the app's parameter editor reads it. A default is written in
the table and nowhere else.

Numbers are read exactly: ``tomllib`` parses floats as :class:`~decimal.Decimal`, so ``0.1`` is
one tenth and a whole number ``1`` stays distinct from ``1.0`` — which matters for a
:class:`Cut`, where ``1`` removes one permit and ``1.0`` removes everything.

Bad scenario files are treated like bad workbooks: :func:`load_scenario` raises
:class:`~allocator.errors.InputError` naming every problem at once — the parameter's dotted key,
the TOML line it is written on, the offending value, and what is allowed, in Chinese and
English.

>>> s = parse_scenario('[cap]\\nannual = 3000\\n[sanctions]\\nattrition_cut = 2')
>>> s.cap.allocatable, s.sanctions.attrition_cut.amount(10), s.sanctions.attrition_threshold
(3000, 2, Decimal('0.1'))
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from allocator.docs import article_text
from allocator.errors import InputError, Issue, Severity, issue, show_value
from allocator.i18n import Text, text
from allocator.schema import CATEGORIES, SECTORS, STATUSES, UNIT_TYPES, VIOLATIONS, Choice

#: The application statuses a scenario may exclude (Art. 13, 16): every one but "normal",
#: which is what being eligible means.
EXCLUDABLE_STATUSES = tuple(c for c in STATUSES if c.code != "normal")
#: Largest number of permits any count in a scenario may name (caps, floors, cuts).
MAX_PERMITS = 10_000_000
#: Largest weight: a larger multiplier could only overflow the solver's integer coefficients.
MAX_WEIGHT = Decimal(100)
#: Decimal places a number may carry; more is never meant and bloats the solver's coefficients.
MAX_PLACES = 6

#: Apportionment rules (docs/policy.md); mirrors ``allocator.methods.Method``.
METHODS: tuple[str, ...] = (
    "sainte-lague", "dhondt", "huntington-hill", "adams", "dean", "hamilton",
)
METHOD_ALIASES: dict[str, str] = {
    "webster": "sainte-lague", "jefferson": "dhondt", "hill": "huntington-hill",
}
MethodName = Literal["sainte-lague", "dhondt", "huntington-hill", "adams", "dean", "hamilton"]

TIE_BREAK_KEYS: tuple[str, ...] = ("weight", "submitted_on", "credit_code")
TieBreakKey = Literal["weight", "submitted_on", "credit_code"]

RESTRICTED_RULES: tuple[str, ...] = ("exclude", "none")

#: How a share cut is rounded to whole permits (docs/scenario.md): by default a breach never rounds
#: to a cut of zero — an employer with eligible demand loses at least one permit.
SHARE_ROUNDINGS: tuple[str, ...] = ("at_least_one", "down", "nearest", "up")
ShareRounding = Literal["at_least_one", "down", "nearest", "up"]

#: How the multipliers that apply to one employer (sector, category, positive list, top-100)
#: combine into its weight (Art. 8 states the tilts, not how they add up).
WEIGHT_COMBINATIONS: tuple[str, ...] = ("product", "largest")
WeightCombination = Literal["product", "largest"]

Kind = Literal["int", "decimal", "share", "cut", "choice", "list", "text", "bool"]

_NUMERALS = "一二三四五六七八九"


# -- numbers ----------------------------------------------------------------------------------
def _error(code: str, **ctx: Any) -> PydanticCustomError:
    """A validation error whose ``type`` names one of our own messages (``scenario.<code>``)."""
    return PydanticCustomError(f"scenario_{code}", code, ctx or None)


def canonical_decimal(value: Decimal) -> Decimal:
    """``value`` without trailing zeros or exponent: ``0.10`` → ``0.1``, ``1E+2`` → ``100``.

    Exact (unlike :meth:`Decimal.normalize`, which rounds to the context's precision), so two
    numerically equal parameters are written, compared and hashed the same.
    """
    if not value.is_finite():
        return value
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    figures = list(digits)
    while exponent < 0 and len(figures) > 1 and figures[-1] == 0:
        figures.pop()
        exponent += 1
    if not any(figures):
        return Decimal(0)
    if 0 < exponent <= 12:  # larger ones are absurd and rejected by the bounds anyway
        figures += [0] * exponent
        exponent = 0
    return Decimal((sign, tuple(figures), exponent))


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _float_like(value: Decimal) -> Decimal:
    """The same number written with a decimal point, so TOML reads it back as a float."""
    value = canonical_decimal(value)
    if value.is_finite() and value.as_tuple().exponent == 0:
        return value.quantize(Decimal("0.1"))
    return value


def _as_decimal(value: object) -> Decimal:
    """A TOML number as a Decimal; raises our error for text, true/false, nan and inf."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _error("number")
    if isinstance(value, float):
        value = Decimal(repr(value))  # the shortest spelling: 0.1 stays one tenth
    number = Decimal(value)
    if not number.is_finite():
        raise _error("not_finite")
    number = canonical_decimal(number)
    if _places(number) > MAX_PLACES:
        raise _error("places", places=MAX_PLACES)
    return number


def _item_number(value: object, largest: int) -> int:
    """An article item written as ``3``, ``"3"`` or ``"三"``."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        written = value.strip()
        if written.isascii() and written.isdigit():
            number = int(written)
        elif len(written) == 1 and written in _NUMERALS:
            number = _NUMERALS.index(written) + 1
    if number is None or not 1 <= number <= largest:
        raise _error("item", item=show_value(value), largest=largest)
    return number


# -- cuts -------------------------------------------------------------------------------------
class Cut(BaseModel):
    """The size of a sanction (Art. 16): a number of permits, or a share of eligible demand.

    In TOML a whole number ``n ≥ 0`` removes ``n`` permits; a decimal ``0 ≤ c ≤ 1`` removes
    ``floor(c × eligible)``. ``1`` and ``1.0`` differ: one permit, or everything.

    >>> Cut.count(1).amount(10), Cut.share("1.0").amount(10), Cut.share("0.3").amount(10)
    (1, 10, 3)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["count", "share"]
    value: int | Decimal

    @classmethod
    def count(cls, permits: int) -> Cut:
        return cls.model_validate(permits)

    @classmethod
    def share(cls, fraction: str | int | float | Decimal) -> Cut:
        # Always a share, even when written as a whole number: Cut.share(1) removes everything.
        if isinstance(fraction, float):
            return cls.model_validate(fraction)
        return cls.model_validate(Decimal(fraction))

    @model_validator(mode="before")
    @classmethod
    def _from_toml(cls, data: Any) -> dict[str, Any]:
        if isinstance(data, Cut):
            return {"kind": data.kind, "value": data.value}
        kind: str | None = None
        if isinstance(data, Mapping):
            if set(data) != {"kind", "value"} or data["kind"] not in ("count", "share"):
                raise _error("cut")
            kind, data = data["kind"], data["value"]
            if kind == "share" and isinstance(data, int) and not isinstance(data, bool):
                data = Decimal(data)
        if isinstance(data, int) and not isinstance(data, bool) and kind in (None, "count"):
            if not 0 <= data <= MAX_PERMITS:
                raise _error("cut")
            return {"kind": "count", "value": data}
        if isinstance(data, Decimal | float) and kind in (None, "share"):
            try:
                share = _as_decimal(data)
            except PydanticCustomError as problem:
                if problem.type == "scenario_places":
                    raise
                raise _error("cut") from None
            if not 0 <= share <= 1:
                raise _error("cut")
            return {"kind": "share", "value": share}
        raise _error("cut")

    @model_serializer(mode="plain")
    def _as_toml(self) -> int | Decimal:
        # The TOML spelling: an int for a count, a Decimal (written as a float) for a share.
        return self.value

    def amount(self, eligible: int, rounding: str = "down") -> int:
        """Permits removed from ``eligible``: never more than ``eligible``.

        A share is multiplied exactly (as a fraction), so 0.3 × 10 is 3, not 2.9999…, and
        rounded as ``rounding`` says (:data:`SHARE_ROUNDINGS`): ``down``, ``nearest`` (halves
        up), ``up``, or ``at_least_one`` — down, but a positive share of a positive demand
        removes at least one permit (docs/scenario.md: a breach never rounds to a cut of zero).

        >>> [Cut.share("0.2").amount(4, r) for r in ("down", "at_least_one", "nearest", "up")]
        [0, 1, 1, 1]
        """
        if eligible < 0:
            raise ValueError(f"eligible demand must not be negative, got {eligible}")
        if self.kind == "count":
            return min(int(self.value), eligible)
        exact = Fraction(self.value) * eligible
        if rounding == "down":
            removed = math.floor(exact)
        elif rounding == "at_least_one":
            removed = max(math.floor(exact), 1 if exact > 0 else 0)
        elif rounding == "nearest":
            removed = math.floor(exact + Fraction(1, 2))
        elif rounding == "up":
            removed = math.ceil(exact)
        else:
            raise ValueError(f"unknown share rounding {rounding!r}")
        return min(eligible, removed)

    def is_none(self) -> bool:
        """True when the cut removes nothing, whatever the demand."""
        return self.value == 0

    def __str__(self) -> str:
        return str(self.value) if self.kind == "count" else str(_float_like(Decimal(self.value)))


# -- the table of parameters ------------------------------------------------------------------
class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of a parameter that has none: the planner must give it.
REQUIRED: Any = _Required()


@dataclass(frozen=True, slots=True)
class Parameter:
    """One scenario parameter: its dotted key, default, names, help, article and bounds."""

    key: str
    default: Any
    label_zh: str
    label_en: str
    help_zh: str
    help_en: str
    article: str
    kind: Kind
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    choices: tuple[str, ...] = ()
    exclusive_minimum: bool = False  # minimum < value rather than minimum ≤ value

    @property
    def label(self) -> Text:
        return Text(zh=self.label_zh, en=self.label_en)

    @property
    def help(self) -> Text:
        return Text(zh=self.help_zh, en=self.help_en)

    @property
    def section(self) -> str:
        return self.key.rsplit(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.rsplit(".", 1)[1]

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


def _numeral(n: int) -> str:
    return _NUMERALS[n - 1]


_METHOD_HELP_ZH = (
    "除数法的取整规则：sainte-lague（圣拉古法，即韦伯斯特法，默认）、dhondt（洪德法，即杰斐逊法）、"
    "huntington-hill（亨廷顿—希尔法）、adams（亚当斯法）、dean（迪恩法）；hamilton（最大余额法）"
    "仅供比较。也可写别名 webster、jefferson、hill。"
)
_METHOD_HELP_EN = (
    "The divisor method's rounding: sainte-lague (Webster, the default), dhondt (Jefferson), "
    "huntington-hill, adams, dean; hamilton (largest remainder) is for comparison only. The "
    "aliases webster, jefferson and hill are accepted."
)

#: Art. 16 items and the default cut for each: items 1, 2, 4, 5, 6 cut a share; item 3 (leavers
#: and attrition) is already handled by the attrition and three-month rules, so it cuts nothing.
_VIOLATION_DEFAULTS: dict[int, Cut] = {
    1: Cut.share("0.5"), 2: Cut.share("0.3"), 3: Cut.count(0), 4: Cut.share("1.0"),
    5: Cut.share("0.3"), 6: Cut.share("0.2"),
}

_SECTOR_DEFAULTS: dict[str, Decimal] = {
    "finance": Decimal("1.2"), "culture": Decimal("1.2"), "information": Decimal("1.2"),
    "other": Decimal(1),
}

#: Where a roster is screened (Art. 6); the wage has no default: a roster without it is an
#: error naming ``roster.city_average_wage``.
UNLISTED_RULES: tuple[str, ...] = ("keep", "exclude")
UnlistedRule = Literal["keep", "exclude"]

ROSTER_PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "roster.months", 6, "连续聘用月数", "Months of continuous employment",
        "申请人到参考日在申请单位连续聘用须满的月数（第六条：6个月）。",
        "Months of continuous employment with the employer an applicant needs by the "
        "reference date (Art. 6: 6).",
        "6", "int", minimum=0, maximum=600,
    ),
    Parameter(
        "roster.reference_date", "", "资格审核参考日", "Reference date",
        "计算聘用月数的日期，写作2026-12-31；不填则为计划年度前一年的12月31日（申报期末）。",
        "The date employment is counted to, written 2026-12-31; blank means 31 December of "
        "the year before the plan year (the end of the submission period).",
        "6", "text", maximum=10,
    ),
    Parameter(
        "roster.income_multiple", Decimal(1), "收入倍数", "Income multiple",
        "上年度应税收入须严格超过“该倍数 × 上年度全市职工平均工资”（第六条“一定倍数”，细则未写明，"
        "由区里确定）。",
        "Last year's taxable income must be strictly above this multiple of last year's city "
        "average wage (Art. 6 says 'a multiple' without a figure: the district sets it).",
        "6", "decimal", minimum=0, maximum=MAX_WEIGHT,
    ),
    Parameter(
        "roster.city_average_wage", None, "上年度全市职工平均工资（元/年）",
        "Last year's city average wage (yuan a year)",
        "上年度本市职工年平均工资（元）。有人员名单时必填，并在“工资数据来源”写明出处。",
        "Last year's average yearly wage in Beijing, in yuan. Required when a roster is "
        "screened; say where it comes from in 'Source of the wage figure'.",
        "6", "int", minimum=1, maximum=10_000_000,
    ),
    Parameter(
        "roster.wage_source", "", "工资数据来源", "Source of the wage figure",
        "平均工资数据的出处，如发布机关、文件和年度。",
        "Where the average wage comes from: the publishing body, the notice and the year.",
        "6", "text", maximum=400,
    ),
    Parameter(
        "roster.degree_work_years", 2, "第一项工作年限", "Years of work for item (1)",
        "第六条第一项：学士以上学位者须具有的工作年限（年）。",
        "Art. 6(1): years of work a bachelor's degree or higher needs.",
        "6(1)", "int", minimum=0, maximum=60,
    ),
    Parameter(
        "roster.item4_multiple", Decimal(4), "第四项收入倍数", "Income multiple of item (4)",
        "第六条第四项：近三年每年应税收入须超过平均工资的倍数。",
        "Art. 6(4): the multiple of the average wage income must exceed in each of the last "
        "three years.",
        "6(4)", "decimal", minimum=0, maximum=MAX_WEIGHT,
    ),
    Parameter(
        "roster.item5_multiple", Decimal(8), "第五项收入倍数", "Income multiple of item (5)",
        "第六条第五项：近三年每年应税收入须超过平均工资的倍数。",
        "Art. 6(5): the multiple of the average wage income must exceed in each of the last "
        "three years.",
        "6(5)", "decimal", minimum=0, maximum=MAX_WEIGHT,
    ),
    Parameter(
        "roster.item8_tax", 200_000, "第八项年纳税额", "Yearly tax of item (8)",
        "第六条第八项：自由职业者近三年每年纳税不低于该金额（元）。",
        "Art. 6(8): a freelancer's tax in each of the last three years is at least this "
        "(yuan).",
        "6(8)", "int", minimum=0, maximum=10_000_000_000,
    ),
    Parameter(
        "roster.unlisted", "keep", "名单外单位", "Employers without roster rows",
        "有人员名单时，名单中没有人员的单位：keep（按申报数保留并提示）或 exclude（不予分配）。",
        "When a roster is given, employers with no applicant on it: keep (their declared "
        "demand stands, with a warning) or exclude (they receive nothing).",
        "6", "choice", choices=UNLISTED_RULES,
    ),
)

PARAMETERS: tuple[Parameter, ...] = (
    # [scenario]
    Parameter(
        "scenario.name", "未命名方案", "方案名称", "Scenario name",
        "方案的简短名称，显示在方案比较表和导出的工作簿中。",
        "A short name, shown in comparisons and exported workbooks.",
        "", "text", maximum=100,
    ),
    Parameter(
        "scenario.description", "", "方案说明", "Description",
        "本方案要回答的政策问题，或与基准方案的区别。",
        "The policy question this scenario answers, or how it differs from the baseline.",
        "", "text", maximum=4000,
    ),
    Parameter(
        "scenario.year", None, "计划年度", "Plan year",
        "指标所属年度，如2027；申报日期应在前一年第四季度。不填则按申报表推断。",
        "The year the quota is for, e.g. 2027; submissions are expected in Q4 of the year "
        "before. When omitted it is inferred from the workbook.",
        "7", "int", minimum=2000, maximum=2100,
    ),
    # [cap]
    Parameter(
        "cap.annual", REQUIRED, "年度指标总量", "Annual cap",
        "市里下达本区的年度办证指标总量。必填。",
        "The annual number of new permits the city grants the district. Required.",
        "4", "int", minimum=0, maximum=MAX_PERMITS,
    ),
    Parameter(
        "cap.reserve", 0, "预留指标", "Reserve",
        "从年度总量中预留、不参加本次分配的指标数（如留给年中急需）；可分配数 = 总量 − 预留。",
        "Permits kept back from this allocation (e.g. for urgent needs during the year); "
        "allocatable = annual cap − reserve.",
        "4", "int", minimum=0, maximum=MAX_PERMITS,
    ),
    # [method]
    Parameter(
        "method.rule", "sainte-lague", "分配方法", "Apportionment method",
        _METHOD_HELP_ZH, _METHOD_HELP_EN, "2", "choice", choices=METHODS,
    ),
    Parameter(
        "method.min_per_employer", 0, "每单位最低指标", "Minimum per employer",
        "每个有效需求大于0的单位至少分得的指标数（不超过其有效需求）；0表示不设。细则没有这一条，"
        "这是区里依第十九条的做法。",
        "Permits every employer with eligible demand receives at least (never more than its "
        "eligible demand); 0 means no floor. No article says this: it is the district's "
        "practice under Art. 19.",
        "19", "int", minimum=0, maximum=MAX_PERMITS,
    ),
    Parameter(
        "method.max_per_employer", 0, "每单位最高指标", "Maximum per employer",
        "单个单位最多分得的指标数；0表示不限。",
        "The most permits one employer may receive; 0 means no limit.",
        "4", "int", minimum=0, maximum=MAX_PERMITS,
    ),
    Parameter(
        "method.max_share", Decimal(1), "单位占比上限", "Maximum share per employer",
        "单个单位最多分得可分配数的比例，即上限为“比例 × 可分配数”向下取整；1表示不限。",
        "The largest share of the allocatable permits one employer may receive: its ceiling is "
        "floor(share × allocatable); 1 means no limit.",
        "4", "share", minimum=0, maximum=1, exclusive_minimum=True,
    ),
    Parameter(
        "method.tie_break", ("weight", "submitted_on", "credit_code"),
        "并列决胜顺序", "Tie-break order",
        "临界名额上分配依据相同时依次比较：weight（权重大者优先）、submitted_on（申报早者优先）、"
        "credit_code（统一社会信用代码小者优先）。未写credit_code时自动补在最后，保证顺序唯一；"
        "结果中会列出并列情况。",
        "When claims tie for the last permits, compare in this order: weight (larger first), "
        "submitted_on (earlier first), credit_code (smaller first). credit_code is appended "
        "when missing, so the order is total; ties are reported in the result.",
        "", "list", choices=TIE_BREAK_KEYS,
    ),
    # [eligibility]
    Parameter(
        "eligibility.unit_types", tuple(c.code for c in UNIT_TYPES if c.code != "other"),
        "可申请单位类型", "Eligible unit types",
        "可以分配指标的单位类型（第五条）；其他类型的单位不予分配。可写代码、中文或英文名称。",
        "Unit types that may receive permits (Art. 5); employers of other types receive none. "
        "Codes, Chinese or English names are accepted.",
        "5", "list", choices=tuple(c.code for c in UNIT_TYPES),
    ),
    Parameter(
        "eligibility.excluded_statuses", ("suspended", "terminated", "blacklisted"),
        "不予分配的资格状态", "Excluded statuses",
        "处于这些申请资格状态的单位不予分配：暂停、终止（第十三条），黑名单（第十六条）。",
        "Employers with these application statuses receive nothing: suspended or terminated "
        "(Art. 13), blacklisted (Art. 16).",
        "13, 16", "list", choices=tuple(c.code for c in EXCLUDABLE_STATUSES),
    ),
    # [weights]
    Parameter(
        "weights.top100", Decimal(1), "区级百强企业权重", "Top-100 weight",
        "区级百强企业的额外系数；各项系数如何合成权重见“权重合成方式”。1表示不另加权。",
        "Extra multiplier for district top-100 firms; how the multipliers make one weight is "
        "set by 'How weights combine'. 1 means none.",
        "8", "decimal", minimum=0, maximum=MAX_WEIGHT, exclusive_minimum=True,
    ),
    Parameter(
        "weights.positive_list", Decimal("1.2"), "正面清单权重", "Positive-list weight",
        "属于全市支持和鼓励发展产业目录（第三条“正面清单”）的单位的系数；1表示不倾斜。",
        "Multiplier for employers whose industry is on the city's list of supported and "
        "encouraged industries (Art. 3, the 'positive list'); 1 means no tilt.",
        "3", "decimal", minimum=0, maximum=MAX_WEIGHT, exclusive_minimum=True,
    ),
    Parameter(
        "weights.combine", "product", "权重合成方式", "How weights combine",
        "一家单位同时适用多项系数（重点产业、重点支持类别、正面清单、区级百强企业）时："
        "product（相乘，默认）或 largest（只取其中最大的一项）。第八条只规定倾斜，未规定叠加方式；"
        "每家单位的说明列出适用的各项系数。",
        "When several multipliers apply to one employer (priority sector, category, positive "
        "list, top-100): product (multiply them, the default) or largest (only the largest "
        "applies). Art. 8 states the tilts, not how they add up; each employer's sentence "
        "lists every multiplier that applied.",
        "8", "choice", choices=WEIGHT_COMBINATIONS,
    ),
    # [weights.sector]
    *(
        Parameter(
            f"weights.sector.{choice.code}", _SECTOR_DEFAULTS[choice.code],
            f"{choice.zh}产业权重" if choice.code != "other" else "其他产业权重",
            f"{choice.en} weight" if choice.code != "other" else "Other sectors weight",
            f"{choice.zh}单位的有效需求乘以该系数（第八条在数量上倾斜）；1表示不倾斜。"
            if choice.code != "other" else "不属于重点产业的单位的系数；1表示不调整。",
            f"Multiplier on the eligible demand of {choice.en.lower()} employers (Art. 8 tilt "
            "in numbers); 1 means no tilt." if choice.code != "other" else
            "Multiplier for employers outside the priority sectors; 1 means unchanged.",
            "8", "decimal", minimum=0, maximum=MAX_WEIGHT, exclusive_minimum=True,
        )
        for choice in SECTORS
    ),
    # [weights.category]
    *(
        Parameter(
            f"weights.category.{n}", Decimal("1.2"),
            f"重点支持类别{_numeral(n)}权重", f"Category {n} weight",
            f"属于第八条第{_numeral(n)}项（{zh}）的单位的系数；单位属于多类时取其中最大者。",
            f"Multiplier for Art. 8 category {n} ({en}); an employer in several categories "
            "takes the largest.",
            f"8({n})", "decimal", minimum=0, maximum=MAX_WEIGHT, exclusive_minimum=True,
        )
        for n, (zh, en) in CATEGORIES.items()
    ),
    # [guarantee]
    Parameter(
        "guarantee.top100_senior", Decimal(1), "百强企业高管保障比例",
        "Guaranteed share of top-100 senior managers",
        "区级百强企业申报的高级管理人员中必须保障的比例（第八条“全力支持”），向下取整；"
        "1表示全额保障，0表示不保障。",
        "Share of a top-100 firm's senior-manager demand that is guaranteed (Art. 8 'full "
        "support'), rounded down; 1 guarantees all, 0 none.",
        "8", "share", minimum=0, maximum=1,
    ),
    Parameter(
        "guarantee.top100_key_staff", Decimal(0), "百强企业业务骨干保障比例",
        "Guaranteed share of top-100 key staff",
        "区级百强企业申报的业务骨干中必须保障的比例（第八条“适当比例”），向下取整；0表示不保障。",
        "Share of a top-100 firm's key-staff demand that is guaranteed (Art. 8 'a share'), "
        "rounded down; 0 guarantees none.",
        "8", "share", minimum=0, maximum=1,
    ),
    # [sanctions]
    Parameter(
        "sanctions.attrition_threshold", Decimal("0.1"), "流失率阈值", "Attrition threshold",
        "近一年流失率严格高于该值时压减指标（第十六条第三项，原文为10%）；按0到1之间的小数填写。",
        "A one-year attrition rate strictly above this triggers a cut (Art. 16(3): 10 %); "
        "written as a decimal between 0 and 1.",
        "16(3)", "share", minimum=0, maximum=1,
    ),
    Parameter(
        "sanctions.attrition_cut", Cut.share("0.5"), "流失率超标压减", "Cut for high attrition",
        "流失率超过阈值时的压减：小数为压减比例（有效需求 × 比例，按“压减比例取整”取整），"
        "整数为压减人数。",
        "Cut when attrition is above the threshold: a decimal removes that share of eligible "
        "demand (rounded as 'Rounding of share cuts' says), a whole number removes that many "
        "permits.",
        "16(3)", "cut", minimum=0,
    ),
    Parameter(
        "sanctions.lost_within_3m_cut", Cut.count(1), "三个月内离职压减",
        "Cut for leavers within 3 months",
        "取证后三个月内离职的人员：整数为每离职一人压减的人数（按人数累计）；小数为压减比例，"
        "只要有人离职即按该比例压减一次。",
        "Holders who left within three months of the permit: a whole number is removed per "
        "leaver (so it adds up); a decimal is a share removed once if anyone left.",
        "16(3)", "cut", minimum=0,
    ),
    *(
        Parameter(
            f"sanctions.violation_cut.{n}", _VIOLATION_DEFAULTS[n],
            f"违规情形{_numeral(n)}压减", f"Cut for violation {n}",
            f"有第十六条第{_numeral(n)}项情形（{zh}）的单位的压减：小数为压减比例（1.0为全部压减），"
            "整数为压减人数，0为不压减。"
            + ("该情形默认由流失率和三个月内离职规则处理。" if n == 3 else ""),
            f"Cut for an employer with Art. 16 item {n} ({en}): a decimal is a share (1.0 "
            "removes everything), a whole number is permits, 0 is none."
            + (" By default this item is handled by the attrition and three-month rules."
               if n == 3 else ""),
            f"16({n})", "cut", minimum=0,
        )
        for n, (zh, en) in VIOLATIONS.items()
    ),
    Parameter(
        "sanctions.restricted_industry", "exclude", "限制类行业处理", "Restricted industries",
        "属于全市限制类目录的单位：exclude（不予分配）、none（不压减），或写压减比例（小数）"
        "或人数（整数）。禁止类一律不予分配（第三条）。",
        "Employers on the city's restricted list: exclude (receive nothing), none (no cut), or "
        "a cut as a share (decimal) or permits (whole number). Prohibited industries are always "
        "excluded (Art. 3).",
        "3", "cut", minimum=0, choices=RESTRICTED_RULES,
    ),
    Parameter(
        "sanctions.share_rounding", "at_least_one", "压减比例取整", "Rounding of share cuts",
        "按比例压减时人数如何取整：at_least_one（向下取整，但有合格需求的单位至少压减1个，默认）、"
        "down（向下取整，小单位可能减0个）、nearest（四舍五入）、up（向上取整）。",
        "How a share cut is rounded to whole permits: at_least_one (down, but an employer "
        "with eligible demand loses at least one; the default), down (small employers may lose "
        "none), nearest (halves up) or up.",
        "16", "choice", choices=SHARE_ROUNDINGS,
    ),
    # [utilisation]
    Parameter(
        "utilisation.min_rate", Decimal(0), "上年使用率下限", "Minimum prior-year utilisation",
        "上年度实际使用 ÷ 上年度分配指标严格低于该值时压减；0表示不考核。细则没有这一条，"
        "这是区人力社保局依第十九条（适时调整申办条件）的做法。",
        "When prior-year used ÷ prior-year quota is strictly below this, the quota is cut; 0 "
        "means no check. No article of the rules says this: it is the district's practice "
        "under Art. 19 (the bureau adjusts the conditions).",
        "19", "share", minimum=0, maximum=1,
    ),
    Parameter(
        "utilisation.cut", Cut.share("0"), "使用率不足压减", "Cut for low utilisation",
        "使用率低于下限时的压减：小数为压减比例，整数为压减人数（区里依第十九条的做法）。",
        "Cut when utilisation is below the minimum: a decimal is a share, a whole number is "
        "permits (the district's practice under Art. 19).",
        "19", "cut", minimum=0,
    ),
    # [roster] (Art. 6, 17, 18: screening the applicants behind the demand, docs/columns.md)
    *ROSTER_PARAMETERS,
)

#: The fields of one ``[groups.NAME]`` table; ``*`` stands for the group's name.
GROUP_PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "groups.*.sector", None, "按重点产业", "By sector",
        "该组为某一重点产业的全部单位：finance、culture、information、other，或中文名称。",
        "The group is every employer of one sector: finance, culture, information, other, or "
        "the Chinese name.",
        "8", "choice", choices=tuple(c.code for c in SECTORS),
    ),
    Parameter(
        "groups.*.top100", None, "按区级百强企业", "By top-100 status",
        "true：该组为全部区级百强企业；false：全部非百强企业。",
        "true: the group is every district top-100 firm; false: every other employer.",
        "8", "bool",
    ),
    Parameter(
        "groups.*.category", None, "按重点支持类别", "By category",
        "该组为属于第八条某一类（1至7）的全部单位。",
        "The group is every employer in one Art. 8 category (1 to 7).",
        "8", "int", minimum=1, maximum=len(CATEGORIES),
    ),
    Parameter(
        "groups.*.min", 0, "组下限", "Group floor",
        "该组合计至少分得的指标数（如某产业保底）。",
        "The group's allocations add up to at least this (e.g. a sector floor).",
        "8", "int", minimum=0, maximum=MAX_PERMITS,
    ),
    Parameter(
        "groups.*.max", None, "组上限", "Group ceiling",
        "该组合计最多分得的指标数；不写表示不限。",
        "The group's allocations add up to at most this; omit for no limit.",
        "8", "int", minimum=0, maximum=MAX_PERMITS,
    ),
)

PARAMETER: dict[str, Parameter] = {p.key: p for p in (*PARAMETERS, *GROUP_PARAMETERS)}

#: Names of the scenario's tables, for headings and messages.
SECTIONS: dict[str, tuple[str, str]] = {
    "scenario": ("方案信息", "Scenario"),
    "cap": ("指标总量", "Cap"),
    "method": ("分配方法", "Method"),
    "eligibility": ("申请资格", "Eligibility"),
    "weights.sector": ("重点产业权重", "Sector weights"),
    "weights.category": ("重点支持类别权重", "Category weights"),
    "weights": ("权重", "Weights"),
    "guarantee": ("保障", "Guarantees"),
    "sanctions.violation_cut": ("违规情形压减", "Cuts for violations"),
    "sanctions": ("惩戒压减", "Sanctions"),
    "utilisation": ("上年使用率", "Prior-year utilisation"),
    "roster": ("人员名单审核", "Roster screening"),
    "groups": ("分组上下限", "Group floors and ceilings"),
    "groups.*": ("分组", "Group"),
}


def _spec(key: str) -> Any:
    """The pydantic ``Field`` of a parameter: its default and bounds, from the table."""
    p = PARAMETER[key]
    bounds: dict[str, Any] = {}
    if p.kind in ("int", "decimal", "share"):
        if p.minimum is not None:
            bounds["gt" if p.exclusive_minimum else "ge"] = p.minimum
        if p.maximum is not None:
            bounds["le"] = p.maximum
    if p.kind == "text" and p.maximum is not None:
        bounds["max_length"] = p.maximum
    if p.required:
        return Field(**bounds)
    if isinstance(p.default, tuple):
        default = p.default
        return Field(default_factory=lambda: list(default), **bounds)
    return Field(default=p.default, **bounds)


def _item_defaults(section: str) -> dict[int, Any]:
    prefix = section + "."
    return {int(p.name): p.default for p in PARAMETERS if p.key.startswith(prefix)}


def _options(choices: Iterable[Choice]) -> Text:
    chosen = list(choices)
    return Text(zh="、".join(f"{c.zh}（{c.code}）" for c in chosen),
                en=", ".join(f"{c.code} ({c.en})" for c in chosen))


def _codes_text(codes: Iterable[str]) -> Text:
    listed = list(codes)
    return Text(zh="、".join(listed), en=", ".join(listed))


def _spelling(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def _choice_code(value: object, choices: Sequence[Choice]) -> str:
    if isinstance(value, str):
        wanted = _spelling(value)
        for choice in choices:
            if wanted in (_spelling(s) for s in choice.spellings()):
                return choice.code
    raise _error("choice", options=_options(choices))


# -- field types ------------------------------------------------------------------------------
def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error("integer")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _error("text")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _error("bool")
    return value


def _method(value: object) -> str:
    if isinstance(value, str):
        spelled = unicodedata.normalize("NFKD", value)
        spelled = "".join(ch for ch in spelled if not unicodedata.combining(ch))
        spelled = re.sub(r"[\s_]+", "-", spelled.strip().casefold()).replace("'", "")
        spelled = METHOD_ALIASES.get(spelled, spelled)
        if spelled in METHODS:
            return spelled
        further = _further_method_name(value)
        if further is not None:
            return further
    raise _error("choice", options=_codes_text([*METHODS, *METHOD_ALIASES]))


def _further_method_name(value: str) -> str | None:
    """A name only the methods module knows (e.g. ``largest-remainder``), if it is there."""
    try:
        from allocator.methods import ALIASES
    except ImportError:
        return None
    key = _spelling(value).replace("’", "'").replace("_", "-").replace(" ", "-")
    known = ALIASES.get(key)
    return str(known.value) if known is not None and known.value in METHODS else None


def _list_of(value: object) -> list[object]:
    if not isinstance(value, list | tuple):
        raise _error("list")
    return list(value)


def _tie_break(value: object) -> list[str]:
    keys: list[str] = []
    for item in _list_of(value):
        if not isinstance(item, str) or _spelling(item) not in TIE_BREAK_KEYS:
            raise _error("choice", options=_codes_text(TIE_BREAK_KEYS))
        key = _spelling(item)
        if key in keys:
            raise _error("duplicate", item=key)
        keys.append(key)
    if "credit_code" not in keys:
        keys.append("credit_code")  # the credit code is unique, so the order is total
    return keys


def _codes_of(choices: Sequence[Choice]) -> Callable[[object], list[str]]:
    """A validator for a list of enumerated values; codes come back in the schema's order."""

    def validate(value: object) -> list[str]:
        codes: list[str] = []
        for item in _list_of(value):
            code = _choice_code(item, choices)
            if code in codes:
                written = show_value(item)
                if written == code:
                    raise _error("duplicate", item=written)
                zh = next(c.zh for c in choices if c.code == code)
                raise _error("duplicate", item=Text(zh=f"{written}（即{zh}）",
                                                    en=f"{written} (= {code})"))
            codes.append(code)
        order = [c.code for c in choices]
        return sorted(codes, key=order.index)

    return validate


def _option(value: object, options: tuple[str, ...]) -> str:
    """One of ``options``, written in any case and with - or _ alike."""
    if isinstance(value, str):
        spelled = _spelling(value).replace("-", "_")
        if spelled in options:
            return spelled
    raise _error("choice", options=_codes_text(options))


def _restricted(value: object) -> str | Cut:
    if isinstance(value, str) and _spelling(value) in RESTRICTED_RULES:
        return _spelling(value)
    if isinstance(value, Cut):
        return value
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        try:
            return Cut.model_validate(value)
        except ValidationError:
            pass
    raise _error("restricted")


def _number_type(key: str) -> Any:
    """The Decimal type of one parameter, bounds included (for dict items)."""
    return Annotated[Decimal, BeforeValidator(_as_decimal), _spec(key)]


Whole = Annotated[int, BeforeValidator(_whole)]
Number = Annotated[Decimal, BeforeValidator(_as_decimal)]
Flag = Annotated[bool, BeforeValidator(_flag)]
TextValue = Annotated[str, BeforeValidator(_text)]
CategoryItem = Annotated[int, BeforeValidator(lambda v: _item_number(v, len(CATEGORIES)))]
ViolationItem = Annotated[int, BeforeValidator(lambda v: _item_number(v, len(VIOLATIONS)))]
CategoryWeight = Annotated[Decimal, BeforeValidator(_as_decimal),
                           Field(gt=Decimal(0), le=MAX_WEIGHT)]
SectorCode = Annotated[str, BeforeValidator(lambda v: _choice_code(v, SECTORS))]
Restricted = Annotated[Literal["exclude", "none"] | Cut, BeforeValidator(_restricted)]
Rule = Annotated[MethodName, BeforeValidator(_method)]
Rounding = Annotated[ShareRounding, BeforeValidator(lambda v: _option(v, SHARE_ROUNDINGS))]
Combination = Annotated[WeightCombination,
                        BeforeValidator(lambda v: _option(v, WEIGHT_COMBINATIONS))]
TieBreak = Annotated[list[TieBreakKey], BeforeValidator(_tie_break)]
UnitTypes = Annotated[list[str], BeforeValidator(_codes_of(UNIT_TYPES))]
Statuses = Annotated[list[str], BeforeValidator(_codes_of(EXCLUDABLE_STATUSES))]


# -- the models -------------------------------------------------------------------------------
class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class ScenarioInfo(_Table):
    name: TextValue = _spec("scenario.name")
    description: TextValue = _spec("scenario.description")
    year: Whole | None = _spec("scenario.year")


class CapConfig(_Table):
    annual: Whole = _spec("cap.annual")
    reserve: Whole = _spec("cap.reserve")

    @model_validator(mode="after")
    def _reserve_within_cap(self) -> CapConfig:
        if self.reserve > self.annual:  # Art. 4: the reserve comes out of the annual cap
            raise _error("reserve_above_annual", key="reserve", reserve=self.reserve,
                         annual=self.annual)
        return self

    @property
    def allocatable(self) -> int:
        return self.annual - self.reserve


class MethodConfig(_Table):
    rule: Rule = _spec("method.rule")
    min_per_employer: Whole = _spec("method.min_per_employer")
    max_per_employer: Whole = _spec("method.max_per_employer")
    max_share: Number = _spec("method.max_share")
    tie_break: TieBreak = _spec("method.tie_break")

    @model_validator(mode="after")
    def _floor_below_ceiling(self) -> MethodConfig:
        if self.max_per_employer and self.min_per_employer > self.max_per_employer:
            raise _error("per_employer_min_max", key="min_per_employer",
                         minimum=self.min_per_employer, maximum=self.max_per_employer)
        return self


class EligibilityConfig(_Table):
    unit_types: UnitTypes = _spec("eligibility.unit_types")
    excluded_statuses: Statuses = _spec("eligibility.excluded_statuses")


class SectorWeights(_Table):
    finance: Number = _spec("weights.sector.finance")
    culture: Number = _spec("weights.sector.culture")
    information: Number = _spec("weights.sector.information")
    other: Number = _spec("weights.sector.other")


class Weights(_Table):
    sector: SectorWeights = Field(default_factory=SectorWeights)
    category: dict[CategoryItem, CategoryWeight] = Field(
        default_factory=lambda: _item_defaults("weights.category"))
    top100: Number = _spec("weights.top100")
    positive_list: Number = _spec("weights.positive_list")
    combine: Combination = _spec("weights.combine")

    @field_validator("category", mode="after")
    @classmethod
    def _every_category(cls, given: dict[int, Decimal]) -> dict[int, Decimal]:
        # Items left out keep their default; the result always has items 1…7, in order.
        return dict(sorted({**_item_defaults("weights.category"), **given}.items()))


class GuaranteeConfig(_Table):
    top100_senior: Number = _spec("guarantee.top100_senior")
    top100_key_staff: Number = _spec("guarantee.top100_key_staff")


class SanctionsConfig(_Table):
    attrition_threshold: Number = _spec("sanctions.attrition_threshold")
    attrition_cut: Cut = _spec("sanctions.attrition_cut")
    lost_within_3m_cut: Cut = _spec("sanctions.lost_within_3m_cut")
    violation_cut: dict[ViolationItem, Cut] = Field(
        default_factory=lambda: _item_defaults("sanctions.violation_cut"))
    restricted_industry: Restricted = _spec("sanctions.restricted_industry")
    share_rounding: Rounding = _spec("sanctions.share_rounding")

    @field_validator("violation_cut", mode="after")
    @classmethod
    def _every_violation(cls, given: dict[int, Cut]) -> dict[int, Cut]:
        return dict(sorted({**_item_defaults("sanctions.violation_cut"), **given}.items()))


class UtilisationConfig(_Table):
    min_rate: Number = _spec("utilisation.min_rate")
    cut: Cut = _spec("utilisation.cut")


def _reference_date(value: object) -> str:
    """Blank, or an ISO date (TOML's own date is accepted too)."""
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise _error("text")
    written = value.strip()
    if written:
        try:
            date.fromisoformat(written)
        except ValueError:
            raise _error("roster.date") from None
    return written


class RosterConfig(_Table):
    """How applicants are screened (Art. 6, 17, 18); used only when a roster is given."""

    months: Whole = _spec("roster.months")
    reference_date: Annotated[str, BeforeValidator(_reference_date)] = \
        _spec("roster.reference_date")
    income_multiple: Number = _spec("roster.income_multiple")
    city_average_wage: Whole | None = _spec("roster.city_average_wage")
    wage_source: TextValue = _spec("roster.wage_source")
    degree_work_years: Whole = _spec("roster.degree_work_years")
    item4_multiple: Number = _spec("roster.item4_multiple")
    item5_multiple: Number = _spec("roster.item5_multiple")
    item8_tax: Whole = _spec("roster.item8_tax")
    unlisted: Annotated[UnlistedRule, BeforeValidator(lambda v: _option(v, UNLISTED_RULES))] = \
        _spec("roster.unlisted")

    def reference(self, plan_year: int | None) -> date | None:
        """The reference date: the parameter, or 31 December before the plan year."""
        if self.reference_date:
            return date.fromisoformat(self.reference_date)
        return None if plan_year is None else date(plan_year - 1, 12, 31)


class GroupConfig(_Table):
    """A set of employers whose allocations together have a floor and/or a ceiling."""

    sector: SectorCode | None = _spec("groups.*.sector")
    top100: Flag | None = _spec("groups.*.top100")
    category: CategoryItem | None = _spec("groups.*.category")
    min: Whole = _spec("groups.*.min")
    max: Whole | None = _spec("groups.*.max")

    @model_validator(mode="after")
    def _one_selector_and_ordered_bounds(self) -> GroupConfig:
        selectors = [s for s in (self.sector, self.top100, self.category) if s is not None]
        if len(selectors) != 1:
            raise _error("group_selectors", count=len(selectors))
        if self.max is not None and self.min > self.max:
            raise _error("group_min_max", key="min", minimum=self.min, maximum=self.max)
        return self

    @property
    def selector(self) -> tuple[str, str | bool | int]:
        """``("sector", "finance")``, ``("top100", True)`` or ``("category", 3)``."""
        for name in ("sector", "top100", "category"):
            value = getattr(self, name)
            if value is not None:
                return name, value
        raise AssertionError("a validated group has exactly one selector")


class Scenario(_Table):
    """Every parameter of one what-if: the cap, the rule, eligibility, weights, sanctions."""

    scenario: ScenarioInfo = Field(default_factory=ScenarioInfo)
    cap: CapConfig
    method: MethodConfig = Field(default_factory=MethodConfig)
    eligibility: EligibilityConfig = Field(default_factory=EligibilityConfig)
    weights: Weights = Field(default_factory=Weights)
    guarantee: GuaranteeConfig = Field(default_factory=GuaranteeConfig)
    sanctions: SanctionsConfig = Field(default_factory=SanctionsConfig)
    utilisation: UtilisationConfig = Field(default_factory=UtilisationConfig)
    roster: RosterConfig = Field(default_factory=RosterConfig)
    groups: dict[str, GroupConfig] = Field(default_factory=dict)
    #: The file the scenario was read from (not a parameter: not hashed, not stored), so that
    #: a problem found later (groups that overlap over the employers) names the file.
    _file: str = PrivateAttr(default="")

    def __eq__(self, other: object) -> bool:
        """Equal parameters: the file read from does not count."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable tables inside: never hashable

    @property
    def file(self) -> str:
        """The scenario file's name, or the scenario's name when it was not read from one."""
        return self._file or self.scenario.name

    def get(self, key: str) -> Any:
        """The value at a dotted key, e.g. ``"weights.category.3"``; ``KeyError`` if none."""
        node: Any = self
        for part in key.split("."):
            if isinstance(node, BaseModel) and not isinstance(node, Cut):
                if part not in type(node).model_fields:
                    raise KeyError(key)
                node = getattr(node, part)
            elif isinstance(node, dict):
                wanted: object = part
                if node and isinstance(next(iter(node)), int):
                    wanted = int(part) if part.isdigit() else part
                if wanted not in node:
                    raise KeyError(key)
                node = node[wanted]
            else:
                raise KeyError(key)
        return node

    def with_values(self, changes: Mapping[str, object]) -> Scenario:
        """A copy with some parameters changed, re-validated; raises :class:`InputError`.

        Keys are dotted (``{"cap.annual": 3000, "weights.sector.finance": "1.5"}``). A string
        given for a number, cut or true/false is read as a TOML value, so ``"1"`` is one permit
        and ``"1.0"`` is a share of 100 %. ``None`` removes the key, restoring its default.
        """
        data = _plain(self)
        for key, value in changes.items():
            _assign(data, key.split("."), _from_editor(key, value))
        changed = _validate(data, file="")
        changed._file = self._file
        return changed


# -- reading ----------------------------------------------------------------------------------
#: A scenario is a page of TOML; a larger file is refused before it is parsed (issue 12).
MAX_SCENARIO_BYTES = 1_000_000
#: A planner needs tens of groups, not thousands; more are refused by name (issue 12).
MAX_GROUPS = 100


def _limit_issue(code: str, file: str, column: str | None = None, **params: Any) -> Issue:
    return Issue(Severity.ERROR, f"scenario.{code}", text(f"record.scenario_{code}", **params),
                 file, None, None, column, None)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises :class:`InputError` naming every problem."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise InputError([issue(Severity.ERROR, "file_missing", file=name)])
    if not path.is_file():
        raise InputError([issue(Severity.ERROR, "file_not_file", file=name)])
    try:
        size = path.stat().st_size
    except OSError as problem:
        raise InputError([_issue("unreadable", file=name, reason=problem.strerror or "")]) \
            from None
    if size > MAX_SCENARIO_BYTES:
        raise InputError([_limit_issue("too_large", name, size=f"{size:,}",
                                       limit=f"{MAX_SCENARIO_BYTES:,}")])
    try:
        raw = path.read_bytes()
    except OSError as problem:
        raise InputError([_issue("unreadable", file=name, reason=problem.strerror or "")]) \
            from None
    try:
        source = raw.decode("utf-8-sig")  # Notepad's BOM is harmless
    except UnicodeDecodeError:
        raise InputError([_issue("not_utf8", file=name)]) from None
    scenario = parse_scenario(source, file=name)
    scenario._file = name
    return scenario


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate a scenario given as TOML text; raises :class:`InputError`."""
    if len(text) > MAX_SCENARIO_BYTES or len(text.encode("utf-8", "surrogatepass")) > \
            MAX_SCENARIO_BYTES:
        size = len(text.encode("utf-8", "surrogatepass"))
        raise InputError([_limit_issue("too_large", file, size=f"{size:,}",
                                       limit=f"{MAX_SCENARIO_BYTES:,}")])
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as problem:
        raise InputError([_syntax_issue(str(problem), text, file)]) from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise InputError([_issue("too_deep", file=file)]) from None
    return _validate(data, file=file, lines=KeyLines(text))


def scenario_from_mapping(data: Mapping[str, Any], file: str = "") -> Scenario:
    """Validate a scenario given as nested tables (as TOML would give); raises InputError."""
    return _validate(_from_python(data), file=file)


def default_scenario(annual: int) -> Scenario:
    """Every parameter at its default, with the given annual cap."""
    return _validate({"cap": {"annual": annual}}, file="")


def _validate(data: Mapping[str, Any], file: str, lines: KeyLines | None = None) -> Scenario:
    groups = data.get("groups") if isinstance(data, Mapping) else None
    if isinstance(groups, Mapping) and len(groups) > MAX_GROUPS:
        # Named: the first group beyond the limit, with its line when the TOML is at hand.
        beyond = str(list(groups)[MAX_GROUPS])
        row = None if lines is None else lines.lines.get(("groups", beyond))
        found = Issue(Severity.ERROR, "scenario.too_many_groups",
                      text("record.scenario_too_many_groups", count=len(groups),
                           limit=MAX_GROUPS, name=beyond), file, None, row,
                      f"groups.{beyond}", None)
        raise InputError([found])
    try:
        return Scenario.model_validate(data)
    except ValidationError as problem:
        raise InputError(_issues(problem, file, lines or KeyLines(""))) from None


# -- writing and hashing ----------------------------------------------------------------------
def _plain(scenario: Scenario) -> dict[str, Any]:
    """Nested tables as TOML writes them: text keys, cuts as int or float, no empty values."""
    plain = _tomlish(scenario.model_dump(exclude_none=True))
    if not plain["groups"]:
        del plain["groups"]  # an empty [groups] table says nothing
    return plain


def _tomlish(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _tomlish(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_tomlish(v) for v in value]
    if isinstance(value, Decimal):
        return _float_like(value)
    return value


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as TOML that :func:`parse_scenario` reads back to an equal scenario."""
    name = "".join(ch if ch.isprintable() else " " for ch in scenario.scenario.name)
    header = (f"# {name}\n"
              "# 参数说明见 docs/scenario.md / Parameters are described in docs/scenario.md\n\n")
    return header + tomli_w.dumps(_plain(scenario))


def canonical_json(scenario: Scenario) -> str:
    """The scenario as one line of canonical JSON: sorted keys, Decimals as exact strings,
    each cut as ``{"kind", "value"}``. Equal scenarios give equal text on every machine."""

    def canon(value: Any) -> Any:
        if isinstance(value, Cut):
            return {"kind": value.kind, "value": canon(value.value)}
        if isinstance(value, BaseModel):
            return {name: canon(getattr(value, name)) for name in type(value).model_fields}
        if isinstance(value, Mapping):
            return {str(k): canon(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [canon(v) for v in value]
        if isinstance(value, Decimal):
            return str(canonical_decimal(value))
        return value

    tables = canon(scenario)
    if scenario.roster == RosterConfig():
        # Screening parameters at their defaults change no plan without a roster: left out,
        # scenarios (and stored runs) from before the roster keep their hash.
        del tables["roster"]
    return json.dumps(tables, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def scenario_sha256(scenario: Scenario) -> str:
    """SHA-256 of :func:`canonical_json`: the same for equal scenarios however written."""
    return hashlib.sha256(canonical_json(scenario).encode("utf-8")).hexdigest()


# -- changes from the editor ------------------------------------------------------------------
def parameter_for(key: str) -> Parameter | None:
    """The table row of a dotted key; a group's fields are found under ``groups.*.FIELD``."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "groups":
        return PARAMETER.get(f"groups.*.{parts[2]}")
    return PARAMETER.get(key)


def _from_python(value: Any) -> Any:
    """Python values as TOML would give them: floats as their shortest Decimal, cuts as TOML."""
    if isinstance(value, Cut):
        return value.value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {str(k): _from_python(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_from_python(v) for v in value]
    return value


def _from_editor(key: str, value: object) -> object:
    parameter = parameter_for(key)
    if (isinstance(value, str) and parameter is not None
            and parameter.kind in ("int", "decimal", "share", "cut", "bool")
            and _spelling(value) not in parameter.choices):
        try:
            parsed = tomllib.loads(f"v = {value.strip()}", parse_float=Decimal)
        except tomllib.TOMLDecodeError:
            return value  # validation will say what is wrong with it
        if set(parsed) == {"v"} and not isinstance(parsed["v"], str | list | dict):
            return parsed["v"]
        return value
    return _from_python(value)


def _assign(data: dict[str, Any], parts: list[str], value: object) -> None:
    for part in parts[:-1]:
        child = data.get(part)
        if not isinstance(child, dict):
            child = data[part] = {}
        data = child
    if value is None:
        data.pop(parts[-1], None)
    else:
        data[parts[-1]] = value


# -- problems ---------------------------------------------------------------------------------
class KeyLines:
    """Where each key is written in a TOML text: ``("sanctions", "attrition_cut") → 12``.

    A light line scan — table headers, ``key = value`` lines and the keys of one-line inline
    tables — good enough to point a planner at the line. A key not found falls back to its
    nearest enclosing table that is.
    """

    _KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
    _DOTTED = re.compile(rf"\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")
    _PART = re.compile(_KEY)
    _INLINE = re.compile(rf"[{{,]\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")

    def __init__(self, source: str):
        self.lines: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        in_string = False
        for number, line in enumerate(source.splitlines(), start=1):
            quotes = line.count('"""') + line.count("'''")
            if in_string:
                in_string = quotes % 2 == 0
                continue
            in_string = quotes % 2 == 1
            stripped = line.strip()
            if stripped.startswith("["):
                header = stripped.lstrip("[").split("]", 1)[0]
                table = self._parts(header)
                self.lines.setdefault(table, number)
                continue
            match = self._DOTTED.match(line)
            if not match:
                continue
            path = table + self._parts(match.group(1))
            self.lines.setdefault(path, number)
            rest = line[match.end():]
            if rest.lstrip().startswith("{"):
                for inner in self._INLINE.finditer(rest):
                    self.lines.setdefault(path + self._parts(inner.group(1)), number)

    @classmethod
    def _parts(cls, dotted: str) -> tuple[str, ...]:
        parts = []
        for token in cls._PART.findall(dotted):
            if token.startswith('"'):
                try:
                    token = json.loads(token)
                except ValueError:
                    token = token[1:-1]
            elif token.startswith("'"):
                token = token[1:-1]
            parts.append(token)
        return tuple(parts)

    def find(self, path: Sequence[str]) -> int | None:
        for end in range(len(path), 0, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None


def _issue(code: str, *, file: str = "", row: int | None = None, column: str | None = None,
           value: object = None, **params: Any) -> Issue:
    shown = None if value is None else show_value(_shown(value))
    message = text(f"scenario.{code}", **params)
    return Issue(Severity.ERROR, f"scenario.{code}", message, file, None, row, column, shown)


def _shown(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return value  # as written: 0.10 stays 0.10
    if isinstance(value, Mapping):
        return "{…}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) if isinstance(v, str)
                               else str(_shown(v)) for v in value) + "]"
    return value


_SYNTAX_REASONS: tuple[tuple[str, str], ...] = (
    ("Cannot overwrite", "syntax_duplicate"), ("twice", "syntax_duplicate"),
    ("Duplicate", "syntax_duplicate"), ("Cannot redefine", "syntax_duplicate"),
    ("Cannot mutate", "syntax_duplicate"),
    ("Expected '='", "syntax_equals"),
    ("Unclosed", "syntax_unclosed"), ("Expected ']", "syntax_unclosed"),
    ("Unterminated string", "syntax_string"),
    ("Invalid value", "syntax_value"), ("Invalid date", "syntax_value"),
    ("Illegal character", "syntax_character"), ("invalid character", "syntax_character"),
    ("Invalid initial character", "syntax_character"), ("Invalid statement", "syntax_character"),
    ("Expected newline", "syntax_character"),
    ("Expected", "syntax_unclosed"),  # a closing quote or bracket that never came
)


def _syntax_issue(message: str, source: str, file: str) -> Issue:
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)\s*$", "", message)
    if found:
        line, column = int(found.group(1)), int(found.group(2))
    else:
        line, column = max(1, len(source.splitlines())), 1
    code = next((c for marker, c in _SYNTAX_REASONS if marker in reason), None)
    explained = text(f"scenario.{code}") if code else Text(zh=reason, en=reason)
    shown = source.splitlines()[line - 1].strip() if line <= len(source.splitlines()) else None
    return _issue("syntax", file=file, row=line, value=shown, line=line, col=column,
                  reason=explained)


_RANGE_TYPES = {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}
_PYDANTIC_CODES = {
    "int_type": "integer", "int_parsing": "integer", "int_from_float": "integer",
    "decimal_type": "number", "decimal_parsing": "number", "finite_number": "not_finite",
    "bool_type": "bool", "bool_parsing": "bool", "string_type": "text",
    "string_too_long": "text_too_long", "list_type": "list", "literal_error": "choice",
    "model_type": "not_table", "model_attributes_type": "not_table", "dict_type": "not_table",
}


def _section_label(path: Sequence[str]) -> Text:
    key = ".".join(path)
    if len(path) == 2 and path[0] == "groups":
        key = "groups.*"
    zh, en = SECTIONS.get(key, (key, key))
    if key == "groups.*":
        return Text(zh=f"分组“{path[1]}”", en=f"group '{path[1]}'")
    return Text(zh=zh, en=en)


def _fields_at(path: Sequence[str]) -> list[str]:
    """The keys allowed in the table at ``path`` (for an unknown-key message)."""
    model: type[BaseModel] = Scenario
    for depth, part in enumerate(path):
        if model is Scenario and part == "groups":
            if depth + 1 < len(path):
                model = GroupConfig
                continue
            return []
        if depth and path[depth - 1] == "groups":
            continue
        annotation = model.model_fields[part].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return []
    return list(model.model_fields)


def _range_message(parameter: Parameter | None) -> tuple[str, dict[str, Any]]:
    if parameter is None or parameter.minimum is None:
        return "invalid", {}
    bounds = {"minimum": parameter.minimum, "maximum": parameter.maximum}
    if parameter.maximum is None:
        return "at_least", bounds
    return ("range_above" if parameter.exclusive_minimum else "range"), bounds


def _issues(problem: ValidationError, file: str, lines: KeyLines) -> list[Issue]:
    found: list[Issue] = []
    for error in problem.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        is_key = bool(loc) and loc[-1] == "[key]"
        if is_key:
            loc.pop()
        kind = error["type"]
        ctx = dict(error.get("ctx") or {})
        value: object = error.get("input")
        if "key" in ctx:  # a rule across fields, raised by the table: name the field it is about
            loc.append(ctx.pop("key"))
            value = _raw_field(value, loc[-1])
        if kind == "missing" and loc == ["cap"]:
            loc = ["cap", "annual"]
        key = ".".join(loc)
        parameter = parameter_for(key)
        label = parameter.label if parameter else _section_label(loc)
        params: dict[str, Any] = {"key": key, "label": label, **ctx}
        if kind == "extra_forbidden":
            parent = loc[:-1]
            params |= {"name": loc[-1], "options": _codes_text(_fields_at(parent)),
                       "table": ".".join(parent), "section": _section_label(parent)}
            code = "unknown_key" if parent else "unknown_section"
        elif kind == "missing":
            code, value = "missing", None
        elif kind.startswith("scenario_"):
            code = kind.removeprefix("scenario_")
            if code == "item" and is_key:
                params["label"] = _section_label(loc[:-1])
            if code in ("group_selectors", "group_min_max"):
                params["group"] = loc[1] if len(loc) > 1 else ""
        elif kind in _RANGE_TYPES:
            code, bounds = _range_message(parameter)
            params |= bounds
        else:
            code = _PYDANTIC_CODES.get(kind, "invalid")
            if code == "text_too_long":
                params["maximum"] = parameter.maximum if parameter else ctx.get("max_length")
            if code == "choice" and parameter is not None:
                params["options"] = _codes_text(parameter.choices)
        if code == "not_table":
            params["label"] = _section_label(loc)
        if isinstance(value, Mapping):
            value = None
        found.append(_issue(code, file=file, row=lines.find(loc), column=key, value=value,
                            **params))
    # In the order of the file, as the planner reads it.
    return sorted(found, key=lambda i: (i.row is None, i.row or 0))


def _raw_field(data: object, name: str) -> object:
    """The raw value of field ``name`` in a table's input (a mapping or a model)."""
    if isinstance(data, Mapping):
        return data.get(name)
    return getattr(data, name, None)


# -- the docs page ----------------------------------------------------------------------------
_KIND_LABELS: dict[str, tuple[str, str]] = {
    "int": ("整数", "whole number"), "decimal": ("数值", "number"),
    "share": ("比例", "share"), "cut": ("压减", "cut"), "choice": ("选项", "choice"),
    "list": ("列表", "list"), "text": ("文字", "text"), "bool": ("是/否", "true/false"),
}


def _toml_value(value: Any) -> str:
    """A value as written in TOML, on one line."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": _tomlish(_from_python(value))}).split("=", 1)[1].strip()


def _allowed(p: Parameter) -> str:
    """What a parameter accepts, in both languages, for the docs."""
    def number(value: int | Decimal | None) -> str:
        return "" if value is None else str(value)

    if p.kind == "int":
        if p.maximum is None:
            return f"整数 ≥ {number(p.minimum)}<br>whole number ≥ {number(p.minimum)}"
        return (f"整数 {number(p.minimum)}–{number(p.maximum)}<br>"
                f"whole number {number(p.minimum)}–{number(p.maximum)}")
    if p.kind in ("decimal", "share"):
        return f"{p.minimum} {'<' if p.exclusive_minimum else '≤'} x ≤ {p.maximum}"
    if p.kind == "cut":
        words = " 或 ".join(f"`\"{c}\"`" for c in p.choices)
        words_en = " or ".join(f"`\"{c}\"`" for c in p.choices)
        return ((f"{words}，或" if words else "")
                + "整数 ≥ 0（人数）或 0–1 的小数（比例）<br>"
                + (f"{words_en}, or " if words_en else "")
                + "a whole number ≥ 0 (permits) or a decimal 0–1 (share)")
    if p.kind in ("choice", "list"):
        listed = ", ".join(f"`{c}`" for c in p.choices)
        if p.kind == "choice":
            return f"其中之一 one of: {listed}"
        return f"其中若干项 any of: {listed}"
    if p.kind == "text":
        return f"文字，≤ {p.maximum} 字<br>text, ≤ {p.maximum} characters"
    return "`true` / `false`"


def _row(p: Parameter, key: str | None = None) -> str:
    default = "**必填 required**" if p.required else (
        f"`{_toml_value(p.default)}`" if p.default not in (None, "") else "—")
    cited = article_text(p.article)
    cells = [f"`{key or p.key}`", default, f"{p.label_zh}<br>{p.label_en}",
             f"{p.help_zh}<br>{p.help_en}", f"{cited.zh}<br>{cited.en}" if p.article else "—",
             _allowed(p)]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


_TABLE_HEAD = ("| 参数 Key | 默认值 Default | 名称 Name | 说明 Help | 条款 Art. | 取值 Allowed |\n"
               "|---|---|---|---|---|---|")

_DOC_INTRO = """\
# 方案参数 Scenario parameters

<!-- 本页由 `python -m allocator.docs` 根据 allocator/scenario.py 的参数表生成，请勿手工修改。
     Generated from the parameter table in allocator/scenario.py by `python -m allocator.docs`;
     do not edit by hand. -->

方案是 `scenarios/` 目录下的一个 TOML 文件。按实施细则第十九条，政策中的每个阈值都是方案参数，
而不是写死在程序里的常数。除 `cap.annual`（年度指标总量）外，所有参数都可省略，
省略时取下表的默认值。`scenarios/baseline.toml` 逐项写出了全部参数，可作为新方案的起点。

A scenario is a TOML file in `scenarios/`. Under Art. 19 every threshold of the policy is a
scenario parameter, never a constant in code. Every parameter except `cap.annual` may be left out
and then takes the default below; `scenarios/baseline.toml` writes every one of them out and is a
good starting point for a new scenario.

## 数字的写法 How numbers are written

- 整数不带小数点（`3000`），小数带小数点（`0.5`）；数值不加引号。最多保留 6 位小数。
  Whole numbers have no decimal point (`3000`), decimals have one (`0.5`); numbers are not quoted.
  At most 6 decimal places.
- **压减（cut）**：整数 `n` 表示压减 `n` 个指标；0 到 1 之间的小数 `c` 表示压减有效需求的
  `c` 倍，按 `sanctions.share_rounding` 取整（默认向下取整，但至少压减 1 个）。`1` 与 `1.0`
  不同：`1` 是压减 1 个，`1.0` 是全部压减。
  **A cut**: a whole number `n` removes `n` permits; a decimal `c` between 0 and 1 removes
  `c × eligible demand`, rounded as `sanctions.share_rounding` says (by default down, but at
  least one permit). `1` and `1.0` differ: `1` removes one permit, `1.0` removes everything.
- 比例（share）为 0 到 1 之间的小数，如 10% 写作 `0.1`。
  A share is a decimal between 0 and 1: 10 % is written `0.1`.
- 单位的权重由适用的各项系数合成：产业权重、类别权重（属于多类时取最大）、正面清单权重、百强权重，
  按 `weights.combine` 相乘（默认）或取最大；分配依据 = 权重 × 有效需求。
  An employer's weight combines the multipliers that apply — sector, category (the largest,
  if several), positive list, top-100 — by `weights.combine`: their product (the default) or
  the largest; its claim = weight × eligible demand.
"""

_DOC_GROUPS = """\
## [groups.名称] 分组上下限 Group floors and ceilings

分组由方案自行命名（如 `[groups."金融保底"]`），用来给一组单位的合计分配数设下限或上限，
如某一重点产业保底。每组须且只能指定一种范围：`sector`、`top100` 或 `category`。
下限不能大于上限。两个分组须互不相交或一组包含另一组（如“金融”与“区级百强企业”部分重叠则不可同时设）。
组下限合计超过可分配数、或超过该组有效需求时，方案无法满足，求解时会说明是哪些规则冲突。

Groups are named by the scenario (e.g. `[groups."金融保底"]`) and put a floor or a ceiling on the
total allocated to a set of employers, e.g. a floor for one priority sector. Each group names
exactly one selector: `sector`, `top100` or `category`; its floor must not exceed its ceiling.
Two groups must be disjoint or nested (finance and the top-100 firms overlap partly, so they
cannot both be groups).
Floors that add up to more than the allocatable cap, or exceed the group's eligible demand, make
the scenario infeasible, and the solver says which rules conflict.
"""


def parameters_markdown() -> str:
    """The docs page ``docs/scenario.md``, generated from :data:`PARAMETERS`."""
    out = [_DOC_INTRO]
    sections: dict[str, list[Parameter]] = {}
    for p in PARAMETERS:
        sections.setdefault(p.section, []).append(p)
    for section, members in sections.items():
        zh, en = SECTIONS[section]
        out.append(f"## [{section}] {zh} {en}\n\n{_TABLE_HEAD}\n"
                   + "\n".join(_row(p) for p in members) + "\n")
    out.append(_DOC_GROUPS + "\n" + _TABLE_HEAD + "\n"
               + "\n".join(_row(p, p.key.replace("*", "名称")) for p in GROUP_PARAMETERS)
               + "\n")
    example = default_scenario(3000).with_values({"scenario.name": "示例 Example"})
    out.append("## 全部默认值 Every default (`cap.annual = 3000`)\n\n```toml\n"
               + dump_scenario(example) + "```\n")
    return "\n".join(out)


DOCS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "scenario.md"
