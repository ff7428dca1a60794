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


# -- the solver's verification ----------------------------------------------------------------
def test_verification_accepts_the_hand_worked_plan():
    problem = problem_for()
    lower, upper = bounds(problem)
    model._verify(tree_of(problem), np.array([5, 3, 2]), lower, upper, 10)  # no exception


@pytest.mark.parametrize(("allocation", "total", "words"), [
    (np.array([5.0, 3.0, 2.0]), 10, "not integral"),
    (np.array([6, 3, 2]), 10, "exceeds the cap 10"),
    (np.array([51, -44, 2]), 10, "outside its employer's bounds"),  # below 0
    (np.array([0, 0, 21]), 30, "outside its employer's bounds"),  # above a demand of 20
])
def test_verification_refuses_a_wrong_allocation(allocation, total, words):
    problem = problem_for(cap=total)
    lower, upper = bounds(problem)
    with pytest.raises(VerificationError, match=words):
        model._verify(tree_of(problem), allocation, lower, upper, total)


def test_verification_refuses_a_broken_group_floor():
    problem = problem_for(groups={"fin": {"sector": "finance", "min": 6}})
    lower, upper = bounds(problem)
    with pytest.raises(VerificationError, match="group bounds broken"):
        model._verify(tree_of(problem), np.array([5, 3, 2]), lower, upper, 10)
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
    with pytest.raises(VerificationError, match="differs from the exact reference"):
        solve(problem_for(), SolveOptions(margin=None))


def test_the_exact_reference_passes_the_same_path():
    plan = solve(problem_for(), SolveOptions(margin=None))
    assert plan.status is PlanStatus.OPTIMAL and plan.allocation.tolist() == [5, 3, 2]


# -- the explanation's re-derivation ----------------------------------------------------------
def moved(plan, source, target, permits=1):
    allocation = plan.allocation.copy()
    allocation[source] -= permits
    allocation[target] += permits
    return dataclasses.replace(plan, allocation=allocation)


def test_explanation_refuses_a_number_its_divisor_does_not_give():
    plan = solve(problem_for())
    assert len(explain_plan(plan)) == 3  # the true plan explains itself
    with pytest.raises(ExplanationError, match="but the plan allocates"):
        explain_plan(moved(plan, 2, 0))


def test_explanation_refuses_a_hamilton_number_its_quota_cannot_round_to():
    # Hamilton, 10 permits over claims 50, 30, 20: quotas 5, 3, 2 exactly.
    plan = solve(problem_for(method="hamilton"))
    assert plan.allocation.tolist() == [5, 3, 2]
    assert len(explain_plan(plan)) == 3
    with pytest.raises(ExplanationError, match="cannot round to"):
        explain_plan(moved(plan, 2, 0, permits=2))


def test_explanation_refuses_a_weight_its_multipliers_do_not_give():
    problem = problem_for(**{"weights.sector.finance": Decimal("1.5")})
    plan = solve(problem)
    assert len(explain_plan(plan)) == 3
    employers = problem.employers.copy()
    employers.at[0, "weight"] = Decimal("1.4")  # the finance tilt says 1.5
    wrong = dataclasses.replace(plan, problem=dataclasses.replace(problem, employers=employers))
    with pytest.raises(ExplanationError, match=r"not the weight 1\.4"):
        explain_plan(wrong)


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
