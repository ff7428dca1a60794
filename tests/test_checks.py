"""The independent checks refuse a wrong answer: each is handed one and must say no.

The solver's answer is verified twice (bounds, cap and groups; the proven optimum against the
exact reference), and every sentence of the explanation re-derives the employer's number. These
checks guard against bugs, so no ordinary input ever reaches them: here each is fed a wrong
allocation, a wrong reference or a wrong weight on purpose.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import pytest

from allocator import constraints, model
from allocator.examples import employer, submissions
from allocator.explain import ExplanationError, explain_plan
from allocator.model import SolveOptions, VerificationError, solve
from allocator.plan import PlanStatus
from allocator.policy import build_problem
from allocator.scenario import default_scenario

NEUTRAL = {"weights.sector.finance": 1, "weights.sector.culture": 1,
           "weights.sector.information": 1, "weights.sector.other": 1,
           **{f"weights.category.{i}": 1 for i in range(1, 8)}}
# Claims 50, 30, 20 with 10 permits (Sainte-Laguë): 5, 3, 2 at D = 10 (hand-worked in
# test_model). The finance group holds employer 1 only.
RECORDS = [employer(1, demand_total=50, sector="finance"), employer(2, demand_total=30),
           employer(3, demand_total=20)]


def problem_for(cap=10, method="sainte-lague", **changes):
    scenario = default_scenario(cap).with_values({**NEUTRAL, "method.rule": method, **changes})
    return build_problem(submissions(RECORDS), scenario)


def tree_of(problem):
    upper = np.asarray(problem.column("upper"), dtype=np.int64)
    return constraints.build_tree(problem.groups, upper, problem.allocatable, file="t.toml")


def bounds(problem):
    return (np.asarray(problem.column("guaranteed"), dtype=np.int64),
            np.asarray(problem.column("upper"), dtype=np.int64))


def seats_of(problem):
    """The problem's seats in priority order (its layout), each seat's objective coefficient
    (the best scores most) and the exact reference as a set of seats."""
    from allocator.methods import seat_order

    lower, upper = bounds(problem)
    tree = tree_of(problem)
    claims = problem.column("claim")
    claimants, rungs = seat_order(claims, lower, upper, problem.method, problem.order)
    reference, _ = model._reference(problem, tree, claims, lower, upper, upper, claimants)
    layout = model._Seats.of(tree, claimants, lower, problem.allocatable)
    coefficients = np.arange(layout.size, 0, -1, dtype=np.int64)
    return layout, coefficients, rungs < reference[claimants]


# -- the solver's verification ----------------------------------------------------------------
def test_verification_accepts_the_hand_worked_plan():
    problem = problem_for()
    lower, upper = bounds(problem)
    model._verify(tree_of(problem), np.array([5, 3, 2]), lower, upper, 10)  # no exception


@pytest.mark.parametrize(("allocation", "total", "words"), [
    (np.array([5.0, 3.0, 2.0]), 10, "allocation is not integral"),
    (np.array([6, 3, 2]), 10, "allocation 11 exceeds the cap 10"),
    (np.array([51, -44, 2]), 10, "an allocation lies outside its employer's bounds"),  # < 0
    (np.array([0, 0, 21]), 30, "an allocation lies outside its employer's bounds"),  # > 20
])
def test_verification_refuses_a_wrong_allocation(allocation, total, words):
    problem = problem_for(cap=total)
    lower, upper = bounds(problem)
    with pytest.raises(VerificationError) as refused:
        model._verify(tree_of(problem), allocation, lower, upper, total)
    assert str(refused.value) == words


def test_verification_refuses_an_allocation_below_a_floor_alone():
    # Everyone is guaranteed 3; 5 + 4 + 1 keeps the cap and every ceiling, but not the third
    # employer's floor.
    problem = problem_for(**{"method.min_per_employer": 3})
    lower, upper = bounds(problem)
    assert lower.tolist() == [3, 3, 3]
    with pytest.raises(VerificationError) as refused:
        model._verify(tree_of(problem), np.array([5, 4, 1]), lower, upper, 10)
    assert str(refused.value) == "an allocation lies outside its employer's bounds"


def test_verification_refuses_a_broken_group_floor():
    problem = problem_for(groups={"fin": {"sector": "finance", "min": 6}})
    lower, upper = bounds(problem)
    with pytest.raises(VerificationError) as refused:
        model._verify(tree_of(problem), np.array([5, 3, 2]), lower, upper, 10)
    assert str(refused.value) == "group bounds broken: ['fin']"
    model._verify(tree_of(problem), np.array([6, 2, 2]), lower, upper, 10)


def test_a_proven_optimum_that_differs_from_the_reference_is_refused(monkeypatch):
    """A wrong but feasible reference (one permit moved from employer 3 to employer 1, 6-3-1
    instead of 5-3-2): CP-SAT proves the true optimum, which differs, and the plan is refused
    rather than trusted either way. With no seat fixed (margin None) nothing else objects."""
    true_reference = model._reference

    def wrong_reference(*args, **kwargs):
        allocation, _ = true_reference(*args, **kwargs)
        assert allocation.tolist() == [5, 3, 2]
        return np.array([6, 3, 1]), None

    monkeypatch.setattr(model, "_reference", wrong_reference)
    with pytest.raises(VerificationError) as refused:
        solve(problem_for(), SolveOptions(margin=None))
    assert str(refused.value) == "CP-SAT's optimum differs from the exact reference"


def test_a_reference_above_the_duality_bound_is_refused_with_the_bound():
    """A 'reference' holding one seat more than the cap allows scores above what any feasible
    plan can: the duality bound built from it lies below its objective, which weak duality
    forbids for a feasible reference, so it is refused, naming the bound."""
    import re

    layout, coefficients, handed = seats_of(problem_for())
    assert int(handed.sum()) == 10 and not handed[10:].any()  # the 10 best seats, in order
    handed[10] = True  # the 11th seat too
    with pytest.raises(VerificationError) as refused:
        model._reduce(layout, coefficients, handed, margin=0)
    found = re.fullmatch(r"the duality bound (\d+) lies below the reference", str(refused.value))
    assert found is not None
    # The bound is at least the true optimum (the 10 best seats) and below the 11 seats' sum.
    assert int(coefficients[:10].sum()) <= int(found[1]) < int(coefficients[:11].sum())


def test_the_exact_reference_passes_the_same_path():
    plan = solve(problem_for(), SolveOptions(margin=None))
    assert plan.status is PlanStatus.OPTIMAL and plan.allocation.tolist() == [5, 3, 2]
    # The report: the 10 best of 30 seats (each employer's at most the cap) score
    # 30 + 29 + … + 21 = 255, proven (bound 255, gap 0), by the OR-Tools installed.
    import ortools

    report = plan.solver
    assert (report.name, report.version, report.status, report.objective, report.bound,
            report.gap) == ("CP-SAT", ortools.__version__, "OPTIMAL", 255, 255, 0.0)
    assert report.wall_s >= 0 and plan.ortools_version == ortools.__version__


# -- the explanation's re-derivation ----------------------------------------------------------
def moved(plan, source, target, permits=1):
    allocation = plan.allocation.copy()
    allocation[source] -= permits
    allocation[target] += permits
    return dataclasses.replace(plan, allocation=allocation)


def test_explanation_refuses_a_number_its_divisor_does_not_give():
    plan = solve(problem_for())
    assert len(explain_plan(plan)) == 3  # the true plan explains itself
    with pytest.raises(ExplanationError) as refused:
        explain_plan(moved(plan, 2, 0))
    # D = 10 rounds 50/10 = 5; the plan moved one permit to employer 1.
    assert str(refused.value) == "employer 0: clamp(rounded, 0, 50) = 5 but the plan allocates 6"


def test_explanation_refuses_a_hamilton_number_its_quota_cannot_round_to():
    # Hamilton, 10 permits over claims 50, 30, 20: quotas 5, 3, 2 exactly.
    plan = solve(problem_for(method="hamilton"))
    assert plan.allocation.tolist() == [5, 3, 2]
    assert len(explain_plan(plan)) == 3
    with pytest.raises(ExplanationError) as refused:
        explain_plan(moved(plan, 2, 0, permits=2))
    assert str(refused.value) == "Hamilton quota 5 cannot round to 7"


def test_explanation_refuses_a_weight_its_multipliers_do_not_give():
    problem = problem_for(**{"weights.sector.finance": Decimal("1.5")})
    plan = solve(problem)
    assert len(explain_plan(plan)) == 3
    employers = problem.employers.copy()
    employers.at[0, "weight"] = Decimal("1.4")  # the finance tilt says 1.5
    wrong = dataclasses.replace(plan, problem=dataclasses.replace(problem, employers=employers))
    with pytest.raises(ExplanationError) as refused:
        explain_plan(wrong)
    assert str(refused.value) == ("multipliers [Fraction(3, 2)] combine (product) to 3/2, "
                                  "not the weight 1.4")


def test_cp_sat_answering_infeasible_after_the_bounds_were_checked_is_refused_in_words(
        monkeypatch):
    """Every rule's bounds are checked feasible before CP-SAT runs, so an INFEASIBLE answer
    can only be a bug (of the model or of the solver): refused, never shown as a plan."""
    from ortools.sat.python import cp_model

    monkeypatch.setattr(cp_model.CpSolver, "solve", lambda self, *args, **kwargs:
                        cp_model.INFEASIBLE)
    with pytest.raises(VerificationError) as refused:
        solve(problem_for(), SolveOptions(margin=None))
    assert str(refused.value) == ("CP-SAT found the model infeasible although every rule's "
                                  "bounds were checked feasible")


def test_a_solver_objective_that_its_own_solution_does_not_score_is_refused(monkeypatch):
    """The objective CP-SAT reports is recomputed from the seats it chose. With no seat fixed,
    the 30 seats (10 per employer at most: the cap) score 30, 29, …, 1 in priority order, and
    the 10 handed out score 30 + 29 + … + 21 = 255; a solver reporting 256 is not believed."""
    from ortools.sat.python import cp_model

    monkeypatch.setattr(cp_model.CpSolver, "objective_value", property(lambda self: 256.0))
    with pytest.raises(VerificationError) as refused:
        solve(problem_for(), SolveOptions(margin=None))
    assert str(refused.value) == "objective 256 != recomputed 255"


def test_fixed_seats_that_already_break_a_bound_are_refused(monkeypatch):
    """Reduced-cost fixing must leave every rule satisfiable; a reduction that fixed all 30
    seats as handed out already breaks the cap of 10."""
    true_reduce = model._reduce

    def everything_taken(*args, **kwargs):
        found = true_reduce(*args, **kwargs)
        return dataclasses.replace(found, taken=np.ones_like(found.taken),
                                   refused=np.zeros_like(found.refused))

    monkeypatch.setattr(model, "_reduce", everything_taken)
    with pytest.raises(VerificationError) as refused:
        solve(problem_for())
    assert str(refused.value) == "the fixed seats already break cap"


def test_reduced_cost_fixing_that_contradicts_the_reference_is_refused():
    """Fixing is sound for a feasible reference (weak duality); handed an infeasible one, it
    can contradict it, and then says so. The 100 seats of claims 50, 30, 20 score 100, 99, …,
    1 in priority order; the 'reference' takes seats 2 to 11 (99 … 90) and the one scoring 50:
    11 seats, one over the cap, without the best. The cap's threshold is then the best refused
    seat's 100, the bound 10 × 100 = 1,000 and the reference's score 945 + 50 = 995: a gap of
    5. Every seat scoring below 95 is fixed as refused, yet the reference holds five of them
    and the 50."""
    layout, coefficients, _ = seats_of(problem_for())
    assert layout.size == 100
    handed = np.zeros(layout.size, dtype=bool)
    handed[1:11] = True
    handed[50] = True
    with pytest.raises(VerificationError) as refused:
        model._reduce(layout, coefficients, handed, margin=0)
    assert str(refused.value) == "reduced-cost fixing contradicts the feasible reference"


def test_a_scope_its_own_divisor_method_does_not_reproduce_is_refused():
    """Each scope is apportioned again by the plain divisor method: 6, 3, 1 is not what
    Sainte-Laguë gives claims 50, 30, 20 for 10 permits (5, 3, 2)."""
    plan = solve(problem_for())
    problem = plan.problem
    lower, upper = bounds(problem)
    wrong = moved(plan, 2, 0)
    wrong = dataclasses.replace(wrong, scopes=[], ties=[])
    with pytest.raises(VerificationError) as refused:
        model._explain_scopes(wrong, tree_of(problem), problem.column("claim"), lower, upper)
    assert str(refused.value) == "scope cap does not reproduce the plan"
