"""Why each number of a plan is what it is, in words a planner reads (docs/policy.md).

For every employer the chain of docs/policy.md becomes one sentence in each language::

    requested → eligible (each cut, its article and amount) → floor and ceiling → weight
    (each multiplier and why) → claim → quotient at its scope's divisor → rounding → allocated

e.g. *Requested 10; eligible 8 (attrition above the threshold, Art. 16(3), −2); floor 0,
ceiling 8; weight 1.44 (sector Finance ×1.2, Art. 8; category 3 ×1.2, Art. 8); claim
1.44 × 8 = 11.52; quotient 11.52 ÷ 1.37 ≈ 8.41, rounded to 8 by Sainte-Laguë; allocated 8.*

The explanation is **checked, not asserted**: every quotient is an exact fraction, every rounding
goes through :func:`allocator.methods.rounded`, and :func:`explain_plan` raises
:class:`ExplanationError` unless clamp(rounded(vᵢ / D), aᵢ, bᵢ) — one less for the loser of a
tie at the cut-off — is exactly the allocation. Numbers are formatted only at the end; a shown
quotient carries as many decimals as it takes to land on the same side of the rounding
threshold as the exact value, and ``≈`` whenever it is not exact.

Each employer is explained at the divisor of its :class:`~allocator.plan.Scope`: the cap's, or
that of a group whose floor or ceiling binds (docs/policy.md, :mod:`allocator.constraints`). Where a
scope has no finite divisor the sentence says why instead:

* nobody in the scope was refused a permit (demand below the cap): each got its ceiling;
* Huntington–Hill broke a tie at an irrational priority: the sentence uses a rational divisor
  just below it, at which the tie's losers round up too (as at any tie);
* Adams, Dean or Huntington–Hill had fewer permits than employers: first permits go to the
  largest claims.

Hamilton (largest remainders, for comparison only) has no divisor: each employer's quota
qᵢ = clamp(λ·vᵢ, aᵢ, bᵢ), with the one λ that makes the quotas add up to the seats, is rounded
down or, for the largest remainders, up.

:func:`plan_summary` gives the plan-level tables — by sector, category, top-100 and unit type,
fill rates, exclusions and cuts by reason, scopes and divisors, and why any permits stay
unallocated — as pandas DataFrames for the command line, the workbooks and the app.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from itertools import count
from typing import Any

import numpy as np
import pandas as pd

from allocator.docs import article_text, chinese_numeral
from allocator.i18n import Lang, Text, only, text
from allocator.methods import Method, Priority, rounded, signpost
from allocator.plan import Plan, PlanStatus, Scope, TieReport, interval_json
from allocator.policy import Reason
from allocator.schema import CATEGORIES, SECTORS, UNIT_TYPES

__all__ = [
    "BREAKDOWNS",
    "CUT_CODES",
    "GATE_CODES",
    "EmployerExplanation",
    "ExplanationError",
    "PlanSummary",
    "decimal_text",
    "explain_employer",
    "explain_plan",
    "fill_rate",
    "plan_summary",
    "warning_lines",
]

#: Reasons that exclude an employer outright (Art. 3, 5, 13, 16).
GATE_CODES = ("UNIT_TYPE_INELIGIBLE", "STATUS_SUSPENDED", "STATUS_TERMINATED",
              "STATUS_BLACKLISTED", "NEGATIVE_LIST_PROHIBITED", "NEGATIVE_LIST_RESTRICTED")
#: Reasons that lower eligible demand by roster screening (Art. 6, 17, 18; docs/columns.md).
ROSTER_CODES = ("ROSTER_SCREENED", "ROSTER_UNLISTED")
#: Reasons that cut eligible demand as a sanction (Art. 3, 16, the utilisation rule): 压减.
SANCTION_CODES = ("RESTRICTED_CUT", "ATTRITION_CUT", "LOST_WITHIN_3M_CUT", "VIOLATION_CUT",
                  "UTILISATION_CUT")
#: Every reason that lowers eligible demand, in the order the rules apply them.
CUT_CODES = ROSTER_CODES + SANCTION_CODES
#: Reasons that set the floor or the ceiling.
BOUND_CODES = ("CEILING", "TOP100_GUARANTEE", "TOP100_NO_BREAKDOWN", "GUARANTEE_LIMITED",
               "MIN_FLOOR")
#: Multipliers (Art. 3, 8), and the note that the sector could not be decided.
WEIGHT_CODES = ("WEIGHT_SECTOR", "WEIGHT_CATEGORY", "WEIGHT_POSITIVE_LIST", "WEIGHT_TOP100")
SECTOR_NOTE = "SECTOR_UNDECIDED"

#: Methods whose first signpost is 0: a first permit has infinite priority.
_ZERO_FIRST = (Method.ADAMS, Method.DEAN, Method.HUNTINGTON_HILL)
#: Decimals a shown quotient or divisor starts with, and the most it may take.
_PLACES, _MAX_PLACES = 2, 12


class ExplanationError(AssertionError):
    """An explanation failed to reproduce the plan: a bug, never the planner's input."""


# -- numbers, formatted only at the end -------------------------------------------------------
def decimal_text(value: Fraction | Decimal | int, places: int = _PLACES) -> tuple[str, bool]:
    """``value`` rounded half-up to at most ``places`` decimals (trailing zeros dropped), and
    whether that is exact.

    >>> decimal_text(Fraction(1152, 100)), decimal_text(Fraction(2, 3), 4)
    (('11.52', True), ('0.6667', False))
    """
    exact = value if isinstance(value, Fraction) else Fraction(value)
    with localcontext() as context:
        context.prec = 60
        quantum = Decimal(1).scaleb(-places)
        shown = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            quantum, rounding=ROUND_HALF_UP)
    shown_exact = Fraction(shown)
    out = f"{shown.normalize():f}" if shown != 0 else "0"
    return out, shown_exact == exact


def exact_text(value: Fraction | Decimal | int) -> str:
    """A terminating decimal shown exactly (weights and claims always are: weights are
    decimals); otherwise rounded to six places."""
    return decimal_text(value, _MAX_PLACES)[0] if _terminates(Fraction(value)) else \
        decimal_text(value, 6)[0]


def _terminates(value: Fraction) -> bool:
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def fill_rate(allocated: int, base: int) -> Fraction | None:
    """allocated / base exactly; ``None`` when there is nothing to fill."""
    return Fraction(allocated, base) if base > 0 else None


def _at_signpost(method: Method, quotient: Fraction) -> bool:
    """Whether ``quotient`` lies exactly on a rounding threshold s(k) (it then rounds up)."""
    if quotient <= 0:
        return False
    k = rounded(method, quotient) - 1
    if k < 0:
        return False
    if method is Method.HUNTINGTON_HILL:
        return quotient * quotient == k * (k + 1)
    return signpost(method, k) == quotient


def _show_quotient(method: Method, quotient: Fraction) -> tuple[str, bool]:
    """The quotient with enough decimals that the shown value rounds like the exact one (its
    exact fraction when no decimal of up to twelve places does)."""
    target = rounded(method, quotient)
    for places in range(_PLACES, _MAX_PLACES + 1):
        shown, exact = decimal_text(quotient, places)
        if exact or (rounded(method, Fraction(shown)) == target
                     and not _at_signpost(method, Fraction(shown))):
            return shown, exact
    # Within 10⁻¹² of a threshold that no decimal of twelve places shows rightly (Dean's
    # 40/9, say): the exact fraction, which cannot mislead.
    return f"{quotient.numerator}/{quotient.denominator}", True


def _eq(exact: bool) -> str:
    return "=" if exact else "≈"


# -- labels -----------------------------------------------------------------------------------
def _choice_label(choices: Iterable, code: str) -> Text:
    for choice in choices:
        if choice.code == code:
            return Text(zh=choice.zh, en=choice.en)
    return Text(zh=str(code), en=str(code))


def sector_label(code: str) -> Text:
    return _choice_label(SECTORS, code)


def unit_type_label(code: str) -> Text:
    return _choice_label(UNIT_TYPES, code)


def category_label(item: int) -> Text:
    zh, en = CATEGORIES[item]
    return Text(zh=f"{chinese_numeral(item)}、{zh}", en=f"{item}. {en}")


def method_label(method: Method) -> Text:
    return text(f"explain.method.{method.value}")


def _join(parts: Sequence[Text], key: str = "explain.list_separator") -> Text:
    separator = text(key)
    return Text(zh=separator.zh.join(p.zh for p in parts),
                en=separator.en.join(p.en for p in parts))


# -- one employer -----------------------------------------------------------------------------
@dataclass(frozen=True)
class EmployerExplanation:
    """The chain of one employer's numbers, exact, and the sentence that tells it.

    ``outcome`` names the last step: ``excluded``, ``nothing_requested``, ``nothing_eligible``,
    ``no_room`` (ceiling 0), ``as_rounded``, ``capped_eligible``, ``capped_ceiling``,
    ``raised_guarantee``, ``raised_floor``, ``tie_won``, ``tie_lost``, ``full_upper``,
    ``first_permits``, ``hamilton_down``, ``hamilton_up``, ``hamilton_exact``, ``infeasible``.
    """

    position: int
    row: int
    credit_code: str
    name: str
    requested: int
    eligible: int
    guaranteed: int
    upper: int
    weight: Decimal
    claim: Fraction
    allocated: int | None
    gates: tuple[Reason, ...]
    cuts: tuple[Reason, ...]
    bounds: tuple[Reason, ...]
    multipliers: tuple[Reason, ...]
    scope: Scope | None
    divisor: Fraction | None  # the divisor the sentence uses (the scope's, or one derived)
    derived_divisor: bool  # True when the scope has none and the sentence derives one
    quotient: Fraction | None
    rounded: int | None
    quota: Fraction | None  # Hamilton only
    tie: TieReport | None
    outcome: str
    sentence: Text

    @property
    def tie_lost(self) -> bool:
        return self.tie is not None and self.position not in self.tie.awarded


@dataclass
class _Context:
    """What every employer's explanation needs from the plan, computed once."""

    plan: Plan
    scope_of: dict[int, Scope]
    divisor_of: dict[str, tuple[Fraction | None, bool]]  # scope name → (divisor, derived)
    quota_of: dict[int, Fraction]  # Hamilton quotas
    tie_of: dict[int, TieReport]
    records: list[dict[str, Any]]  # the problem's employers as plain rows (fast to read)
    #: Message parts already rendered, by what they depend on: many employers share their
    #: numbers, so most parts are rendered once (10,000 employers: about 4,000 quotients).
    parts: dict[tuple[Any, ...], Text] = field(default_factory=dict)
    #: (scope name, claim) → (quotient, rounded quotient), computed once.
    quotients: dict[tuple[str, Fraction], tuple[Fraction, int]] = field(default_factory=dict)
    #: The parts of a sentence → the sentence.
    sentences: dict[tuple[Text, ...], Text] = field(default_factory=dict)

    def part(self, key: tuple[Any, ...], render: Callable[[], Text]) -> Text:
        known = self.parts.get(key)
        if known is None:
            known = self.parts[key] = render()
        return known


def _context(plan: Plan) -> _Context:
    scope_of: dict[int, Scope] = {}
    for scope in plan.scopes:
        for employer in scope.employers:
            scope_of[employer] = scope
    tie_of: dict[int, TieReport] = {}
    for tie in plan.ties:
        for employer in tie.employers:
            tie_of[employer] = tie
    divisor_of: dict[str, tuple[Fraction | None, bool]] = {}
    quota_of: dict[int, Fraction] = {}
    method = plan.problem.method
    for scope in plan.scopes:
        if scope.divisor is not None:
            divisor_of[scope.name] = (scope.divisor, False)
        elif method is Method.HUNTINGTON_HILL and plan.allocation is not None:
            divisor_of[scope.name] = (_derived_hill_divisor(plan, scope, tie_of), True)
        else:
            divisor_of[scope.name] = (None, False)
        if method is Method.HAMILTON and plan.allocation is not None:
            quota_of.update(_hamilton_quotas(plan, scope))
    frame = plan.problem.employers
    columns = [str(name) for name in frame.columns]
    # As DataFrame.to_dict("records") gives them (Python values, not numpy's), twice as fast.
    lists = [frame[name].tolist() for name in frame.columns]
    records = [dict(zip(columns, values, strict=True)) for values in zip(*lists, strict=True)]
    return _Context(plan, scope_of, divisor_of, quota_of, tie_of, records)


def explain_employer(plan: Plan, position: int) -> Text:
    """The sentence that explains employer ``position`` (input order, from 0)."""
    return _explain(_context(plan), position).sentence


def explain_plan(plan: Plan, lang: Lang | None = None) -> list[EmployerExplanation]:
    """Every employer's explanation, in input order; each is checked against the plan.

    With ``lang``, each sentence is rendered in that language only (the other is left empty):
    what a one-language document needs, in about two thirds of the time. The sentence in
    ``lang`` is the same either way, and so is everything else of each explanation."""
    if lang is not None:
        with only(lang):
            return explain_plan(plan)
    context = _context(plan)
    return [_explain(context, position) for position in range(plan.problem.size)]


def _explain(context: _Context, position: int) -> EmployerExplanation:
    plan = context.plan
    problem = plan.problem
    record = context.records[position]
    reasons: list[Reason] = list(record["reasons"])
    requested, eligible = int(record["requested"]), int(record["eligible"])
    guaranteed, upper = int(record["guaranteed"]), int(record["upper"])
    weight: Decimal = record["weight"]
    claim = record["claim"]
    if type(claim) is not Fraction:
        claim = Fraction(claim)
    if reasons:
        gates = tuple(r for r in reasons if r.code in GATE_CODES)
        cuts = tuple(r for r in reasons if r.code in CUT_CODES)
        bounds = tuple(r for r in reasons if r.code in BOUND_CODES)
        multipliers = tuple(r for r in reasons
                            if r.code in WEIGHT_CODES or r.code == SECTOR_NOTE)
    else:
        gates = cuts = bounds = multipliers = ()
    allocated = None if plan.allocation is None else plan.seats(position)
    scope = context.scope_of.get(position)
    tie = context.tie_of.get(position)
    method = problem.method

    part = context.part
    parts = [part(("requested", requested),
                  lambda: text("explain.requested", requested=requested))]
    divisor: Fraction | None = None
    derived = False
    quotient: Fraction | None = None
    rounding: int | None = None
    quota: Fraction | None = None

    if gates:
        labels = _join([_gate_text(r) for r in gates])
        parts.append(text("explain.excluded", gates=labels))
        outcome = "excluded"
    elif requested == 0:
        outcome = "nothing_requested"
    elif eligible == 0:
        parts.append(_eligible_text(eligible, cuts))
        outcome = "nothing_eligible"
    else:
        categories = record["categories"]
        parts.append(part(("eligible", eligible, cuts), lambda: _eligible_text(eligible, cuts)))
        parts.append(part(("bounds", guaranteed, upper, bounds),
                          lambda: _bounds_text(guaranteed, upper, bounds)))
        weights = problem.scenario.weights
        parts.append(part(
            ("weight", weight, multipliers, record["sector"],
             None if categories is None else tuple(categories)),
            lambda: _weight_text(record, weight, multipliers, weights.category,
                                 weights.combine)))
        parts.append(part(("claim", weight, eligible, claim),
                          lambda: text("explain.claim", weight=exact_text(weight),
                                       eligible=eligible, claim=exact_text(claim))))
        if upper == 0:
            outcome = "no_room"
        elif allocated is None:
            outcome = "infeasible"
        elif method is Method.HAMILTON:
            quota = context.quota_of[position]
            outcome = _hamilton_outcome(quota, allocated)
            shown, exact = decimal_text(quota, 4)
            parts.append(text(f"explain.hamilton.{outcome}", quota=shown, eq=_eq(exact),
                              down=math.floor(quota), up=math.floor(quota) + 1))
        else:
            assert scope is not None, f"employer {position} with room is in no scope"
            divisor, derived = context.divisor_of[scope.name]
            if divisor is not None:
                known = context.quotients.get((scope.name, claim))
                if known is None:  # many employers share a claim: divide and round once
                    known = context.quotients[scope.name, claim] = \
                        (claim / divisor, rounded(method, claim / divisor))
                quotient, rounding = known
                parts.append(part(
                    ("quotient", scope.name, claim),
                    lambda: _quotient_text(method, scope, claim, divisor, derived, quotient,
                                           rounding)))
                outcome = _divisor_outcome(position, allocated, rounding, guaranteed, upper,
                                           eligible, bounds, tie)
            elif allocated == upper:
                outcome = "full_upper"
            elif method in _ZERO_FIRST and (allocated == guaranteed or
                                            (guaranteed == 0 and allocated == 1)):
                outcome = "first_permits"
            else:  # pragma: no cover - every divisor-less scope is one of the cases above
                raise ExplanationError(f"employer {position}: no divisor explains "
                                       f"{allocated} permits")

    if allocated is None:
        parts.append(text("explain.outcome.infeasible"))
    elif tie is None:
        parts.append(part(("outcome", outcome, allocated, guaranteed, upper),
                          lambda: _outcome_text(outcome, allocated, guaranteed, upper, tie,
                                                plan)))
    else:
        parts.append(_outcome_text(outcome, allocated, guaranteed, upper, tie, plan))
    # Employers with the same numbers have the same sentence: put it together once.
    whole = tuple(parts)
    sentence = context.sentences.get(whole)
    if sentence is None:
        sentence = context.sentences[whole] = \
            text("explain.sentence", body=_join(parts, "explain.separator"))
    return EmployerExplanation(
        position=position, row=int(record["row"]), credit_code=str(record["credit_code"]),
        name=str(record["name"]), requested=requested, eligible=eligible,
        guaranteed=guaranteed, upper=upper, weight=weight, claim=claim, allocated=allocated,
        gates=gates, cuts=cuts, bounds=bounds, multipliers=multipliers, scope=scope,
        divisor=divisor, derived_divisor=derived, quotient=quotient, rounded=rounding,
        quota=quota, tie=tie, outcome=outcome, sentence=sentence)


def _gate_text(reason: Reason) -> Text:
    return text("explain.gate", label=text(f"explain.reason.{reason.code}"),
                article=article_text(reason.article))


def _eligible_text(eligible: int, cuts: tuple[Reason, ...]) -> Text:
    """Every sanction that applied, with what it removed — even nothing (docs/scenario.md)."""
    if not cuts:
        return text("explain.eligible", eligible=eligible)
    items = [text("explain.cut", label=_cut_label(r.code),
                  article=article_text(r.article), removed=-(r.amount or 0),
                  warning=_warning_note(r)) for r in cuts]
    return text("explain.eligible_cut", eligible=eligible, cuts=_join(items))


def _cut_label(code: str) -> Text:
    """A cut in a few words; the roster's two (issue 14) keep their words in its own block."""
    if code.startswith("ROSTER_"):
        return text(f"roster.explain.{code}")
    return text(f"explain.reason.{code}")


def _warning_note(reason: Reason) -> Text | str:
    """The workbook warning that changed a number, for the sentence (empty when none did)."""
    if reason.warning is None:
        return ""
    return text("explain.warning", warning=text(f"reason.warning.{reason.warning}"))


def _bounds_text(guaranteed: int, upper: int, bounds: tuple[Reason, ...]) -> Text:
    notes = []
    for r in bounds:
        article = article_text(r.article)
        if r.code == "CEILING":
            notes.append(text("explain.bound.CEILING", ceiling=upper, article=article))
        elif r.code == "GUARANTEE_LIMITED":
            notes.append(text("explain.bound.GUARANTEE_LIMITED", removed=-(r.amount or 0)))
        else:
            notes.append(text(f"explain.bound.{r.code}", amount=r.amount or 0,
                              article=article, warning=_warning_note(r)))
    if not notes:
        return text("explain.bounds", guaranteed=guaranteed, upper=upper)
    return text("explain.bounds_why", guaranteed=guaranteed, upper=upper, why=_join(notes))


def _weight_text(record: dict[str, Any], weight: Decimal, multipliers: tuple[Reason, ...],
                 weights: dict[int, Decimal], combine: str) -> Text:
    """The weight and every multiplier that applied, and how they combined (Art. 3, 8)."""
    factors = []
    for r in multipliers:
        article = article_text(r.article)
        if r.code == SECTOR_NOTE:
            factors.append(text("explain.factor.undecided", article=article,
                                warning=text(f"reason.warning.{r.warning}")))
            continue
        assert r.factor is not None
        factor = exact_text(r.factor)
        if r.code == "WEIGHT_SECTOR":
            factors.append(text("explain.factor.sector", sector=sector_label(record["sector"]),
                                factor=factor, article=article))
        elif r.code == "WEIGHT_CATEGORY":
            factors.append(text("explain.factor.category",
                                item=_category_item(record["categories"], r.factor,
                                                    weights),
                                factor=factor, article=article))
        elif r.code == "WEIGHT_POSITIVE_LIST":
            factors.append(text("explain.factor.positive_list", factor=factor, article=article))
        else:
            factors.append(text("explain.factor.top100", factor=factor, article=article))
    shown = [Fraction(r.factor) for r in multipliers if r.factor is not None]
    combined = max(shown) if combine == "largest" and shown else math.prod(shown, start=1)
    if combined != weight:
        raise ExplanationError(f"multipliers {shown} combine ({combine}) to {combined}, "
                               f"not the weight {weight}")
    if not factors:
        return text("explain.weight", weight=exact_text(weight))
    tilts = len(shown)
    if tilts > 1:  # several tilts apply: say how they combine, each factor shown
        factors.append(text(f"explain.combine.{combine}"))
    return text("explain.weight_why", weight=exact_text(weight), factors=_join(factors))


def _category_item(categories: Iterable[int] | None, factor: Decimal,
                   weights: dict[int, Decimal]) -> Text:
    """The category whose multiplier applied: the policy takes the largest multiplier, the
    smallest item among equal ones (Art. 8); the reason records the multiplier it used."""
    items = list(categories or ())
    best = max(items, key=lambda item: (weights[item], -item))
    if Decimal(weights[best]) != factor:
        raise ExplanationError(f"category {best} weighs {weights[best]}, the reason {factor}")
    zh, en = CATEGORIES[best]
    return Text(zh=zh, en=en)


def _quotient_text(method: Method, scope: Scope, claim: Fraction, divisor: Fraction,
                   derived: bool, quotient: Fraction, rounding: int) -> Text:
    shown_divisor, divisor_exact = decimal_text(divisor, 6)
    shown, exact = _show_quotient(method, quotient)
    at = _at_signpost(method, quotient)
    if at and not exact:  # e.g. Dean's threshold 40/9: a decimal would seem to round down
        shown, exact = f"{quotient.numerator}/{quotient.denominator}", True
    where = text("explain.scope.cap") if scope.name == "cap" else \
        text("explain.scope.group", name=scope.name, group=scope.label)
    key = "explain.quotient_derived" if derived else "explain.quotient"
    message = text(key, scope=where, claim=exact_text(claim),
                   divisor=("" if divisor_exact else "≈") + shown_divisor, eq=_eq(exact),
                   quotient=shown, method=method_label(method), rounded=rounding)
    if at:
        message = text("explain.at_signpost", quotient=message)
    return message


def _divisor_outcome(position: int, allocated: int, rounding: int, guaranteed: int,
                     upper: int, eligible: int, bounds: tuple[Reason, ...],
                     tie: TieReport | None) -> str:
    """Which step set the allocation; raises when clamp(rounded) does not reproduce it."""
    clamped = min(max(rounding, guaranteed), upper)
    lost = tie is not None and position not in tie.awarded
    expected = clamped - 1 if lost else clamped
    if expected != allocated:
        raise ExplanationError(
            f"employer {position}: clamp(rounded, {guaranteed}, {upper}) = {clamped}"
            f"{' − 1 (tie lost)' if lost else ''} but the plan allocates {allocated}")
    if lost:
        return "tie_lost"
    if tie is not None:
        return "tie_won"
    if rounding > upper:
        return "capped_ceiling" if upper < eligible else "capped_eligible"
    if rounding < guaranteed:
        # The scenario's minimum is only recorded when it lifts the floor above any top-100
        # guarantee: then the floor is the minimum, whatever was guaranteed below it.
        return "raised_floor" if any(r.code == "MIN_FLOOR" for r in bounds) \
            else "raised_guarantee"
    return "as_rounded"


def _outcome_text(outcome: str, allocated: int, guaranteed: int, upper: int,
                  tie: TieReport | None, plan: Plan) -> Text:
    if outcome in ("tie_won", "tie_lost"):
        assert tie is not None
        return text(f"explain.outcome.{outcome}", allocated=allocated, tied=len(tie.employers),
                    permits=tie.permits, broken_by=text(f"explain.broken_by.{tie.broken_by}"))
    return text(f"explain.outcome.{outcome}", allocated=allocated, guaranteed=guaranteed,
                upper=upper)


def _hamilton_outcome(quota: Fraction, allocated: int) -> str:
    if quota.denominator == 1 and allocated == quota:
        return "hamilton_exact"
    if allocated == math.floor(quota):
        return "hamilton_down"
    if allocated == math.floor(quota) + 1:
        return "hamilton_up"
    raise ExplanationError(f"Hamilton quota {quota} cannot round to {allocated}")


# -- divisors and quotas the plan does not carry ----------------------------------------------
def _derived_hill_divisor(plan: Plan, scope: Scope,
                          tie_of: dict[int, TieReport]) -> Fraction | None:
    """A rational divisor for a Huntington–Hill scope that has none (an irrational tie).

    Any D with (strongest refused seat, not a tie loser's) < D < (tied priority) reproduces
    the plan, tie losers rounding up as at any tie. Priorities are compared through their
    squares v² / (k(k+1)); the divisor is the decimal with the fewest significant digits.
    """
    assert plan.allocation is not None
    problem = plan.problem
    claims = problem.column("claim")
    lower, upper = problem.column("guaranteed"), problem.column("upper")
    if not any(i in tie_of for i in scope.employers):
        return None  # no tie: nobody was refused, or the cut-off is among first permits
    awarded_sq: list[Fraction] = []
    refused_sq: list[Fraction] = []
    for i in scope.employers:
        x, v = int(plan.allocation[i]), Fraction(claims[i])
        if v == 0:
            return None
        if x > lower[i] and x > 1:  # a first permit's priority is infinite: above any D
            awarded_sq.append(v * v / ((x - 1) * x))
        if x < upper[i]:
            tie = tie_of.get(i)
            if tie is not None and i not in tie.awarded:
                continue  # the tie's losers round up at the divisor, like its winners
            if x == 0:
                return None  # an infinite priority was refused: no finite divisor
            refused_sq.append(v * v / (x * (x + 1)))
    if not awarded_sq:
        return None
    high = min(awarded_sq)
    low = max(refused_sq, default=Fraction(0))
    return _decimal_between_squares(low, high)


def _decimal_between_squares(low: Fraction, high: Fraction) -> Fraction:
    """The largest decimal D with the fewest significant digits and low < D² < high."""
    exponent = math.floor(math.log10(high.numerator) - math.log10(high.denominator)) // 2 + 1
    for digits in count(1):
        step = Fraction(10) ** (exponent - digits + 1)
        candidate = math.isqrt(math.floor(high / step**2)) * step
        while candidate > 0 and candidate**2 >= high:
            candidate -= step
        if candidate > 0 and candidate**2 > low:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def _hamilton_quotas(plan: Plan, scope: Scope) -> dict[int, Fraction]:
    """Each employer's Hamilton quota clamp(λ·vᵢ, aᵢ, bᵢ), with Σ quotas = the seats given to
    positive claims (the unique λ of :func:`allocator.methods.hamilton`), exactly."""
    assert plan.allocation is not None
    problem = plan.problem
    claims = [Fraction(c) for c in problem.column("claim")]
    lower, upper = problem.column("guaranteed"), problem.column("upper")
    members = [i for i in scope.employers if claims[i] > 0]
    seats = sum(int(plan.allocation[i]) for i in members)

    def total(lam: Fraction) -> Fraction:
        return sum((min(max(lam * claims[i], Fraction(lower[i])), Fraction(upper[i]))
                    for i in members), Fraction(0))

    if not members:
        return {}
    if seats >= sum(upper[i] for i in members):
        return {i: Fraction(upper[i]) for i in members}
    breaks = sorted({Fraction(lower[i]) / claims[i] for i in members}
                    | {Fraction(upper[i]) / claims[i] for i in members} | {Fraction(0)})
    lam = breaks[-1]
    previous = breaks[0]
    for point in breaks:
        if total(point) >= seats:
            before, after = total(previous), total(point)
            lam = point if after == before else \
                previous + (point - previous) * (seats - before) / (after - before)
            break
        previous = point
    return {i: min(max(lam * claims[i], Fraction(lower[i])), Fraction(upper[i]))
            for i in members}


# -- warnings ---------------------------------------------------------------------------------
def warning_lines(plan: Plan, *, surplus: bool = True) -> list[Text]:
    """Every warning of the plan (:attr:`Plan.all_warnings`) as a line that names its row and
    employer: 第12行 某某公司（9111…）：… / Row 12, … (9111…): …. ``surplus=False`` leaves out
    the note on unallocated permits, which the headline already gives."""
    names = dict(zip(plan.problem.column("row"), plan.problem.column("name"), strict=True))
    lines = []
    for warning in plan.all_warnings:
        if warning.code == "SURPLUS" and not surplus:
            continue
        if warning.row is None:
            lines.append(warning.message)
        elif warning.credit_code is None or warning.row not in names:
            lines.append(text("explain.warning_row", row=warning.row, message=warning.message))
        else:
            lines.append(text("explain.warning_employer", row=warning.row,
                              name=names[warning.row], credit_code=warning.credit_code,
                              message=warning.message))
    return lines


# -- the plan ---------------------------------------------------------------------------------
#: The breakdowns of :class:`PlanSummary`, in the order the workbook shows them.
BREAKDOWNS = ("sector", "category", "top100", "unit_type")

#: Columns of every breakdown table (after ``label_zh`` and ``label_en``).
COUNT_COLUMNS = ("employers", "requested", "eligible", "guaranteed", "allocated")
RATE_COLUMNS = ("fill_requested", "fill_eligible")


@dataclass
class PlanSummary:
    """The plan at a glance: totals, breakdowns and reasons, ready for tables.

    Breakdown frames (``by_sector``, ``by_category``, ``by_top100``, ``by_unit_type``) are
    indexed by code, with columns ``label_zh``, ``label_en``, ``employers``, ``requested``,
    ``eligible``, ``guaranteed``, ``allocated``, ``fill_requested`` and ``fill_eligible``
    (allocated / requested and allocated / eligible; NaN where the base is 0). An employer in
    several categories counts in each, so ``by_category`` does not add up to the totals;
    employers in none are the row ``none``.
    """

    status: PlanStatus
    method: Method
    cap: int
    reserve: int
    allocatable: int
    allocated: int | None
    unallocated: int | None
    requested: int
    eligible: int
    guaranteed: int
    upper: int
    divisor: Fraction | None
    scopes: pd.DataFrame  # per scope: divisor, exact divisor, divisor_interval [low, high]
    by_sector: pd.DataFrame
    by_category: pd.DataFrame
    by_top100: pd.DataFrame
    by_unit_type: pd.DataFrame
    excluded: pd.DataFrame  # by gate: label, article, employers, permits (requested)
    cuts: pd.DataFrame  # by cut: label, article, employers, permits removed
    surplus: Text | None  # why permits stay unallocated, if any do
    ties: int
    lines: list[Text] = field(default_factory=list)  # the headline, one line each

    def breakdown(self, name: str) -> pd.DataFrame:
        return getattr(self, f"by_{name}")

    @property
    def fill_requested(self) -> Fraction | None:
        return None if self.allocated is None else fill_rate(self.allocated, self.requested)

    @property
    def fill_eligible(self) -> Fraction | None:
        return None if self.allocated is None else fill_rate(self.allocated, self.eligible)


def _ratio(numerator: int, denominator: int) -> float:
    rate = fill_rate(numerator, denominator)
    return float("nan") if rate is None else float(rate)


def _table(groups: list[tuple[str, Text, np.ndarray]], frame: pd.DataFrame,
           allocation: np.ndarray) -> pd.DataFrame:
    rows = []
    for code, label, mask in groups:
        requested = int(frame["requested"].to_numpy()[mask].sum())
        eligible = int(frame["eligible"].to_numpy()[mask].sum())
        allocated = int(allocation[mask].sum())
        rows.append({"code": code, "label_zh": label.zh, "label_en": label.en,
                     "employers": int(mask.sum()), "requested": requested,
                     "eligible": eligible,
                     "guaranteed": int(frame["guaranteed"].to_numpy()[mask].sum()),
                     "allocated": allocated, "fill_requested": _ratio(allocated, requested),
                     "fill_eligible": _ratio(allocated, eligible)})
    table = pd.DataFrame(rows, columns=["code", "label_zh", "label_en", *COUNT_COLUMNS,
                                        *RATE_COLUMNS])
    return table.set_index("code")


def breakdown_groups(frame: pd.DataFrame, name: str) -> list[tuple[str, Text, np.ndarray]]:
    """The rows of one breakdown: (code, label, mask over employers in input order)."""
    if name == "sector":
        return [(c.code, Text(zh=c.zh, en=c.en), (frame["sector"] == c.code).to_numpy(bool))
                for c in SECTORS]
    if name == "unit_type":
        return [(c.code, Text(zh=c.zh, en=c.en), (frame["unit_type"] == c.code).to_numpy(bool))
                for c in UNIT_TYPES]
    if name == "top100":
        top = frame["top100"].to_numpy(bool)
        return [("top100", text("explain.top100.yes"), top),
                ("other", text("explain.top100.no"), ~top)]
    if name == "category":
        items = [tuple(c or ()) for c in frame["categories"]]
        groups = [(str(n), category_label(n), np.array([n in c for c in items], bool))
                  for n in CATEGORIES]
        groups.append(("none", text("explain.category_none"),
                       np.array([not c for c in items], bool)))
        return groups
    raise ValueError(f"unknown breakdown {name!r}")


def _reason_table(frame: pd.DataFrame, codes: Sequence[str], first_only: bool) -> pd.DataFrame:
    """Employers and permits by reason code; for gates only the one that removed permits
    counts (the others are cited but remove nothing). A cut counts every employer it applied
    to, as its sentence shows it — ``unchanged`` of them lost nothing by it."""
    tally: dict[str, list[int]] = {code: [0, 0, 0] for code in codes}
    for reasons in frame["reasons"]:
        removed: dict[str, int] = {}
        for r in reasons:
            if r.code in tally and not (first_only and not r.amount):
                removed[r.code] = removed.get(r.code, 0) - (r.amount or 0)
        for code, permits in removed.items():
            tally[code][0] += 1
            tally[code][1] += permits
            tally[code][2] += permits == 0
    rows = []
    for code in codes:
        employers, permits, unchanged = tally[code]
        if employers:
            label = _cut_label(code)
            article = article_text(_article(code))
            rows.append({"code": code, "label_zh": label.zh, "label_en": label.en,
                         "article_zh": article.zh, "article_en": article.en,
                         "employers": employers, "permits": permits, "unchanged": unchanged})
    return pd.DataFrame(rows, columns=["code", "label_zh", "label_en", "article_zh",
                                       "article_en", "employers", "permits",
                                       "unchanged"]).set_index("code")


def _article(code: str) -> str:
    """The article a kind of reason cites, for the summary's tables: an itemised one (a
    violation under Art. 16(n)) by its article alone, its items differing by employer."""
    from allocator.policy import ARTICLES

    return ARTICLES[code].split("(")[0]


def plan_summary(plan: Plan) -> PlanSummary:
    """Totals, breakdowns, fill rates, exclusions, cuts and surplus of one plan."""
    problem = plan.problem
    frame = problem.employers
    allocation = (np.zeros(problem.size, dtype=np.int64) if plan.allocation is None
                  else np.asarray(plan.allocation, dtype=np.int64))
    tables = {name: _table(breakdown_groups(frame, name), frame, allocation)
              for name in BREAKDOWNS}
    scopes = pd.DataFrame(
        [{"name": s.name, "label_zh": s.label.zh, "label_en": s.label.en,
          "employers": len(s.employers), "allocated": s.seats,
          "divisor": None if s.divisor is None else float(s.divisor),
          "divisor_exact": None if s.divisor is None else str(s.divisor),
          "divisor_interval": interval_json(s)}
         for s in plan.scopes],
        columns=["name", "label_zh", "label_en", "employers", "allocated", "divisor",
                 "divisor_exact", "divisor_interval"])
    feasible = plan.allocation is not None
    requested = int(frame["requested"].sum()) if len(frame) else 0
    eligible = int(frame["eligible"].sum()) if len(frame) else 0
    summary = PlanSummary(
        status=plan.status, method=problem.method, cap=problem.cap, reserve=problem.reserve,
        allocatable=problem.allocatable, allocated=plan.allocated if feasible else None,
        unallocated=plan.unallocated if feasible else None, requested=requested,
        eligible=eligible,
        guaranteed=int(frame["guaranteed"].sum()) if len(frame) else 0,
        upper=int(frame["upper"].sum()) if len(frame) else 0,
        divisor=plan.divisor, scopes=scopes, by_sector=tables["sector"],
        by_category=tables["category"], by_top100=tables["top100"],
        by_unit_type=tables["unit_type"],
        excluded=_reason_table(frame, GATE_CODES, first_only=True),
        cuts=_reason_table(frame, CUT_CODES, first_only=False),
        surplus=_surplus(plan) if feasible else None, ties=len(plan.ties))
    summary.lines = _headline(summary, plan)
    return summary


def _surplus(plan: Plan) -> Text | None:
    """Why permits stay unallocated (the solver's note: demand below the cap, or full groups)."""
    return next((note.message for note in plan.warnings if note.code == "SURPLUS"), None)


def _headline(summary: PlanSummary, plan: Plan) -> list[Text]:
    lines = [text("explain.headline.totals", cap=_count(summary.cap),
                  reserve=_count(summary.reserve), allocatable=_count(summary.allocatable),
                  requested=_count(summary.requested), eligible=_count(summary.eligible))]
    if summary.allocated is None:
        lines.append(text("explain.headline.infeasible"))
        return lines
    fill_requested = summary.fill_requested
    fill_eligible = summary.fill_eligible
    lines.append(text("explain.headline.allocated", allocated=_count(summary.allocated),
                      unallocated=_count(summary.unallocated),
                      fill_requested=_percent(fill_requested),
                      fill_eligible=_percent(fill_eligible)))
    for scope in plan.scopes:
        divisor = "—" if scope.divisor is None else decimal_text(scope.divisor, 6)[0]
        if plan.problem.method is Method.HAMILTON:  # a quota method: no divisor to show
            key = "explain.headline.hamilton"
        elif scope.name == "cap":
            key = "explain.headline.divisor"
        else:
            key = "explain.headline.group_divisor"
        lines.append(text(key, divisor=divisor, name=scope.name, group=scope.label,
                          employers=_count(len(scope.employers)),
                          allocated=_count(scope.seats),
                          method=method_label(plan.problem.method),
                          interval=interval_text(scope)))
    excluded = summary.excluded
    if len(excluded):
        lines.append(text("explain.headline.excluded",
                          employers=_count(int(excluded["employers"].sum())),
                          permits=_count(int(excluded["permits"].sum()))))
    # Roster screening (Art. 6, 17, 18) is not a sanction: it has its own line, and 压减
    # counts the sanctions' cuts only.
    employers, unchanged, permits = _lowered(plan, ROSTER_CODES)
    if employers:
        lines.append(text("explain.headline.screened" if employers > unchanged else
                          "explain.headline.screened_same", employers=_count(employers),
                          lowered=_count(employers - unchanged), permits=_count(permits)))
    employers, unchanged, permits = _lowered(plan, SANCTION_CODES)
    if employers:
        lines.append(text("explain.headline.cuts_unchanged" if unchanged else
                          "explain.headline.cuts", employers=_count(employers),
                          unchanged=_count(unchanged), permits=_count(permits)))
    if summary.ties:
        lines.append(text("explain.headline.ties", ties=_count(summary.ties)))
    # What the scenario leaves inert although the workbook would use it (Art. 8 guarantees).
    lines += [w.message for w in plan.problem.warnings if w.row is None]
    if summary.surplus is not None:
        lines.append(summary.surplus)
    return lines


def interval_text(scope: Scope) -> Text:
    """The divisors that reproduce a scope (BAZI's divisor interval), for people: every D
    strictly between the two bounds gives the same plan with no quotient on a rounding
    threshold; a single point is a real tie. Empty when the scope has no divisor."""
    if scope.interval is None:
        return Text(zh="", en="")
    low, high = scope.interval
    shown_low = _bound_text(low)
    if high is None:
        return text("explain.interval.open", low=shown_low)
    if high == low:
        return text("explain.interval.tie", low=shown_low)
    return text("explain.interval.between", low=shown_low, high=_bound_text(high))


def _bound_text(priority: Priority) -> str:
    value = priority.value
    if value is not None:
        shown, exact = decimal_text(value, 6)
        return shown if exact else "≈" + shown
    return "≈" + decimal_text(Fraction(float(priority)), 6)[0]  # irrational (Hill)


def _count(number: int) -> str:
    """A count as the headline prints it: thousands separated, as in every table."""
    return f"{number:,}"


def _lowered(plan: Plan, codes: Sequence[str]) -> tuple[int, int, int]:
    """Employers one of ``codes`` applied to, how many of them lost nothing by it (their
    sentences show the cut of 0), and the permits removed: the employers the cuts table
    counts."""
    employers = unchanged = permits = 0
    for reasons in plan.problem.employers["reasons"]:
        amounts = [r.amount or 0 for r in reasons if r.code in codes]
        if amounts:
            employers += 1
            unchanged += not any(amounts)
            permits -= sum(amounts)
    return employers, unchanged, permits


def _percent(rate: Fraction | None) -> str:
    if rate is None:
        return "—"
    return decimal_text(rate * 100, 1)[0] + "%"
