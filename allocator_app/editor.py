"""The scenario editor's widgets, generated from :data:`allocator.scenario.PARAMETERS`.

One widget per parameter, chosen by its ``kind``; label, help and article come from the table.
A changed value goes to :func:`allocator_app.state.edit`, which lets the library validate the
whole scenario: an invalid value stays in the field, with the library's explanation beside it.
Number fields have no bounds of their own, so the explanation is always the library's.

The editor speaks to planners, not file authors: shares are percentages, violation items are
named, methods are described by their effect, and where the table's help names file codes or
decimals (it is also docs/scenario.md) the ``[app.param_help]`` messages say it plainly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from allocator.compare import OPTION_LABELS
from allocator.docs import article_text
from allocator.errors import Issue
from allocator.i18n import has, text
from allocator.scenario import (
    GROUP_PARAMETERS,
    PARAMETER,
    PARAMETERS,
    SECTIONS,
    Cut,
    Parameter,
    parameter_for,
)
from allocator.schema import CATEGORIES, SECTORS, VIOLATIONS
from allocator_app import state, ui
from allocator_app.present import category_label, choice_label, method_label, sector_label
from allocator_app.ui import pick, show, tr

#: Decimal places kept from a number field (the scenario allows at most six).
PLACES = 6
#: Decimal places kept from a percentage field: six places of the share it stands for.
PERCENT_PLACES = PLACES - 2
#: Sections opened when the page is first shown.
OPEN_SECTIONS = ("cap", "method")
VIOLATION_PREFIX = "sanctions.violation_cut."
#: How many fields stand side by side.
COLUMNS = 3


def sections() -> dict[str, list[Parameter]]:
    grouped: dict[str, list[Parameter]] = {}
    for parameter in PARAMETERS:
        grouped.setdefault(parameter.section, []).append(parameter)
    return grouped


def section_title(section: str) -> str:
    zh, en = SECTIONS.get(section, (section, section))
    return pick(zh, en)


def widget_key(draft: state.Draft, key: str, part: str = "") -> str:
    # The language is part of the key: a choice widget keeps its value as the shown label.
    return f"alloc.w.p.{ui.lang()}.{draft.id}.{draft.version}.{key}{part}"


def shown_value(draft: state.Draft, key: str) -> Any:
    """What the field shows: the pending (not yet valid) edit, else the scenario's value."""
    if key in draft.pending:
        return draft.pending[key]
    try:
        return draft.scenario.get(key)
    except KeyError:
        return None


def violation_item(parameter: Parameter) -> int | None:
    """The Art. 16 item a violation cut is for."""
    key = parameter.key
    return int(key.removeprefix(VIOLATION_PREFIX)) if key.startswith(VIOLATION_PREFIX) else None


def name_of(parameter: Parameter) -> str:
    """A parameter's name as a planner reads it (a violation cut by the violation's name)."""
    item = violation_item(parameter)
    if item is not None:
        return pick(*VIOLATIONS[item])
    return pick(parameter.label_zh, parameter.label_en)


def label(parameter: Parameter) -> str:
    article = show(article_text(parameter.article)) if parameter.article else ""
    name = name_of(parameter)
    if parameter.kind == "share":
        return tr("scenario.percent_article", label=name, article=article) if article else \
            tr("scenario.percent", label=name)
    return tr("scenario.label_article", label=name, article=article) if article else name


def plain_help(parameter: Parameter) -> str:
    """The help in the planner's words: the app's own where the table's speaks of codes."""
    key = parameter.key
    item = violation_item(parameter)
    if item is not None:
        shown = tr("param_help.sanctions.violation_cut", item=show(text_numeral(item)),
                   name=pick(*VIOLATIONS[item]))
        if has(f"app.param_help.sanctions.violation_cut_{item}"):
            shown += tr(f"param_help.sanctions.violation_cut_{item}")
        return shown
    if key == "method.rule":
        return "\n".join([tr("param_help.method.rule") + tr("method_effect.intro"), ""]
                         + [f"- {tr(f'method_effect.{code}')}" for code in parameter.choices])
    if has(f"app.param_help.{key}"):
        return tr(f"param_help.{key}")
    return pick(parameter.help_zh, parameter.help_en)


def text_numeral(item: int) -> Any:
    from allocator.docs import chinese_numeral
    from allocator.i18n import Text

    return Text(zh=chinese_numeral(item), en=str(item))


def help_text(parameter: Parameter) -> str:
    default = "—" if parameter.default is None else default_text(parameter)
    return plain_help(parameter) + "\n\n" + tr("scenario.default", default=default)


def default_text(parameter: Parameter) -> str:
    value = parameter.default
    if parameter.required:
        return tr("scenario.required")
    if isinstance(value, tuple | list):
        return "、".join(option_label(parameter, v) for v in value)
    if isinstance(value, Cut):
        return cut_text(value)
    if parameter.kind == "choice" or parameter.choices:
        return option_label(parameter, str(value))
    if parameter.kind == "share":
        return f"{as_percent(value):g}%"
    return str(value) if value != "" else "—"


def cut_text(cut: Cut) -> str:
    if cut.is_none():
        return tr("scenario.cut_mode_off")
    if cut.kind == "count":
        return tr("scenario.cut_count_text", count=cut.value)
    return tr("scenario.cut_share_text", share=f"{as_percent(cut.value):g}%")


def as_percent(share: Any) -> float:
    """A share (0.155) as the percentage a field shows (15.5), without binary noise."""
    return float(Decimal(str(share)) * 100)


def from_percent(percent: float | int | None) -> str | None:
    """A percentage field's value as the exact decimal share the scenario keeps ("0.155")."""
    if percent is None:
        return None
    share = Decimal(str(round(float(percent), PERCENT_PLACES))) / 100
    return f"{share.normalize():f}"


def option_label(parameter: Parameter, code: str) -> str:
    key = parameter.key
    if key == "method.rule":
        return method_label(code)
    if key == "method.tie_break":
        return tr(f"tiebreak.{code}")
    if key == "eligibility.unit_types":
        return choice_label("unit_type", code)
    if key == "eligibility.excluded_statuses":
        return choice_label("status", code)
    if key.endswith(".sector"):
        return sector_label(code)
    if key == "sanctions.restricted_industry":
        return tr(f"scenario.restricted_{code}")
    if key in OPTION_LABELS:
        return show(text(f"{OPTION_LABELS[key]}.{code}"))
    return code


# -- reading widgets back ------------------------------------------------------------------
def exact(value: float | int | None) -> float | int | None:
    """A number field's value without binary noise (0.1 + 0.2 is 0.3 here)."""
    if value is None or isinstance(value, int):
        return value
    return round(float(value), PLACES)


def cut_parts(value: Any) -> tuple[str, float | int | None]:
    """A cut (or the restricted-industry rule) as the field's mode and amount (a share as a
    percentage)."""
    if isinstance(value, Cut):
        if value.is_none():
            return "off", None
        if value.kind == "share":
            return "share", as_percent(value.value)
        return "count", int(value.value)
    if isinstance(value, str):  # a rule, or a pending share (see cut_value)
        return (value, None) if value in ("exclude", "none") else ("share", as_percent(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "count", value
    return "count", None


def cut_value(mode: str, amount: float | int | None) -> Any:
    """What the scenario is given: a rule, 0 for no cut, permits, or a share as a string."""
    if mode in ("exclude", "none"):
        return mode
    if mode == "off":
        return 0
    if amount is None:
        return None
    if mode == "count":
        return int(amount) if float(amount).is_integer() else float(amount)
    return from_percent(amount)


def clashing(draft: state.Draft) -> list[str]:
    """The parameters the Results page sent the planner back to, for this draft."""
    found = st.session_state.get(state.FOCUS)
    return list(found[1]) if found and found[0] == draft.id else []


def on_change(draft_id: str, key: str) -> None:
    """A field changed: hand the new value to the library through the workspace."""
    draft = state.drafts()[draft_id]
    parameter = PARAMETER[key]
    wkey = widget_key(draft, key)
    if parameter.kind == "cut":
        mode = st.session_state[wkey + ".mode"]
        # The amount field of the mode chosen; none yet when the mode was just switched.
        amount = st.session_state.get(wkey + f".amount.{mode}", 0)
        value = cut_value(mode, amount)
    elif parameter.kind == "share":
        value = from_percent(st.session_state[wkey])
    elif parameter.kind == "decimal":
        value = exact(st.session_state[wkey])
    else:
        value = st.session_state[wkey]
        if parameter.kind == "list":
            value = list(value)
    state.edit(draft, {key: value})


# -- drawing widgets -----------------------------------------------------------------------
def seed(wkey: str, value: Any) -> None:
    if wkey not in st.session_state:
        st.session_state[wkey] = value


def field(draft: state.Draft, parameter: Parameter, problems: list[Issue]) -> None:
    key = parameter.key
    wkey = widget_key(draft, key)
    value = shown_value(draft, key)
    common: dict[str, Any] = {"help": help_text(parameter), "on_change": on_change,
                              "args": (draft.id, key)}
    kind = parameter.kind
    if kind == "text":
        seed(wkey, value or "")
        if parameter.name == "description":
            st.text_area(label(parameter), key=wkey, height=110, **common)
        else:
            st.text_input(label(parameter), key=wkey, **common)
    elif kind == "int":
        seed(wkey, value)
        st.number_input(label(parameter), key=wkey, step=1, format="%d", **common)
    elif kind == "share":
        seed(wkey, None if value is None else as_percent(value))
        st.number_input(label(parameter), key=wkey, step=5.0, format="%g", **common)
    elif kind == "decimal":
        seed(wkey, None if value is None else float(value))
        st.number_input(label(parameter), key=wkey, step=0.05, format="%g", **common)
    elif kind == "choice":
        seed(wkey, value)
        st.selectbox(label(parameter), list(parameter.choices), key=wkey,
                     format_func=ui.labels(parameter.choices,
                                           lambda c: option_label(parameter, c)), **common)
    elif kind == "list":
        seed(wkey, list(value or ()))
        st.multiselect(label(parameter), list(parameter.choices), key=wkey,
                       select_all=ui.select_all(),
                       format_func=ui.labels(parameter.choices,
                                             lambda c: option_label(parameter, c)),
                       placeholder=tr("scenario.choose"), **common)
    elif kind == "cut":
        cut_field(draft, parameter, value, common)
    if key in clashing(draft):
        st.warning(tr("scenario.clashes"), icon=":material/block:")
    for found in problems:
        st.error(show(found.message), icon=":material/error:")


def cut_field(draft: state.Draft, parameter: Parameter, value: Any,
              common: dict[str, Any]) -> None:
    wkey = widget_key(draft, parameter.key)
    derived, amount = cut_parts(value)
    # "No cut" is one of the rule's own choices where it has them (restricted industries).
    modes = [*parameter.choices, *(() if parameter.choices else ("off",)), "share", "count"]
    seed(wkey + ".mode", derived)
    # The planner's choice of mode stands even while its amount cuts nothing (0 permits).
    mode = st.session_state[wkey + ".mode"]
    st.selectbox(label(parameter), modes, key=wkey + ".mode",
                 format_func=ui.labels(modes, lambda m: tr(f"scenario.cut_mode_{m}")
                                       if m in ("off", "share", "count")
                                       else option_label(parameter, m)),
                 **common)
    if mode in ("share", "count"):
        amount_key = wkey + f".amount.{mode}"
        seed(amount_key, amount if mode == derived else 0)
        st.number_input(tr(f"scenario.cut_amount_{mode}"), key=amount_key,
                        step=5.0 if mode == "share" else 1,
                        format="%g" if mode == "share" else "%d",
                        on_change=on_change, args=common["args"])


def open_section(section: str, default: bool, *, force: bool = False) -> Any:
    """A section's expander that stays as the planner left it — across edits, copies,
    scenarios and refreshes (its state is kept in the workspace); opened when it has a
    problem to show."""
    kept = f"{state.KEPT}open.{section}"
    wkey = f"alloc.w.section.{section}"
    if force:
        st.session_state[kept] = True
    if force or wkey not in st.session_state:
        st.session_state[wkey] = bool(st.session_state.get(kept, default))

    def remember() -> None:
        st.session_state[kept] = bool(st.session_state[wkey])

    return st.expander(section_title(section), key=wkey, on_change=remember)


def parameter_fields(draft: state.Draft) -> None:
    """Every parameter, section by section, with the library's explanation of bad values."""
    by_field: dict[str, list[Issue]] = {}
    for found in draft.issues:
        by_field.setdefault(found.column or "", []).append(found)
    for section, members in sections().items():
        with open_section(section, section in OPEN_SECTIONS,
                          force=any(p.key in by_field for p in members)):
            wide = [p for p in members if p.kind in ("text", "list")]
            narrow = [p for p in members if p.kind not in ("text", "list")]
            for parameter in wide:
                field(draft, parameter, by_field.get(parameter.key, []))
            for start in range(0, len(narrow), COLUMNS):
                cells = st.columns(COLUMNS)
                for cell, parameter in zip(cells, narrow[start:start + COLUMNS], strict=False):
                    with cell:
                        field(draft, parameter, by_field.get(parameter.key, []))


def problem_list(draft: state.Draft) -> str:
    """Every problem of the draft, one line each, naming its field (for the top of the page)."""
    colon = pick("：", ": ")
    lines = []
    for found in draft.issues:
        key = found.column or ""
        parameter = PARAMETER.get(key) or parameter_for(key)
        parts = key.split(".")
        if parameter is None:
            name = key
        elif len(parts) == 3 and parts[0] == "groups":
            name = f"{parts[1]} · {label(parameter)}"
        else:
            name = label(parameter)
        message = show(found.message)
        lines.append(f"- **{name}**{colon}{message}" if name else f"- {message}")
    lines += [f"- {problem}" for problem in draft.group_problems]
    return "\n".join(lines)


# -- groups ----------------------------------------------------------------------------------
GROUP_COLUMNS = ("name", "scope", "min", "max")


def scope_options() -> list[str]:
    return ([f"sector:{c.code}" for c in SECTORS] + ["top100:true", "top100:false"]
            + [f"category:{n}" for n in CATEGORIES])


def scope_label(scope: str | None) -> str:
    if not scope:
        return ""
    kind, _, value = scope.partition(":")
    if kind == "sector":
        return tr("groups.scope_sector", sector=sector_label(value))
    if kind == "top100":
        return tr("groups.scope_top100" if value == "true" else "groups.scope_not_top100")
    return category_label(int(value))


def group_rows(draft: state.Draft) -> list[dict[str, Any]]:
    if draft.group_rows is not None:
        return draft.group_rows
    rows = []
    for name, group in draft.scenario.groups.items():
        selector, value = group.selector
        scope = f"{selector}:{str(value).lower()}" if selector == "top100" else \
            f"{selector}:{value}"
        rows.append({"name": name, "scope": scope, "min": group.min, "max": group.max})
    return rows


def rows_to_groups(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The ``[groups]`` table the rows describe, and what keeps a row from being one."""
    groups: dict[str, Any] = {}
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        name = str(row.get("name") or "").strip()
        scope = row.get("scope")
        if not name:
            problems.append(tr("groups.name_blank", row=number))
            continue
        if name in groups:
            problems.append(tr("groups.name_twice", name=name))
            continue
        table: dict[str, Any] = {}
        if scope:
            kind, _, value = str(scope).partition(":")
            table[kind] = {"sector": value, "top100": value == "true"}.get(kind) \
                if kind != "category" else int(value)
        minimum, maximum = row.get("min"), row.get("max")
        if minimum is not None and not pd.isna(minimum):
            table["min"] = int(minimum)
        if maximum is not None and not pd.isna(maximum):
            table["max"] = int(maximum)
        groups[name] = table
    return groups, problems


def group_editor(draft: state.Draft) -> None:
    """Group floors and ceilings as an editable table; each row is one ``[groups.NAME]``."""
    rows = group_rows(draft)
    base = pd.DataFrame(rows, columns=list(GROUP_COLUMNS)).astype(
        {"name": "object", "scope": "object", "min": "Int64", "max": "Int64"})
    fingerprint = abs(hash((repr(rows), ui.lang()))) % 10**8
    helps = {p.name: pick(p.help_zh, p.help_en) for p in GROUP_PARAMETERS}
    edited = st.data_editor(
        base, key=f"alloc.w.groups.{draft.id}.{draft.version}.{fingerprint}",
        num_rows="dynamic", hide_index=True, width="stretch",
        column_config={
            "name": st.column_config.TextColumn(tr("groups.name"), help=tr("groups.name_help"),
                                                required=True),
            "scope": st.column_config.SelectboxColumn(
                tr("groups.scope"), options=scope_options(),
                format_func=ui.labels(scope_options(), scope_label),
                help=tr("groups.scope_help"), required=True),
            "min": st.column_config.NumberColumn(tr("groups.min"), help=helps["min"], step=1,
                                                 format="%d", default=0),
            "max": st.column_config.NumberColumn(tr("groups.max"), help=helps["max"], step=1,
                                                 format="%d"),
        })
    now = [{c: (None if pd.isna(v) else v) for c, v in record.items()}
           for record in edited.to_dict("records")]
    before = [{c: (None if pd.isna(v) else v) for c, v in record.items()}
              for record in base.to_dict("records")]
    if now != before:
        draft.group_rows = now
        groups, problems = rows_to_groups(now)
        draft.group_problems = problems
        state.edit(draft, {"groups": groups})
        st.rerun()
    bounds = [k for k in clashing(draft) if k.startswith("groups.")]
    if bounds:
        from allocator_app.results import parameter_name

        st.warning(tr("scenario.clashes_groups", names=pick("、", ", ").join(
            parameter_name(k) for k in bounds)), icon=":material/block:")
    for problem in draft.group_problems:
        st.error(problem, icon=":material/error:")
    for found in draft.issues:
        if (found.column or "").startswith("groups"):
            st.error(show(found.message), icon=":material/error:")
