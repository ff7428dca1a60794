"""Small canonical submissions, shared by the tests, the docs and the app's demo.

>>> subs = submissions([employer(1, demand_total=5), employer(2, demand_total=3)])
>>> list(subs.frame["demand_total"])
[5, 3]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pandas as pd

from allocator.credit_code import complete
from allocator.schema import COLUMNS
from allocator.submissions import Submissions

BLANK: dict[str, Any] = {
    column.key: column.default for column in COLUMNS
} | {"top100": False, "positive_list": False, "categories": (), "violations": (),
     "sector": "other", "unit_type": "enterprise"}


def credit_code(number: int, prefix: str = "91") -> str:
    """A valid Dongcheng (110101) credit code, different for every ``number``."""
    return complete(f"{prefix}110101{number:09d}")


def employer(number: int, **fields: Any) -> dict[str, Any]:
    """One submission in the reader's canonical form; unspecified fields are blank."""
    record = dict(BLANK)
    record.update(credit_code=credit_code(number), name=f"示例单位{number}", row=number + 1)
    record.update(fields)
    return record


def submissions(records: Sequence[dict[str, Any]], file: str = "example.xlsx",
                plan_year: int | None = 2027) -> Submissions:
    """:class:`Submissions` as the reader would return them for these records (no issues)."""
    keys = ["row", *(c.key for c in COLUMNS)]
    frame = pd.DataFrame({key: pd.Series([r.get(key) for r in records],
                                         dtype="int64" if key == "row" else "object")
                          for key in keys})
    sha = hashlib.sha256(repr(frame.to_dict("list")).encode()).hexdigest()
    return Submissions(frame, [], file, "需求申报", 1, plan_year, sha)


# -- rosters (docs/columns.md) ---------------------------------------------------------------
def resident_id(number: int, born: str = "19900307", area: str = "110101") -> str:
    """A valid 18-digit resident ID (GB 11643 check digit), different for every ``number``."""
    from allocator.roster import id_check_character

    first17 = f"{area}{born}{number % 1000:03d}"
    return first17 + id_check_character(first17)


#: An applicant who passes every test of Art. 6 under a scenario with a 2026-12-31 reference
#: date and an average wage of 100,000 yuan (item 一: a bachelor with 5 years' work).
GOOD_APPLICANT: dict[str, Any] = {
    "role": "other", "hired_on": "2020-01-01", "beijing_residence": True,
    "income_last_year": "200000", "conditions": (1,), "degree": "bachelor", "work_years": "5",
    "title_level": None, "income_3y_min": None, "origin": "domestic", "falsified": False,
    "award": None, "patents": None, "venture": None, "tax_3y_min": None, "recommendation": None,
}


def applicant(number: int, employer_number: int, **fields: Any) -> dict[str, Any]:
    """One roster row in the reader's canonical form (before masking): a passing applicant of
    employer ``employer_number`` unless ``fields`` say otherwise."""
    from datetime import date
    from decimal import Decimal

    record = dict(GOOD_APPLICANT)
    record.update(credit_code=credit_code(employer_number), person_id=resident_id(number),
                  person_name=f"张{number}明", row=number + 1)
    record.update(fields)
    for key in ("income_last_year", "work_years", "income_3y_min", "tax_3y_min"):
        if isinstance(record[key], str | int):
            record[key] = Decimal(record[key])
    if isinstance(record["hired_on"], str):
        record["hired_on"] = date.fromisoformat(record["hired_on"])
    return record


def roster(records: Sequence[dict[str, Any]], file: str = "roster.xlsx") -> Any:
    """A :class:`~allocator.roster.Roster` as the reader would return it for these records."""
    from allocator.roster import FRAME_KEYS, Roster, mask_id, mask_name

    data: dict[str, Any] = {"row": pd.Series([r["row"] for r in records], dtype="int64")}
    for key in FRAME_KEYS:
        data[key] = pd.Series([r.get(key) for r in records], dtype="object")
    data["person_hash"] = pd.Series(
        [hashlib.sha256(r["person_id"].encode()).hexdigest() for r in records], dtype="object")
    data["person_masked"] = pd.Series([mask_id(r["person_id"]) for r in records],
                                      dtype="object")
    data["name_masked"] = pd.Series([mask_name(r["person_name"]) for r in records],
                                    dtype="object")
    sha = hashlib.sha256(repr(sorted(r["person_id"] for r in records)).encode()).hexdigest()
    return Roster(pd.DataFrame(data), [], file, "申报人员名单", 1, sha)
