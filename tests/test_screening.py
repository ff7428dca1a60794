"""Roster screening (Art. 6, 17, 18; docs/columns.md), worked by hand.

The scenario of these tests: reference date 2026-12-31, six months, last year's average wage
100,000 yuan, income multiple 1 (so income must be above 100,000), items (4) and (5) at 4× and
8× (400,000 and 800,000), item (8) at 200,000 yuan of tax, item (1) at two years' work.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from allocator.errors import InputError, Severity
from allocator.examples import applicant, employer, roster, submissions
from allocator.model import solve
from allocator.policy import build_problem
from allocator.scenario import default_scenario
from allocator.screening import REASONS, applicant_reasons, screen

RULES = {"roster.city_average_wage": 100_000, "roster.reference_date": "2026-12-31"}
SCENARIO = default_scenario(100).with_values(RULES)


def verdict(**fields):
    """(passed, reasons, missing evidence) of one applicant of employer 1."""
    screened = screen(roster([applicant(1, 1, **fields)]), SCENARIO.roster, 2027)
    record = screened.applicants.iloc[0]
    return bool(record.passed), record.reasons, record.missing


# -- the nine conditions of Art. 6, one by one ------------------------------------------------
NO_EVIDENCE = {"degree": None, "work_years": None}


@pytest.mark.parametrize(("fields", "passes"), [
    ({"degree": "bachelor", "work_years": "2"}, True),
    ({"degree": "doctor", "work_years": "2.5"}, True),
    ({"degree": "bachelor", "work_years": "1.9"}, False),
    ({"degree": "none", "work_years": "10"}, False),
])
def test_item_1_degree_and_two_years_of_work(fields, passes):
    assert verdict(conditions=(1,), **fields)[0] is passes


@pytest.mark.parametrize(("item", "evidence", "good", "bad"), [
    (2, "title_level", "intermediate", "junior"),
    (3, "award", "2024年北京市科学技术奖二等奖", None),
    (4, "income_3y_min", "400000.01", "400000"),  # strictly above 4 × 100,000
    (5, "income_3y_min", "800001", "800000"),  # strictly above 8 × 100,000
    (6, "patents", "ZL202110000000.1 在京转化", None),
    (7, "venture", "持股10%，融资1200万元", None),
    (8, "tax_3y_min", "200000", "199999.99"),  # at least 200,000 a year
    (9, "recommendation", "京人才〔2026〕12号", None),
])
def test_items_2_to_9_need_their_evidence(item, evidence, good, bad):
    base = {"conditions": (item,), **NO_EVIDENCE}
    assert verdict(**base, **{evidence: good}) == (True, (), ())
    if bad is not None:
        passed, reasons, missing = verdict(**base, **{evidence: bad})
        assert (passed, reasons, missing) == (False, ("CONDITION_UNMET",), ())
    passed, reasons, missing = verdict(**base)
    assert (passed, reasons) == (False, ("CONDITION_UNMET",))
    assert missing == ((item, evidence),)


def test_item_1_names_both_missing_pieces_of_evidence():
    passed, reasons, missing = verdict(conditions=(1,), **NO_EVIDENCE)
    assert (passed, reasons, missing) == (False, ("CONDITION_UNMET",),
                                          ((1, "degree"), (1, "work_years")))


def test_passing_on_items_4_or_5_alone_is_said_for_the_employer_kind_to_be_checked():
    """Items 4 and 5 also need the employer to be of a kind (R&D institute, high-tech firm…;
    law or accounting firm, financial institution…) that no column records. Who passes on
    them alone passes — the income is checked — and one warning counts them and names their
    rows; who also meets another item, or fails, is not counted. Rows are the reader's (the
    applicant's number + 1)."""
    people = [applicant(1, 1, conditions=(4,), income_3y_min="400001"),   # item 4 alone
              applicant(2, 1, conditions=(5,), income_3y_min="800001"),   # item 5 alone
              applicant(3, 1, conditions=(1, 4), income_3y_min="500000"),  # also item 1
              applicant(4, 1, conditions=(4,), income_3y_min="400000"),   # not above 4×
              applicant(5, 1, conditions=(4, 5), income_3y_min="900000")]  # 4 and 5 only
    screened = screen(roster(people), SCENARIO.roster, 2027)
    assert screened.applicants["passed"].tolist() == [True, True, True, False, True]
    (note,) = [n for n in screened.notes if n.code == "roster_employer_kind"]
    assert note.message.zh.startswith(
        "3名申请人仅凭第六条第四项或第五项符合条件（名单第2、3、6行）。")
    assert note.message.en.startswith("3 applicants meet Art. 6 on item 4 or 5 alone "
                                      "(roster rows 2, 3, 6).")
    assert note.severity is Severity.WARNING and note.file == "roster.xlsx"
    # …carried into the plan's warnings; and none at all when nobody relies on them.
    plan = solve(problem_of([employer(1, demand_total=5)], people))
    assert any(w.code == "roster_employer_kind" for w in plan.problem.warnings)
    plain = screen(roster([applicant(1, 1), applicant(2, 1, conditions=(1, 5))]),
                   SCENARIO.roster, 2027)
    assert not [n for n in plain.notes if n.code == "roster_employer_kind"]


def test_the_employer_kind_warning_names_ten_rows_at_most():
    people = [applicant(i, 1, conditions=(4,), income_3y_min="400001") for i in range(1, 13)]
    (note,) = screen(roster(people), SCENARIO.roster, 2027).notes
    assert "（名单第2、3、4、5、6、7、8、9、10、11行等）" in note.message.zh
    assert "(roster rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …)" in note.message.en
    assert note.message.zh.startswith("12名申请人")


def test_one_claimed_condition_met_is_enough():
    assert verdict(conditions=(2, 1), title_level=None)[0] is True
    passed, _, missing = verdict(conditions=(2, 3), degree=None)
    assert passed is False
    assert missing == ((2, "title_level"), (3, "award"))


# -- the general conditions and Art. 17, 18 ---------------------------------------------------
@pytest.mark.parametrize(("hired_on", "passes"), [
    ("2026-06-30", True),  # six whole months to 2026-12-31
    ("2026-06-01", True),
    ("2026-07-01", False),  # five months and 30 days
    ("2027-01-15", False),  # hired after the reference date
])
def test_six_months_continuous_employment(hired_on, passes):
    passed, reasons, _ = verdict(hired_on=hired_on)
    assert passed is passes
    assert reasons == (() if passes else ("EMPLOYMENT_SHORT",))


def test_months_and_reference_date_are_parameters():
    rules = SCENARIO.with_values({"roster.months": 12, "roster.reference_date": "2027-06-30"})
    first = screen(roster([applicant(1, 1, hired_on="2026-06-30"),
                           applicant(2, 1, hired_on="2026-07-01")]), rules.roster, 2027)
    assert first.applicants["passed"].tolist() == [True, False]


def test_blank_reference_date_is_the_end_of_the_year_before_the_plan_year():
    rules = default_scenario(100).with_values({"roster.city_average_wage": 100_000})
    hired = [applicant(1, 1, hired_on="2026-06-30"), applicant(2, 1, hired_on="2026-07-01")]
    assert screen(roster(hired), rules.roster, 2027).applicants["passed"].tolist() == \
        [True, False]
    assert screen(roster(hired), rules.roster, 2028).applicants["passed"].tolist() == \
        [True, True]


def test_fixed_residence_in_beijing():
    assert verdict(beijing_residence=False)[:2] == (False, ("NO_RESIDENCE",))


@pytest.mark.parametrize(("income", "passes"), [
    ("100000", False),  # "above" the multiple: equal is not enough
    ("100000.01", True),
    ("0", False),
])
def test_income_strictly_above_the_multiple_of_the_average_wage(income, passes):
    passed, reasons, _ = verdict(income_last_year=income)
    assert passed is passes
    assert reasons == (() if passes else ("INCOME_LOW",))


def test_income_multiple_is_a_parameter():
    rules = SCENARIO.with_values({"roster.income_multiple": "1.5"})
    people = [applicant(1, 1, income_last_year="150000"),
              applicant(2, 1, income_last_year="150001")]
    assert screen(roster(people), rules.roster, 2027).applicants["passed"].tolist() == \
        [False, True]


def test_article_17_falsified_materials_exclude():
    assert verdict(falsified=True)[:2] == (False, ("FALSIFIED",))


@pytest.mark.parametrize("origin", ["hmt", "overseas"])
def test_article_18_hong_kong_macao_taiwan_and_overseas_are_outside_the_quota(origin):
    assert verdict(origin=origin)[:2] == (False, ("OUTSIDE_QUOTA",))


def test_every_reason_is_reported_with_its_article():
    screened = screen(roster([applicant(
        1, 1, falsified=True, origin="overseas", hired_on="2026-12-01",
        beijing_residence=False, income_last_year="1", conditions=(3,))]), SCENARIO.roster, 2027)
    record = next(screened.applicants.itertuples())
    assert record.reasons == tuple(REASONS)  # all six, in the order of REASONS
    words = applicant_reasons(record, screened.thresholds)
    assert words.zh == ("有弄虚作假记录（第十七条）；属港澳台或境外人才、不占本指标（第十八条）；"
                        "聘用未满6个月（第六条）；本市无固定住所（第六条）；收入未达标（第六条）；"
                        "不具备所报条件项（第六条）：第三项缺获奖名称")
    assert "Art. 17" in words.en and "Art. 18" in words.en and "lacks award" in words.en


def test_a_roster_without_a_wage_figure_is_an_error_naming_the_parameter():
    with pytest.raises(InputError) as caught:
        screen(roster([applicant(1, 1)]), default_scenario(100).roster, 2027)
    assert [i.column for i in caught.value.issues] == ["roster.city_average_wage"]
    assert "roster.city_average_wage" in caught.value.issues[0].message.zh


# -- the employer's eligible demand ------------------------------------------------------------
def problem_of(employers, applicants, scenario=SCENARIO):
    screened = screen(roster(applicants), scenario.roster, 2027)
    return build_problem(submissions(employers), scenario, screened)


def test_the_employers_sentence():
    people = ([applicant(i, 1) for i in range(8)]
              + [applicant(10 + i, 1, income_last_year="90000") for i in range(3)]
              + [applicant(20, 1, hired_on="2026-08-01")])
    row = problem_of([employer(1, demand_total=12)], people).employers.iloc[0]
    assert (row.requested, row.eligible) == (12, 8)
    first = row.reasons[0]
    assert (first.code, first.article, first.amount) == ("ROSTER_SCREENED", "6", -4)
    assert "申报12人，名单中8人符合第六条（3人收入未达标，1人聘用未满6个月）" in first.message.zh
    assert "Requested 12; 8 on the roster meet Art. 6 (3 income below the threshold, " \
           "1 employed less than 6 months)" in first.message.en
    # …and what it does to the demand: four fewer; none fewer for an employer whose listed
    # applicants all qualify.
    assert first.message.zh.endswith("，减少4个。") and first.message.en.endswith(", 4 fewer.")
    whole = problem_of([employer(1, demand_total=2)], [applicant(i, 1) for i in range(3)])
    same = whole.employers.iloc[0].reasons[0]
    assert (same.code, same.amount) == ("ROSTER_SCREENED", 0)
    assert same.message.zh.endswith("，不受影响。") and same.message.en.endswith(", no change.")


def test_articles_17_and_18_are_cited_when_they_removed_applicants():
    people = [applicant(1, 1), applicant(2, 1, falsified=True), applicant(3, 1, origin="hmt")]
    row = problem_of([employer(1, demand_total=3)], people).employers.iloc[0]
    assert row.reasons[0].article == "6, 17, 18"
    assert row.eligible == 1


def test_each_role_is_capped_at_its_qualified_applicants():
    people = ([applicant(1, 1, role="senior")]
              + [applicant(10 + i, 1, role="key_staff") for i in range(5)]
              + [applicant(20 + i, 1, role="other") for i in range(3)]
              + [applicant(30, 1, role="senior", beijing_residence=False)])
    row = problem_of([employer(1, demand_total=12, demand_senior=2, demand_key_staff=4,
                              demand_other=6)], people).employers.iloc[0]
    # senior min(2, 1) + key staff min(4, 5) + other min(6, 3) = 1 + 4 + 3
    assert row.eligible == 8


def test_roles_left_blank_share_what_the_given_roles_leave():
    people = ([applicant(i, 1, role="senior") for i in range(3)]
              + [applicant(10 + i, 1, role="key_staff") for i in range(2)]
              + [applicant(20, 1, role="other")])
    row = problem_of([employer(1, demand_total=10, demand_senior=2)], people).employers.iloc[0]
    # senior min(2, 3) = 2; the other 8 requested are capped at the 2 + 1 who pass
    assert row.eligible == 5


def test_top100_guarantee_counts_only_qualified_senior_managers():
    people = ([applicant(1, 1, role="senior"), applicant(2, 1, role="senior"),
               applicant(3, 1, role="senior", income_last_year="1")]
              + [applicant(10 + i, 1, role="other") for i in range(5)])
    row = problem_of([employer(1, demand_total=8, demand_senior=3, demand_key_staff=0,
                              demand_other=5, top100=True)], people).employers.iloc[0]
    assert (row.eligible, row.guaranteed) == (7, 2)


def test_employers_without_roster_rows_are_kept_with_a_warning_or_given_nothing():
    people = [applicant(1, 1)]
    kept = problem_of([employer(1, demand_total=1), employer(2, demand_total=4)], people)
    assert kept.employers["eligible"].tolist() == [1, 4]
    assert [(w.code, w.row) for w in kept.warnings] == [("ROSTER_UNLISTED", 3)]
    strict = SCENARIO.with_values({"roster.unlisted": "exclude"})
    excluded = problem_of([employer(1, demand_total=1), employer(2, demand_total=4)], people,
                          strict)
    assert excluded.employers["eligible"].tolist() == [1, 0]
    reason = excluded.employers.iloc[1].reasons[0]
    assert (reason.code, reason.amount) == ("ROSTER_UNLISTED", -4)
    assert (reason.message.zh, reason.message.en) == (
        "人员名单中没有该单位的人员，按方案规定不予分配，减少4个。",
        "No applicant of this employer is on the roster: under the scenario it receives "
        "nothing, 4 fewer.")
    # A top-100 firm that gave its breakdown but is not on the roster: excluded with its parts
    # at 0, so nothing says its breakdown is missing.
    top = problem_of([employer(1, demand_total=1),
                      employer(2, demand_total=4, demand_senior=2, demand_key_staff=0,
                               demand_other=2, top100=True)], people, strict).employers.iloc[1]
    assert (top.eligible, top.guaranteed) == (0, 0)
    assert [(r.code, r.amount) for r in top.reasons] == [("ROSTER_UNLISTED", -4)]


def test_screening_comes_before_the_gates_and_cuts():
    people = [applicant(i, 1) for i in range(4)]
    row = problem_of([employer(1, demand_total=10, attrition_rate=Decimal("0.2"))],
                     people).employers.iloc[0]
    # 10 → 4 qualified, then the attrition cut takes half of what remains
    assert [r.code for r in row.reasons][:2] == ["ROSTER_SCREENED", "ATTRITION_CUT"]
    assert row.eligible == 2


def test_the_summary_tells_roster_screening_apart_from_sanction_cuts(tmp_path):
    """Screening (Art. 6, 17, 18) is not 压减 (a sanction of Art. 16): the headline gives it
    its own line, and the 压减 line counts only the sanctions. Employer 1 has 4 of 10 who
    qualify, then loses half of those 4 to its attrition rate; employer 2 keeps its 3 (3
    qualify); employer 3 has 1 of 5 who qualify; employer 4 is not screened (no roster rows)
    and is cut for its attrition. Screened: 3 employers, 2 of them lowered, by 6 + 4 = 10;
    cut: employers 1 and 4 (2 and 1 of 2 → half of 2 is 1), by 3."""
    from openpyxl import load_workbook

    from allocator.excel import write_plan_workbook
    from allocator.explain import plan_summary

    people = ([applicant(i, 1) for i in range(4)] + [applicant(10 + i, 2) for i in range(3)]
              + [applicant(20, 3)])
    employers = [employer(1, demand_total=10, attrition_rate=Decimal("0.2")),
                 employer(2, demand_total=3), employer(3, demand_total=5),
                 employer(4, demand_total=2, attrition_rate=Decimal("0.2"))]
    plan = solve(problem_of(employers, people))
    assert plan.problem.employers["eligible"].tolist() == [2, 3, 1, 1]
    lines = plan_summary(plan).lines
    assert "人员名单审核3家单位，其中2家单位的有效需求减少，共减10个（第六条、第十七条、" \
           "第十八条）。" in [line.zh for line in lines]
    assert "Roster screening of 3 employers lowered the eligible demand of 2 of them, by 10 " \
           "permits in all (Art. 6, 17, 18)." in [line.en for line in lines]
    assert "压减2家单位，共减3个。" in [line.zh for line in lines]
    # Every screened employer keeping its demand: said so, and no 压减 line at all.
    same = plan_summary(solve(problem_of([employer(2, demand_total=3)], people))).lines
    assert "人员名单审核1家单位，有效需求均未减少（第六条、第十七条、第十八条）。" \
        in [line.zh for line in same]
    assert not any("压减" in line.zh for line in same)
    # The signed plan's summary and adjustments name both under one heading.
    path = tmp_path / "plan.xlsx"
    write_plan_workbook(plan, path)
    book = load_workbook(path)
    summary = [row[0] for row in book["分配汇总"].iter_rows(values_only=True) if row[0]]
    assert "六、人员名单审核与压减（按原因）" in summary
    adjust = [row[0] for row in book["并列与调整"].iter_rows(values_only=True)
              if isinstance(row[0], str)]
    assert any(text.startswith("四、人员名单审核与压减（4家）") for text in adjust), adjust


# -- properties -----------------------------------------------------------------------------
def allocation(plan) -> list[int] | None:
    return None if plan.allocation is None else [int(x) for x in plan.allocation]


FAILURES = [{"income_last_year": "1"}, {"beijing_residence": False}, {"falsified": True},
            {"origin": "overseas"}, {"hired_on": "2026-12-01"}, {"conditions": (9,)}]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(demands=st.lists(st.integers(0, 6), min_size=2, max_size=5),
       passing=st.lists(st.integers(0, 6), min_size=5, max_size=5),
       who=st.integers(0, 4), failure=st.sampled_from(FAILURES), cap=st.integers(1, 25))
def test_adding_a_failing_applicant_never_raises_an_allocation(demands, passing, who, failure,
                                                               cap):
    assume(who < len(demands))
    employers = [employer(i + 1, demand_total=d) for i, d in enumerate(demands)]
    people = [applicant(100 * (i + 1) + k, i + 1) for i in range(len(demands))
              for k in range(passing[i])]
    assume(passing[who] > 0)  # the employer is on the roster before and after
    scenario = SCENARIO.with_values({"cap.annual": cap})
    before = allocation(solve(problem_of(employers, people, scenario)))
    after = allocation(solve(problem_of(employers, [*people, applicant(99, who + 1, **failure)],
                                        scenario)))
    assert after[who] <= before[who]
    assert after == before  # nothing changed at all: the applicant does not pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)),
                      min_size=1, max_size=5),
       extra=st.lists(st.integers(0, 2), min_size=5, max_size=5),
       top=st.lists(st.booleans(), min_size=5, max_size=5), cap=st.integers(0, 30),
       blank=st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), min_size=5,
                      max_size=5))
def test_with_every_applicant_passing_the_plan_is_the_unscreened_plan(parts, extra, top, cap,
                                                                       blank):
    # Some parts of the breakdown may be left blank: their applicants share what the given
    # parts leave of the total.
    employers = [employer(i + 1, demand_senior=None if blank[i][0] else s,
                          demand_key_staff=None if blank[i][1] else k,
                          demand_other=None if blank[i][2] else o,
                          demand_total=s + k + o, top100=top[i])
                 for i, (s, k, o) in enumerate(parts)]
    people = []
    for i, (s, k, o) in enumerate(parts):
        for role, count in (("senior", s), ("key_staff", k), ("other", o + extra[i])):
            people += [applicant(1000 * i + 10 * len(people) + 1, i + 1, role=role)
                       for _ in range(count)]
    people = [dict(p, row=n + 2, person_id=applicant(n, 1)["person_id"])
              for n, p in enumerate(people)]
    scenario = SCENARIO.with_values({"cap.annual": cap})
    screened = problem_of(employers, people, scenario)
    plain = build_problem(submissions(employers), scenario)
    for column in ("eligible", "guaranteed", "upper", "claim"):
        assert screened.employers[column].tolist() == plain.employers[column].tolist()
    first, second = solve(screened), solve(plain)
    assert first.status == second.status
    assert allocation(first) == allocation(second)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(demands=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)),
                        min_size=1, max_size=4),
       people=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["senior", "key_staff",
                                                                      "other"]),
                                 st.sampled_from([{}, *FAILURES])), max_size=25),
       order=st.randoms(use_true_random=False))
def test_screening_never_raises_eligible_demand_and_ignores_roster_order(demands, people,
                                                                         order):
    assume(all(owner < len(demands) for owner, _, _ in people))
    employers = [employer(i + 1, demand_senior=s, demand_key_staff=k, demand_other=o,
                          demand_total=s + k + o) for i, (s, k, o) in enumerate(demands)]
    applicants = [applicant(n, owner + 1, role=role, **failure)
                  for n, (owner, role, failure) in enumerate(people)]
    plain = build_problem(submissions(employers), SCENARIO).employers
    screened = problem_of(employers, applicants).employers
    assert (screened["eligible"] <= plain["eligible"]).all()
    shuffled = list(applicants)
    order.shuffle(shuffled)
    again = problem_of(employers, shuffled).employers
    assert again["eligible"].tolist() == screened["eligible"].tolist()
    # by hand: each role capped at its passing applicants
    for i, (s, k, o) in enumerate(demands):
        passing = {role: sum(1 for owner, r, failure in people
                             if owner == i and r == role and not failure)
                   for role in ("senior", "key_staff", "other")}
        listed = any(owner == i for owner, _, _ in people)
        expected = (min(s, passing["senior"]) + min(k, passing["key_staff"])
                    + min(o, passing["other"])) if listed else s + k + o
        assert screened["eligible"].iloc[i] == expected
