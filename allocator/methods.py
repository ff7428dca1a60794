"""Exact reference apportionment: divisor methods with bounds, and Hamilton (docs/policy.md).

The rule
--------
Claimant *i* has a claim vᵢ ≥ 0, a lower bound aᵢ ≥ 0 and an upper bound bᵢ ≥ aᵢ; *T* seats
are to be divided. A **divisor method** is fixed by its *signposts* s(k), k = 0, 1, 2, …, one in
each interval [k, k+1]:

==================  =============================  ============================
method              signpost s(k)                  also known as
==================  =============================  ============================
``sainte-lague``    k + ½ (arithmetic mean)        Webster, standard rounding
``dhondt``          k + 1                          Jefferson, rounding down
``adams``           k                              rounding up
``dean``            k(k+1)/(k+½) (harmonic mean)
``huntington-hill`` √(k(k+1)) (geometric mean)     equal proportions, US House
==================  =============================  ============================

The (k+1)-th seat of claimant *i* has the *priority* pᵢ(k) = vᵢ / s(k). Every claimant starts
at aᵢ; the seats (i, k) with aᵢ ≤ k < bᵢ are then handed out in order of decreasing priority
until T − Σaᵢ have been given or none remain (Balinski & Young, *Fair Representation*, 2nd ed.
2001, which also lists these signposts; the US Census Bureau's "priority values" are exactly
this list for Huntington–Hill with aᵢ = 1). The result is characterised by the **max–min
inequality** (Pukelsheim, *Proportional Representation: Apportionment Methods and Their
Applications*, Springer 2014, the chapter on divisor methods; with minimum and maximum
restrictions as in Balinski & Demange 1989 and the BAZI program):

    max { pᵢ(xᵢ) : xᵢ < bᵢ }  ≤  min { pᵢ(xᵢ − 1) : xᵢ > aᵢ }

i.e. no refused seat is stronger than an awarded one. Equivalently there is a divisor D with
xᵢ = clamp(roundₘ(vᵢ / D), aᵢ, bᵢ) for every *i*, where roundₘ rounds a quotient q up exactly
when it reaches a signpost (:func:`rounded`): roundₘ(q) = #{k ≥ 0 : s(k) ≤ q}. Any D with
``first_refused < D ≤ last_awarded`` works; :class:`Apportionment` reports both priorities.

Conventions
-----------
* When s(0) = 0 (Adams, Dean, Huntington–Hill) the first seat has infinite priority. Those
  infinite priorities are ordered among themselves by the claim (larger first): the priority is
  the pair (∞, vᵢ). So with fewer seats than claimants, the largest claims get one seat each.
* A zero claim has priority 0 for every seat: it gets seats above its lower bound only when
  every positive claim is at its upper bound.
* Ties — seats of exactly equal priority at the cut-off — are broken by a caller-supplied rank
  per claimant (``order``: smaller wins; default the input position; equal ranks fall back to
  the input position) and **reported** as :class:`Tie`. Among seats of equal priority the order
  is (rank, k); only zero claims can hold several seats of one priority.

Exactness
---------
Priorities are compared exactly, never as rounded floats: a priority of a rational method is
the fraction vᵢ·d / n for s(k) = n/d; a Huntington–Hill priority is compared through its
square vᵢ² / (k(k+1)). :class:`Priority` compares them as :class:`fractions.Fraction`
(cross-multiplied Python integers); to rank many seats at once, a fraction a/b becomes the
integer ⌊a·2^S/b⌋ with 2^S ≥ (max b)², which keeps every strict inequality and every equality
(two different fractions differ by at least 1/(b₁b₂)). Floats are used only as a fast,
vectorised **pre-pass**:

1. a bisection on a float threshold t counts, per claimant, the seats whose float priority is
   at least t, until the cut-off (the (T − Σa)-th largest priority) is pinned to a relative
   interval of 2.5·10⁻¹⁰;
2. every seat whose float priority is clearly above (below) that interval — by a relative
   margin ε = 10⁻⁹, a million times the float error — is certainly awarded (refused);
3. the few seats inside the band are ranked **exactly** and the best ones awarded.

The same pre-pass/exact-resolution pair orders all seats in :func:`seat_order`: a float sort,
then every run of consecutive seats whose float priorities differ by less than ε is re-sorted
exactly. Claims whose floats would lose relative precision (a dynamic range beyond 10²⁵⁰) skip
the pre-pass and take a slower, purely exact path.

The divisor
-----------
Every divisor D with ``first_refused < D < last_awarded`` reproduces the seats, each quotient
strictly between two rounding thresholds; at either end some quotient sits exactly on one (a
tie, at D = last_awarded broken in the seats' favour). :func:`divisor_interval` gives that
interval, exactly, as BAZI prints it. :attr:`Apportionment.divisor` is a representative
strictly inside it: the decimal with the fewest significant digits, and among those the one
nearest the interval's midpoint (the larger at equal distance) — short enough to read, and as
far from both ends as the digits allow, so that the rounding of every claimant reproduces from
it and no sentence speaks of a tie where there is none. Special cases, all deliberate:

* a **tie** at the cut-off (first_refused == last_awarded) leaves a single point; the divisor is
  that priority itself, at which the tie's losers would round up too. For Huntington–Hill a
  tied priority vᵢ/√(k(k+1)) is irrational (k(k+1) is never a square for k ≥ 1): then the
  divisor is ``None`` — no rational number reproduces that tie — and ``last_awarded`` /
  ``first_refused`` (exact, as squares) still explain it.
* no seat refused (everyone at the upper bound), a cut-off among infinite priorities, or zero
  claims holding seats: no finite positive divisor exists, ``None``.
* no seat handed out: the interval has no upper end; the smallest one-digit decimal above
  ``first_refused``.

Hamilton (largest remainders) is offered for comparison only: see :func:`hamilton`. It has
no divisor and shows the Alabama paradox that divisor methods cannot.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import total_ordering
from itertools import count
from numbers import Rational
from typing import Any

import numpy as np

__all__ = [
    "ALIASES",
    "DIVISOR_METHODS",
    "Apportionment",
    "Method",
    "Priority",
    "Tie",
    "apportion",
    "divisor_interval",
    "hamilton",
    "parse_method",
    "priority",
    "rounded",
    "seat_order",
    "signpost",
    "signpost_squared",
]


class Method(StrEnum):
    SAINTE_LAGUE = "sainte-lague"
    DHONDT = "dhondt"
    HUNTINGTON_HILL = "huntington-hill"
    ADAMS = "adams"
    DEAN = "dean"
    HAMILTON = "hamilton"


DIVISOR_METHODS: tuple[Method, ...] = tuple(m for m in Method if m is not Method.HAMILTON)

#: Methods whose first signpost is 0: the first seat has infinite priority.
_ZERO_FIRST = frozenset({Method.ADAMS, Method.DEAN, Method.HUNTINGTON_HILL})

ALIASES: dict[str, Method] = {
    **{m.value: m for m in Method},
    "webster": Method.SAINTE_LAGUE,
    "sainte-laguë": Method.SAINTE_LAGUE,
    "saint-lague": Method.SAINTE_LAGUE,
    "saint-laguë": Method.SAINTE_LAGUE,
    "sainte-lague-schepers": Method.SAINTE_LAGUE,
    "webster-sainte-lague": Method.SAINTE_LAGUE,
    "jefferson": Method.DHONDT,
    "d'hondt": Method.DHONDT,
    "hagenbach-bischoff": Method.DHONDT,
    "hill": Method.HUNTINGTON_HILL,
    "huntington": Method.HUNTINGTON_HILL,
    "equal-proportions": Method.HUNTINGTON_HILL,
    "hare-niemeyer": Method.HAMILTON,
    "largest-remainder": Method.HAMILTON,
}


def parse_method(name: str) -> Method:
    """The method called ``name`` (case, spaces, underscores and ``’`` are forgiven).

    >>> parse_method("Webster")
    <Method.SAINTE_LAGUE: 'sainte-lague'>
    >>> parse_method("D’Hondt")
    <Method.DHONDT: 'dhondt'>
    """
    key = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    key = key.replace("’", "'").replace("_", "-").replace(" ", "-").replace("–", "-")
    if key in ALIASES:
        return ALIASES[key]
    names = ", ".join(sorted(ALIASES))
    raise ValueError(f"unknown apportionment method {name!r}; known names: {names}")


# -- signposts --------------------------------------------------------------------------------
def _rational_signpost(method: Method, k: int) -> tuple[int, int]:
    """s(k) = n / d for the rational methods, as (n, d) with d > 0."""
    if method is Method.SAINTE_LAGUE:
        return 2 * k + 1, 2
    if method is Method.DHONDT:
        return k + 1, 1
    if method is Method.ADAMS:
        return k, 1
    if method is Method.DEAN:
        return 2 * k * (k + 1), 2 * k + 1
    raise ValueError(f"{method} has no rational signposts")


def signpost_squared(method: Method, k: int) -> Fraction:
    """s(k)² exactly (Huntington–Hill's s(k) = √(k(k+1)) is irrational but its square is not)."""
    method = _divisor_method(method)
    if k < 0:
        raise ValueError("seat index k must be >= 0")
    if method is Method.HUNTINGTON_HILL:
        return Fraction(k * (k + 1))
    n, d = _rational_signpost(method, k)
    return Fraction(n, d) ** 2


def signpost(method: Method, k: int) -> Fraction | float:
    """s(k): exact for the rational methods, a float approximation for Huntington–Hill."""
    method = _divisor_method(method)
    if method is Method.HUNTINGTON_HILL:
        return math.sqrt(k * (k + 1))
    n, d = _rational_signpost(method, k)
    return Fraction(n, d)


def _as_method(method: Method | str) -> Method:
    return method if isinstance(method, Method) else parse_method(method)


def _divisor_method(method: Method | str) -> Method:
    method = _as_method(method)
    if method is Method.HAMILTON:
        raise ValueError("Hamilton is a quota method: it has no signposts or priorities")
    return method


def rounded(method: Method, quotient: Fraction | int) -> int:
    """roundₘ(q) = #{k ≥ 0 : s(k) ≤ q}: q rounded by the method, *up* exactly at a signpost.

    A quotient of 0 rounds to 0 (a zero claim gets nothing beyond its lower bound), also for
    the methods whose first signpost is 0.

    >>> rounded(Method.SAINTE_LAGUE, Fraction(5, 2)), rounded(Method.DHONDT, Fraction(5, 2))
    (3, 2)
    >>> rounded(Method.ADAMS, Fraction(2)), rounded(Method.HUNTINGTON_HILL, Fraction(7, 5))
    (3, 1)
    """
    method = _divisor_method(method)
    q = _as_fraction(quotient)
    if q < 0:
        raise ValueError("a quotient cannot be negative")
    if q == 0:
        return 0
    c = math.floor(q)
    if method is Method.SAINTE_LAGUE:
        return math.floor(q + Fraction(1, 2))
    if method is Method.DHONDT:
        return c
    if method is Method.ADAMS:
        return c + 1
    if method is Method.DEAN:  # s(c) = 2c(c+1)/(2c+1) ≤ q
        return c + 1 if 2 * c * (c + 1) <= q * (2 * c + 1) else c
    return c + 1 if c * (c + 1) <= q * q else c  # Huntington–Hill: s(c)² ≤ q²


# -- priorities -------------------------------------------------------------------------------
@total_ordering
@dataclass(frozen=True, eq=False)
class Priority:
    """The priority vᵢ / s(k) of a claimant's (k+1)-th seat, compared exactly.

    Ordered, hashable and comparable across methods (through exact squares). An infinite
    priority (first seat when s(0) = 0) is the pair (∞, claim): above every finite one, and
    ordered by the claim among infinite ones. A zero claim has priority 0.

    >>> priority(Method.DHONDT, 6, 2) == priority(Method.SAINTE_LAGUE, 5, 2)
    True
    >>> priority(Method.ADAMS, 1, 0) > priority(Method.ADAMS, 10**9, 1)
    True
    """

    method: Method
    claim: Fraction
    k: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", _divisor_method(self.method))
        object.__setattr__(self, "claim", _as_fraction(self.claim))
        if self.claim < 0:
            raise ValueError("a claim cannot be negative")
        if not isinstance(self.k, int | np.integer) or self.k < 0:
            raise ValueError("seat index k must be an integer >= 0")
        object.__setattr__(self, "k", int(self.k))

    @property
    def infinite(self) -> bool:
        return self.k == 0 and self.claim > 0 and self.method in _ZERO_FIRST

    @property
    def square(self) -> Fraction | None:
        """p² exactly; ``None`` for an infinite priority."""
        if self.infinite:
            return None
        if self.claim == 0:
            return Fraction(0)
        return self.claim**2 / signpost_squared(self.method, self.k)

    @property
    def value(self) -> Fraction | None:
        """p exactly when it is rational: always, except a finite positive Huntington–Hill
        priority v/√(k(k+1)), which is irrational (``None``; see :attr:`square`)."""
        if self.infinite:
            return None
        if self.claim == 0:
            return Fraction(0)
        if self.method is not Method.HUNTINGTON_HILL:
            n, d = _rational_signpost(self.method, self.k)
            return self.claim * d / n
        return _rational_sqrt(self.claim**2 / (self.k * (self.k + 1)))

    def _key(self) -> tuple[int, Fraction]:
        if self.infinite:
            return 2, self.claim
        if self.claim == 0:
            return 0, Fraction(0)
        square = self.square
        assert square is not None
        return 1, square

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Priority):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: Priority) -> bool:
        if not isinstance(other, Priority):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __float__(self) -> float:
        if self.infinite:
            return math.inf
        value = self.value
        if value is not None:
            return float(value)
        return float(self.claim) / math.sqrt(self.k * (self.k + 1))

    def __str__(self) -> str:
        if self.infinite:
            return f"(∞, {self.claim})"
        return f"{float(self):.10g}"


def priority(method: Method, claim: Fraction | int, k: int) -> Priority:
    """The priority of a claimant's (k+1)-th seat (k = 0 is its first seat)."""
    return Priority(_as_method(method), _as_fraction(claim), k)


def _rational_sqrt(x: Fraction) -> Fraction | None:
    num, den = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if num * num == x.numerator and den * den == x.denominator:
        return Fraction(num, den)
    return None


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tie:
    """Seats of exactly equal priority (or remainder) at the cut-off, more of them than seats.

    ``claimants`` are the indices (in tie-break order) of every claimant whose next seat had
    exactly the cut-off priority, ``seats`` how many of those tied seats were awarded and
    ``awarded`` the indices that got them (the tie-break winners, by ``order``). Only a
    zero-claim tie (cut-off priority 0) can give one claimant several of the tied seats.
    """

    claimants: tuple[int, ...]
    seats: int
    awarded: tuple[int, ...]

    @property
    def refused(self) -> tuple[int, ...]:
        won = set(self.awarded)
        return tuple(i for i in self.claimants if i not in won)


@dataclass(frozen=True)
class Apportionment:
    """The seats of each claimant, in input order, and why.

    ``divisor`` D reproduces ``seats`` as clamp(roundₘ(vᵢ/D), aᵢ, bᵢ) — except, at a tie, for
    the tie's losers, who would round up too (see the module notes for when it is ``None``).
    ``last_awarded`` is the priority of the weakest seat handed out, ``first_refused`` that of
    the strongest seat not handed out (both ``None`` for Hamilton).
    """

    seats: tuple[int, ...]
    method: Method
    divisor: Fraction | None
    last_awarded: Priority | None
    first_refused: Priority | None
    ties: tuple[Tie, ...]

    @property
    def total(self) -> int:
        return sum(self.seats)


# -- input ------------------------------------------------------------------------------------
#: Totals and bounds above this are refused: the float pre-pass counts seats exactly below it.
MAX_SEATS = 2**50
_UNBOUNDED = 2**62  # stands for "no upper bound" in int64 arrays
_EPS = 1e-9  # relative band around the float cut-off; the float error is below 1e-15
_TINY = 1e-250  # smaller scaled claims would lose float precision: the exact path is taken


def _as_fraction(value: Any) -> Fraction:
    if isinstance(value, bool):
        raise TypeError("a claim must be a number, not a boolean")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int | np.integer):
        return Fraction(int(value))
    if isinstance(value, float | np.floating | Decimal):
        if not math.isfinite(value):
            raise ValueError(f"a claim must be finite, not {value}")
        return Fraction(value)  # the exact binary or decimal value
    if isinstance(value, Rational):
        return Fraction(value.numerator, value.denominator)
    raise TypeError(f"a claim must be an int or a Fraction, not {type(value).__name__}")


def _as_count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        whole = (isinstance(value, float | Fraction | Decimal | np.floating)
                 and math.isfinite(value) and value == math.floor(value))
        if not whole:
            raise TypeError(f"{what} must be a whole number, not {value!r}")
    value = int(value)
    if value < 0:
        raise ValueError(f"{what} must be >= 0, not {value}")
    if value >= MAX_SEATS:
        raise ValueError(f"{what} must be below 2**50, not {value}")
    return value


@dataclass
class _Problem:
    claims: list[int | Fraction]  # whole claims stay ints: much faster than Fractions
    num: list[int]
    den: list[int]
    cid: np.ndarray  # id of the claim's value: equal claims, equal id
    vf: np.ndarray  # claims / max claim as floats (0 for zero claims)
    floats_ok: bool
    lower: np.ndarray  # int64
    upper: np.ndarray  # int64, _UNBOUNDED where unbounded
    rank: np.ndarray  # int64, the tie-break rank 0..n-1 (smaller wins)
    total: int

    @property
    def n(self) -> int:
        return len(self.claims)


def _as_claim(value: Any) -> int | Fraction:
    if type(value) is int:
        return value
    if isinstance(value, np.integer):
        return int(value)
    claim = _as_fraction(value)
    return claim.numerator if claim.denominator == 1 else claim


def _problem(
    claims: Sequence[Any], total: int, lower: Sequence[int] | None,
    upper: Sequence[int | None] | None, order: Sequence[int] | None,
) -> _Problem:
    if isinstance(claims, np.ndarray) and claims.dtype.kind in "iu":
        values: list[int | Fraction] = claims.tolist()
    else:
        values = [c if type(c) is int else _as_claim(c) for c in claims]
    n = len(values)
    whole = all(type(c) is int for c in values)
    num = values if whole else [c if type(c) is int else c.numerator for c in values]
    den = [1] * n if whole else [1 if type(c) is int else c.denominator for c in values]
    if n and min(num) < 0:
        i = next(i for i, c in enumerate(num) if c < 0)
        raise ValueError(f"claim {i} is negative ({values[i]}): claims must be >= 0")
    total = _as_count(total, "the total")
    low = np.zeros(n, np.int64) if lower is None else _count_array(lower, n, "lower bound")
    if upper is None:
        high = np.full(n, _UNBOUNDED, np.int64)
    else:
        if len(upper) != n:
            raise ValueError(f"{len(upper)} values of the upper bound for {n} claims")
        if isinstance(upper, np.ndarray) or not any(b is None for b in upper):
            high = _count_array(upper, n, "upper bound")
        else:
            high = np.array([_UNBOUNDED if b is None else _as_count(b, f"upper bound {i}")
                             for i, b in enumerate(upper)], np.int64)
    bad = np.flatnonzero(low > high)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"claimant {i}: lower bound {low[i]} exceeds upper bound {high[i]}")
    if int(low.sum()) > total:
        raise ValueError(f"the lower bounds add up to {int(low.sum())}, more than the total "
                         f"{total}")
    if order is None:
        rank = np.arange(n, dtype=np.int64)
    else:
        if len(order) != n:
            raise ValueError(f"{len(order)} tie-break ranks for {n} claims")
        tiebreak = [int(o) for o in order]
        # Rank by (order, input position): equal ranks fall back to the position.
        perm = sorted(range(n), key=lambda i: (tiebreak[i], i))
        rank = np.empty(n, np.int64)
        rank[perm] = np.arange(n, dtype=np.int64)
    ids: dict[object, int] = {}
    keys = values if whole else zip(num, den, strict=True)
    cid = np.fromiter((ids.setdefault(c, len(ids)) for c in keys), np.int64, n)
    positive = np.fromiter((a > 0 for a in num), bool, n)
    floats_ok = True
    vf = np.zeros(n)
    if positive.any():
        # Scale by a power of two first, so that no claim's float overflows or underflows;
        # int / int is correctly rounded in Python however large the integers.
        top = max(a.bit_length() - b.bit_length() for a, b in zip(num, den, strict=True) if a)
        if top >= 0:
            scaled = (a / (b << top) for a, b in zip(num, den, strict=True))
        else:
            scaled = ((a << -top) / b for a, b in zip(num, den, strict=True))
        vf = np.fromiter(scaled, np.float64, n)
        vf /= vf.max()
        floats_ok = bool((vf[positive] >= _TINY).all())
    return _Problem(list(values), list(num), den, cid, vf, floats_ok, low, high, rank, total)


def _count_array(values: Sequence[int], n: int, what: str) -> np.ndarray:
    if len(values) != n:
        raise ValueError(f"{len(values)} values of the {what} for {n} claims")
    array = np.asarray(values)
    if array.dtype.kind in "iu" and array.ndim == 1:
        if n and (array.min() < 0 or array.max() >= MAX_SEATS):
            bad = int(np.flatnonzero((array < 0) | (array >= MAX_SEATS))[0])
            _as_count(int(array[bad]), f"{what} {bad}")
        return array.astype(np.int64)
    return np.array([_as_count(v, f"{what} {i}") for i, v in enumerate(values)], np.int64)


# -- float pre-pass ---------------------------------------------------------------------------
def _signpost_float(method: Method, k: np.ndarray) -> np.ndarray:
    kf = k.astype(np.float64)
    if method is Method.SAINTE_LAGUE:
        return kf + 0.5
    if method is Method.DHONDT:
        return kf + 1.0
    if method is Method.ADAMS:
        return kf
    if method is Method.DEAN:
        return 2.0 * kf * (kf + 1.0) / (2.0 * kf + 1.0)
    return np.sqrt(kf * (kf + 1.0))


def _rounded_float(method: Method, q: np.ndarray) -> np.ndarray:
    """:func:`rounded` on float quotients (vectorised, approximate at the signposts)."""
    c = np.floor(q)
    if method is Method.SAINTE_LAGUE:
        return np.floor(q + 0.5)
    if method is Method.DHONDT:
        return c
    if method is Method.ADAMS:
        return np.where(q > 0, c + 1.0, 0.0)
    if method is Method.DEAN:
        return np.where(q > 0, c + (2.0 * c * (c + 1.0) <= q * (2.0 * c + 1.0)), 0.0)
    return np.where(q > 0, c + (c * (c + 1.0) <= q * q), 0.0)


def _seat_class(p: _Problem, method: Method, idx: np.ndarray, k: np.ndarray) -> np.ndarray:
    """2 for an infinite priority, 1 for a positive finite one, 0 for a zero claim's seat."""
    positive = p.vf[idx] > 0
    cls = positive.astype(np.int8)
    if method in _ZERO_FIRST:
        cls[positive & (k == 0)] = 2
    return cls


def _float_key(p: _Problem, method: Method, idx: np.ndarray, k: np.ndarray,
               cls: np.ndarray) -> np.ndarray:
    """Float priority of each seat (the scaled claim itself for an infinite priority)."""
    vf = p.vf[idx]
    s = _signpost_float(method, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(cls == 1, vf / np.where(s > 0, s, 1.0), 0.0)
    return np.where(cls == 2, vf, f)


# -- exact resolution -------------------------------------------------------------------------
def _exact_key(p: _Problem, method: Method, i: int, k: int) -> tuple[int, Fraction]:
    cls, a, b = _exact_ratio(p, method, i, k)
    return cls, Fraction(a, b)


def _exact_ratio(p: _Problem, method: Method, i: int, k: int) -> tuple[int, int, int]:
    """(class, a, b): the seat's exact priority is a / b (its square for Huntington–Hill)."""
    num, den = p.num[i], p.den[i]
    if num == 0:
        return 0, 0, 1
    if k == 0 and method in _ZERO_FIRST:
        return 2, num, den
    if method is Method.HUNTINGTON_HILL:
        return 1, num * num, den * den * k * (k + 1)
    n, d = _rational_signpost(method, k)
    return 1, num * d, den * n


def _exact_rank(p: _Problem, method: Method, idx: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Dense rank of each seat by exact priority, 0 for the highest; equal priorities share it.

    Seats of equal claims and equal k are equal, so each distinct pair is evaluated once. The
    fractions a/b are compared through the integers ⌊a·2^S/b⌋ with 2^S ≥ (max b)²: two
    different fractions differ by at least 1/(b₁b₂) ≥ 2^-S, so these integers keep every
    strict inequality and every equality — and Python compares integers quickly.
    """
    if idx.size == 0:
        return np.zeros(0, np.int64)
    cid, kk = p.cid[idx], k.astype(np.int64)
    width = int(kk.max()) + 1
    if int(cid.max()) < 2**62 // width:
        _, first, inverse = np.unique(cid * width + kk, return_index=True, return_inverse=True)
    else:  # (claim, k) pairs too many to fold into one int64 (seat indices near 2**62)
        _, first, inverse = np.unique(np.stack([cid, kk], axis=1), axis=0, return_index=True,
                                      return_inverse=True)
    ratios = [_exact_ratio(p, method, i, j)
              for i, j in zip(idx[first].tolist(), kk[first].tolist(), strict=True)]
    shift = 2 * max(b for _, _, b in ratios).bit_length()
    keys = [(cls, (a << shift) // b) for cls, a, b in ratios]
    ordered = sorted(range(len(keys)), key=keys.__getitem__, reverse=True)
    dense = np.empty(len(keys), np.int64)
    level, previous = -1, None
    for j in ordered:
        if keys[j] != previous:
            level, previous = level + 1, keys[j]
        dense[j] = level
    return dense[inverse.reshape(-1)]


class _FloatTrouble(Exception):
    """The float pre-pass could not pin the cut-off; the exact path takes over."""


def _top(fkey: np.ndarray, exact_rank: Callable[[np.ndarray], np.ndarray], rank: np.ndarray,
         wanted: int) -> np.ndarray:
    """Mask of the ``wanted`` best items by (exact priority desc, rank asc).

    ``fkey`` approximates each exact priority to a relative 1e-15; the wanted-th largest float
    is then within that of the exact cut-off, so every item more than ε above (below) it is
    certainly in (out), and only the band in between is ranked exactly.
    """
    size = fkey.size
    chosen = np.zeros(size, bool)
    if wanted <= 0:
        return chosen
    if wanted >= size:
        chosen[:] = True
        return chosen
    cut = fkey[np.lexsort((rank, -fkey))[wanted - 1]]
    sure = fkey > cut * (1 + _EPS)
    band = np.flatnonzero((fkey >= cut * (1 - _EPS)) & ~sure)
    need = wanted - int(sure.sum())
    if not 0 <= need <= band.size:
        raise _FloatTrouble
    best = band[np.lexsort((rank[band], exact_rank(band)))[:need]]
    chosen[sure] = True
    chosen[best] = True
    return chosen


# -- divisor methods --------------------------------------------------------------------------
def apportion(
    claims: Sequence[Fraction | int], total: int, method: Method = Method.SAINTE_LAGUE,
    lower: Sequence[int] | None = None, upper: Sequence[int | None] | None = None,
    order: Sequence[int] | None = None,
) -> Apportionment:
    """Apportion ``total`` seats among ``claims`` by ``method`` within [lower, upper].

    ``method`` may also be any name in :data:`ALIASES`. ``upper=None`` (or ``None`` for one
    claimant) means no upper bound. ``order`` ranks the
    claimants for breaking exact ties (smaller wins; default: input position). Invalid
    arguments (negative claims, lower > upper, Σlower > total) raise ``ValueError``.

    >>> apportion([53, 24, 23], 7, Method.DHONDT).seats
    (4, 2, 1)
    >>> apportion([53, 24, 23], 7, Method.SAINTE_LAGUE).seats
    (3, 2, 2)
    """
    method = _as_method(method)
    if method is Method.HAMILTON:
        return hamilton(claims, total, lower, upper, order)
    p = _problem(claims, total, lower, upper, order)
    x = _allocate(p, method)
    return _explain(p, method, x)


def _allocate(p: _Problem, method: Method) -> np.ndarray:
    if not p.floats_ok:
        return _allocate_exact(p, method)
    try:
        return _allocate_fast(p, method)
    except _FloatTrouble:  # a safety net the margins make unreachable (a test forces it)
        return _allocate_exact(p, method)


def _allocate_fast(p: _Problem, method: Method) -> np.ndarray:
    x = p.lower.copy()
    remaining = p.total - int(x.sum())
    positive = p.vf > 0
    if remaining > 0 and method in _ZERO_FIRST:
        # First seats: infinite priority, ranked by the claim itself.
        first = np.flatnonzero(positive & (x == 0) & (p.upper > 0))
        zeros = np.zeros(first.size, np.int64)
        won = _top(p.vf[first], lambda band: _exact_rank(p, method, first[band], zeros[band]),
                   p.rank[first], remaining)
        x[first[won]] = 1
        remaining -= int(won.sum())
    if remaining <= 0:
        return x
    open_ = np.flatnonzero(positive & (x < p.upper))
    unbounded = bool((p.upper[open_] >= _UNBOUNDED).any())
    capacity = int((p.upper[open_] - x[open_]).sum()) if not unbounded else None
    if capacity is not None and remaining >= capacity:
        x[open_] = p.upper[open_]
        _fill_zero_claims(p, x, remaining - capacity)
        return x
    x[open_] = _hand_out(p, method, open_, x[open_], remaining)
    return x


def _hand_out(p: _Problem, method: Method, idx: np.ndarray, start: np.ndarray,
              wanted: int) -> np.ndarray:
    """New seat counts of claimants ``idx`` (positive, finite priorities) after ``wanted`` more."""
    vf = p.vf[idx]
    top = p.upper[idx].astype(np.float64)
    base = start.astype(np.float64)

    def seats_above(t: float) -> float:  # ≈ #{available seats with priority ≥ t}
        q = np.minimum(vf / t, 2.0**60)
        return float((np.clip(_rounded_float(method, q), base, top) - base).sum())

    # Bracket the cut-off: nothing is above twice the strongest available seat.
    hi = 2.0 * float((vf / _signpost_float(method, start)).max())
    lo = hi
    for step in count():
        lo = hi * 2.0 ** -(2.0**step)
        if lo == 0.0 or seats_above(lo) >= wanted:
            break
    lo = max(lo, 5e-324)
    # Bisect in log space until hi/lo − 1 < ε/4: seats_above(hi) < wanted ≤ seats_above(lo).
    while hi / lo > 1 + _EPS / 4:
        mid = math.sqrt(lo) * math.sqrt(hi)
        if not lo < mid < hi:
            break
        if seats_above(mid) >= wanted:
            lo = mid
        else:
            hi = mid
    band_hi, band_lo = hi * (1 + _EPS), lo * (1 - _EPS)
    # Seats below k_from are certainly above the band (s(k) ≤ k + 1); seats from k_to on are
    # certainly below it (s(k) ≥ k). Only the seats in between are looked at one by one.
    k_from = np.floor(np.minimum(vf / band_hi, 2.0**60) * (1 - 1e-12)) - 1
    k_to = np.floor(np.minimum(vf / band_lo, 2.0**60) * (1 + 1e-12)) + 1
    k_from = np.clip(k_from, base, top).astype(np.int64)
    k_to = np.clip(k_to, k_from, top).astype(np.int64)
    sure = int((k_from - start).sum())
    widths = k_to - k_from
    local = np.repeat(np.arange(idx.size), widths)
    offsets = np.cumsum(widths) - widths
    k = np.arange(int(widths.sum()), dtype=np.int64) - np.repeat(offsets - k_from, widths)
    seat_idx = idx[local]
    f = p.vf[seat_idx] / _signpost_float(method, k)
    won = _top(f, lambda band: _exact_rank(p, method, seat_idx[band], k[band]),
               p.rank[seat_idx], wanted - sure)
    return k_from + np.bincount(local[won], minlength=idx.size)


def _fill_zero_claims(p: _Problem, x: np.ndarray, leftover: int) -> None:
    """Seats left when every positive claim is at its upper bound go to zero claims by rank."""
    for i in sorted(np.flatnonzero(p.vf == 0).tolist(), key=lambda j: p.rank[j]):
        if leftover <= 0:
            break
        give = min(leftover, int(p.upper[i] - x[i]))
        x[i] += give
        leftover -= give


def _allocate_exact(p: _Problem, method: Method) -> np.ndarray:
    """Seat by seat with a heap of exact priorities: slow, used when floats cannot be trusted."""
    import heapq

    x = p.lower.copy()
    heap = []
    for i in range(p.n):
        if x[i] < p.upper[i]:
            cls, value = _exact_key(p, method, i, int(x[i]))
            heap.append(((-cls, -value, int(p.rank[i]), int(x[i])), i))
    heapq.heapify(heap)
    for _ in range(p.total - int(x.sum())):
        if not heap:
            break
        (_, _, _, k), i = heapq.heappop(heap)
        x[i] = k + 1
        if k + 1 < p.upper[i]:
            cls, value = _exact_key(p, method, i, k + 1)
            heapq.heappush(heap, ((-cls, -value, int(p.rank[i]), k + 1), i))
    return x


def _extreme(p: _Problem, method: Method, idx: np.ndarray, k: np.ndarray,
             strongest: bool) -> tuple[Priority, np.ndarray] | None:
    """The strongest (or weakest) of the seats (idx, k), and every claimant holding it exactly."""
    if idx.size == 0:
        return None
    if not p.floats_ok:
        keys = [_exact_key(p, method, int(i), int(kk)) for i, kk in zip(idx, k, strict=True)]
        best = max(keys) if strongest else min(keys)
        at = np.array([key == best for key in keys])
    else:
        cls = _seat_class(p, method, idx, k)
        level = cls.max() if strongest else cls.min()
        same = np.flatnonzero(cls == level)
        f = _float_key(p, method, idx[same], k[same], cls[same])
        edge = f.max() if strongest else f.min()
        near = same[np.abs(f - edge) <= _EPS * edge] if edge > 0 else same[f == edge]
        dense = _exact_rank(p, method, idx[near], k[near])
        at = np.zeros(idx.size, bool)
        at[near[dense == (dense.min() if strongest else dense.max())]] = True
    i = int(idx[at][0])
    return Priority(method, p.claims[i], int(k[at][0])), idx[at]


def _explain(p: _Problem, method: Method, x: np.ndarray) -> Apportionment:
    took = np.flatnonzero(x > p.lower)
    left = np.flatnonzero(x < p.upper)
    weakest = _extreme(p, method, took, x[took] - 1, strongest=False)
    strongest = _extreme(p, method, left, x[left], strongest=True)
    last_awarded = weakest[0] if weakest else None
    first_refused = strongest[0] if strongest else None
    ties: tuple[Tie, ...] = ()
    tied_set = (set(weakest[1].tolist()) | set(strongest[1].tolist())
                if weakest and strongest and last_awarded == first_refused else set())
    # One zero claim holding and refused seats of priority 0 alone is no tie: nobody else
    # could have had them.
    if len(tied_set) > 1:
        winners = sorted(weakest[1].tolist(), key=lambda i: p.rank[i])
        tied = sorted(tied_set, key=lambda i: p.rank[i])
        seats = (len(winners) if last_awarded.claim > 0
                 else int((x[winners] - p.lower[winners]).sum()))
        ties = (Tie(tuple(tied), seats, tuple(winners)),)
    elif weakest and strongest and last_awarded < first_refused:  # pragma: no cover
        raise AssertionError("max-min inequality violated: please report this bug")
    divisor = _nice_divisor(last_awarded, first_refused)
    return Apportionment(tuple(int(v) for v in x), method, divisor, last_awarded, first_refused,
                         ties)


# -- the divisor ------------------------------------------------------------------------------
def divisor_interval(result: Apportionment) -> tuple[Priority, Priority | None] | None:
    """The divisors that reproduce ``result``: every D with low < D < high, (low, high) =
    (first_refused, last_awarded); high is ``None`` when nothing was handed out (no upper end).
    ``None`` where no finite positive divisor exists (see the module notes)."""
    last, first = result.last_awarded, result.first_refused
    if first is None or first.infinite:
        return None
    if last is not None and last.claim == 0:
        return None
    if last is None or last.infinite:
        return first, None
    return first, last


def _nice_divisor(last_awarded: Priority | None,
                  first_refused: Priority | None) -> Fraction | None:
    if first_refused is None or first_refused.infinite:
        return None  # no seat refused, or the cut-off lies among infinite priorities
    if last_awarded is not None and last_awarded.claim == 0:
        return None  # zero claims hold seats: only D ≤ 0 would give them any
    low = first_refused.square
    assert low is not None
    if last_awarded is None or last_awarded.infinite:
        return _decimal_above(low)
    if last_awarded == first_refused:
        return last_awarded.value  # a tie: that priority, if it is rational
    high = last_awarded.square
    assert high is not None
    return _decimal_between(low, high)


def _exponent(square: Fraction) -> int:
    """E with 10**E ≤ √square < 10**(E+1), for square > 0."""
    e = math.floor((math.log10(square.numerator) - math.log10(square.denominator)) / 2)
    while Fraction(10) ** (2 * e) > square:
        e -= 1
    while Fraction(10) ** (2 * e + 2) <= square:
        e += 1
    return e


def _floor_sqrt(x: Fraction) -> int:
    return math.isqrt(x.numerator // x.denominator)


def _decimal_between(low: Fraction, high: Fraction) -> Fraction:
    """The decimal D with the fewest significant digits and √low < D < √high (the bounds given
    as squares, low < high); among several, the nearest to the midpoint (√low + √high) / 2,
    the larger at equal distance. Exact: no square root is ever rounded."""
    e = _exponent(high)
    for digits in count(1):
        step = Fraction(10) ** (e - digits + 1)
        first = _floor_sqrt(low / step**2)
        while (first * step) ** 2 <= low:
            first += 1
        last = _floor_sqrt(high / step**2)
        while last > 0 and (last * step) ** 2 >= high:
            last -= 1
        if first <= last:
            best = first
            for k in range(first + 1, last + 1):
                if _sum_of_roots_at_least(low, high, (best + k) * step):
                    best = k  # k is at least as near the midpoint as best
            return best * step
    raise AssertionError("unreachable")  # pragma: no cover


def _sum_of_roots_at_least(a: Fraction, b: Fraction, s: Fraction) -> bool:
    """√a + √b ≥ s, exactly (a, b ≥ 0, s > 0): square both sides twice."""
    rest = s * s - a - b  # √a + √b ≥ s ⟺ 2√(ab) ≥ s² − a − b
    return rest <= 0 or 4 * a * b >= rest * rest


def _decimal_above(low: Fraction) -> Fraction:
    """The smallest one-digit decimal D > √low."""
    if low == 0:
        return Fraction(1)
    step = Fraction(10) ** _exponent(low)
    return (_floor_sqrt(low / step**2) + 1) * step


# -- seat order -------------------------------------------------------------------------------
def seat_order(
    claims: Sequence[Fraction | int], lower: Sequence[int], upper: Sequence[int],
    method: Method, order: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every seat (i, k) with lower[i] ≤ k < upper[i], best first, as (claimant, k) arrays.

    Sorted by (exact priority desc, order asc, k asc): the first T − Σlower seats are exactly
    the ones :func:`apportion` awards. Floats sort; every run of near-equal floats (relative
    difference below ε) is then re-sorted exactly.
    """
    method = _divisor_method(method)
    if upper is None or any(b is None for b in upper):
        raise ValueError("seat_order needs a finite upper bound for every claimant")
    p = _problem(claims, 0, None, upper, order)
    p.lower = _count_array(lower, p.n, "lower bound")
    bad = np.flatnonzero(p.lower > p.upper)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"claimant {i}: lower bound {p.lower[i]} exceeds upper bound "
                         f"{p.upper[i]}")
    widths = p.upper - p.lower
    idx = np.repeat(np.arange(p.n, dtype=np.int64), widths)
    offsets = np.cumsum(widths) - widths
    k = np.arange(int(widths.sum()), dtype=np.int64) - np.repeat(offsets - p.lower, widths)
    if idx.size == 0:
        return idx, k
    if not p.floats_ok:
        keys = [_exact_key(p, method, int(i), int(kk)) for i, kk in zip(idx, k, strict=True)]
        perm = sorted(range(idx.size),
                      key=lambda j: ((-keys[j][0], -keys[j][1]), p.rank[idx[j]], k[j]))
        perm_arr = np.array(perm, np.int64)
        return idx[perm_arr], k[perm_arr]
    cls = _seat_class(p, method, idx, k)
    f = _float_key(p, method, idx, k, cls)
    perm = np.lexsort((k, p.rank[idx], -f, -cls))
    c, g = cls[perm], f[perm]
    # Zero-claim seats are all exactly 0 and already in (rank, k) order.
    near = (c[:-1] == c[1:]) & (c[:-1] > 0) & (g[:-1] - g[1:] <= _EPS * g[:-1])
    if near.any():
        member = np.zeros(idx.size, bool)
        member[:-1] |= near
        member[1:] |= near
        run = np.concatenate([[0], np.cumsum(~near)])
        pos = np.flatnonzero(member)
        sub = perm[pos]
        dense = _exact_rank(p, method, idx[sub], k[sub])
        perm[pos] = sub[np.lexsort((k[sub], p.rank[idx[sub]], dense, run[pos]))]
    return idx[perm], k[perm]


# -- Hamilton ---------------------------------------------------------------------------------
def hamilton(
    claims: Sequence[Fraction | int], total: int, lower: Sequence[int] | None = None,
    upper: Sequence[int | None] | None = None, order: Sequence[int] | None = None,
) -> Apportionment:
    """Largest remainders (Hamilton, Hare–Niemeyer) with bounds; for comparison only.

    The quotas qᵢ = S·vᵢ/Σv are exact fractions. A claimant whose quota falls outside
    [aᵢ, bᵢ] is fixed at the violated bound and the others' quotas are recomputed with the
    seats that remain, until no quota violates a bound. (Each round fixes the side — above
    the upper bounds or below the lower ones — with the larger total violation, which is
    certain to stay violated; the result is the unique λ with Σ clamp(λvᵢ, aᵢ, bᵢ) = S.)
    The free claimants then get ⌊qᵢ⌋ and the remaining seats go to the largest remainders
    qᵢ − ⌊qᵢ⌋, compared exactly; equal remainders at the cut are broken by ``order`` and
    reported as a :class:`Tie`. It has no divisor and no priorities (those fields are None).

    >>> hamilton([6, 6, 2], 10).seats, hamilton([6, 6, 2], 11).seats  # the Alabama paradox
    ((4, 4, 2), (5, 5, 1))
    """
    p = _problem(claims, total, lower, upper, order)
    x = [int(v) for v in p.lower]
    low, high = x[:], [int(v) for v in p.upper]
    positive = [i for i in range(p.n) if p.num[i] > 0]
    zeros = [i for i in range(p.n) if p.num[i] == 0]
    seats = p.total - sum(low[i] for i in zeros)  # for the positive claims, bounds included
    ties: list[Tie] = []
    capacity = sum(high[i] for i in positive)
    if not positive or seats >= capacity:
        for i in positive:
            x[i] = high[i]
        leftover = seats - capacity if positive else seats
        ties += _zero_fill_tie(p, x, high, zeros, leftover)
        return Apportionment(tuple(x), Method.HAMILTON, None, None, None, tuple(ties))
    # Claims as integers on one scale: quotas are S·Vᵢ/W, compared by integer arithmetic.
    scale = math.lcm(*(p.den[i] for i in positive))
    weight = {i: p.num[i] * (scale // p.den[i]) for i in positive}
    free = set(positive)
    while free:
        share = seats - sum(x[i] for i in positive if i not in free)
        total_weight = sum(weight[i] for i in free)
        above = [i for i in free if share * weight[i] > high[i] * total_weight]
        below = [i for i in free if share * weight[i] < low[i] * total_weight]
        if not above and not below:
            break
        excess = sum(share * weight[i] - high[i] * total_weight for i in above)
        deficit = sum(low[i] * total_weight - share * weight[i] for i in below)
        if excess >= deficit:
            for i in above:
                x[i] = high[i]
                free.discard(i)
        if deficit >= excess:
            for i in below:
                x[i] = low[i]
                free.discard(i)
    if free:
        share = seats - sum(x[i] for i in positive if i not in free)
        total_weight = sum(weight[i] for i in free)
        remainder = {}
        for i in free:
            x[i], remainder[i] = divmod(share * weight[i], total_weight)
        leftover = share - sum(x[i] for i in free)
        ranked = sorted(free, key=lambda i: (-remainder[i], p.rank[i]))
        for i in ranked[:leftover]:
            x[i] += 1
        if 0 < leftover < len(ranked):
            cut = remainder[ranked[leftover - 1]]
            if remainder[ranked[leftover]] == cut:
                tied = [i for i in ranked if remainder[i] == cut]
                won = [i for i in ranked[:leftover] if remainder[i] == cut]
                ties.append(Tie(tuple(tied), len(won), tuple(won)))
    return Apportionment(tuple(x), Method.HAMILTON, None, None, None, tuple(ties))


def _zero_fill_tie(p: _Problem, x: list[int], high: list[int], zeros: list[int],
                   leftover: int) -> list[Tie]:
    """Give ``leftover`` seats to zero claims by rank; report a tie if some are left wanting."""
    open_ = sorted((i for i in zeros if x[i] < high[i]), key=lambda i: p.rank[i])
    won: list[int] = []
    given = 0
    for i in open_:
        if leftover <= 0:
            break
        give = min(leftover, high[i] - x[i])
        x[i] += give
        leftover -= give
        given += give
        won.append(i)
    wanting = [i for i in open_ if x[i] < high[i]]
    if any(i != j for i in won for j in wanting):
        return [Tie(tuple(open_), given, tuple(won))]
    return []
