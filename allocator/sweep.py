"""Cap sensitivity: the plan at every cap, and the cap a policy needs (issue 17).

**One seat order gives every cap.** The plan at an allocatable total T is the divisor method
with bounds and groups (docs/policy.md). Its seats above the guarantees are taken in one exact order
(:func:`allocator.methods.seat_order`), which does not depend on T. Without groups the plan at T
is that order's first T − Σ guarantees seats (house monotonicity). With laminar groups
(:mod:`allocator.constraints`) each node v of the tree — the cap, every group — takes a *prefix*
of its own seats, and the prefixes are found top-down from one table per node:

    raw_v(p) = guarantees directly in v + v's own seats among the first p + Σ_children G_u(p)
    G_v(p)   = clamp(raw_v(p), floor_v, ceiling_v)

Both are non-decreasing in p and rise by at most 1 per seat. The cap takes the smallest p with
raw_cap(p) ≥ min(T, raw_cap(end)); a child u of a node cut at p then has the target G_u(p) and
takes the smallest p_u with raw_u(p_u) ≥ it — the point where its own floor or ceiling stops it,
or the parent's point when neither binds. This is the threshold (divisor) form of the greedy
that :func:`allocator.constraints.greedy` runs, which is the unique optimum the solver proves;
the tests check every cap against ``solve --cap`` on random instances with and without groups
and guarantees. Every p_v is non-decreasing in T, so the plan is house-monotone with groups too,
and the inverse questions are exact bisections.

**When one order is not enough.** A per-employer ceiling given as a share of the allocatable
cap (``method.max_share`` < 1) moves the bounds with the cap, and Hamilton is not a divisor
method (the Alabama paradox): then each cap is its own problem, solved in turn (the
*parametric* path). Its inverse questions bisect over those solves and are checked at the
answer and one below it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

import numpy as np

from allocator import constraints
from allocator.constraints import Conflict
from allocator.i18n import Text, text
from allocator.methods import (
    Apportionment,
    Method,
    Priority,
    divisor_interval,
    priority,
    seat_order,
)
from allocator.plan import interval_json
from allocator.policy import Problem, build_problem
from allocator.scenario import MAX_PERMITS, Scenario
from allocator.schema import CATEGORIES, SECTORS
from allocator.screening import Screening
from allocator.submissions import Submissions

Interval = tuple[Priority, Priority | None] | None


class SweepPath(StrEnum):
    SEAT_ORDER = "seat-order"  # one exact seat order for every cap
    PARAMETRIC = "parametric"  # one solve per cap


def problem_at(submissions: Submissions, scenario: Scenario, cap: int,
               screening: Screening | None = None) -> Problem:
    """The problem of ``solve --cap cap``: the scenario with its annual cap replaced (and the
    same roster screening, docs/columns.md: it does not depend on the cap)."""
    return build_problem(submissions, scenario.with_values({"cap.annual": cap}), screening)


def cap_dependent(scenario: Scenario) -> bool:
    """Whether the employers' bounds move with the cap (or the rule is not a divisor method)."""
    return scenario.method.max_share < 1 or Method(scenario.method.rule) is Method.HAMILTON


@dataclass(frozen=True)
class Point:
    """The plan at one allocatable total: its seats, or the rules that cannot be met."""

    allocatable: int
    allocation: np.ndarray | None  # None when infeasible
    conflicts: tuple[Conflict, ...] = ()
    interval: Interval = None  # the divisor interval of the plan's first scope

    @property
    def feasible(self) -> bool:
        return self.allocation is not None


class CapCurve:
    """Every cap's plan for one problem whose bounds do not depend on the cap (module notes)."""

    def __init__(self, problem: Problem,
                 order: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """``order``: the problem's seat order (:attr:`allocator.plan.Plan.seat_order`) when
        already computed, with every employer's own upper bound."""
        from allocator.model import whole_claims

        self.problem = problem
        self.lower = np.asarray(problem.column("guaranteed"), dtype=np.int64)
        self.upper = np.asarray(problem.column("upper"), dtype=np.int64)
        self.claims: list[Fraction] = problem.column("claim")
        self.method = problem.method
        if self.method is Method.HAMILTON:
            raise ValueError("Hamilton has no seat order: use the parametric path")
        self.tree = constraints.build_tree(problem.groups, self.upper, problem.allocatable,
                                           file=problem.scenario.scenario.name)
        claimants, ks = order if order is not None else seat_order(
            whole_claims(self.claims), self.lower, self.upper, self.method, problem.order)
        self.claimants, self.ks = claimants, ks
        nodes = self.tree.nodes
        self.parent = [-1 if n.parent is None else
                       next(i for i, m in enumerate(nodes) if m is n.parent) for n in nodes]
        self.seat_node = self.tree.innermost[claimants]
        #: Per node: the positions in the order of the seats whose innermost node it is.
        self.positions = [np.flatnonzero(self.seat_node == v) for v in range(len(nodes))]
        size = claimants.size
        self.raw = np.zeros((len(nodes), size + 1), dtype=np.int64)
        self.clamped = np.zeros((len(nodes), size + 1), dtype=np.int64)
        for v in range(len(nodes) - 1, -1, -1):  # children (listed after parents) first
            node = nodes[v]
            own = np.zeros(size + 1, dtype=np.int64)
            np.cumsum(self.seat_node == v, out=own[1:])
            raw = own + int(self.lower[node.direct].sum())
            for child in node.children:
                raw += self.clamped[nodes.index(child)]
            self.raw[v] = raw
            high = node.ceiling if v else constraints.UNBOUNDED
            self.clamped[v] = np.clip(raw, node.floor, high)

    @property
    def seats(self) -> int:
        return int(self.claimants.size)

    @property
    def least(self) -> int:
        """Σ of what every node needs: the smallest allocatable total with no cap conflict."""
        return int(self.raw[0, 0])

    @property
    def most(self) -> int:
        """The permits the plan hands out when the cap does not bind."""
        return int(self.raw[0, -1])

    def conflicts(self, allocatable: int) -> list[Conflict]:
        self.tree.root.ceiling = allocatable
        return constraints.conflicts(self.tree, self.lower, self.upper)

    def cut_points(self, allocatable: int) -> np.ndarray:
        """Per node: how many seats of the order it considers (its prefix), at this total."""
        points = np.zeros(len(self.tree.nodes), dtype=np.int64)
        points[0] = np.searchsorted(self.raw[0], min(allocatable, self.most), side="left")
        for v in range(1, len(points)):
            target = self.clamped[v, points[self.parent[v]]]
            points[v] = np.searchsorted(self.raw[v], target, side="left")
        return points

    def allocation(self, allocatable: int) -> np.ndarray:
        """The seats per employer at this total (call only when :meth:`conflicts` is empty)."""
        points = self.cut_points(allocatable)
        if len(points) == 1:  # no groups: a prefix of the one order
            taken = self.claimants[:int(points[0])]
        else:
            taken = self.claimants[np.arange(self.seats) < points[self.seat_node]]
        return self.lower + np.bincount(taken, minlength=len(self.lower))

    def at(self, allocatable: int, interval: bool = True) -> Point:
        found = self.conflicts(allocatable)
        if found:
            return Point(allocatable, None, tuple(found))
        seats = self.allocation(allocatable)
        return Point(allocatable, seats, (), self.interval(allocatable) if interval else None)

    def interval(self, allocatable: int, seats: np.ndarray | None = None) -> Interval:
        """The divisor interval of the plan's first scope, as :func:`allocator.model.solve`
        reports it: the weakest seat handed out and the strongest refused, within bounds.

        A scope is a tight node with its descendants that are not tight
        (:func:`allocator.constraints.scopes`); each node takes a prefix of its own seats, so
        the scope's last seat handed out and first refused are found per node by bisection.
        """
        nodes = self.tree.nodes
        points = self.cut_points(allocatable)
        scope_of = [0] * len(nodes)
        tight = [True] + [False] * (len(nodes) - 1)
        for v in range(1, len(nodes)):
            node = nodes[v]
            count = int(self.clamped[v, points[self.parent[v]]])
            tight[v] = count in (node.floor, node.ceiling) and (
                node.floor > 0 or node.ceiling < constraints.UNBOUNDED)
            scope_of[v] = v if tight[v] else scope_of[self.parent[v]]
        for scope in (v for v in range(len(nodes)) if tight[v]):
            members = [v for v in range(len(nodes)) if scope_of[v] == scope]
            if not any(nodes[v].direct.size for v in members):
                continue
            last = first = -1
            for v in members:
                own = self.positions[v]
                count = int(np.searchsorted(own, points[v]))
                if count:
                    last = max(last, int(own[count - 1]))
                if count < own.size:  # every seat listed lies within its employer's bound
                    seat = int(own[count])
                    first = seat if first < 0 else min(first, seat)
            return divisor_interval(Apportionment(
                (), self.method, None, self._priority(last) if last >= 0 else None,
                self._priority(first) if first >= 0 else None, ()))
        return None

    def _priority(self, seat: int) -> Priority:
        return priority(self.method, self.claims[int(self.claimants[seat])], int(self.ks[seat]))


# -- the sweep --------------------------------------------------------------------------------
@dataclass
class Sweep:
    """The plan at every cap of a range, for one scenario."""

    problem: Problem  # at the scenario's own cap
    caps: list[int]
    points: list[Point]
    path: SweepPath

    @property
    def reserve(self) -> int:
        return self.problem.reserve

    def column(self, key: str) -> np.ndarray:
        return np.asarray(self.problem.column(key), dtype=np.int64)

    def matrix(self) -> np.ndarray:
        """Seats per (cap, employer); −1 where the cap cannot be met."""
        out = np.full((len(self.caps), self.problem.size), -1, dtype=np.int64)
        for row, point in enumerate(self.points):
            if point.allocation is not None:
                out[row] = point.allocation
        return out

    def allocated(self, mask: np.ndarray | None = None) -> list[int | None]:
        return [None if p.allocation is None else
                int(p.allocation.sum() if mask is None else p.allocation[mask].sum())
                for p in self.points]

    def sector_masks(self) -> dict[str, np.ndarray]:
        sectors = self.problem.employers["sector"]
        return {c.code: (sectors == c.code).to_numpy(dtype=bool) for c in SECTORS}

    def category_masks(self) -> dict[str, np.ndarray]:
        categories = self.problem.employers["categories"].tolist()
        return {str(item): np.array([item in (c or ()) for c in categories], dtype=bool)
                for item in CATEGORIES}


def sweep(submissions: Submissions, scenario: Scenario, caps: Sequence[int],
          interval: bool = True, problem: Problem | None = None,
          screening: Screening | None = None) -> Sweep:
    """The plan of ``solve --cap c`` for every c in ``caps`` (each ≥ the scenario's reserve).

    ``problem``, when given, is ``build_problem(submissions, scenario, screening)`` already
    built (its roster screening is then the one used at every cap)."""
    for cap in {min(caps, default=0), max(caps, default=0)}:
        scenario.with_values({"cap.annual": cap})  # refused as solve --cap refuses it
    if problem is not None:
        screening = problem.screening
    problem = problem or build_problem(submissions, scenario, screening)
    points: list[Point] = []
    if not cap_dependent(scenario):
        curve = CapCurve(problem)
        for cap in caps:
            points.append(curve.at(cap - problem.reserve, interval=interval))
        return Sweep(problem, list(caps), points, SweepPath.SEAT_ORDER)
    for cap in caps:
        points.append(_solved_point(problem_at(submissions, scenario, cap, screening)))
    return Sweep(problem, list(caps), points, SweepPath.PARAMETRIC)


def _solved_point(problem: Problem) -> Point:
    from allocator.model import solve

    plan = solve(problem)
    if plan.allocation is None:
        return Point(problem.allocatable, None, tuple(plan.conflicts))
    first = plan.scopes[0].interval if plan.scopes else None
    return Point(problem.allocatable, plan.allocation, (), first)


def default_caps(problem: Problem, start: int | None = None, points: int = 20) -> list[int]:
    """From ``start`` (default: the reserve) to the cap that meets every eligible demand, in
    about ``points`` steps, with the scenario's own cap among them."""
    start = problem.reserve if start is None else max(start, problem.reserve)
    top = max(min(problem.reserve + int(sum(problem.column("upper"))), MAX_PERMITS), start)
    step = max(1, math.ceil((top - start) / points))
    caps = set(range(start, top + 1, step)) | {top, problem.cap}
    return sorted(caps)


def parse_caps(value: str) -> tuple[int, int, int]:
    """``FROM:TO:STEP`` (TO included when the steps reach it); raises ValueError."""
    parts = value.split(":")
    if len(parts) not in (2, 3) or not all(p.strip().isdigit() for p in parts):
        raise ValueError(value)
    start, stop = int(parts[0]), int(parts[1])
    step = int(parts[2]) if len(parts) == 3 else 1
    if step < 1 or stop < start:
        raise ValueError(value)
    return start, stop, step


def fill(part: int | None, whole: int) -> float | None:
    if part is None:
        return None
    return None if whole == 0 else part / whole


def sweep_json(result: Sweep, answers: Sequence[Answer] = ()) -> dict[str, Any]:
    """The sweep as JSON (README): caps, every employer's seats per cap in input order,
    sector and category totals, fill rates, unallocated permits and the divisor interval."""
    problem = result.problem
    frame = problem.employers
    requested, eligible = int(frame["requested"].sum()), int(frame["eligible"].sum())
    allocated = result.allocated()
    matrix = result.matrix()
    employers = []
    for i, record in enumerate(frame.itertuples(index=False)):
        column = matrix[:, i].tolist()
        employers.append({
            "row": int(record.row), "credit_code": record.credit_code, "name": record.name,
            "sector": record.sector, "requested": int(record.requested),
            "eligible": int(record.eligible), "guaranteed": int(record.guaranteed),
            "upper": int(record.upper),
            "allocated": [None if x < 0 else x for x in column]})

    def totals(masks: dict[str, np.ndarray]) -> dict[str, Any]:
        out = {}
        for code, mask in masks.items():
            req = int(frame["requested"][mask].sum())
            eli = int(frame["eligible"][mask].sum())
            got = result.allocated(mask)
            out[code] = {"employers": int(mask.sum()), "requested": req, "eligible": eli,
                         "allocated": got,
                         "fill_requested": [fill(g, req) for g in got],
                         "fill_eligible": [fill(g, eli) for g in got]}
        return out

    return {
        "scenario": {"name": problem.scenario.scenario.name},
        "method": problem.method.value, "path": result.path.value,
        "reserve": problem.reserve, "scenario_cap": problem.cap,
        "requested": requested, "eligible": eligible,
        "caps": list(result.caps),
        "status": ["optimal" if p.feasible else "infeasible" for p in result.points],
        "allocatable": [p.allocatable for p in result.points],
        "allocated": allocated,
        "unallocated": [None if a is None else p.allocatable - a
                        for a, p in zip(allocated, result.points, strict=True)],
        "fill_requested": [fill(a, requested) for a in allocated],
        "fill_eligible": [fill(a, eligible) for a in allocated],
        "divisor_interval": [_interval(p) for p in result.points],
        "conflicts": [[c.as_dict() for c in p.conflicts] for p in result.points],
        "by_sector": totals(result.sector_masks()),
        "by_category": totals(result.category_masks()),
        "employers": employers,
        "answers": [a.as_dict() for a in answers],
        "input_sha256": problem.input_sha256, "scenario_sha256": problem.scenario_sha256,
    }


def _interval(point: Point) -> list[str | None] | None:
    from allocator.plan import Scope

    if point.interval is None:
        return None
    return interval_json(Scope("cap", text("group.cap"), (), 0, None, point.interval))


# -- the inverse questions --------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """One inverse question, answered exactly and in words."""

    question: str  # feasible | fill | sector_fill | employer
    cap: int | None  # None: no cap answers it
    message: Text
    subject: str = ""
    target: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "subject": self.subject, "target": self.target,
                "cap": self.cap, "zh": self.message.zh, "en": self.message.en}


@dataclass
class Oracle:
    """The plan at any cap, for the inverse questions: one curve, or one solve per cap."""

    submissions: Submissions
    scenario: Scenario
    screening: Screening | None = None  # the roster screening (docs/columns.md), if any
    problem: Problem = field(init=False)
    curve: CapCurve | None = field(init=False)
    _cache: dict[int, Point] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.problem = build_problem(self.submissions, self.scenario, self.screening)
        self.curve = None if cap_dependent(self.scenario) else CapCurve(self.problem)

    @property
    def reserve(self) -> int:
        return self.problem.reserve

    def top(self) -> int:
        """A cap at which every employer's bound is met, so no larger cap changes anything —
        or the largest cap a scenario may have, if that is smaller."""
        return min(self.reserve + int(self.problem.employers["upper"].sum()), MAX_PERMITS)

    def at(self, cap: int) -> Point:
        found = self._cache.get(cap)
        if found is None:
            if self.curve is not None:
                found = self.curve.at(cap - self.reserve, interval=False)
            else:
                found = _solved_point(problem_at(self.submissions, self.scenario, cap,
                                                 self.screening))
            self._cache[cap] = found
        return found

    def smallest(self, meets: Callable[[Point], bool]) -> int | None:
        """The smallest cap in [reserve, top] whose plan meets ``meets``; None when even the
        top cap does not.

        On one seat order every allocation is non-decreasing in the cap, so a bisection is
        exact. On the parametric path (ceilings that move with the cap) it need not be: the
        bisection's answer is then walked down while one cap less still meets ``meets``, and
        the answer says it was checked only there (:attr:`exact` false).
        """
        low, high = self.reserve, self.top()
        if not meets(self.at(high)):
            return None
        while low < high:
            middle = (low + high) // 2
            if meets(self.at(middle)):
                high = middle
            else:
                low = middle + 1
        while high > self.reserve and meets(self.at(high - 1)):
            if self.exact:  # pragma: no cover - a bug, never the planner's input
                raise AssertionError("the plan is not monotone in the cap")
            high -= 1
        return high

    @property
    def exact(self) -> bool:
        """Whether the inverse answers are exact (one seat order) or checked locally."""
        return self.curve is not None

    def answer(self, question: str, cap: int | None, message: Text, subject: str = "",
               target: str = "") -> Answer:
        if cap is not None and not self.exact:
            hamilton = self.problem.method is Method.HAMILTON
            note = text("sweep.answer.hamilton_note" if hamilton else
                        "sweep.answer.parametric_note", cap=_number(cap),
                        below=_number(cap - 1))
            message = Text(zh=message.zh + note.zh, en=f"{message.en} {note.en}")
        return Answer(question, cap, message, subject, target)


def _number(value: int) -> str:
    return f"{value:,}"


def _sentence(message: Text) -> Text:
    """An English sentence that opens with a scope ("all employers …") starts in capitals."""
    return Text(zh=message.zh, en=message.en[:1].upper() + message.en[1:])


def _percent(value: Fraction) -> str:
    return f"{float(value) * 100:.4g}%"


def smallest_feasible_cap(oracle: Oracle) -> Answer:
    """The smallest annual cap that meets every guarantee and floor."""
    cap = oracle.smallest(lambda p: p.feasible)
    if cap is None:
        conflicts = oracle.at(oracle.top()).conflicts
        separator = text("explain.list_separator")
        reasons = Text(zh=separator.zh.join(c.message.zh for c in conflicts),
                       en=separator.en.join(c.message.en for c in conflicts))
        return Answer("feasible", None, text("sweep.answer.never_feasible", reasons=reasons))
    point = oracle.at(cap)
    assert point.allocation is not None
    below = oracle.at(cap - 1).conflicts if cap > oracle.reserve else ()
    short = max((c.shortfall for c in below), default=0)
    key = "sweep.answer.feasible" if cap > oracle.reserve else "sweep.answer.feasible_any"
    return oracle.answer("feasible", cap, text(
        key, cap=_number(cap), reserve=_number(oracle.reserve),
        guaranteed=_number(int(oracle.problem.employers["guaranteed"].sum())),
        allocated=_number(int(point.allocation.sum())), short=_number(short)))


def cap_for_fill(oracle: Oracle, rate: Fraction, sector: str | None = None,
                 of: str = "eligible") -> Answer:
    """The smallest cap at which the plan fills ``rate`` of the eligible (or requested) demand,
    overall or in one sector."""
    frame = oracle.problem.employers
    if sector is None:
        mask = np.ones(len(frame), dtype=bool)
        scope = text("sweep.scope.all")
    else:
        codes = {c.code for c in SECTORS}
        if sector not in codes:
            raise ValueError(sector)
        mask = (frame["sector"] == sector).to_numpy(dtype=bool)
        choice = next(c for c in SECTORS if c.code == sector)
        scope = text("sweep.scope.sector", sector=Text(zh=choice.zh, en=choice.en))
    demand = int(frame[of][mask].sum())
    needed = math.ceil(rate * demand)
    question = "fill" if sector is None else "sector_fill"
    subject = sector or ""
    words = dict(scope=scope, rate=_percent(rate), of=text(f"sweep.of.{of}"),
                 demand=_number(demand), needed=_number(needed))
    if demand == 0:
        return Answer(question, None, _sentence(text("sweep.answer.fill_empty", **words)),
                      subject, str(rate))
    cap = oracle.smallest(lambda p: p.allocation is not None and
                          int(p.allocation[mask].sum()) >= needed)
    if cap is None:
        best = oracle.at(oracle.top())
        most = 0 if best.allocation is None else int(best.allocation[mask].sum())
        return Answer(question, None, _sentence(text("sweep.answer.fill_never",
                                                     most=_number(most), **words)),
                      subject, str(rate))
    return oracle.answer(question, cap, text("sweep.answer.fill", cap=_number(cap), **words),
                         subject, str(rate))


def cap_for_employer(oracle: Oracle, credit_code: str) -> Answer:
    """The smallest cap at which an employer receives its whole eligible demand."""
    frame = oracle.problem.employers
    found = np.flatnonzero((frame["credit_code"] == credit_code).to_numpy())
    if not found.size:
        raise KeyError(credit_code)
    i = int(found[0])
    name = str(frame.at[i, "name"])
    eligible, upper = int(frame.at[i, "eligible"]), int(frame.at[i, "upper"])
    words = dict(name=name, code=credit_code, eligible=_number(eligible))
    if eligible == 0:
        return Answer("employer", None, text("sweep.answer.employer_nothing", **words),
                      credit_code)
    cap = oracle.smallest(lambda p: p.allocation is not None and
                          int(p.allocation[i]) >= eligible)
    if cap is None:
        best = oracle.at(oracle.top())
        most = 0 if best.allocation is None else int(best.allocation[i])
        return Answer("employer", None, text("sweep.answer.employer_never", upper=_number(upper),
                                             most=_number(most), **words), credit_code)
    before = oracle.at(cap - 1) if cap > oracle.reserve else None
    had = (None if before is None or before.allocation is None
           else int(before.allocation[i]))
    key = "sweep.answer.employer" if had is not None else "sweep.answer.employer_first"
    return oracle.answer("employer", cap, text(key, cap=_number(cap), before=_number(cap - 1),
                                               had=_number(had or 0), **words), credit_code)


# -- the marginal permit ----------------------------------------------------------------------
@dataclass(frozen=True)
class Marginal:
    """Who gains a permit if the cap rises by one, and who loses one if it falls by one."""

    cap: int
    gains: tuple[int, ...]  # employers (positions) with one more permit at cap + 1
    loses: tuple[int, ...]  # employers with one fewer at cap − 1
    feasible_below: bool  # cap − 1 can be met at all
    message: Text


def marginal(submissions: Submissions, scenario: Scenario,
             allocation: np.ndarray | None, problem: Problem | None = None,
             order: tuple[np.ndarray, np.ndarray] | None = None) -> Marginal | None:
    """The marginal permit of the plan at the scenario's cap (None when it has no plan).

    ``problem`` and ``order`` (the solve's :attr:`~allocator.plan.Plan.seat_order`) save
    computing them again."""
    if allocation is None:
        return None
    cap = scenario.cap.annual
    screening = problem.screening if problem is not None else None
    if not cap_dependent(scenario):
        problem = problem or build_problem(submissions, scenario)
        curve = CapCurve(problem, order)
        above = curve.at(cap + 1 - problem.reserve, interval=False)
        below = curve.at(cap - 1 - problem.reserve, interval=False) \
            if cap - 1 >= problem.reserve else None
    else:
        problem = problem or build_problem(submissions, scenario)
        above = _solved_point(problem_at(submissions, scenario, cap + 1, screening))
        below = _solved_point(problem_at(submissions, scenario, cap - 1, screening)) \
            if cap - 1 >= problem.reserve else None
    assert above.allocation is not None
    gains = tuple(int(i) for i in np.flatnonzero(above.allocation > allocation))
    loses = () if below is None or below.allocation is None else \
        tuple(int(i) for i in np.flatnonzero(below.allocation < allocation))
    names = problem.employers["name"].tolist()
    separator = text("explain.list_separator")

    def listed(who: tuple[int, ...]) -> Text:
        return Text(zh=separator.zh.join(names[i] for i in who) or "—",
                    en=separator.en.join(names[i] for i in who) or "—")

    feasible_below = below is not None and below.allocation is not None
    parts = [text("sweep.marginal.gains" if gains else "sweep.marginal.gains_none",
                  cap=_number(cap + 1), who=listed(gains))]
    if feasible_below:
        parts.append(text("sweep.marginal.loses" if loses else "sweep.marginal.loses_none",
                          cap=_number(cap - 1), who=listed(loses)))
    else:
        parts.append(text("sweep.marginal.below_infeasible", cap=_number(cap - 1)))
    message = Text(zh="".join(p.zh for p in parts), en=" ".join(p.en for p in parts))
    return Marginal(cap, gains, loses, feasible_below, message)


def marginal_json(found: Marginal | None, problem: Problem) -> dict[str, Any] | None:
    if found is None:
        return None
    frame = problem.employers

    def who(rows: tuple[int, ...]) -> list[dict[str, Any]]:
        return [{"row": int(frame.at[i, "row"]), "credit_code": frame.at[i, "credit_code"],
                 "name": frame.at[i, "name"]} for i in rows]

    return {"cap": found.cap, "next_permit": who(found.gains),
            "last_permit": who(found.loses) if found.feasible_below else None,
            "zh": found.message.zh, "en": found.message.en}
