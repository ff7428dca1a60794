"""Problems found in a planner's input, and the one exception that carries them.

Every problem names where it is (file, sheet, Excel row, column header), the offending value,
and says what is wrong in Chinese and English. Errors stop a run; warnings do not. Bad input
always ends in :class:`InputError` — never in a traceback — and the command line turns it into
exit code 2.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from allocator.i18n import Lang, Text, text


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    severity: Severity
    code: str
    message: Text
    file: str = ""
    sheet: str | None = None
    row: int | None = None  # Excel row number, 1-based, as the planner sees it
    column: str | None = None  # the header as written in the workbook (or a scenario key)
    value: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def where(self, lang: Lang = "zh") -> str:
        """``file · sheet · row · column`` in the planner's words."""
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」" if lang == "zh" else f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"第{self.row}行" if lang == "zh" else f"row {self.row}")
        if self.column:
            parts.append(f"列「{self.column}」" if lang == "zh" else f"column '{self.column}'")
        return " · ".join(parts)

    def render(self, lang: Lang = "zh") -> str:
        label = text(f"severity.{self.severity.value}").get(lang)
        value = f" [{self.value}]" if self.value not in (None, "") else ""
        return f"{label} {self.where(lang)}{value}: {self.message.get(lang)}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value, "code": self.code, "file": self.file,
            "sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value,
            "zh": self.message.zh, "en": self.message.en,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        """The issue :meth:`as_dict` wrote (a stored dataset's, a stored roster's notes)."""
        return cls(Severity(data["severity"]), data["code"], Text(zh=data["zh"], en=data["en"]),
                   data["file"], data["sheet"], data["row"], data["column"], data["value"])


class Reported:
    """A mixin for what a reader returns with its ``issues``: errors stop the run, warnings do
    not."""

    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


def issue(
    severity: Severity, code: str, /, *, file: str = "", sheet: str | None = None,
    row: int | None = None, column: str | None = None, value: object = None, **params: Any,
) -> Issue:
    """An :class:`Issue` whose message is the catalogue entry ``issue.<code>``.

    ``file``, ``sheet``, ``row``, ``column`` and ``value`` are both placed on the issue and
    offered to the message template.
    """
    shown = None if value is None else show_value(value)
    message = text(f"issue.{code}", file=file, sheet=sheet, row=row, column=column,
                   value=shown, **params)
    return Issue(severity, code, message, file, sheet, row, column, shown)


#: C0 control characters and DEL: invisible, and able to steer a terminal (ESC) or break a
#: file format (XML, so Excel's files, cannot hold most of them).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_NAMED_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def visible(text: str, keep: str = "") -> str:
    """``text`` with every control character (except those in ``keep``) written as an escape
    such as ``\\x07`` or ``\\n``, and every invisible format character (bidi controls, zero
    width, soft hyphen; category Cf) as ``\\u202e``: shown, never obeyed, and never silently
    lost."""
    shown = CONTROL_CHARACTERS.sub(
        lambda m: m[0] if m[0] in keep else _NAMED_ESCAPES.get(m[0], f"\\x{ord(m[0]):02x}"),
        text)
    if shown.isascii():
        return shown
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cf", "Cc")
                   and c not in keep else c for c in shown)


def control_characters(text: str, allowed: str = "") -> str | None:
    """The control characters in ``text`` (but those in ``allowed``) as code points, such as
    ``U+0007, U+001B``, for a message; ``None`` when there are none."""
    found = sorted({c for c in CONTROL_CHARACTERS.findall(text) if c not in allowed})
    return ", ".join(f"U+{ord(c):04X}" for c in found) if found else None


#: Characters listed at most by :func:`hidden_characters` (a hostile cell may hold thousands).
MAX_HIDDEN_LISTED = 5


#: Every control and format (Cf) character of Unicode 14–16, and a few more: a fast first pass
#: (each match is confirmed by :func:`is_hidden`; ``tests/test_reader_odd.py`` checks that the
#: running Python's Unicode database has no Cf character outside it).
_MAYBE_HIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]")


def is_hidden(char: str) -> bool:
    """A control character (C0, DEL, C1), or an invisible format character (category Cf):
    the bidi controls U+202A–U+202E and U+2066–U+2069, the marks U+200E, U+200F and U+061C,
    zero-width characters, the soft hyphen U+00AD, the byte-order mark U+FEFF, …"""
    return unicodedata.category(char) in ("Cc", "Cf")


def hidden_characters(text: str, allowed: str = "") -> Text | None:
    """Every control or invisible format character in ``text`` (but those in ``allowed``), each
    with its code point, Unicode name and position (1-based, as typed), for a message; ``None``
    when there are none.

    Bidi controls can make one name display as another, and a soft hyphen or zero-width space
    makes two codes that look alike differ: such text is refused, never silently cleaned. The
    one check for employers' cells (:mod:`allocator.cells`) and approvals (``approve --by``).
    """
    found = [(match.start() + 1, match[0]) for match in _MAYBE_HIDDEN.finditer(text)
             if match[0] not in allowed and is_hidden(match[0])]
    if not found:
        return None
    zh, en = [], []
    for position, char in found[:MAX_HIDDEN_LISTED]:
        code = f"U+{ord(char):04X}"
        name = unicodedata.name(char, "")
        zh.append(f"{code}{f' {name}' if name else ''}（第{position}个字符）")
        en.append(f"{code}{f' {name}' if name else ''} at position {position}")
    if len(found) > MAX_HIDDEN_LISTED:
        more = len(found) - MAX_HIDDEN_LISTED
        zh.append(f"另有{more}个")
        en.append(f"{more} more")
    return Text(zh="、".join(zh), en=", ".join(en))


def show_value(value: object, limit: int = 60) -> str:
    """A cell value as the planner typed it, shortened so a hostile cell cannot flood a report."""
    shown = visible(value if isinstance(value, str) else str(value))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class InputError(Exception):
    """The planner's input cannot be used; ``issues`` says every reason why."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues = list(issues)
        super().__init__("\n".join(i.render("en") for i in self.issues))

    def render(self, lang: Lang = "zh") -> str:
        return "\n".join(i.render(lang) for i in self.issues)
