"""Tests for allocator.methods: published results, hand-worked cases, brute force, properties.

Every expectation here is independent of the code under test: seat counts published by
returning officers and the US Census Bureau, arithmetic worked by hand in the comments, or an
exhaustive search that compares priorities with the tiny reference below, written from the
definitions (signposts squared, compared as Fractions).
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from allocator.methods import (
    ALIASES,
    DIVISOR_METHODS,
    Method,
    Tie,
    apportion,
    divisor_interval,
    hamilton,
    parse_method,
    priority,
    rounded,
    seat_order,
)

SL, DH, HH, AD, DE, HA = (Method.SAINTE_LAGUE, Method.DHONDT, Method.HUNTINGTON_HILL,
                          Method.ADAMS, Method.DEAN, Method.HAMILTON)


# -- an independent reference, from the definitions ------------------------------------------
def signpost_squared(method: Method, k: int) -> F:
    return {
        SL: lambda: (k + F(1, 2)) ** 2,
        DH: lambda: F(k + 1) ** 2,
        AD: lambda: F(k) ** 2,
        DE: lambda: (F(k * (k + 1)) / (k + F(1, 2))) ** 2,
        HH: lambda: F(k * (k + 1)),
    }[method]()


def ref_key(method: Method, claim, k: int) -> tuple[int, F]:
    """Comparable priority: (2, v) if infinite, (1, v²/s(k)²) if finite, (0, 0) if v = 0."""
    v = F(claim)
    if v == 0:
        return 0, F(0)
    s2 = signpost_squared(method, k)
    return (2, v) if s2 == 0 else (1, v * v / s2)


def ref_apportion(method, claims, total, lower, upper, order=None) -> tuple[int, ...]:
    """Every seat listed, sorted by (priority desc, order asc, k asc); the first ones win."""
    n = len(claims)
    order = list(range(n)) if order is None else order
    seats = [(ref_key(method, claims[i], k), order[i], i, k)
             for i in range(n) for k in range(lower[i], upper[i])]
    seats.sort(key=lambda s: ((-s[0][0], -s[0][1]), s[1], s[2], s[3]))
    x = list(lower)
    for _, _, i, _ in seats[: max(0, total - sum(lower))]:
        x[i] += 1
    return tuple(x)


def max_min_holds(method, claims, x, lower, upper) -> bool:
    refused = [ref_key(method, claims[i], x[i]) for i in range(len(x)) if x[i] < upper[i]]
    awarded = [ref_key(method, claims[i], x[i] - 1) for i in range(len(x)) if x[i] > lower[i]]
    return not refused or not awarded or max(refused) <= min(awarded)


def clamp(value: int, low: int, high: int | None) -> int:
    return max(low, value if high is None else min(value, high))


# -- published results ------------------------------------------------------------------------
# 2020 US Census apportionment populations (50 states, alphabetical) and the 435 House seats:
# U.S. Census Bureau, 2020 Census Apportionment Results, Table 1
# https://www2.census.gov/programs-surveys/decennial/2020/data/apportionment/apportionment-2020-table01.xlsx
# (https://www.census.gov/data/tables/2020/dec/2020-apportionment-data.html). Transcribed
# identically in two independent public repositories (an R package's test suite and a C++
# apportionment program citing Tables 01 and A), and the populations add up to the published
# apportionment population of 331,108,434.
STATES = ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN",
          "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV",
          "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN",
          "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY"]
US_2020_POPULATION = [
    5030053, 736081, 7158923, 3013756, 39576757, 5782171, 3608298, 990837, 21570527, 10725274,
    1460137, 1841377, 12822739, 6790280, 3192406, 2940865, 4509342, 4661468, 1363582, 6185278,
    7033469, 10084442, 5709752, 2963914, 6160281, 1085407, 1963333, 3108462, 1379089, 9294493,
    2120220, 20215751, 10453948, 779702, 11808848, 3963516, 4241500, 13011844, 1098163,
    5124712, 887770, 6916897, 29183290, 3275252, 643503, 8654542, 7715946, 1795045, 5897473,
    577719]
US_2020_SEATS = [7, 1, 9, 4, 52, 8, 5, 1, 28, 14, 2, 2, 17, 9, 4, 4, 6, 6, 2, 8, 9, 13, 8, 4, 8,
                 2, 3, 4, 2, 12, 3, 26, 14, 1, 15, 5, 6, 17, 2, 7, 1, 9, 38, 4, 1, 11, 10, 2, 8,
                 1]

# 2010 apportionment populations and seats (seats = the 2012–2020 electoral votes minus 2).
# Populations: Census 2010 apportionment counts, as transcribed in two independent public
# repositories; they add up to the published 309,183,463 (CRS report R41584, "House
# Apportionment 2010", https://www.everycrsreport.com/files/20110113_R41584_750cd7eef2ea834dd4437a5ccb051d80d339cd41.html).
US_2010_POPULATION = [
    4802982, 721523, 6412700, 2926229, 37341989, 5044930, 3581628, 900877, 18900773, 9727566,
    1366862, 1573499, 12864380, 6501582, 3053787, 2863813, 4350606, 4553962, 1333074, 5789929,
    6559644, 9911626, 5314879, 2978240, 6011478, 994416, 1831825, 2709432, 1321445, 8807501,
    2067273, 19421055, 9565781, 675905, 11568495, 3764882, 3848606, 12734905, 1055247,
    4645975, 819761, 6375431, 25268418, 2770765, 630337, 8037736, 6753369, 1859815, 5698230,
    568300]
US_2010_ELECTORAL_VOTES = [9, 3, 11, 6, 55, 9, 7, 3, 29, 16, 4, 4, 20, 11, 6, 6, 8, 8, 4, 10,
                           11, 16, 10, 6, 10, 3, 5, 6, 4, 14, 5, 29, 15, 3, 18, 7, 7, 20, 4, 9,
                           3, 11, 38, 6, 3, 13, 12, 5, 10, 3]


def test_us_house_2020_huntington_hill_with_one_seat_minimum():
    assert sum(US_2020_POPULATION) == 331_108_434
    result = apportion(US_2020_POPULATION, 435, HH, lower=[1] * 50)
    assert list(result.seats) == US_2020_SEATS
    assert result.ties == ()
    # The Census Bureau's priority list: seat 435 was Minnesota's 8th, seat 436 would have
    # been New York's 27th.
    assert result.last_awarded == priority(HH, US_2020_POPULATION[STATES.index("MN")], 7)
    assert result.first_refused == priority(HH, US_2020_POPULATION[STATES.index("NY")], 26)


@pytest.mark.parametrize(("state", "change", "moved"), [
    # "New York lost its seat by 89 people; Minnesota kept its seat by 26 people" — Election
    # Data Services' 2020 apportionment study (Census Table B2 gives the same 89 for NY).
    ("NY", +88, False), ("NY", +89, True), ("MN", -25, False), ("MN", -26, True),
])
def test_us_house_2020_published_margins(state, change, moved):
    population = list(US_2020_POPULATION)
    population[STATES.index(state)] += change
    seats = apportion(population, 435, HH, lower=[1] * 50).seats
    ny, mn = seats[STATES.index("NY")], seats[STATES.index("MN")]
    assert (ny, mn) == ((27, 7) if moved else (26, 8))


def test_us_house_2010_huntington_hill():
    assert sum(US_2010_POPULATION) == 309_183_463
    seats = [votes - 2 for votes in US_2010_ELECTORAL_VOTES]
    assert sum(seats) == 435
    assert list(apportion(US_2010_POPULATION, 435, HH, lower=[1] * 50).seats) == seats


def test_bundestag_2009_sainte_lague():
    # Second votes of the parties above the threshold, Bundestag election of 27 Sept 2009:
    # https://bundeswahlleiterin.de/en/bundestagswahlen/2009.html
    # CDU 11,828,277; SPD 9,990,488; FDP 6,316,080; DIE LINKE 5,155,933; GRÜNE 4,643,272;
    # CSU 2,830,238. Seats there: 194, 146, 93, 76, 68, 45, of which 24 overhang seats — 21
    # CDU, 3 CSU (bpb.de "Sitzverteilung 2009"; webarchiv.bundestag.de). The 598 regular
    # seats were apportioned by Sainte-Laguë/Schepers: CDU 173, CSU 42.
    votes = [11828277, 9990488, 6316080, 5155933, 4643272, 2830238]
    assert apportion(votes, 598, SL).seats == (194 - 21, 146, 93, 76, 68, 45 - 3)
    assert apportion(votes, 598, "webster").seats == (173, 146, 93, 76, 68, 42)


# Spain, European Parliament election of 26 May 2019: one national constituency, D'Hondt, no
# threshold. Votes: Wikipedia "Spain (European Parliament constituency)", final results
# (mirrored at https://gpedia.com/simple/Spain_(European_Parliament_constituency)). 54 seats
# were filled in 2019 (PSOE 20, PP 12, Cs 7, UP 6, Vox 3, Ahora Repúblicas 3, Junts 2, CEUS 1:
# https://www.acorianooriental.pt/noticia/psoe-ganha-eleicoes-e-elege-20-eurodeputados-num-total-de-54-300140);
# after Brexit Spain had 59, filled from the same result: 21, 13, 8, 6, 4, 3, 3, 1.
SPAIN_EP_2019 = [7369789, 4519205, 2731825, 2258857, 1393684, 1252139, 1018435, 633090, 296491,
                 295546, 65504, 50002, 32432, 29276, 28508, 25528, 23995, 21584, 19080, 16755,
                 15615, 14175]


@pytest.mark.parametrize(("seats", "expected"), [
    (54, [20, 12, 7, 6, 3, 3, 2, 1]),
    (59, [21, 13, 8, 6, 4, 3, 3, 1]),
])
def test_spain_european_parliament_2019_dhondt(seats, expected):
    zeros = [0] * (len(SPAIN_EP_2019) - len(expected))
    assert list(apportion(SPAIN_EP_2019, seats, DH).seats) == expected + zeros
    assert list(apportion(SPAIN_EP_2019, seats, "d'hondt").seats) == expected + zeros


def test_bundestag_2005_hare_niemeyer_is_hamilton():
    # Second votes 2005 (final): SPD 16,194,665; CDU 13,136,740; CSU 3,494,309; GRÜNE
    # 3,838,326; FDP 4,648,144; Die Linke. 4,118,194 —
    # http://www.bundeswahlleiter.de/en/bundestagswahlen/BTW_BUND_05/ergebnisse/bundesergebnisse/b_tabelle_99.html
    # Seats without the 16 overhang seats (Bundestag Datenhandbuch 1.13, 16. WP,
    # https://webarchiv.bundestag.de/archive/2011/1104/dokumente/datenhandbuch/01/01_13/01_13_05.html):
    # CDU/CSU 219, SPD 213, FDP 61, DIE LINKE 54, GRÜNE 51; all 7 CDU/CSU overhang seats were
    # CDU's, and CSU had 46 seats, so CDU 219 − 46 = 173.
    votes = [16194665, 13136740, 3494309, 3838326, 4648144, 4118194]
    assert hamilton(votes, 598).seats == (213, 173, 46, 51, 61, 54)
    assert apportion(votes, 598, "hare-niemeyer").seats == (213, 173, 46, 51, 61, 54)


# -- hand-worked cases ------------------------------------------------------------------------
def test_dhondt_by_hand():
    # v/(k+1): A 53, 26.5, 17.67, 13.25, 10.6 | B 24, 12, 8 | C 23, 11.5
    # best 7: 53 26.5 24 23 17.67 13.25 12 → A 4, B 2, C 1. Weakest awarded 12 (B's 2nd),
    # strongest refused 11.5 (C's 2nd): D strictly inside (11.5, 12); no 1- or 2-digit number
    # (12 is an end), 3 digits: 11.6 … 11.9; 11.7 and 11.8 lie equally near the midpoint
    # 11.75, and the larger is taken.
    result = apportion([53, 24, 23], 7, DH)
    assert result.seats == (4, 2, 1)
    assert result.last_awarded == priority(DH, 24, 1)
    assert result.first_refused == priority(DH, 23, 1)
    assert result.divisor == F(118, 10)
    assert divisor_interval(result) == (priority(DH, 23, 1), priority(DH, 24, 1))
    assert result.ties == ()


def test_sainte_lague_by_hand():
    # v/(k+½): A 106, 35.33, 21.2, 15.14 | B 48, 16, 9.6 | C 46, 15.33, 9.2
    # best 7: 106 48 46 35.33 21.2 16 15.33 → A 3, B 2, C 2; refused first: 15.142857 (53/3.5)
    # D in (15.142857, 15.333…): 10 and 15 are too small; 3 digits: 15.2 and 15.3, and
    # 15.2 is nearer the midpoint 15.238.
    result = apportion([53, 24, 23], 7, SL)
    assert result.seats == (3, 2, 2)
    assert result.divisor == F(152, 10)


def test_huntington_hill_by_hand():
    # s(k) = √(k(k+1)): ∞, 1.414, 2.449, 3.464, 4.472, 5.477
    # A(10): ∞ 7.071 4.082 2.887 2.236 1.826 | B(6): ∞ 4.243 2.449 1.732 | C(3): ∞ 2.121 1.225
    # best 9: ∞ ∞ ∞ 7.071 4.243 4.082 2.887 2.449 2.236 → A 5, B 3, C 1. Refused: 2.121 (C).
    # D in (2.1213, 2.2360]: 2 is too small, 2.2 fits.
    result = apportion([10, 6, 3], 9, HH)
    assert result.seats == (5, 3, 1)
    assert result.divisor == F(11, 5)
    # Check the rounding at D = 2.2 by hand: 10/2.2 = 4.545 ≥ √20 = 4.472 → 5;
    # 6/2.2 = 2.727 ≥ √6 → 3; 3/2.2 = 1.364 < √2 → 1.
    assert [rounded(HH, F(v) / F(11, 5)) for v in (10, 6, 3)] == [5, 3, 1]


def test_adams_by_hand():
    # v/k: A(10): ∞ 10 5 3.33 2.5 | B(6): ∞ 6 3 2 | C(3): ∞ 3 1.5
    # best 9: ∞ ∞ ∞ 10 6 5 3.33 3 3 → A 4, B 3, C 2 (both 3s fit, no tie). Refused: 2.5.
    # D strictly inside (2.5, 3): 2.6 … 2.9; 2.7 and 2.8 are equally near 2.75: 2.8.
    result = apportion([10, 6, 3], 9, AD)
    assert result.seats == (4, 3, 2)
    assert result.divisor == F(28, 10)
    assert result.ties == ()


def test_adams_fewer_seats_than_claimants_orders_infinite_priorities_by_claim():
    # Every first seat has priority ∞; among them the larger claim comes first.
    result = apportion([24, 53, 23], 2, AD)
    assert result.seats == (1, 1, 0)
    assert result.last_awarded.infinite and result.first_refused.infinite
    assert result.divisor is None  # no finite D gives C nothing under Adams


def test_dean_tie_by_hand():
    # s(k) = k(k+1)/(k+½): 0, 4/3, 2.4, 24/7, 40/9
    # A(10): ∞ 7.5 4.1667 2.9167 2.25 | B(6): ∞ 4.5 2.5 1.75 | C(3): ∞ 2.25 1.25
    # best 8: ∞ ∞ ∞ 7.5 4.5 4.1667 2.9167 2.5, then A's 5th and C's 2nd are both exactly
    # 10·9/40 = 3·3/4 = 9/4 for the 9th seat: a tie, broken by order.
    result = apportion([10, 6, 3], 9, DE)
    assert result.seats == (5, 3, 1)
    assert result.ties == (Tie(claimants=(0, 2), seats=1, awarded=(0,)),)
    assert result.divisor == F(9, 4)  # the tied priority itself
    flipped = apportion([10, 6, 3], 9, DE, order=[2, 1, 0])
    assert flipped.seats == (4, 3, 2)
    assert flipped.ties == (Tie(claimants=(2, 0), seats=1, awarded=(2,)),)


def test_bounds_by_hand():
    # D'Hondt, A capped at 2, C at least 2: A 53 26.5 | B 24 12 8 6 | C starts at 2: 7.67 5.75
    # 7 − 2 = 5 seats to hand out: 53 26.5 24 12 8 → A 2, B 3, C 2.
    result = apportion([53, 24, 23], 7, DH, lower=[0, 0, 2], upper=[2, None, None])
    assert result.seats == (2, 3, 2)
    # D in (max(7.67, 6), 8) = (7.67, 8): 7.7, 7.8, 7.9, and 7.8 is nearest the midpoint
    # 7.83. Check: A clamp(⌊53/7.8⌋ = 6, 0, 2) = 2; B ⌊24/7.8⌋ = 3; C clamp(⌊23/7.8⌋ = 2, 2, ∞).
    assert result.divisor == F(78, 10)


def test_hamilton_by_hand_and_the_alabama_paradox():
    # T = 10: quotas 60/14 = 4.29, 4.29, 20/14 = 1.43 → 4 4 1, the 10th seat to C (.43).
    # T = 11: quotas 4.71 4.71 1.57 → 4 4 1, two seats to A and B (.71 > .57): C loses one.
    assert hamilton([6, 6, 2], 10).seats == (4, 4, 2)
    assert hamilton([6, 6, 2], 11).seats == (5, 5, 1)
    for method in DIVISOR_METHODS:
        for total in range(3, 30):
            smaller = apportion([6, 6, 2], total, method).seats
            larger = apportion([6, 6, 2], total + 1, method).seats
            assert all(a <= b for a, b in zip(smaller, larger, strict=True))


def test_hamilton_with_bounds_by_hand():
    # Quotas for 10 seats on 8:1:1 are 8, 1, 1; A capped at 5 → fixed at 5; B and C share
    # the other 5 at 2.5 each: 2 + 2, the last seat a tie of remainders ½, broken by order.
    result = hamilton([8, 1, 1], 10, upper=[5, None, None])
    assert result.seats == (5, 3, 2)
    assert result.ties == (Tie(claimants=(1, 2), seats=1, awarded=(1,)),)
    assert result.divisor is None and result.last_awarded is None
    # C at least 4: quotas 8, 1, 1 → C fixed at 4; A and B share 6 as 8:1 → 5.33, 0.67 → 5, 1.
    assert hamilton([8, 1, 1], 10, lower=[0, 0, 4]).seats == (5, 1, 4)


def test_a_tie_lists_its_winners_in_the_tie_break_order():
    # Three equal claims for two seats: the order puts the third first, then the second.
    result = apportion([1, 1, 1], 2, SL, order=[2, 1, 0])
    assert result.seats == (0, 1, 1)
    assert result.ties == (Tie(claimants=(2, 1, 0), seats=2, awarded=(2, 1)),)


def test_a_hamilton_tie_behind_a_larger_remainder_is_reported():
    # 5 seats on 19:15:15:1: quotas 1.9, 1.5, 1.5, 0.1 → 1, 1, 1, 0 and two seats left. The
    # first goes to A (.9); B and C tie at .5 for the second, broken by order.
    result = hamilton([19, 15, 15, 1], 5)
    assert result.seats == (2, 2, 1, 0)
    assert result.ties == (Tie(claimants=(1, 2), seats=1, awarded=(1,)),)


def test_spare_seats_go_to_zero_claims_by_the_tie_break_order():
    # The order puts the third claimant first: it takes the three spare seats and the first
    # zero claim is left wanting (a tie at priority 0, broken by the order).
    # Hamilton hands them out alike.
    for method in (SL, HA):
        result = apportion([0, 5, 0], 4, method, upper=[3, 1, 3], order=[1, 0, 0])
        assert result.seats == (0, 1, 3)
        assert result.ties == (Tie(claimants=(2, 0), seats=3, awarded=(2,)),)
        # Room for every spare seat (1 + 2 of 3): nobody is left wanting, so there is no tie.
        filled = apportion([0, 5, 0], 4, method, upper=[1, 1, 2])
        assert (filled.seats, filled.ties) == ((1, 1, 2), ())


def test_float_and_decimal_claims_are_taken_exactly():
    # 2.5 and 1.25 (both exact in binary and decimal), 3 seats by Sainte-Laguë: priorities
    # 2.5/0.5 = 5, 1.25/0.5 = 2.5, 2.5/1.5 ≈ 1.67 win; 1.25/1.5 ≈ 0.83 and 2.5/2.5 = 1 do not.
    assert apportion([Decimal("2.5"), 1.25], 3).seats == (2, 1)
    assert apportion([2.5, Decimal("1.25")], 3).seats == (2, 1)
    for infinite in (math.inf, Decimal("Infinity"), np.float64("nan")):
        with pytest.raises(ValueError) as refused:
            apportion([infinite, 1], 1)
        assert str(refused.value) == f"a claim must be finite, not {infinite}"


def test_the_decimal_exponent_of_a_square_just_above_a_power_of_100():
    from allocator.methods import _exponent

    # √(10¹⁶ + 1/17) is just above 10⁸; the logarithm in floating point says just below it.
    assert _exponent(F(17 * 10**16 + 1, 17)) == 8
    assert _exponent(F(10**16)) == 8 and _exponent(F(10**16) - F(1, 17)) == 7
    assert _exponent(F(1, 100)) == -1 and _exponent(F(99, 10000)) == -2


def test_zero_claims_get_seats_only_when_everyone_else_is_full():
    assert apportion([0, 5], 3, SL).seats == (0, 3)
    result = apportion([0, 5, 0], 4, SL, upper=[3, 1, 3])
    assert result.seats == (3, 1, 0)  # the three spare seats go to the first zero claim
    assert result.ties == (Tie(claimants=(0, 2), seats=3, awarded=(0,)),)
    assert result.divisor is None
    assert hamilton([0, 5, 0], 4, upper=[3, 1, 3]).seats == (3, 1, 0)


def test_everyone_full_and_no_seat_handed_out():
    full = apportion([3, 1], 10, DH, upper=[2, 2])
    assert full.seats == (2, 2)
    assert full.first_refused is None and full.divisor is None
    none = apportion([3, 1], 0, DH)
    assert none.seats == (0, 0) and none.last_awarded is None
    # Nothing handed out: any D above the strongest refused priority (3) works; the smallest
    # one-digit one is 4.
    assert none.divisor == 4


# -- exactness: adversarial near-ties --------------------------------------------------------
@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_claims_equal_in_double_precision_are_told_apart(method):
    assert float(10**17) == float(10**17 + 1)
    result = apportion([10**17, 10**17 + 1], 1, method)
    assert result.seats == (0, 1)
    assert result.ties == ()
    result = apportion([10**15 + 1, 10**15], 3, method, order=[1, 0])
    assert result.seats == (2, 1) and result.ties == ()


def test_huntington_hill_priorities_equal_in_double_precision():
    # p₁ = v₁/√2 (seat k=1) against p₂ = v₂/√6 (seat k=2): p₂ > p₁ ⇔ v₂² > 3v₁².
    v1 = 10**16
    below = math.isqrt(3 * v1 * v1)  # below² < 3v₁² < (below + 1)²
    for v2 in (below, below + 1):
        assert float(v1) / math.sqrt(2) == float(v2) / math.sqrt(6)  # doubles cannot tell
    # One seat to hand out: claimant 0's 2nd seat or claimant 1's 3rd. The order favours the
    # loser, so a float comparison with a tie-break would get it wrong.
    lower, upper = [1, 2], [2, 3]
    assert apportion([v1, below], 4, HH, lower, upper, order=[1, 0]).seats == (2, 2)
    assert apportion([v1, below + 1], 4, HH, lower, upper, order=[0, 1]).seats == (1, 3)
    assert priority(HH, v1, 1) > priority(HH, below, 2)
    assert priority(HH, v1, 1) < priority(HH, below + 1, 2)
    assert float(priority(HH, v1, 1)) == float(priority(HH, below, 2))


@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_many_near_ties_at_scale_match_the_reference(method):
    rng = np.random.default_rng(7)
    n = 1500
    base = 10**17
    claims = [base + int(d) for d in rng.integers(0, 4, n)]  # all equal as doubles
    claims[::7] = [F(3 * base + int(d), 3) for d in rng.integers(0, 4, len(claims[::7]))]
    lower = rng.integers(0, 2, n).tolist()
    upper = [a + int(b) for a, b in zip(lower, rng.integers(0, 4, n), strict=True)]
    order = rng.permutation(n).tolist()
    total = sum(lower) + int(rng.integers(1, sum(upper) - sum(lower)))
    expected = ref_apportion(method, claims, total, lower, upper, order)
    assert apportion(claims, total, method, lower, upper, order).seats == expected
    claimants, _ = seat_order(claims, lower, upper, method, order)
    prefix = np.bincount(claimants[: total - sum(lower)], minlength=n) + np.array(lower)
    assert tuple(prefix.tolist()) == expected


@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_extreme_dynamic_range_takes_the_exact_path(method):
    claims = [10**400, 1, 10**399, F(1, 10**300)]
    upper = [40, 3, 40, 3]
    expected = ref_apportion(method, claims, 30, [0, 1, 0, 0], upper)
    assert apportion(claims, 30, method, lower=[0, 1, 0, 0], upper=upper).seats == expected
    claimants, _ = seat_order(claims, [0, 1, 0, 0], upper, method)
    counts = np.bincount(claimants[:29], minlength=4) + np.array([0, 1, 0, 0])
    assert tuple(counts.tolist()) == expected


# -- brute force over tiny instances ----------------------------------------------------------
small_claims = st.one_of(
    st.integers(0, 6),
    st.fractions(min_value=0, max_value=6, max_denominator=4),
    st.sampled_from([10**17, 10**17 + 1, 2 * 10**17 + 2]),
)


@st.composite
def instances(draw, max_n: int = 4, max_extra: int = 3):
    n = draw(st.integers(1, max_n))
    claims = draw(st.lists(small_claims, min_size=n, max_size=n))
    lower = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    upper = [a + draw(st.integers(0, max_extra)) for a in lower]
    total = draw(st.integers(sum(lower), sum(upper) + 2))
    order = draw(st.permutations(range(n)))
    return claims, total, lower, upper, list(order)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from(DIVISOR_METHODS))
def test_brute_force_max_min_inequality_and_uniqueness(instance, method):
    claims, total, lower, upper, order = instance
    result = apportion(claims, total, method, lower, upper, order)
    seats = min(total, sum(upper))
    candidates = [x for x in itertools.product(*(range(a, b + 1) for a, b in
                                                  zip(lower, upper, strict=True)))
                  if sum(x) == seats]
    satisfying = [x for x in candidates if max_min_holds(method, claims, x, lower, upper)]
    assert result.seats in satisfying
    assert (len(satisfying) > 1) == bool(result.ties)
    assert result.seats == ref_apportion(method, claims, total, lower, upper, order)


@settings(max_examples=150, deadline=None)
@given(instances())
def test_brute_force_hamilton_quota_and_remainders(instance):
    claims, total, lower, upper, order = instance
    assume(any(c > 0 for c in claims))
    result = hamilton(claims, total, lower, upper, order)
    assert sum(result.seats) == min(total, sum(upper))
    assert all(a <= x <= b for a, x, b in zip(lower, result.seats, upper, strict=True))
    if all(c > 0 for c in claims) and total <= sum(upper):
        # Without binding bounds the result is within one of every exact quota.
        share = [F(total) * F(c) / sum(F(v) for v in claims) for c in claims]
        if all(a <= q <= b for a, q, b in zip(lower, share, upper, strict=True)):
            assert all(math.floor(q) <= x <= math.ceil(q)
                       for q, x in zip(share, result.seats, strict=True))


# -- properties -------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(instances(max_n=6, max_extra=5), st.sampled_from(DIVISOR_METHODS))
def test_house_monotone(instance, method):
    claims, total, lower, upper, order = instance
    smaller = apportion(claims, total, method, lower, upper, order).seats
    larger = apportion(claims, total + 1, method, lower, upper, order).seats
    assert all(a <= b for a, b in zip(smaller, larger, strict=True))
    assert sum(larger) == min(total + 1, sum(upper))


@settings(max_examples=150, deadline=None)
@given(instances(max_n=6, max_extra=5), st.sampled_from([*DIVISOR_METHODS, HA]), st.data())
def test_invariant_to_permuting_the_input(instance, method, data):
    claims, total, lower, upper, order = instance
    perm = data.draw(st.permutations(range(len(claims))))
    base = apportion(claims, total, method, lower, upper, order)
    moved = apportion([claims[i] for i in perm], total, method, [lower[i] for i in perm],
                      [upper[i] for i in perm], [order[i] for i in perm])
    assert moved.seats == tuple(base.seats[i] for i in perm)
    assert len(moved.ties) == len(base.ties)
    for a, b in zip(base.ties, moved.ties, strict=True):
        assert {perm[i] for i in b.claimants} == set(a.claimants)
        assert {perm[i] for i in b.awarded} == set(a.awarded) and a.seats == b.seats


@settings(max_examples=150, deadline=None)
@given(instances(max_n=6, max_extra=5), st.sampled_from(DIVISOR_METHODS), st.data())
def test_raising_a_claim_never_lowers_its_seats(instance, method, data):
    claims, total, lower, upper, order = instance
    i = data.draw(st.integers(0, len(claims) - 1))
    raise_by = data.draw(st.fractions(min_value=F(1, 10**6), max_value=5))
    before = apportion(claims, total, method, lower, upper, order).seats[i]
    claims = list(claims)
    claims[i] = F(claims[i]) + raise_by
    assert apportion(claims, total, method, lower, upper, order).seats[i] >= before


@settings(max_examples=200, deadline=None)
@given(instances(max_n=6, max_extra=5), st.sampled_from(DIVISOR_METHODS))
def test_divisor_reproduces_the_seats(instance, method):
    claims, total, lower, upper, order = instance
    result = apportion(claims, total, method, lower, upper, order)
    if result.divisor is None:
        # Only where no finite positive rational divisor exists: nobody was refused a seat,
        # the cut-off lies among first seats of infinite priority (a divisor of 0 for the
        # first seat), or a zero claim holds a seat above its floor.
        seats = result.seats
        nobody_refused = all(b is not None and x == b for x, b in zip(seats, upper, strict=True))
        zero_holds = any(v == 0 and x > a for v, a, x in zip(claims, lower, seats, strict=True))
        infinite_cut = method.value in ("adams", "dean", "huntington-hill") and any(
            x == 0 and v > 0 and (b is None or b > 0)
            for v, b, x in zip(claims, upper, seats, strict=True))
        # Or a Huntington-Hill tie: V/√(k(k+1)) is irrational for k ≥ 1 (k(k+1) is no square).
        hill_tie = method.value == "huntington-hill" and bool(result.ties)
        assert nobody_refused or zero_holds or infinite_cut or hill_tie
        return
    d = result.divisor
    assert d > 0
    losers = {i for tie in result.ties for i in tie.refused}
    for i, (v, a, b, x) in enumerate(zip(claims, lower, upper, result.seats, strict=True)):
        expected = clamp(rounded(method, F(v) / d), a, b)
        assert x == (expected - 1 if i in losers else expected)
    if not result.ties and result.last_awarded is not None and not result.last_awarded.infinite:
        # D lies strictly inside (first_refused, last_awarded), compared exactly through
        # squares: no quotient sits on a rounding threshold unless there is a tie.
        assert result.first_refused.square < d * d < result.last_awarded.square
        assert divisor_interval(result) == (result.first_refused, result.last_awarded)
        for v, a, b, x in zip(claims, lower, upper, result.seats, strict=True):
            q = F(v) / d  # between its bounds a seat's quotient lies strictly between signposts
            if a < x < (b if b is not None else x + 1) and v:
                assert signpost_squared(method, x - 1) < q * q < signpost_squared(method, x)


@settings(max_examples=150, deadline=None)
@given(instances(max_n=5, max_extra=4), st.sampled_from(DIVISOR_METHODS))
def test_seat_order_is_exact_and_consistent_with_apportion(instance, method):
    claims, total, lower, upper, order = instance
    claimants, ks = seat_order(claims, lower, upper, method, order)
    assert sorted(zip(claimants.tolist(), ks.tolist(), strict=True)) == [
        (i, k) for i in range(len(claims)) for k in range(lower[i], upper[i])]
    claimants, ks = claimants.tolist(), ks.tolist()
    keys = [ref_key(method, claims[i], k) for i, k in zip(claimants, ks, strict=True)]
    for j in range(len(keys) - 1):
        assert keys[j] >= keys[j + 1]
        if keys[j] == keys[j + 1]:
            assert (order[claimants[j]], ks[j]) < (order[claimants[j + 1]], ks[j + 1])
    awarded = apportion(claims, total, method, lower, upper, order).seats
    handed = max(0, min(total, sum(upper)) - sum(lower))
    counts = np.bincount(claimants[:handed], minlength=len(claims)).astype(int) + np.array(lower)
    assert tuple(counts.tolist()) == awarded


@settings(max_examples=200, deadline=None)
@given(small_claims, small_claims, st.integers(0, 5), st.integers(0, 5),
       st.sampled_from(DIVISOR_METHODS))
def test_priority_comparisons_match_the_definition(v1, v2, k1, k2, method):
    p1, p2 = priority(method, v1, k1), priority(method, v2, k2)
    r1, r2 = ref_key(method, v1, k1), ref_key(method, v2, k2)
    assert (p1 < p2) == (r1 < r2)
    assert (p1 == p2) == (r1 == r2)
    if p1 == p2:
        assert hash(p1) == hash(p2)


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=0, max_value=50, max_denominator=20),
       st.sampled_from(DIVISOR_METHODS))
def test_rounded_counts_the_signposts_reached(q, method):
    expected = 0 if q == 0 else sum(1 for k in range(60) if signpost_squared(method, k) <= q * q)
    assert rounded(method, q) == expected


# -- the divisor and priorities ---------------------------------------------------------------
def test_priority_values_and_infinity():
    assert priority(SL, 5, 2).value == 2
    assert priority(DE, 10, 4).value == F(9, 4)
    assert priority(HH, 5, 1).value is None  # 5/√2 is irrational
    assert priority(HH, 5, 1).square == F(25, 2)
    assert float(priority(HH, 5, 1)) == pytest.approx(5 / math.sqrt(2))
    assert priority(AD, 1, 0).infinite and float(priority(AD, 1, 0)) == math.inf
    assert priority(AD, 2, 0) > priority(AD, 1, 0) > priority(AD, 10**9, 1)
    assert not priority(AD, 0, 0).infinite and priority(AD, 0, 0) == priority(SL, 0, 7)
    assert priority(DH, 6, 2) == priority(SL, 5, 2)  # 6/3 = 5/2.5 = 2
    assert len({priority(DH, 6, 2), priority(SL, 5, 2), priority(DH, 2, 0)}) == 1


def test_hill_tie_has_no_rational_divisor():
    # Equal claims, Huntington–Hill: 5/√2 tied for the third seat — irrational, so None.
    result = apportion([5, 5], 3, HH)
    assert result.seats == (2, 1)
    assert result.ties == (Tie((0, 1), 1, (0,)),)
    assert result.divisor is None


def test_divisor_has_the_fewest_significant_digits():
    # US 2020: weakest awarded 762,997.7 (MN), strongest refused 762,994.35 (NY); the only
    # 6-digit decimals in between are 762,995 … 762,997, and 762,996 is nearest the midpoint
    # 762,996.03.
    result = apportion(US_2020_POPULATION, 435, HH, lower=[1] * 50)
    assert result.divisor == 762996


def test_rounded_at_the_signposts():
    assert [rounded(SL, F(x, 2)) for x in range(6)] == [0, 1, 1, 2, 2, 3]
    assert [rounded(DH, F(x, 2)) for x in range(6)] == [0, 0, 1, 1, 2, 2]
    assert [rounded(AD, F(x, 2)) for x in range(6)] == [0, 1, 2, 2, 3, 3]
    # Dean: s(1) = 4/3, s(2) = 12/5; Hill: s(1) = √2 ≈ 1.414, s(2) = √6 ≈ 2.449
    assert [rounded(DE, q) for q in (F(4, 3) - F(1, 10**9), F(4, 3), F(12, 5))] == [1, 2, 3]
    assert [rounded(HH, q) for q in (F(1414, 1000), F(1415, 1000), F(245, 100))] == [1, 2, 3]


# -- names and validation ---------------------------------------------------------------------
@pytest.mark.parametrize(("name", "method"), [
    ("webster", SL), ("Sainte-Laguë", SL), ("saint-lague", SL), ("jefferson", DH),
    ("D'Hondt", DH), ("d’hondt", DH), ("hill", HH), ("Huntington Hill", HH), ("adams", AD),
    ("dean", DE), ("hamilton", HA), ("HAMILTON", HA),
])
def test_parse_method(name, method):
    assert parse_method(name) is method


def test_parse_method_unknown_lists_the_names():
    with pytest.raises(ValueError, match="webster") as info:
        parse_method("borda")
    assert "borda" in str(info.value)
    assert set(ALIASES.values()) == set(Method)
    assert HA not in DIVISOR_METHODS and len(DIVISOR_METHODS) == 5


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"claims": [1, -1], "total": 3}, "claim 1 is negative (-1): claims must be >= 0"),
    ({"claims": [1, 2], "total": 3, "lower": [2, 0], "upper": [1, 5]},
     "claimant 0: lower bound 2 exceeds upper bound 1"),
    ({"claims": [1, 2], "total": 3, "lower": [2, 2]},
     "the lower bounds add up to 4, more than the total 3"),
    ({"claims": [1, 2], "total": -1}, "the total must be >= 0, not -1"),
    ({"claims": [1, 2], "total": 3, "upper": [1]}, "1 values of the upper bound for 2 claims"),
    ({"claims": [1, 2], "total": 3, "order": [0]}, "1 tie-break ranks for 2 claims"),
])
@pytest.mark.parametrize("method", [SL, HA])
def test_invalid_arguments(kwargs, message, method):
    with pytest.raises(ValueError) as refused:
        apportion(method=method, **kwargs)
    assert str(refused.value) == message


def test_docstring_examples():
    import doctest

    import allocator.claims
    import allocator.methods

    for module in (allocator.methods, allocator.claims):
        failed, tried = doctest.testmod(module)
        assert tried > 0 and failed == 0


def test_hamilton_has_no_priorities():
    quota = "Hamilton is a quota method: it has no signposts or priorities"
    with pytest.raises(ValueError) as refused:
        priority(HA, 1, 0)
    assert str(refused.value) == quota
    with pytest.raises(ValueError) as refused:
        seat_order([1], [0], [1], HA)
    assert str(refused.value) == quota
    with pytest.raises(ValueError) as refused:
        seat_order([1], [0], [None], SL)
    assert str(refused.value) == "seat_order needs a finite upper bound for every claimant"


# -- mutation survivors (docs/mutation.md): each case worked by hand ---------------------------
def test_parse_method_forgives_an_en_dash():
    # "Hare–Niemeyer" is how the name is usually typeset (an en dash, U+2013).
    assert parse_method("Hare–Niemeyer") is HA
    assert parse_method("Huntington–Hill") is HH


def test_exact_path_never_seats_a_claimant_already_at_its_upper_bound():
    # A claim 10³⁰⁰ times another leaves floats no precision: the exact path is taken. The
    # second claimant is pinned at 1 (lower = upper) though its D'Hondt priority 10²⁹⁹/2 is far
    # above the third's 1/1, so the two free seats go to the first (up to its bound) and third.
    result = apportion([10**300, 10**299, 1], 3, DH, lower=[0, 1, 0], upper=[1, 1, 10])
    assert result.seats == (1, 1, 1)


def test_hamilton_all_zero_claims_fill_within_each_upper_bound():
    # No positive claim: the 5 seats go to zero claims in input order, each up to its bound.
    # The first holds 1 (its lower bound) and can take 1 more; the second takes the other 3.
    # Both claims are 0, so input order decided who filled first and the second still wants
    # more: one tie between the two.
    result = hamilton([0, 0], 5, lower=[1, 0], upper=[2, 5])
    assert result.seats == (2, 3)
    assert [tie.claimants for tie in result.ties] == [(0, 1)]


def test_hamilton_exact_quotas_report_no_tie():
    # Quotas 2, 1, 1 are whole: every remainder is 0, nothing is left over, nothing is tied.
    result = hamilton([2, 1, 1], 4)
    assert result.seats == (2, 1, 1)
    assert result.ties == ()


def test_the_last_seat_awarded_is_the_weakest_even_within_float_precision():
    # D'Hondt, claims 10¹² and 10¹² + 1, two seats: one each. The seats' priorities 10¹² and
    # 10¹² + 1 differ by one part in 10¹², below float precision of the pre-pass: the weakest
    # awarded is exactly 10¹², the strongest refused (10¹² + 1)/2.
    result = apportion([10**12, 10**12 + 1], 2, DH)
    assert result.seats == (1, 1)
    assert result.last_awarded.value == 10**12
    assert result.first_refused.value == F(10**12 + 1, 2)


# -- mutation survivors, third sample (docs/mutation.md) -------------------------------------
@pytest.mark.parametrize("total", [2.5, float("nan"), float("inf"), F(7, 2),
                                   Decimal("2.5"), "3"])
def test_a_total_that_is_not_a_whole_number_is_refused(total):
    with pytest.raises(TypeError) as refused:
        apportion([3, 2], total)
    assert str(refused.value).startswith("the total must be a whole number, not ")


@pytest.mark.parametrize("total", [3.0, F(3), Decimal("3"), np.float64(3.0)])
def test_a_whole_total_written_as_a_float_or_fraction_is_that_count(total):
    # Sainte-Laguë, 3 seats for claims 3 and 2: quotients 3, 2, then 3/3 = 1 before 2/3.
    assert apportion([3, 2], total).seats == (2, 1)


def test_the_exact_path_stands_in_when_floating_point_reports_trouble(monkeypatch):
    """The fast path raises _FloatTrouble when its margins cannot tell two priorities apart (a
    safety net: the margins make it unreachable). The exact path then gives the published
    apportionment just the same."""
    from allocator import methods

    def trouble(p, method):
        raise methods._FloatTrouble

    monkeypatch.setattr(methods, "_allocate_fast", trouble)
    assert list(apportion(SPAIN_EP_2019, 54, DH).seats) == (
        [20, 12, 7, 6, 3, 3, 2, 1] + [0] * (len(SPAIN_EP_2019) - 8))
    votes = [11828277, 9990488, 6316080, 5155933, 4643272, 2830238]
    assert apportion(votes, 598, "webster").seats == (173, 146, 93, 76, 68, 42)


def test_a_priority_of_a_negative_claim_is_refused_in_words():
    from allocator.methods import Priority

    with pytest.raises(ValueError) as refused:
        Priority(DH, -1, 0)
    assert str(refused.value) == "a claim cannot be negative"


def test_a_priority_made_from_a_methods_name_is_that_methods():
    from allocator.methods import Priority

    # A name or an alias is normalised to the method, and the priority is worked with it:
    # Huntington–Hill's 5/√2 is irrational (no value), Dean's 10/s(4) = 10 / (20/4.5) = 9/4.
    hill = Priority("hill", 5, 1)
    assert hill.method is HH and hill.value is None and hill.square == F(25, 2)
    dean = Priority("dean", 10, 4)
    assert dean.method is DE and dean.value == F(9, 4)
    assert Priority("webster", 5, 2).method is SL and Priority("webster", 5, 2).value == 2
    # A NumPy seat index is kept as a Python int.
    assert type(Priority(DH, 6, np.int64(2)).k) is int and Priority(DH, 6, np.int64(2)).k == 2
    with pytest.raises(ValueError) as refused:
        Priority("hamilton", 5, 1)
    assert str(refused.value) == "Hamilton is a quota method: it has no signposts or priorities"


@pytest.mark.parametrize("k", [-1, 1.5, "2"])
def test_a_priority_of_a_seat_index_that_is_no_whole_number_from_0_is_refused_in_words(k):
    from allocator.methods import Priority

    with pytest.raises(ValueError) as refused:
        Priority(DH, 1, k)
    assert str(refused.value) == "seat index k must be an integer >= 0"


def test_exact_ranks_of_seat_indices_too_large_to_combine_with_the_claims_are_paired():
    from allocator.methods import _exact_rank, _problem

    # Seat indices near 2⁶¹ cannot be folded with two claim ids into one int64, so the seats
    # are ranked as (claim, k) pairs. Sainte-Laguë priorities: 3/0.5 = 6 first, then
    # 6/(2⁶¹ + 0.5), 6/(2⁶¹ + 1.5), 3/(2⁶¹ + 0.5); equal seats share a rank.
    p = _problem([6, 3], 2, None, None, None)
    big = 2**61
    ranks = _exact_rank(p, SL, np.array([0, 1, 0, 1, 0]), np.array([big, big, big + 1, 0, big]))
    assert ranks.tolist() == [1, 3, 2, 0, 1]


def test_bounds_and_claims_outside_what_an_apportionment_can_hold_are_refused_in_words():
    with pytest.raises(ValueError) as refused:
        apportion([1, 2], 2, DH, lower=[-1, 0])
    assert str(refused.value) == "lower bound 0 must be >= 0, not -1"
    with pytest.raises(ValueError):  # a bound of 2**50 seats or more
        apportion([1, 2], 2, DH, upper=[2**50, 5])
    with pytest.raises(TypeError) as refused:
        apportion([True, 2], 2, DH)
    assert str(refused.value) == "a claim must be a number, not a boolean"
