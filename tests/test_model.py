"""The integer program against hand-worked plans, brute force and properties."""

from __future__ import annotations

import itertools
import json
import random
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from allocator.cli import main
from allocator.errors import InputError
from allocator.examples import employer, submissions
from allocator.model import SolveOptions, solve
from allocator.plan import PlanStatus, plan_json, plan_sha256
from allocator.policy import build_problem
from allocator.scenario import default_scenario

NEUTRAL = {"weights.sector.finance": 1, "weights.sector.culture": 1,
           "weights.sector.information": 1, "weights.sector.other": 1,
           **{f"weights.category.{i}": 1 for i in range(1, 8)}}


def plan_for(records, cap, workers=1, **changes):
    scenario = default_scenario(cap).with_values({**NEUTRAL, **changes})
    return solve(build_problem(submissions(records), scenario), SolveOptions(workers=workers))


def seats(plan) -> list[int]:
    return [int(x) for x in plan.allocation]


# -- hand-worked plans ------------------------------------------------------------------------
def test_sainte_lague_hand_worked():
    # Claims 50, 30, 20 and 10 permits. Quotients at D = 10: 5, 3, 2 — exact.
    # Last seats handed out: 50/4.5 = 11.1, 30/2.5 = 12, 20/1.5 = 13.3; first refused:
    # 50/5.5 = 9.09, 30/3.5 = 8.6, 20/2.5 = 8. Any D in (9.09, 11.1] works: 10 is the nicest.
    plan = plan_for([employer(1, demand_total=50), employer(2, demand_total=30),
                     employer(3, demand_total=20)], 10)
    assert plan.status is PlanStatus.OPTIMAL
    assert seats(plan) == [5, 3, 2]
    assert plan.divisor == 10


@pytest.mark.parametrize(("a_filed", "c_filed", "expected"), [
    (date(2026, 10, 9), date(2026, 11, 2), [4, 1, 0]),  # A filed first: A's 4th seat
    (date(2026, 11, 2), date(2026, 10, 9), [3, 1, 1]),  # C filed first: C's 1st seat
])
def test_sainte_lague_rounds_at_one_half(a_filed, c_filed, expected):
    # Claims 7, 2, 1 with 5 permits: Webster divisors 1, 3, 5 … give priorities
    # A: 14, 4.67, 2.8, 2; B: 4, 1.33; C: 2, 0.67.  Top five: 14, 4.67, 4, 2.8 and then a tie
    # at 2 between A's 4th seat and C's 1st seat. Equal weights, so the earlier submission
    # wins it (the baseline's tie-break: weight, then submission date, then credit code).
    plan = plan_for([employer(1, demand_total=7, submitted_on=a_filed),
                     employer(2, demand_total=2, submitted_on=date(2026, 10, 20)),
                     employer(3, demand_total=1, submitted_on=c_filed)], 5)
    assert seats(plan) == expected
    [tie] = plan.ties
    assert tie.permits == 1 and set(tie.employers) == {0, 2}
    assert tie.awarded == ((0,) if expected[0] == 4 else (2,))
    assert tie.broken_by == "submitted_on"


def test_dhondt_hand_worked():
    # D'Hondt divisors 1, 2, 3…: A = 60: 60, 30, 20, 15; B = 30: 30, 15; C = 10: 10.
    # Six permits: 60, 30 (A), 30 (B), 20, 15 (A), 15 (B) — a tie at 15 for the 5th and 6th
    # seats is no tie (both get one). Result 4, 2, 0.
    plan = plan_for([employer(1, demand_total=60), employer(2, demand_total=30),
                     employer(3, demand_total=10)], 6, **{"method.rule": "dhondt"})
    assert seats(plan) == [4, 2, 0]
    assert plan.ties == []


def test_a_cap_below_one_employers_demand_keeps_its_divisor_explainable():
    # D'Hondt, one permit; claims 200 and 80. A's first seat (priority 200) wins; the first
    # refused is A's own second seat, 200 / 2 = 100, not B's 80. So 100 < D < 200, and the
    # decimal with fewest digits nearest the middle is 150 (⌊200/150⌋ = 1, ⌊80/150⌋ = 0). The
    # engine bounds A at the cap (1) internally; that must not let D = 90 through (B's 80 as
    # the first refused), for which A's sentence would read ⌊200 / 90⌋ = 2.
    from allocator.explain import explain_plan

    plan = plan_for([employer(1, demand_total=200), employer(2, demand_total=80)], 1,
                    **{"method.rule": "dhondt"})
    assert seats(plan) == [1, 0]
    assert plan.divisor == 150
    scope = plan.scopes[0]
    assert (scope.interval[0].claim / (scope.interval[0].k + 1)) == 100
    assert len(explain_plan(plan)) == 2  # raises when a sentence does not give the number


def test_upper_bounds_cap_an_employer_at_its_eligible_demand():
    # Claims 3 × 30 = 90 and 50: A's share of 70 would be 45, above its demand of 30.
    plan = plan_for([employer(1, demand_total=30, sector="finance"),
                     employer(2, demand_total=50)], 70, **{"weights.sector.finance": 3})
    assert seats(plan) == [30, 40]


def test_top100_guarantee_is_met_first():
    records = [employer(1, demand_total=10, top100=True, demand_senior=6, demand_key_staff=0,
                        demand_other=4),
               employer(2, demand_total=100)]
    plan = plan_for(records, 10)
    # Proportional would give about 1 : 9; the guarantee raises the top-100 firm to 6.
    assert seats(plan) == [6, 4]


def test_weights_tilt_the_plan():
    base = [employer(1, demand_total=50, sector="finance"), employer(2, demand_total=50)]
    even = plan_for(base, 20)
    tilted = plan_for(base, 20, **{"weights.sector.finance": 3})
    assert seats(even) == [10, 10]
    assert seats(tilted) == [15, 5]  # claims 150 : 50


def test_surplus_when_demand_is_below_the_cap():
    plan = plan_for([employer(1, demand_total=3), employer(2, demand_total=4),
                     employer(3, demand_total=5, status="blacklisted")], 100)
    assert seats(plan) == [3, 4, 0]
    assert plan.unallocated == 93
    assert plan.divisor is None
    assert [n.code for n in plan.warnings] == ["SURPLUS"]


def test_surplus_left_by_a_full_group_says_so():
    records = [employer(1, demand_total=60, sector="finance"),
               employer(2, demand_total=40, sector="finance")]
    plan = plan_for(records, 100, groups={"fin": {"sector": "finance", "max": 30}})
    assert plan.allocated == 30 and plan.unallocated == 70
    [note] = plan.warnings
    assert note.code == "SURPLUS" and "fin" in note.message.zh and "fin" in note.message.en
    assert "30" in note.message.en


def test_absurd_demand_is_bounded_by_the_cap():
    # Ten employers each asking for a million permits: the plan is simply the cap, divided
    # evenly, and the solver's seat list stays the size of the cap.
    records = [employer(i, demand_total=1_000_000) for i in range(1, 11)]
    plan = plan_for(records, 3000)
    assert seats(plan) == [300] * 10
    assert plan.problem.column("upper") == [1_000_000] * 10


def test_reserve_is_kept_back():
    plan = plan_for([employer(1, demand_total=100)], 50, **{"cap.reserve": 20})
    assert seats(plan) == [30]


# -- infeasibility in words -------------------------------------------------------------------
def top100(number, senior, total=None, **fields):
    total = total if total is not None else senior
    return employer(number, demand_total=total, top100=True, demand_senior=senior,
                    demand_key_staff=0, demand_other=total - senior, **fields)


def conflict_codes(plan):
    assert plan.status is PlanStatus.INFEASIBLE and plan.allocation is None
    return [(c.code, c.node, c.shortfall) for c in plan.conflicts]


def test_guarantees_above_the_cap():
    plan = plan_for([top100(1, 8), top100(2, 7)], 10)
    assert conflict_codes(plan) == [("NEEDS_ABOVE_CAP", "cap", 5)]
    message = plan.conflicts[0].message
    assert "15" in message.zh and "10" in message.zh and "5" in message.en


def test_guarantees_above_a_cap_of_zero_are_a_conflict_not_a_crash():
    # A cap of 0 leaves no room for anyone; the guarantees must still be counted (they once
    # vanished when every bound was first capped at the cap, and the solve raised instead).
    plan = plan_for([top100(1, 4), employer(2, demand_total=9)], 0)
    assert conflict_codes(plan) == [("NEEDS_ABOVE_CAP", "cap", 4)]
    nobody = plan_for([employer(1, demand_total=9), employer(2, demand_total=3)], 0)
    assert nobody.status is PlanStatus.OPTIMAL and seats(nobody) == [0, 0]


def test_conflicts_are_told_with_the_real_demand_not_the_capped_bound():
    # One finance employer asking for 20 with a floor of 10 under a cap of 5: the floor is
    # above the cap (short by 5), not above the sector's demand (20 ≥ 10).
    records = [employer(1, demand_total=20, sector="finance"),
               employer(2, demand_total=20)]
    plan = plan_for(records, 5, groups={"fin": {"sector": "finance", "min": 10}})
    assert conflict_codes(plan) == [("NEEDS_ABOVE_CAP", "cap", 5)]


def test_sector_floor_above_the_sectors_eligible_demand():
    records = [employer(1, demand_total=30, sector="finance"),
               employer(2, demand_total=40, sector="finance", status="suspended"),
               employer(3, demand_total=100)]
    plan = plan_for(records, 100, **{"groups": {"fin": {"sector": "finance", "min": 50}}})
    assert conflict_codes(plan) == [("FLOOR_ABOVE_DEMAND", "fin", 20)]


def test_floors_sum_above_the_cap():
    records = [employer(1, demand_total=80, sector="finance"),
               employer(2, demand_total=80, sector="culture")]
    plan = plan_for(records, 100, groups={"fin": {"sector": "finance", "min": 60},
                                          "cul": {"sector": "culture", "min": 60}})
    assert conflict_codes(plan) == [("NEEDS_ABOVE_CAP", "cap", 20)]


def test_guarantees_above_a_group_ceiling():
    records = [top100(1, 8, sector="finance"), top100(2, 7, sector="finance"),
               employer(3, demand_total=50)]
    plan = plan_for(records, 100, groups={"fin": {"sector": "finance", "max": 10}})
    assert conflict_codes(plan) == [("NEEDS_ABOVE_CEILING", "fin", 5)]
    message = plan.conflicts[0].message
    assert message.en.startswith("Inside group 'fin' (priority sector 'Finance') ")
    assert message.zh.startswith("分组“fin”（重点产业“金融”）内")


def test_a_nested_groups_floor_counts_its_own_employers_and_its_inner_groups_room():
    # The top-100 group {1} lies inside finance {1, 2}: finance can hold employer 2's 4
    # permits plus the inner group's 3, so a finance floor of 8 is short by 1 (not 5).
    records = [employer(1, demand_total=3, sector="finance", top100=True),
               employer(2, demand_total=4, sector="finance"), employer(3, demand_total=5)]
    plan = plan_for(records, 100, groups={"fin": {"sector": "finance", "min": 8},
                                          "top": {"top100": True, "min": 1}})
    assert conflict_codes(plan) == [("FLOOR_ABOVE_DEMAND", "fin", 1)]


def test_infeasible_solve_exits_3_and_says_why(tmp_path, capsys):
    from allocator.excel import write_demand_workbook

    book = tmp_path / "d.xlsx"
    write_demand_workbook(book, submissions([top100(1, 8), top100(2, 7)]).frame)
    result = tmp_path / "r.json"
    assert main(["solve", str(book), "--cap", "10", "--json", str(result)]) == 3
    out = capsys.readouterr().out
    assert "缺5个" in out and "short by 5" in out
    data = json.loads(result.read_text(encoding="utf-8"))
    assert data["status"] == "infeasible" and data["conflicts"][0]["shortfall"] == 5


# -- groups -----------------------------------------------------------------------------------
def test_group_ceiling_gets_its_own_divisor():
    records = [employer(1, demand_total=60, sector="finance"),
               employer(2, demand_total=40, sector="finance"),
               employer(3, demand_total=50, sector="culture"),
               employer(4, demand_total=50, sector="other")]
    plan = plan_for(records, 100, groups={"fin": {"sector": "finance", "max": 30}})
    assert seats(plan)[:2] == [18, 12]  # finance held to 30, split 60 : 40
    assert seats(plan)[2:] == [35, 35]
    assert {s.name for s in plan.scopes} == {"cap", "fin"}


def test_overlapping_groups_are_refused_with_names():
    records = [employer(1, demand_total=10, sector="finance", top100=True),
               employer(2, demand_total=10, sector="finance"),
               employer(3, demand_total=10, top100=True)]
    with pytest.raises(InputError) as raised:
        plan_for(records, 20, groups={"fin": {"sector": "finance", "min": 5},
                                      "top": {"top100": True, "min": 5}})
    [problem] = raised.value.issues
    assert problem.code == "groups_overlap"
    assert "fin" in problem.message.zh and "top" in problem.message.en


def priority_sum(claims, lower, allocation, method):
    """Σᵢ Σ_{k=aᵢ}^{xᵢ−1} vᵢ / s(k), exactly, for Webster and D'Hondt."""
    total = Fraction(0)
    for v, a, x in zip(claims, lower, allocation, strict=True):
        for k in range(a, x):
            total += Fraction(v) / (Fraction(2 * k + 1, 2) if method == "sainte-lague"
                                    else Fraction(k + 1))
    return total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), method=st.sampled_from(["sainte-lague", "dhondt"]))
def test_brute_force_with_groups_maximises_the_true_priority_sum(data, method):
    """The rank objective's optimum is the priority-sum optimum (matroid argument), checked
    by enumerating every allocation of a tiny instance with a sector floor and ceiling."""
    n = data.draw(st.integers(2, 4))
    demands = data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    sectors = data.draw(st.lists(st.sampled_from(["finance", "other"]), min_size=n,
                                 max_size=n))
    weights = data.draw(st.lists(st.sampled_from([1, 2, 3]), min_size=n, max_size=n))
    cap = data.draw(st.integers(1, 10))
    floor = data.draw(st.integers(0, 4))
    ceiling = data.draw(st.integers(floor, 8))
    records = [employer(i + 1, demand_total=d, sector=s, categories=(w,) if w > 1 else ())
               for i, (d, s, w) in enumerate(zip(demands, sectors, weights, strict=True))]
    changes = {"method.rule": method, "weights.category.2": 2, "weights.category.3": 3,
               "groups": {"fin": {"sector": "finance", "min": floor, "max": ceiling}}}
    plan = plan_for(records, cap, **changes)
    claims = plan.problem.column("claim")
    upper = plan.problem.column("upper")
    fin = [s == "finance" for s in sectors]
    target = min(cap, sum(upper))
    best, feasible = None, []
    for x in itertools.product(*(range(u + 1) for u in upper)):
        in_fin = sum(v for v, f in zip(x, fin, strict=True) if f)
        if sum(x) > cap or not floor <= in_fin <= ceiling:
            continue
        feasible.append(x)
    if plan.status is PlanStatus.INFEASIBLE:
        assert not feasible
        return
    # Among feasible allocations, the plan hands out as many permits as possible …
    most = max(sum(x) for x in feasible)
    assert plan.allocated == most <= target
    # … and maximises the exact priority sum (ties between allocations are allowed only if
    # their sums are equal).
    best = max(priority_sum(claims, [0] * n, x, method) for x in feasible if sum(x) == most)
    assert priority_sum(claims, [0] * n, seats(plan), method) == best


# -- properties -------------------------------------------------------------------------------
def random_records(rng: random.Random, n: int) -> list[dict]:
    sectors = ["finance", "culture", "information", "other"]
    out = []
    for i in range(n):
        demand = rng.choice([1, 1, 2, 2, 3, 4, 5, 8, 12, 30, 80])
        top = rng.random() < 0.15
        senior = min(demand, rng.randint(0, 3)) if top else None
        out.append(employer(
            i + 1, demand_total=demand, sector=rng.choice(sectors), top100=top,
            demand_senior=senior, demand_key_staff=0 if top else None,
            demand_other=demand - senior if top else None,
            categories=tuple(sorted(rng.sample(range(1, 8), rng.randint(0, 2)))),
            attrition_rate=Decimal(rng.randint(0, 20)) / 100,
            status=rng.choice(["normal"] * 20 + ["suspended"]),
            submitted_on=date(2026, rng.randint(10, 12), rng.randint(1, 28))))
    return out


BASELINE = {"weights.sector.finance": Decimal("1.3"), "weights.sector.culture": Decimal("1.2"),
            "weights.category.1": Decimal("1.5"), "weights.top100": Decimal("1.1")}


@pytest.mark.parametrize("method", ["sainte-lague", "dhondt", "huntington-hill", "adams",
                                    "dean"])
def test_identical_plans_with_1_and_8_workers(method):
    records = random_records(random.Random(7), 150)
    one = plan_for(records, 300, workers=1, **{"method.rule": method}, **BASELINE)
    eight = plan_for(records, 300, workers=8, **{"method.rule": method}, **BASELINE)
    assert one.status is PlanStatus.OPTIMAL
    assert seats(one) == seats(eight)
    assert plan_sha256(one) == plan_sha256(eight)


def test_row_order_does_not_matter():
    records = random_records(random.Random(11), 120)
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)
    a = plan_for(records, 250, **BASELINE)
    b = plan_for(shuffled, 250, **BASELINE)
    by_code_a = dict(zip(a.problem.column("credit_code"), seats(a), strict=True))
    by_code_b = dict(zip(b.problem.column("credit_code"), seats(b), strict=True))
    assert by_code_a == by_code_b


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), cap=st.integers(1, 120),
       method=st.sampled_from(["sainte-lague", "dhondt", "huntington-hill", "adams", "dean"]))
def test_house_monotone_and_within_bounds(seed, cap, method):
    records = random_records(random.Random(seed), 25)
    small = plan_for(records, cap, **{"method.rule": method}, **BASELINE)
    large = plan_for(records, cap + 1, **{"method.rule": method}, **BASELINE)
    for plan, limit in ((small, cap), (large, cap + 1)):
        if plan.status is PlanStatus.INFEASIBLE:  # only when the guarantees exceed the cap
            assert sum(plan.problem.column("guaranteed")) > limit
            continue
        x = np.asarray(seats(plan))
        assert x.sum() <= limit
        assert np.all(x >= plan.problem.column("guaranteed"))
        assert np.all(x <= plan.problem.column("upper"))
    assume(small.status is not PlanStatus.INFEASIBLE)
    assert np.all(np.asarray(seats(large)) >= np.asarray(seats(small)))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), who=st.integers(0, 19))
def test_raising_a_weight_never_lowers_that_employer(seed, who):
    records = random_records(random.Random(seed), 20)
    for record in records:
        record["sector"] = "other"
    before = plan_for(records, 60, **BASELINE)
    records[who]["sector"] = "finance"  # finance weighs 1.3, other 1
    after = plan_for(records, 60, **BASELINE)
    # Only guarantees above the cap make a plan infeasible, and a weight changes neither.
    infeasible = sum(before.problem.column("guaranteed")) > 60
    assert (before.status is PlanStatus.INFEASIBLE) == infeasible
    assert (after.status is PlanStatus.INFEASIBLE) == infeasible
    assume(not infeasible)
    assert seats(after)[who] >= seats(before)[who]


def highest_averages(claims, lower, upper, total, method, order) -> list[int]:
    """The divisor method as its textbook defines it, one seat at a time: start every claimant
    at its floor, then hand each further seat to the highest priority v / s(k) among those below
    their ceiling (k = seats held; s(k) = k + ½, k + 1, k, 2k(k+1)/(2k+1) or √(k(k+1))). Exact
    (Fractions, squares for Huntington-Hill); a first seat with s(0) = 0 is infinite and ranks
    by its claim; equal priorities go to the lower tie-break rank."""
    def key(i, k):
        v = Fraction(claims[i])
        if v == 0:
            return (0, Fraction(0), -order[i])
        if k == 0 and method in ("adams", "dean", "huntington-hill"):
            return (2, v, -order[i])
        if method == "huntington-hill":
            return (1, v * v / (k * (k + 1)), -order[i])
        s = {"sainte-lague": Fraction(2 * k + 1, 2), "dhondt": Fraction(k + 1),
             "adams": Fraction(k), "dean": Fraction(2 * k * (k + 1), 2 * k + 1)}[method]
        return (1, v / s, -order[i])

    x = list(lower)
    for _ in range(total - sum(x)):
        open_ = [i for i in range(len(x)) if x[i] < upper[i]]
        if not open_:
            break
        x[max(open_, key=lambda i: key(i, x[i]))] += 1
    return x


@pytest.mark.parametrize("method", ["sainte-lague", "dhondt", "huntington-hill", "adams",
                                    "dean"])
def test_every_divisor_method_solves_to_a_proven_optimum_matching_the_textbook(method):
    records = random_records(random.Random(5), 200)
    plan = plan_for(records, 400, **{"method.rule": method}, **BASELINE)
    problem = plan.problem
    assert plan.status is PlanStatus.OPTIMAL
    assert seats(plan) == highest_averages(
        problem.column("claim"), problem.column("guaranteed"), problem.column("upper"),
        problem.allocatable, method, [int(r) for r in problem.order])


def test_hamilton_solves_to_a_proven_optimum_handing_out_the_cap():
    records = random_records(random.Random(5), 200)
    plan = plan_for(records, 400, **{"method.rule": "hamilton"}, **BASELINE)
    assert plan.status is PlanStatus.OPTIMAL
    assert plan.allocated == min(400, sum(plan.problem.column("upper")))
    # No solver ran: the report says so, with no objective, no bound and no parameters.
    report = plan.solver.as_dict()
    assert (report["status"], report["objective"], report["bound"]) == ("EXACT", None, None)
    assert report["parameters"] == {}


def test_result_json_contract(tmp_path):
    from allocator.excel import write_demand_workbook

    records = random_records(random.Random(1), 40)
    book = tmp_path / "d.xlsx"
    write_demand_workbook(book, submissions(records).frame)
    out = tmp_path / "r.json"
    assert main(["solve", str(book), "--cap", "60", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    for key in ["status", "method", "cap", "reserve", "allocatable", "allocated",
                "unallocated", "divisor", "employers", "ties", "by_sector", "warnings",
                "input_sha256", "scenario_sha256", "plan_sha256", "solver"]:
        assert key in data
    assert data["status"] == "optimal"
    assert len(data["employers"]) == 40
    assert [e["row"] for e in data["employers"]] == sorted(e["row"] for e in data["employers"])
    assert sum(e["allocated"] for e in data["employers"]) == data["allocated"] <= 60
    assert data["allocated"] + data["unallocated"] == data["allocatable"]
    excluded = [e for e in data["employers"] if e["eligible"] == 0]
    assert excluded and all(e["reasons"] and e["allocated"] == 0 for e in excluded)
    for key in ["name", "version", "status", "wall_s", "objective", "bound"]:
        assert key in data["solver"]
    # The same inputs give the same plan hash.
    again = tmp_path / "r2.json"
    assert main(["solve", str(book), "--cap", "60", "--json", str(again)]) == 0
    assert json.loads(again.read_text(encoding="utf-8"))["plan_sha256"] == data["plan_sha256"]


def test_plan_json_divisor_reproduces_each_allocation():
    from allocator.methods import Method, rounded

    records = random_records(random.Random(9), 80)
    plan = plan_for(records, 150, **BASELINE)
    data = plan_json(plan)
    divisor = Fraction(data["divisor_exact"])
    problem = plan.problem
    # At a tie the divisor is the tied priority itself, where the tie's losers round up too.
    lost_tie = {i for tie in plan.ties for i in tie.employers if i not in tie.awarded}
    for i, row in enumerate(data["employers"]):
        clamp = max(row["guaranteed"], min(row["upper"], rounded(
            Method.SAINTE_LAGUE, problem.column("claim")[i] / divisor)))
        assert clamp - (i in lost_tie) == row["allocated"]


# -- mutation survivors (docs/mutation.md): overlapping groups, worked by hand ----------------
def test_only_the_pairs_that_overlap_without_nesting_are_named():
    from allocator.constraints import build_tree
    from allocator.i18n import text
    from allocator.policy import Group

    def group(name, members):
        mask = np.zeros(5, dtype=bool)
        mask[members] = True
        return Group(name, text("group.cap"), mask, 0, None)

    # a = {0, 1, 4} and b = {1, 2} overlap (1 shared, 2 only in a, 1 only in b); c = {3} is
    # disjoint from all; d = {0} lies inside a.
    groups = [group("a", [0, 1, 4]), group("b", [1, 2]), group("c", [3]), group("d", [0])]
    with pytest.raises(InputError) as raised:
        build_tree(groups, np.full(5, 10), 20, file="s.toml")
    [problem] = raised.value.issues
    assert problem.code == "groups_overlap"
    assert problem.file == "s.toml" and problem.column == "groups.a"
    assert problem.message.en == (
        "Groups 'a' and 'b' overlap (1 employers in both, 2 only in the first, 1 only in the "
        "second). Groups must be disjoint or nested, or no divisor could explain the plan: use "
        "weights instead, or reshape the groups.")


# -- mutation survivors (docs/mutation.md): the Hamilton plan, worked by hand ----------------
def test_hamilton_plan_keeps_each_employer_within_its_ceiling():
    # Quotas 60 · 50/100 = 30 each, but no employer may take more than 20: 20 and 20, and the
    # 20 left over are a surplus.
    plan = plan_for([employer(1, demand_total=50), employer(2, demand_total=50)], 60,
                    **{"method.rule": "hamilton", "method.max_per_employer": 20})
    assert seats(plan) == [20, 20]
    assert plan.unallocated == 20
    # Solved exactly, without CP-SAT: said so, with the installed OR-Tools (part of the plan
    # hash) and a wall time that is a duration, not a clock reading.
    import ortools

    assert (plan.solver.name, plan.solver.version, plan.solver.status, plan.ortools_version) == (
        "Hamilton (exact, no solver)", ortools.__version__, "EXACT", ortools.__version__)
    assert 0 <= plan.solver.wall_s < 60
    [scope] = plan.scopes
    assert scope.name == "cap"
    assert (scope.label.zh, scope.label.en) == ("年度可分配总量", "the allocatable cap")


def test_hamilton_plan_reports_its_tie_at_one_half():
    # Quotas 5 · 10/20 = 2.5 each: 2 each, and the one seat left goes to one of two equal
    # remainders — a tie over 1 permit between the two, which the report names.
    plan = plan_for([employer(1, demand_total=10), employer(2, demand_total=10)], 5,
                    **{"method.rule": "hamilton"})
    assert sorted(seats(plan)) == [2, 3]
    [tie] = plan.ties
    assert tie.employers == (0, 1) and tie.permits == 1
    assert tie.awarded == (seats(plan).index(3),)


def test_an_unmet_floor_is_reported_with_its_rule_and_shortfall_in_the_result():
    # The finance group must get 15, but its one employer asks for 10: short by 5.
    plan = plan_for([employer(1, demand_total=10, sector="finance"),
                     employer(2, demand_total=50)], 40,
                    groups={"fin": {"sector": "finance", "min": 15}})
    assert plan.status is PlanStatus.INFEASIBLE
    [conflict] = plan_json(plan)["conflicts"]
    assert {k: conflict[k] for k in ("code", "rule", "shortfall")} == {
        "code": "FLOOR_ABOVE_DEMAND", "rule": "fin", "shortfall": 5}
    assert "15" in conflict["zh"] and "short by 5" in conflict["en"]


def test_guarantees_above_a_group_ceiling_are_reported_in_words():
    # Two finance employers guaranteed 3 each (the minimum per employer) need 6, but the
    # finance group may take at most 5: short by 1.
    plan = plan_for([employer(1, demand_total=10, sector="finance"),
                     employer(2, demand_total=10, sector="finance"),
                     employer(3, demand_total=50)], 40,
                    groups={"fin": {"sector": "finance", "max": 5}},
                    **{"method.min_per_employer": 3})
    assert plan.status is PlanStatus.INFEASIBLE
    [conflict] = plan_json(plan)["conflicts"]
    assert (conflict["code"], conflict["rule"], conflict["shortfall"]) == (
        "NEEDS_ABOVE_CEILING", "fin", 1)
    assert "need 6 permits (6 guaranteed" in conflict["en"] and "ceiling of 5" in conflict["en"]
    assert "共需6个" in conflict["zh"] and "上限5个" in conflict["zh"]


def test_a_solved_plan_records_the_installed_or_tools_version():
    import ortools

    plan = plan_for([employer(1, demand_total=10), employer(2, demand_total=20)], 12)
    assert plan.ortools_version == ortools.__version__


def test_hamilton_with_groups_is_refused_naming_the_rule_in_words():
    with pytest.raises(InputError) as refused:
        plan_for([employer(1, demand_total=5, sector="finance"), employer(2, demand_total=5)],
                 6, groups={"fin": {"sector": "finance", "max": 3}},
                 **{"method.rule": "hamilton", "scenario.name": "分组试算"})
    [problem] = refused.value.issues
    # The refusal names the scenario it is about.
    assert (problem.code, problem.column, problem.file) == ("hamilton_groups", "method.rule",
                                                            "分组试算")
    assert problem.message.en == (
        "Hamilton (largest remainders) is for comparison only and takes no group floors or "
        "ceilings: choose a divisor method or remove the groups.")
    assert problem.message.zh == ("最大余额法（Hamilton）仅供对比，不支持分组上下限；"
                                  "请选用除数法或删除分组。")


def test_a_tie_everyone_or_no_one_in_it_won_needed_no_tie_break():
    from allocator.model import broken_by

    # Three employers alike but for their submission dates (the first tie-break key after
    # the weight). Winner 1 and loser 2 differ first on the date; winners only, or losers
    # only, need no tie-break at all.
    problem = build_problem(submissions([
        employer(1, demand_total=4, submitted_on=date(2026, 10, 9)),
        employer(2, demand_total=4, submitted_on=date(2026, 11, 2)),
        employer(3, demand_total=4, submitted_on=date(2026, 11, 2))]), default_scenario(6))
    assert broken_by(problem, (0, 1), (0,)) == "submitted_on"
    assert broken_by(problem, (1, 2), (1,)) == "credit_code"
    assert broken_by(problem, (0, 1, 2), (0, 1, 2)) == "none"
    assert broken_by(problem, (0, 1), ()) == "none"
