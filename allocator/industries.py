"""Which Art. 8 priority sector an industry code belongs to (金融、文化、信息服务).

Art. 8 tilts the quota towards finance, culture and information services but does not say
which industries those are. The national statistical classifications do, by GB/T 4754-2017
code, and the table ``data/industry_sectors.csv`` transcribes them (its header names each
source): finance is section J; information services are section I, the classes the digital
economy classification (2021) counts as digital technology services and internet platforms;
culture is the classification of cultural and related industries (2018), class by class — so
sports (R89) and lotteries (R904) are not culture, while advertising (L725), printing (C23)
and the design services (M7491, M7492) are.

A code given coarser than the table decides (R90 holds entertainment and lotteries; L72
holds advertising and law firms), or a class the classification takes only in part (its
``*``, e.g. L7211 企业总部管理), is **not guessed**: the reader keeps the sector "other" and
warns, so the planner can fill the 重点产业 column, which always wins over the code.

>>> sector_of_industry("L7251"), sector_of_industry("R89"), sector_of_industry("R90")
(('culture', None), ('other', None), ('other', 'industry_too_coarse'))
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "industry_sectors.csv"


@dataclass(frozen=True, slots=True)
class IndustrySector:
    """One row of the table: every class under ``code`` belongs (in ``share``) to ``sector``."""

    code: str  # a section letter, then up to four digits: J, R86, R901, L7251
    sector: str  # finance | culture | information
    share: str  # all | part (the classification's "*": only part of the class)
    item: str  # the source classification's own code(s)
    name: str


@cache
def industry_table() -> tuple[IndustrySector, ...]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return tuple(IndustrySector(**row) for row in csv.DictReader(lines))


@cache
def sector_of_industry(code: str) -> tuple[str, str | None]:
    """The sector of a GB/T 4754-2017 code as the reader normalises it (``R8730``, ``J66``,
    ``C``), and the reason it could not be decided (an ``issue`` code) or ``None``.

    ``industry_partial``: the class belongs to a sector only in part; ``industry_too_coarse``:
    the classes under the code belong to different sectors.
    """
    covering = [row for row in industry_table() if code.startswith(row.code)]
    if covering:
        [row] = covering  # no row lies inside another (tested)
        return ("other", "industry_partial") if row.share == "part" else (row.sector, None)
    if any(row.code.startswith(code) for row in industry_table()):
        return "other", "industry_too_coarse"
    return "other", None


def sectors_within(code: str) -> tuple[str, ...]:
    """The sectors some class under ``code`` belongs to (wholly or in part), in table order:
    what the reader's warning names."""
    found = [row.sector for row in industry_table()
             if code.startswith(row.code) or row.code.startswith(code)]
    return tuple(dict.fromkeys(found))
