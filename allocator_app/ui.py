"""What every page needs to speak to the planner: the language, messages, and safe calls.

Every string the app shows comes from the ``[app]`` section of ``allocator/locales/*.toml``
through :func:`tr` (or is a :class:`~allocator.i18n.Text` from the library, shown with
:func:`show`). Library calls run inside :func:`guarded`, so a problem in the planner's input
is explained in the planner's language and anything unexpected is logged, never shown as a
traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
import streamlit as st

from allocator.errors import InputError, Issue
from allocator.explain import decimal_text
from allocator.i18n import LANGS, Lang, Text, text
from allocator.store import StoreError

log = logging.getLogger("allocator_app")

LANG_KEY = "alloc.lang"
#: Decimal places of a divisor, as the library's summary, the CLI and the workbook print it.
DIVISOR_PLACES = 6
LANG_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}


# -- language ---------------------------------------------------------------------------------
def lang() -> Lang:
    chosen = st.session_state.get(LANG_KEY, "zh")
    return chosen if chosen in LANGS else "zh"


def tr(key: str, /, **params: Any) -> str:
    """One ``app.*`` message in the current language."""
    return text(f"app.{key}", **params).get(lang())


def show(message: Text | str | None) -> str:
    """A library :class:`Text` (or plain text) in the current language."""
    if message is None:
        return ""
    return message.get(lang()) if isinstance(message, Text) else str(message)


def pick(zh: str, en: str) -> str:
    """One of a pair of labels the library keeps side by side (schema, parameter table)."""
    return en if lang() == "en" else zh


def labels(options: Iterable[Any], label: Callable[[Any], str]) -> Callable[[Any], str]:
    """A widget's ``format_func``: labels computed now, in the current language.

    Streamlit may call a ``format_func`` outside the page's run (e.g. in tests), where the
    session's language cannot be read.
    """
    mapping = {option: label(option) for option in options}
    return lambda option: mapping.get(option, str(option))


def kept_key(name: str, default: Any) -> str:
    """The key of a widget whose value lives in the app's own state (``alloc.keep.NAME``).

    The key carries the language: Streamlit keeps a choice widget's value as its shown label,
    so each language gets its own widget, seeded from the language-free value. Pair it with
    ``on_change=ui.keep, args=(name,)``.
    """
    widget = f"alloc.w.{name}.{lang()}"
    if widget not in st.session_state:
        st.session_state[widget] = st.session_state.get(f"alloc.keep.{name}", default)
    return widget


def keep(name: str) -> None:
    st.session_state[f"alloc.keep.{name}"] = st.session_state[f"alloc.w.{name}.{lang()}"]


def language_switch() -> None:
    """The sidebar's 中文 / English switch; the choice lives in the session."""
    st.session_state.setdefault(LANG_KEY, "zh")
    st.sidebar.segmented_control(
        "语言 Language", options=list(LANG_NAMES), format_func=LANG_NAMES.__getitem__,
        key=LANG_KEY, label_visibility="collapsed", required=True,
    )


def select_all() -> bool:
    """Whether a multiselect offers Streamlit's "Select all": its text is English only."""
    return lang() == "en"


#: Streamlit's own texts that have no parameter, replaced on screen in Chinese mode: the file
#: uploader's button and size line, a multiselect's empty list. Each rule names the element by
#: its test id and ARIA role (stable across releases, and checked by the browser test); the
#: English text is hidden (font size 0) and the Chinese one drawn in its place.
CHINESE_WIDGETS = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p,
[data-testid="stFileUploaderDropzoneInstructions"] span,
[data-testid="stMultiSelectDropdown"] [role="listbox"][data-empty="true"] [role="option"] span
{ font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after
{ content: "%(browse)s"; font-size: 14px; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after
{ content: "%(limit)s"; font-size: 14px; }
[data-testid="stMultiSelectDropdown"] [role="listbox"][data-empty="true"]
  [role="option"] span::after
{ content: "%(empty)s"; font-size: 14px; }
</style>"""


def chinese_widgets() -> None:
    """In Chinese mode, Streamlit's English widget texts in Chinese (see CHINESE_WIDGETS)."""
    if lang() != "zh":
        return
    limit = st.get_option("server.maxUploadSize")
    st.html(CHINESE_WIDGETS % {"browse": tr("widgets.browse"),
                               "limit": tr("widgets.limit", size=limit),
                               "empty": tr("widgets.no_match")})


# -- numbers ----------------------------------------------------------------------------------
def number(value: int | float | Decimal | Fraction | None, places: int = 4) -> str:
    """A number as a planner reads it: no float noise, thousands separated."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return tr("common.yes") if value else tr("common.no")
    if isinstance(value, int):
        return f"{value:,}"
    rounded = round(float(value), places)
    if rounded == int(rounded):
        return f"{int(rounded):,}"
    return f"{rounded:,.{places}f}".rstrip("0").rstrip(".")


def divisor(value: float | Fraction | None) -> str:
    """A divisor with the library's precision (six places), wherever the app shows one."""
    if value is None:
        return "—"
    return decimal_text(Fraction(value), DIVISOR_PLACES)[0]


def signed(value: int | None) -> str:
    """A change in permits: +3, −2 (a true minus), or nothing when there is none."""
    if value is None or pd.isna(value):
        return ""
    return f"{value:+,}".replace("-", "−")


def when(iso: str) -> str:
    """A stored ISO 8601 time in Beijing time (``ALLOCATOR_TZ``): ``2026-11-27 10:05:00 +08:00``."""
    from allocator.clock import shown

    return shown(iso)


def percent(share: float | None, places: int = 1) -> str:
    return "—" if share is None else f"{share * 100:.{places}f}%"


# -- problems ---------------------------------------------------------------------------------
def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    """Problems as a table: level, sheet, row, column, value, message."""
    rows = [{
        tr("issues.severity"): show(text(f"severity.{found.severity.value}")),
        tr("issues.sheet"): found.sheet or "",
        tr("issues.row"): found.row,
        tr("issues.column"): found.column or "",
        tr("issues.value"): found.value or "",
        tr("issues.message"): show(found.message),
    } for found in issues]
    columns = [tr(f"issues.{c}") for c in
               ("severity", "sheet", "row", "column", "value", "message")]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({tr("issues.row"): "Int64"})


#: Up to this many problems are shown in full (wrapped); more go in a scrolling table.
ISSUES_IN_FULL = 30


def show_issues(issues: Sequence[Issue]) -> None:
    """Problems as a table: in full when there are few, else scrolling with the message wide."""
    if not issues:
        return
    frame = issues_frame(issues)
    if len(frame) <= ISSUES_IN_FULL:
        row = tr("issues.row")
        frame[row] = frame[row].map(lambda r: "" if pd.isna(r) else str(r)).astype("object")
        st.table(frame, hide_index=True)
        return
    st.dataframe(frame, hide_index=True, width="stretch", height=480,
                 column_config={tr("issues.message"): st.column_config.Column(width=720)})


@contextmanager
def guarded(action: str) -> Iterator[None]:
    """Run library calls; explain bad input, log anything else, never show a traceback.

    ``action`` is an ``app.action.*`` key naming what was being done, for the message.
    """
    try:
        yield
    except InputError as problem:
        st.error(tr("error.input", action=tr(f"action.{action}")))
        show_issues(problem.issues)
    except StoreError as problem:
        log.warning("store refused to %s: %s", action, problem)
        st.error(tr("error.store", action=tr(f"action.{action}"), reason=show(problem.message)))
    except Exception:  # the planner cannot act on a traceback; the log keeps it
        log.exception("unexpected failure while %s", action)
        st.error(tr("error.unexpected", action=tr(f"action.{action}")))


def attempt(action: str, call: Callable[[], Any]) -> tuple[Any, bool]:
    """``(result, True)``, or ``(None, False)`` after :func:`guarded` has explained why."""
    result, done = None, False
    with guarded(action):
        result = call()
        done = True
    return result, done


# -- messages from callbacks ------------------------------------------------------------------
FLASH = "alloc.flash"


def flash(kind: str, message: str, issues: Sequence[Issue] = ()) -> None:
    """A message for the next run of the page (callbacks run before the page is drawn)."""
    st.session_state[FLASH] = (kind, message, list(issues))


def show_flash() -> None:
    found = st.session_state.pop(FLASH, None)
    if found is None:
        return
    kind, message, issues = found
    {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(
        message)
    show_issues(issues)


def flashed(action: str, call: Callable[[], str | None]) -> None:
    """Run a button's action in its callback; its outcome is shown on the next run."""
    try:
        done = call()
    except InputError as problem:
        flash("error", tr("error.input", action=tr(f"action.{action}")), problem.issues)
    except StoreError as problem:
        log.warning("store refused to %s: %s", action, problem)
        flash("error", tr("error.store", action=tr(f"action.{action}"),
                          reason=show(problem.message)))
    except Exception:
        log.exception("unexpected failure while %s", action)
        flash("error", tr("error.unexpected", action=tr(f"action.{action}")))
    else:
        if done:
            flash("success", done)
