"""Every gate, cut, bound and weight of the policy, each with its reason, worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from allocator.examples import employer, submissions
from allocator.policy import ARTICLES, build_problem
from allocator.scenario import default_scenario


def one(record: dict, **changes) -> dict:
    """The policy's view of a single employer under the default scenario plus ``changes``."""
    scenario = default_scenario(100).with_values(changes)
    problem = build_problem(submissions([record]), scenario)
    return problem.employers.iloc[0].to_dict()


def codes(row: dict) -> list[str]:
    return [r.code for r in row["reasons"]]


def test_a_plain_employer_keeps_its_demand():
    row = one(employer(1, demand_total=7))
    assert (row["requested"], row["eligible"], row["upper"], row["guaranteed"]) == (7, 7, 7, 0)
    assert row["reasons"] == []


@pytest.mark.parametrize(("fields", "code"), [
    ({"unit_type": "other"}, "UNIT_TYPE_INELIGIBLE"),
    ({"status": "suspended"}, "STATUS_SUSPENDED"),
    ({"status": "terminated"}, "STATUS_TERMINATED"),
    ({"status": "blacklisted"}, "STATUS_BLACKLISTED"),
    ({"negative_list": "prohibited"}, "NEGATIVE_LIST_PROHIBITED"),
    ({"negative_list": "restricted"}, "NEGATIVE_LIST_RESTRICTED"),
])
def test_gates_exclude_with_their_article(fields, code):
    row = one(employer(1, demand_total=9, **fields))
    assert (row["eligible"], row["upper"], row["claim"]) == (0, 0, 0)
    [reason] = row["reasons"]
    assert (reason.code, reason.amount, reason.article) == (code, -9, ARTICLES[code])
    assert reason.message.zh and reason.message.en


@pytest.mark.parametrize("fields", [
    {"unit_type": "law_firm"}, {"unit_type": "branch"}, {"status": "normal"},
    {"negative_list": "none"},
])
def test_eligible_types_and_statuses_pass(fields):
    assert one(employer(1, demand_total=9, **fields))["eligible"] == 9


def test_several_gates_are_all_cited_but_remove_the_demand_once():
    row = one(employer(1, demand_total=9, status="blacklisted", negative_list="prohibited"))
    assert codes(row) == ["STATUS_BLACKLISTED", "NEGATIVE_LIST_PROHIBITED"]
    assert sum(r.amount for r in row["reasons"]) == -9


def test_eligible_unit_types_are_a_scenario_parameter():
    record = employer(1, demand_total=9, unit_type="other")
    everyone = [c for c in ("enterprise", "institution", "other")]
    assert one(record, **{"eligibility.unit_types": everyone})["eligible"] == 9


@pytest.mark.parametrize("status", ["suspended", "terminated", "blacklisted"])
def test_every_excludable_status_excludes_with_its_reason(status):
    record = employer(1, demand_total=9, status=status)
    row = one(record, **{"eligibility.excluded_statuses": [status]})
    assert row["eligible"] == 0 and codes(row) == [f"STATUS_{status.upper()}"]
    assert one(record, **{"eligibility.excluded_statuses": []})["eligible"] == 9


def test_normal_status_cannot_be_excluded():
    # It once passed the scenario and then crashed the policy (found by tests/test_solve_fuzz).
    from allocator.errors import InputError

    with pytest.raises(InputError) as refused:
        default_scenario(100).with_values({"eligibility.excluded_statuses": ["normal"]})
    assert "eligibility.excluded_statuses" in refused.value.issues[0].column


def test_restricted_industry_can_be_cut_or_ignored_instead_of_excluded():
    record = employer(1, demand_total=9, negative_list="restricted")
    cut = one(record, **{"sanctions.restricted_industry": Decimal("0.5")})
    assert cut["eligible"] == 5  # 9 − floor(0.5 × 9) = 9 − 4
    assert codes(cut) == ["RESTRICTED_CUT"] and cut["reasons"][0].amount == -4
    assert one(record, **{"sanctions.restricted_industry": "none"})["eligible"] == 9


@pytest.mark.parametrize(("rate", "eligible"), [
    (Decimal("0.10"), 10),  # exactly at the 10 % line: not above it, no cut
    (Decimal("0.1000001"), 5),  # just above: half of 10 removed
    (Decimal("0.35"), 5),
    (Decimal("0.0999"), 10),
])
def test_attrition_cut_strictly_above_the_threshold(rate, eligible):
    row = one(employer(1, demand_total=10, attrition_rate=rate),
              **{"sanctions.attrition_cut": Decimal("0.5")})
    assert row["eligible"] == eligible
    assert codes(row) == ([] if eligible == 10 else ["ATTRITION_CUT"])


def test_an_attrition_cut_says_the_rate_the_threshold_and_the_share_in_percent():
    # 35 % attrition above the 10 % line, half cut: 10 → 5.
    row = one(employer(1, demand_total=10, attrition_rate=Decimal("0.35")),
              **{"sanctions.attrition_cut": Decimal("0.5")})
    [reason] = row["reasons"]
    assert reason.message.en == "One-year attrition 35% above 10% (Art. 16(3)): cut by 50%, −5."
    assert reason.message.zh == "近一年流失率35%超过10%（第十六条第三项），压减50%：减5个。"


def test_attrition_threshold_is_a_parameter():
    row = one(employer(1, demand_total=10, attrition_rate=Decimal("0.09")),
              **{"sanctions.attrition_threshold": Decimal("0.08"),
                 "sanctions.attrition_cut": 3})
    assert row["eligible"] == 7  # a count cut removes 3 permits


def test_three_month_leavers_count_per_leaver_and_share_once():
    record = employer(1, demand_total=10, lost_within_3m=2)
    per_leaver = one(record, **{"sanctions.lost_within_3m_cut": 1})
    assert per_leaver["eligible"] == 8 and per_leaver["reasons"][0].amount == -2
    share = one(record, **{"sanctions.lost_within_3m_cut": Decimal("0.3")})
    assert share["eligible"] == 7  # floor(0.3 × 10) = 3, once


def test_violations_apply_in_item_order_to_what_remains():
    record = employer(1, demand_total=10, violations=(2, 5))
    row = one(record, **{"sanctions.violation_cut.2": Decimal("0.5"),
                         "sanctions.violation_cut.5": Decimal("0.3")})
    # 10 − floor(0.5·10) = 5; 5 − floor(0.3·5) = 4
    assert row["eligible"] == 4
    assert [r.amount for r in row["reasons"]] == [-5, -1]
    assert [(r.code, r.article) for r in row["reasons"]] == [("VIOLATION_CUT", "16(2)"),
                                                              ("VIOLATION_CUT", "16(5)")]
    assert "第十六条第二项" in row["reasons"][0].message.zh
    assert "Art. 16(5)" in row["reasons"][1].message.en


def test_a_full_share_violation_removes_everything():
    row = one(employer(1, demand_total=10, violations=(4,)),
              **{"sanctions.violation_cut.4": Decimal("1.0")})
    assert row["eligible"] == 0 and row["claim"] == 0


def test_share_cuts_round_down_exactly():
    # 0.3 × 10 is 3 exactly (a float product would be 2.9999999999999996 → 2).
    row = one(employer(1, demand_total=10, attrition_rate=Decimal("0.5")),
              **{"sanctions.attrition_cut": Decimal("0.3")})
    assert row["eligible"] == 7


@pytest.mark.parametrize(("used", "eligible"), [(7, 15), (8, 20), (None, 20)])
def test_utilisation_cut(used, eligible):
    row = one(employer(1, demand_total=20, prior_quota=10, prior_used=used),
              **{"utilisation.min_rate": Decimal("0.8"), "utilisation.cut": Decimal("0.25")})
    assert row["eligible"] == eligible


def test_per_employer_ceilings():
    record = employer(1, demand_total=30)
    absolute = one(record, **{"method.max_per_employer": 12})
    assert (absolute["eligible"], absolute["upper"]) == (30, 12)
    assert absolute["reasons"][0].code == "CEILING" and absolute["reasons"][0].amount == -18
    share = one(record, **{"method.max_share": Decimal("0.15")})  # 15 % of 100
    assert share["upper"] == 15


def test_top100_guarantee_senior_in_full_and_a_share_of_key_staff():
    record = employer(1, demand_total=20, top100=True, demand_senior=3, demand_key_staff=10,
                      demand_other=7)
    row = one(record, **{"guarantee.top100_senior": Decimal("1"),
                         "guarantee.top100_key_staff": Decimal("0.25")})
    assert row["guaranteed"] == 5  # 3 + floor(0.25 × 10)
    assert codes(row) == ["TOP100_GUARANTEE"]


def test_guarantee_never_exceeds_the_upper_bound():
    record = employer(1, demand_total=20, top100=True, demand_senior=8, demand_key_staff=12,
                      violations=(4,))
    row = one(record, **{"sanctions.violation_cut.4": 15})  # 20 − 15 = 5 eligible
    assert (row["eligible"], row["guaranteed"]) == (5, 5)
    assert codes(row) == ["VIOLATION_CUT", "TOP100_GUARANTEE", "GUARANTEE_LIMITED"]
    # A cut given as a count reads as a number of permits.
    cut = row["reasons"][0]
    assert "15 permit(s)" in cut.message.en and cut.amount == -15


def test_firms_outside_the_top100_get_no_guarantee():
    record = employer(1, demand_total=20, top100=False, demand_senior=8)
    assert one(record)["guaranteed"] == 0


def test_floor_for_every_eligible_employer():
    assert one(employer(1, demand_total=5), **{"method.min_per_employer": 2})["guaranteed"] == 2
    excluded = one(employer(1, demand_total=5, status="suspended"),
                   **{"method.min_per_employer": 2})
    assert excluded["guaranteed"] == 0


def test_weights_multiply_sector_best_category_and_top100_exactly():
    record = employer(1, demand_total=10, sector="finance", categories=(1, 3), top100=True,
                      demand_senior=0, demand_key_staff=0, demand_other=10)
    row = one(record, **{"weights.sector.finance": Decimal("1.2"),
                         "weights.category.1": Decimal("1.5"),
                         "weights.category.3": Decimal("1.3"),
                         "weights.top100": Decimal("1.1")})
    assert row["weight"] == Decimal("1.98")  # 1.2 × 1.5 × 1.1, the larger category only
    assert row["claim"] == Fraction(198, 10)
    assert codes(row) == ["WEIGHT_SECTOR", "WEIGHT_CATEGORY", "WEIGHT_TOP100"]
    assert [r.factor for r in row["reasons"]] == [Decimal("1.2"), Decimal("1.5"),
                                                   Decimal("1.1")]


def test_neutral_weights_leave_no_reason():
    record = employer(1, demand_total=10, sector="other")
    assert one(record, **{"weights.sector.other": Decimal("1")})["reasons"] == []


def test_reserve_reduces_the_allocatable_cap():
    scenario = default_scenario(100).with_values({"cap.reserve": 15})
    problem = build_problem(submissions([employer(1, demand_total=5)]), scenario)
    assert (problem.cap, problem.reserve, problem.allocatable) == (100, 15, 85)


def test_tie_break_order_weight_then_date_then_code():
    records = [
        employer(1, demand_total=5, submitted_on=date(2026, 11, 2)),
        employer(2, demand_total=5, submitted_on=date(2026, 10, 20)),
        employer(3, demand_total=5, submitted_on=None),
        employer(4, demand_total=5, sector="finance", submitted_on=date(2026, 12, 30)),
        employer(5, demand_total=5, submitted_on=date(2026, 10, 20)),
    ]
    problem = build_problem(submissions(records), default_scenario(100))
    ranked = sorted(range(5), key=lambda i: problem.order[i])
    # finance (heavier) first; then earliest date, credit code breaking the equal dates;
    # no date last.
    codes_ = problem.column("credit_code")
    assert ranked[0] == 3
    assert ranked[1:3] == sorted([1, 4], key=lambda i: codes_[i])
    assert ranked[3:] == [0, 2]


def test_every_reason_cites_an_article_in_both_languages():
    record = employer(1, demand_total=30, top100=True, demand_senior=2, demand_key_staff=8,
                      demand_other=20, sector="finance", categories=(2,),
                      attrition_rate=Decimal("0.2"), lost_within_3m=1, violations=(1, 6),
                      prior_quota=10, prior_used=2)
    row = one(record, **{"utilisation.min_rate": Decimal("0.5"),
                         "utilisation.cut": 1, "method.max_per_employer": 9})
    assert len(row["reasons"]) >= 7
    for reason in row["reasons"]:
        assert reason.article and reason.message.zh and reason.message.en
        assert "{" not in reason.message.zh + reason.message.en


def test_shared_reasons_read_exactly_as_freshly_rendered_ones():
    """Reasons, weights and claims are worked out once and shared between employers; sharing
    must never change a word: equal values written differently stay apart."""
    from allocator.policy import _reason, reason

    tidy = reason("WEIGHT_CATEGORY", factor=Decimal("1.2"), item=2, category="listed")
    padded = reason("WEIGHT_CATEGORY", factor=Decimal("1.20"), item=2, category="listed")
    assert tidy == _reason("WEIGHT_CATEGORY", None, Decimal("1.2"), 2, {"category": "listed"})
    assert padded == _reason("WEIGHT_CATEGORY", None, Decimal("1.20"), 2,
                             {"category": "listed"})
    assert "1.20" in padded.message.en and "1.20" not in tidy.message.en
    assert reason("WEIGHT_CATEGORY", factor=Decimal("1.2"), item=2, category="listed") is tidy
    records = [employer(i, demand_total=6, sector="finance", categories=(2,),
                        attrition_rate=Decimal("0.2")) for i in range(1, 4)]
    problem = build_problem(submissions(records), default_scenario(100).with_values(
        {"weights.sector.finance": Decimal("1.3")}))
    first, *others = problem.employers["reasons"]
    assert all(other == first for other in others)
    # 1.3 (finance) × 1.2 (category 2) × 3 (half of 6 left after the attrition cut)
    assert problem.column("claim") == [Fraction(13, 10) * Fraction(6, 5) * 3] * 3


# -- share cuts are rounded as the scenario says (docs/scenario.md) ------------------------
@pytest.mark.parametrize(("demand", "fields", "share", "rounding", "removed"), [
    # 20 % of 4 is 0.8: down escapes the cut; by default a breach never rounds to zero.
    (4, {"violations": (6,)}, "0.2", "down", 0),
    (4, {"violations": (6,)}, "0.2", "at_least_one", 1),
    (4, {"violations": (6,)}, "0.2", "nearest", 1),
    (4, {"violations": (6,)}, "0.2", "up", 1),
    # 50 % of 1 is ½: down 0, at least one 1, nearest rounds the half up, up 1.
    (1, {"attrition_rate": Decimal("0.5")}, "0.5", "down", 0),
    (1, {"attrition_rate": Decimal("0.5")}, "0.5", "at_least_one", 1),
    (1, {"attrition_rate": Decimal("0.5")}, "0.5", "nearest", 1),
    # 25 % of 10 is 2.5: 2, 2 (already at least one), 3, 3.
    (10, {"violations": (6,)}, "0.25", "down", 2),
    (10, {"violations": (6,)}, "0.25", "at_least_one", 2),
    (10, {"violations": (6,)}, "0.25", "nearest", 3),
    (10, {"violations": (6,)}, "0.25", "up", 3),
])
def test_share_cuts_round_as_the_scenario_says(demand, fields, share, rounding, removed):
    row = one(employer(1, demand_total=demand, **fields),
              **{"sanctions.violation_cut.6": Decimal(share),
                 "sanctions.attrition_cut": Decimal(share),
                 "sanctions.share_rounding": rounding})
    [cut] = row["reasons"]
    assert (cut.amount, row["eligible"]) == (-removed, demand - removed)


def test_by_default_a_breach_never_rounds_to_zero_and_the_reason_says_why():
    row = one(employer(1, demand_total=4, violations=(6,)))  # 20 % of 4 by default
    [cut] = row["reasons"]
    assert cut.amount == -1
    assert "按比例不足1个，依方案至少减1个" in cut.message.zh
    assert "at least one, as the scenario says" in cut.message.en


def test_a_cut_that_removes_nothing_is_still_recorded():
    # 100 % for item 4 leaves nothing; item 5's 30 % of 0 then removes 0 — still a reason.
    row = one(employer(1, demand_total=6, violations=(4, 5)))
    assert [(r.code, r.item, r.amount) for r in row["reasons"]] == [
        ("VIOLATION_CUT", 4, -6), ("VIOLATION_CUT", 5, 0)]


# -- how multipliers combine (Art. 3, 8) -----------------------------------------------------
def test_a_key_financial_institution_in_finance_is_tilted_twice_by_default_or_once():
    record = employer(1, demand_total=10, sector="finance", categories=(3,))
    product = one(record)
    assert product["weight"] == Decimal("1.44")  # 1.2 × 1.2, both reasons kept
    assert [(r.code, r.factor, r.article) for r in product["reasons"]] == [
        ("WEIGHT_SECTOR", Decimal("1.2"), "8"), ("WEIGHT_CATEGORY", Decimal("1.2"), "8(3)")]
    largest = one(record, **{"weights.combine": "largest",
                             "weights.category.3": Decimal("1.5")})
    assert largest["weight"] == Decimal("1.5") and largest["claim"] == 15
    assert [r.factor for r in largest["reasons"]] == [Decimal("1.2"), Decimal("1.5")]


def test_the_largest_of_multipliers_below_one_is_still_a_multiplier():
    record = employer(1, demand_total=10, sector="other", categories=(2,))
    row = one(record, **{"weights.combine": "largest", "weights.sector.other": Decimal("0.5"),
                         "weights.category.2": Decimal("0.8")})
    assert row["weight"] == Decimal("0.8")


def test_four_multipliers_multiply_exactly():
    # Six decimal places each: the product has 24, more than Decimal's default 28 digits hold
    # with the whole part; it must come out exact.
    record = employer(1, demand_total=1, sector="finance", categories=(1,), top100=True,
                      positive_list=True, demand_senior=0, demand_key_staff=0, demand_other=1)
    factor = Decimal("1.234567")
    row = one(record, **{"weights.sector.finance": factor, "weights.category.1": factor,
                         "weights.top100": factor, "weights.positive_list": factor})
    assert row["weight"] == factor**4 and Fraction(row["weight"]) == Fraction(factor) ** 4


# -- Art. 3 positive list ---------------------------------------------------------------------
def test_the_positive_list_is_a_weight_citing_article_3():
    row = one(employer(1, demand_total=10, positive_list=True))
    [tilt] = row["reasons"]
    assert (tilt.code, tilt.factor, tilt.article) == ("WEIGHT_POSITIVE_LIST", Decimal("1.2"),
                                                      "3")
    assert "第三条" in tilt.message.zh and row["claim"] == 12
    assert one(employer(1, demand_total=10, positive_list=True),
               **{"weights.positive_list": 1})["reasons"] == []


def test_the_positive_list_column_is_read_from_the_workbook(tmp_path):
    import openpyxl

    from allocator.examples import credit_code
    from allocator.submissions import read_submissions

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "单位名称", "单位类型", "申报人数合计",
                  "支持和鼓励发展产业目录"])
    sheet.append([credit_code(1), "甲", "企业", 5, "是"])
    sheet.append([credit_code(2), "乙", "企业", 5, None])
    book.save(tmp_path / "d.xlsx")
    demand = read_submissions(tmp_path / "d.xlsx")
    assert demand.ok and list(demand.frame["positive_list"]) == [True, False]
    problem = build_problem(demand, default_scenario(10))
    assert problem.column("weight") == [Decimal("1.2"), Decimal(1)]


# -- guarantees the scenario leaves inert ------------------------------------------------------
def test_an_inert_guarantee_is_a_plan_wide_warning_only_when_top100_firms_ask():
    firms = [employer(1, demand_total=10, top100=True, demand_senior=2, demand_key_staff=5,
                      demand_other=3), employer(2, demand_total=10)]
    problem = build_problem(submissions(firms), default_scenario(20))
    assert [(w.code, w.row) for w in problem.warnings] == [("GUARANTEE_KEY_STAFF_INERT", None)]
    assert "1家区级百强企业" in problem.warnings[0].message.zh
    shared = build_problem(submissions(firms), default_scenario(20).with_values(
        {"guarantee.top100_key_staff": Decimal("0.5")}))
    assert shared.warnings == ()
    none = build_problem(submissions(firms[1:]), default_scenario(20))
    assert none.warnings == ()
    both = build_problem(submissions(firms), default_scenario(20).with_values(
        {"guarantee.top100_senior": 0}))
    assert [w.code for w in both.warnings] == ["GUARANTEE_SENIOR_INERT",
                                               "GUARANTEE_KEY_STAFF_INERT"]


# -- mutation survivors (docs/mutation.md): texts written out by hand -------------------------
def test_a_warning_joins_the_reason_without_doubling_its_full_stop():
    from allocator.policy import reason

    plain = reason("SECTOR_UNDECIDED", industry="I65")
    warned = reason("SECTOR_UNDECIDED", industry="I65", warning="industry_too_coarse")
    assert plain.message.en == ("Industry code I65 cannot decide the priority sector (Art. 8): "
                                "counted as other.")
    assert warned.message.en == ("Industry code I65 cannot decide the priority sector (Art. 8): "
                                 "counted as other (warning: the industry code is too coarse).")
    assert warned.message.zh == ("行业代码I65无法判定重点产业（第八条），按“其他”计"
                                 "（提示：行业代码过粗）。")


def test_a_group_of_the_firms_outside_the_top_100_is_labelled_so():
    import pandas as pd

    from allocator.policy import resolve_group
    from allocator.scenario import GroupConfig

    employers = pd.DataFrame({"top100": [True, False, False]})
    outside = resolve_group("rest", GroupConfig(top100=False, min=1), employers)
    assert outside.members.tolist() == [False, True, True]
    assert (outside.label.zh, outside.label.en) == ("非百强企业", "firms outside the top 100")
    inside = resolve_group("top", GroupConfig(top100=True, min=1), employers)
    assert inside.members.tolist() == [True, False, False]
    assert inside.label.en != outside.label.en


def test_a_group_by_category_holds_the_employers_listing_that_category():
    import pandas as pd

    from allocator.policy import resolve_group
    from allocator.scenario import GroupConfig

    employers = pd.DataFrame({"categories": [(1, 3), (), None, (3,), (2,)]})
    third = resolve_group("c3", GroupConfig(category=3, min=1), employers)
    assert third.members.tolist() == [True, False, False, True, False]
    assert (third.label.zh, third.label.en) == ("重点支持类别第3类", "priority category 3")


def test_screened_demand_caps_each_role_at_its_passing_applicants():
    from types import SimpleNamespace

    from allocator.policy import screened_demand

    # Declared: 10 in all, 3 senior, key staff blank, 5 other. Passing: 2 senior, 1 key staff,
    # 9 other. Senior min(3, 2) = 2; other min(5, 9) = 5; the 10 − 3 − 5 = 2 left to the
    # blank role are capped at its 1 passing applicant: 2 + 5 + 1 = 8.
    record = SimpleNamespace(demand_total=10, demand_senior=3, demand_key_staff=None,
                             demand_other=5)
    counts = {"passed_senior": 2, "passed_key_staff": 1, "passed_other": 9}
    assert screened_demand(record, counts) == {
        "demand_senior": 2, "demand_key_staff": None, "demand_other": 5, "demand_total": 8}
    # Two roles blank with 8 passing applicants between them: the 10 − 3 = 7 they hold stand.
    record = SimpleNamespace(demand_total=10, demand_senior=3, demand_key_staff=None,
                             demand_other=None)
    counts = {"passed_senior": 5, "passed_key_staff": 4, "passed_other": 4}
    assert screened_demand(record, counts) == {
        "demand_senior": 3, "demand_key_staff": None, "demand_other": None, "demand_total": 10}
    # Nothing blank and everyone passing: the declared numbers stand.
    record = SimpleNamespace(demand_total=6, demand_senior=1, demand_key_staff=2,
                             demand_other=3)
    counts = {"passed_senior": 5, "passed_key_staff": 5, "passed_other": 5}
    assert screened_demand(record, counts) == {
        "demand_senior": 1, "demand_key_staff": 2, "demand_other": 3, "demand_total": 6}


def test_a_guarantee_from_an_incomplete_breakdown_carries_the_warning():
    # Art. 8 at 100 % of senior managers and 50 % of key staff: 4 senior managers given, key
    # staff left blank. The guarantee is the 4 it can work out, and says the parts are
    # incomplete; with every part given it carries no warning.
    changes = {"guarantee.top100_key_staff": Decimal("0.5")}
    row = one(employer(1, demand_total=10, top100=True, demand_senior=4, demand_key_staff=None,
                       demand_other=None), **changes)
    [guarantee] = [r for r in row["reasons"] if r.code == "TOP100_GUARANTEE"]
    assert (guarantee.amount, guarantee.warning) == (4, "demand_parts_missing")
    assert "roles left blank count as 0" in guarantee.message.en
    whole = one(employer(1, demand_total=10, top100=True, demand_senior=4, demand_key_staff=2,
                         demand_other=4), **changes)
    [guarantee] = [r for r in whole["reasons"] if r.code == "TOP100_GUARANTEE"]
    assert (guarantee.amount, guarantee.warning) == (5, None)


def test_the_floor_and_the_sector_weight_say_their_figures_word_for_word():
    floor = one(employer(1, demand_total=10), **{"method.min_per_employer": 3})["reasons"]
    assert [(r.code, r.amount, r.message.zh, r.message.en) for r in floor] == [(
        "MIN_FLOOR", 3,
        "每家合格单位至少分配3个（方案参数，细则无此条，系本区依第十九条的做法），保障数增加3个。",
        "Every eligible employer gets at least 3 (scenario; no article says this: the "
        "district's practice under Art. 19): guarantee raised by 3.")]
    weight = one(employer(1, demand_total=10, sector="finance"))["reasons"]
    assert [(r.code, r.factor, r.message.zh, r.message.en) for r in weight] == [(
        "WEIGHT_SECTOR", Decimal("1.2"), "重点产业“金融”（第八条）：权重×1.2。",
        "Priority sector 'Finance' (Art. 8): weight ×1.2.")]


def test_a_violation_cut_and_a_utilisation_cut_say_their_figures_word_for_word():
    violation = one(employer(1, demand_total=10, violations=(6,)),
                    **{"sanctions.violation_cut.6": Decimal("0.2")})["reasons"]
    assert [(r.code, r.amount, r.message.zh, r.message.en) for r in violation] == [(
        "VIOLATION_CUT", -2, "违规情形：其他违规情形（第十六条第六项），压减20%：减2个。",
        "Violation: Other violations (Art. 16(6)): cut by 20%, −2.")]
    # Used 2 of 10 last year, below the 50 % the scenario asks: half of 10 cut.
    used = one(employer(1, demand_total=10, prior_quota=10, prior_used=2),
               **{"utilisation.min_rate": Decimal("0.5"),
                  "utilisation.cut": Decimal("0.5")})["reasons"]
    assert [(r.code, r.amount, r.message.zh, r.message.en) for r in used] == [(
        "UTILISATION_CUT", -5,
        "上年度指标使用2/10，低于50%（细则无此条，系本区依第十九条调整申办条件的做法），压减50%：减5个。",
        "Used 2 of last year's 10, below 50% (no article says this: the district's practice "
        "under Art. 19, which lets the bureau adjust the conditions): cut by 50%, −5.")]


def test_violations_cut_alike_keep_each_its_own_item_and_words():
    # One Art. 16 item each, every item cut by the same 20 %: the reasons differ by the item
    # alone, and each keeps its own (a reason is shared only when it is the same in every part).
    changes = {f"sanctions.violation_cut.{item}": Decimal("0.2") for item in range(1, 7)}
    for item in range(1, 7):
        [reason] = one(employer(1, demand_total=10, violations=(item,)), **changes)["reasons"]
        assert (reason.code, reason.item, reason.amount) == ("VIOLATION_CUT", item, -2)
        assert f"(Art. 16({item})): cut by 20%, −2." in reason.message.en


def test_no_employers_make_an_empty_problem_with_whole_rows():
    problem = build_problem(submissions([]), default_scenario(10))
    assert problem.size == 0 and len(problem.employers) == 0
    assert str(problem.employers["row"].dtype) == "int64"
    assert problem.order.tolist() == [] and problem.warnings == ()


def test_the_workbooks_and_the_rosters_warnings_come_in_row_order():
    import dataclasses

    from allocator.errors import Issue, Severity
    from allocator.examples import applicant, roster
    from allocator.i18n import Text
    from allocator.screening import screen

    # The workbook warns about row 3 (the second employer); the roster lists no one of the
    # first employer (row 2), which the scenario keeps with a warning: row 2 comes first.
    demand = submissions([employer(1, demand_total=3), employer(2, demand_total=2)])
    late = Issue(Severity.WARNING, "date_outside_q4", Text(zh="申报日期不在申报期内。",
                                                            en="Outside the filing period."),
                 "example.xlsx", "需求申报", 3, "申报日期", "2026-05-02")
    demand = dataclasses.replace(demand, issues=[late])
    scenario = default_scenario(10).with_values({
        "roster.city_average_wage": 100_000, "roster.reference_date": "2026-12-31",
        "roster.unlisted": "keep"})
    screened = screen(roster([applicant(1, 2), applicant(2, 2)]), scenario.roster, 2027)
    problem = build_problem(demand, scenario, screened)
    assert [(w.code, w.row) for w in problem.warnings] == [("ROSTER_UNLISTED", 2),
                                                          ("date_outside_q4", 3)]
