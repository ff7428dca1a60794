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
