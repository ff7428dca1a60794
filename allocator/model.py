"""The integer program, solved with OR-Tools CP-SAT: Problem → Plan.

Reads top to bottom like the CP-SAT samples: data → model → variables → constraints →
objective → solve → verify → read the solution.

**The objective.** DESIGN §2 states the plan as the optimum of the separable concave program
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

**Verification.** Every solution is checked independently before it is returned: integrality,
the cap, every employer's bounds, every group's floor and ceiling, the objective recomputed from
the allocation, and — when the solver reports OPTIMAL — equality with the exact reference
allocation (the divisor method itself, or the matroid greedy when groups are present), whose
objective the solver's proven bound must equal. A disagreement is a bug and stops the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from allocator import constraints
from allocator.constraints import Tree
from allocator.errors import InputError, Severity, issue
from allocator.i18n import text
from allocator.methods import Method, apportion, hamilton, seat_order
from allocator.plan import Note, Plan, PlanStatus, Scope, SolverReport, TieReport
from allocator.policy import Problem


@dataclass(frozen=True)
class SolveOptions:
    """Solver parameters; recorded in the plan's audit data."""

    workers: int = 1
    seed: int = 0
    time_limit_s: float = 120.0


class VerificationError(AssertionError):
    """The solver's answer failed an independent check: a bug, never the planner's input."""


def ortools_version() -> str:
    import ortools

    return ortools.__version__


def solve(problem: Problem, options: SolveOptions | None = None) -> Plan:
    """Divide the allocatable cap among the problem's employers."""
    options = options or SolveOptions()
    # -- data ---------------------------------------------------------------------------------
    lower = np.asarray(problem.column("guaranteed"), dtype=np.int64)
    upper = np.asarray(problem.column("upper"), dtype=np.int64)
    claims: list[Fraction] = problem.column("claim")
    total = problem.allocatable
    version = ortools_version()
    tree = constraints.build_tree(problem.groups, upper, total,
                                  file=problem.scenario.scenario.name)
    found = constraints.conflicts(tree, lower, upper)
    if found:
        return Plan(problem, PlanStatus.INFEASIBLE, None, conflicts=found,
                    ortools_version=version)
    if problem.method is Method.HAMILTON:
        return _hamilton(problem, claims, lower, upper, version)

    claimants, _ = seat_order(claims, lower, upper, problem.method, problem.order)
    reference = _reference(problem, tree, claims, lower, upper, claimants)

    # -- model, variables, constraints, objective ------------------------------------------------
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    seats = len(claimants)
    # One boolean per seat above the guarantees: seat r (in exact priority order) is handed out.
    take = [model.new_bool_var(f"s{r}") for r in range(seats)]
    base = int(lower.sum())
    # Art. 4: the allocations stay within the annual cap less the reserve.
    model.add(cp_model.LinearExpr.sum(take) <= total - base)
    for node in tree.nodes[1:]:
        # Scenario group (a sector, a category, the top-100 firms): its floor and ceiling.
        members = np.isin(claimants, np.fromiter(node.members, dtype=np.int64))
        inside = cp_model.LinearExpr.sum([take[r] for r in np.flatnonzero(members)])
        guaranteed = int(lower[list(node.members)].sum()) if node.members else 0
        if node.floor > guaranteed:
            model.add(inside >= node.floor - guaranteed)
        if node.ceiling < constraints.UNBOUNDED:
            model.add(inside <= node.ceiling - guaranteed)
    # Art. 2 and 8 through the divisor method: seats in priority order, by rank (see above).
    coefficients = list(range(seats, 0, -1))
    model.maximize(cp_model.LinearExpr.weighted_sum(take, coefficients))
    # The exact reference as a hint: the solver's task is to prove it, not to find it.
    given = reference - lower
    handed = np.zeros(seats, dtype=bool)
    seen = np.zeros(len(lower), dtype=np.int64)
    for r, employer in enumerate(claimants):
        if seen[employer] < given[employer]:
            handed[r] = True
            seen[employer] += 1
    for r in range(seats):
        model.add_hint(take[r], bool(handed[r]))

    # -- solve ----------------------------------------------------------------------------------
    solver = cp_model.CpSolver()
    parameters = {
        "num_workers": options.workers, "random_seed": options.seed,
        "max_time_in_seconds": options.time_limit_s,
        # Measured on this problem (bench/): presolve costs more than it saves here.
        "cp_model_presolve": False,
    }
    for key, value in parameters.items():
        setattr(solver.parameters, key, value)
    started = time.perf_counter()
    status = solver.solve(model)
    wall = time.perf_counter() - started
    name = solver.status_name(status)
    has_solution = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    report = SolverReport(
        name="CP-SAT", version=version, status=name, wall_s=wall,
        objective=round(solver.objective_value) if has_solution else None,
        bound=round(solver.best_objective_bound) if has_solution else None,
        parameters=parameters)
    if status == cp_model.INFEASIBLE:
        raise VerificationError("CP-SAT found the model infeasible although every rule's "
                                "bounds were checked feasible")

    # -- verify and read the solution -----------------------------------------------------------
    notes: list[Note] = []
    reference_objective = int(np.dot(handed, coefficients)) if seats else 0
    if has_solution:
        chosen = np.fromiter((solver.boolean_value(v) for v in take), dtype=bool, count=seats)
        allocation = lower + np.bincount(claimants[chosen], minlength=len(lower))
        objective = int(np.dot(chosen, coefficients)) if seats else 0
        if objective != report.objective:
            raise VerificationError(f"objective {report.objective} != recomputed {objective}")
    else:  # stopped before any solution: the exact reference, not proven by the solver
        allocation, objective = reference, reference_objective
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
                ortools_version=version)
    _explain_scopes(plan, tree, claims, lower, upper)
    _note_surplus(plan)
    return plan


def _reference(problem: Problem, tree: Tree, claims: list[Fraction], lower: np.ndarray,
               upper: np.ndarray, claimants: np.ndarray) -> np.ndarray:
    """The exact optimum, computed without the solver."""
    if len(tree.nodes) == 1:
        result = apportion(claims, problem.allocatable, problem.method, lower=lower.tolist(),
                           upper=upper.tolist(), order=problem.order.tolist())
        return np.asarray(result.seats, dtype=np.int64)
    return constraints.greedy(tree, claimants, lower, upper, problem.allocatable)


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
                    upper: np.ndarray) -> None:
    """Each scope's own divisor and ties, re-derived by the plain divisor method.

    Re-apportioning a scope's employers with the seats the plan gave them must reproduce the
    plan exactly (a second, independent check of the solution).
    """
    assert plan.allocation is not None
    problem = plan.problem
    for node, members in constraints.scopes(tree, plan.allocation):
        if not members:
            continue
        index = np.asarray(members, dtype=np.int64)
        seats = int(plan.allocation[index].sum())
        result = apportion([claims[i] for i in members], seats, problem.method,
                           lower=lower[index].tolist(), upper=upper[index].tolist(),
                           order=problem.order[index].tolist())
        if not np.array_equal(np.asarray(result.seats), plan.allocation[index]):
            raise VerificationError(f"scope {node.name} does not reproduce the plan")
        plan.scopes.append(Scope(node.name, node.label, tuple(members), seats, result.divisor))
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
    if plan.unallocated > 0:
        problem = plan.problem
        eligible = int(sum(problem.column("eligible")))
        upper = int(sum(problem.column("upper")))
        plan.warnings.append(Note("SURPLUS", text(
            "note.surplus", unallocated=plan.unallocated, allocatable=problem.allocatable,
            eligible=eligible, upper=upper)))


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
