"""The rules: Submissions × Scenario → Problem (bounds, weights and the reason for each).

For every employer the policy computes, in this order (DESIGN §2):

1. ``requested`` dᵢ — the demand as submitted (Art. 7).
2. **Gates** that set eligible demand to 0: unit type outside the eligible list (Art. 5),
   an excluded application status — suspended or terminated (Art. 13), blacklisted (Art. 16) —
   a prohibited industry (Art. 3, always), a restricted industry when the scenario excludes it
   (Art. 3).
3. **Cuts** that reduce eligible demand, applied one after another to what remains: a restricted
   industry when the scenario cuts rather than excludes (Art. 3); a one-year attrition rate
   strictly above the threshold (Art. 16(3)); leavers within three months of their permit
   (Art. 16(3)); each Art. 16 violation item; low use of last year's quota (utilisation).
   The result is ``eligible`` eᵢ ≤ dᵢ.
4. ``upper`` bᵢ = min(eᵢ, the per-employer ceilings: an absolute maximum and a share of the
   allocatable cap).
5. ``guaranteed`` aᵢ ≤ bᵢ — Art. 8: a top-100 firm's senior managers (a share, 100 % by
   default) and a share of its key staff, each rounded down; then the scenario's floor for every
   eligible employer.
6. ``weight`` wᵢ = sector multiplier × the largest multiplier of its priority categories ×
   the top-100 multiplier (Art. 8), each kept as an exact decimal.
7. ``claim`` vᵢ = wᵢ · eᵢ, an exact fraction.

Every change leaves a :class:`Reason` with its code, article, Chinese and English text and the
number of permits it moved. Every threshold comes from the scenario (Art. 19).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from allocator.i18n import Text, text
from allocator.methods import Method
from allocator.scenario import Cut, GroupConfig, Scenario, scenario_sha256
from allocator.schema import BY_KEY, VIOLATIONS
from allocator.submissions import Submissions

#: Reason codes and the article each cites.
ARTICLES: dict[str, str] = {
    "UNIT_TYPE_INELIGIBLE": "5",
    "STATUS_SUSPENDED": "13",
    "STATUS_TERMINATED": "13",
    "STATUS_BLACKLISTED": "16",
    "NEGATIVE_LIST_PROHIBITED": "3",
    "NEGATIVE_LIST_RESTRICTED": "3",
    "RESTRICTED_CUT": "3",
    "ATTRITION_CUT": "16(3)",
    "LOST_WITHIN_3M_CUT": "16(3)",
    "VIOLATION_CUT": "16",
    "UTILISATION_CUT": "4, 19",
    "CEILING": "4, 19",
    "TOP100_GUARANTEE": "8",
    "GUARANTEE_LIMITED": "8",
    "MIN_FLOOR": "19",
    "WEIGHT_SECTOR": "8",
    "WEIGHT_CATEGORY": "8",
    "WEIGHT_TOP100": "8",
}

STATUS_REASONS = {"suspended": "STATUS_SUSPENDED", "terminated": "STATUS_TERMINATED",
                  "blacklisted": "STATUS_BLACKLISTED"}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why one of an employer's numbers is what it is."""

    code: str
    article: str
    message: Text
    amount: int | None = None  # permits added (+) or removed (−); None for a weight
    factor: Decimal | None = None  # the multiplier, for weights
    item: int | None = None  # the Art. 16 violation item or Art. 8 category it concerns

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "article": self.article,
                               "zh": self.message.zh, "en": self.message.en}
        if self.amount is not None:
            out["amount"] = self.amount
        if self.factor is not None:
            out["factor"] = float(self.factor)
        if self.item is not None:
            out["item"] = self.item
        return out


def reason(code: str, /, *, amount: int | None = None, factor: Decimal | None = None,
           item: int | None = None, **params: Any) -> Reason:
    # Many employers share a reason word for word (the same sector weight, the same cut);
    # reasons are immutable, so each distinct one is rendered once. The key holds each
    # argument's repr, so values that compare equal but print differently (Decimal("1.2"),
    # Decimal("1.20")) stay apart.
    key = (code, repr(amount), repr(factor), repr(item),
           tuple(sorted((name, repr(value)) for name, value in params.items())))
    return _remember(_REASONS, key, lambda: _reason(code, amount, factor, item, params))


_T = TypeVar("_T")
_REMEMBERED = 100_000  # entries per memo before it starts afresh: memory stays bounded
_REASONS: dict[tuple[Any, ...], Reason] = {}
_PERCENTS: dict[str, str] = {}
_CUTS: dict[tuple[str, str], Text] = {}


def _remember(memo: dict[Any, _T], key: Any, make: Callable[[], _T]) -> _T:
    """``memo[key]``, made on first use (for immutable values that many employers share)."""
    found = memo.get(key)
    if found is None:
        if len(memo) >= _REMEMBERED:
            memo.clear()
        found = memo[key] = make()
    return found


def _reason(code: str, amount: int | None, factor: Decimal | None, item: int | None,
            params: dict[str, Any]) -> Reason:
    article = ARTICLES[code]
    message = text(f"reason.{code}", article=article, amount=amount,
                   removed=None if amount is None else -amount, factor=factor, item=item,
                   **params)
    return Reason(code, article, message, amount, factor, item)


@dataclass(frozen=True)
class Group:
    """A scenario group resolved against the employers: who is in it and its bounds."""

    name: str
    label: Text
    members: np.ndarray  # bool mask over employers, in input order
    minimum: int
    maximum: int | None


@dataclass
class Problem:
    """Everything the solver needs, indexed like the submissions (input order).

    ``employers`` columns: row, credit_code, name, unit_type, sector, categories, top100,
    submitted_on, requested, eligible, guaranteed, upper, weight (Decimal), claim (Fraction),
    reasons (list of :class:`Reason`).
    """

    employers: pd.DataFrame
    scenario: Scenario
    method: Method
    cap: int
    reserve: int
    allocatable: int
    groups: list[Group]
    order: np.ndarray  # tie-break rank per employer: 0 wins every tie
    input_sha256: str
    scenario_sha256: str
    warnings: list[Text] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.employers)

    def column(self, key: str) -> list[Any]:
        return self.employers[key].tolist()


def build_problem(submissions: Submissions, scenario: Scenario) -> Problem:
    """Apply the scenario's rules to validated submissions (call ``raise_for_errors`` first)."""
    frame = submissions.frame
    allocatable = scenario.cap.allocatable
    ceiling = employer_ceiling(scenario)
    weightings: dict[tuple[Any, ...], _Weighting] = {}
    records = [_employer(record, scenario, ceiling, weightings)
               for record in frame.itertuples(index=False)]
    employers = pd.DataFrame.from_records(records, columns=[
        "row", "credit_code", "name", "unit_type", "sector", "categories", "top100",
        "submitted_on", "requested", "eligible", "guaranteed", "upper", "weight", "claim",
        "reasons"])
    if employers.empty:
        employers = employers.astype({"row": "int64"})
    return Problem(
        employers=employers, scenario=scenario, method=Method(scenario.method.rule),
        cap=scenario.cap.annual, reserve=scenario.cap.reserve, allocatable=allocatable,
        groups=[resolve_group(name, config, employers)
                for name, config in sorted(scenario.groups.items())],
        order=tie_break_order(employers, scenario.method.tie_break),
        input_sha256=submissions.sha256, scenario_sha256=scenario_sha256(scenario),
    )


def employer_ceiling(scenario: Scenario) -> int | None:
    """The per-employer ceiling: an absolute maximum and/or a share of the allocatable cap."""
    limits = []
    if scenario.method.max_per_employer > 0:
        limits.append(scenario.method.max_per_employer)
    if scenario.method.max_share < 1:
        limits.append(int(Fraction(scenario.method.max_share) * scenario.cap.allocatable))
    return min(limits) if limits else None


def _employer(record: Any, scenario: Scenario, ceiling: int | None,
              weightings: dict[tuple[Any, ...], _Weighting]) -> tuple[Any, ...]:
    reasons: list[Reason] = []
    requested = int(record.demand_total)
    eligible = 0 if _gated(record, scenario, reasons) else requested
    if eligible:
        eligible = _cut(record, scenario, eligible, reasons)
    upper = eligible
    if ceiling is not None and upper > ceiling:
        reasons.append(reason("CEILING", amount=ceiling - upper, ceiling=ceiling))
        upper = ceiling
    guaranteed = _guarantee(record, scenario, upper, reasons) if upper else 0
    weighting = _weighting(record, scenario, weightings)
    reasons.extend(weighting.reasons)
    weight, claim = weighting.weight, weighting.claim(eligible)
    return (record.row, record.credit_code, record.name, record.unit_type, record.sector,
            record.categories, bool(record.top100), record.submitted_on, requested, eligible,
            guaranteed, upper, weight, claim, reasons)


def _gated(record: Any, scenario: Scenario, reasons: list[Reason]) -> bool:
    """Art. 3, 5, 13 and 16 gates: record every one that applies; any one excludes."""
    rules = scenario.eligibility
    requested = int(record.demand_total)
    if record.unit_type not in rules.unit_types:
        reasons.append(reason("UNIT_TYPE_INELIGIBLE", amount=-requested,
                              unit_type=_label("unit_type", record.unit_type)))
    if record.status in rules.excluded_statuses:
        reasons.append(reason(STATUS_REASONS[record.status], amount=-requested))
    if record.negative_list == "prohibited":
        reasons.append(reason("NEGATIVE_LIST_PROHIBITED", amount=-requested))
    if record.negative_list == "restricted" and scenario.sanctions.restricted_industry == \
            "exclude":
        reasons.append(reason("NEGATIVE_LIST_RESTRICTED", amount=-requested))
    if len(reasons) > 1:  # only the first gate removes the permits; the rest are cited
        reasons[1:] = [Reason(r.code, r.article, r.message, 0, r.factor, r.item)
                       for r in reasons[1:]]
    return bool(reasons)


def _cut(record: Any, scenario: Scenario, eligible: int, reasons: list[Reason]) -> int:
    """Art. 3 and 16 sanctions and the utilisation rule, each on what the previous left."""
    sanctions = scenario.sanctions

    def apply(code: str, cut: Cut, **params: Any) -> None:
        nonlocal eligible
        removed = cut.amount(eligible)
        reasons.append(reason(code, amount=-removed, cut=_describe(cut), **params))
        eligible -= removed

    restricted = sanctions.restricted_industry
    if record.negative_list == "restricted" and isinstance(restricted, Cut) and \
            not restricted.is_none():
        apply("RESTRICTED_CUT", restricted)
    rate = record.attrition_rate
    if rate is not None and rate > sanctions.attrition_threshold and \
            not sanctions.attrition_cut.is_none():
        apply("ATTRITION_CUT", sanctions.attrition_cut, rate=_percent(rate),
              threshold=_percent(sanctions.attrition_threshold))
    leavers = record.lost_within_3m or 0
    lost_cut = sanctions.lost_within_3m_cut
    if leavers and not lost_cut.is_none():
        # A count is per leaver; a share applies once (documented in the scenario table).
        per_leaver = Cut(kind="count", value=lost_cut.value * leavers) \
            if lost_cut.kind == "count" else lost_cut
        apply("LOST_WITHIN_3M_CUT", per_leaver, leavers=leavers)
    for item in record.violations or ():
        cut = sanctions.violation_cut.get(item)
        if cut is not None and not cut.is_none():
            apply("VIOLATION_CUT", cut, item=item, violation=_violation(item))
    rules = scenario.utilisation
    quota, used = record.prior_quota, record.prior_used
    if quota and used is not None and not rules.cut.is_none() and \
            Fraction(used, quota) < Fraction(rules.min_rate):
        apply("UTILISATION_CUT", rules.cut, used=used, quota=quota,
              minimum=_percent(rules.min_rate))
    return eligible


def _guarantee(record: Any, scenario: Scenario, upper: int, reasons: list[Reason]) -> int:
    rules = scenario.guarantee
    guaranteed = 0
    if record.top100:
        senior = int(Fraction(rules.top100_senior) * (record.demand_senior or 0))
        key_staff = int(Fraction(rules.top100_key_staff) * (record.demand_key_staff or 0))
        wanted = senior + key_staff
        if wanted:
            guaranteed = min(wanted, upper)
            reasons.append(reason("TOP100_GUARANTEE", amount=guaranteed, senior=senior,
                                  key_staff=key_staff))
            if guaranteed < wanted:
                reasons.append(reason("GUARANTEE_LIMITED", amount=guaranteed - wanted,
                                      wanted=wanted, upper=upper))
    floor = min(scenario.method.min_per_employer, upper)
    if floor > guaranteed:
        reasons.append(reason("MIN_FLOOR", amount=floor - guaranteed, floor=floor))
        guaranteed = floor
    return guaranteed


@dataclass
class _Weighting:
    """A weight with its reasons, and the claims it has made (v = w · e, by e)."""

    weight: Decimal
    reasons: tuple[Reason, ...]
    claims: dict[int, Fraction] = field(default_factory=dict)

    def claim(self, eligible: int) -> Fraction:
        found = self.claims.get(eligible)
        if found is None:
            found = self.claims[eligible] = Fraction(self.weight) * eligible
        return found


def _weighting(record: Any, scenario: Scenario,
               seen: dict[tuple[Any, ...], _Weighting]) -> _Weighting:
    """The employer's weight with its reasons (Art. 8).

    It depends on the sector, the categories and the top-100 flag alone, so it is worked out
    once per combination of the three and shared, as are the claims: decimals, fractions and
    reasons are immutable.
    """
    key = (record.sector, tuple(record.categories or ()), bool(record.top100))
    found = seen.get(key)
    if found is None:
        reasons: list[Reason] = []
        weight = _weight(record, scenario, reasons)
        found = seen[key] = _Weighting(weight, tuple(reasons))
    return found


def _weight(record: Any, scenario: Scenario, reasons: list[Reason]) -> Decimal:
    weights = scenario.weights
    sector = Decimal(getattr(weights.sector, record.sector))
    weight = sector
    if sector != 1:
        reasons.append(reason("WEIGHT_SECTOR", factor=sector,
                              sector=_label("sector", record.sector)))
    categories = record.categories or ()
    if categories:
        best = max(categories, key=lambda item: (weights.category[item], -item))
        factor = Decimal(weights.category[best])
        if factor != 1:
            weight *= factor
            reasons.append(reason("WEIGHT_CATEGORY", factor=factor, item=best))
    if record.top100 and weights.top100 != 1:
        weight *= Decimal(weights.top100)
        reasons.append(reason("WEIGHT_TOP100", factor=Decimal(weights.top100)))
    return weight


def resolve_group(name: str, config: GroupConfig, employers: pd.DataFrame) -> Group:
    if config.sector is not None:
        members = (employers["sector"] == config.sector).to_numpy(dtype=bool)
        label = text("group.sector", sector=_label("sector", config.sector))
    elif config.top100 is not None:
        members = (employers["top100"] == config.top100).to_numpy(dtype=bool)
        label = text("group.top100" if config.top100 else "group.not_top100")
    else:
        members = np.fromiter((config.category in (c or ()) for c in employers["categories"]),
                              dtype=bool, count=len(employers))
        label = text("group.category", item=config.category)
    return Group(name, label, members, config.min, config.max)


def tie_break_order(employers: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Rank of each employer in the scenario's tie-break order (0 wins every tie).

    Larger weight first, earlier submission first (no date last), then credit code; the credit
    code is unique, so the order is total and the plan deterministic.
    """
    if employers.empty:
        return np.zeros(0, dtype=np.int64)
    far = date.max.toordinal() + 1
    columns = {
        "weight": [-w for w in employers["weight"]],
        "submitted_on": [d.toordinal() if d else far for d in employers["submitted_on"]],
        "credit_code": employers["credit_code"].tolist(),
    }
    chosen = [columns[key] for key in dict.fromkeys([*keys, "credit_code"])]
    rows = list(zip(*chosen, strict=True))
    ranked = sorted(range(len(employers)), key=rows.__getitem__)
    order = np.empty(len(employers), dtype=np.int64)
    order[ranked] = np.arange(len(employers))
    return order


def _label(key: str, code: str) -> Text:
    choice = BY_KEY[key].choice(code)
    return Text(zh=choice.zh, en=choice.en)


def _violation(item: int) -> Text:
    zh, en = VIOLATIONS[item]
    return Text(zh=zh, en=en)


def _percent(rate: Decimal) -> str:
    # Keyed by repr, the type included: only the same value written the same way is shared.
    return _remember(_PERCENTS, repr(rate), lambda: f"{(Decimal(rate) * 100).normalize():f}%")


def _describe(cut: Cut) -> Text:
    def make() -> Text:
        if cut.kind == "count":
            return text("cut.count", count=cut.value)
        return text("cut.share", share=_percent(Decimal(cut.value)))

    return _remember(_CUTS, (cut.kind, repr(cut.value)), make)
