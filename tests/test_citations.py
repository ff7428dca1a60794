"""Every citation a person reads, checked against the regulation's text (东人社发〔2019〕317号).

The tables here were written by hand from the articles themselves, not read from the code:
which article (and item) provides each rule, each reason and each parameter, and how a person
reads that citation — 第十六条第三项 / Art. 16(3) — wherever it appears.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from allocator.docs import article_text
from allocator.errors import Severity, issue
from allocator.examples import employer, submissions
from allocator.explain import explain_plan
from allocator.model import solve
from allocator.policy import build_problem
from allocator.scenario import GROUP_PARAMETERS, PARAMETERS, default_scenario
from allocator.schema import COLUMNS

#: Reason code → (machine form, Chinese, English). Art. 5 lists the unit types that may apply;
#: Art. 13 suspends an employer that does not report changes and terminates one that conceals
#: them; Art. 16's opening sentence lists blacklisting among its sanctions; Art. 3 follows the
#: negative and positive lists; Art. 16(3) is leavers within three months or attrition above
#: 10 %; Art. 4 is total-volume control (the per-employer ceiling is a share of it); Art. 8
#: tilts sectors, lists items (一)…(七) and fully supports top-100 firms' senior managers; no
#: article sets a utilisation rule or a floor for every employer — Art. 19 lets the bureau
#: adjust the conditions, so both cite Art. 19.
REASONS: dict[str, tuple[str, str, str]] = {
    "UNIT_TYPE_INELIGIBLE": ("5", "第五条", "Art. 5"),
    "STATUS_SUSPENDED": ("13", "第十三条", "Art. 13"),
    "STATUS_TERMINATED": ("13", "第十三条", "Art. 13"),
    "STATUS_BLACKLISTED": ("16", "第十六条", "Art. 16"),
    "NEGATIVE_LIST_PROHIBITED": ("3", "第三条", "Art. 3"),
    "NEGATIVE_LIST_RESTRICTED": ("3", "第三条", "Art. 3"),
    "RESTRICTED_CUT": ("3", "第三条", "Art. 3"),
    "ATTRITION_CUT": ("16(3)", "第十六条第三项", "Art. 16(3)"),
    "LOST_WITHIN_3M_CUT": ("16(3)", "第十六条第三项", "Art. 16(3)"),
    "UTILISATION_CUT": ("19", "第十九条", "Art. 19"),
    "CEILING": ("4", "第四条", "Art. 4"),
    "TOP100_GUARANTEE": ("8", "第八条", "Art. 8"),
    "TOP100_NO_BREAKDOWN": ("8", "第八条", "Art. 8"),
    "GUARANTEE_LIMITED": ("8", "第八条", "Art. 8"),
    "MIN_FLOOR": ("19", "第十九条", "Art. 19"),
    "SECTOR_UNDECIDED": ("8", "第八条", "Art. 8"),
    "WEIGHT_SECTOR": ("8", "第八条", "Art. 8"),
    "WEIGHT_POSITIVE_LIST": ("3", "第三条", "Art. 3"),
    "WEIGHT_TOP100": ("8", "第八条", "Art. 8"),
}
#: Itemised reasons: Art. 16's six situations and Art. 8's seven categories.
VIOLATION_ITEMS = {1: ("16(1)", "第十六条第一项"), 2: ("16(2)", "第十六条第二项"),
                   3: ("16(3)", "第十六条第三项"), 4: ("16(4)", "第十六条第四项"),
                   5: ("16(5)", "第十六条第五项"), 6: ("16(6)", "第十六条第六项")}
CATEGORY_ITEMS = {1: ("8(1)", "第八条第一项"), 2: ("8(2)", "第八条第二项"),
                  3: ("8(3)", "第八条第三项"), 4: ("8(4)", "第八条第四项"),
                  5: ("8(5)", "第八条第五项"), 6: ("8(6)", "第八条第六项"),
                  7: ("8(7)", "第八条第七项")}

#: Scenario parameter → the article it adjusts (by hand; items for itemised ones).
PARAMETER_ARTICLES: dict[str, str] = {
    "scenario.name": "", "scenario.description": "", "scenario.year": "7",
    "cap.annual": "4", "cap.reserve": "4",
    "method.rule": "2", "method.min_per_employer": "19", "method.max_per_employer": "4",
    "method.max_share": "4", "method.tie_break": "",
    "eligibility.unit_types": "5", "eligibility.excluded_statuses": "13, 16",
    "weights.top100": "8", "weights.positive_list": "3", "weights.combine": "8",
    **{f"weights.sector.{s}": "8" for s in ("finance", "culture", "information", "other")},
    **{f"weights.category.{n}": f"8({n})" for n in range(1, 8)},
    "guarantee.top100_senior": "8", "guarantee.top100_key_staff": "8",
    "sanctions.attrition_threshold": "16(3)", "sanctions.attrition_cut": "16(3)",
    "sanctions.lost_within_3m_cut": "16(3)",
    **{f"sanctions.violation_cut.{n}": f"16({n})" for n in range(1, 7)},
    "sanctions.restricted_industry": "3", "sanctions.share_rounding": "16",
    "utilisation.min_rate": "19", "utilisation.cut": "19",
    "roster.months": "6", "roster.reference_date": "6", "roster.income_multiple": "6",
    "roster.city_average_wage": "6", "roster.wage_source": "6", "roster.degree_work_years": "6(1)",
    "roster.item4_multiple": "6(4)", "roster.item5_multiple": "6(5)", "roster.item8_tax": "6(8)",
    "roster.unlisted": "6",
}
COLUMN_ARTICLES: dict[str, str] = {
    "credit_code": "", "name": "", "unit_type": "5", "industry_code": "8", "sector": "8",
    "categories": "8", "top100": "8", "demand_senior": "8", "demand_key_staff": "8",
    "demand_other": "", "demand_total": "7", "prior_quota": "", "prior_used": "",
    "attrition_rate": "16(3)", "lost_within_3m": "16(3)", "violations": "16",
    "status": "13, 16", "negative_list": "3", "positive_list": "3", "submitted_on": "7",
}


def every_reason():
    """Employers that between them raise every reason of the policy."""
    records = [
        employer(1, demand_total=9, unit_type="other"),
        employer(2, demand_total=9, status="suspended"),
        employer(3, demand_total=9, status="terminated"),
        employer(4, demand_total=9, status="blacklisted"),
        employer(5, demand_total=9, negative_list="prohibited"),
        employer(6, demand_total=9, negative_list="restricted"),
        employer(7, demand_total=30, attrition_rate=Decimal("0.2"), lost_within_3m=1,
                 violations=(1, 2, 3, 4, 5, 6), prior_quota=10, prior_used=1),
        employer(8, demand_total=40, top100=True, demand_senior=30, demand_key_staff=5,
                 demand_other=5, sector="finance", positive_list=True),
        employer(9, demand_total=5, top100=True),  # no breakdown by role
        *[employer(10 + n, demand_total=3, categories=(n,)) for n in range(1, 8)],
        employer(20, demand_total=3, industry_code="R90"),
    ]
    demand = submissions(records)
    # As the reader warns about it: R90 holds entertainment (culture) and lotteries.
    demand.issues.append(issue(Severity.WARNING, "industry_too_coarse", row=21, value="R90",
                               sectors="文化"))
    scenario = default_scenario(100).with_values({
        "sanctions.restricted_industry": Decimal("0.5"), "sanctions.violation_cut.3": 1,
        "sanctions.violation_cut.4": 1, "utilisation.min_rate": Decimal("0.5"),
        "utilisation.cut": 1, "method.max_per_employer": 20, "method.min_per_employer": 1,
        "weights.top100": Decimal("1.1")})
    problem = build_problem(demand, scenario)
    # The restricted employer is cut, not excluded, under this scenario; the excluding one:
    excluded = build_problem(submissions([employer(6, demand_total=9,
                                                   negative_list="restricted")]),
                             default_scenario(100))
    return problem, excluded


def test_every_reason_cites_the_article_the_regulation_gives_it():
    problem, excluded = every_reason()
    reasons = [r for rs in [*problem.employers["reasons"], *excluded.employers["reasons"]]
               for r in rs]
    seen = {r.code for r in reasons}
    assert seen == {*REASONS, "VIOLATION_CUT", "WEIGHT_CATEGORY"}, seen
    for r in reasons:
        if r.code == "VIOLATION_CUT":
            article, zh = VIOLATION_ITEMS[r.item]
            en = f"Art. {article}"
        elif r.code == "WEIGHT_CATEGORY":
            article, zh = CATEGORY_ITEMS[r.item]
            en = f"Art. {article}"
        else:
            article, zh, en = REASONS[r.code]
        assert r.article == article, r
        assert zh in r.message.zh and en in r.message.en, r.message
        assert not re.search(r"第\s*\d", r.message.zh), r.message.zh  # never 第16(3)条
    violations = [r.item for r in reasons if r.code == "VIOLATION_CUT"]
    categories = [r.item for r in reasons if r.code == "WEIGHT_CATEGORY"]
    assert violations == [1, 2, 3, 4, 5, 6] and categories == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(("fields", "article", "zh"), [
    # Art. 13: not reporting changes suspends; nothing on the row says Art. 16.
    ({"status": "suspended"}, "13", "第十三条"),
    # Art. 16 suspends or terminates for its situations: the row's items are cited.
    ({"status": "suspended", "violations": (2,)}, "16(2)", "第十六条第二项"),
    ({"status": "terminated", "violations": (1, 5)}, "16(1), 16(5)",
     "第十六条第一项、第十六条第五项"),
    ({"status": "suspended", "attrition_rate": Decimal("0.3")}, "16(3)", "第十六条第三项"),
    ({"status": "suspended", "lost_within_3m": 2}, "16(3)", "第十六条第三项"),
    ({"status": "blacklisted"}, "16", "第十六条"),
    ({"status": "blacklisted", "violations": (4,)}, "16(4)", "第十六条第四项"),
])
def test_a_status_cites_article_13_or_the_article_16_items_behind_it(fields, article, zh):
    problem = build_problem(submissions([employer(1, demand_total=9, **fields)]),
                            default_scenario(10))
    [gate] = problem.employers.at[0, "reasons"]
    assert (gate.article, gate.amount) == (article, -9)
    assert zh in gate.message.zh


def test_sentences_and_reasons_cite_in_one_style():
    problem, _ = every_reason()
    plan = solve(problem)
    for explanation in explain_plan(plan):
        for message in (explanation.sentence, *(r.message for r in problem.employers.at[
                explanation.position, "reasons"])):
            assert not re.search(r"第\s*\d", message.zh), message.zh
            assert "Art. Art." not in message.en
            for found in re.finditer(r"Art\.", message.en):
                assert re.match(r"Art\. \d+(\(\d\))?", message.en[found.start():]), \
                    message.en


@pytest.mark.parametrize("parameter", [*PARAMETERS], ids=lambda p: p.key)
def test_every_parameter_cites_the_article_it_adjusts(parameter):
    assert parameter.article == PARAMETER_ARTICLES[parameter.key]


def test_group_parameters_cite_article_8():
    assert {p.article for p in GROUP_PARAMETERS} == {"8"}


@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.key)
def test_every_column_cites_the_article_it_serves(column):
    assert column.article == COLUMN_ARTICLES[column.key]


@pytest.mark.parametrize(("article", "zh", "en"), [
    ("16(3)", "第十六条第三项", "Art. 16(3)"),
    ("8(7)", "第八条第七项", "Art. 8(7)"),
    ("19", "第十九条", "Art. 19"),
    ("13, 16", "第十三条、第十六条", "Art. 13, 16"),
    ("16(1), 16(5)", "第十六条第一项、第十六条第五项", "Art. 16(1), 16(5)"),
])
def test_one_function_writes_every_citation(article, zh, en):
    assert (article_text(article).zh, article_text(article).en) == (zh, en)


def test_the_app_shows_the_citation_style_in_its_reasons_table():
    from allocator_app.results import reasons_frame

    frame = reasons_frame([{"article": "16(3)", "zh": "…", "en": "…", "amount": -2}])
    assert frame.iloc[0, 0] == "第十六条第三项"
