"""Reduced-cost fixing (allocator.model): the reduced program keeps the full program's optimum."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_model import BASELINE, NEUTRAL, random_records, seats

from allocator import constraints
from allocator.examples import employer, submissions
from allocator.methods import Method, seat_order
from allocator.model import SolveOptions, _reduce, _reference, _Seats, solve, whole_claims
from allocator.plan import PlanStatus, plan_sha256
from allocator.policy import build_problem
from allocator.scenario import default_scenario

METHODS = ["sainte-lague", "dhondt", "huntington-hill", "adams", "dean"]
FLOORS = {"groups": {"fin": {"sector": "finance", "min": 40},
                     "cul": {"sector": "culture", "max": 25}}}


def problem_for(records, cap, **changes):
    scenario = default_scenario(cap).with_values({**NEUTRAL, **BASELINE, **changes})
    return build_problem(submissions(records), scenario)


def certificate(problem, margin=0, perturb=None):
    """The reduction of ``problem`` against its exact reference (or a perturbed one)."""
    lower = np.asarray(problem.column("guaranteed"), dtype=np.int64)
    upper = np.asarray(problem.column("upper"), dtype=np.int64)
    claims = problem.column("claim")
    tree = constraints.build_tree(problem.groups, upper, problem.allocatable)
    claimants, rungs = seat_order(claims, lower, upper, problem.method, problem.order)
    reference, _ = _reference(problem, tree, claims, lower, upper, upper, claimants)
    layout = _Seats.of(tree, claimants, lower, problem.allocatable)
    coefficients = np.arange(layout.size, 0, -1, dtype=np.int64)
    optimum = rungs < reference[claimants]
    handed = optimum if perturb is None else perturb(optimum.copy(), layout)
    return _reduce(layout, coefficients, handed, margin), optimum, coefficients


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("groups", [{}, FLOORS])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reduced_plan_equals_the_full_programs(method, groups, seed):
    records = random_records(random.Random(seed), 120)
    problem = problem_for(records, 260, **{"method.rule": method}, **groups)
    full = solve(problem, SolveOptions(margin=None))
    assert full.solver.parameters["reduction"]["free"] == sum(
        problem.column("upper")) - sum(problem.column("guaranteed"))
    for margin in (0, 1, 7, 1000):
        reduced = solve(problem, SolveOptions(margin=margin))
        assert reduced.status is full.status is PlanStatus.OPTIMAL
        assert seats(reduced) == seats(full)
        assert plan_sha256(reduced) == plan_sha256(full)
        assert (reduced.solver.objective, reduced.solver.bound) == \
            (full.solver.objective, full.solver.bound)
        assert reduced.solver.parameters["reduction"]["gap"] == 0


def test_the_margin_leaves_a_band_around_the_cut_off_to_cp_sat():
    problem = problem_for(random_records(random.Random(4), 150), 300)
    reduction, optimum, _ = certificate(problem, margin=5)
    free = np.flatnonzero(reduction.free_mask)
    # Without groups the cut-off is one threshold: the free seats are the 5 + 5 around it
    # (and the seat at the threshold itself).
    assert reduction.gap == 0 and 10 <= free.size <= 11
    assert np.all(np.diff(free) == 1)
    assert optimum[reduction.taken].all() and not optimum[reduction.refused].any()
    recorded = solve(problem, SolveOptions(margin=5)).solver.parameters["reduction"]
    assert recorded == {"margin": 5, "gap": 0, "limit": 5,
                        "fixed_taken": int(reduction.taken.sum()),
                        "fixed_refused": int(reduction.refused.sum()), "free": free.size}


def swap_worst_taken_for_best_refused(handed, layout):
    """A feasible but wrong 'reference': among the seats outside every group, the last
    awarded seat traded for the first refused one (every scope keeps its count)."""
    outside = layout.node == 0
    taken, refused = np.flatnonzero(handed & outside), np.flatnonzero(~handed & outside)
    handed[taken[-1]] = False
    handed[refused[0]] = True
    return handed


def drop_a_seat(handed, layout):
    """A feasible but wrong 'reference': the best seat outside every group left out."""
    handed[np.flatnonzero(handed & (layout.node == 0))[0]] = False
    return handed


@pytest.mark.parametrize("perturb", [swap_worst_taken_for_best_refused, drop_a_seat])
@pytest.mark.parametrize("groups", [{}, FLOORS])
def test_a_wrong_reference_never_fixes_a_seat_against_the_optimum(perturb, groups):
    """The argument does not trust the reference: with a worse one the gap opens and every
    fixed seat still agrees with the true optimum."""
    for seed in range(8):
        problem = problem_for(random_records(random.Random(seed), 80), 150, **groups)
        reduction, optimum, coefficients = certificate(problem, margin=0, perturb=perturb)
        assert reduction.gap > 0
        assert optimum[reduction.taken].all()
        assert not optimum[reduction.refused].any()
        # The bound holds for the optimum too (weak duality).
        assert int(coefficients[optimum].sum()) <= reduction.upper_bound


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), method=st.sampled_from(["sainte-lague", "dhondt"]))
def test_margin_zero_matches_brute_force_with_groups(data, method):
    """With nothing but the threshold seats left free, the plan still maximises the exact
    priority sum over every feasible allocation of a tiny instance with a floor and a
    ceiling."""
    n = data.draw(st.integers(2, 4))
    demands = data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    sectors = data.draw(st.lists(st.sampled_from(["finance", "other"]), min_size=n,
                                 max_size=n))
    cap = data.draw(st.integers(1, 10))
    floor = data.draw(st.integers(0, 4))
    ceiling = data.draw(st.integers(floor, 8))
    records = [employer(i + 1, demand_total=d, sector=s)
               for i, (d, s) in enumerate(zip(demands, sectors, strict=True))]
    scenario = default_scenario(cap).with_values({
        **NEUTRAL, "method.rule": method, "weights.sector.finance": Decimal("1.5"),
        "groups": {"fin": {"sector": "finance", "min": floor, "max": ceiling}}})
    plan = solve(build_problem(submissions(records), scenario), SolveOptions(margin=0))
    claims, upper = plan.problem.column("claim"), plan.problem.column("upper")
    fin = [s == "finance" for s in sectors]

    def priority_sum(x):
        return sum((Fraction(v) / (Fraction(2 * k + 1, 2) if method == "sainte-lague"
                                   else Fraction(k + 1)) for v, xi in zip(claims, x, strict=True)
                    for k in range(xi)), Fraction(0))

    feasible = [x for x in itertools.product(*(range(u + 1) for u in upper))
                if sum(x) <= cap
                and floor <= sum(v for v, f in zip(x, fin, strict=True) if f) <= ceiling]
    assert (plan.status is PlanStatus.INFEASIBLE) == (not feasible)
    assume(feasible)
    most = max(sum(x) for x in feasible)
    best = max(priority_sum(x) for x in feasible if sum(x) == most)
    assert plan.allocated == most
    assert priority_sum(seats(plan)) == best


@pytest.mark.parametrize("method", [Method.SAINTE_LAGUE, Method.HUNTINGTON_HILL, Method.DEAN])
def test_whole_claims_keep_the_exact_seat_order(method):
    rng = random.Random(9)
    weights = [Fraction(1), Fraction(6, 5), Fraction(13, 10), Fraction(36, 25), Fraction(3, 2)]
    claims = [rng.choice(weights) * rng.choice([0, 1, 2, 3, 5, 8, 13]) for _ in range(300)]
    lower = [0] * 300
    upper = [rng.randint(0, 6) for _ in range(300)]
    order = list(range(300))
    rng.shuffle(order)
    scaled = whole_claims(claims)
    assert isinstance(scaled, np.ndarray) and scaled.dtype == np.int64
    exact = seat_order(claims, lower, upper, method, order)
    fast = seat_order(scaled, lower, upper, method, order)
    assert np.array_equal(exact[0], fast[0]) and np.array_equal(exact[1], fast[1])


def test_whole_claims_too_large_stay_fractions():
    claims = [Fraction(2**61, 3), Fraction(5, 7)]
    assert whole_claims(claims) is claims


def test_a_time_limit_gives_the_reference_marked_not_proven():
    problem = problem_for(random_records(random.Random(6), 400), 800)
    proven = solve(problem)
    stopped = solve(problem, SolveOptions(time_limit_s=1e-9, margin=None))
    assert stopped.status is PlanStatus.FEASIBLE
    assert [note.code for note in stopped.warnings][:1] == ["NOT_PROVEN"]
    assert seats(stopped) == seats(proven)  # the exact reference, verified but not proven
    # Stopped before any solution: CP-SAT's status is UNKNOWN, and the note says so.
    note = stopped.warnings[0].message
    assert (stopped.solver.status, note.zh, note.en) == (
        "UNKNOWN",
        "求解器在1e-09秒内未证明最优（状态：UNKNOWN）；本方案满足全部规则，但未经证明为最优。",
        "The solver did not prove optimality within 1e-09 s (status UNKNOWN); the plan meets "
        "every rule but is not proven optimal.")


@pytest.mark.parametrize("method", METHODS)
def test_a_group_held_at_zero_by_its_ceiling_still_closes_the_gap(method):
    # Culture's ceiling of 0 refuses all of its seats and hands it none: its threshold may
    # rise above the cap's as far as its strongest refused seat (its ceiling is met), and the
    # certificate proves the optimum with no gap.
    records = random_records(random.Random(4), 60)
    assert any(r["sector"] == "culture" for r in records)
    problem = problem_for(records, 150, **{"method.rule": method, "guarantee.top100_senior": 0,
                                           "guarantee.top100_key_staff": 0},
                          groups={"cul": {"sector": "culture", "max": 0}})
    reduction = certificate(problem)[0]
    assert reduction.gap == 0
    plan = solve(problem)
    assert plan.status is PlanStatus.OPTIMAL and plan.allocated == 150
    assert all(plan.seats(i) == 0 for i, r in enumerate(records) if r["sector"] == "culture")


def test_the_solvers_parameters_are_recorded_as_they_were_set():
    # The plan's audit data (docs/result.md, solver.parameters) names every parameter given
    # to CP-SAT: the options asked for, and presolve and lazy LP constraints off (bench/).
    problem = problem_for(random_records(random.Random(5), 40), 90)
    plan = solve(problem, SolveOptions(workers=2, seed=7, time_limit_s=30.0, margin=None))
    recorded = dict(plan.solver.parameters)
    assert recorded.pop("reduction")["margin"] is None
    assert recorded == {"num_workers": 2, "random_seed": 7, "max_time_in_seconds": 30.0,
                        "cp_model_presolve": False, "add_lp_constraints_lazily": False}
