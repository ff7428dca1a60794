"""Library objects as tables a planner reads: labels in the current language, no codes.

Presentation only: every number here was computed by the library (``plan_json``, the
submissions frame); this module renames, labels and orders.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.schema import BY_KEY, CATEGORIES, COLUMNS, SECTORS, Kind
from allocator_app.ui import pick, tr

SECTOR_CODES: tuple[str, ...] = tuple(c.code for c in SECTORS)


def choice_label(column: str, code: str | None) -> str:
    if code is None:
        return ""
    for choice in BY_KEY[column].choices:
        if choice.code == code:
            return pick(choice.zh, choice.en)
    return str(code)


def sector_label(code: str) -> str:
    return choice_label("sector", code)


def category_label(item: int) -> str:
    zh, en = CATEGORIES[item]
    return tr("common.category", item=item, name=pick(zh, en))


def items_text(items: Any) -> str:
    return "、".join(str(i) for i in sorted(items or ()))


def method_label(code: str) -> str:
    return tr(f"method.{code}")


def column_title(key: str) -> str:
    column = BY_KEY[key]
    return pick(column.zh, column.en)


def _cell(key: str, value: Any) -> Any:
    column = BY_KEY[key]
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    match column.kind:
        case Kind.ENUM:
            return choice_label(key, value)
        case Kind.BOOL:
            return tr("common.yes") if value else tr("common.no")
        case Kind.ITEMS:
            return items_text(value) or None
        case Kind.RATE:
            return f"{Decimal(value) * 100:f}".rstrip("0").rstrip(".") + "%"
        case Kind.DATE:
            return value.isoformat() if isinstance(value, date | datetime) else str(value)
        case Kind.COUNT:
            return int(value)
        case _:
            return str(value)


def submissions_preview(frame: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    """The workbook as read: Excel row, every schema column, then the unknown columns."""
    out = pd.DataFrame({tr("table.row"): frame["row"].astype("int64")})
    for column in COLUMNS:
        values = [_cell(column.key, v) for v in frame[column.key]]
        if column.kind is Kind.COUNT:
            out[column_title(column.key)] = pd.array(values, dtype="Int64")
        else:  # a blank cell stays blank rather than showing "None"
            out[column_title(column.key)] = ["" if v is None else v for v in values]
    for title in extra:
        if title in frame.columns:
            out[title] = frame[title].map(lambda v: "" if v is None else str(v))
    return out


def workbook_bytes(write: Callable[[Path], None], name: str = "out.xlsx") -> bytes:
    """What a library writer puts in a file, as bytes for a download button."""
    with tempfile.TemporaryDirectory(prefix="allocator-") as folder:
        path = Path(folder) / name
        write(path)
        return path.read_bytes()


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
