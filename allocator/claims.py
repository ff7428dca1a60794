"""The ``apportion`` command (README): the bare rule on a CSV of weighted claims.

``allocator apportion CLAIMS.csv --total N [--method M] [--min K]`` reads a UTF-8 CSV (a byte
order mark is fine, as Excel's "CSV UTF-8" writes it) whose first line is the header:

=========  ========  ==========================================================================
column     required  meaning
=========  ========  ==========================================================================
name       yes       the claimant, as it should appear in the output (duplicates are fine)
weight     yes       the claim, a number ≥ 0 read **exactly**: ``12``, ``1.5``, ``3/2``, ``1e3``,
                     ``1,234.5`` (thousands separators), full-width digits; not ``inf``, ``50%``
min        no        a whole number ≥ 0: the fewest seats for this row (blank: none)
max        no        a whole number ≥ 0: the most seats for this row (blank: no limit)
=========  ========  ==========================================================================

Headers are matched case-insensitively, also in Chinese (名称, 权重, 下限, 上限); other columns
are ignored. ``--min K`` is a floor for every row, combined with the row's own ``min`` by the
larger of the two. The output is CSV ``name,allocation``, one row per input row in input order.

Ties at the cut-off are broken by input order — the earlier row wins — and each is reported as
a warning in Chinese and English, as is a total that the rows' maxima cannot absorb. Every
problem with the input is reported at once as an :class:`~allocator.errors.InputError` naming
the file, the CSV line, the column and the value.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from allocator.errors import InputError, Issue, Severity, show_value
from allocator.i18n import Text, text
from allocator.methods import Apportionment, Method, Tie, apportion, parse_method

#: Larger totals and bounds are typing mistakes: the whole city issues fewer permits a year.
MAX_COUNT = 10**12
#: Longer weights are not typed by a person (and "1e999999999" would exhaust memory).
MAX_NUMBER_LENGTH = 60

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "单位名称"),
    "weight": ("weight", "权重"),
    "min": ("min", "下限"),
    "max": ("max", "上限"),
}
REQUIRED = ("name", "weight")
_HEADER_KEYS = {spelling.casefold(): key for key, names in HEADERS.items() for spelling in names}

_DECIMAL = re.compile(r"^\+?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,2})?$")
_THOUSANDS = re.compile(r"^\+?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_RATIO = re.compile(r"^\+?\d+/\d+$")


@dataclass(frozen=True)
class Claim:
    """One data row of the claims file."""

    row: int  # the CSV line number, as a text editor shows it
    name: str
    weight: Fraction
    minimum: int | None = None
    maximum: int | None = None


@dataclass
class ApportionOutput:
    csv: str
    warnings: list[Text] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    result: Apportionment | None = None


class _NumberError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def parse_number(value: str) -> Fraction:
    """A number as a planner types it, read exactly; ``_NumberError`` names what is wrong.

    >>> parse_number("1.5"), parse_number("3/2"), parse_number("1e3"), parse_number("1,234")
    (Fraction(3, 2), Fraction(3, 2), Fraction(1000, 1), Fraction(1234, 1))
    """
    cleaned = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
    negative = cleaned.startswith("-")
    unsigned = cleaned[1:] if negative else cleaned
    if len(cleaned) > MAX_NUMBER_LENGTH:
        raise _NumberError("not_number")
    if _THOUSANDS.match(unsigned):
        unsigned = unsigned.replace(",", "")
    ratio = _RATIO.match(unsigned) and int(unsigned.split("/")[1]) != 0
    if not (_DECIMAL.match(unsigned) or ratio):
        raise _NumberError("not_number")
    number = Fraction(unsigned)
    if negative and number != 0:
        raise _NumberError("negative")
    return number


def read_claims(path: Path) -> list[Claim]:
    """Every data row of a claims CSV, or :class:`InputError` with every problem found."""
    file = str(path)
    content = _read_text(path)
    reader = csv.reader(io.StringIO(content, newline=""))
    issues: list[Issue] = []
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise InputError([_error("file_empty", file)])
        columns = _columns(header, file, reader.line_num, issues)
        claims = list(_rows(reader, header, columns, file, issues))
    except csv.Error as exc:
        raise InputError([*issues, _error("csv_malformed", file, row=reader.line_num,
                                          reason=str(exc))]) from None
    if not issues and not claims:
        issues.append(_error("no_rows", file))
    if issues:
        raise InputError(issues)
    return claims


def run_apportion(path: Path, total: int, method: str, minimum: int) -> ApportionOutput:
    """Apportion ``total`` among the rows of the claims file; the ``apportion`` command."""
    file = str(path)
    issues: list[Issue] = []
    chosen: Method | None = None
    try:
        chosen = parse_method(method)
    except ValueError:
        options = Text(zh="、".join(m.value for m in Method), en=", ".join(m.value for m in Method))
        issues.append(_error("method_unknown", file, column="--method", value=method,
                             options=options))
    if total < 0:
        issues.append(_error("total_negative", file, column="--total", value=total))
    elif total > MAX_COUNT:
        issues.append(_error("total_too_large", file, column="--total", value=total,
                             limit=MAX_COUNT))
    if minimum < 0:
        issues.append(_error("floor_negative", file, column="--min", value=minimum))
    elif minimum > MAX_COUNT:
        issues.append(_error("bound_too_large", file, column="--min", value=minimum,
                             limit=MAX_COUNT))
    try:
        claims = read_claims(path)
    except InputError as exc:
        raise InputError([*issues, *exc.issues]) from None
    floor = max(minimum, 0)
    lower = [max(floor, c.minimum or 0) for c in claims]
    upper = [c.maximum for c in claims]
    for claim, low in zip(claims, lower, strict=True):
        if claim.maximum is not None and low > claim.maximum and (claim.minimum or 0) < low:
            issues.append(_error("floor_above_max", file, row=claim.row, column="max",
                                 value=claim.maximum, floor=floor, maximum=claim.maximum))
    if not issues and sum(lower) > total:
        issues.append(_error("minimum_sum", file, column="min", value=sum(lower),
                             minimum=sum(lower), total=total))
    if issues:
        raise InputError(issues)
    assert chosen is not None
    result = apportion([c.weight for c in claims], total, chosen, lower=lower, upper=upper)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "allocation"])
    writer.writerows([c.name, seats] for c, seats in zip(claims, result.seats, strict=True))
    warnings = [_describe_tie(tie, claims, chosen) for tie in result.ties]
    if result.total < total:
        warnings.append(text("apportion.surplus", total=total, allocated=result.total,
                             unallocated=total - result.total))
    return ApportionOutput(out.getvalue(), warnings, claims, result)


# -- reading ----------------------------------------------------------------------------------
def _read_text(path: Path) -> str:
    file = str(path)
    if not path.exists():
        raise InputError([_error("file_missing", file)])
    if not path.is_file():
        raise InputError([_error("file_not_file", file)])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([_error("file_unreadable", file, reason=exc.strerror or exc)]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([_error("not_utf8", file, row=line, line=line)]) from None


def _columns(header: list[str], file: str, line: int, issues: list[Issue]) -> dict[str, int]:
    """Column index of each known key; problems with the header go to ``issues``."""
    found: dict[str, int] = {}
    for position, cell in enumerate(header):
        token = unicodedata.normalize("NFKC", cell).strip().casefold()
        key = _HEADER_KEYS.get(token)
        if key is None:
            continue
        if key in found:
            issues.append(_error("header_duplicate", file, row=line, column=cell.strip(),
                                 first=header[found[key]].strip()))
            continue
        found[key] = position
    missing = [key for key in REQUIRED if key not in found]
    for key in missing:
        issues.append(_error("header_missing", file, row=line, column=key))
    if missing and any(sep in cell for cell in header for sep in ";\t|"):
        issues.append(_error("wrong_delimiter", file, row=line,
                             value=",".join(header)))
    return found


def _rows(reader: Any, header: list[str], columns: dict[str, int], file: str,
          issues: list[Issue]) -> list[Claim]:
    """The valid data rows; ``reader`` is a :func:`csv.reader` (its ``line_num`` names rows)."""
    claims: list[Claim] = []
    if any(key not in columns for key in REQUIRED):
        return claims
    shown = {key: header[index].strip() for key, index in columns.items()}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # a blank line is not a row
        extra = [cell for cell in record[len(header):] if cell.strip()]
        if extra:
            issues.append(_error("extra_fields", file, row=line, value=",".join(extra),
                                 extra=show_value(",".join(extra))))
            continue
        cells = {key: (record[index] if index < len(record) else "")
                 for key, index in columns.items()}
        errors_before = len(issues)
        name = cells["name"].strip()
        if not name:
            issues.append(_error("name_blank", file, row=line, column=shown["name"]))
        weight = _weight(cells["weight"], file, line, shown["weight"], issues)
        minimum = _bound(cells.get("min", ""), file, line, shown.get("min"), issues)
        maximum = _bound(cells.get("max", ""), file, line, shown.get("max"), issues)
        if minimum is not None and maximum is not None and minimum > maximum:
            issues.append(_error("min_above_max", file, row=line, column=shown["max"],
                                 value=maximum, minimum=minimum, maximum=maximum))
        if len(issues) == errors_before and weight is not None:
            claims.append(Claim(line, name, weight, minimum, maximum))
    return claims


def _weight(raw: str, file: str, line: int, column: str, issues: list[Issue]) -> Fraction | None:
    if not raw.strip():
        issues.append(_error("weight_blank", file, row=line, column=column))
        return None
    try:
        return parse_number(raw)
    except _NumberError as exc:
        code = "weight_negative" if exc.code == "negative" else "weight_not_number"
        issues.append(_error(code, file, row=line, column=column, value=raw))
        return None


def _bound(raw: str, file: str, line: int, column: str | None,
           issues: list[Issue]) -> int | None:
    if column is None or not raw.strip():
        return None
    try:
        number = parse_number(raw)
    except _NumberError as exc:
        code = "bound_negative" if exc.code == "negative" else "bound_not_number"
        issues.append(_error(code, file, row=line, column=column, value=raw))
        return None
    if number.denominator != 1:
        issues.append(_error("bound_fraction", file, row=line, column=column, value=raw))
        return None
    if number > MAX_COUNT:
        issues.append(_error("bound_too_large", file, row=line, column=column, value=raw,
                             limit=MAX_COUNT))
        return None
    return int(number)


# -- messages ---------------------------------------------------------------------------------
def _error(code: str, file: str, *, row: int | None = None, column: str | None = None,
           value: object = None, **params: object) -> Issue:
    """An error whose message is the catalogue entry ``apportion.<code>``."""
    shown = None if value is None else show_value(value)
    message = text(f"apportion.{code}", file=file, row=row, column=column, value=shown, **params)
    return Issue(Severity.ERROR, f"apportion.{code}", message, file, None, row, column, shown)


def _rows_text(rows: list[int]) -> Text:
    return Text(zh="、".join(map(str, rows)), en=", ".join(map(str, rows)))


def _describe_tie(tie: Tie, claims: list[Claim], method: Method) -> Text:
    names = [show_value(claims[i].name, 30) for i in tie.claimants]
    return text(
        "apportion.tie_hamilton" if method is Method.HAMILTON else "apportion.tie",
        rows=_rows_text([claims[i].row for i in tie.claimants]),
        names=Text(zh="、".join(names), en=", ".join(names)),
        seats=tie.seats, tied=len(tie.claimants),
        winners=_rows_text([claims[i].row for i in tie.awarded]),
    )
