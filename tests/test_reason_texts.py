"""Every reason the policy gives, word for word in both languages, written out by hand.

One row per reason code (and per variant: a status cited under Art. 13 or Art. 16's items, a cut
by a count or a share, each rounding's note on a share worth less than one permit, each workbook
warning joined to its reason). The expected sentences are typed from the regulation's wording
and the figures of each case worked by hand, not read from the message catalogue; a changed
word, figure, article or punctuation mark fails here.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from allocator.examples import employer
from allocator.i18n import Text
from tests.test_policy import one

# (case, employer fields, scenario changes, [(code, amount, zh, en), ...] in order)
CASES = [
    ("unit type", {"demand_total": 9, "unit_type": "other"}, {}, [(
        "UNIT_TYPE_INELIGIBLE", -9,
        "单位类型“其他”不在第五条可申请之列，不予分配（减9个）。",
        "Unit type 'Other' may not apply under Art. 5: excluded (−9).")]),
    ("suspended, Art. 13", {"demand_total": 9, "status": "suspended"}, {}, [(
        "STATUS_SUSPENDED", -9,
        "申请资格已暂停（第十三条），不予分配（减9个）。",
        "Right to apply suspended (Art. 13): excluded (−9).")]),
    # A violation of item 2 and one leaver within three months (item 3): an Art. 16 sanction.
    ("suspended, Art. 16 items", {"demand_total": 9, "status": "suspended", "violations": (2,),
                                  "lost_within_3m": 1}, {}, [(
        "STATUS_SUSPENDED", -9,
        "申请资格已暂停（第十六条第二项、第十六条第三项），不予分配（减9个）。",
        "Right to apply suspended (Art. 16(2), 16(3)): excluded (−9).")]),
    ("terminated", {"demand_total": 9, "status": "terminated"}, {}, [(
        "STATUS_TERMINATED", -9,
        "申请资格已终止（第十三条），不予分配（减9个）。",
        "Right to apply terminated (Art. 13): excluded (−9).")]),
    # Attrition of 30 % above the 10 % line is item 3, so the termination is Art. 16(3).
    ("terminated, attrition", {"demand_total": 9, "status": "terminated",
                               "attrition_rate": Decimal("0.3")},
     {"sanctions.attrition_threshold": Decimal("0.1")}, [(
         "STATUS_TERMINATED", -9,
         "申请资格已终止（第十六条第三项），不予分配（减9个）。",
         "Right to apply terminated (Art. 16(3)): excluded (−9).")]),
    ("blacklisted", {"demand_total": 9, "status": "blacklisted"}, {}, [(
        "STATUS_BLACKLISTED", -9,
        "已列入黑名单（第十六条），不予分配（减9个）。",
        "Blacklisted (Art. 16): excluded (−9).")]),
    ("blacklisted, item 4", {"demand_total": 9, "status": "blacklisted", "violations": (4,)},
     {}, [(
         "STATUS_BLACKLISTED", -9,
         "已列入黑名单（第十六条第四项），不予分配（减9个）。",
         "Blacklisted (Art. 16(4)): excluded (−9).")]),
    ("prohibited", {"demand_total": 9, "negative_list": "prohibited"}, {}, [(
        "NEGATIVE_LIST_PROHIBITED", -9,
        "属全市禁止类目录（第三条），不予分配（减9个）。",
        "On the city's prohibited list (Art. 3): excluded (−9).")]),
    ("restricted, excluded", {"demand_total": 9, "negative_list": "restricted"},
     {"sanctions.restricted_industry": "exclude"}, [(
         "NEGATIVE_LIST_RESTRICTED", -9,
         "属全市限制类目录，本方案不予受理（第三条），不予分配（减9个）。",
         "On the city's restricted list, which this scenario excludes (Art. 3): excluded (−9).")]),
    # Half of 9 is 4.5, rounded down to 4 (at least one: it is at least one already).
    ("restricted, cut by a share", {"demand_total": 9, "negative_list": "restricted"},
     {"sanctions.restricted_industry": Decimal("0.5")}, [(
         "RESTRICTED_CUT", -4,
         "属全市限制类目录（第三条），压减50%：减4个。",
         "On the city's restricted list (Art. 3): cut by 50%, −4.")]),
    ("restricted, cut by a count", {"demand_total": 9, "negative_list": "restricted"},
     {"sanctions.restricted_industry": 2}, [(
         "RESTRICTED_CUT", -2,
         "属全市限制类目录（第三条），压减2个：减2个。",
         "On the city's restricted list (Art. 3): cut by 2 permit(s), −2.")]),
    # 12.5 % attrition above a 12 % line; a quarter of 8 is 2.
    ("attrition", {"demand_total": 8, "attrition_rate": Decimal("0.125")},
     {"sanctions.attrition_threshold": Decimal("0.12"),
      "sanctions.attrition_cut": Decimal("0.25")}, [(
          "ATTRITION_CUT", -2,
          "近一年流失率12.5%超过12%（第十六条第三项），压减25%：减2个。",
          "One-year attrition 12.5% above 12% (Art. 16(3)): cut by 25%, −2.")]),
    # Two leavers at one permit each: two permits.
    ("leavers, per leaver", {"demand_total": 10, "lost_within_3m": 2},
     {"sanctions.lost_within_3m_cut": 1}, [(
         "LOST_WITHIN_3M_CUT", -2,
         "2人取证后三个月内离职（第十六条第三项），压减2个：减2个。",
         "2 holder(s) left within three months of the permit (Art. 16(3)): cut by 2 permit(s), "
         "−2.")]),
    # A share applies once, whatever the number of leavers: 30 % of 10.
    ("leavers, a share", {"demand_total": 10, "lost_within_3m": 3},
     {"sanctions.lost_within_3m_cut": Decimal("0.3")}, [(
         "LOST_WITHIN_3M_CUT", -3,
         "3人取证后三个月内离职（第十六条第三项），压减30%：减3个。",
         "3 holder(s) left within three months of the permit (Art. 16(3)): cut by 30%, −3.")]),
    ("violation, a count", {"demand_total": 10, "violations": (1,)},
     {"sanctions.violation_cut.1": 3}, [(
         "VIOLATION_CUT", -3,
         "违规情形：为不符合条件人员申报（第十六条第一项），压减3个：减3个。",
         "Violation: Applied for people outside the scope (Art. 16(1)): cut by 3 permit(s), "
         "−3.")]),
    # Two items, each on what the previous left: 10 − 5 = 5, then 20 % of 5 = 1.
    ("violations, one after another", {"demand_total": 10, "violations": (2, 5)},
     {"sanctions.violation_cut.2": Decimal("0.5"), "sanctions.violation_cut.5": Decimal("0.2")},
     [("VIOLATION_CUT", -5,
       "违规情形：管理不力或拒不接受检查（第十六条第二项），压减50%：减5个。",
       "Violation: Weak management or refused inspection (Art. 16(2)): cut by 50%, −5."),
      ("VIOLATION_CUT", -1,
       "违规情形：未认真审核材料、拖延办理（第十六条第五项），压减20%：减1个。",
       "Violation: Did not verify materials, or delayed (Art. 16(5)): cut by 20%, −1.")]),
    # 5 % of 10 is half a permit. Each rounding says what it made of it; rounded down to
    # nothing, there is no note (and nothing removed).
    ("half a permit, at least one", {"demand_total": 10, "violations": (6,)},
     {"sanctions.violation_cut.6": Decimal("0.05"),
      "sanctions.share_rounding": "at_least_one"}, [(
          "VIOLATION_CUT", -1,
          "违规情形：其他违规情形（第十六条第六项），压减5%（按比例不足1个，依方案至少减1个）：减1个。",
          "Violation: Other violations (Art. 16(6)): cut by 5% (less than one permit by the "
          "share: at least one, as the scenario says), −1.")]),
    ("half a permit, up", {"demand_total": 10, "violations": (6,)},
     {"sanctions.violation_cut.6": Decimal("0.05"), "sanctions.share_rounding": "up"}, [(
         "VIOLATION_CUT", -1,
         "违规情形：其他违规情形（第十六条第六项），压减5%（按比例不足1个，依方案向上取整）：减1个。",
         "Violation: Other violations (Art. 16(6)): cut by 5% (less than one permit by the "
         "share: rounded up, as the scenario says), −1.")]),
    ("half a permit, nearest", {"demand_total": 10, "violations": (6,)},
     {"sanctions.violation_cut.6": Decimal("0.05"), "sanctions.share_rounding": "nearest"}, [(
         "VIOLATION_CUT", -1,
         "违规情形：其他违规情形（第十六条第六项），压减5%（按比例不足1个，依方案四舍五入）：减1个。",
         "Violation: Other violations (Art. 16(6)): cut by 5% (less than one permit by the "
         "share: rounded to the nearest, as the scenario says), −1.")]),
    ("half a permit, down", {"demand_total": 10, "violations": (6,)},
     {"sanctions.violation_cut.6": Decimal("0.05"), "sanctions.share_rounding": "down"}, [(
         "VIOLATION_CUT", 0,
         "违规情形：其他违规情形（第十六条第六项），压减5%：减0个。",
         "Violation: Other violations (Art. 16(6)): cut by 5%, −0.")]),
    # 15 % of 10 is 1.5: one permit by the share itself, so no note.
    ("a share worth a permit", {"demand_total": 10, "violations": (6,)},
     {"sanctions.violation_cut.6": Decimal("0.15"), "sanctions.share_rounding": "up"}, [(
         "VIOLATION_CUT", -2,
         "违规情形：其他违规情形（第十六条第六项），压减15%：减2个。",
         "Violation: Other violations (Art. 16(6)): cut by 15%, −2.")]),
    # Used 3 of 12 (25 %), below 40 %: a count of 4 cut.
    ("utilisation", {"demand_total": 10, "prior_quota": 12, "prior_used": 3},
     {"utilisation.min_rate": Decimal("0.4"), "utilisation.cut": 4}, [(
         "UTILISATION_CUT", -4,
         "上年度指标使用3/12，低于40%（细则无此条，系本区依第十九条调整申办条件的做法），压减4个：减4个。",
         "Used 3 of last year's 12, below 40% (no article says this: the district's practice "
         "under Art. 19, which lets the bureau adjust the conditions): cut by 4 permit(s), −4.")]),
    ("ceiling", {"demand_total": 20}, {"method.max_per_employer": 12}, [(
        "CEILING", -8,
        "单家单位上限为12个（方案参数，第四条总量控制），减8个。",
        "Per-employer ceiling of 12 (scenario, total-volume control of Art. 4): −8.")]),
    # 4 senior managers at 100 %, half of 6 key staff: 4 + 3 = 7.
    ("top-100 guarantee", {"demand_total": 10, "top100": True, "demand_senior": 4,
                           "demand_key_staff": 6, "demand_other": 0},
     {"guarantee.top100_senior": 1, "guarantee.top100_key_staff": Decimal("0.5"),
      "weights.top100": Decimal("1.1")},
     [("TOP100_GUARANTEE", 7,
       "区级百强企业（第八条）：保障高级管理人员4个、业务骨干3个，共保障7个。",
       "District top-100 firm (Art. 8): 4 senior manager(s) and 3 key staff guaranteed, 7 in "
       "all."),
      ("WEIGHT_TOP100", None, "区级百强企业（第八条）：权重×1.1。",
       "District top-100 firm (Art. 8): weight ×1.1.")]),
    # 10 senior managers guaranteed, but the ceiling leaves 6.
    ("guarantee limited", {"demand_total": 20, "top100": True, "demand_senior": 10,
                           "demand_key_staff": 0, "demand_other": 10},
     {"guarantee.top100_senior": 1, "method.max_per_employer": 6, "weights.top100": 1},
     [("CEILING", -14,
       "单家单位上限为6个（方案参数，第四条总量控制），减14个。",
       "Per-employer ceiling of 6 (scenario, total-volume control of Art. 4): −14."),
      ("TOP100_GUARANTEE", 6,
       "区级百强企业（第八条）：保障高级管理人员10个、业务骨干0个，共保障6个。",
       "District top-100 firm (Art. 8): 10 senior manager(s) and 0 key staff guaranteed, 6 in "
       "all."),
      ("GUARANTEE_LIMITED", -4,
       "依第八条应保障10个，但可分配上限只有6个，保障数减4个。",
       "The guarantee of 10 under Art. 8 exceeds the upper bound of 6: reduced by 4.")]),
    ("floor", {"demand_total": 10}, {"method.min_per_employer": 2}, [(
        "MIN_FLOOR", 2,
        "每家合格单位至少分配2个（方案参数，细则无此条，系本区依第十九条的做法），保障数增加2个。",
        "Every eligible employer gets at least 2 (scenario; no article says this: the "
        "district's practice under Art. 19): guarantee raised by 2.")]),
    ("sector", {"demand_total": 10, "sector": "information"},
     {"weights.sector.information": Decimal("1.25")}, [(
         "WEIGHT_SECTOR", None, "重点产业“信息服务”（第八条）：权重×1.25。",
         "Priority sector 'Information services' (Art. 8): weight ×1.25.")]),
    # Items 1 and 3: the larger multiplier (item 3's) is the one cited.
    ("category", {"demand_total": 10, "categories": (1, 3)},
     {"weights.category.1": Decimal("1.3"), "weights.category.3": Decimal("1.5")}, [(
         "WEIGHT_CATEGORY", None, "重点支持类别：重点金融机构（第八条第三项）：权重×1.5。",
         "Priority category: Key financial institutions (Art. 8(3)): weight ×1.5.")]),
    ("positive list", {"demand_total": 10, "positive_list": True},
     {"weights.positive_list": Decimal("1.1")}, [(
         "WEIGHT_POSITIVE_LIST", None,
         "属全市支持和鼓励发展产业目录（第三条“正面清单”）：权重×1.1。",
         "On the city's list of supported and encouraged industries (Art. 3, the 'positive "
         "list'): weight ×1.1.")]),
]


@pytest.mark.parametrize(("fields", "changes", "expected"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_every_reason_in_both_languages(fields, changes, expected):
    row = one(employer(1, **fields), **changes)
    assert [(r.code, r.amount, r.message.zh, r.message.en) for r in row["reasons"]] == expected


SENIOR = Text(zh="高级管理人员", en="senior managers")

# (warning, reason code and its figures, zh, en): the workbook warning that changed a number,
# joined to the reason it changed, with one full stop.
WARNED = [
    ("rate_one", ("ATTRITION_CUT", {"amount": -5, "rate": "100%", "threshold": "10%",
                                    "cut": "50%", "rounding": ""}),
     "近一年流失率100%超过10%（第十六条第三项），压减50%：减5个（提示：流失率填写为1，按100%计）。",
     "One-year attrition 100% above 10% (Art. 16(3)): cut by 50%, −5 (warning: the attrition "
     "rate was typed as 1 and read as 100 %)."),
    ("demand_parts_top100", ("TOP100_NO_BREAKDOWN", {"amount": 0, "missing": SENIOR}),
     "区级百强企业（第八条），但未填高级管理人员人数，无法计算保障数：保障0个（提示：未填分项人数）。",
     "District top-100 firm (Art. 8), but the number of senior managers is not given, so no "
     "guarantee can be worked out: 0 guaranteed (warning: no breakdown by role)."),
    ("demand_parts_missing", ("TOP100_GUARANTEE", {"amount": 2, "senior": 2, "key_staff": 0}),
     "区级百强企业（第八条）：保障高级管理人员2个、业务骨干0个，共保障2个（提示：分项人数未填全，未填的按0人计）。",
     "District top-100 firm (Art. 8): 2 senior manager(s) and 0 key staff guaranteed, 2 in all "
     "(warning: the breakdown by role is incomplete; roles left blank count as 0)."),
    ("industry_partial", ("SECTOR_UNDECIDED", {"industry": "R8710"}),
     "行业代码R8710无法判定重点产业（第八条），按“其他”计（提示：该行业小类只有部分属于重点产业）。",
     "Industry code R8710 cannot decide the priority sector (Art. 8): counted as other "
     "(warning: only part of this industry class is a priority sector)."),
]


@pytest.mark.parametrize(("warning", "made", "zh", "en"), WARNED, ids=[w[0] for w in WARNED])
def test_a_warning_is_joined_to_its_reason(warning, made, zh, en):
    from allocator.policy import reason

    code, params = made
    found = reason(code, warning=warning, **params)
    assert (found.warning, found.message.zh, found.message.en) == (warning, zh, en)


# -- roster screening (Art. 6, 17, 18) ------------------------------------------------------
def test_roster_screening_says_each_failure_and_the_change_whole():
    from allocator.examples import applicant
    from tests.test_screening import problem_of

    # Five asked for; of six listed, two qualify, two are employed since November (less than
    # six months), one has a falsification record, one is from overseas: most failures first,
    # ties in the order of the articles. All roles blank, so eligible is min(5, 2).
    people = [applicant(1, 1), applicant(2, 1), applicant(3, 1, hired_on="2026-11-01"),
              applicant(4, 1, hired_on="2026-11-02"), applicant(5, 1, falsified=True),
              applicant(6, 1, origin="overseas")]
    row = problem_of([employer(1, demand_total=5)], people).employers.iloc[0]
    assert (row.requested, row.eligible) == (5, 2)
    assert [(r.code, r.article, r.amount, r.message.zh, r.message.en) for r in row.reasons] == [(
        "ROSTER_SCREENED", "6, 17, 18", -3,
        "人员名单审核：申报5人，名单中2人符合第六条（2人聘用未满6个月，1人有弄虚作假记录，"
        "1人属港澳台或境外人才、不占本指标）；有效需求按各类人员中符合条件的人数计，减少3个。",
        "Roster screening: Requested 5; 2 on the roster meet Art. 6 (2 employed less than 6 "
        "months, 1 with a falsification record, 1 from Hong Kong, Macao, Taiwan or overseas, "
        "outside this quota); each role's eligible demand is at most its qualified applicants, "
        "3 fewer.")]


def test_an_employer_missing_from_the_roster_is_excluded_or_kept_as_the_scenario_says():
    from allocator.examples import applicant
    from tests.test_screening import SCENARIO, problem_of

    firms = [employer(1, demand_total=3), employer(2, demand_total=7)]
    people = [applicant(1, 1), applicant(2, 1), applicant(3, 1)]
    excluded = problem_of(firms, people, SCENARIO.with_values({"roster.unlisted": "exclude"}))
    second = excluded.employers.iloc[1]
    assert (second.requested, second.eligible) == (7, 0)
    assert [(r.code, r.article, r.amount, r.message.zh, r.message.en)
            for r in second.reasons] == [(
                "ROSTER_UNLISTED", "6", -7,
                "人员名单中没有该单位的人员，按方案规定不予分配，减少7个。",
                "No applicant of this employer is on the roster: under the scenario it "
                "receives nothing, 7 fewer.")]
    kept = problem_of(firms, people, SCENARIO.with_values({"roster.unlisted": "keep"}))
    assert (kept.employers.iloc[1].eligible, list(kept.employers.iloc[1].reasons)) == (7, [])
    assert [(w.code, w.row, w.message.zh, w.message.en) for w in kept.warnings
            if w.code == "ROSTER_UNLISTED"] == [(
                "ROSTER_UNLISTED", 3, "人员名单中没有该单位的人员，按申报数保留，未经人员审核。",
                "No applicant of this employer is on the roster: its declared demand stands, "
                "unscreened.")]


def test_guarantees_the_scenario_leaves_inert_are_warned_in_words():
    from allocator.examples import submissions
    from allocator.policy import build_problem
    from allocator.scenario import default_scenario

    # Two top-100 firms of three, and neither Art. 8 guarantee in the scenario.
    firms = [employer(1, demand_total=5, top100=True, demand_senior=2, demand_key_staff=1,
                      demand_other=2),
             employer(2, demand_total=4, top100=True, demand_senior=1, demand_key_staff=3,
                      demand_other=0),
             employer(3, demand_total=5)]
    scenario = default_scenario(20).with_values({"guarantee.top100_senior": 0,
                                                 "guarantee.top100_key_staff": 0})
    problem = build_problem(submissions(firms), scenario)
    assert [(w.code, w.row, w.credit_code, w.message.zh, w.message.en)
            for w in problem.warnings] == [
        ("GUARANTEE_SENIOR_INERT", None, None,
         "本方案百强企业高管保障比例为0：2家区级百强企业的高级管理人员不享有第八条“全力支持”的保障。",
         "The scenario guarantees 0 % of top-100 senior managers: the 'full support' of Art. 8 "
         "guarantees nothing to the senior managers of 2 district top-100 firm(s)."),
        ("GUARANTEE_KEY_STAFF_INERT", None, None,
         "本方案百强企业业务骨干保障比例为0：第八条“一定比例业务骨干”的保障对2家区级百强企业不起作用，"
         "其业务骨干与普通单位的申报同等对待。",
         "The scenario guarantees 0 % of top-100 key staff: the 'share of key staff' of Art. 8 "
         "does nothing for 2 district top-100 firm(s), whose key staff are treated like any "
         "employer's demand."),
    ]
    assert list(problem.column("guaranteed")) == [0, 0, 0]
