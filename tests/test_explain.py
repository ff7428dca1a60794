"""Explanations are true: every number in every sentence is checked against the plan.

The sentences are parsed back (English and Chinese) and each number is compared with the plan
and with an independent recomputation: the listed cuts add up to requested − eligible, the
multipliers multiply to the weight, weight × eligible is the claim, the quotient is claim ÷ the
divisor of the employer's scope, and clamp(round(quotient), floor, ceiling) — one less for a
tie's loser — is the allocation.
"""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from allocator.examples import employer, submissions
from allocator.explain import decimal_text, explain_employer, explain_plan, plan_summary
from allocator.methods import Method, rounded
from allocator.model import solve
from allocator.plan import Plan, PlanStatus
from allocator.policy import build_problem
from allocator.scenario import default_scenario, load_scenario
from allocator.submissions import read_submissions

ROOT = Path(__file__).resolve().parent.parent
NEUTRAL = {"weights.sector.finance": 1, "weights.sector.culture": 1,
           "weights.sector.information": 1, "weights.sector.other": 1,
           **{f"weights.category.{i}": 1 for i in range(1, 8)}}

NUMBER = r"\d+(?:\.\d+)?"
EN = {
    "requested": re.compile(r"^Requested (\d+)"),
    "eligible": re.compile(r"; eligible (\d+)"),
    "cut": re.compile(r"−(\d+)"),
    "bounds": re.compile(r"; floor (\d+), ceiling (\d+)"),
    "weight": re.compile(rf"; weight ({NUMBER})"),
    "factor": re.compile(rf"×({NUMBER}) under Art\. "),
    "claim": re.compile(rf"; claim ({NUMBER}) × (\d+) = ({NUMBER})"),
    "quotient": re.compile(rf"; quotient ({NUMBER}) ÷ (≈?)({NUMBER}) ([=≈]) ({NUMBER}(?:/\d+)?) "
                           rf".*?, "
                           rf"rounded to (\d+) by ([^;]+?)(?: \(the quotient|;)"),
    "allocated": re.compile(r"[;:] allocated (\d+)(?::|\.$)"),
}
ZH = {
    "requested": re.compile(r"^申报(\d+)个"),
    "eligible": re.compile(r"；合格(\d+)个"),
    "allocated": re.compile(r"分配(\d+)个(?:：|。$)"),
}
METHOD_NAMES = {"Sainte-Laguë": Method.SAINTE_LAGUE, "D'Hondt": Method.DHONDT,
                "Huntington–Hill": Method.HUNTINGTON_HILL, "Adams": Method.ADAMS,
                "Dean": Method.DEAN}


def plan_for(records, cap, **changes) -> Plan:
    scenario = default_scenario(cap).with_values({**NEUTRAL, **changes})
    return solve(build_problem(submissions(records), scenario))


def random_records(rng: random.Random, n: int) -> list[dict]:
    """Submissions with every kind of reason: sectors, categories, top-100 guarantees,
    attrition and leavers' cuts, violations, suspended and blacklisted employers."""
    out = []
    for i in range(n):
        demand = rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 8, 12, 30])
        top = rng.random() < 0.15
        senior = min(demand, rng.randint(0, 3)) if top else None
        out.append(employer(
            i + 1, demand_total=demand, sector=rng.choice(["finance", "culture", "other"]),
            top100=top, demand_senior=senior, demand_key_staff=0 if top else None,
            demand_other=demand - senior if top else None,
            categories=tuple(sorted(rng.sample(range(1, 8), rng.randint(0, 2)))),
            attrition_rate=Decimal(rng.randint(0, 20)) / 100,
            lost_within_3m=rng.choice([0] * 8 + [1, 2]),
            violations=rng.choice([()] * 8 + [(2,), (1, 6)]),
            status=rng.choice(["normal"] * 15 + ["suspended", "blacklisted"]),
            submitted_on=date(2026, rng.randint(10, 12), rng.randint(1, 28))))
    return out


WEIGHTED = {"weights.sector.finance": "1.5", "weights.sector.culture": "1.2",
            "weights.category.1": "1.25", "weights.category.3": "2", "weights.top100": "1.1"}


def random_plans() -> list[Plan]:
    plans = []
    methods = ["sainte-lague", "dhondt", "huntington-hill", "adams", "dean"]
    for seed in range(25):
        rng = random.Random(seed)
        records = random_records(rng, rng.randint(5, 40))
        changes: dict = {"method.rule": methods[seed % len(methods)], **WEIGHTED}
        if seed % 4 == 1:
            changes["method.min_per_employer"] = 1
        if seed % 4 == 2:
            changes["method.max_per_employer"] = 6
        if seed % 4 == 3:
            changes["groups"] = {"fin": {"sector": "finance", "min": 20, "max": 40}}
        plan = plan_for(records, rng.randint(5, 150), **changes)
        if plan.status is not PlanStatus.INFEASIBLE:
            plans.append(plan)
    return plans


@cache
def sample_plans() -> tuple[Plan, ...]:
    demand = read_submissions(ROOT / "data" / "sample_demand.xlsx")
    return tuple(solve(build_problem(demand, load_scenario(ROOT / "scenarios" / name)))
                 for name in ("baseline.toml", "sector_floors.toml"))


def number(shown: str) -> Fraction:
    return Fraction(shown)  # "11.52" or, at a threshold like Dean's 40/9, "40/9"


def close(shown: str, exact: Fraction) -> bool:
    """``shown`` is ``exact`` rounded to the decimals it shows (half a unit either way)."""
    if "/" in shown:
        return number(shown) == exact
    places = len(shown.split(".")[1]) if "." in shown else 0
    return abs(number(shown) - exact) <= Fraction(1, 2 * 10**places)


def scope_divisor(plan: Plan, position: int) -> tuple[bool, Fraction | None]:
    for scope in plan.scopes:
        if position in scope.employers:
            return True, scope.divisor
    return False, None


def check_sentences(plan: Plan) -> dict[str, int]:
    """Check every employer's sentence against the plan; count what was checked."""
    problem = plan.problem
    frame = problem.employers
    method = problem.method
    losers = {i for tie in plan.ties for i in tie.employers if i not in tie.awarded}
    winners = {i for tie in plan.ties for i in tie.awarded}
    checked = {"quotients": 0, "excluded": 0, "cuts": 0, "ties": 0, "no_divisor": 0}
    derived: dict[str, set[Fraction]] = {}  # scope → the divisors its sentences derive
    explanations = explain_plan(plan)
    assert len(explanations) == problem.size
    for i, explanation in enumerate(explanations):
        en, zh = explanation.sentence.en, explanation.sentence.zh
        requested, eligible = int(frame.at[i, "requested"]), int(frame.at[i, "eligible"])
        lower, upper = int(frame.at[i, "guaranteed"]), int(frame.at[i, "upper"])
        seats = plan.seats(i)
        assert int(EN["requested"].search(en)[1]) == requested, en
        assert int(ZH["requested"].search(zh)[1]) == requested, zh
        allocated = EN["allocated"].findall(en)
        assert [int(a) for a in allocated] == [seats], en
        assert [int(a) for a in ZH["allocated"].findall(zh)] == [seats], zh
        if "excluded:" in en:
            checked["excluded"] += 1
            assert eligible == 0 and seats == 0
            for reason in frame.at[i, "reasons"]:
                if reason.code.startswith(("STATUS", "UNIT_TYPE", "NEGATIVE")):
                    assert f"Art. {reason.article}" in en
            continue
        if requested == 0:
            continue
        found = EN["eligible"].search(en)
        assert int(found[1]) == eligible, en
        assert int(ZH["eligible"].search(zh)[1]) == eligible, zh
        # The cuts listed add up to what was removed.
        cut_part = en.split("; floor")[0]
        removed = sum(int(c) for c in EN["cut"].findall(cut_part))
        assert requested - removed == eligible, en
        checked["cuts"] += removed > 0
        if eligible == 0:
            assert seats == 0
            continue
        floor, ceiling = EN["bounds"].search(en).groups()
        assert (int(floor), int(ceiling)) == (lower, upper), en
        weight = number(EN["weight"].search(en)[1])
        assert weight == Fraction(frame.at[i, "weight"])
        factors = [number(f) for f in EN["factor"].findall(en.split("; claim")[0])]
        assert np.prod(factors, dtype=object) == weight if factors else weight == 1, en
        shown_weight, shown_eligible, shown_claim = EN["claim"].search(en).groups()
        claim = Fraction(frame.at[i, "claim"])
        assert number(shown_weight) == weight and int(shown_eligible) == eligible
        assert number(shown_claim) == weight * eligible == claim, en
        in_scope, divisor = scope_divisor(plan, i)
        quotient = EN["quotient"].search(en)
        if quotient is None:
            # No divisor: only when nobody in the scope was refused (all at the ceiling), or
            # when first permits ran out (Adams, Dean, Hill).
            checked["no_divisor"] += 1
            assert divisor is None, en
            assert seats == upper or (method in (Method.ADAMS, Method.DEAN,
                                                 Method.HUNTINGTON_HILL)
                                      and seats in (lower, 1)), en
            continue
        c, approx_d, d, eq, q, r, name = quotient.groups()
        assert number(c) == claim
        assert METHOD_NAMES[name] is method
        shown_divisor = number(d)
        if divisor is not None:
            assert in_scope
            if approx_d:
                assert close(d, divisor)
                shown_divisor = divisor
            else:
                assert shown_divisor == divisor, en
        else:  # derived for an irrational Huntington–Hill tie: checked over its scope below
            assert method is Method.HUNTINGTON_HILL and "irrational" in en, en
            scope = next(s.name for s in plan.scopes if i in s.employers)
            derived.setdefault(scope, set()).add(shown_divisor)
        exact = claim / shown_divisor
        assert (eq == "=") == (number(q) == exact) and close(q, exact), en
        expected = rounded(method, exact)
        assert int(r) == expected, en
        # A reader rounding the quotient as shown gets the same number.
        assert rounded(method, number(q)) == expected, en
        clamped = min(max(expected, lower), upper)
        assert clamped - (i in losers) == seats, en
        assert ("lost a tie" in en) == (i in losers)
        assert ("won a tie" in en) == (i in winners)
        checked["ties"] += i in losers or i in winners
        if expected > upper:
            assert "capped at" in en
        elif expected < lower:
            assert "raised to" in en
        checked["quotients"] += 1
    # One scope, one divisor: a derived divisor is the same in every sentence of its scope.
    assert all(len(divisors) == 1 for divisors in derived.values())
    return checked


def test_sentences_of_random_plans_agree_with_the_plans():
    totals: dict[str, int] = {}
    methods = set()
    for plan in random_plans():
        methods.add(plan.problem.method)
        for key, value in check_sentences(plan).items():
            totals[key] = totals.get(key, 0) + value
    assert len(methods) == 5
    # The random plans reach every kind of sentence the checks cover.
    assert all(totals[key] > 0 for key in totals), totals


def test_sentences_of_the_sample_plans_agree_with_the_plans():
    baseline, floors = sample_plans()
    assert check_sentences(baseline)["quotients"] > 500
    checked = check_sentences(floors)
    # The sector-floor scenario has three ties: four employers for the cap's last three
    # permits, and two employers each in the finance and the information-services groups.
    assert checked["ties"] == 8


def test_hand_worked_sainte_lague():
    # Claims 50, 30, 20 with 10 permits: D = 10 gives quotients 5, 3, 2, exactly.
    plan = plan_for([employer(1, demand_total=50), employer(2, demand_total=30),
                     employer(3, demand_total=20)], 10)
    sentence = explain_employer(plan, 0)
    assert sentence.en == (
        "Requested 50; eligible 50; floor 0, ceiling 50; weight 1; claim 1 × 50 = 50; "
        "quotient 50 ÷ 10 = 5 (divisor of the allocatable cap), rounded to 5 by "
        "Sainte-Laguë; allocated 5.")
    assert sentence.zh == (
        "申报50个；合格50个；下限0个、上限50个；权重1；分配依据1×50=50；"
        "商50÷10=5（按全区可分配总量的除数），按圣拉古法取整为5；分配5个。")


def test_hand_worked_tie_at_the_cut_off():
    # Claims 7, 2, 1 and 5 permits (Sainte-Laguë): A's 4th permit (7 / 3.5 = 2) and C's first
    # (1 / 0.5 = 2) tie at the divisor 2; the earlier submission (C) wins.
    plan = plan_for([employer(1, demand_total=7, submitted_on=date(2026, 11, 2)),
                     employer(2, demand_total=2, submitted_on=date(2026, 11, 1)),
                     employer(3, demand_total=1, submitted_on=date(2026, 10, 9))], 5)
    assert [plan.seats(i) for i in range(3)] == [3, 1, 1]
    a, c = explain_employer(plan, 0), explain_employer(plan, 2)
    assert "quotient 7 ÷ 2 = 3.5" in a.en and "rounded to 4" in a.en
    assert "exactly at the rounding threshold" in a.en
    assert a.en.endswith("allocated 3: lost a tie of 2 employers for the last 1 permit(s), "
                         "tie broken by submission date, one below the rounding.")
    assert "quotient 1 ÷ 2 = 0.5" in c.en and "won a tie" in c.en
    assert "按申报日期先后胜出" in c.zh and "按申报日期先后未得" in a.zh


def test_hand_worked_cuts_bounds_and_weights():
    # 10 requested; attrition 15 % > 10 % cuts half (5); one leaver within three months cuts
    # 1 more: eligible 4. Top-100 with 3 senior managers: floor 3. Finance 1.5 × category 3
    # at 2 × top-100 1.1 = 3.3; claim 13.2.
    records = [employer(1, demand_total=10, sector="finance", categories=(3,), top100=True,
                        demand_senior=3, demand_other=7, attrition_rate=Decimal("0.15"),
                        lost_within_3m=1),
               employer(2, demand_total=40), employer(3, demand_total=4, status="blacklisted")]
    plan = plan_for(records, 10, **WEIGHTED)
    first = explain_employer(plan, 0).en
    assert first.startswith("Requested 10; eligible 4 (attrition above the threshold, "
                            "Art. 16(3), −5, leavers within three months, Art. 16(3), −1); "
                            "floor 3, ceiling 4 (top-100 guarantee of 3 under Art. 8); "
                            "weight 3.3 (sector Finance ×1.5 under Art. 8, category 'Key "
                            "financial institutions' ×2 under Art. 8(3), top-100 firm ×1.1 "
                            "under Art. 8, the multipliers multiplied together); "
                            "claim 3.3 × 4 = 13.2")
    assert explain_employer(plan, 2).en == \
        "Requested 4; excluded: blacklisted under Art. 16; allocated 0."
    assert explain_employer(plan, 2).zh == "申报4个；不予分配：列入黑名单（第十六条）；分配0个。"


def test_hamilton_quota_and_remainders():
    # Hamilton, 10 permits for claims 6, 6, 2: quotas 60/14 ≈ 4.2857 (twice) and 20/14 ≈
    # 1.4286; one permit is left after 4 + 4 + 1, and the largest remainder (0.4286) takes it.
    plan = plan_for([employer(1, demand_total=6), employer(2, demand_total=6),
                     employer(3, demand_total=2)], 10, **{"method.rule": "hamilton"})
    assert [plan.seats(i) for i in range(3)] == [4, 4, 2]
    a, c = explain_employer(plan, 0).en, explain_employer(plan, 2).en
    assert "≈ 4.2857, remainder not among the largest: rounded down to 4" in a
    assert "≈ 1.4286, remainder among the largest: rounded up to 2" in c
    assert [e.quota for e in explain_plan(plan)] == [Fraction(60, 14)] * 2 + [Fraction(20, 14)]


def test_irrational_hill_tie_gets_a_rational_divisor_just_below_it():
    # Huntington–Hill, 3 permits for two claims of 2: first permits are certain, then both
    # second permits have priority 2 / √2 = √2 — a tie at an irrational divisor. Any D < √2
    # (and above every refused seat, here none) reproduces the plan with the loser rounding up.
    plan = plan_for([employer(1, demand_total=2), employer(2, demand_total=2)], 3,
                    **{"method.rule": "huntington-hill"})
    assert plan.divisor is None and len(plan.ties) == 1
    explanations = explain_plan(plan)
    divisor = explanations[0].divisor
    assert explanations[0].derived_divisor and divisor is not None
    assert divisor * divisor < 2
    for e in explanations:
        assert rounded(Method.HUNTINGTON_HILL, e.claim / divisor) - e.tie_lost == e.allocated
    check_sentences(plan)


def test_quotients_are_shown_on_the_right_side_of_the_threshold():
    from allocator.explain import _show_quotient

    assert decimal_text(Fraction(1152, 100)) == ("11.52", True)
    assert decimal_text(Fraction(2, 3), 4) == ("0.6667", False)
    assert decimal_text(Fraction(249996, 100000)) == ("2.5", False)
    # 2.49996 shown as 2.5 would seem to round up under Sainte-Laguë: more digits are shown.
    assert _show_quotient(Method.SAINTE_LAGUE, Fraction(249996, 100000)) == ("2.49996", True)
    assert _show_quotient(Method.SAINTE_LAGUE, Fraction(7, 3)) == ("2.33", False)
    # 2.4996666…: 2.5 at two or three decimals, on the wrong side; four show it is below.
    assert _show_quotient(Method.SAINTE_LAGUE, Fraction(5, 2) - Fraction(1, 3000)) == \
        ("2.4997", False)
    # Just below Huntington–Hill's threshold √2 ≈ 1.41421: 1.41 and 1.414 are below it too.
    assert _show_quotient(Method.HUNTINGTON_HILL, Fraction(14142, 10000)) == ("1.41", False)
    # Just above D'Hondt's threshold 3: 3.00 would be exactly at it.
    assert _show_quotient(Method.DHONDT, Fraction(3) + Fraction(1, 10**6)) == ("3.000001", True)
    # 10⁻¹⁴ above Dean's threshold 40/9 = 4.444…: every decimal up to twelve places
    # (4.44, 4.444, …) lies below the threshold and would round down; the exact fraction
    # (40·10¹⁴ + 9) / (9·10¹⁴), already in lowest terms, is shown instead.
    assert _show_quotient(Method.DEAN, Fraction(40, 9) + Fraction(1, 10**14)) == \
        ("4000000000000009/900000000000000", True)


def test_plan_summary_hand_worked():
    # Finance 10 (×1 weights), culture 6, other 4 but suspended; cap 12 → D'Hondt.
    records = [employer(1, demand_total=10, sector="finance", categories=(1,)),
               employer(2, demand_total=6, sector="culture", top100=True, demand_senior=2,
                        demand_other=4),
               employer(3, demand_total=4, status="suspended", unit_type="institution")]
    plan = plan_for(records, 12, **{"method.rule": "dhondt"})
    # The suspended employer is excluded. D'Hondt: employer 2 starts at its guarantee of 2;
    # the other 10 permits go by priority 10/1, 10/2, 10/3, 10/4, then 10/5 = 6/3 = 2 (both),
    # 10/6, 6/4, 10/7, 10/8: 8 for employer 1, 2 + 2 for employer 2.
    assert [plan.seats(i) for i in range(3)] == [8, 4, 0]
    summary = plan_summary(plan)
    sector = summary.by_sector
    assert sector.loc["finance", "allocated"] == 8 and sector.loc["culture", "allocated"] == 4
    assert sector.loc["other", "requested"] == 4 and sector.loc["other", "eligible"] == 0
    assert sector["allocated"].sum() == plan.allocated == 12
    assert sector.loc["finance", "fill_requested"] == pytest.approx(0.8)
    assert sector.loc["culture", "fill_eligible"] == pytest.approx(4 / 6)
    assert np.isnan(sector.loc["other", "fill_eligible"])
    assert summary.by_top100.loc["top100", "allocated"] == 4
    assert summary.by_top100.loc["top100", "guaranteed"] == 2
    assert summary.by_category.loc["1", "allocated"] == 8
    assert summary.by_category.loc["none", "employers"] == 2
    assert summary.by_unit_type.loc["institution", "requested"] == 4
    assert summary.excluded.loc["STATUS_SUSPENDED", "employers"] == 1
    assert summary.excluded.loc["STATUS_SUSPENDED", "permits"] == 4
    assert summary.fill_requested == Fraction(12, 20)
    assert summary.fill_eligible == Fraction(12, 16)
    assert summary.surplus is None
    assert any("60%" in line.zh and "75%" in line.zh for line in summary.lines)
    assert (summary.lines[0].zh, summary.lines[0].en) == (
        "年度总量12个，预留0个，可分配12个；申报20个，合格16个。",
        "Annual cap 12, reserve 0, allocatable 12; requested 20, eligible 16.")
    # Weakest awarded: employer 1's 8th permit, 10/8 = 1.25; strongest refused: employer 2's
    # 5th, 6/5 = 1.2. Fewest digits strictly inside (1.2, 1.25): 1.21 … 1.24; 1.22 and 1.23 lie
    # equally near the midpoint 1.225, and the larger is taken.
    [scope] = summary.scopes.to_dict("records")
    assert (scope["name"], scope["employers"], scope["allocated"], scope["divisor"],
            scope["divisor_exact"], scope["divisor_interval"]) == (
        "cap", 2, 12, 1.23, "123/100", ["1.2", "1.25"])


def test_surplus_says_why():
    plan = plan_for([employer(1, demand_total=3), employer(2, demand_total=4)], 10)
    summary = plan_summary(plan)
    assert summary.unallocated == 3
    assert summary.surplus is not None
    assert summary.surplus.zh == "合格需求7个（计单位上限后7个）少于可分配总量10个，3个指标未分配。"
    # A group at its ceiling with everyone else at theirs also leaves permits over.
    records = [employer(1, demand_total=30, sector="finance"), employer(2, demand_total=5)]
    plan = plan_for(records, 30, groups={"fin": {"sector": "finance", "max": 12}})
    summary = plan_summary(plan)
    assert plan.allocated == 17 and summary.unallocated == 13
    assert summary.surplus is not None
    assert summary.surplus.en == (
        "13 permits stay unallocated: every other employer is at its ceiling, and these groups "
        "are at theirs: 'fin' (priority sector 'Finance'), ceiling 12.")


def test_an_infeasible_plan_is_explained_up_to_the_claim():
    # The top-100 guarantee of 3 does not fit a cap of 2: no allocation, and the sentence
    # says so after the numbers that do exist.
    plan = plan_for([employer(1, demand_total=3, top100=True, demand_senior=3, demand_other=0),
                     employer(2, demand_total=2)], 2)
    assert plan.status is PlanStatus.INFEASIBLE
    sentence = explain_employer(plan, 0)
    assert sentence.en == ("Requested 3; eligible 3; floor 3, ceiling 3 (top-100 guarantee of 3 "
                           "under Art. 8); weight 1; claim 1 × 3 = 3; the scenario is "
                           "infeasible: nothing allocated.")
    summary = plan_summary(plan)
    assert summary.allocated is None and summary.lines[-1].zh == "方案不可行，未分配。"


# -- the divisor interval (issue 13) ---------------------------------------------------------
def test_the_divisor_lies_inside_its_interval_and_no_sentence_invents_a_tie():
    # D'Hondt, claims 53, 24, 23 and 7 permits: A 4, B 2, C 1. The weakest permit handed out
    # is B's second (24/2 = 12), the strongest refused C's second (23/2 = 11.5): every
    # divisor strictly between 11.5 and 12 gives this plan. The old choice, 12, put B's
    # quotient exactly on its threshold 2 — a "tie" that is not one. 11.8 is inside.
    from allocator.plan import plan_json

    plan = plan_for([employer(1, demand_total=53), employer(2, demand_total=24),
                     employer(3, demand_total=23)], 7, **{"method.rule": "dhondt"})
    assert [plan.seats(i) for i in range(3)] == [4, 2, 1]
    result = plan_json(plan)
    assert result["divisor_interval"] == ["11.5", "12"]
    assert result["divisor"] == 11.8 and result["scopes"][0]["divisor_interval"] == ["11.5", "12"]
    assert not plan.ties
    for explanation in explain_plan(plan):
        assert "threshold" not in explanation.sentence.en, explanation.sentence.en
        assert "界点" not in explanation.sentence.zh
    assert "24 ÷ 11.8 ≈ 2.03" in explain_employer(plan, 1).en
    line = next(line for line in plan_summary(plan).lines if "D'Hondt" in line.en)
    assert "strictly between 11.5 and 12" in line.en and "11.5与12之间" in \
        next(line for line in plan_summary(plan).lines if "洪德法" in line.zh).zh


def test_a_real_tie_is_a_single_point_interval():
    # Claims 7, 2, 1 and 5 permits, Sainte-Laguë: A's 4th permit (7/3.5) and C's first
    # (1/0.5) tie at 2 — the only divisor, and the sentences say so.
    from allocator.plan import plan_json

    plan = plan_for([employer(1, demand_total=7), employer(2, demand_total=2),
                     employer(3, demand_total=1)], 5)
    assert plan_json(plan)["divisor_interval"] == ["2", "2"]
    assert "exactly at the rounding threshold" in explain_employer(plan, 0).en


def test_each_binding_group_has_its_own_interval():
    # Finance (claims 60, 40) capped at 30 permits: 18 and 12; weakest awarded 60/17.5 =
    # 24/7, strongest refused 60/18.5 = 120/37 — exact fractions, not decimals.
    from allocator.plan import plan_json

    records = [employer(1, demand_total=60, sector="finance"),
               employer(2, demand_total=40, sector="finance"), employer(3, demand_total=10)]
    plan = plan_for(records, 100, groups={"fin": {"sector": "finance", "max": 30}})
    scopes = {s["name"]: s for s in plan_json(plan)["scopes"]}
    assert scopes["fin"]["divisor_interval"] == ["120/37", "24/7"]
    assert scopes["fin"]["divisor"] == 3.3
    assert scopes["cap"]["divisor_interval"] is None  # nobody outside finance was refused


def test_hill_interval_ends_are_written_as_exact_square_roots():
    # Huntington–Hill, claims 10, 6, 3 and 9 permits (A 5, B 3, C 1): weakest awarded A's
    # fifth, 10/√20, i.e. √5; strongest refused C's second, 3/√2, i.e. √(9/2).
    from allocator.plan import plan_json

    plan = plan_for([employer(1, demand_total=10), employer(2, demand_total=6),
                     employer(3, demand_total=3)], 9, **{"method.rule": "huntington-hill"})
    assert plan_json(plan)["divisor_interval"] == ["sqrt(4.5)", "sqrt(5)"]
    assert plan.divisor == Fraction(22, 10)


# -- sanctions in the sentence, and the summary that counts them ------------------------------
def test_every_sanction_is_in_the_sentence_even_a_cut_of_zero_and_the_summary_agrees():
    # Under "down" rounding four employers asking for 2 each lose 20 % of 2 = 0.4 → 0 for a
    # violation of item 6; a fifth asking 10 loses 2. The summary counts all five, says four
    # lost nothing, and the plan's list of cuts (平局与调整) lists the same five.
    from allocator.excel import adjustment_rows

    records = [*[employer(i, demand_total=2, violations=(6,)) for i in range(1, 5)],
               employer(5, demand_total=10, violations=(6,)), employer(6, demand_total=5)]
    plan = plan_for(records, 30, **{"sanctions.share_rounding": "down"})
    sentences = explain_plan(plan)
    assert "eligible 2 (violation, Art. 16(6), −0)" in sentences[0].sentence.en
    assert "合格2个（因违规情形依第十六条第六项减0个）" in sentences[0].sentence.zh
    assert "eligible 8 (violation, Art. 16(6), −2)" in sentences[4].sentence.en
    summary = plan_summary(plan)
    assert summary.cuts.loc["VIOLATION_CUT", ["employers", "permits", "unchanged"]].tolist() \
        == [5, 2, 4]
    assert "压减5家单位（其中4家按规则减0个），共减2个。" in [line.zh for line in summary.lines]
    assert len(adjustment_rows(plan, sentences, "zh")["cuts"]) == 5
    # By default nobody escapes: each of the four loses one.
    default = plan_for(records, 30)
    assert plan_summary(default).cuts.loc["VIOLATION_CUT", "unchanged"] == 0
    assert "−1" in explain_employer(default, 0).en


def test_the_sentence_shows_each_multiplier_and_how_they_combine():
    record = employer(1, demand_total=10, sector="finance", categories=(3,))
    product = explain_employer(plan_for([record], 10, **{"weights.sector.finance": "1.2",
                                                         "weights.category.3": "1.2"}), 0)
    assert ("weight 1.44 (sector Finance ×1.2 under Art. 8, category 'Key financial "
            "institutions' ×1.2 under Art. 8(3), the multipliers multiplied together)") \
        in product.en
    assert "依第八条第三项重点支持“重点金融机构”×1.2，各项系数相乘" in product.zh
    largest = explain_employer(plan_for([record], 10, **{
        "weights.sector.finance": "1.2", "weights.category.3": "1.5",
        "weights.combine": "largest"}), 0)
    assert "weight 1.5 (" in largest.en and "×1.2 under Art. 8" in largest.en
    assert "only the largest applies, as the scenario says" in largest.en


def test_the_summary_says_when_the_top100_guarantee_is_inert():
    # A top-100 firm and an ordinary firm with identical demand get the same 10 permits: the
    # key-staff share is 0, so "全力支持" of Art. 8 changes nothing, and the summary says so.
    records = [employer(1, demand_total=10, top100=True, demand_senior=0, demand_key_staff=10,
                        demand_other=0), employer(2, demand_total=10)]
    plan = solve(build_problem(submissions(records), default_scenario(20)))
    assert [plan.seats(0), plan.seats(1)] == [10, 10]
    lines = [line.zh for line in plan_summary(plan).lines]
    assert any("业务骨干保障比例为0" in line and "第八条" in line for line in lines)


# -- one language only (the plan workbook, issue 15) -----------------------------------------
def _same_but_the_sentence(a, b) -> bool:
    fields = [f for f in a.__dataclass_fields__ if f != "sentence"]
    return all(getattr(a, f) == getattr(b, f) for f in fields)


@cache
def generated_plan() -> Plan:
    """A random 2,000-employer district (the sample generator) under the weighted baseline."""
    from allocator.sample import generate

    records = [{**r, "row": i + 2} for i, r in
               enumerate(generate(2000, 29, 2027).to_dict("records"))]
    demand = submissions(records)
    return solve(build_problem(demand, load_scenario(ROOT / "scenarios" /
                                                     "finance_culture_first.toml")))


@pytest.mark.parametrize("which", ["sample", "random", "generated"])
def test_one_language_renders_the_same_sentences(which):
    plans = {"sample": sample_plans, "random": random_plans,
             "generated": lambda: [generated_plan()]}[which]()
    for plan in plans:
        both = explain_plan(plan)
        for lang in ("zh", "en"):
            alone = explain_plan(plan, lang)
            assert [e.sentence.get(lang) for e in alone] == [e.sentence.get(lang) for e in both]
            assert all(_same_but_the_sentence(a, b) for a, b in zip(alone, both, strict=True))
            other = "en" if lang == "zh" else "zh"
            assert all(e.sentence.get(other) == "" for e in alone)  # never shown by mistake
        # Outside the call both languages are rendered again.
        assert explain_employer(plan, 0).zh and explain_employer(plan, 0).en


# -- mutation survivors (docs/mutation.md): worked by hand ------------------------------------
def test_warning_lines_give_the_surplus_note_unless_asked_not_to():
    from test_model import plan_for

    from allocator.explain import warning_lines

    # Demand 3 + 4 (the third employer is blacklisted) against a cap of 100: 93 left over.
    plan = plan_for([employer(1, demand_total=3), employer(2, demand_total=4),
                     employer(3, demand_total=5, status="blacklisted")], 100)
    [line] = warning_lines(plan)
    assert "93" in line.en and "93" in line.zh
    assert warning_lines(plan, surplus=False) == []


@pytest.mark.parametrize(("low", "high", "divisor"), [
    # D² must lie in (low, high); the fewest significant digits first, then the largest.
    (Fraction(2), Fraction(3), Fraction(17, 10)),  # 1² = 1 too low, 2² = 4 too high; 1.7² = 2.89
    (Fraction(1), Fraction(60), Fraction(7)),  # 7² = 49 (8² = 64); not 7.7, a digit more
    (Fraction(1), Fraction(49), Fraction(6)),  # 7² = 49 is not below 49
    (Fraction(1), Fraction(6 * 10**12), Fraction(2 * 10**6)),  # (2·10⁶)² = 4·10¹²; 3·10⁶ too big
])
def test_the_hill_divisor_between_two_squares_has_the_fewest_digits(low, high, divisor):
    from allocator.explain import _decimal_between_squares

    assert _decimal_between_squares(low, high) == divisor


def test_hamilton_quotas_above_a_guaranteed_floor():
    # Hamilton, 20 permits, at least 3 each: claims 90, 9 and 1 (the last can take 1 only).
    # With λ = 16/90 the quotas are clamp(90λ, 3, 90) = 16, clamp(9λ = 1.6, 3, 9) = 3 and 1:
    # 16 + 3 + 1 = 20, whole, so nobody is rounded.
    from test_model import plan_for

    plan = plan_for([employer(1, demand_total=90), employer(2, demand_total=9),
                     employer(3, demand_total=1)], 20,
                    **{"method.rule": "hamilton", "method.min_per_employer": 3})
    assert [plan.seats(i) for i in range(3)] == [16, 3, 1]
    assert "Hamilton share (largest remainders, for comparison only) exactly 16; allocated 16." \
        in explain_employer(plan, 0).en
    assert "exactly 3; allocated 3." in explain_employer(plan, 1).en


def test_irrational_hill_tie_divisor_stays_above_every_refused_seat():
    # Huntington–Hill, 5 permits for claims 2, 2, 3. First permits are certain (3 given), then
    # the third's second permit (3/√2 ≈ 2.12), then one of the two tied second permits (2/√2 =
    # √2 ≈ 1.414). Refused: the tie's loser and the third's third permit (3/√6 ≈ 1.22). So
    # 1.22 < D < 1.414, i.e. 1.5 < D² < 2: the fewest digits give D = 1.4 (1.96).
    from test_model import plan_for

    plan = plan_for([employer(1, demand_total=2), employer(2, demand_total=2),
                     employer(3, demand_total=3)], 5, **{"method.rule": "huntington-hill"})
    assert sorted(plan.seats(i) for i in range(2)) == [1, 2] and plan.seats(2) == 2
    explanations = explain_plan(plan)
    assert {e.divisor for e in explanations} == {Fraction(7, 5)}
    assert all(e.derived_divisor for e in explanations)


def test_the_summary_table_of_exclusions_reads_in_both_languages():
    from test_model import plan_for

    plan = plan_for([employer(1, demand_total=3), employer(2, demand_total=4),
                     employer(3, demand_total=5, status="blacklisted")], 100)
    assert plan_summary(plan).excluded.to_dict("index") == {"STATUS_BLACKLISTED": {
        "label_zh": "列入黑名单", "label_en": "blacklisted", "article_zh": "第十六条",
        "article_en": "Art. 16", "employers": 1, "permits": 5, "unchanged": 0}}


@pytest.mark.parametrize(("value", "shown"), [
    (Fraction(1, 3), "0.333333"), (Fraction(2, 3), "0.666667"),  # six places, rounded
    (Decimal("1.25"), "1.25"), (Fraction(1, 8), "0.125"),  # terminating: exact
])
def test_exact_text_is_exact_when_it_terminates_else_six_places(value, shown):
    from allocator.explain import exact_text

    assert exact_text(value) == shown


# -- mutation survivors, third sample (docs/mutation.md) -------------------------------------
def test_an_interval_bound_that_does_not_terminate_is_shown_to_six_places():
    # D'Hondt, 3 permits for claims 10 and 2: A takes 10, 10/2 = 5 and 10/3; refused are A's
    # fourth (10/4 = 2.5) and B's first (2). Every divisor strictly between 2.5 and
    # 10/3 = 3.333… gives this plan.
    from allocator.explain import interval_text

    plan = plan_for([employer(1, demand_total=10), employer(2, demand_total=2)], 3,
                    **{"method.rule": "dhondt"})
    assert [plan.seats(0), plan.seats(1)] == [3, 0]
    shown = interval_text(plan.scopes[0])
    assert "strictly between 2.5 and ≈3.333333 gives" in shown.en
    assert "≈3.333333" in shown.zh


def test_an_irrational_hill_bound_is_shown_to_six_places():
    # Huntington–Hill, 5 permits for claims 2, 2, 3 (as above): the two tied second permits
    # sit at 2/√2 = √2 = 1.4142135…, the only divisor of this plan, shown to six places.
    from test_model import plan_for as hill_plan_for

    from allocator.explain import interval_text

    plan = hill_plan_for([employer(1, demand_total=2), employer(2, demand_total=2),
                          employer(3, demand_total=3)], 5, **{"method.rule": "huntington-hill"})
    shown = interval_text(plan.scopes[0]).en
    assert "the tie point ≈1.414214, where" in shown, shown


def test_a_ceiling_and_a_guarantee_cut_to_it_are_explained_with_their_articles():
    # A per-employer ceiling of 3 (total-volume control, Art. 4): a top-100 firm with 5 senior
    # managers has its guarantee of 5 cut to 3, two fewer.
    plan = plan_for([employer(1, demand_total=8, top100=True, demand_senior=5, demand_other=3),
                     employer(2, demand_total=8)], 20, **{"method.max_per_employer": 3})
    sentence = explain_employer(plan, 0).en
    assert "the scenario's per-employer ceiling of 3 (total-volume control, Art. 4)" in sentence
    assert "guarantee limited to the ceiling, −2" in sentence
    assert "依方案单位上限（第四条总量控制）3个" in explain_employer(plan, 0).zh
    assert plan_summary(plan).scopes["name"].tolist() == ["cap"]


@pytest.mark.parametrize(("code", "zh", "en"), [
    ("finance", "金融", "Finance"), ("culture", "文化", "Culture"),
    ("information", "信息服务", "Information services"), ("other", "其他", "Other"),
    ("xyz", "xyz", "xyz"),  # a code the table does not know is shown as it is
])
def test_a_sectors_label_in_both_languages(code, zh, en):
    from allocator.explain import sector_label

    label = sector_label(code)
    assert (label.zh, label.en) == (zh, en)


def test_a_group_at_its_ceiling_is_explained_by_its_own_divisor_worked_by_hand():
    # Sainte-Laguë, cap 40; finance (claims 30 and 20) may take at most 12. Inside the group,
    # D ∈ (30/7.5, 30/6.5] ∩ (20/5.5, 20/4.5] = (4, 4.444…]: one decimal, 4.1 … 4.4, nearest the
    # midpoint 4.22 is 4.2, so 30/4.2 ≈ 7.14 → 7 and 20/4.2 ≈ 4.76 → 5. The other 28 go to
    # the claim of 40: D ∈ (40/28.5, 40/27.5] = (1.4035, 1.4545]; two decimals, nearest the
    # midpoint 1.429 is 1.43, and 40/1.43 ≈ 27.97 → 28.
    records = [employer(1, demand_total=30, sector="finance"),
               employer(3, demand_total=20, sector="finance"), employer(2, demand_total=40)]
    plan = plan_for(records, 40, groups={"fin": {"sector": "finance", "max": 12}})
    explanations = explain_plan(plan)
    assert [(e.allocated, e.rounded, e.quotient) for e in explanations] == [
        (7, 7, Fraction(50, 7)), (5, 5, Fraction(100, 21)), (28, 28, Fraction(4000, 143))]
    assert explanations[0].sentence.en == (
        "Requested 30; eligible 30; floor 0, ceiling 30; weight 1; claim 1 × 30 = 30; quotient "
        "30 ÷ 4.2 ≈ 7.14 (divisor of group 'fin' (priority sector 'Finance'), whose bound "
        "binds), rounded to 7 by Sainte-Laguë; allocated 7.")
    assert explanations[2].sentence.zh == (
        "申报40个；合格40个；下限0个、上限40个；权重1；分配依据1×40=40；商40÷1.43≈27.97"
        "（按全区可分配总量的除数），按圣拉古法取整为28；分配28个。")
