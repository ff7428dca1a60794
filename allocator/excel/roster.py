"""The plan workbook's roster sheets (docs/columns.md): who was screened, who passed, and why not.

Two sheets, added when the plan was screened against a roster: 人员审核汇总 (per employer: its
request, applicants listed, passed per role, failed per reason, and its eligible demand) and
人员审核明细 (per applicant, in roster order: masked ID and name, role, verdict with every
reason and its article, the missing evidence). Identities appear only masked: the plan never
held them whole (:mod:`allocator.roster`).
"""

from __future__ import annotations

from openpyxl import Workbook

from allocator.excel.styles import (
    CODE_WIDTH,
    FORMAT_INT,
    page_setup,
    set_widths,
    sheet_title,
    text_wraps,
    write_table,
)
from allocator.i18n import Lang, text
from allocator.plan import Plan
from allocator.schema import ROLES, ROSTER_BY_KEY
from allocator.screening import REASONS, ROLE_CODES, applicant_reasons, reason_label


def _t(lang: Lang, key: str, /, **params: object) -> str:
    return text(f"roster.sheet.{key}", **params).get(lang)


def add_roster_sheets(book: Workbook, plan: Plan, title: str, lang: Lang) -> None:
    """Append the two roster sheets to ``book`` (nothing without a screening)."""
    screening = plan.problem.screening
    if screening is None:
        return
    t = screening.thresholds
    role_names = {c.code: (c.zh if lang == "zh" else c.en) for c in ROLES}

    # -- per employer ------------------------------------------------------------------------
    summary = book.create_sheet(_t(lang, "summary"))
    headers = [_t(lang, "row"), _t(lang, "credit_code"), _t(lang, "name"),
               _t(lang, "requested"), _t(lang, "listed"), _t(lang, "passed"),
               *(_t(lang, "passed_role", role=role_names[r]) for r in ROLE_CODES),
               *(reason_label(code, t).get(lang) for code in REASONS), _t(lang, "eligible")]
    widths = [7, CODE_WIDTH, 30, 9, 9, 9, *([10] * len(ROLE_CODES)), *([12] * len(REASONS)), 10]
    formats = [FORMAT_INT, None, None, *([FORMAT_INT] * (len(headers) - 3))]
    rows = []
    for record in plan.problem.employers.itertuples(index=False):
        counts = screening.counts(record.credit_code)
        if counts is None:
            rows.append([int(record.row), record.credit_code, record.name,
                         int(record.requested), _t(lang, "unlisted"),
                         *([None] * (1 + len(ROLE_CODES) + len(REASONS))),
                         int(record.eligible)])
            continue
        rows.append([int(record.row), record.credit_code, record.name, int(record.requested),
                     counts["listed"], counts["passed"],
                     *(counts[f"passed_{r}"] for r in ROLE_CODES),
                     *(counts[f"failed_{c}"] for c in REASONS), int(record.eligible)])
    set_widths(summary, widths)
    sheet_title(summary, _t(lang, "summary_title", wage=f"{t.wage:,}",
                            reference=t.reference.isoformat(), months=t.months), len(headers))
    write_table(summary, 2, headers, rows, widths, formats, wrap=text_wraps(formats, 1))
    summary.freeze_panes = "D3"
    page_setup(summary, title, title_rows="2:2", lang=lang)
    # One page width would print at about 72 % (7 pt): two pages across, the row, credit code
    # and name repeated on each.
    summary.print_title_cols = "A:C"
    summary.page_setup.fitToWidth = 2

    # -- per applicant -----------------------------------------------------------------------
    detail = book.create_sheet(_t(lang, "detail"))
    headers = [_t(lang, "roster_row"), _t(lang, "credit_code"),
               ROSTER_BY_KEY["person_id"].zh if lang == "zh" else ROSTER_BY_KEY["person_id"].en,
               ROSTER_BY_KEY["person_name"].zh if lang == "zh" else
               ROSTER_BY_KEY["person_name"].en,
               ROSTER_BY_KEY["role"].zh if lang == "zh" else ROSTER_BY_KEY["role"].en,
               _t(lang, "verdict"), _t(lang, "reasons")]
    widths = [8, CODE_WIDTH, CODE_WIDTH, 10, 14, 10, 68]  # 高级管理人员 on one line
    formats = [FORMAT_INT, None, None, None, None, None, None]
    yes, no = _t(lang, "pass"), _t(lang, "fail")
    rows = [[int(a.row), a.credit_code, a.person_masked, a.name_masked, role_names[a.role],
             yes if a.passed else no, "" if a.passed else applicant_reasons(a, t).get(lang)]
            for a in screening.applicants.itertuples(index=False)]
    if not rows and len(screening.employers):  # replayed from the store: no applicant kept
        rows = [[None, None, None, None, None, None, _t(lang, "not_kept")]]
    set_widths(detail, widths)
    sheet_title(detail, _t(lang, "detail_title", file=screening.file), len(headers))
    write_table(detail, 2, headers, rows, widths, formats, wrap=text_wraps(formats, 1, 2))
    detail.freeze_panes = "C3"
    page_setup(detail, title, title_rows="2:2", lang=lang)
