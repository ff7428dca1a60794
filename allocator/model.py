"""The integer program, solved with OR-Tools CP-SAT: Problem → Plan.

Reads top to bottom like the CP-SAT samples: data → model → variables → constraints →
objective → solve → verify → read the solution.

**The objective.** docs/policy.md states the plan as the optimum of the separable concave program
``max Σᵢ Σ_{k=aᵢ}^{xᵢ−1} vᵢ / s(k)`` subject to the cap, the bounds and the groups. CP-SAT needs
integer coefficients, and the priorities vᵢ / s(k) are rationals (irrational for
Huntington–Hill), so they are replaced by their **ranks**: every seat (i, k) above the
guarantees is sorted by exact priority, ties broken by the scenario's tie-break order
(:func:`allocator.methods.seat_order`), and the seat of rank r gets the coefficient N − r, where
N is the number of seats. This is exact, not an approximation:

* the coefficients are integers, distinct, and ordered exactly like the priorities, so within an
  employer they decrease with k (the objective stays concave and an optimum takes each
  employer's seats as a prefix);
* the feasible seat sets form the bases of a matroid — the cap, the employers' bounds and
  laminar groups (see :mod:`allocator.constraints`) — and on a matroid the optimum of a linear
  objective depends only on the *order* of the coefficients. So the rank objective and the
  priority objective have the same optimum, that optimum is the divisor method's (the greedy in
  priority order), and with distinct coefficients it is **unique**: the solver returns the same
  plan with 1 or 8 workers, on any machine.

Coefficients are at most N (≈ total eligible demand), so the objective stays far below 2⁶³.

**The reduction (why CP-SAT sees only the seats near the cut-off).** One boolean per seat is
half a million booleans at 100,000 employers; most of them are seats far above or far below the
cut-off, which no optimum can treat differently from the reference. They are fixed by
*reduced-cost fixing*, a standard argument of integer programming, before the model is built:

1. Every feasible seat set x satisfies, for each scope v (the cap and every group) with its
   seats above the guarantees, ``floor_v ≤ Σ_{s∈v} x_s ≤ ceil_v`` — the model's own floors and
   ceilings, and the trivial ``0 ≤ Σ ≤ |v|`` where a scope has none.
2. Take any multipliers πᵥ (yᵥ = max(πᵥ, 0) on the ceiling, zᵥ = max(−πᵥ, 0) on the floor) and
   write T_s = Σ_{v∋s} πᵥ and the reduced cost rc_s = c_s − T_s. Then for every feasible x

       c·x ≤ UB − Σ_{s : x_s ≠ x̂_s} |rc_s|,   UB = Σᵥ (yᵥ·ceil_v − zᵥ·floor_v) + Σ_s max(rc_s, 0),

   where x̂_s = 1 when rc_s > 0 and 0 when rc_s < 0 (weak LP duality, term by term).
3. The exact reference x_ref is feasible (it is verified first), so every optimum x* has
   c·x* ≥ c·x_ref, hence Σ_{x*_s ≠ x̂_s} |rc_s| ≤ gap = UB − c·x_ref. Every seat with
   |rc_s| > gap therefore has the same value x̂_s in **every** optimum, and fixing it there
   leaves a program whose optimum — value and seat set — is the full program's.

The multipliers play the part of the divisors, in rank units: one threshold per scope, placed
between the reference's last awarded and first refused seat of that scope, and nested so that a
group's threshold differs from its parent's only where the group's floor or ceiling is met
exactly (:func:`_thresholds`). The constraint matrix is totally unimodular, so such thresholds
exist and give gap = 0 for the true optimum. Everything is exact integer arithmetic, and the
argument never assumes the reference is optimal: were it not, the gap would be positive, fewer
seats would be fixed, every optimum would still lie among the free seats, CP-SAT would find it
and the check below would fail loudly. Only seats whose reduced cost exceeds
``max(gap, margin)`` are fixed: the ``margin`` (:class:`SolveOptions`, default 500 ranks)
keeps the close calls — the seats within 500 ranks of their scope's threshold, at most 1,001
per distinct threshold — for CP-SAT to decide and prove, while the duality bound proves the
rest. The objective and bound are reported for the full program (the fixed seats'
coefficients are a constant), so OPTIMAL, FEASIBLE and the gap mean what they meant; the
reduction's figures are recorded with the solver's parameters. ``margin=None`` fixes nothing
and solves the full program.

**Verification.** Every solution is checked independently before it is returned: integrality,
the cap, every employer's bounds, every group's floor and ceiling, the objective recomputed from
the allocation, and — when the solver reports OPTIMAL — equality with the exact reference
allocation (the divisor method itself, or the matroid greedy when groups are present), whose
objective the solver's proven bound must equal. A disagreement is a bug and stops the run.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from allocator import constraints
from allocator.constraints import Tree
from allocator.errors import InputError, Severity, issue
from allocator.i18n import Text, text
from allocator.methods import (
    Apportionment,
    Method,
    apportion,
    divisor_interval,
    hamilton,
    seat_order,
)
from allocator.plan import Note, Plan, PlanStatus, Scope, SolverReport, TieReport
from allocator.policy import Problem


@dataclass(frozen=True)
class SolveOptions:
    """Solver parameters; recorded in the plan's audit data."""

    workers: int = 1
    seed: int = 0
    time_limit_s: float = 120.0
    #: Seats within ``margin`` ranks of their scope's cut-off are left to CP-SAT; the rest are
    #: fixed by reduced-cost fixing (module docstring). ``None`` fixes nothing.
    margin: int | None = 500


class Cancelled(Exception):
    """``solve(..., cancel=…)`` was told to stop (the app's session is gone): no plan."""


#: How often a running solve asks its ``cancel`` callback, in seconds.
CANCEL_POLL_S = 0.2


class VerificationError(AssertionError):
    """The solver's answer failed an independent check: a bug, never the planner's input."""


def ortools_version() -> str:
    import ortools

    return ortools.__version__


def solve(problem: Problem, options: SolveOptions | None = None, *,
          cancel: Callable[[], bool] | None = None) -> Plan:
    """Divide the allocatable cap among the problem's employers.

    ``cancel``, when given, is asked before the work starts and every
    :data:`CANCEL_POLL_S` seconds while CP-SAT runs; once it answers True the search stops and
    :class:`Cancelled` is raised (the app passes "is this browser session gone?").
    """
    options = options or SolveOptions()
    if cancel is not None and cancel():
        raise Cancelled()
    # -- data ---------------------------------------------------------------------------------
    lower = np.asarray(problem.column("guaranteed"), dtype=np.int64)
    demanded = np.asarray(problem.column("upper"), dtype=np.int64)
    claims: list[Fraction] = problem.column("claim")
    total = problem.allocatable
    version = ortools_version()
    tree = constraints.build_tree(problem.groups, demanded, total,
                                  file=problem.scenario.file)
    # Conflicts are judged on the bounds as the policy set them, so that each is told with the
    # real demand (a floor above a sector's demand, guarantees above the cap, …).
    found = constraints.conflicts(tree, lower, demanded)
    if found:
        return Plan(problem, PlanStatus.INFEASIBLE, None, conflicts=found,
                    ortools_version=version)
    # Then no employer can receive more than the whole allocatable cap (its guarantee fits in
    # it: no conflict), so bounds above it change no plan; capping them keeps the seat list (one
    # entry per seat) bounded by the cap, whatever a workbook claims (issue #8: 10 rows of
    # 1,000,000 would otherwise be 10 million seats). At least 1, so that whoever asked for
    # permits keeps a bound above 0 (the tree's members) even under a cap of 0.
    upper = np.minimum(demanded, max(total, 1))
    if problem.method is Method.HAMILTON:
        return _hamilton(problem, claims, lower, upper, version)

    claimants, rungs = seat_order(whole_claims(claims), lower, upper, problem.method,
                                  problem.order)
    reference, cap_result = _reference(problem, tree, claims, lower, upper, demanded,
                                       claimants)
    _verify(tree, reference, lower, upper, total)  # the reduction below relies on it
    seats = _Seats.of(tree, claimants, lower, total)
    # Art. 2 and 8 through the divisor method: seats in priority order, by rank (see above).
    coefficients = np.arange(seats.size, 0, -1, dtype=np.int64)
    handed = rungs < reference[claimants]  # the reference, as a set of seats
    reference_objective = int(coefficients[handed].sum())
    reduction = _reduce(seats, coefficients, handed, options.margin)

    # -- model, variables, constraints, objective ------------------------------------------------
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    proto = model.proto
    free = reduction.free
    # One boolean per free seat (in priority order): that seat is handed out.
    for _ in range(free.size):
        proto.variables.add().domain.extend((0, 1))
    fixed_in = seats.count(reduction.taken)
    free_in = seats.count(reduction.free_mask)
    free_node = seats.node[free]
    for v, node in enumerate(tree.nodes):
        # Art. 4 (the cap, v = 0): the allocations stay within the annual cap less the reserve.
        # Scenario groups (a sector, a category, the top-100 firms): their floor and ceiling.
        low = int(seats.floor[v] - fixed_in[v]) if seats.has_floor[v] else 0
        high = (int(seats.ceiling[v] - fixed_in[v]) if seats.has_ceiling[v]
                else int(free_in[v]))
        if low <= 0 and high >= free_in[v]:
            continue  # cannot bind among the free seats
        low, high = max(low, 0), min(high, int(free_in[v]))
        if low > high:
            raise VerificationError(f"the fixed seats already break {node.name}")
        inside = np.flatnonzero(seats.within[v][free_node])
        rule = proto.constraints.add()
        rule.name = node.name
        rule.linear.vars.extend(inside.tolist())
        rule.linear.coeffs.extend([1] * inside.size)
        rule.linear.domain.extend((low, high))
    # Maximise the ranks of the seats handed out (CP-SAT minimises: negate, scale by −1).
    proto.objective.vars.extend(range(free.size))
    proto.objective.coeffs.extend((-coefficients[free]).tolist())
    proto.objective.scaling_factor = -1.0
    offset = int(coefficients[reduction.taken].sum())  # the seats fixed as handed out
    # The exact reference as a hint: the solver's task is to prove it, not to find it.
    proto.solution_hint.vars.extend(range(free.size))
    proto.solution_hint.values.extend(handed[free].astype(np.int64).tolist())

    # -- solve ----------------------------------------------------------------------------------
    solver = cp_model.CpSolver()
    parameters: dict[str, Any] = {
        "num_workers": options.workers, "random_seed": options.seed,
        "max_time_in_seconds": options.time_limit_s,
        # Measured on this problem (bench/): presolve costs far more than it saves here, and
        # the LP relaxation — integral, the matrix being totally unimodular — proves the bound.
        "cp_model_presolve": False, "add_lp_constraints_lazily": False,
    }
    for key, value in parameters.items():
        setattr(solver.parameters, key, value)
    parameters["reduction"] = reduction.as_dict()
    started = time.perf_counter()
    stopped = threading.Event()
    finished = threading.Event()
    if cancel is not None:
        def watch() -> None:
            while not finished.wait(CANCEL_POLL_S):
                if cancel():
                    stopped.set()
                    solver.stop_search()
                    return

        watcher = threading.Thread(target=watch, name="allocator-cancel", daemon=True)
        watcher.start()
    try:
        status = solver.solve(model)
    finally:
        finished.set()
    if stopped.is_set():
        raise Cancelled()
    wall = time.perf_counter() - started
    name = solver.status_name(status)
    has_solution = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    report = SolverReport(
        name="CP-SAT", version=version, status=name, wall_s=wall,
        objective=offset + round(solver.objective_value) if has_solution else None,
        bound=offset + round(solver.best_objective_bound) if has_solution else None,
        parameters=parameters)
    if status == cp_model.INFEASIBLE:
        raise VerificationError("CP-SAT found the model infeasible although every rule's "
                                "bounds were checked feasible")

    # -- verify and read the solution -----------------------------------------------------------
    notes: list[Note] = []
    if has_solution:
        chosen = reduction.taken.copy()
        values = np.fromiter(solver.response_proto.solution, dtype=np.int64,
                             count=free.size)
        chosen[free] = values.astype(bool)
        allocation = lower + np.bincount(claimants[chosen], minlength=len(lower))
        objective = int(coefficients[chosen].sum())
        if objective != report.objective:
            raise VerificationError(f"objective {report.objective} != recomputed {objective}")
    else:  # stopped before any solution: the exact reference, not proven by the solver
        allocation = reference
    _verify(tree, allocation, lower, upper, total)
    if status == cp_model.OPTIMAL:
        if report.bound != reference_objective or not np.array_equal(allocation, reference):
            raise VerificationError("CP-SAT's optimum differs from the exact reference")
        plan_status = PlanStatus.OPTIMAL
    else:
        plan_status = PlanStatus.FEASIBLE
        notes.append(Note("NOT_PROVEN", text("note.not_proven", status=name,
                                             seconds=options.time_limit_s)))
    plan = Plan(problem, plan_status, allocation, warnings=notes, solver=report,
                ortools_version=version,
                seat_order=(claimants, rungs) if np.array_equal(upper, demanded) else None)
    # The divisors and ties use the employers' own bounds: the cap on them above changes no
    # seat, but it would move a divisor (an employer's next seat, refused only by the cap,
    # would not count) so that its explanation no longer gives the plan's number.
    _explain_scopes(plan, tree, claims, lower, demanded, cap_result)
    _note_surplus(plan)
    return plan


def whole_claims(claims: list[Fraction]) -> np.ndarray | list[Fraction]:
    """The claims times the least common multiple of their denominators, as int64.

    Every priority vᵢ / s(k) is then multiplied by the same positive number, so the exact seat
    order — ties included — is the same, and :func:`allocator.methods.seat_order` takes its
    fast path for whole numbers. Claims that would not fit in 62 bits are returned unchanged.
    """
    if not claims:
        return claims
    denominators = {c.denominator for c in claims}
    scale = math.lcm(*denominators)
    scaled = [c.numerator * (scale // c.denominator) for c in claims] if scale > 1 else \
        [c.numerator for c in claims]
    if max(scaled) >= 1 << 62:
        return claims
    return np.asarray(scaled, dtype=np.int64)


@dataclass(frozen=True)
class _Seats:
    """The seats above the guarantees, best first, and the scopes (tree nodes) they fall in."""

    claimant: np.ndarray  # employer of each seat
    node: np.ndarray  # innermost scope of each seat (index into ``tree.nodes``)
    parent: np.ndarray  # per scope: its parent's index, −1 for the cap
    within: np.ndarray  # within[v, u]: scope u lies in v's subtree (v included)
    floor: np.ndarray  # per scope: seats above the guarantees it must hand out
    ceiling: np.ndarray  # per scope: seats above the guarantees it may hand out
    has_floor: np.ndarray  # the scope's floor is a constraint of the model
    has_ceiling: np.ndarray  # the scope's ceiling is a constraint of the model

    @property
    def size(self) -> int:
        return int(self.claimant.size)

    @classmethod
    def of(cls, tree: Tree, claimants: np.ndarray, lower: np.ndarray, total: int) -> _Seats:
        nodes = tree.nodes
        count = len(nodes)
        index = {id(node): v for v, node in enumerate(nodes)}
        parent = np.array([-1 if n.parent is None else index[id(n.parent)] for n in nodes],
                          dtype=np.int64)
        within = np.eye(count, dtype=bool)
        for u in range(count):  # nodes are listed parents first
            v = int(parent[u])
            while v >= 0:
                within[v, u] = True
                v = int(parent[v])
        active = tree.innermost >= 0
        direct = np.zeros(count, dtype=np.int64)
        np.add.at(direct, tree.innermost[active], lower[active])
        guaranteed = within.astype(np.int64) @ direct  # per scope, over its whole subtree
        floor = np.array([n.floor for n in nodes], dtype=np.int64) - guaranteed
        ceiling = np.array([n.ceiling for n in nodes], dtype=np.int64)
        has_ceiling = ceiling < constraints.UNBOUNDED
        ceiling = np.where(has_ceiling, ceiling - guaranteed, constraints.UNBOUNDED)
        # The cap: the allocatable permits less every guarantee; it has no floor.
        ceiling[0], has_ceiling[0] = total - int(lower.sum()), True
        has_floor = floor > 0
        has_floor[0] = False
        return cls(claimants, tree.innermost[claimants], parent, within, floor, ceiling,
                   has_floor, has_ceiling)

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Per scope: how many of the seats in ``mask`` lie in its subtree."""
        direct = np.bincount(self.node[mask], minlength=len(self.parent))
        return self.within.astype(np.int64) @ direct


@dataclass(frozen=True)
class _Reduction:
    """Seats fixed by reduced-cost fixing, and the certificate that justifies them."""

    thresholds: np.ndarray  # T per scope (a seat's threshold is its innermost scope's)
    upper_bound: int  # UB: no feasible seat set scores more
    gap: int  # UB − the reference's objective (0 when the thresholds certify it)
    margin: int | None  # as asked (SolveOptions.margin)
    limit: int  # seats with |reduced cost| > limit = max(gap, margin) are fixed
    taken: np.ndarray  # fixed as handed out
    refused: np.ndarray  # fixed as refused

    @property
    def free_mask(self) -> np.ndarray:
        return ~(self.taken | self.refused)

    @property
    def free(self) -> np.ndarray:
        return np.flatnonzero(self.free_mask)

    def as_dict(self) -> dict[str, int | None]:
        return {"margin": self.margin, "gap": self.gap, "limit": self.limit,
                "fixed_taken": int(self.taken.sum()), "fixed_refused": int(self.refused.sum()),
                "free": int(self.free.size)}


def _reduce(seats: _Seats, coefficients: np.ndarray, handed: np.ndarray,
            margin: int | None) -> _Reduction:
    """Reduced-cost fixing against the reference ``handed`` (module docstring, steps 1–3)."""
    count = len(seats.parent)
    inside = seats.count(handed)
    size = seats.count(np.ones(seats.size, dtype=bool))
    # Step 1: every scope's bounds, the trivial ones where the model has none.
    ceiling = np.where(seats.has_ceiling, np.minimum(seats.ceiling, size), size)
    floor = np.where(seats.has_floor, seats.floor, 0)
    thresholds = _thresholds(seats, coefficients, handed, inside, floor, ceiling)
    # Step 2: multipliers πᵥ = Tᵥ − T_parent, reduced costs and the bound UB, all in integers.
    pi = thresholds - np.where(seats.parent >= 0, thresholds[seats.parent], 0)
    reduced = coefficients - thresholds[seats.node]
    upper_bound = int(np.maximum(reduced, 0).sum())
    for v in range(count):
        upper_bound += max(int(pi[v]), 0) * int(ceiling[v]) - max(-int(pi[v]), 0) * int(floor[v])
    gap = upper_bound - int(coefficients[handed].sum())
    if gap < 0:
        raise VerificationError(f"the duality bound {upper_bound} lies below the reference")
    # Step 3: fix every seat whose reduced cost exceeds max(gap, margin).
    limit = seats.size + 1 if margin is None else max(gap, margin)
    taken, refused = reduced > limit, reduced < -limit
    if not handed[taken].all() or handed[refused].any():
        raise VerificationError("reduced-cost fixing contradicts the feasible reference")
    return _Reduction(thresholds, upper_bound, gap, margin, limit, taken, refused)


def _thresholds(seats: _Seats, coefficients: np.ndarray, handed: np.ndarray,
                inside: np.ndarray, floor: np.ndarray, ceiling: np.ndarray) -> np.ndarray:
    """One threshold per scope, certifying ``handed`` where it is optimal.

    A scope's own seats need ``first refused ≤ T ≤ last handed``. A group's threshold may rise
    above its parent's only when its ceiling is met (πᵥ = yᵥ > 0), fall below only when its floor
    is met (πᵥ = −zᵥ < 0), and must equal it otherwise; the cap's is 0 unless the cap is met.
    Intervals are intersected bottom-up, then each threshold is the point of its interval
    nearest its parent's. Any thresholds are *valid* (the bound holds for all multipliers);
    these make the gap 0 when ``handed`` is the optimum.
    """
    count = len(seats.parent)
    low = np.full(count, -(1 << 62), dtype=np.int64)
    high = np.full(count, 1 << 62, dtype=np.int64)
    for v in range(count):
        own = seats.node == v
        taken, refused = coefficients[own & handed], coefficients[own & ~handed]
        if taken.size:
            high[v] = taken.min()
        if refused.size:
            low[v] = refused.max()
    for v in range(count - 1, 0, -1):  # children before parents
        p = int(seats.parent[v])
        at_ceiling, at_floor = inside[v] >= ceiling[v], inside[v] <= floor[v]
        if not at_ceiling:  # T_v ≤ T_p
            low[p] = max(low[p], low[v])
        if not at_floor:  # T_v ≥ T_p
            high[p] = min(high[p], high[v])
    thresholds = np.zeros(count, dtype=np.int64)
    if inside[0] >= ceiling[0]:  # the cap is met: its threshold may be positive
        thresholds[0] = max(int(low[0]), 0)
    for v in range(1, count):
        p = int(seats.parent[v])
        thresholds[v] = min(max(int(thresholds[p]), int(low[v])), int(high[v]))
    return thresholds


def _reference(problem: Problem, tree: Tree, claims: list[Fraction], lower: np.ndarray,
               upper: np.ndarray, demanded: np.ndarray, claimants: np.ndarray
               ) -> tuple[np.ndarray, tuple[int, Apportionment] | None]:
    """The exact optimum, computed without the solver.

    Without groups it is the divisor method itself, applied to the employers who can receive
    permits (with their own bounds, ``demanded``) exactly as :func:`_explain_scopes` applies it
    to the cap's scope; that result is returned too (with the seats it divided), so the cap's
    divisor and ties are not computed twice. ``upper`` (the bounds capped at the cap) serves
    the seat list of the groups' greedy.
    """
    if len(tree.nodes) == 1:
        members = np.flatnonzero(upper > 0)
        result = apportion([claims[i] for i in members], problem.allocatable, problem.method,
                           lower=lower[members].tolist(), upper=demanded[members].tolist(),
                           order=problem.order[members].tolist())
        allocation = np.zeros(len(lower), dtype=np.int64)
        allocation[members] = result.seats
        return allocation, (problem.allocatable, result)
    return constraints.greedy(tree, claimants, lower, upper, problem.allocatable), None


def _verify(tree: Tree, allocation: np.ndarray, lower: np.ndarray, upper: np.ndarray,
            total: int) -> None:
    if allocation.dtype.kind != "i":
        raise VerificationError("allocation is not integral")
    if int(allocation.sum()) > total:
        raise VerificationError(f"allocation {int(allocation.sum())} exceeds the cap {total}")
    if np.any(allocation < lower) or np.any(allocation > upper):
        raise VerificationError("an allocation lies outside its employer's bounds")
    broken = constraints.satisfied(tree, allocation)
    if broken:
        raise VerificationError(f"group bounds broken: {broken}")


def _explain_scopes(plan: Plan, tree: Tree, claims: list[Fraction], lower: np.ndarray,
                    upper: np.ndarray,
                    cap_result: tuple[int, Apportionment] | None = None) -> None:
    """Each scope's own divisor and ties, re-derived by the plain divisor method.

    Re-apportioning a scope's employers with the seats the plan gave them must reproduce the
    plan exactly (a second, independent check of the solution). ``cap_result`` is the
    reference's own call for the cap's scope (no groups), reused when it divided as many seats.
    """
    assert plan.allocation is not None
    problem = plan.problem
    for node, members in constraints.scopes(tree, plan.allocation):
        if not members:
            continue
        index = np.asarray(members, dtype=np.int64)
        seats = int(plan.allocation[index].sum())
        if cap_result is not None and node is tree.root and cap_result[0] == seats:
            result = cap_result[1]
        else:
            result = apportion([claims[i] for i in members], seats, problem.method,
                               lower=lower[index].tolist(), upper=upper[index].tolist(),
                               order=problem.order[index].tolist())
        if not np.array_equal(np.asarray(result.seats), plan.allocation[index]):
            raise VerificationError(f"scope {node.name} does not reproduce the plan")
        plan.scopes.append(Scope(node.name, node.label, tuple(members), seats, result.divisor,
                                 divisor_interval(result)))
        for tie in result.ties:
            employers = tuple(members[i] for i in tie.claimants)
            awarded = tuple(members[i] for i in tie.awarded)
            plan.ties.append(TieReport(employers, tie.seats, awarded,
                                       broken_by(problem, employers, awarded), node.name))


def broken_by(problem: Problem, employers: tuple[int, ...], awarded: tuple[int, ...]) -> str:
    """The first tie-break key on which the weakest winner and the strongest loser differ."""
    losers = [e for e in employers if e not in awarded]
    if not awarded or not losers:
        return "none"
    winner = max(awarded, key=lambda e: problem.order[e])
    loser = min(losers, key=lambda e: problem.order[e])
    frame = problem.employers
    for key in [*problem.scenario.method.tie_break, "credit_code"]:
        if frame.at[winner, key] != frame.at[loser, key]:
            return key
    return "credit_code"


def _note_surplus(plan: Plan) -> None:
    """Why permits stay unallocated: demand (after ceilings) below the cap, or full groups."""
    if plan.unallocated <= 0 or plan.allocation is None:
        return
    problem = plan.problem
    upper = int(sum(problem.column("upper")))
    if plan.allocated >= upper:  # every employer is at its upper bound
        message = text("explain.surplus.demand", unallocated=plan.unallocated,
                       allocatable=problem.allocatable,
                       eligible=int(sum(problem.column("eligible"))), upper=upper)
    else:
        full = [g for g in problem.groups if g.maximum is not None
                and int(plan.allocation[g.members].sum()) >= g.maximum]
        separator = text("explain.list_separator")
        parts = [text("explain.surplus.group", name=g.name, group=g.label, maximum=g.maximum)
                 for g in full]
        message = text("explain.surplus.groups", unallocated=plan.unallocated, groups=Text(
            zh=separator.zh.join(p.zh for p in parts), en=separator.en.join(p.en for p in parts)))
    plan.warnings.append(Note("SURPLUS", message))


def _hamilton(problem: Problem, claims: list[Fraction], lower: np.ndarray, upper: np.ndarray,
              version: str) -> Plan:
    """Largest remainders, for comparison only: exact, no solver, no group constraints."""
    if problem.groups:
        raise InputError([issue(Severity.ERROR, "hamilton_groups",
                                file=problem.scenario.scenario.name, column="method.rule")])
    started = time.perf_counter()
    result = hamilton(claims, problem.allocatable, lower=lower.tolist(), upper=upper.tolist(),
                      order=problem.order.tolist())
    allocation = np.asarray(result.seats, dtype=np.int64)
    report = SolverReport("Hamilton (exact, no solver)", version, "EXACT",
                          time.perf_counter() - started, None, None, {})
    plan = Plan(problem, PlanStatus.OPTIMAL, allocation, solver=report,
                ortools_version=version)
    everyone = tuple(range(problem.size))
    plan.scopes.append(Scope("cap", text("group.cap"), everyone, plan.allocated, None))
    for tie in result.ties:
        plan.ties.append(TieReport(tuple(tie.claimants), tie.seats, tuple(tie.awarded),
                                   broken_by(problem, tuple(tie.claimants), tuple(tie.awarded)),
                                   "cap"))
    _note_surplus(plan)
    return plan
