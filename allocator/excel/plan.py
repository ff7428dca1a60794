"""The plan workbook (DESIGN §1, §5, §9): the plan as a document for the district government."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from allocator import __version__
from allocator.clock import iso_local
from allocator.compare import show_value
from allocator.docs import article_text, chinese_numeral
from allocator.excel.styles import (
    BORDER,
    CENTRE,
    CHANGED_FILL,
    FORMAT_CHANGE,
    FORMAT_CLAIM,
    FORMAT_COUNT,
    FORMAT_INT,
    FORMAT_PERCENT,
    FORMAT_WEIGHT,
    HEADER_FILL,
    NOTE_FONT,
    PLAN_BOLD,
    PLAN_FONT,
    TOTAL_FILL,
    WRAP,
    cell_value,
    fit_row,
    keep_together,
    msg,
    named_sheets,
    page_setup,
    put,
    save_workbook,
    set_widths,
    sheet_title,
    write_header,
    write_row,
    write_section,
    write_table,
)
from allocator.explain import (
    BREAKDOWNS,
    EmployerExplanation,
    PlanSummary,
    decimal_text,
    explain_plan,
    fill_rate,
    method_label,
    plan_summary,
    sector_label,
    unit_type_label,
)
from allocator.i18n import Lang, text
from allocator.plan import ApprovalInfo, Plan, plan_sha256
from allocator.scenario import GROUP_PARAMETERS, PARAMETERS
from allocator.submissions import infer_plan_year

# =============================================================================================
# The plan workbook (DESIGN §1, §5): the plan as a document for the district government
# =============================================================================================
#
# Six sheets, each a printable table: 说明 (the plan at a glance and how to read it), 分配汇总
# (totals by sector, category, top-100 and unit type; exclusions, cuts and divisors),
# 分配明细 (every input row in input order, with its explanation), 平局与调整 (ties, guarantees,
# exclusions, cuts, ceilings), 参数 (every scenario parameter) and 审计 (hashes, versions and
# the solver's report). Every number is written as a value, never as a formula, and every text
# from a submission through :func:`put`, so a name such as ``=HYPERLINK(…)`` stays text.
#
# The same plan always gives the same bytes (:func:`save_workbook`): no wall-clock time is
# written unless the caller passes ``generated_at``; an approved plan shows its approval time.

PLAN_SHEETS = ("overview", "summary", "detail", "adjustments", "parameters", "audit")


def _plan_year(plan: Plan) -> int | None:
    year = plan.problem.scenario.scenario.year
    if year:
        return int(year)
    dates = plan.problem.employers["submitted_on"]
    return infer_plan_year(None, dates.where(dates.notna(), None))


def plan_title(plan: Plan, approval: ApprovalInfo | None = None, lang: Lang = "zh") -> str:
    """``2027年度东城区《北京市工作居住证》指标分配方案（草案）`` — 审定稿 once approved."""
    state = msg(lang, "state_approved" if approval is not None else "state_draft")
    if approval is not None and approval.superseded_by is not None:  # issue 12: 已被取代
        state += text("record.title_superseded").get(lang)
    year = _plan_year(plan)
    key = "title" if year else "title_no_year"
    return msg(lang, key, year=year, district=msg(lang, "district"), state=state)


def _supersede_items(approval: ApprovalInfo, lang: Lang) -> list[tuple[str, Any, str | None]]:
    """What an approval replaced, or what replaced it (one plan per plan year, issue 12)."""
    items: list[tuple[str, Any, str | None]] = []
    if approval.supersedes is not None:
        items += [(text("record.workbook_supersedes").get(lang), approval.supersedes, "0"),
                  (text("record.workbook_reason").get(lang), approval.reason, None)]
    if approval.superseded_by is not None:
        items.append((text("record.workbook_superseded_by").get(lang), approval.superseded_by,
                      "0"))
    return items


def _percent_text(rate: Fraction | None) -> str:
    if rate is None:
        return "—"
    return decimal_text(rate * 100, 1)[0] + "%"


def _divisor_text(divisor: Fraction | None) -> str:
    return "—" if divisor is None else decimal_text(divisor, 6)[0]


def build_plan_workbook(plan: Plan, *, approval: ApprovalInfo | None = None, lang: Lang = "zh",
                        generated_at: datetime | None = None, curve: Any = None) -> Workbook:
    """The plan workbook in memory (see :func:`write_plan_workbook`)."""
    if plan.allocation is None:
        raise ValueError("an infeasible plan has no allocation to export; see its conflicts")
    title = plan_title(plan, approval, lang)
    summary = plan_summary(plan)
    explanations = explain_plan(plan)
    book = Workbook()
    sheets = named_sheets(book, [msg(lang, f"sheet.{key}") for key in PLAN_SHEETS])
    _overview_sheet(sheets[0], plan, summary, title, approval, lang)
    _summary_sheet(sheets[1], plan, summary, title, lang)
    _detail_sheet(sheets[2], plan, explanations, title, lang)
    _adjustments_sheet(sheets[3], plan, explanations, title, lang)
    _parameters_sheet(sheets[4], plan, title, lang)
    _audit_sheet(sheets[5], plan, title, approval, generated_at, lang)
    from allocator.excel.roster import add_roster_sheets

    add_roster_sheets(book, plan, title, lang)  # DESIGN §3b: only for a screened plan
    if curve is not None:  # optional: the plan at every cap (allocator.sweep.Sweep)
        from allocator.excel.sweep import add_curve_sheet

        add_curve_sheet(book, curve)
    if approval is not None:  # the chain head, for `allocator verify --against` (issue 12)
        from openpyxl.packaging.custom import StringProperty

        from allocator.record import CHAIN_PROPERTY, RUN_PROPERTY

        book.custom_doc_props.append(StringProperty(name=CHAIN_PROPERTY,
                                                    value=approval.chain_sha256))
        book.custom_doc_props.append(StringProperty(name=RUN_PROPERTY,
                                                    value=str(approval.run_id)))
    return book


def write_plan_workbook(plan: Plan, path: str | Path, *, approval: ApprovalInfo | None = None,
                        lang: Lang = "zh", generated_at: datetime | None = None,
                        curve: Any = None) -> None:
    """Write the plan as a workbook for the district government (``allocator solve --out``).

    Sheets 说明, 分配汇总, 分配明细, 平局与调整, 参数, 审计 (Chinese; ``lang="en"`` writes the same
    in English). The title says 草案 (draft) until ``approval`` is given, then 审定稿 with the
    approver and time. The file's bytes depend only on the plan, ``approval`` and
    ``generated_at`` (omitted by default, so that the same plan gives an identical file).
    ``curve`` (an :class:`allocator.sweep.Sweep`) adds a last sheet with the plan at every
    cap of its range (``allocator solve --curve``).
    """
    save_workbook(build_plan_workbook(plan, approval=approval, lang=lang,
                                      generated_at=generated_at, curve=curve), path)


# -- 说明 -------------------------------------------------------------------------------------
OVERVIEW_WIDTHS = (30, 92)


def _key_values(sheet: Worksheet, row: int, items: Sequence[tuple[str, Any, str | None]]) -> int:
    for label, value, number_format in items:
        label_cell = put(sheet, row, 1, label)
        label_cell.font = PLAN_BOLD
        label_cell.fill = HEADER_FILL
        label_cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        label_cell.border = BORDER
        cell = put(sheet, row, 2, cell_value(value), number_format=number_format)
        cell.font = PLAN_FONT
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        fit_row(sheet, row, OVERVIEW_WIDTHS, [label, value])
        row += 1
    return row


def _overview_sheet(sheet: Worksheet, plan: Plan, summary: PlanSummary, title: str,
                    approval: ApprovalInfo | None, lang: Lang) -> None:
    problem = plan.problem
    info = problem.scenario.scenario
    set_widths(sheet, OVERVIEW_WIDTHS)
    sheet_title(sheet, title, 2, height=36)
    row = 2
    if approval is None:
        put(sheet, row, 1, msg(lang, "draft_notice")).font = NOTE_FONT
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        sheet.cell(row=row, column=1).alignment = CENTRE
        row += 1
    row += 1
    row = write_section(sheet, row, msg(lang, "overview.plan"), 2)
    divisors = "\n".join(line.get(lang) for line in summary.lines
                         if line is not None)
    status = msg(lang, f"status.{plan.status.value}")
    items: list[tuple[str, Any, str | None]] = [
        (msg(lang, "overview.scenario"), info.name, None),
        (msg(lang, "overview.description"), info.description.strip() or "—", None),
        (msg(lang, "overview.year"), _plan_year(plan) or "—", "0"),
        (msg(lang, "overview.cap"), problem.cap, FORMAT_INT),
        (msg(lang, "overview.reserve"), problem.reserve, FORMAT_INT),
        (msg(lang, "overview.allocatable"), problem.allocatable, FORMAT_INT),
        (msg(lang, "overview.allocated"), plan.allocated, FORMAT_INT),
        (msg(lang, "overview.unallocated"), plan.unallocated, FORMAT_INT),
    ]
    if summary.surplus is not None:
        items.append((msg(lang, "overview.surplus"), summary.surplus.get(lang), None))
    items += [
        (msg(lang, "overview.status"), status, None),
        (msg(lang, "overview.method"), method_label(problem.method).get(lang), None),
        (msg(lang, "overview.divisor"), _divisor_text(plan.divisor), None),
        (msg(lang, "overview.employers"), problem.size, FORMAT_INT),
        (msg(lang, "overview.requested"), summary.requested, FORMAT_INT),
        (msg(lang, "overview.eligible"), summary.eligible, FORMAT_INT),
        (msg(lang, "overview.fill_requested"), _percent_text(summary.fill_requested), None),
        (msg(lang, "overview.fill_eligible"), _percent_text(summary.fill_eligible), None),
        (msg(lang, "overview.highlights"), divisors, None),
    ]
    for note in [*plan.warnings]:
        if note.code != "SURPLUS":
            items.append((msg(lang, "overview.warning"), note.message.get(lang), None))
    row = _key_values(sheet, row, items)
    row += 1
    row = write_section(sheet, row, msg(lang, "overview.approval"), 2)
    if approval is None:
        approval_items: list[tuple[str, Any, str | None]] = [
            (msg(lang, "overview.approval_state"), msg(lang, "state_draft_long"), None)]
    else:
        approval_items = [
            (msg(lang, "overview.approval_state"), msg(lang, "state_approved_long")
             + (text("record.title_superseded").get(lang) if approval.superseded else ""),
             None),
            (msg(lang, "overview.approver"), approval.approver, None),
            (msg(lang, "overview.approved_at"), _when(approval.approved_at, lang), None),
            (msg(lang, "overview.approval_note"), approval.note or "—", None),
            (msg(lang, "overview.run_id"), approval.run_id, "0"),
            *_supersede_items(approval, lang),
        ]
    row = _key_values(sheet, row, approval_items)
    row += 1
    row = write_section(sheet, row, msg(lang, "overview.how_to_read"), 2)
    for key in ("rule", "bounds", "ties", "sheets"):
        cell = put(sheet, row, 1, msg(lang, f"overview.read_{key}",
                                      method=method_label(problem.method).get(lang)))
        cell.font = PLAN_FONT
        cell.alignment = WRAP
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        fit_row(sheet, row, (sum(OVERVIEW_WIDTHS),), [cell.value])
        row += 1
    page_setup(sheet, title, landscape=False)


def _when(stamp: str, lang: Lang) -> str:
    """An ISO 8601 time as people write it: 2026年12月28日 15:00 (the audit keeps the ISO)."""
    from allocator.clock import local

    moment = local(stamp)  # in Beijing time (ALLOCATOR_TZ), whatever zone it was stored in
    if moment is None:
        return stamp
    offset = moment.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return msg(lang, "when", year=moment.year, month=moment.month, day=moment.day,
               time=moment.strftime("%H:%M")) + zone


# -- 分配汇总 ---------------------------------------------------------------------------------
SUMMARY_WIDTHS = (44, 15, 12, 12, 12, 12, 14, 14)


def _summary_sheet(sheet: Worksheet, plan: Plan, summary: PlanSummary, title: str,
                   lang: Lang) -> None:
    set_widths(sheet, SUMMARY_WIDTHS)
    columns = len(SUMMARY_WIDTHS)
    sheet_title(sheet, msg(lang, "summary.title"), columns)
    headers = [msg(lang, f"summary.col.{key}") for key in
               ("group", "employers", "requested", "eligible", "guaranteed", "allocated",
                "fill_requested", "fill_eligible")]
    formats = [None, FORMAT_INT, FORMAT_INT, FORMAT_INT, FORMAT_INT, FORMAT_INT,
               FORMAT_PERCENT, FORMAT_PERCENT]
    label = "label_zh" if lang == "zh" else "label_en"
    row = 3
    blocks: list[tuple[int, int]] = []
    for name in BREAKDOWNS:
        start = row
        table = summary.breakdown(name)
        note = msg(lang, "summary.category_note") if name == "category" else ""
        row = write_section(sheet, row, msg(lang, f"summary.by_{name}"), columns, note)
        rows = [[r[label], r["employers"], r["requested"], r["eligible"], r["guaranteed"],
                 r["allocated"], r["fill_requested"], r["fill_eligible"]]
                for _, r in table.iterrows() if name != "unit_type" or r["employers"] > 0]
        total = None
        if name != "category":
            total = [msg(lang, "total"), plan.problem.size, summary.requested, summary.eligible,
                     summary.guaranteed, plan.allocated, _float(summary.fill_requested),
                     _float(summary.fill_eligible)]
        row = write_table(sheet, row, headers, rows, SUMMARY_WIDTHS, formats, total=total) + 1
        blocks.append((start, row - 2))

    reason_headers = [msg(lang, "summary.col.reason"), msg(lang, "summary.col.article"),
                      msg(lang, "summary.col.employers"), msg(lang, "summary.col.permits")]
    article = "article_zh" if lang == "zh" else "article_en"
    for name, table in (("excluded", summary.excluded), ("cuts", summary.cuts)):
        start = row
        row = write_section(sheet, row, msg(lang, f"summary.{name}"), columns,
                            msg(lang, f"summary.{name}_note"))
        rows = [[r[label], r[article], r["employers"], r["permits"]]
                for _, r in table.iterrows()]
        if not rows:
            rows = [[msg(lang, "none"), None, None, None]]
        row = write_table(sheet, row, reason_headers, rows, SUMMARY_WIDTHS,
                          [None, None, FORMAT_INT, FORMAT_INT], wrap=[True, True, False, False]) + 1
        blocks.append((start, row - 2))

    start = row
    row = write_section(sheet, row, msg(lang, "summary.scopes"), columns,
                        msg(lang, "summary.scopes_note"))
    # A scope without a divisor (everyone in it at a bound) reads back from pandas as NA.
    scope_rows = [[r[label], r["employers"], r["allocated"],
                   _divisor_text(None if pd.isna(r["divisor_exact"])
                                 else Fraction(r["divisor_exact"]))]
                  for _, r in summary.scopes.iterrows()]
    scope_headers = [msg(lang, f"summary.col.{key}")
                     for key in ("scope", "employers", "allocated", "divisor")]
    end = write_table(sheet, row, scope_headers,
                      scope_rows, SUMMARY_WIDTHS, [None, FORMAT_INT, FORMAT_INT, None],
                      wrap=[True, False, False, False])
    blocks.append((start, end - 1))
    page_setup(sheet, title)
    keep_together(sheet, blocks, SUMMARY_WIDTHS)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


# -- 分配明细 ---------------------------------------------------------------------------------
DETAIL_COLUMNS = (
    # key, width, number format (None: text), wrapped
    ("row", 7, FORMAT_COUNT, False),
    ("credit_code", 21, None, False),
    ("name", 26, None, True),
    ("sector", 9, None, False),
    ("unit_type", 11, None, True),
    ("top100", 6, None, False),
    ("requested", 7, FORMAT_INT, False),
    ("eligible", 7, FORMAT_INT, False),
    ("guaranteed", 7, FORMAT_INT, False),
    ("upper", 7, FORMAT_INT, False),
    ("weight", 7, FORMAT_WEIGHT, False),
    ("claim", 9, FORMAT_CLAIM, False),
    ("allocated", 7, FORMAT_INT, False),
    ("fill", 8, FORMAT_PERCENT, False),
    ("explanation", 62, None, True),
    ("reasons", 46, None, True),
)
DETAIL_HEADER_ROW, DETAIL_FIRST_ROW = 2, 3


def _detail_sheet(sheet: Worksheet, plan: Plan, explanations: list[EmployerExplanation],
                  title: str, lang: Lang) -> None:
    frame = plan.problem.employers
    widths = [c[1] for c in DETAIL_COLUMNS]
    formats = [c[2] for c in DETAIL_COLUMNS]
    wraps = [c[3] for c in DETAIL_COLUMNS]
    set_widths(sheet, widths)
    sheet_title(sheet, msg(lang, "detail.title"), len(DETAIL_COLUMNS))
    headers = [msg(lang, f"detail.col.{c[0]}") for c in DETAIL_COLUMNS]
    write_header(sheet, DETAIL_HEADER_ROW, headers, widths, minimum=30)
    yes, no = text("common.yes").get(lang), text("common.no").get(lang)
    row = DETAIL_FIRST_ROW
    for position, record in enumerate(frame.itertuples(index=False)):
        explanation = explanations[position]
        allocated = plan.seats(position)
        reasons = "\n".join(r.message.get(lang) for r in record.reasons)
        values = [
            int(record.row), record.credit_code, record.name,
            sector_label(record.sector).get(lang), unit_type_label(record.unit_type).get(lang),
            yes if record.top100 else no, int(record.requested), int(record.eligible),
            int(record.guaranteed), int(record.upper), float(record.weight),
            float(record.claim), allocated,
            _float(fill_rate(allocated, int(record.requested))),
            explanation.sentence.get(lang), reasons or None,
        ]
        write_row(sheet, row, values, formats, wraps, widths, 1, PLAN_FONT, None)
        row += 1
    total = [None, msg(lang, "total"), None, None, None, None, int(frame["requested"].sum()),
             int(frame["eligible"].sum()), int(frame["guaranteed"].sum()),
             int(frame["upper"].sum()), None, None, plan.allocated,
             _float(fill_rate(plan.allocated, int(frame["requested"].sum()))), None, None]
    write_row(sheet, row, total, formats, wraps, widths, 1, PLAN_BOLD, TOTAL_FILL)
    last = get_column_letter(len(DETAIL_COLUMNS))
    sheet.freeze_panes = sheet.cell(row=DETAIL_FIRST_ROW, column=4)
    sheet.auto_filter.ref = f"A{DETAIL_HEADER_ROW}:{last}{row - 1}"
    page_setup(sheet, title, title_rows=f"{DETAIL_HEADER_ROW}:{DETAIL_HEADER_ROW}")


# -- 平局与调整 -------------------------------------------------------------------------------
#: One table with one header (repeated on every printed page); each kind of adjustment is a
#: block under a heading row: ties, guarantees, exclusions, cuts, ceilings.
ADJUSTMENT_COLUMNS = (
    # key, width, number format (None: text), wrapped
    ("row", 8, FORMAT_COUNT, False),
    ("name", 30, None, True),
    ("requested", 7, FORMAT_INT, False),
    ("eligible", 8, FORMAT_INT, False),
    ("guaranteed", 7, FORMAT_INT, False),
    ("upper", 7, FORMAT_INT, False),
    ("allocated", 7, FORMAT_INT, False),
    ("change", 8, FORMAT_CHANGE, False),
    ("why", 76, None, True),
)
ADJUSTMENT_KINDS = ("ties", "guarantees", "excluded", "cuts", "ceilings")
SECTION_FILL = PatternFill("solid", start_color="E2EFDA", end_color="E2EFDA")


def adjustment_rows(plan: Plan, explanations: list[EmployerExplanation],
                    lang: Lang) -> dict[str, list[list[Any]]]:
    """The rows of each block of 平局与调整, in input order within a block.

    ``change`` is what the step did to the employer: a tie's loser −1 against its rounding, a
    guarantee raising the rounding, an exclusion or cut removing demand, a ceiling lowering the
    rounding.
    """
    rows_of = plan.problem.employers["row"].astype(int).tolist()
    blocks: dict[str, list[list[Any]]] = {kind: [] for kind in ADJUSTMENT_KINDS}
    for e in explanations:
        base = [e.row, e.name, e.requested, e.eligible, e.guaranteed, e.upper, e.allocated]
        if e.tie is not None:
            others = [str(rows_of[i]) for i in e.tie.employers if i != e.position]
            blocks["ties"].append([*base, -1 if e.tie_lost else None, msg(
                lang, "adjust.tie_lost" if e.tie_lost else "adjust.tie_won",
                others=("、" if lang == "zh" else ", ").join(others),
                permits=e.tie.permits, rounded=e.rounded,
                broken_by=text(f"explain.broken_by.{e.tie.broken_by}").get(lang))])
        if e.guaranteed > 0:
            why = [r.message.get(lang) for r in e.bounds if r.code != "CEILING"]
            change = None
            if e.outcome.startswith("raised_") and e.rounded is not None:
                why.append(msg(lang, "adjust.raised", rounded=e.rounded))
                change = e.guaranteed - e.rounded
            blocks["guarantees"].append([*base, change, "\n".join(why)])
        if e.gates:
            blocks["excluded"].append([*base, -e.requested,
                                       "\n".join(r.message.get(lang) for r in e.gates)])
        applied = list(e.cuts)  # every sanction that applied, even one that removed 0
        if applied:
            blocks["cuts"].append([*base, sum(r.amount or 0 for r in applied),
                                   "\n".join(r.message.get(lang) for r in applied)])
        ceiling = [r.message.get(lang) for r in e.bounds if r.code == "CEILING"]
        if e.outcome in ("capped_eligible", "capped_ceiling") or ceiling:
            change = None
            if e.outcome.startswith("capped_") and e.rounded is not None:
                ceiling.append(msg(lang, f"adjust.{e.outcome}", rounded=e.rounded,
                                   upper=e.upper))
                change = e.upper - e.rounded
            blocks["ceilings"].append([*base, change, "\n".join(ceiling)])
    return blocks


def _adjustments_sheet(sheet: Worksheet, plan: Plan,
                       explanations: list[EmployerExplanation], title: str,
                       lang: Lang) -> None:
    widths = [c[1] for c in ADJUSTMENT_COLUMNS]
    formats = [c[2] for c in ADJUSTMENT_COLUMNS]
    wraps = [c[3] for c in ADJUSTMENT_COLUMNS]
    columns = len(ADJUSTMENT_COLUMNS)
    set_widths(sheet, widths)
    sheet_title(sheet, msg(lang, "adjust.title"), columns)
    headers = [msg(lang, f"adjust.col.{c[0]}") for c in ADJUSTMENT_COLUMNS]
    write_header(sheet, 2, headers, widths, minimum=30)
    row = 3
    blocks: list[tuple[int, int]] = []
    for number, (kind, rows) in enumerate(adjustment_rows(plan, explanations, lang).items(),
                                          start=1):
        blocks.append((row, row + min(3, max(1, len(rows)))))  # no heading alone at a page end
        heading = msg(lang, f"adjust.{kind}", number=chinese_numeral(number)
                      if lang == "zh" else number, count=len(rows))
        cell = put(sheet, row, 1, f"{heading}  {msg(lang, f'adjust.{kind}_note')}")
        cell.font = PLAN_BOLD
        cell.fill = SECTION_FILL
        cell.alignment = WRAP
        cell.border = BORDER
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        fit_row(sheet, row, (sum(widths),), [cell.value], minimum=18)
        row += 1
        for values in rows or [[None, msg(lang, "none"), *[None] * (columns - 2)]]:
            write_row(sheet, row, values, formats, wraps, widths, 1, PLAN_FONT, None)
            row += 1
    sheet.freeze_panes = "C3"
    page_setup(sheet, title, title_rows="2:2")
    keep_together(sheet, blocks, widths, repeated=sheet.row_dimensions[2].height or 15.0)


# -- 参数 -------------------------------------------------------------------------------------
PARAMETER_WIDTHS = (26, 22, 22, 13, 70, 30)


def _parameters_sheet(sheet: Worksheet, plan: Plan, title: str, lang: Lang) -> None:
    scenario = plan.problem.scenario
    columns = len(PARAMETER_WIDTHS)
    set_widths(sheet, PARAMETER_WIDTHS)
    sheet_title(sheet, msg(lang, "params.title"), columns)
    note = put(sheet, 2, 1, msg(lang, "params.note"))
    note.font = NOTE_FONT
    note.alignment = WRAP
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)
    headers = [msg(lang, f"params.col.{k}") for k in
               ("label", "value", "default", "article", "help", "key")]
    rows, fills = [], []
    for parameter in PARAMETERS:
        value = scenario.get(parameter.key)
        default = None if parameter.required else parameter.default
        changed = not parameter.required and not _same_value(value, default)
        shown = _shown(parameter, value, lang)
        if parameter.key == "scenario.description" and value:
            shown = msg(lang, "params.see_overview")  # the prose is on the first sheet
        rows.append([parameter.label.get(lang), shown,
                     msg(lang, "params.required") if parameter.required
                     else _shown(parameter, default, lang),
                     article_text(parameter.article).get(lang) or "—",
                     parameter.help.get(lang), parameter.key])
        fills.append(CHANGED_FILL if changed else None)
    for group_name, config in sorted(scenario.groups.items()):
        for parameter in GROUP_PARAMETERS:
            value = getattr(config, parameter.name)
            label = text("compare.group_parameter", name=group_name, label=parameter.label)
            rows.append([label.get(lang), _shown(parameter, value, lang), "—",
                         article_text(parameter.article).get(lang) or "—",
                         parameter.help.get(lang), f"groups.{group_name}.{parameter.name}"])
            fills.append(CHANGED_FILL)
    write_table(sheet, 3, headers, rows, PARAMETER_WIDTHS, [None] * columns, fills=fills)
    sheet.freeze_panes = sheet.cell(row=4, column=2)
    page_setup(sheet, title, title_rows="3:3")


def _shown(parameter: Any, value: Any, lang: Lang) -> str:
    return show_value(parameter, value).get(lang)


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) == list(b)
    if isinstance(a, dict) or isinstance(b, dict):
        return a == b
    return bool(a == b)


# -- 审计 -------------------------------------------------------------------------------------
def _audit_sheet(sheet: Worksheet, plan: Plan, title: str, approval: ApprovalInfo | None,
                 generated_at: datetime | None, lang: Lang) -> None:
    problem = plan.problem
    set_widths(sheet, OVERVIEW_WIDTHS)
    sheet_title(sheet, msg(lang, "audit.title"), 2)
    solver = plan.solver
    items: list[tuple[str, Any, str | None]] = [
        (msg(lang, "audit.input_sha256"), problem.input_sha256, None),
        (msg(lang, "audit.scenario_sha256"), problem.scenario_sha256, None),
        (msg(lang, "audit.plan_sha256"), plan_sha256(plan), None),
        (msg(lang, "audit.allocator"), __version__, None),
        (msg(lang, "audit.ortools"), plan.ortools_version or "—", None),
        (msg(lang, "audit.method"), problem.method.value, None),
        (msg(lang, "audit.divisor_exact"), "—" if plan.divisor is None else str(plan.divisor),
         None),
    ]
    if solver is not None:
        items += [
            (msg(lang, "audit.solver"), solver.name, None),
            (msg(lang, "audit.solver_status"), solver.status, None),
            (msg(lang, "audit.objective"), "—" if solver.objective is None else solver.objective,
             FORMAT_COUNT),
            (msg(lang, "audit.bound"), "—" if solver.bound is None else solver.bound,
             FORMAT_COUNT),
            (msg(lang, "audit.gap"), "—" if solver.gap is None else solver.gap, "0.00%"),
            (msg(lang, "audit.parameters"),
             json.dumps(solver.parameters, ensure_ascii=False, sort_keys=True), None),
        ]
    if approval is not None:
        items += [
            (msg(lang, "audit.run_id"), approval.run_id, "0"),
            (msg(lang, "overview.approver"), approval.approver, None),
            (msg(lang, "overview.approved_at"), iso_local(approval.approved_at), None),
            (msg(lang, "audit.chain_sha256"), approval.chain_sha256, None),
        ]
        items += _supersede_items(approval, lang)
    items.append((msg(lang, "audit.generated_at"),
                  generated_at.isoformat(timespec="seconds") if generated_at is not None
                  else msg(lang, "audit.generated_omitted"), None))
    row = _key_values(sheet, 3, items)
    cell = put(sheet, row + 1, 1, msg(lang, "audit.note"))
    cell.font = NOTE_FONT
    cell.alignment = WRAP
    sheet.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=2)
    fit_row(sheet, row + 1, (sum(OVERVIEW_WIDTHS),), [cell.value])
    page_setup(sheet, title, landscape=False)
