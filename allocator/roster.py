"""Read, validate and protect the applicant roster (docs/columns.md) into a :class:`Roster`.

The roster is the sheet ``申报人员名单`` of the demand workbook, or the first sheet (or a sheet of
that name) of a separate roster workbook (``--roster FILE.xlsx``). It is read with the demand
reader's machinery — :func:`allocator.workbook.read_grid` (hostile files refused), the header
finder and the cell parsers of :mod:`allocator.cells` — and with the same guarantees: every
problem names file, sheet, Excel row, column header and value, in Chinese and English, and no
row is dropped silently (it is read, or reported as a blank or totals row, or as an error).

Personal data (PIPL). A resident ID is verified by its GB 11643-1999 check digit and then kept
only as a salted hash (HMAC-SHA256, for the uniqueness check and the store) and a masked form
``110101********123X``; a name only as its masked form ``张*明``. The full ID and the full
name never leave this module: not in the frame, not in an issue (a bad ID is shown masked), not
in any output. The salt is ``$ALLOCATOR_ID_SALT`` when set, else random per read: hashes are
comparable within one salt only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.cells import CellError, is_blank, normalise, parse_text
from allocator.errors import Issue, Reported, Severity, issue
from allocator.i18n import Text
from allocator.schema import ROSTER_BY_KEY, ROSTER_COLUMNS, ROSTER_REQUIRED, Column
from allocator.submissions import (
    SheetReader,
    file_sha256,
    header_keys,
    is_totals,
    totals_word,
)
from allocator.workbook import Grid, merged_issues, read_grid

SHEET_NAME = "申报人员名单"
ERROR, WARNING = Severity.ERROR, Severity.WARNING
SALT_ENV = "ALLOCATOR_ID_SALT"

#: GB 11643-1999: weight of each of the first 17 digits (2^(17-i) mod 11) and the check
#: character for each remainder of the weighted sum mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_CANONICAL_ID = re.compile(r"[0-9]{17}[0-9X]\Z")
_OTHER_DOCUMENT = re.compile(r"^[A-Z0-9][A-Z0-9()\-]{4,29}$")

ROSTER_HEADER_KEYS: dict[str, str] = header_keys(ROSTER_COLUMNS)
#: Columns holding personal data: shown masked in every issue.
_PERSONAL = ("person_id", "person_name")


# -- identity numbers ---------------------------------------------------------------------------
def id_check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of a resident ID."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def mask_id(number: str) -> str:
    """``110101199003071234`` → ``110101********1234``; another document keeps its first and
    last two characters."""
    if len(number) == 18:
        return number[:6] + "*" * 8 + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


def mask_name(name: str) -> str:
    """``张三明`` → ``张*明``, ``张三`` → ``张*``, ``John Smith`` → ``J********h``."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def parse_person_id(value: object) -> str:
    """A document number, canonical (upper case, no spaces); a resident ID verified."""
    if not isinstance(value, str):
        # Excel keeps 15 significant digits: an ID typed as a number has lost its last ones.
        raise CellError("roster.person_id_not_text")
    number = re.sub(r"[\s\-]", "", normalise(value)).upper()
    if re.fullmatch(r"\d{15}", number):
        raise CellError("roster.person_id_old")
    if re.fullmatch(r"\d{16,18}|\d{17}X", number) or (len(number) == 18 and number[:17].isdigit()):
        if not _RESIDENT_ID.fullmatch(number):
            raise CellError("roster.person_id_format")
        try:
            date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            raise CellError("roster.person_id_birth") from None
        expected = id_check_character(number[:17])
        if expected != number[17]:
            raise CellError("roster.person_id_check", expected=expected, found=number[17])
        return number
    if not _OTHER_DOCUMENT.fullmatch(number):
        raise CellError("roster.person_id_format")
    return number


def valid_resident_ids(values: list[Any]) -> set[str]:
    """The values that are resident IDs already written canonically (18 ASCII characters)
    whose check character and birth date are right, checked all at once. Any other value is
    for :func:`parse_person_id` to accept, correct or refuse."""
    ids = [v for v in values if isinstance(v, str) and _CANONICAL_ID.match(v)]
    if not ids:
        return set()
    table = np.frombuffer("".join(ids).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    digits = table[:, :17].astype(np.int64) - ord("0")
    check = np.frombuffer(ID_CHECK.encode("ascii"), dtype=np.uint8)
    right = check[digits @ np.array(ID_WEIGHTS, dtype=np.int64) % 11] == table[:, 17]
    year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
    month = digits[:, 10:12] @ np.array([10, 1])
    day = digits[:, 12:14] @ np.array([10, 1])
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    last_day = month_days[np.clip(month, 0, 12)] + ((month == 2) & leap)
    born = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last_day)
    return {number for number, good in zip(ids, right & born, strict=True) if good}


def person_hash(salt: bytes, number: str) -> str:
    """What the roster keeps of a document number: its HMAC-SHA256 under the salt, in hex."""
    return hmac.digest(salt, number.encode("utf-8"), "sha256").hex()


def person_hasher(salt: bytes) -> Callable[[str], str]:
    """:func:`person_hash` under one salt, for many numbers: the keyed state is made once and
    copied per number (half the time of a whole HMAC each)."""
    keyed = hmac.new(salt, digestmod=hashlib.sha256)

    def digest(number: str) -> str:
        state = keyed.copy()
        state.update(number.encode("utf-8"))
        return state.hexdigest()

    return digest


def _salt() -> bytes:
    configured = os.environ.get(SALT_ENV)
    return configured.encode("utf-8") if configured else secrets.token_bytes(16)


# -- the roster -------------------------------------------------------------------------------
@dataclass
class Roster(Reported):
    """The applicants as read from one sheet.

    ``frame`` has one row per applicant in sheet order: ``row`` (Excel row), every roster key
    but ``person_id`` and ``person_name`` (canonical values, ``None`` where blank or
    unreadable), and ``person_hash``, ``person_masked``, ``name_masked``.
    """

    frame: pd.DataFrame
    issues: list[Issue]
    file: str
    sheet: str | None = None
    header_row: int | None = None
    sha256: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    #: The screening made beside the read (``allocator.cli.read_inputs``), with the ``[roster]``
    #: rules and the plan year it was made under: (rules, plan year, screening).
    screened: tuple[Any, int | None, Any] | None = field(default=None, repr=False,
                                                         compare=False)
    #: Where to read the roster again, (path, separate), when ``frame`` kept only the columns
    #: the command still reads after that screening.
    reread_from: tuple[Path, bool] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.frame)

    def header(self, key: str) -> str:
        return self.headers.get(key, ROSTER_BY_KEY[key].zh)


FRAME_KEYS = tuple(c.key for c in ROSTER_COLUMNS if c.key not in _PERSONAL)


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype="int64"),
                         **{k: pd.Series(dtype="object") for k in FRAME_KEYS},
                         "person_hash": pd.Series(dtype="object"),
                         "person_masked": pd.Series(dtype="object"),
                         "name_masked": pd.Series(dtype="object")})


def read_roster(path: str | Path, *, separate: bool = True) -> Roster | None:
    """Read the roster sheet of ``path``.

    ``separate``: a roster workbook of its own (``--roster``), read from a sheet named
    ``申报人员名单`` or else its first sheet. Otherwise ``path`` is the demand workbook and the
    roster is its optional ``申报人员名单`` sheet: ``None`` when there is none.
    Never raises for bad content: see ``issues``.
    """
    path = Path(path)
    grid, problems = read_grid(path, preferred_sheet=SHEET_NAME, only_named=not separate)
    if grid is None and (not problems or not separate):
        return None  # no such sheet; or the demand reader reports the file's problems already
    name = path.name
    sha = file_sha256(path) if path.is_file() else ""
    if grid is None:
        return Roster(empty_frame(), problems, name, sha256=sha)
    roster = _Reader(grid, name).run()
    if not separate and not len(roster) and all(
            i.code in ("no_data", "totals_row_ignored") for i in roster.issues):
        return None  # the template's blank sheet: the employer listed nobody
    roster.issues[:0] = problems
    roster.sha256 = sha
    return roster


class _Reader(SheetReader):
    header_keys = ROSTER_HEADER_KEYS
    required = ROSTER_REQUIRED
    by_key = ROSTER_BY_KEY

    def __init__(self, grid: Grid, file: str):
        super().__init__(grid, file)
        self.salt = _salt()
        self.hash = person_hasher(self.salt)

    def data_rows(self, header_index: int, positions: list[int],
                  code_position: int | None) -> list[int]:
        found = []
        codes = self.grid.column(code_position, range(len(self.grid.rows))) \
            if code_position is not None else None
        usual: dict[Any, bool] = {}  # a code that is text, and not blank nor a totals word
        for index in range(header_index + 1, len(self.grid.rows)):
            if codes is not None:
                code = codes[index]
                known = usual.get(code) if type(code) is str else False
                if known is None:
                    known = usual[code] = not is_blank(code) and not totals_word(code)
                if known:
                    found.append(index)  # the usual row: its employer's code and more
                    continue
            if all(is_blank(self.grid.value(index, p)) for p in positions):
                continue
            code = None if code_position is None else self.grid.value(index, code_position)
            if is_totals(self.grid.rows[index], code):
                self.add(WARNING, "totals_row_ignored", row=self.grid.row_numbers[index])
                continue
            found.append(index)
        return found

    def run(self) -> Roster:
        header_index = self.find_header()
        if header_index is None:
            self.add(ERROR, "header_not_found", required=_names(ROSTER_REQUIRED))
            return Roster(empty_frame(), self.issues, self.file, self.sheet)
        keys, extras = self.map_header(header_index)
        header_row = self.grid.row_numbers[header_index]
        self.issues += merged_issues(self.grid, self.file, header_index, {
            **{p: (title, False) for p, title in extras.items()},
            **{p: (self.headers[key], True) for key, p in keys.items()}})
        indices = self.data_rows(header_index, [*keys.values(), *extras],
                                 keys.get("credit_code"))
        if not indices and not any(i.is_error for i in self.issues):
            self.add(ERROR, "no_data", row=header_row)
        rows = [self.grid.row_numbers[i] for i in indices]
        data: dict[str, list[Any]] = {"row": rows}
        for column in ROSTER_COLUMNS:
            data[column.key] = self.parse_column(column, keys.get(column.key), indices, rows)
        ids = data.pop("person_id")
        names = data.pop("person_name")
        data["person_hash"] = [None if v is None else self.hash(v) for v in ids]
        data["person_masked"] = [None if v is None else mask_id(v) for v in ids]
        data["name_masked"] = [None if v is None else mask_name(v) for v in names]
        del ids, names  # the full identities go no further
        frame = pd.DataFrame({key: pd.Series(values, dtype="int64" if key == "row" else "object")
                              for key, values in data.items()})
        self.check_unique(frame)
        self.finish_issues()
        return Roster(frame, self.issues, self.file, self.sheet, header_row,
                      headers=self.headers)

    def parse_column(self, column: Column, position: int | None, indices: list[int],
                     rows: list[int]) -> list[Any]:
        blank_value: Any = column.default
        if column.key == "falsified":
            blank_value = False
        if position is None:
            return [blank_value] * len(indices)
        parse = self.column_parser(column, position, indices)
        if column.key == "person_id":
            verified = valid_resident_ids(self.grid.column(position, indices))

            def parse(raw: object) -> str:
                return raw if raw in verified else parse_person_id(raw)  # type: ignore[return-value]
        # Identities are shown masked.
        return self.read_cells(column, position, indices, rows, parse, blank_value,
                               shown=(lambda raw: _masked(column.key, raw))
                               if column.key in _PERSONAL else (lambda raw: raw))

    def check_unique(self, frame: pd.DataFrame) -> None:
        """One row per person (docs/columns.md: the ID is unique per roster)."""
        seen: dict[str, int] = {}
        header = self.headers.get("person_id", ROSTER_BY_KEY["person_id"].zh)
        for row, digest, masked in zip(frame["row"], frame["person_hash"],
                                       frame["person_masked"], strict=True):
            if digest is None:
                continue
            if digest in seen:
                self.add(ERROR, "roster.person_id_duplicate", row=int(row), column=header,
                         value=masked, first=seen[digest])
            else:
                seen[digest] = int(row)


def _masked(key: str, raw: object) -> str | None:
    if raw is None:
        return None
    try:
        written = parse_text(raw)
    except CellError:
        written = str(raw)
    written = re.sub(r"\s", "", written)
    return mask_id(written.upper()) if key == "person_id" else mask_name(written)


def _names(keys: tuple[str, ...] | list[str]) -> Text:
    return Text(zh="、".join(ROSTER_BY_KEY[k].zh for k in keys),
                en=", ".join(ROSTER_BY_KEY[k].en for k in keys))


def check_employers(roster: Roster, credit_codes: set[str]) -> None:
    """Every applicant's employer must be an employer of the demand sheet (docs/columns.md)."""
    header = roster.header("credit_code")
    for row, code in zip(roster.frame["row"], roster.frame["credit_code"], strict=True):
        if code is not None and code not in credit_codes:
            roster.issues.append(issue(ERROR, "roster.employer_unknown", file=roster.file,
                                       sheet=roster.sheet, row=int(row), column=header,
                                       value=code))


def roster_from_frame(frame: pd.DataFrame, file: str = "roster", sha256: str = "") -> Roster:
    """A :class:`Roster` from canonical values with full identities (``person_id``,
    ``person_name``), as the sample generator and the tests make them: the identities are
    hashed and masked here and go no further."""
    salt = _salt()
    ids = frame["person_id"].tolist()
    names = frame["person_name"].tolist()
    data: dict[str, Any] = {"row": pd.Series(
        frame["row"] if "row" in frame else range(2, len(frame) + 2), dtype="int64")}
    for key in FRAME_KEYS:
        data[key] = pd.Series(frame[key].tolist(), dtype="object")
    data["person_hash"] = pd.Series(list(map(person_hasher(salt), ids)), dtype="object")
    data["person_masked"] = pd.Series([mask_id(i) for i in ids], dtype="object")
    data["name_masked"] = pd.Series([mask_name(n) for n in names], dtype="object")
    return Roster(pd.DataFrame(data), [], file, SHEET_NAME, 1, sha256)
