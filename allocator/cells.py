"""Parsing one workbook cell of each :class:`~allocator.schema.Kind` into its canonical value.

Each parser takes what the spreadsheet library returned (``str``, ``int``, ``float``, ``bool``,
``datetime``…) and returns the canonical value or raises :class:`CellError` with a catalogue
code. Full-width characters, padding, thousands separators, percent signs, Chinese numerals and
the common spellings of yes/no are normalised; nothing else is guessed. The reader calls each
parser once per *distinct* raw value of a column, so a parser may be plain Python.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from allocator import credit_code
from allocator.errors import hidden_characters
from allocator.i18n import Text
from allocator.schema import (
    INDUSTRY_SECTIONS,
    Column,
    Kind,
    section_of_division,
)

#: Cells larger than this are typing mistakes, not demand: the whole city issues fewer
#: permits in a year.
MAX_COUNT = 1_000_000
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
EXCEL_EPOCH = datetime(1899, 12, 30)
#: Day 0 of the 1904 date system (``<workbookPr date1904="1"/>``, old Mac Excel).
MAC_EPOCH = datetime(1904, 1, 1)

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_CHINESE_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                     "九": 9}
_ITEM_SEPARATORS = re.compile(r"[、,;/\s]+|和|及")
_ITEM = re.compile(r"^(?:第)?[(\[]?([0-9]+|[一二三四五六七八九])[)\]]?(?:项|类|条)?\.?$")
_INDUSTRY = re.compile(r"^([A-Z])?(\d{2})?(\d{1,2})?$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_TRUE = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "有"}
_FALSE = {"否", "n", "no", "false", "f", "0", "×", "✗", "x", "不是", "无", "没有"}
#: Circled numbers ①…⑳ written one after another are one item each: NFKC alone would run them
#: together into one number (①④ → 14).
_CIRCLED = {code: f"、{code - 0x2460 + 1}、" for code in range(0x2460, 0x2474)}
#: Items in brackets written one after another, "(一)(四)": a separator between them.
_ADJACENT_ITEMS = re.compile(r"([)\]])\s*(?=[(\[])")


class CellError(Exception):
    """A cell's value cannot be read as its column's kind; ``code`` names the message."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


def normalise(value: str) -> str:
    """Full-width → half-width (NFKC), invisible characters removed, padding stripped."""
    return unicodedata.normalize("NFKC", value).translate(_INVISIBLE).strip()


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if not isinstance(value, str) or value[:1].isalnum():
        return False  # a letter or digit never normalises to nothing
    return not normalise(value)


def parse_text(value: object) -> str:
    # Names keep their full-width punctuation (（集团）): only padding is removed.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    # A control character (a copying accident: Excel keeps it as _x0007_) would be invisible
    # in every report and cannot be written into a workbook; a bidi control (U+202E) can make
    # one name display as another, and a zero-width space or soft hyphen makes two names that
    # look alike differ: the employer's text is refused, naming each character and where.
    found = hidden_characters(text, allowed="\t\n\r")
    if found:
        raise CellError("text_control", characters=found)
    return text.strip()


def parse_credit_code(value: object) -> str:
    if not isinstance(value, str):
        raise CellError("credit_code_not_text")
    found = hidden_characters(value)
    if found:  # a soft hyphen would otherwise show as "19 characters" and nothing more
        raise CellError("text_control", characters=found)
    code = re.sub(r"[\s\-]", "", normalise(value)).upper()
    if len(code) != credit_code.LENGTH:
        raise CellError("credit_code_length", length=len(code))
    wrong = sorted({char for char in code if char not in credit_code.VALUE})
    if wrong:
        raise CellError("credit_code_character", characters="".join(wrong))
    expected = credit_code.check_character(code[:17])
    if expected != code[17]:
        raise CellError("credit_code_check", expected=expected, found=code[17])
    return code


def enum_parser(column: Column) -> Callable[[object], str]:
    spellings = {normalise(s).casefold(): c.code for c in column.choices for s in c.spellings()}
    options = Text(zh="、".join(c.zh for c in column.choices),
                   en=", ".join(c.en for c in column.choices))

    def parse(value: object) -> str:
        key = normalise(str(value)).casefold()
        if key not in spellings:
            raise CellError("enum_unknown", options=options)
        return spellings[key]

    return parse


def parse_industry(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise CellError("industry_format")
        value = str(int(value))
    code = re.sub(r"[\s.\-]", "", normalise(str(value))).upper()
    match = _INDUSTRY.fullmatch(code)
    if not match or not (match[1] or match[2]) or (match[3] and not match[2]):
        raise CellError("industry_format")
    letter, division = match[1], match[2]
    if division is None:
        if letter not in INDUSTRY_SECTIONS:
            raise CellError("industry_section", section=letter)
        return letter
    section = section_of_division(int(division))
    if section is None:
        raise CellError("industry_division", division=division)
    if letter and letter != section:
        raise CellError("industry_mismatch", division=division, section=section, letter=letter)
    return section + division + (match[3] or "")


def items_parser(column: Column) -> Callable[[object], tuple[int, ...]]:
    def parse(value: object) -> tuple[int, ...]:
        if isinstance(value, bool):
            raise CellError("items_unknown", largest=column.items, item=value)
        if isinstance(value, (int, float)):
            if float(value).is_integer() and 1 <= value <= column.items:
                return (int(value),)
            raise CellError("items_unknown", largest=column.items, item=value)
        found: set[int] = set()
        written = _ADJACENT_ITEMS.sub(r"\1、", normalise(str(value).translate(_CIRCLED)))
        for token in _ITEM_SEPARATORS.split(written):
            if not token:
                continue
            match = _ITEM.fullmatch(token)
            number = None
            if match:
                number = _CHINESE_NUMERALS.get(match[1]) or int(match[1])
            if number is None or not 1 <= number <= column.items:
                raise CellError("items_unknown", largest=column.items, item=token)
            found.add(number)
        return tuple(sorted(found))

    return parse


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    key = normalise(str(value)).casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError("bool_unknown")


def _number(value: object) -> Decimal:
    """A numeric cell or numeric text as an exact decimal."""
    if isinstance(value, bool):
        raise CellError("number_boolean")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("number_not_finite")
        # repr() is the shortest decimal that reads back as this float: what Excel showed.
        return Decimal(repr(value))
    if isinstance(value, (datetime, date)):
        raise CellError("number_is_date")
    return _number_text(normalise(str(value)))


#: Numbers typed as text (docs/columns.md, "Numbers typed as text"): plain digits with an
#: optional decimal point, or digits grouped by three with commas (or spaces), e.g. 1,500 or
#: 1,500.5. An exponent (1e2) is allowed.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:(?P<sep>[, ])\d{3})(?:(?P=sep)\d{3})*(?:\.\d+)?")
#: A point followed by exactly three digits after one to three digits (not 0): 1.000 is a
#: thousand in much of Europe and one in China; the cell does not say which.
_POINT_AS_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}\.\d{3}")
_NUMBER_CHARACTERS = re.compile(r"[+\-\d., ]+")
_NOT_FINITE = {"nan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity"}


def _number_text(text: str) -> Decimal:
    """Numeric text as an exact decimal, accepting only forms that cannot be misread."""
    if text.casefold() in _NOT_FINITE:
        raise CellError("number_not_finite")
    if _POINT_AS_THOUSANDS.fullmatch(text):
        raise CellError("read.number_ambiguous", point=text.lstrip("+-").split(".")[0])
    if _PLAIN_NUMBER.fullmatch(text):
        cleaned = text
    elif _GROUPED_NUMBER.fullmatch(text):
        cleaned = text.replace(",", "").replace(" ", "")
    elif _NUMBER_CHARACTERS.fullmatch(text) and any(c.isdigit() for c in text):
        # "1,5", "1.500,5", "15,00", "1 5": a separator where no thousands separator goes.
        raise CellError("read.number_grouping")
    else:
        raise CellError("number_text")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the patterns above admit only decimals
        raise CellError("number_text") from None


def parse_count(value: object) -> int:
    number = _number(value)
    if number != number.to_integral_value():
        raise CellError("count_fraction")
    if number < 0:
        raise CellError("count_negative")
    if number > MAX_COUNT:
        raise CellError("count_too_large", limit=MAX_COUNT)
    return int(number)


def parse_rate(value: object) -> Decimal:
    """A rate as a fraction: ``"12%"``, ``12`` and ``0.12`` are all ``Decimal("0.12")``.

    Numbers above 1 are percentages; 1 itself reads as 100 % (the reader warns about it).
    """
    raw = normalise(str(value)) if isinstance(value, str) else None
    if raw is not None and raw.endswith("%"):
        rate = _number(raw[:-1]) / 100
    else:
        number = _number(value)
        rate = number / 100 if number > 1 else number
    if rate < 0:
        raise CellError("rate_negative")
    if rate > 1:
        raise CellError("rate_too_large")
    return rate


#: An amount above this is a typing mistake (ten billion yuan a year), not an income.
MAX_AMOUNT = Decimal(10) ** 10


def parse_amount(value: object) -> Decimal:
    """Yuan or years (the roster's money and years columns): an exact decimal ≥ 0."""
    number = _number(value)
    if number < 0:
        raise CellError("count_negative")
    if number > MAX_AMOUNT:
        raise CellError("count_too_large", limit=MAX_AMOUNT)
    return number


def parse_date(value: object, epoch: datetime = EXCEL_EPOCH) -> date:
    """A date; a bare number is an Excel serial day on ``epoch`` (the workbook's date system:
    :data:`EXCEL_EPOCH`, or :data:`MAC_EPOCH` for a workbook saved with the 1904 system)."""
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        # An Excel serial day number typed into a text-formatted cell.
        if not 1 <= value <= 2958465:
            raise CellError("date_format")
        result = (epoch + timedelta(days=int(value))).date()
    else:
        raw = normalise(str(value))
        for pattern in _DATE_PATTERNS:
            match = pattern.fullmatch(raw)
            if match:
                try:
                    result = date(int(match[1]), int(match[2]), int(match[3]))
                except ValueError:
                    raise CellError("date_impossible") from None
                break
        else:
            raise CellError("date_format")
    if not EARLIEST_DATE <= result <= LATEST_DATE:
        raise CellError("date_out_of_range", earliest=EARLIEST_DATE, latest=LATEST_DATE)
    return result


def parser_for(column: Column, *, date1904: bool = False) -> Callable[[object], Any]:
    """The parser for one column of the schema (``date1904``: the workbook's date system)."""
    match column.kind:
        case Kind.TEXT:
            return parse_text
        case Kind.CREDIT_CODE:
            return parse_credit_code
        case Kind.ENUM:
            return enum_parser(column)
        case Kind.INDUSTRY:
            return parse_industry
        case Kind.ITEMS:
            return items_parser(column)
        case Kind.BOOL:
            return parse_bool
        case Kind.COUNT:
            return parse_count
        case Kind.RATE:
            return parse_rate
        case Kind.DATE:
            return (lambda value: parse_date(value, MAC_EPOCH)) if date1904 else parse_date
        case Kind.MONEY | Kind.YEARS:
            return parse_amount
    raise AssertionError(column.kind)  # pragma: no cover - every kind is matched above
