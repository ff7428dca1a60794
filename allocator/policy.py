"""The rules: Submissions × Scenario → Problem (bounds, weights and the reason for each).

For every employer the policy computes, in this order (docs/policy.md; ``docs/policy.md`` restates
each article and says where it is encoded):

1. ``requested`` dᵢ — the demand as submitted (Art. 7). Screening the applicants behind it
   (Art. 6, 17, 18: a roster, docs/columns.md) belongs right after this step, before the gates: it
   can only lower each role's demand, and everything below works on what it leaves.
2. **Gates** that set eligible demand to 0: unit type outside the eligible list (Art. 5),
   an excluded application status — suspended or terminated (Art. 13, or the Art. 16 items
   recorded on the row when it was an Art. 16 sanction), blacklisted (Art. 16) — a prohibited
   industry (Art. 3, always), a restricted industry when the scenario excludes it (Art. 3).
3. **Cuts** that reduce eligible demand, applied one after another to what remains: a restricted
   industry when the scenario cuts rather than excludes (Art. 3); a one-year attrition rate
   strictly above the threshold (Art. 16(3)); leavers within three months of their permit
   (Art. 16(3)); each Art. 16 violation item (Art. 16(1)…(6)); low use of last year's quota
   (the district's practice under Art. 19). A share is rounded as the scenario says (by
   default a breach never rounds to zero). The result is ``eligible`` eᵢ ≤ dᵢ.
4. ``upper`` bᵢ = min(eᵢ, the per-employer ceilings: an absolute maximum and a share of the
   allocatable cap; Art. 4).
5. ``guaranteed`` aᵢ ≤ bᵢ — Art. 8: a top-100 firm's senior managers (a share, 100 % by
   default) and a share of its key staff, each rounded down; then the scenario's floor for every
   eligible employer (the district's practice under Art. 19).
6. ``weight`` wᵢ — the multipliers that apply: priority sector and the largest of its
   priority categories (Art. 8), the positive list (Art. 3), the top-100 multiplier (Art. 8);
   combined as the scenario says (their product by default, or the largest), exactly.
7. ``claim`` vᵢ = wᵢ · eᵢ, an exact fraction.

Every change leaves a :class:`Reason` with its code, article, Chinese and English text and the
number of permits it moved; a number that a workbook warning changed (an attrition rate typed
as 1, a top-100 firm without a breakdown by role, an industry code too coarse for a sector)
says so in its reason. Every warning — the workbook's and the policy's — is kept on the
:class:`Problem` as a :class:`PlanWarning` naming the row and the employer. Every threshold
comes from the scenario (Art. 19).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from allocator.docs import article_text
from allocator.i18n import Text, text
from allocator.methods import Method
from allocator.scenario import Cut, GroupConfig, Scenario, scenario_sha256
from allocator.schema import BY_KEY, CATEGORIES, VIOLATIONS
from allocator.screening import REASONS, Screening, employer_sentence
from allocator.submissions import Submissions

#: Reason codes and the article each cites, in machine form (docs/result.md: ``"16(3)"``); an
#: item is filled in per employer (``"16({item})"``). People read them through
#: :func:`allocator.docs.article_text` only: 第十六条第三项 / Art. 16(3).
ARTICLES: dict[str, str] = {
    "UNIT_TYPE_INELIGIBLE": "5",
    "STATUS_SUSPENDED": "13",  # or the Art. 16 items of the row: see _status_article
    "STATUS_TERMINATED": "13",
    "STATUS_BLACKLISTED": "16",
    "NEGATIVE_LIST_PROHIBITED": "3",
    "NEGATIVE_LIST_RESTRICTED": "3",
    "RESTRICTED_CUT": "3",
    "ATTRITION_CUT": "16(3)",
    "LOST_WITHIN_3M_CUT": "16(3)",
    "VIOLATION_CUT": "16({item})",
    "UTILISATION_CUT": "19",  # no article provides it: the district's practice under Art. 19
    "CEILING": "4",
    "TOP100_GUARANTEE": "8",
    "TOP100_NO_BREAKDOWN": "8",
    "GUARANTEE_LIMITED": "8",
    "MIN_FLOOR": "19",  # likewise the district's practice under Art. 19
    "SECTOR_UNDECIDED": "8",
    "WEIGHT_SECTOR": "8",
    "WEIGHT_CATEGORY": "8({item})",
    "WEIGHT_POSITIVE_LIST": "3",
    "WEIGHT_TOP100": "8",
    "ROSTER_SCREENED": "6",  # and 17, 18 when those failures are among the reasons
    "ROSTER_UNLISTED": "6",
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
    warning: str | None = None  # the workbook warning behind this number, if one is

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "article": self.article,
                               "zh": self.message.zh, "en": self.message.en}
        if self.amount is not None:
            out["amount"] = self.amount
        if self.factor is not None:
            out["factor"] = float(self.factor)
        if self.item is not None:
            out["item"] = self.item
        if self.warning is not None:
            out["warning"] = self.warning
        return out


@dataclass(frozen=True, slots=True)
class PlanWarning:
    """Something a planner should know about the plan (docs/result.md ``warnings``): a warning of
    the workbook's validation (the reader's issue code and message, unchanged) or of the
    policy, with the Excel row and the credit code of the employer it concerns (``None`` for
    the plan as a whole)."""

    code: str
    message: Text
    row: int | None = None
    credit_code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "row": self.row, "credit_code": self.credit_code,
                "zh": self.message.zh, "en": self.message.en}


def reason(code: str, /, *, amount: int | None = None, factor: Decimal | None = None,
           item: int | None = None, article: str | None = None, warning: str | None = None,
           **params: Any) -> Reason:
    """The reason ``code``; ``article`` overrides the table's (:data:`ARTICLES`)."""
    # Many employers share a reason word for word (the same sector weight, the same cut);
    # reasons are immutable, so each distinct one is rendered once. The key holds each
    # argument's repr, so values that compare equal but print differently (Decimal("1.2"),
    # Decimal("1.20")) stay apart.
    cited = article if article is not None else ARTICLES[code].format(item=item)
    key = (code, repr(amount), repr(factor), repr(item), cited, warning,
           tuple(sorted((name, repr(value)) for name, value in params.items())))
    return _remember(_REASONS, key,
                     lambda: _reason(code, amount, factor, item, params, cited, warning))


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
            params: dict[str, Any], article: str | None = None,
            warning: str | None = None) -> Reason:
    cited = article if article is not None else ARTICLES[code].format(item=item)
    message = text(f"reason.{code}", article=article_text(cited), amount=amount,
                   removed=None if amount is None else -amount, factor=factor, item=item,
                   **params)
    if warning is not None:  # the workbook warning that changed this number, in its words
        message = text("reason.with_warning",
                       reason=Text(zh=message.zh.removesuffix("。"),
                                   en=message.en.removesuffix(".")),
                       warning=text(f"reason.warning.{warning}"))
    return Reason(code, cited, message, amount, factor, item, warning)


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
    reasons (list of :class:`Reason`). ``warnings`` holds every warning of the workbook's
    validation and of the policy, in row order (plan-wide ones last).
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
    warnings: tuple[PlanWarning, ...] = ()
    #: The roster screening behind the demand (docs/columns.md), when a roster was given.
    screening: Screening | None = None

    @property
    def input_key(self) -> str:
        """What the problem's inputs are: the workbook's hash, and the roster's if screened
        (for caches that key plans by their inputs)."""
        if self.screening is None:
            return self.input_sha256
        return f"{self.input_sha256}+{self.screening.sha256}"

    @property
    def size(self) -> int:
        return len(self.employers)

    def column(self, key: str) -> list[Any]:
        return self.employers[key].tolist()

    def warnings_by_row(self) -> dict[int, list[PlanWarning]]:
        """Each employer's own warnings, by Excel row."""
        found: dict[int, list[PlanWarning]] = {}
        for warning in self.warnings:
            if warning.row is not None:
                found.setdefault(warning.row, []).append(warning)
        return found


def build_problem(submissions: Submissions, scenario: Scenario,
                  screening: Screening | None = None) -> Problem:
    """Apply the scenario's rules to validated submissions (call ``raise_for_errors`` first).

    With a ``screening`` of the applicant roster (:func:`allocator.screening.screen`), each
    role's demand is first capped at the applicants of that role who pass (Art. 6, 17, 18).
    """
    frame = submissions.frame
    allocatable = scenario.cap.allocatable
    ceiling = employer_ceiling(scenario)
    warned = _warned_rows(submissions)
    weightings: dict[tuple[Any, ...], _Weighting] = {}
    roster_warnings: list[PlanWarning] = []
    records = [_employer(_screened(record, screening, roster_warnings), scenario, ceiling,
                         weightings, warned.get(record.row, ()))
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
        warnings=(*_merged(validation_warnings(submissions), roster_warnings),
                  *_roster_notes(screening),
                  *scenario_warnings(employers, scenario)),
        screening=screening,
    )


def _roster_notes(screening: Screening | None) -> list[PlanWarning]:
    """The roster reader's warnings, each saying where in the roster it is (its rows are not
    the demand sheet's, so they are not attached to an employer)."""
    if screening is None:
        return []
    return [PlanWarning(note.code, Text(zh=f"{note.where('zh')}：{note.message.zh}",
                                        en=f"{note.where('en')}: {note.message.en}"))
            for note in screening.notes]


def _merged(first: list[PlanWarning], second: list[PlanWarning]) -> list[PlanWarning]:
    """Two lists of row warnings as one, in row order (the first's order kept on ties)."""
    if not second:
        return first
    return sorted([*first, *second], key=lambda w: w.row or 0)


#: The demand columns of each roster role.
_ROLE_COLUMNS = {"senior": "demand_senior", "key_staff": "demand_key_staff",
                 "other": "demand_other"}


def screened_demand(record: Any, counts: dict[str, int]) -> dict[str, int | None]:
    """Each role's demand capped at its applicants who pass (docs/columns.md).

    A role the workbook gives is min(declared, passed of that role); what the given roles leave
    of the total (the roles left blank) is capped at the passing applicants of those roles.
    Returns the new ``demand_total`` and parts (a blank part stays blank).
    """
    total = int(record.demand_total)
    out: dict[str, int | None] = {}
    given = 0
    rest_passed = 0
    for role, key in _ROLE_COLUMNS.items():
        declared = getattr(record, key)
        passed = counts[f"passed_{role}"]
        if declared is None:
            out[key] = None
            rest_passed += passed
        else:
            out[key] = min(int(declared), passed)
            given += int(declared)
    kept = sum(v for v in out.values() if v is not None)
    out["demand_total"] = kept + min(max(total - given, 0), rest_passed)
    return out


def _screened(record: Any, screening: Screening | None,
              warnings: list[PlanWarning]) -> Any:
    """The record as the rules see it after roster screening, and the screening's reason."""
    if screening is None:
        return record
    requested = int(record.demand_total)
    counts = screening.counts(record.credit_code)
    if counts is None:
        if screening.unlisted == "keep":
            warnings.append(PlanWarning("ROSTER_UNLISTED", text("roster.unlisted_keep"),
                                        int(record.row), record.credit_code))
            return record
        cut = {key: (0 if getattr(record, key) is not None else None)
               for key in _ROLE_COLUMNS.values()}
        found = Reason("ROSTER_UNLISTED", "6",
                       text("roster.unlisted_exclude", removed=requested), -requested)
        return _Screened(record._replace(demand_total=0, **cut), requested, found)
    changed = screened_demand(record, counts)
    removed = requested - int(changed["demand_total"] or 0)
    # Many employers share their figures word for word: each distinct reason is made once.
    key = (requested, removed, tuple(counts.values()), screening.thresholds.months)
    found = _remember(_SCREENED, key, lambda: _screening_reason(requested, removed, counts,
                                                                screening))
    return _Screened(record._replace(**changed), requested, found)


_SCREENED: dict[tuple[Any, ...], Reason] = {}


_SENTENCES: dict[tuple[Any, ...], Text] = {}
_CHANGES: dict[int, Text] = {}


def _screening_reason(requested: int, removed: int, counts: dict[str, int],
                      screening: Screening) -> Reason:
    # The sentence reads requested, passed, listed and the failures (and the months in the
    # words of one reason); the change reads removed: each is made once for all who share it.
    sentence = _remember(_SENTENCES, (
        requested, counts["passed"], counts["listed"],
        tuple(counts[f"failed_{c}"] for c in REASONS), screening.thresholds.months),
        lambda: employer_sentence(requested, counts, screening.thresholds))
    change = _remember(_CHANGES, removed, lambda: text("roster.screened_cut", removed=removed)
                       if removed else text("roster.screened_same"))
    articles = ["6", *(REASONS[c] for c in ("FALSIFIED", "OUTSIDE_QUOTA")
                       if counts[f"failed_{c}"])]
    return Reason("ROSTER_SCREENED", ", ".join(articles),
                  text("roster.screened", sentence=sentence, change=change), -removed)


@dataclass(frozen=True)
class _Screened:
    """A submission row after screening: what remains, what was asked, and the reason."""

    record: Any
    requested: int
    reason: Reason


def validation_warnings(submissions: Submissions) -> list[PlanWarning]:
    """The workbook's warnings as ``validate`` reports them — code, row and message
    unchanged — each with the credit code of the row it is about."""
    frame = submissions.frame
    codes = dict(zip(frame["row"].tolist(), frame["credit_code"].tolist(), strict=True))
    return [PlanWarning(found.code, found.message, found.row, codes.get(found.row))
            for found in submissions.warnings]


def scenario_warnings(employers: pd.DataFrame, scenario: Scenario) -> list[PlanWarning]:
    """Art. 8 guarantees this scenario leaves inert although the workbook has top-100 firms:
    "全力支持" must not silently do nothing."""
    top = employers["top100"].astype(bool) if len(employers) else pd.Series(dtype=bool)
    if not top.any():
        return []
    firms = int(top.sum())
    found = []
    for role, share in (("senior", scenario.guarantee.top100_senior),
                        ("key_staff", scenario.guarantee.top100_key_staff)):
        if share == 0:
            code = f"GUARANTEE_{role.upper()}_INERT"
            found.append(PlanWarning(code, text(f"policy_warning.{code}", firms=firms,
                                                article=article_text("8"))))
    return found


def _warned_rows(submissions: Submissions) -> dict[int, tuple[str, ...]]:
    """The codes of the workbook's warnings about each row."""
    found: dict[int, list[str]] = {}
    for warning in submissions.warnings:
        if warning.row is not None:
            found.setdefault(warning.row, []).append(warning.code)
    return {row: tuple(codes) for row, codes in found.items()}


def employer_ceiling(scenario: Scenario) -> int | None:
    """The per-employer ceiling: an absolute maximum and/or a share of the allocatable cap."""
    limits = []
    if scenario.method.max_per_employer > 0:
        limits.append(scenario.method.max_per_employer)
    if scenario.method.max_share < 1:
        limits.append(int(Fraction(scenario.method.max_share) * scenario.cap.allocatable))
    return min(limits) if limits else None


def _employer(record: Any, scenario: Scenario, ceiling: int | None,
              weightings: dict[tuple[Any, ...], _Weighting],
              warned: tuple[str, ...]) -> tuple[Any, ...]:
    reasons: list[Reason] = []
    if isinstance(record, _Screened):
        # Roster screening (docs/columns.md, Art. 6, 17, 18) lowers each role's demand before the
        # gates; everything below works on what it leaves, guarantees included (Art. 8 counts
        # only qualified senior managers and key staff).
        requested = record.requested
        reasons.append(record.reason)
        record = record.record
        start = int(record.demand_total)
    else:
        requested = start = int(record.demand_total)
    eligible = 0 if _gated(record, scenario, reasons) else start
    if eligible:
        eligible = _cut(record, scenario, eligible, reasons, warned)
    upper = eligible
    if ceiling is not None and upper > ceiling:
        reasons.append(reason("CEILING", amount=ceiling - upper, ceiling=ceiling))
        upper = ceiling
    guaranteed = _guarantee(record, scenario, upper, reasons) if upper else 0
    weighting = _weighting(record, scenario, weightings, warned)
    reasons.extend(weighting.reasons)
    weight, claim = weighting.weight, weighting.claim(eligible)
    return (record.row, record.credit_code, record.name, record.unit_type, record.sector,
            record.categories, bool(record.top100), record.submitted_on, requested, eligible,
            guaranteed, upper, weight, claim, reasons)


def _sanctioned_items(record: Any, scenario: Scenario) -> list[int]:
    """The Art. 16 items the row records: its violations, and item 3 for attrition above the
    threshold or leavers within three months."""
    items = set(record.violations or ())
    rate = record.attrition_rate
    if (rate is not None and rate > scenario.sanctions.attrition_threshold) or \
            (record.lost_within_3m or 0) > 0:
        items.add(3)
    return sorted(items)


def _status_article(record: Any, scenario: Scenario) -> str:
    """Art. 13 suspends or terminates an employer that did not report changes; Art. 16
    suspends, terminates or blacklists one for the situations it lists. A status is cited as
    an Art. 16 sanction when the row records an Art. 16 situation (its items), else as Art. 13;
    a blacklisting is always Art. 16."""
    items = _sanctioned_items(record, scenario)
    if items:
        return ", ".join(f"16({item})" for item in items)
    return "16" if record.status == "blacklisted" else "13"


def _gated(record: Any, scenario: Scenario, cited: list[Reason]) -> bool:
    """Art. 3, 5, 13 and 16 gates: record every one that applies; any one excludes."""
    rules = scenario.eligibility
    requested = int(record.demand_total)
    reasons: list[Reason] = []
    if record.unit_type not in rules.unit_types:
        reasons.append(reason("UNIT_TYPE_INELIGIBLE", amount=-requested,
                              unit_type=_label("unit_type", record.unit_type)))
    if record.status in rules.excluded_statuses:
        reasons.append(reason(STATUS_REASONS[record.status], amount=-requested,
                              article=_status_article(record, scenario)))
    if record.negative_list == "prohibited":
        reasons.append(reason("NEGATIVE_LIST_PROHIBITED", amount=-requested))
    if record.negative_list == "restricted" and scenario.sanctions.restricted_industry == \
            "exclude":
        reasons.append(reason("NEGATIVE_LIST_RESTRICTED", amount=-requested))
    if len(reasons) > 1:  # only the first gate removes the permits; the rest are cited
        reasons[1:] = [Reason(r.code, r.article, r.message, 0, r.factor, r.item, r.warning)
                       for r in reasons[1:]]
    cited.extend(reasons)
    return bool(reasons)


def _cut(record: Any, scenario: Scenario, eligible: int, reasons: list[Reason],
         warned: tuple[str, ...]) -> int:
    """Art. 3 and 16 sanctions and the utilisation rule, each on what the previous left.

    Every sanction that applies is recorded with what it removed, even nothing."""
    sanctions = scenario.sanctions
    rounding = sanctions.share_rounding

    def apply(code: str, cut: Cut, warning: str | None = None, **params: Any) -> None:
        nonlocal eligible
        removed = cut.amount(eligible, rounding)
        # A share worth less than one permit that still removes one says why (the rounding).
        raised = removed > 0 and cut.kind == "share" and cut.value * eligible < 1
        reasons.append(reason(code, amount=-removed, cut=_describe(cut), warning=warning,
                              rounding=_raised(rounding) if raised else "", **params))
        eligible -= removed

    restricted = sanctions.restricted_industry
    if record.negative_list == "restricted" and isinstance(restricted, Cut) and \
            not restricted.is_none():
        apply("RESTRICTED_CUT", restricted)
    rate = record.attrition_rate
    if rate is not None and rate > sanctions.attrition_threshold and \
            not sanctions.attrition_cut.is_none():
        # A rate typed as 1 reads as 100 % (the reader warns): the reason says so.
        apply("ATTRITION_CUT", sanctions.attrition_cut,
              "rate_one" if "rate_one" in warned else None, rate=_percent(rate),
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


#: The reader's warning when a top-100 firm gives no breakdown by role at all, and when it
#: gives some parts only.
_NO_BREAKDOWN, _PARTS_MISSING = "demand_parts_top100", "demand_parts_missing"


def _guarantee(record: Any, scenario: Scenario, upper: int, reasons: list[Reason]) -> int:
    rules = scenario.guarantee
    guaranteed = 0
    shares = {"demand_senior": rules.top100_senior, "demand_key_staff": rules.top100_key_staff} \
        if record.top100 else {}
    if any(shares.values()):
        counts = {key: getattr(record, key) for key in shares}
        # Art. 8 guarantees roles; a role left blank guarantees nothing, and the reason says
        # so (the reader warned: the parts are missing).
        missing = [key for key, share in shares.items() if share and counts[key] is None]
        breakdown = _NO_BREAKDOWN if all(getattr(record, key) is None for key in
                                         ("demand_senior", "demand_key_staff",
                                          "demand_other")) else _PARTS_MISSING
        senior = int(Fraction(rules.top100_senior) * (counts["demand_senior"] or 0))
        key_staff = int(Fraction(rules.top100_key_staff) * (counts["demand_key_staff"] or 0))
        wanted = senior + key_staff
        if missing and not wanted:
            reasons.append(reason("TOP100_NO_BREAKDOWN", amount=0, warning=breakdown,
                                  missing=_roles(missing)))
        elif wanted:
            guaranteed = min(wanted, upper)
            reasons.append(reason("TOP100_GUARANTEE", amount=guaranteed, senior=senior,
                                  key_staff=key_staff,
                                  warning=breakdown if missing else None))
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


#: The reader's warnings when an industry code cannot decide the sector.
_UNDECIDED = ("industry_too_coarse", "industry_partial")


def _weighting(record: Any, scenario: Scenario, seen: dict[tuple[Any, ...], _Weighting],
               warned: tuple[str, ...]) -> _Weighting:
    """The employer's weight with its reasons (Art. 3, 8).

    It depends on the sector, the categories, the positive-list and top-100 flags (and, when
    the industry code could not decide the sector, on that code) alone, so it is worked out
    once per combination and shared, as are the claims: decimals, fractions and reasons are
    immutable.
    """
    undecided = next((code for code in warned if code in _UNDECIDED), None) if warned else None
    key = (record.sector, tuple(record.categories or ()), bool(record.top100),
           _positive(record), undecided and record.industry_code)
    found = seen.get(key)
    if found is None:
        reasons: list[Reason] = []
        if undecided is not None:
            reasons.append(reason("SECTOR_UNDECIDED", warning=undecided,
                                  industry=record.industry_code))
        weight = _weight(record, scenario, reasons)
        found = seen[key] = _Weighting(weight, tuple(reasons))
    return found


def _positive(record: Any) -> bool:
    # Workbooks (and stored datasets) from before the positive-list column have none.
    return bool(getattr(record, "positive_list", False))


def _weight(record: Any, scenario: Scenario, reasons: list[Reason]) -> Decimal:
    """Every multiplier that applies (≠ 1) leaves its reason; the scenario says how they
    combine: their product, or the largest of them."""
    weights = scenario.weights
    factors: list[Decimal] = []

    def tilt(code: str, factor: Decimal, **params: Any) -> None:
        if factor != 1:
            factors.append(factor)
            reasons.append(reason(code, factor=factor, **params))

    tilt("WEIGHT_SECTOR", Decimal(getattr(weights.sector, record.sector)),
         sector=_label("sector", record.sector))
    categories = record.categories or ()
    if categories:
        best = max(categories, key=lambda item: (weights.category[item], -item))
        tilt("WEIGHT_CATEGORY", Decimal(weights.category[best]), item=best,
             category=_category(best))
    if _positive(record):
        tilt("WEIGHT_POSITIVE_LIST", Decimal(weights.positive_list))
    if record.top100:
        tilt("WEIGHT_TOP100", Decimal(weights.top100))
    if not factors:
        return Decimal(1)
    if weights.combine == "largest":
        return max(factors)
    with localcontext() as exact:  # four factors of six places each: more than 28 digits
        exact.prec = 200
        return math.prod(factors, start=Decimal(1))


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


def _category(item: int) -> Text:
    zh, en = CATEGORIES[item]
    return Text(zh=zh, en=en)


#: The roles Art. 8 guarantees, by the demand column that counts them.
_ROLES = {"demand_senior": ("高级管理人员", "senior managers"),
          "demand_key_staff": ("业务骨干", "key staff")}


def _roles(keys: list[str]) -> Text:
    return Text(zh="、".join(_ROLES[k][0] for k in keys),
                en=" and ".join(_ROLES[k][1] for k in keys))


def _violation(item: int) -> Text:
    zh, en = VIOLATIONS[item]
    return Text(zh=zh, en=en)


def _percent(rate: Decimal) -> str:
    # Keyed by repr, the type included: only the same value written the same way is shared.
    return _remember(_PERCENTS, repr(rate), lambda: f"{(Decimal(rate) * 100).normalize():f}%")


def _raised(rounding: str) -> Text:
    return _remember(_CUTS, ("raised", rounding),
                     lambda: text("cut.raised", rule=text(f"cut.rounding.{rounding}")))


def _describe(cut: Cut) -> Text:
    def make() -> Text:
        if cut.kind == "count":
            return text("cut.count", count=cut.value)
        return text("cut.share", share=_percent(Decimal(cut.value)))

    return _remember(_CUTS, (cut.kind, repr(cut.value)), make)
