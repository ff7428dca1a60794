"""Problems found in a planner's input, and the one exception that carries them.

Every problem names where it is (file, sheet, Excel row, column header), the offending value,
and says what is wrong in Chinese and English. Errors stop a run; warnings do not. Bad input
always ends in :class:`InputError` — never in a traceback — and the command line turns it into
exit code 2.
"""

from __future__ import annotations

import re
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
    such as ``\\x07`` or ``\\n``: shown, never obeyed, and never silently lost."""
    return CONTROL_CHARACTERS.sub(
        lambda m: m[0] if m[0] in keep else _NAMED_ESCAPES.get(m[0], f"\\x{ord(m[0]):02x}"),
        text)


def control_characters(text: str, allowed: str = "") -> str | None:
    """The control characters in ``text`` (but those in ``allowed``) as code points, such as
    ``U+0007, U+001B``, for a message; ``None`` when there are none."""
    found = sorted({c for c in CONTROL_CHARACTERS.findall(text) if c not in allowed})
    return ", ".join(f"U+{ord(c):04X}" for c in found) if found else None


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
