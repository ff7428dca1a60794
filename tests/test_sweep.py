"""The cap sweep against ``solve --cap`` at every cap, the inverse questions against a linear
scan, and hand-worked marginal permits."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from allocator.examples import employer, submissions
from allocator.model import solve
from allocator.plan import interval_json
from allocator.scenario import default_scenario
from allocator.sweep import (
    Oracle,
    SweepPath,
    cap_for_employer,
    cap_for_fill,
    marginal,
    parse_caps,
    problem_at,
    smallest_feasible_cap,
    sweep,
    sweep_json,
)

NEUTRAL = {"weights.sector.finance": 1, "weights.sector.culture": 1,
           "weights.sector.information": 1, "weights.sector.other": 1,
           **{f"weights.category.{i}": 1 for i in range(1, 8)}}
SECTORS = ("finance", "culture", "information", "other")
METHODS = ("sainte-lague", "dhondt", "huntington-hill", "adams", "dean")


def random_instance(rng: random.Random, groups: bool, guarantees: bool):
    records = []
    for number in range(1, rng.randint(2, 9)):
        demand = rng.choice([0, 1, 2, 3, 5, 8, 13])
        senior = rng.randint(0, demand) if guarantees else None
        fields = dict(demand_total=demand, sector=rng.choice(SECTORS),
                      categories=tuple(rng.sample(range(1, 8), rng.randint(0, 2))))
        if guarantees and rng.random() < 0.5:
            fields.update(top100=True, demand_senior=senior, demand_key_staff=demand - senior,
                          demand_other=0)
        if rng.random() < 0.2:
            fields.update(status="blacklisted")
        records.append(employer(number, **fields))
    changes: dict[str, object] = {
        "method.rule": rng.choice(METHODS),
        "weights.sector.finance": rng.choice(["1", "1.5", "2"]),
        "weights.sector.culture": rng.choice(["1", "1.2"]),
        "weights.category.1": rng.choice(["1", "1.3"]),
    }
    if guarantees:
        changes["guarantee.top100_senior"] = rng.choice(["1.0", "0.5"])
        changes["method.min_per_employer"] = rng.choice([0, 0, 1])
    if rng.random() < 0.3:
        changes["cap.reserve"] = rng.randint(0, 3)
    scenario = default_scenario(40).with_values({**NEUTRAL, **changes})
    if groups:
        chosen = rng.sample(SECTORS, rng.randint(1, 3))
        table = {}
        for sector in chosen:
            bounds: dict[str, int] = {"sector": sector}  # type: ignore[dict-item]
            if rng.random() < 0.7:
                bounds["min"] = rng.randint(0, 12)
            if rng.random() < 0.5:
                bounds["max"] = rng.randint(bounds.get("min", 0), 20)
            if len(bounds) == 1:
                bounds["min"] = rng.randint(1, 6)
            table[f"g_{sector}"] = bounds
        scenario = scenario.with_values({"groups": table})
    return submissions(records), scenario


def solved(subs, scenario, cap):
    plan = solve(problem_at(subs, scenario, cap))
    return plan


@pytest.mark.parametrize("groups", [False, True])
@pytest.mark.parametrize("guarantees", [False, True])
def test_every_cap_is_the_plan_solve_gives(groups: bool, guarantees: bool):
    rng = random.Random(1700 + 2 * groups + guarantees)
    checked = 0
    for _ in range(25):
        subs, scenario = random_instance(rng, groups, guarantees)
        reserve = scenario.cap.reserve
        caps = list(range(reserve, reserve + 45))
        result = sweep(subs, scenario, caps)
        assert result.path is SweepPath.SEAT_ORDER
        for cap, point in zip(caps, result.points, strict=True):
            plan = solved(subs, scenario, cap)
            if plan.allocation is None:
                assert point.allocation is None
                assert [c.as_dict() for c in point.conflicts] == \
                    [c.as_dict() for c in plan.conflicts]
                continue
            assert point.allocation is not None, (cap, plan.conflicts)
            assert point.allocation.tolist() == plan.allocation.tolist(), cap
            assert _json(point.interval) == interval_json(plan.scopes[0] if plan.scopes
                                                          else None), cap
            checked += 1
    assert checked > 200


def _json(interval):
    from allocator.sweep import Point, _interval

    return _interval(Point(0, None, (), interval))


def test_a_cap_dependent_ceiling_takes_the_parametric_path():
    rng = random.Random(17)
    subs, scenario = random_instance(rng, False, False)
    scenario = scenario.with_values({"method.max_share": "0.4"})
    caps = list(range(0, 30, 3))
    result = sweep(subs, scenario, caps)
    assert result.path is SweepPath.PARAMETRIC
    for cap, point in zip(caps, result.points, strict=True):
        plan = solved(subs, scenario, cap)
        assert (point.allocation is None) == (plan.allocation is None)
        if plan.allocation is not None:
            assert point.allocation.tolist() == plan.allocation.tolist()


def test_house_monotone_with_groups():
    rng = random.Random(99)
    for _ in range(20):
        subs, scenario = random_instance(rng, True, True)
        result = sweep(subs, scenario, list(range(scenario.cap.reserve, 60)))
        previous = None
        for point in result.points:
            if point.allocation is None:
                continue
            if previous is not None:
                assert np.all(point.allocation >= previous)
            previous = point.allocation


# -- the inverse questions against a scan of every cap ------------------------------------------
def scan(subs, scenario, meets, top=80):
    for cap in range(scenario.cap.reserve, top):
        plan = solved(subs, scenario, cap)
        if meets(plan):
            return cap
    return None


@pytest.mark.parametrize("seed", range(6))
def test_inverse_questions_match_a_scan(seed: int):
    rng = random.Random(seed)
    subs, scenario = random_instance(rng, seed % 2 == 1, True)
    oracle = Oracle(subs, scenario)
    frame = oracle.problem.employers
    answer = smallest_feasible_cap(oracle)
    assert answer.cap == scan(subs, scenario, lambda p: p.allocation is not None)
    rate = Fraction(rng.choice([1, 2, 3]), 4)
    eligible = int(frame["eligible"].sum())
    expected = scan(subs, scenario, lambda p: p.allocation is not None and
                    4 * int(p.allocation.sum()) >= rate * 4 * eligible) if eligible else None
    assert cap_for_fill(oracle, rate).cap == expected
    for sector in SECTORS:
        mask = (frame["sector"] == sector).to_numpy()
        eli = int(frame["eligible"][mask].sum())
        found = cap_for_fill(oracle, rate, sector)
        if eli == 0:  # no demand, no rate: said so, no cap
            assert found.cap is None and "(0)" in found.message.en
            continue
        expected = scan(subs, scenario, lambda p, m=mask, e=eli: p.allocation is not None and
                        int(p.allocation[m].sum()) >= rate * e)
        assert found.cap == expected
    for i, code in enumerate(frame["credit_code"]):
        eli = int(frame.at[i, "eligible"])
        found = cap_for_employer(oracle, code)
        if eli == 0:
            assert found.cap is None
            continue
        assert found.cap == scan(subs, scenario, lambda p, i=i, e=eli:
                                 p.allocation is not None and p.allocation[i] >= e)


def test_inverse_questions_in_words_hand_worked():
    # Claims 29 (A) and 10 (B, top-100, 4 senior managers guaranteed), Sainte-Laguë.
    # Guarantees total 4: cap 4 is the least, cap 3 is one short.
    # B's last seat (k = 9) has priority 10/9.5 = 1.0526; A's seats above it are
    # 29/(k + 0.5) for k ≤ 27 (29/27.5 = 1.0545 > 1.0526 > 29/28.5 = 1.0175): 28 seats.
    # So B is full at 28 + 10 = 38; at 37 it has 9.
    records = [employer(1, demand_total=29),
               employer(2, demand_total=10, top100=True, demand_senior=4, demand_key_staff=6,
                        demand_other=0)]
    scenario = default_scenario(20).with_values(NEUTRAL)
    subs = submissions(records)
    oracle = Oracle(subs, scenario)
    feasible = smallest_feasible_cap(oracle)
    assert feasible.cap == 4
    assert "4" in feasible.message.zh and "one fewer leaves the rules 1 short" in \
        feasible.message.en
    full = cap_for_employer(oracle, records[1]["credit_code"])
    assert full.cap == 38
    assert "38" in full.message.zh and "at 37 it receives 9" in full.message.en
    # Half of the eligible 39: at least 20 permits, so the cap is 20 (no surplus below it).
    assert cap_for_fill(oracle, Fraction(1, 2)).cap == 20
    never = cap_for_fill(oracle, Fraction(1, 2), "finance")
    assert never.cap is None and "have no eligible demand (0)" in never.message.en
    # At 20: B's 4 guaranteed, then 16 seats: A's k = 0…12 (down to 29/12.5 = 2.32), B's
    # k = 4 (10/4.5 = 2.22), A's k = 13, 14 (2.15, 2.0). Next: A's k = 15 (1.87) before B's
    # k = 5 (1.82); the last one handed out was A's k = 14.
    plan = solve(problem_at(subs, scenario, 20))
    assert plan.allocation.tolist() == [15, 5]
    found = marginal(subs, scenario, plan.allocation)
    assert found.gains == (0,) and found.loses == (0,)
    assert plan.seat_order is None  # A's bound 29 was clipped to the cap: not reusable
    # At 30 nothing is clipped, and the solve's own order gives the same answer.
    wide = scenario.with_values({"cap.annual": 30})
    plan = solve(problem_at(subs, wide, 30))
    assert plan.seat_order is not None
    fresh = marginal(subs, wide, plan.allocation)
    reused = marginal(subs, wide, plan.allocation, plan.problem, plan.seat_order)
    assert (reused.gains, reused.loses) == (fresh.gains, fresh.loses)
    assert fresh.gains and fresh.loses
    assert "示例单位1" in found.message.zh and "21" in found.message.en


def test_marginal_below_the_guarantees_is_infeasible():
    records = [employer(1, demand_total=5, top100=True, demand_senior=3, demand_key_staff=2,
                        demand_other=0), employer(2, demand_total=5)]
    scenario = default_scenario(3).with_values(NEUTRAL)
    subs = submissions(records)
    plan = solve(problem_at(subs, scenario, 3))
    found = marginal(subs, scenario, plan.allocation)
    assert not found.feasible_below and found.loses == ()
    assert found.gains == (1,)  # B's first seat (5/0.5) before A's fourth (5/3.5)


def test_sweep_json_shape():
    records = [employer(1, demand_total=6, sector="finance", categories=(1, 3)),
               employer(2, demand_total=4, categories=(3,)),
               employer(3, demand_total=2, status="blacklisted")]
    scenario = default_scenario(5).with_values(NEUTRAL)
    subs = submissions(records)
    result = sweep(subs, scenario, [0, 5, 10, 12])
    data = sweep_json(result)
    assert data["caps"] == [0, 5, 10, 12]
    assert [e["credit_code"] for e in data["employers"]] == [r["credit_code"] for r in records]
    # Sainte-Laguë 6 : 4 — at 5: 6/0.5, 4/0.5, 6/1.5, 4/1.5, 6/2.5 → 3 and 2.
    assert [e["allocated"] for e in data["employers"]] == [[0, 3, 6, 6], [0, 2, 4, 4],
                                                          [0, 0, 0, 0]]
    assert data["unallocated"] == [0, 0, 0, 2]
    assert data["by_sector"]["finance"]["allocated"] == [0, 3, 6, 6]
    assert data["by_category"]["1"]["allocated"] == [0, 3, 6, 6]
    assert data["by_category"]["3"]["allocated"] == [0, 5, 10, 10]
    assert data["by_category"]["2"]["allocated"] == [0, 0, 0, 0]
    assert data["fill_eligible"] == [0, 0.5, 1, 1]
    assert data["fill_requested"] == [0, 5 / 12, 10 / 12, 10 / 12]
    # The weakest seat handed out is A's third (6/2.5 = 2.4), the strongest refused A's
    # fourth (6/3.5 = 12/7; B's third is 4/2.5 = 1.6).
    assert data["divisor_interval"][1] == ["12/7", "2.4"]
    assert data["divisor_interval"][0] is None or data["divisor_interval"][0][1] is None


@pytest.mark.parametrize(("value", "expected"), [
    ("0:10:5", (0, 10, 5)), ("3:3:1", (3, 3, 1)), ("100:200", (100, 200, 1))])
def test_parse_caps(value, expected):
    assert parse_caps(value) == expected


@pytest.mark.parametrize("value", ["", "1", "a:b:c", "5:1:1", "0:10:0", "-1:5:1", "0:10:2:3"])
def test_parse_caps_refuses(value):
    with pytest.raises(ValueError):
        parse_caps(value)


@pytest.mark.parametrize("changes", [{"method.max_share": "0.3"}, {"method.rule": "hamilton"}])
def test_parametric_answers_are_checked_at_the_cap_and_one_below(changes):
    rng = random.Random(5)
    subs, scenario = random_instance(rng, False, False)
    scenario = scenario.with_values(changes)
    oracle = Oracle(subs, scenario)
    assert not oracle.exact
    frame = oracle.problem.employers
    eligible = int(frame["eligible"].sum())
    answer = cap_for_fill(oracle, Fraction(1, 2))
    assert answer.cap is not None
    at = solved(subs, scenario, answer.cap).allocation
    assert 2 * int(at.sum()) >= eligible
    if answer.cap > scenario.cap.reserve:
        below = solved(subs, scenario, answer.cap - 1).allocation
        assert below is None or 2 * int(below.sum()) < eligible
    assert "not at every smaller cap" in answer.message.en


# -- against the library's other exact reference: the matroid greedy, nested groups included ----
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_cap_equals_the_greedy_with_nested_groups(data):
    from allocator.constraints import greedy
    from allocator.methods import seat_order
    from allocator.model import whole_claims
    from allocator.policy import build_problem
    from allocator.sweep import CapCurve

    n = data.draw(st.integers(2, 8), label="employers")
    records = []
    for number in range(1, n + 1):
        sector = data.draw(st.sampled_from(["finance", "culture", "other"]))
        nested = sector == "finance" and data.draw(st.booleans())
        records.append(employer(number, demand_total=data.draw(st.integers(0, 9)),
                                sector=sector, categories=(3,) if nested else ()))
    bound = st.one_of(st.none(), st.integers(0, 15))
    groups = {}
    for name, spec in (("fin", {"sector": "finance"}), ("cat3", {"category": "3"}),
                       ("cul", {"sector": "culture"})):
        low, high = data.draw(bound), data.draw(bound)
        if low is None and high is None:
            continue
        if low is not None and high is not None and high < low:
            low, high = high, low
        groups[name] = {**spec, **({"min": low} if low is not None else {}),
                        **({"max": high} if high is not None else {})}
    rule = data.draw(st.sampled_from(METHODS))
    scenario = default_scenario(10).with_values({**NEUTRAL, "method.rule": rule,
                                                 "weights.sector.finance": "1.5",
                                                 "groups": groups})
    problem = build_problem(submissions(records), scenario)
    curve = CapCurve(problem)
    lower = np.asarray(problem.column("guaranteed"), dtype=np.int64)
    upper = np.asarray(problem.column("upper"), dtype=np.int64)
    claimants, _ = seat_order(whole_claims(problem.column("claim")), lower, upper,
                              problem.method, problem.order)
    compared = 0
    for total in range(0, int(upper.sum()) + 3):
        if curve.conflicts(total):
            continue
        expected = greedy(curve.tree, claimants, lower, upper, total)
        assert curve.allocation(total).tolist() == expected.tolist(), total
        compared += 1
    assume(compared > 0)  # every cap clashes with the drawn floors: nothing to compare
