"""One i18n layer for every user-facing string: Chinese first, English available.

Messages live in ``locales/zh.toml`` and ``locales/en.toml`` under the same dotted keys and
with the same ``{placeholders}``; a test keeps the two catalogues in step. Library code never
formats user-facing text itself: it asks for a :class:`Text` (both languages at once), so a
report, a workbook or the app can show either language without going back to the source.

>>> text("common.yes").zh
'是'
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"
LOCALES = Path(__file__).with_name("locales")


@dataclass(frozen=True, slots=True)
class Text:
    """A message in both languages."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh

    def get(self, lang: Lang = DEFAULT_LANG) -> str:
        return self.en if lang == "en" else self.zh

    def both(self) -> str:
        """``中文 / English`` on one line, for logs and the command line."""
        return self.zh if self.zh == self.en else f"{self.zh} / {self.en}"

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = str(value)
    return flat


@cache
def catalogue(lang: Lang) -> dict[str, str]:
    """Every message of one language, by dotted key."""
    with (LOCALES / f"{lang}.toml").open("rb") as handle:
        return _flatten(tomllib.load(handle))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def t(key: str, lang: Lang = DEFAULT_LANG, /, **params: Any) -> str:
    """One message in one language; a missing key raises ``KeyError`` (a bug, not input)."""
    return catalogue(lang)[key].format(**params)


def text(key: str, /, **params: Any) -> Text:
    """One message in both languages.

    A parameter that is itself a :class:`Text` is rendered in the matching language, so
    messages compose: ``text("a", rule=text("rule.x"))``.
    """

    def render(lang: Lang) -> str:
        local = {k: (v.get(lang) if isinstance(v, Text) else v) for k, v in params.items()}
        return t(key, lang, **local)

    only = _ONLY.get()
    if only is None:
        return Text(zh=render("zh"), en=render("en"))
    return Text(zh=render("zh"), en="") if only == "zh" else Text(zh="", en=render("en"))


#: The one language :func:`text` renders inside :func:`only`; ``None``: both.
_ONLY: ContextVar[Lang | None] = ContextVar("allocator_only_language", default=None)


@contextmanager
def only(lang: Lang) -> Iterator[None]:
    """Within the block, :func:`text` renders ``lang`` alone and leaves the other language
    empty: for a document written in one language, where the other is never read (the plan
    workbook's 10,000 sentences). Texts made here must not be shown in the other language."""
    token = _ONLY.set(lang)
    try:
        yield
    finally:
        _ONLY.reset(token)


def has(key: str) -> bool:
    return key in catalogue("zh")
