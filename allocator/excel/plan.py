"""The plan workbook (docs/documents.md): the plan as a document for the district government."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from allocator import __version__
from allocator.clock import iso_local
from allocator.compare import show_value
from allocator.docs import article_text, chinese_numeral
from allocator.excel.styles import (
    BORDER,
    CHANGED_FILL,
    CODE_WIDTH,
    FONT_NAME,
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
    PLAN_TITLE_FONT,
    TOTAL_FILL,
    WRAP,
    apply_style,
    bulk_rows,
    cell_value,
    collector_paused,
    fit_row,
    keep_together,
    msg,
    named_sheets,
    new_workbook,
    page_setup,
    put,
    row_height,
    save_workbook,
    set_widths,
    sheet_title,
    write_header,
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
from allocator.plan import ApprovalInfo, Plan, interval_json, plan_sha256
from allocator.scenario import GROUP_PARAMETERS, PARAMETERS
from allocator.submissions import infer_plan_year

# =============================================================================================
# The plan workbook (docs/documents.md): the plan as a document for the district government
# =============================================================================================
#
# A document first: 封面 (title, status, date, the key figures, the signing block and the seal),
# 说明 (the scenario and how to read the plan), 分配汇总 (totals by sector, category, top-100 and
# unit type; exclusions, cuts and divisors), 分配明细 (every input row's numbers, in input order,
# on one A4 landscape page width), 分配说明 (each row's explanation and reasons, wrapped),
# 并列与调整 (ties, guarantees, exclusions, cuts, ceilings), 提示 (every warning, naming row and
# employer), 参数 (every scenario parameter) and 审计 (hashes, versions, the solver's report).
# One language per document. Every number is written as a value, never as a formula, and every
# text from a submission through :func:`put` (or :func:`bulk_rows`), so a name such as
# ``=HYPERLINK(…)`` stays text.
#
# The same plan always gives the same bytes (:func:`save_workbook`): no wall-clock time is
# written unless the caller passes ``generated_at``; an approved plan shows its approval time.
#
# A sheet is one function ``(sheet, doc: PlanDocument) -> None`` listed in :data:`PLAN_SHEETS`
# with the key of its name (``workbook.sheet.<key>``): adding a sheet is adding one entry.


@dataclass
class PlanDocument:
    """Everything a sheet of the plan workbook may show."""

    plan: Plan
    lang: Lang
    approval: ApprovalInfo | None = None
    generated_at: datetime | None = None
    superseded: bool = False
    exported_by: str | None = None
    #: How the explanations go with the plan: see :data:`EXPLANATIONS`.
    explanations_as: str = "sheet"

    @cached_property
    def summary(self) -> PlanSummary:
        return plan_summary(self.plan)

    @cached_property
    def explanations(self) -> list[EmployerExplanation]:
        return explain_plan(self.plan, self.lang)  # the document's language only

    @property
    def state(self) -> str:
        """草案, 审定稿 or 已被取代."""
        if self.superseded:
            return "doc.state_superseded"
        return "state_approved" if self.approval is not None else "state_draft"

    @cached_property
    def title(self) -> str:
        """The page header: the title with the state, e.g. ``…分配方案（草案）``."""
        return plan_title(self.plan, self.approval, self.lang, superseded=self.superseded)

    def w(self, key: str, /, **params: Any) -> str:
        return msg(self.lang, key, **params)


def _plan_year(plan: Plan) -> int | None:
    year = plan.problem.scenario.scenario.year
    if year:
        return int(year)
    dates = plan.problem.employers["submitted_on"]
    return infer_plan_year(None, dates.where(dates.notna(), None))


def document_name(plan: Plan, lang: Lang = "zh") -> str:
    """``东城区2027年度《北京市工作居住证》办证指标分配方案`` (no year when none is known)."""
    year = _plan_year(plan)
    key = "doc.title" if year else "doc.title_no_year"
    return msg(lang, key, year=year, district=msg(lang, "district"))


def plan_title(plan: Plan, approval: ApprovalInfo | None = None, lang: Lang = "zh", *,
               superseded: bool = False) -> str:
    """``东城区2027年度《北京市工作居住证》办证指标分配方案（草案）`` — 审定稿 once approved,
    已被取代 once superseded."""
    superseded = superseded or (approval is not None and approval.superseded_by is not None)
    state = "doc.state_superseded" if superseded else \
        "state_approved" if approval is not None else "state_draft"
    return msg(lang, "doc.title_state", title=document_name(plan, lang),
               state=msg(lang, state))


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


def interval_text(interval: Sequence[str | None] | None, lang: Lang) -> str:
    """A divisor interval (docs/result.md ``divisor_interval``, exact strings) as people read it."""
    if not interval:
        return "—"
    low, high = interval
    if high is None:
        return msg(lang, "doc.interval_open", low=low)
    return msg(lang, "doc.interval", low=low, high=high)


#: How the per-employer explanations (分配说明, about 150 characters each) go with the plan:
#: ``sheet`` (the default) — their sheet is in the workbook, to read on screen, and prints as
#: one page saying where they are, so that the signed document stays short; ``appendix`` —
#: printed in full as well (the 600-employer sample: 49 pages more); ``none`` — no
#: sheet (the result JSON and the app still have them).
EXPLANATIONS = ("sheet", "appendix", "none")


def build_plan_workbook(plan: Plan, *, approval: ApprovalInfo | None = None, lang: Lang = "zh",
                        generated_at: datetime | None = None, superseded: bool = False,
                        exported_by: str | None = None, curve: Any = None,
                        explanations: str = "sheet") -> Workbook:
    """The plan workbook in memory (see :func:`write_plan_workbook`); the long tables are
    written when it is saved with :func:`save_workbook`."""
    if plan.allocation is None:
        raise ValueError("an infeasible plan has no allocation to export; see its conflicts")
    if explanations not in EXPLANATIONS:
        raise ValueError(f"explanations must be one of {EXPLANATIONS}, not {explanations!r}")
    superseded = superseded or (approval is not None and approval.superseded_by is not None)
    doc = PlanDocument(plan, lang, approval, generated_at, superseded, exported_by,
                       explanations)
    book = new_workbook()
    kept = [(key, write) for key, write in PLAN_SHEETS
            if not (key == "explanations" and explanations == "none")]
    sheets = named_sheets(book, [doc.w(f"sheet.{key}") for key, _ in kept])
    for sheet, (_, write) in zip(sheets, kept, strict=True):
        write(sheet, doc)
    from allocator.excel.roster import add_roster_sheets

    add_roster_sheets(book, plan, doc.title, lang)  # docs/columns.md: only for a screened plan
    if curve is not None:  # optional: the plan at every cap (allocator.sweep.Sweep)
        from allocator.excel.sweep import add_curve_sheet

        add_curve_sheet(book, curve, lang)
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
                        superseded: bool = False, exported_by: str | None = None,
                        curve: Any = None, explanations: str = "sheet") -> None:
    """Write the plan as a document for the district government (``allocator solve --out``).

    Sheets 封面, 说明, 分配汇总, 分配明细, 分配说明, 并列与调整, 提示, 参数, 审计 (Chinese;
    ``lang="en"`` writes the same in English). The title says 草案 (draft) until ``approval``
    is given, then 审定稿 with the approver and time, 已被取代 when ``superseded``. The file's
    bytes depend only on the arguments: no clock is read (``generated_at`` is shown on the
    cover and the audit sheet when given). ``curve`` (an :class:`allocator.sweep.Sweep`) adds
    a last sheet with the plan at every cap of its range (``allocator solve --curve``).
    ``explanations`` (:data:`EXPLANATIONS`) says whether the 分配说明 sheet prints in full
    (``appendix``), stays on screen only (``sheet``, the default) or is left out (``none``).
    """
    with collector_paused():
        save_workbook(build_plan_workbook(plan, approval=approval, lang=lang,
                                          generated_at=generated_at, superseded=superseded,
                                          exported_by=exported_by, curve=curve,
                                          explanations=explanations), path)


# -- 封面 -------------------------------------------------------------------------------------
#: Four columns: label, value, label, value (the key figures two a row; the signing block).
COVER_WIDTHS = (28, 17, 28, 20)
COVER_TITLE_FONT = Font(name=FONT_NAME, size=18, bold=True)
COVER_STATE_FONT = Font(name=FONT_NAME, size=14, bold=True)
COVER_FONT = Font(name=FONT_NAME, size=11)
COVER_BOLD = Font(name=FONT_NAME, size=11, bold=True)
LABEL_ALIGNMENT = Alignment(horizontal="left", vertical="center", wrap_text=True)
VALUE_ALIGNMENT = Alignment(horizontal="left", vertical="center", wrap_text=True)
SEAL_ALIGNMENT = Alignment(horizontal="right", vertical="bottom")
#: Heights (points) of a signing row and of the seal area: room to sign and to stamp a seal
#: (a round seal is about 42 mm ≈ 120 pt).
SIGN_HEIGHT, SEAL_HEIGHT = 36.0, 130.0


def _merged(sheet: Worksheet, row: int, first: int, last: int, value: Any, *, font: Font,
            alignment: Alignment, height: float | None = None, border: bool = False,
            number_format: str | None = None) -> None:
    cell = put(sheet, row, first, cell_value(value), number_format=number_format)
    cell.font = font
    cell.alignment = alignment
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    if border:
        for column in range(first, last + 1):
            sheet.cell(row=row, column=column).border = BORDER
    if height is not None:
        sheet.row_dimensions[row].height = height


def _cover_date(doc: PlanDocument) -> str:
    """The document's date: the approval's, else ``generated_at``'s, else blanks to fill in."""
    moment = None
    if doc.approval is not None:
        try:
            moment = datetime.fromisoformat(doc.approval.approved_at)
        except ValueError:
            return doc.approval.approved_at
    elif doc.generated_at is not None:
        moment = doc.generated_at
    if moment is None:
        return doc.w("cover.date_blank")
    return doc.w("cover.date", year=moment.year, month=moment.month, day=moment.day)


def _cover_sheet(sheet: Worksheet, doc: PlanDocument) -> None:
    plan, summary = doc.plan, doc.summary
    problem = plan.problem
    columns = len(COVER_WIDTHS)
    set_widths(sheet, COVER_WIDTHS)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    _merged(sheet, 1, 1, columns, document_name(plan, doc.lang), font=COVER_TITLE_FONT,
            alignment=centre, height=60)
    _merged(sheet, 2, 1, columns, doc.w("cover.state", state=doc.w(doc.state)),
            font=COVER_STATE_FONT, alignment=centre, height=26)
    _merged(sheet, 3, 1, columns, doc.w("cover.dated", date=_cover_date(doc)), font=COVER_FONT,
            alignment=centre, height=22)
    if doc.approval is None and not doc.superseded:
        _merged(sheet, 4, 1, columns, doc.w("draft_notice"), font=NOTE_FONT, alignment=centre,
                height=18)
    row = write_section(sheet, 6, doc.w("cover.figures"), columns)
    interval = interval_json(plan.scopes[0] if plan.scopes else None)
    divisor = _divisor_text(plan.divisor)
    if plan.divisor is not None:
        divisor = doc.w("cover.divisor", divisor=divisor,
                        interval=interval_text(interval, doc.lang))
    figures: list[tuple[str, Any, str | None]] = [
        (doc.w("overview.year"), _plan_year(plan) or "—", "0"),
        (doc.w("overview.scenario"), problem.scenario.scenario.name, None),
        (doc.w("overview.cap"), problem.cap, FORMAT_INT),
        (doc.w("overview.reserve"), problem.reserve, FORMAT_INT),
        (doc.w("overview.allocatable"), problem.allocatable, FORMAT_INT),
        (doc.w("overview.allocated"), plan.allocated, FORMAT_INT),
        (doc.w("overview.unallocated"), plan.unallocated, FORMAT_INT),
        (doc.w("overview.employers"), problem.size, FORMAT_INT),
        (doc.w("overview.requested"), summary.requested, FORMAT_INT),
        (doc.w("overview.eligible"), summary.eligible, FORMAT_INT),
        (doc.w("overview.fill_requested"), _percent_text(summary.fill_requested), None),
        (doc.w("overview.fill_eligible"), _percent_text(summary.fill_eligible), None),
        (doc.w("overview.method"), method_label(problem.method).get(doc.lang), None),
        (doc.w("cover.warnings"), len(plan.all_warnings), FORMAT_INT),
    ]
    for index in range(0, len(figures), 2):
        for offset, (label, value, number_format) in enumerate(figures[index:index + 2]):
            first = 1 + 2 * offset
            label_cell = put(sheet, row, first, label)
            apply_style(label_cell, font=COVER_BOLD, fill=HEADER_FILL, border=BORDER,
                        alignment=LABEL_ALIGNMENT)
            value_cell = sheet.cell(row=row, column=first + 1)
            apply_style(value_cell, font=COVER_FONT, border=BORDER, alignment=VALUE_ALIGNMENT,
                        number_format=number_format)
            put(sheet, row, first + 1, cell_value(value))
        pair = figures[index:index + 2]
        fit_row(sheet, row, COVER_WIDTHS, [v for label, value, _ in pair
                                           for v in (label, str(value))], minimum=24, size=11)
        row += 1
    # The divisor and its interval: one row across the table (exact numbers can be long).
    put(sheet, row, 1, doc.w("overview.divisor"))
    apply_style(sheet.cell(row=row, column=1), font=COVER_BOLD, fill=HEADER_FILL,
                border=BORDER, alignment=LABEL_ALIGNMENT)
    _merged(sheet, row, 2, columns, divisor, font=COVER_FONT, alignment=VALUE_ALIGNMENT,
            border=True)
    fit_row(sheet, row, (COVER_WIDTHS[0], sum(COVER_WIDTHS[1:])), [None, divisor],
            minimum=24)
    row += 2

    row = write_section(sheet, row, doc.w("cover.signing"), columns)
    for key in ("drafter", "reviewer", "issuer"):
        for first, label in ((1, doc.w(f"cover.{key}")), (3, doc.w("cover.sign_date"))):
            cell = put(sheet, row, first, label)
            apply_style(cell, font=COVER_BOLD, fill=HEADER_FILL, border=BORDER,
                        alignment=LABEL_ALIGNMENT)
            apply_style(sheet.cell(row=row, column=first + 1), font=COVER_FONT, border=BORDER,
                        alignment=VALUE_ALIGNMENT)
        put(sheet, row, 4, doc.w("cover.date_blank"))
        sheet.row_dimensions[row].height = SIGN_HEIGHT
        row += 1
    if doc.approval is not None:
        approval = doc.approval
        record = doc.w("cover.approval_record", approver=approval.approver,
                       at=_when(approval.approved_at, doc.lang), run=approval.run_id)
        if doc.exported_by:
            record += doc.w("cover.exported_by", name=doc.exported_by)
        put(sheet, row, 1, doc.w("cover.approval"))
        apply_style(sheet.cell(row=row, column=1), font=COVER_BOLD, fill=HEADER_FILL,
                    border=BORDER, alignment=LABEL_ALIGNMENT)
        _merged(sheet, row, 2, columns, record, font=COVER_FONT, alignment=VALUE_ALIGNMENT,
                border=True)
        fit_row(sheet, row, (COVER_WIDTHS[0], sum(COVER_WIDTHS[1:])), [None, record],
                minimum=24)
        row += 1
    # The seal: a boxed area with room for a round seal, 盖章 at its lower right.
    put(sheet, row, 1, doc.w("cover.seal"))
    apply_style(sheet.cell(row=row, column=1), font=COVER_BOLD, fill=HEADER_FILL,
                border=BORDER, alignment=LABEL_ALIGNMENT)
    _merged(sheet, row, 2, columns, doc.w("cover.seal_hint"), font=COVER_FONT,
            alignment=SEAL_ALIGNMENT, border=True, height=SEAL_HEIGHT)
    row += 2
    contents = doc.w("explain_doc.contents_none" if doc.explanations_as == "none"
                     else "cover.contents")
    _merged(sheet, row, 1, columns, contents, font=NOTE_FONT, alignment=WRAP)
    fit_row(sheet, row, (sum(COVER_WIDTHS),), [contents])
    page_setup(sheet, doc.title, landscape=False, lang=doc.lang)
    sheet.print_area = f"A1:{get_column_letter(columns)}{row}"


# -- 说明 -------------------------------------------------------------------------------------
OVERVIEW_WIDTHS = (26, 80)


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


_CJK = re.compile(r"[\u3400-\u9fff]")


def one_language(prose: str, lang: Lang) -> str:
    """The paragraphs of a bilingual text (a scenario's description) in ``lang``: lines with
    Chinese characters for ``zh``, lines without for ``en``; the whole text when that leaves
    nothing (a text in one language only)."""
    lines = prose.strip().splitlines()
    kept = [line for line in lines if bool(_CJK.search(line)) == (lang == "zh")]
    return "\n".join(kept).strip() or prose.strip()


def _overview_sheet(sheet: Worksheet, doc: PlanDocument) -> None:
    plan, summary, lang = doc.plan, doc.summary, doc.lang
    problem = plan.problem
    info = problem.scenario.scenario
    set_widths(sheet, OVERVIEW_WIDTHS)
    sheet_title(sheet, doc.w("overview_doc.title"), 2, height=30)
    row = write_section(sheet, 3, doc.w("overview.plan"), 2)
    highlights = "\n".join(line.get(lang) for line in summary.lines if line is not None)
    items: list[tuple[str, Any, str | None]] = [
        (doc.w("overview.scenario"), info.name, None),
        (doc.w("overview.description"), one_language(info.description, lang) or "—", None),
        (doc.w("overview.status"), doc.w(f"status.{plan.status.value}"), None),
    ]
    if summary.surplus is not None:
        items.append((doc.w("overview.surplus"), summary.surplus.get(lang), None))
    items.append((doc.w("overview.highlights"), highlights, None))
    warnings = len(plan.all_warnings)
    items.append((doc.w("overview.warning"), doc.w("overview_doc.warnings_count", count=warnings)
                  if warnings else doc.w("none"), None))
    row = _key_values(sheet, row, items) + 1
    row = write_section(sheet, row, doc.w("overview.approval"), 2)
    if doc.approval is None:
        approval_items: list[tuple[str, Any, str | None]] = [
            (doc.w("overview.approval_state"), doc.w("state_draft_long"), None)]
    else:
        approval = doc.approval
        approval_items = [
            (doc.w("overview.approval_state"), doc.w("doc.state_superseded_long"
                                                     if doc.superseded
                                                     else "state_approved_long"), None),
            (doc.w("overview.approver"), approval.approver, None),
            (doc.w("overview.approved_at"), _when(approval.approved_at, lang), None),
            (doc.w("overview.approval_note"), approval.note or "—", None),
            (doc.w("overview.run_id"), approval.run_id, "0"),
            *_supersede_items(approval, lang),
        ]
        if doc.exported_by:
            approval_items.append((doc.w("overview_doc.exported_by"), doc.exported_by, None))
    row = _key_values(sheet, row, approval_items) + 1
    row = write_section(sheet, row, doc.w("overview.how_to_read"), 2)
    for key in ("rule", "bounds", "ties", "sheets"):
        cell = put(sheet, row, 1, doc.w(f"overview.read_{key}",
                                        method=method_label(problem.method).get(lang)))
        cell.font = PLAN_FONT
        cell.alignment = WRAP
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        fit_row(sheet, row, (sum(OVERVIEW_WIDTHS),), [cell.value])
        row += 1
    page_setup(sheet, doc.title, landscape=False, lang=doc.lang)


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
SUMMARY_WIDTHS = (40, 12, 12, 12, 12, 12, 14, 14)


def _summary_sheet(sheet: Worksheet, doc: PlanDocument) -> None:
    plan, summary, lang = doc.plan, doc.summary, doc.lang
    set_widths(sheet, SUMMARY_WIDTHS)
    columns = len(SUMMARY_WIDTHS)
    sheet_title(sheet, doc.w("summary.title"), columns)
    headers = [doc.w(f"summary.col.{key}") for key in
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
        note = doc.w("summary.category_note") if name == "category" else ""
        row = write_section(sheet, row, doc.w(f"summary.by_{name}"), columns, note)
        rows = [[r[label], r["employers"], r["requested"], r["eligible"], r["guaranteed"],
                 r["allocated"], r["fill_requested"], r["fill_eligible"]]
                for _, r in table.iterrows() if name != "unit_type" or r["employers"] > 0]
        total = None
        if name != "category":
            total = [doc.w("total"), plan.problem.size, summary.requested, summary.eligible,
                     summary.guaranteed, plan.allocated, _float(summary.fill_requested),
                     _float(summary.fill_eligible)]
        row = write_table(sheet, row, headers, rows, SUMMARY_WIDTHS, formats, total=total) + 1
        blocks.append((start, row - 2))

    reason_headers = [doc.w("summary.col.reason"), doc.w("summary.col.article"),
                      doc.w("summary.col.employers"), doc.w("summary.col.permits")]
    article = "article_zh" if lang == "zh" else "article_en"
    # Distinct employers: one with several cuts counts once in the total.
    distinct = {"excluded": sum(1 for e in doc.explanations if e.gates),
                "cuts": sum(1 for e in doc.explanations if e.cuts)}
    for name, table in (("excluded", summary.excluded), ("cuts", summary.cuts)):
        start = row
        key = _screened_key(plan, name)
        row = write_section(sheet, row, doc.w(f"summary.{key}"), columns,
                            doc.w(f"summary.{key}_note"))
        rows = [[r[label], r[article], r["employers"], r["permits"]]
                for _, r in table.iterrows()]
        if not rows:
            rows = [[doc.w("none"), None, None, None]]
        total = [doc.w("doc.total_distinct"), None, distinct[name],
                 int(table["permits"].sum()) if len(table) else 0]
        row = write_table(sheet, row, reason_headers, rows, SUMMARY_WIDTHS,
                          [None, None, FORMAT_INT, FORMAT_INT], wrap=[True, True, False, False],
                          total=total) + 1
        blocks.append((start, row - 2))

    start = row
    row = write_section(sheet, row, doc.w("summary.scopes"), columns,
                        doc.w("summary.scopes_note"))
    # A scope without a divisor (everyone in it at a bound) reads back from pandas as NA.
    scope_rows = [[r[label], r["employers"], r["allocated"],
                   _divisor_text(None if pd.isna(r["divisor_exact"])
                                 else Fraction(r["divisor_exact"])),
                   interval_text(r["divisor_interval"], lang)]
                  for _, r in summary.scopes.iterrows()]
    scope_headers = [*(doc.w(f"summary.col.{key}")
                       for key in ("scope", "employers", "allocated", "divisor")),
                     doc.w("summary_doc.interval")]
    # The interval (exact, possibly long) spans the last four columns.
    scope_widths = [*SUMMARY_WIDTHS[:4], sum(SUMMARY_WIDTHS[4:])]
    header = row
    end = write_table(sheet, row, scope_headers, scope_rows, scope_widths,
                      [None, FORMAT_INT, FORMAT_INT, None, None],
                      wrap=[True, False, False, False, True])
    for merged in range(header, end):
        sheet.merge_cells(start_row=merged, start_column=5, end_row=merged, end_column=columns)
        for column in range(6, columns + 1):
            sheet.cell(row=merged, column=column).border = BORDER
    blocks.append((start, end - 1))
    page_setup(sheet, doc.title, lang=doc.lang)
    keep_together(sheet, blocks, SUMMARY_WIDTHS)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


# -- 分配明细 ---------------------------------------------------------------------------------
#: The numbers of every input row, on one A4 landscape page width at ≥ 85 % (docs/documents.md); the
#: sentences are on 分配说明.
DETAIL_COLUMNS = (
    # key, width, number format (None: text), wrapped
    ("row", 6, FORMAT_COUNT, False),
    ("credit_code", CODE_WIDTH, None, False),
    ("name", 41, None, True),
    ("sector", 10, None, True),
    ("unit_type", 16, None, True),
    ("top100", 6, None, False),
    ("requested", 7, FORMAT_INT, False),
    ("eligible", 7, FORMAT_INT, False),
    ("guaranteed", 7, FORMAT_INT, False),
    ("upper", 7, FORMAT_INT, False),
    ("weight", 7, FORMAT_WEIGHT, False),
    ("claim", 9, FORMAT_CLAIM, False),
    ("allocated", 7, FORMAT_INT, False),
    ("fill", 8, FORMAT_PERCENT, False),
)
#: The English labels (sector, unit type, headers) are longer than the Chinese while the names
#: (data) stay Chinese: the name column is narrower, so that "Information services" and each
#: one-word header fit on a line and the sheet still prints at 85 % (162 character widths).
DETAIL_WIDTHS_EN = {"row": 5, "name": 27, "sector": 12, "unit_type": 17, "requested": 12,
                    "eligible": 9, "guaranteed": 6, "upper": 8, "weight": 8, "allocated": 12}
DETAIL_HEADER_ROW, DETAIL_FIRST_ROW = 2, 3


def _detail_sheet(sheet: Worksheet, doc: PlanDocument) -> None:
    plan, lang = doc.plan, doc.lang
    frame = plan.problem.employers
    widths, formats, wraps = _layout(DETAIL_COLUMNS)
    if lang == "en":
        widths = [DETAIL_WIDTHS_EN.get(c[0], width) for c, width in zip(DETAIL_COLUMNS, widths,
                                                                       strict=True)]
    set_widths(sheet, widths)
    sheet_title(sheet, doc.w("detail.title"), len(DETAIL_COLUMNS))
    headers = [doc.w(f"detail.col.{c[0]}") for c in DETAIL_COLUMNS]
    write_header(sheet, DETAIL_HEADER_ROW, headers, widths)
    yes, no = text("common.yes").get(lang), text("common.no").get(lang)
    sectors = {code: sector_label(code).get(lang) for code in frame["sector"].unique()}
    unit_types = {code: unit_type_label(code).get(lang) for code in frame["unit_type"].unique()}
    allocation = [int(x) for x in plan.allocation]

    def rows() -> Iterator[list[Any]]:
        for position, (row, credit_code, name, sector, unit_type, top100, requested, eligible,
                       guaranteed, upper, weight, claim) in enumerate(zip(
                *(frame[key].tolist() for key in (
                    "row", "credit_code", "name", "sector", "unit_type", "top100", "requested",
                    "eligible", "guaranteed", "upper", "weight", "claim")), strict=True)):
            allocated = allocation[position]
            yield [int(row), credit_code, name, sectors[sector], unit_types[unit_type],
                   yes if top100 else no, int(requested), int(eligible), int(guaranteed),
                   int(upper), float(weight), float(claim), allocated,
                   _float(fill_rate(allocated, int(requested)))]

    row = bulk_rows(sheet, DETAIL_FIRST_ROW, rows(), formats, wraps, widths, font=PLAN_FONT)
    requested = int(frame["requested"].sum())
    total = [None, doc.w("total"), None, None, None, None, requested,
             int(frame["eligible"].sum()), int(frame["guaranteed"].sum()),
             int(frame["upper"].sum()), None, None, plan.allocated,
             _float(fill_rate(plan.allocated, requested))]
    row = bulk_rows(sheet, row, [total], formats, wraps, widths, font=PLAN_BOLD,
                    fill=TOTAL_FILL)
    last = get_column_letter(len(DETAIL_COLUMNS))
    sheet.freeze_panes = sheet.cell(row=DETAIL_FIRST_ROW, column=4)
    sheet.auto_filter.ref = f"A{DETAIL_HEADER_ROW}:{last}{row - 2}"
    page_setup(sheet, doc.title, title_rows=f"{DETAIL_HEADER_ROW}:{DETAIL_HEADER_ROW}",
               lang=doc.lang)


def _layout(columns: Sequence[tuple[str, float, str | None, bool]]
            ) -> tuple[list[float], list[str | None], list[bool]]:
    """A table's column specs (key, width, number format, wrapped) as the three lists
    :func:`bulk_rows` takes."""
    return [c[1] for c in columns], [c[2] for c in columns], [c[3] for c in columns]


# -- 分配说明 ---------------------------------------------------------------------------------
#: As wide as prints at about 87 % on A4 landscape: the wider the text columns, the fewer lines
#: (and pages) the long sentences take.
EXPLANATION_COLUMNS = (
    ("row", 6, FORMAT_COUNT, False),
    ("name", 20, None, True),
    ("allocated", 6, FORMAT_INT, False),
    ("explanation", 74, None, True),
    ("reasons", 54, None, True),
)


def _explanations_sheet(sheet: Worksheet, doc: PlanDocument) -> None:
    """Every employer's sentence and reasons, in 9 pt (printed at about 86 %: 7.8 pt) with rows
    as tall as their text. Only as an ``appendix`` is all of it printed; as a ``sheet`` its
    print range is the title, which says where the explanations are."""
    plan, lang = doc.plan, doc.lang
    widths, formats, wraps = _layout(EXPLANATION_COLUMNS)
    set_widths(sheet, widths)
    if doc.explanations_as == "appendix":
        sheet_title(sheet, doc.w("explain_doc.appendix_title"), len(widths))
    else:
        title = "\n".join([doc.w("explain_sheet.title"),
                           doc.w("explain_doc.not_printed", count=plan.problem.size)])
        sheet_title(sheet, title, len(widths))
        sheet.cell(row=1, column=1).alignment = CENTRE_WRAP
        fit_row(sheet, 1, (sum(widths),), [title], minimum=32,
                size=PLAN_TITLE_FONT.sz)  # the title's lines, in 16 pt
    headers = [doc.w(f"detail.col.{c[0]}") for c in EXPLANATION_COLUMNS]
    write_header(sheet, DETAIL_HEADER_ROW, headers, widths)
    reasons = plan.problem.employers["reasons"].tolist()

    def rows() -> Iterator[list[Any]]:
        for explanation, own in zip(doc.explanations, reasons, strict=True):
            yield [explanation.row, explanation.name, explanation.allocated,
                   explanation.sentence.get(lang),
                   "\n".join(r.message.get(lang) for r in own) or None]

    # Lines as full as LibreOffice and Excel fill them (measured: 45 characters of a column of
    # 82), not with the usual margin: the rows are as tall as their text, no taller.
    row = bulk_rows(sheet, DETAIL_FIRST_ROW, rows(), formats, wraps, widths,
                    font=APPENDIX_FONT, minimum=row_height(1, APPENDIX_FONT.sz),
                    fill_factor=1.0)
    sheet.freeze_panes = sheet.cell(row=DETAIL_FIRST_ROW, column=3)
    sheet.auto_filter.ref = f"A{DETAIL_HEADER_ROW}:{get_column_letter(len(widths))}{row - 1}"
    page_setup(sheet, doc.title, title_rows=f"{DETAIL_HEADER_ROW}:{DETAIL_HEADER_ROW}",
               lang=doc.lang)
    if doc.explanations_as != "appendix":  # on screen only: the title prints, saying so
        sheet.print_area = f"A1:{get_column_letter(len(widths))}1"


#: The rows of the long reference tables — explanations, adjustments, parameters — in 9 pt
#: (printed at about 86 %: 7.7 pt): a quarter fewer pages than at 10 pt.
APPENDIX_FONT = Font(name=FONT_NAME, size=9)
CENTRE_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)


# -- 并列与调整 -------------------------------------------------------------------------------
#: One table with one header (repeated on every printed page); each kind of adjustment is a
#: block under a heading row: ties, guarantees, exclusions, cuts, ceilings.
ADJUSTMENT_COLUMNS = (
    # key, width, number format (None: text), wrapped
    ("row", 8, FORMAT_COUNT, False),
    ("name", 34, None, True),
    ("requested", 7, FORMAT_INT, False),
    ("eligible", 8, FORMAT_INT, False),
    ("guaranteed", 7, FORMAT_INT, False),
    ("upper", 7, FORMAT_INT, False),
    ("allocated", 7, FORMAT_INT, False),
    ("change", 8, FORMAT_CHANGE, False),
    ("why", 79, None, True),
)
ADJUSTMENT_KINDS = ("ties", "guarantees", "excluded", "cuts", "ceilings")
SECTION_FILL = PatternFill("solid", start_color="E2EFDA", end_color="E2EFDA")


def adjustment_rows(plan: Plan, explanations: list[EmployerExplanation],
                    lang: Lang) -> dict[str, list[list[Any]]]:
    """The rows of each block of 并列与调整, in input order within a block.

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


def _screened_key(plan: Plan, kind: str) -> str:
    """The message key of a block of cuts: in a screened plan it holds the roster screening
    (Art. 6, 17, 18) beside the sanctions (压减), and its title and note say both."""
    return "cuts_screened" if kind == "cuts" and plan.problem.screening is not None else kind


def _adjustments_sheet(sheet: Worksheet, doc: PlanDocument) -> None:
    plan, explanations, lang, title = doc.plan, doc.explanations, doc.lang, doc.title
    widths, formats, wraps = _layout(ADJUSTMENT_COLUMNS)
    columns = len(ADJUSTMENT_COLUMNS)
    set_widths(sheet, widths)
    sheet_title(sheet, msg(lang, "adjust.title"), columns)
    headers = [msg(lang, f"adjust.col.{c[0]}") for c in ADJUSTMENT_COLUMNS]
    write_header(sheet, 2, headers, widths)
    row = 3
    blocks: list[tuple[int, int]] = []
    for number, (kind, rows) in enumerate(adjustment_rows(plan, explanations, lang).items(),
                                          start=1):
        blocks.append((row, row + min(3, max(1, len(rows)))))  # no heading alone at a page end
        key = _screened_key(plan, kind)
        heading = msg(lang, f"adjust.{key}", number=chinese_numeral(number)
                      if lang == "zh" else number, count=len(rows))
        cell = put(sheet, row, 1, f"{heading}  {msg(lang, f'adjust.{key}_note')}")
        cell.font = PLAN_BOLD
        cell.fill = SECTION_FILL
        cell.alignment = WRAP
        cell.border = BORDER
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        fit_row(sheet, row, (sum(widths),), [cell.value], minimum=18)
        row += 1
        row = bulk_rows(sheet, row, rows or [[None, msg(lang, "none"), *[None] * (columns - 2)]],
                        formats, wraps, widths, font=APPENDIX_FONT,
                        minimum=row_height(1, APPENDIX_FONT.sz))
    sheet.freeze_panes = "C3"
    page_setup(sheet, title, title_rows="2:2", lang=lang)
    keep_together(sheet, blocks, widths, repeated=sheet.row_dimensions[2].height or 15.0)


# -- 提示 -------------------------------------------------------------------------------------
WARNING_COLUMNS = (
    ("number", 6, FORMAT_COUNT, False),
    ("row", 7, FORMAT_COUNT, False),
    ("credit_code", CODE_WIDTH, None, False),
    ("name", 28, None, True),
    ("message", 80, None, True),
)


def warning_rows(plan: Plan, lang: Lang) -> list[list[Any]]:
    """One row per warning of the plan (:attr:`Plan.all_warnings`, in its order): number, Excel
    row, credit code, employer name and the message (row and employer blank for the plan as a
    whole)."""
    names = dict(zip(plan.problem.column("row"), plan.problem.column("name"), strict=True))
    rows = []
    for number, warning in enumerate(plan.all_warnings, start=1):
        row = warning.row
        rows.append([number, row, warning.credit_code,
                     names.get(row) if row is not None else None, warning.message.get(lang)])
    return rows


def _warnings_sheet(sheet: Worksheet, doc: PlanDocument) -> None:
    widths, formats, wraps = _layout(WARNING_COLUMNS)
    set_widths(sheet, widths)
    rows = warning_rows(doc.plan, doc.lang)
    sheet_title(sheet, doc.w("warnings.title", count=len(rows)), len(widths))
    headers = [doc.w(f"warnings.col.{c[0]}") for c in WARNING_COLUMNS]
    write_header(sheet, 2, headers, widths)
    if not rows:
        rows = [[None, None, None, doc.w("warnings.none"), None]]
    row = bulk_rows(sheet, 3, rows, formats, wraps, widths, font=PLAN_FONT)
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(widths))}{max(row - 1, 3)}"
    page_setup(sheet, doc.title, title_rows="2:2", lang=doc.lang)


# -- 参数 -------------------------------------------------------------------------------------
PARAMETER_WIDTHS = (19, 24, 16, 10, 68, 24)


def _parameters_sheet(sheet: Worksheet, doc: PlanDocument) -> None:
    plan, title, lang = doc.plan, doc.title, doc.lang
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
    write_table(sheet, 3, headers, rows, PARAMETER_WIDTHS, [None] * columns, fills=fills,
                font=APPENDIX_FONT)  # a reference table: 9 pt, printed at 7.7 pt
    sheet.freeze_panes = sheet.cell(row=4, column=2)
    page_setup(sheet, title, title_rows="3:3", lang=lang)


def _shown(parameter: Any, value: Any, lang: Lang) -> str:
    return show_value(parameter, value).get(lang)


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) == list(b)
    if isinstance(a, dict) or isinstance(b, dict):
        return a == b
    return bool(a == b)


# -- 审计 -------------------------------------------------------------------------------------
def solver_parameters_text(parameters: dict[str, Any]) -> str:
    """The solver's parameters one a line, ``name = value``, in name order."""
    if not parameters:
        return "—"
    return "\n".join(f"{key} = {_parameter_value(value)}"
                     for key, value in sorted(parameters.items()))


def _parameter_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(_parameter_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{key} {_parameter_value(v)}" for key, v in sorted(value.items()))
    return str(value)


def _audit_sheet(sheet: Worksheet, doc: PlanDocument) -> None:
    plan, title, approval, generated_at, lang = (doc.plan, doc.title, doc.approval,
                                                 doc.generated_at, doc.lang)
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
        (msg(lang, "audit_doc.divisor_interval"),
         interval_text(interval_json(plan.scopes[0] if plan.scopes else None), lang), None),
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
            (msg(lang, "audit.parameters"), solver_parameters_text(solver.parameters), None),
        ]
    if approval is not None:
        items += [
            (msg(lang, "audit.run_id"), approval.run_id, "0"),
            (msg(lang, "overview.approver"), approval.approver, None),
            (msg(lang, "overview.approved_at"), iso_local(approval.approved_at), None),
            (msg(lang, "audit.chain_sha256"), approval.chain_sha256, None),
        ]
        items += _supersede_items(approval, lang)
        if doc.exported_by:
            items.append((msg(lang, "overview_doc.exported_by"), doc.exported_by, None))
    items.append((msg(lang, "audit.generated_at"),
                  generated_at.isoformat(timespec="seconds") if generated_at is not None
                  else msg(lang, "audit.generated_omitted"), None))
    row = _key_values(sheet, 3, items)
    cell = put(sheet, row + 1, 1, msg(lang, "audit.note"))
    cell.font = NOTE_FONT
    cell.alignment = WRAP
    sheet.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=2)
    fit_row(sheet, row + 1, (sum(OVERVIEW_WIDTHS),), [cell.value])
    page_setup(sheet, title, landscape=False, lang=lang)


#: The sheets of the plan workbook, in order: (key of the name, ``workbook.sheet.<key>``;
#: the function that writes it). A new sheet is one more entry.
PLAN_SHEETS: list[tuple[str, Callable[[Worksheet, PlanDocument], None]]] = [
    ("cover", _cover_sheet),
    ("overview", _overview_sheet),
    ("summary", _summary_sheet),
    ("detail", _detail_sheet),
    ("explanations", _explanations_sheet),
    ("adjustments", _adjustments_sheet),
    ("warnings", _warnings_sheet),
    ("parameters", _parameters_sheet),
    ("audit", _audit_sheet),
]
