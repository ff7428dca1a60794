"""Every kind of sentence and headline line the explanation writes, whole, in both languages.

Each plan is small enough to work by hand: its divisor (the one with the fewest digits inside
the interval of divisors that reproduce it), every quotient and every outcome are derived in the
comments. The sentences are typed out, not read from the message catalogue; a changed word,
figure, article or punctuation mark fails here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from allocator.examples import employer
from allocator.explain import explain_plan, plan_summary
from tests.test_explain import plan_for


def sentences(plan) -> list[tuple[str, str]]:
    return [(e.sentence.en, e.sentence.zh) for e in explain_plan(plan)]


def lines(plan) -> list[tuple[str, str]]:
    return [(line.en, line.zh) for line in plan_summary(plan).lines]


def test_ceilings_gates_and_a_cut_to_nothing():
    # Cap 10, at most 6 per employer. Eligible: 20 (ceiling 6), 3 and 4; two employers are
    # excluded (every gate named, in the order of the rules), one cut to nothing.
    # Sainte-Laguë: the first takes its 6 whatever the divisor below 20/6.5; the other 4 go to
    # claims 3 and 4: priorities 3/0.5, 4/0.5, 4/1.5 ≈ 2.67, 3/1.5 = 2 win, 4/2.5 = 1.6 does
    # not. Any D in (1.6, 2) reproduces 6, 2, 2; one decimal: 1.7, 1.8, 1.9, nearest the
    # midpoint 1.8. Quotients 20/1.8 ≈ 11.11, 3/1.8 ≈ 1.67, 4/1.8 ≈ 2.22.
    plan = plan_for([
        employer(1, demand_total=20), employer(2, demand_total=3), employer(3, demand_total=4),
        employer(4, demand_total=4, unit_type="other", status="suspended",
                 negative_list="restricted"),
        employer(5, demand_total=6, status="terminated", negative_list="prohibited"),
        employer(6, demand_total=5, violations=(1,)),
    ], 10, **{"method.max_per_employer": 6, "sanctions.restricted_industry": "exclude",
              "sanctions.violation_cut.1": 5})
    assert sentences(plan) == [
        ("Requested 20; eligible 20; floor 0, ceiling 6 (the scenario's per-employer ceiling of "
         "6 (total-volume control, Art. 4)); weight 1; claim 1 × 20 = 20; quotient 20 ÷ 1.8 ≈ "
         "11.11 (divisor of the allocatable cap), rounded to 11 by Sainte-Laguë; allocated 6: "
         "capped at the per-employer ceiling.",
         "申报20个；合格20个；下限0个、上限6个（依方案单位上限（第四条总量控制）6个）；权重1；"
         "分配依据1×20=20；商20÷1.8≈11.11（按全区可分配总量的除数），按圣拉古法取整为11；"
         "分配6个：以单位上限为限。"),
        ("Requested 3; eligible 3; floor 0, ceiling 3; weight 1; claim 1 × 3 = 3; quotient "
         "3 ÷ 1.8 ≈ 1.67 (divisor of the allocatable cap), rounded to 2 by Sainte-Laguë; "
         "allocated 2.",
         "申报3个；合格3个；下限0个、上限3个；权重1；分配依据1×3=3；商3÷1.8≈1.67"
         "（按全区可分配总量的除数），按圣拉古法取整为2；分配2个。"),
        ("Requested 4; eligible 4; floor 0, ceiling 4; weight 1; claim 1 × 4 = 4; quotient "
         "4 ÷ 1.8 ≈ 2.22 (divisor of the allocatable cap), rounded to 2 by Sainte-Laguë; "
         "allocated 2.",
         "申报4个；合格4个；下限0个、上限4个；权重1；分配依据1×4=4；商4÷1.8≈2.22"
         "（按全区可分配总量的除数），按圣拉古法取整为2；分配2个。"),
        ("Requested 4; excluded: ineligible unit type under Art. 5, right to apply suspended "
         "under Art. 13, restricted industry under Art. 3; allocated 0.",
         "申报4个；不予分配：单位类型不在可申请之列（第五条），申请资格已暂停（第十三条），"
         "属限制类行业（第三条）；分配0个。"),
        ("Requested 6; excluded: right to apply terminated under Art. 13, prohibited industry "
         "under Art. 3; allocated 0.",
         "申报6个；不予分配：申请资格已终止（第十三条），属禁止类行业（第三条）；分配0个。"),
        ("Requested 5; eligible 0 (violation, Art. 16(1), −5); nothing eligible after the cuts: "
         "allocated 0.",
         "申报5个；合格0个（因违规情形依第十六条第一项减5个）；压减后无合格需求，分配0个。"),
    ]
    # Requested 42, eligible 27; 10 of 42 is 23.8 %, 10 of 27 is 37.0 %.
    assert lines(plan) == [
        ("Annual cap 10, reserve 0, allocatable 10; requested 42, eligible 27.",
         "年度总量10个，预留0个，可分配10个；申报42个，合格27个。"),
        ("Allocated 10, unallocated 0; fill rate 23.8% of requested, 37% of eligible demand.",
         "已分配10个，未分配0个；满足率：占申报23.8%，占合格需求37%。"),
        ("Sainte-Laguë, divisor 1.8: 10 permits divided among the 3 employers taking part in "
         "the divisor apportionment (those rounded to 0 included); any divisor strictly between "
         "1.6 and 2 gives the same plan, and the one with the fewest digits is shown.",
         "圣拉古法，除数1.8：10个指标在参与按除数分配的3家单位之间分配（其中按规则取整为0的单位"
         "也计在内）；除数在1.6与2之间（不含两端）所得方案都相同，取其中位数最少者。"),
        ("2 employers excluded, 10 requested permits.", "不予分配2家单位，涉及申报10个。"),
        ("1 employers cut, by 5 permits in all.", "压减1家单位，共减5个。"),
    ]


def test_a_claim_capped_at_its_eligible_demand_on_the_rounding_threshold():
    # Finance weighs 3: a claim of 3 for one permit, beside a claim of 10; cap 6. Priorities
    # 10/0.5, 10/1.5, 3/0.5 = 6, 10/2.5, 10/3.5, 10/4.5 ≈ 2.22 win, 10/5.5 ≈ 1.82 does not:
    # D in (1.82, 2.22), and 2 has no digits after the point. 3/2 = 1.5 sits exactly on
    # Sainte-Laguë's threshold, rounds up to 2, and is capped at the 1 eligible.
    plan = plan_for([employer(1, demand_total=1, sector="finance"),
                     employer(2, demand_total=10)], 6, **{"weights.sector.finance": 3})
    assert sentences(plan) == [
        ("Requested 1; eligible 1; floor 0, ceiling 1; weight 3 (sector Finance ×3 under "
         "Art. 8); claim 3 × 1 = 3; quotient 3 ÷ 2 = 1.5 (divisor of the allocatable cap), "
         "rounded to 2 by Sainte-Laguë (the quotient is exactly at the rounding threshold, so "
         "it rounds up); allocated 1: capped at eligible demand.",
         "申报1个；合格1个；下限0个、上限1个；权重3（依第八条重点产业“金融”×3）；分配依据3×1=3；"
         "商3÷2=1.5（按全区可分配总量的除数），按圣拉古法取整为2（商恰在取整界点上，向上取整）；"
         "分配1个：以合格需求为限。"),
        ("Requested 10; eligible 10; floor 0, ceiling 10; weight 1; claim 1 × 10 = 10; "
         "quotient 10 ÷ 2 = 5 (divisor of the allocatable cap), rounded to 5 by Sainte-Laguë; "
         "allocated 5.",
         "申报10个；合格10个；下限0个、上限10个；权重1；分配依据1×10=10；商10÷2=5"
         "（按全区可分配总量的除数），按圣拉古法取整为5；分配5个。"),
    ]
    # The interval's ends are 20/11 and 20/9, shown to six places.
    assert lines(plan)[2] == (
        "Sainte-Laguë, divisor 2: 6 permits divided among the 2 employers taking part in the "
        "divisor apportionment (those rounded to 0 included); any divisor strictly between "
        "≈1.818182 and ≈2.222222 gives the same plan, and the one with the fewest digits is "
        "shown.",
        "圣拉古法，除数2：6个指标在参与按除数分配的2家单位之间分配（其中按规则取整为0的单位也计在内）"
        "；除数在≈1.818182与≈2.222222之间（不含两端）所得方案都相同，取其中位数最少者。")


def test_a_guarantee_and_a_floor_that_raise_the_rounding():
    # Top-100 firm: 3 senior managers guaranteed of 5; beside it a claim of 20; cap 10. The
    # firm starts at 3, and the 7 others go to the 20 (its 7th priority 20/6.5 ≈ 3.08 beats
    # the firm's 4th, 5/3.5 ≈ 1.43, and its 8th, 20/7.5 ≈ 2.67, is refused): D in (2.67,
    # 3.08), so 3. 5/3 ≈ 1.67 rounds to 2, raised to the guarantee of 3; 20/3 ≈ 6.67 → 7.
    guarantee = plan_for([employer(1, demand_total=5, top100=True, demand_senior=3,
                                   demand_key_staff=0, demand_other=2),
                          employer(2, demand_total=20)], 10, **{"weights.top100": 1})
    assert sentences(guarantee)[0] == (
        "Requested 5; eligible 5; floor 3, ceiling 5 (top-100 guarantee of 3 under Art. 8); "
        "weight 1; claim 1 × 5 = 5; quotient 5 ÷ 3 ≈ 1.67 (divisor of the allocatable cap), "
        "rounded to 2 by Sainte-Laguë; allocated 3: raised to the top-100 guarantee.",
        "申报5个；合格5个；下限3个、上限5个（依第八条保障百强企业3个）；权重1；分配依据1×5=5；"
        "商5÷3≈1.67（按全区可分配总量的除数），按圣拉古法取整为2；分配3个：提高到百强企业保障数。")
    # Every employer gets at least 2; cap 12. The 30 takes 8 more than its floor (its 10th
    # priority 30/9.5 ≈ 3.16 wins, its 11th 30/10.5 ≈ 2.86 does not, nor the 3's third,
    # 3/2.5 = 1.2): D in (2.86, 3.16), so 3; 3/3 = 1, raised to the floor of 2.
    floor = plan_for([employer(1, demand_total=3), employer(2, demand_total=30)], 12,
                     **{"method.min_per_employer": 2})
    assert sentences(floor) == [
        ("Requested 3; eligible 3; floor 2, ceiling 3 (the scenario's minimum per employer (the "
         "district's practice under Art. 19) raises the floor by 2); weight 1; claim 1 × 3 = 3; "
         "quotient 3 ÷ 3 = 1 (divisor of the allocatable cap), rounded to 1 by Sainte-Laguë; "
         "allocated 2: raised to the minimum per employer.",
         "申报3个；合格3个；下限2个、上限3个（依方案每单位最低指标（本区依第十九条的做法），下限提高"
         "2个）；权重1；分配依据1×3=3；商3÷3=1（按全区可分配总量的除数），按圣拉古法取整为1；"
         "分配2个：提高到每单位最低指标。"),
        ("Requested 30; eligible 30; floor 2, ceiling 30 (the scenario's minimum per employer "
         "(the district's practice under Art. 19) raises the floor by 2); weight 1; claim "
         "1 × 30 = 30; quotient 30 ÷ 3 = 10 (divisor of the allocatable cap), rounded to 10 by "
         "Sainte-Laguë; allocated 10.",
         "申报30个；合格30个；下限2个、上限30个（依方案每单位最低指标（本区依第十九条的做法），"
         "下限提高2个）；权重1；分配依据1×30=30；商30÷3=10（按全区可分配总量的除数），"
         "按圣拉古法取整为10；分配10个。"),
    ]


def test_a_tie_at_the_cut_off_whole():
    # Claims 7, 2, 1 and 5 permits: 7/3.5 = 2 and 1/0.5 = 2 tie at the divisor 2 for the last
    # permit; the earlier submission (the third employer) wins it.
    plan = plan_for([employer(1, demand_total=7, submitted_on=date(2026, 11, 2)),
                     employer(2, demand_total=2, submitted_on=date(2026, 11, 1)),
                     employer(3, demand_total=1, submitted_on=date(2026, 10, 9))], 5)
    first, _, third = sentences(plan)
    assert first == (
        "Requested 7; eligible 7; floor 0, ceiling 7; weight 1; claim 1 × 7 = 7; quotient "
        "7 ÷ 2 = 3.5 (divisor of the allocatable cap), rounded to 4 by Sainte-Laguë (the "
        "quotient is exactly at the rounding threshold, so it rounds up); allocated 3: lost a "
        "tie of 2 employers for the last 1 permit(s), tie broken by submission date, one below "
        "the rounding.",
        "申报7个；合格7个；下限0个、上限7个；权重1；分配依据1×7=7；商7÷2=3.5（按全区可分配总量的"
        "除数），按圣拉古法取整为4（商恰在取整界点上，向上取整）；分配3个：2家单位并列争夺最后1个"
        "名额，按申报日期先后未得，比取整结果少1个。")
    assert third == (
        "Requested 1; eligible 1; floor 0, ceiling 1; weight 1; claim 1 × 1 = 1; quotient "
        "1 ÷ 2 = 0.5 (divisor of the allocatable cap), rounded to 1 by Sainte-Laguë (the "
        "quotient is exactly at the rounding threshold, so it rounds up); allocated 1: won a "
        "tie of 2 employers for the last 1 permit(s), tie broken by submission date.",
        "申报1个；合格1个；下限0个、上限1个；权重1；分配依据1×1=1；商1÷2=0.5（按全区可分配总量的"
        "除数），按圣拉古法取整为1（商恰在取整界点上，向上取整）；分配1个：2家单位并列争夺最后1个"
        "名额，按申报日期先后胜出。")
    assert lines(plan)[2:] == [
        ("Sainte-Laguë, divisor 2: 5 permits divided among the 3 employers taking part in the "
         "divisor apportionment (those rounded to 0 included); the divisor can only be the tie "
         "point 2, where the tied employers' quotients sit on the rounding threshold.",
         "圣拉古法，除数2：5个指标在参与按除数分配的3家单位之间分配（其中按规则取整为0的单位也计在内）"
         "；除数只能取并列点2：并列单位的商正落在取整界点上。"),
        ("1 tie(s) at the cut-off, broken by the tie-break order and listed.",
         "临界名额并列1处，已按决胜顺序处理并逐一列明。"),
    ]


def test_enough_permits_for_everyone_after_two_cuts_a_floor_and_a_tilt():
    # 10 asked; restricted industry: half cut (5 left); used 2 of last year's 10, below 50 %:
    # one more (4 left). Floor 2; positive list ×1.1: claim 4.4. The cap of 10 is more than
    # the 4 eligible: the full ceiling, and 6 stay unallocated.
    plan = plan_for([employer(1, demand_total=10, negative_list="restricted", prior_quota=10,
                              prior_used=2, positive_list=True)], 10,
                    **{"sanctions.restricted_industry": Decimal("0.5"),
                       "utilisation.min_rate": Decimal("0.5"), "utilisation.cut": 1,
                       "method.min_per_employer": 2, "weights.positive_list": Decimal("1.1")})
    assert sentences(plan) == [(
        "Requested 10; eligible 4 (restricted industry, Art. 3, −5, low use of last year's "
        "quota, Art. 19, −1); floor 2, ceiling 4 (the scenario's minimum per employer (the "
        "district's practice under Art. 19) raises the floor by 2); weight 1.1 (positive list "
        "(supported and encouraged industries) ×1.1 under Art. 3); claim 1.1 × 4 = 4.4; "
        "allocated 4: enough permits for everyone in scope, so its full ceiling.",
        "申报10个；合格4个（因属限制类行业依第三条减5个，因上年度指标使用率不足依第十九条减1个）；"
        "下限2个、上限4个（依方案每单位最低指标（本区依第十九条的做法），下限提高2个）；权重1.1"
        "（依第三条正面清单（支持和鼓励发展产业目录）×1.1）；分配依据1.1×4=4.4；分配4个：本范围"
        "名额充足，按上限全额分配。")]
    assert lines(plan)[-1] == (
        "Eligible demand of 4 (4 after ceilings) is below the allocatable 10: 6 permits stay "
        "unallocated.",
        "合格需求4个（计单位上限后4个）少于可分配总量10个，6个指标未分配。")


def test_no_room_and_first_permits():
    # At most 5 % of a cap of 10 per employer: half a permit, rounded down to a ceiling of 0.
    none = plan_for([employer(1, demand_total=3)], 10, **{"method.max_share": Decimal("0.05")})
    assert sentences(none) == [(
        "Requested 3; eligible 3; floor 0, ceiling 0 (the scenario's per-employer ceiling of 0 "
        "(total-volume control, Art. 4)); weight 1; claim 1 × 3 = 3; per-employer ceiling of 0: "
        "allocated 0.",
        "申报3个；合格3个；下限0个、上限0个（依方案单位上限（第四条总量控制）0个）；权重1；"
        "分配依据1×3=3；单位上限为0，分配0个。")]
    # Huntington–Hill gives every claim a first permit before any second: with 2 permits for
    # three employers, the two largest claims take one each, and no divisor can round the
    # third to 0.
    few = plan_for([employer(1, demand_total=5), employer(2, demand_total=3),
                    employer(3, demand_total=1)], 2, **{"method.rule": "huntington-hill"})
    assert [sentence for sentence in sentences(few)][::2] == [
        ("Requested 5; eligible 5; floor 0, ceiling 5; weight 1; claim 1 × 5 = 5; allocated 1: "
         "fewer permits than employers, so first permits go to the largest claims and the rest "
         "keep their floor.",
         "申报5个；合格5个；下限0个、上限5个；权重1；分配依据1×5=5；分配1个：名额少于单位数，"
         "首个名额按分配依据从大到小分配，其余单位只得下限。"),
        ("Requested 1; eligible 1; floor 0, ceiling 1; weight 1; claim 1 × 1 = 1; allocated 0: "
         "fewer permits than employers, so first permits go to the largest claims and the rest "
         "keep their floor.",
         "申报1个；合格1个；下限0个、上限1个；权重1；分配依据1×1=1；分配0个：名额少于单位数，"
         "首个名额按分配依据从大到小分配，其余单位只得下限。"),
    ]


def test_an_infeasible_plan_has_a_headline_that_says_so():
    # A guarantee of 3 above a cap of 2.
    plan = plan_for([employer(1, demand_total=3, top100=True, demand_senior=3, demand_other=0)],
                    2, **{"weights.top100": 1})
    assert lines(plan) == [
        ("Annual cap 2, reserve 0, allocatable 2; requested 3, eligible 3.",
         "年度总量2个，预留0个，可分配2个；申报3个，合格3个。"),
        ("The scenario is infeasible: nothing allocated.", "方案不可行，未分配。"),
    ]


def test_a_cut_of_nothing_is_counted_apart_and_no_divisor_is_needed_below_the_cap():
    # 5 % of 10 rounded down removes nothing, yet the sanction applied and is shown; item 2
    # removes 2. The cap of 30 exceeds the 18 eligible: everyone's full ceiling, no divisor.
    plan = plan_for([employer(1, demand_total=10, violations=(6,)),
                     employer(2, demand_total=10, violations=(2,))], 30,
                    **{"sanctions.violation_cut.6": Decimal("0.05"),
                       "sanctions.share_rounding": "down", "sanctions.violation_cut.2": 2})
    assert sentences(plan)[0] == (
        "Requested 10; eligible 10 (violation, Art. 16(6), −0); floor 0, ceiling 10; weight 1; "
        "claim 1 × 10 = 10; allocated 10: enough permits for everyone in scope, so its full "
        "ceiling.",
        "申报10个；合格10个（因违规情形依第十六条第六项减0个）；下限0个、上限10个；权重1；"
        "分配依据1×10=10；分配10个：本范围名额充足，按上限全额分配。")
    assert lines(plan)[1:] == [
        ("Allocated 18, unallocated 12; fill rate 90% of requested, 100% of eligible demand.",
         "已分配18个，未分配12个；满足率：占申报90%，占合格需求100%。"),
        ("Sainte-Laguë, divisor —: 18 permits divided among the 2 employers taking part in the "
         "divisor apportionment (those rounded to 0 included).",
         "圣拉古法，除数—：18个指标在参与按除数分配的2家单位之间分配（其中按规则取整为0的单位也计在内）。"),
        ("2 employers cut (1 of them by 0 under the rules), by 2 permits in all.",
         "压减2家单位（其中1家按规则减0个），共减2个。"),
        ("Eligible demand of 18 (18 after ceilings) is below the allocatable 30: 12 permits stay "
         "unallocated.",
         "合格需求18个（计单位上限后18个）少于可分配总量30个，12个指标未分配。"),
    ]


def test_a_group_at_its_bound_has_its_own_headline_line():
    # As in test_explain: finance may take at most 12 of 40. Inside the group D ∈ (4, 40/9),
    # 4.2; the cap's divisor serves the one employer outside it, 28 permits: D ∈ (40/28.5,
    # 40/27.5) = (1.403509…, 1.454545…), 1.43.
    plan = plan_for([employer(1, demand_total=30, sector="finance"),
                     employer(3, demand_total=20, sector="finance"),
                     employer(2, demand_total=40)], 40,
                    groups={"fin": {"sector": "finance", "max": 12}})
    assert lines(plan)[2:] == [
        ("Sainte-Laguë, divisor 1.43: 28 permits divided among the 1 employers taking part in "
         "the divisor apportionment (those rounded to 0 included); any divisor strictly between "
         "≈1.403509 and ≈1.454545 gives the same plan, and the one with the fewest digits is "
         "shown.",
         "圣拉古法，除数1.43：28个指标在参与按除数分配的1家单位之间分配（其中按规则取整为0的单位也计在内）"
         "；除数在≈1.403509与≈1.454545之间（不含两端）所得方案都相同，取其中位数最少者。"),
        ("Group 'fin' (priority sector 'Finance') is at its bound and has its own divisor 4.2: "
         "12 permits divided among its 2 employers; any divisor strictly between 4 and "
         "≈4.444444 gives the same plan, and the one with the fewest digits is shown.",
         "分组“fin”（重点产业“金融”）达到上下限，单独按除数4.2分配：12个指标在其2家单位之间分配；"
         "除数在4与≈4.444444之间（不含两端）所得方案都相同，取其中位数最少者。"),
    ]


def test_every_permit_to_a_guarantee_leaves_the_divisor_open_above():
    # The cap of 3 goes to the top-100 guarantee; the other employer's first permit (5/0.5 =
    # 10) is refused, and nothing is awarded by priority: any D above 10 reproduces the plan.
    # The shortest decimal above 10 is 20: 3/20 = 0.15 and 5/20 = 0.25 both round to 0.
    plan = plan_for([employer(1, demand_total=3, top100=True, demand_senior=3, demand_other=0,
                              categories=(2,)),
                     employer(2, demand_total=5)], 3,
                    **{"weights.top100": 1, "weights.category.2": 1})
    assert sentences(plan)[1] == (
        "Requested 5; eligible 5; floor 0, ceiling 5; weight 1; claim 1 × 5 = 5; quotient "
        "5 ÷ 20 = 0.25 (divisor of the allocatable cap), rounded to 0 by Sainte-Laguë; "
        "allocated 0.",
        "申报5个；合格5个；下限0个、上限5个；权重1；分配依据1×5=5；商5÷20=0.25（按全区可分配总量的"
        "除数），按圣拉古法取整为0；分配0个。")
    assert lines(plan)[2] == (
        "Sainte-Laguë, divisor 20: 3 permits divided among the 2 employers taking part in the "
        "divisor apportionment (those rounded to 0 included); any divisor above 10 gives the "
        "same plan.",
        "圣拉古法，除数20：3个指标在参与按除数分配的2家单位之间分配（其中按规则取整为0的单位也计在内）"
        "；大于10的任一除数所得方案都相同。")
    # The breakdowns name their rows in both languages.
    summary = plan_summary(plan)
    assert summary.by_top100[["label_zh", "label_en", "employers"]].to_records().tolist() == [
        ("top100", "区级百强企业", "District top-100 firms", 1),
        ("other", "非百强企业", "Other employers", 1)]
    assert summary.by_category.loc[["2", "none"], ["label_zh", "label_en", "employers"]] \
        .to_records().tolist() == [
            ("2", "二、信用良好的上市企业", "2. Listed firms with good credit", 1),
            ("none", "未列入重点支持类别", "No priority category", 1)]


def test_roster_screening_in_the_sentence_and_the_headline():
    from allocator.examples import applicant
    from allocator.model import solve
    from tests.test_screening import problem_of

    firms = [employer(1, demand_total=2), employer(2, demand_total=3)]
    # Everyone listed qualifies: screening applied to both and lowered nothing.
    same = solve(problem_of(firms, [applicant(i, 1 + (i > 2)) for i in range(1, 6)]))
    assert lines(same)[3] == (
        "Roster screening of 2 employers lowered no eligible demand (Art. 6, 17, 18).",
        "人员名单审核2家单位，有效需求均未减少（第六条、第十七条、第十八条）。")
    # The second firm lists two for its three, one with a falsification record (Art. 17):
    # one qualifies, two fewer.
    lowered = solve(problem_of(firms, [applicant(1, 1), applicant(2, 1), applicant(3, 2),
                                       applicant(4, 2, falsified=True)]))
    assert sentences(lowered)[1] == (
        "Requested 3; eligible 1 (roster screening (qualified applicants on the roster), Art. 6, "
        "17, −2); floor 0, ceiling 1; weight 1; claim 1 × 1 = 1; allocated 1: enough permits "
        "for everyone in scope, so its full ceiling.",
        "申报3个；合格1个（因人员名单审核（名单中符合条件的人数）依第六条、第十七条减2个）；"
        "下限0个、上限1个；权重1；分配依据1×1=1；分配1个：本范围名额充足，按上限全额分配。")
    assert lines(lowered)[3] == (
        "Roster screening of 2 employers lowered the eligible demand of 1 of them, by 2 permits "
        "in all (Art. 6, 17, 18).",
        "人员名单审核2家单位，其中1家单位的有效需求减少，共减2个（第六条、第十七条、第十八条）。")


def test_an_employer_missing_from_the_roster_is_cut_to_nothing_in_words():
    from allocator.examples import applicant
    from allocator.model import solve
    from tests.test_screening import SCENARIO, problem_of

    # One applicant listed for the first firm's two; none for the second firm's three, which
    # the scenario then excludes: 1 + 3 permits fewer.
    excluding = SCENARIO.with_values({"roster.unlisted": "exclude"})
    plan = solve(problem_of([employer(1, demand_total=2), employer(2, demand_total=3)],
                            [applicant(1, 1)], excluding))
    assert sentences(plan)[1] == (
        "Requested 3; eligible 0 (no applicant of the employer on the roster, Art. 6, −3); "
        "nothing eligible after the cuts: allocated 0.",
        "申报3个；合格0个（因人员名单中无该单位人员依第六条减3个）；压减后无合格需求，分配0个。")
    assert lines(plan)[3] == (
        "Roster screening of 2 employers lowered the eligible demand of 2 of them, by 4 permits "
        "in all (Art. 6, 17, 18).",
        "人员名单审核2家单位，其中2家单位的有效需求减少，共减4个（第六条、第十七条、第十八条）。")


def test_a_divisor_with_three_decimals_and_an_employer_that_asked_for_nothing():
    # One claim of 1,000 for 810 permits: D ∈ (1000/810.5, 1000/809.5) = (1.233806…, 1.235330…);
    # no decimal of two places lies inside, and of three 1.234 and 1.235 do, 1.235 nearer the
    # midpoint 1.23457. 1000/1.235 ≈ 809.72 rounds to 810. An employer asking for nothing
    # is told so in a word.
    plan = plan_for([employer(1, demand_total=1000), employer(2, demand_total=0)], 810)
    assert sentences(plan) == [
        ("Requested 1000; eligible 1000; floor 0, ceiling 1000; weight 1; claim 1 × 1000 = 1000; "
         "quotient 1000 ÷ 1.235 ≈ 809.72 (divisor of the allocatable cap), rounded to 810 by "
         "Sainte-Laguë; allocated 810.",
         "申报1000个；合格1000个；下限0个、上限1000个；权重1；分配依据1×1000=1000；商1000÷1.235≈"
         "809.72（按全区可分配总量的除数），按圣拉古法取整为810；分配810个。"),
        ("Requested 0; allocated 0.", "申报0个；分配0个。"),
    ]
    assert [e.outcome for e in explain_plan(plan)] == ["as_rounded", "nothing_requested"]
    assert lines(plan)[:3] == [
        ("Annual cap 810, reserve 0, allocatable 810; requested 1,000, eligible 1,000.",
         "年度总量810个，预留0个，可分配810个；申报1,000个，合格1,000个。"),
        ("Allocated 810, unallocated 0; fill rate 81% of requested, 81% of eligible demand.",
         "已分配810个，未分配0个；满足率：占申报81%，占合格需求81%。"),
        ("Sainte-Laguë, divisor 1.235: 810 permits divided among the 1 employers taking part in "
         "the divisor apportionment (those rounded to 0 included); any divisor strictly between "
         "≈1.233806 and ≈1.23533 gives the same plan, and the one with the fewest digits is "
         "shown.",
         "圣拉古法，除数1.235：810个指标在参与按除数分配的1家单位之间分配（其中按规则取整为0的单位"
         "也计在内）；除数在≈1.233806与≈1.23533之间（不含两端）所得方案都相同，取其中位数最少者。"),
    ]


def test_hamilton_with_permits_for_everyone_gives_each_its_ceiling_as_its_share():
    # Cap 10 for demands 3 and 2: every share is the whole ceiling, exactly; Hamilton has no
    # divisor, and the headline says so.
    plan = plan_for([employer(1, demand_total=3), employer(2, demand_total=2)], 10,
                    **{"method.rule": "hamilton"})
    assert sentences(plan) == [
        ("Requested 3; eligible 3; floor 0, ceiling 3; weight 1; claim 1 × 3 = 3; Hamilton "
         "share (largest remainders, for comparison only) exactly 3; allocated 3.",
         "申报3个；合格3个；下限0个、上限3个；权重1；分配依据1×3=3；按最大余额法（仅供比较）"
         "比例份额恰为3；分配3个。"),
        ("Requested 2; eligible 2; floor 0, ceiling 2; weight 1; claim 1 × 2 = 2; Hamilton "
         "share (largest remainders, for comparison only) exactly 2; allocated 2.",
         "申报2个；合格2个；下限0个、上限2个；权重1；分配依据1×2=2；按最大余额法（仅供比较）"
         "比例份额恰为2；分配2个。"),
    ]
    assert lines(plan)[2] == (
        "Hamilton (largest remainders): 5 permits divided among the 2 employers in proportion "
        "to their claims, with no divisor.",
        "最大余额法：5个指标按分配依据的比例在2家单位之间分配，无除数。")


def test_only_an_irrational_tie_has_a_derived_divisor_and_the_summary_counts_guarantees():
    # The guarantee plan above with a blacklisted employer besides: no tie, so a rational
    # divisor for everyone with room and none for the excluded; the guarantee of 3 is the only
    # one, and the ceilings are 5 + 20 (the blacklisted employer's is 0).
    plan = plan_for([employer(1, demand_total=5, top100=True, demand_senior=3,
                              demand_key_staff=0, demand_other=2),
                     employer(2, demand_total=20),
                     employer(3, demand_total=4, status="blacklisted")],
                    10, **{"weights.top100": 1})
    assert all(e.derived_divisor is False for e in explain_plan(plan))
    summary = plan_summary(plan)
    assert (summary.guaranteed, summary.upper, summary.requested, summary.eligible) == (
        3, 25, 29, 25)


def test_a_floor_the_minimum_lifted_above_a_guarantee_is_the_minimums():
    # Top-100 firm guaranteed 2 senior managers; every employer gets at least 3, so its floor
    # is 3, the minimum's. Cap 12: 3 + 3 floors, 6 more by Sainte-Laguë, all to the claim of
    # 30 (its 4th to 9th, 30/3.5 … 30/8.5 ≈ 3.53, beat the firm's 4th, 5/3.5 ≈ 1.43, and its
    # 10th, 30/9.5 ≈ 3.16, is refused): D ∈ (3.16, 3.53), one decimal nearest 3.34: 3.3.
    # 5/3.3 ≈ 1.52 rounds to 2, raised to the floor of 3 — the minimum per employer.
    plan = plan_for([employer(1, demand_total=5, top100=True, demand_senior=2,
                              demand_key_staff=0, demand_other=3),
                     employer(2, demand_total=30)], 12,
                    **{"weights.top100": 1, "method.min_per_employer": 3})
    assert sentences(plan)[0] == (
        "Requested 5; eligible 5; floor 3, ceiling 5 (top-100 guarantee of 2 under Art. 8, the "
        "scenario's minimum per employer (the district's practice under Art. 19) raises the "
        "floor by 1); weight 1; claim 1 × 5 = 5; quotient 5 ÷ 3.3 ≈ 1.52 (divisor of the "
        "allocatable cap), rounded to 2 by Sainte-Laguë; allocated 3: raised to the minimum per "
        "employer.",
        "申报5个；合格5个；下限3个、上限5个（依第八条保障百强企业2个，依方案每单位最低指标（本区依"
        "第十九条的做法），下限提高1个）；权重1；分配依据1×5=5；商5÷3.3≈1.52（按全区可分配总量的"
        "除数），按圣拉古法取整为2；分配3个：提高到每单位最低指标。")
    # A divisor plan has no Hamilton shares.
    assert [e.quota for e in explain_plan(plan)] == [None, None]
