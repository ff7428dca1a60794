"""The ``allocator`` command line (README): a thin shell over the library.

Exit codes: 0 success; 2 invalid input or usage (message on stderr naming file, sheet, row and
column); 3 scenario infeasible (for ``compare``: no scenario feasible); 4 the store was
altered, damaged or emptied; 1 only for a bug. Bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import sqlite3
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from allocator import __version__
from allocator.errors import InputError, Issue, visible
from allocator.i18n import Lang, text

EXIT_OK, EXIT_BUG, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_TAMPERED = 0, 1, 2, 3, 4


class UsageError(Exception):
    """A usage problem found after argument parsing (exit 2)."""


# -- option values: refused by argparse (exit 2, the option named), never a traceback later --
MAX_WORKERS = 64
MAX_TIME_LIMIT_S = 86_400.0
MAX_SAMPLE_EMPLOYERS = 1_000_000


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (no upper limit if None)."""

    def parse(value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            span = f"{low}–{high}" if high is not None else f"≥ {low}"
            raise argparse.ArgumentTypeError(
                f"须为整数（{span}）/ must be a whole number ({span}): {value!r}")
        return number

    return parse


def seconds(value: str) -> float:
    """An argparse type: a time limit in seconds, more than 0 and at most a day."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not 0 < number <= MAX_TIME_LIMIT_S:  # also refuses NaN
        raise argparse.ArgumentTypeError(
            f"须为大于0且不超过{MAX_TIME_LIMIT_S:,.0f}的秒数 / must be a number of seconds above 0 "
            f"and at most {MAX_TIME_LIMIT_S:,.0f}: {value!r}")
    return number


#: A run's number, as SQLite stores it (a signed 64-bit integer).
run_number = whole(1, 2**63 - 1)


def plan_year(value: str) -> int:
    """An argparse type: a plan year within the scenario's bounds for ``scenario.year``."""
    from allocator.scenario import PARAMETER

    bounds = PARAMETER["scenario.year"]
    return whole(int(bounds.minimum), int(bounds.maximum))(value)


def display_width(value: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def pad(value: str, width: int) -> str:
    return value + " " * max(0, width - display_width(value))


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table that lines up Chinese and Latin text alike."""
    # Control characters shown as escapes: a stored name (in a cell or as a column's header,
    # e.g. a scenario's in `compare`) must not steer the terminal.
    cells = [[visible(str(h)) for h in headers],
             *[["" if v is None else visible(str(v)) for v in r] for r in rows]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_issues(issues: Sequence[Issue], lang: Lang | None) -> str:
    """Problems as a table: severity, file, sheet, row, column, value, message."""
    langs: tuple[Lang, ...] = (lang,) if lang else ("zh", "en")
    rows = []
    for found in issues:
        message = " / ".join(found.message.get(code) for code in langs)
        label = text(f"severity.{found.severity.value}")
        severity = " ".join(label.get(code) for code in langs)
        rows.append([severity, found.file, found.sheet or "", found.row or "",
                     found.column or "", found.value or "", message])
    headers = {"zh": ["级别", "文件", "工作表", "行", "列", "值", "说明"],
               "en": ["Level", "File", "Sheet", "Row", "Column", "Value", "Problem"]}
    return render_table([" ".join(headers[code][i] for code in langs) for i in range(7)], rows)


@contextlib.contextmanager
def writing(path: Path | str) -> Iterator[None]:
    """Name ``path`` on an :class:`OSError` that does not (a full disk, ``/dev/full``: the
    error comes from a write or the close, without a file name)."""
    try:
        yield
    except OSError as exc:
        if not exc.filename:
            exc.filename = str(path)
        raise


def write_json(path: Path, payload: Any) -> None:
    # No indentation: with ``indent`` the json module falls back to its pure-Python encoder,
    # four times slower on a large plan (bench/RESULTS.md). One line per file, UTF-8 as is.
    from allocator.outputs import write_text_atomically

    with writing(path):
        write_text_atomically(path, json.dumps(payload, ensure_ascii=False, default=str) + "\n")


def store_path(args: argparse.Namespace) -> Path:
    """The store a command uses: ``--db``, ``$ALLOCATOR_DB`` or the user data directory."""
    from allocator.store import default_path

    given = getattr(args, "db", None)
    return Path(given).expanduser() if given is not None and str(given).strip() else \
        default_path()


def check_outputs(args: argparse.Namespace, outputs: Sequence[tuple[str, Path | None]],
                  inputs: Sequence[tuple[str, Path | None]], *, store: bool = False) -> None:
    """Exit 2 before any work when an output names an input, the store or another output."""
    from allocator.outputs import check_outputs as check

    check(outputs, inputs, [store_path(args)] if store else [])


# -- commands ---------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    check_outputs(args, [("--json", args.json)], [("DEMAND.xlsx", args.demand),
                                                  ("--roster", args.roster)])
    submissions, roster = read_inputs(args, args.year)
    if roster is not None:  # the roster's problems are the submissions' problems too
        submissions.issues = [*submissions.issues, *roster.issues]
    errors, warnings = len(submissions.errors), len(submissions.warnings)
    summary = {
        "file": submissions.file, "sheet": submissions.sheet,
        "header_row": submissions.header_row, "plan_year": submissions.plan_year,
        "rows": len(submissions), "errors": errors, "warnings": warnings,
        "ok": submissions.ok, "input_sha256": submissions.sha256,
        "issues": [i.as_dict() for i in submissions.issues],
    }
    if roster is not None:
        summary["roster"] = {"file": roster.file, "sheet": roster.sheet,
                             "header_row": roster.header_row, "applicants": len(roster),
                             "sha256": roster.sha256}
    if args.json:
        write_json(args.json, summary)
    out = sys.stdout if submissions.ok else sys.stderr
    print(f"文件 File: {submissions.file}   工作表 Sheet: {submissions.sheet or '-'}   "
          f"表头行 Header row: {submissions.header_row or '-'}   "
          f"计划年度 Plan year: {submissions.plan_year or '-'}", file=out)
    print(f"数据行 Rows: {len(submissions)}   错误 Errors: {errors}   提示 Warnings: {warnings}",
          file=out)
    if roster is not None:
        print(f"人员名单 Roster: {roster.file} · {roster.sheet or '-'}   "
              f"人员 Applicants: {len(roster)}", file=out)
    if submissions.issues:
        print("", file=out)
        print(render_issues(submissions.issues, args.lang), file=out)
    if submissions.ok:
        print("\n通过校验。Validation passed." if not warnings else
              "\n通过校验（有提示）。Validation passed with warnings.", file=out)
        return EXIT_OK
    print("\n未通过校验，请改正上述错误后重新导入。Validation failed: correct the errors above.",
          file=out)
    return EXIT_INPUT


def cmd_template(args: argparse.Namespace) -> int:
    from allocator.excel import write_template

    check_outputs(args, [("OUT.xlsx", args.out)], [])
    with writing(args.out):
        write_template(args.out, year=args.year)
    print(f"已写出申报模板 Template written: {args.out}")
    return EXIT_OK


def cmd_sample(args: argparse.Namespace) -> int:
    from allocator.sample import write_sample

    check_outputs(args, [("OUT.xlsx", args.out), ("--roster", args.roster)], [])
    with writing(args.out):
        write_sample(args.out, employers=args.employers, seed=args.seed, year=args.year)
    print(f"已写出样例申报表 Sample written: {args.out} "
          f"({args.employers} 家单位 employers, seed {args.seed}, {args.year})")
    if args.roster is not None:
        from allocator.sample import generate
        from allocator.sample_roster import generate_roster, write_roster_workbook

        people = generate_roster(generate(args.employers, args.seed, args.year), args.seed,
                                 args.year)
        write_roster_workbook(args.roster, people)
        print(f"已写出样例人员名单 Sample roster written: {args.roster} "
              f"({len(people)} 人 applicants)")
    return EXIT_OK


def cmd_apportion(args: argparse.Namespace) -> int:
    from allocator.claims import run_apportion

    output = run_apportion(args.claims, total=args.total, method=args.method,
                           minimum=args.min)
    sys.stdout.write(output.csv)
    for warning in output.warnings:
        print(warning.both(), file=sys.stderr)
    return EXIT_OK


def load_plan_inputs(args: argparse.Namespace, scenario_path: Path | None, *,
                     one_scenario: bool = False):
    """Submissions, scenario and roster (or ``None``) for ``solve``, ``compare`` and
    ``sweep``: errors in the submissions or the scenario raise InputError. ``one_scenario``:
    the roster is screened under this scenario only (``solve``, ``sweep``; see
    :func:`read_and_screen`)."""
    from allocator.scenario import default_scenario, load_scenario

    if scenario_path is not None:
        scenario = load_scenario(scenario_path)
        if getattr(args, "cap", None) is not None:
            scenario = scenario.with_values({"cap.annual": args.cap})
    elif getattr(args, "cap", None) is not None:
        scenario = default_scenario(args.cap)
    else:
        raise UsageError("请给出 --scenario 或 --cap / give --scenario or --cap")
    submissions, roster = read_inputs(args, scenario.scenario.year, scenario.roster,
                                      slim=one_scenario)
    submissions.raise_for_errors()
    return submissions, scenario, roster


def read_inputs(args: argparse.Namespace, plan_year: int | None,
                rules: Any = None, *, slim: bool = False) -> tuple[Any, Any]:
    """The submissions, and the roster of ``--roster FILE`` or of the demand workbook's
    申报人员名单 sheet (docs/columns.md) checked against the demand sheet's employers (``None``
    when there is none). The two workbooks are read side by side (:mod:`allocator.forked`: the
    roster in a forked child where the platform allows, else in a thread), each with its own
    parsing child, so a large roster costs less than read after the demand. With the scenario's
    ``[roster]`` rules and the plan year known, the child screens the roster too, ready for
    :func:`screening_for`; with ``slim`` as well, the roster comes back with the columns the
    command still reads (``row``, ``credit_code``), not the applicants' other columns, which
    the screening has used already (the answer is a third of the size)."""
    from allocator.forked import start
    from allocator.roster import check_employers
    from allocator.submissions import read_submissions

    path = getattr(args, "roster", None)
    pending = start(read_and_screen, args.demand if path is None else path,
                    separate=path is not None, rules=rules, plan_year=plan_year,
                    slim=slim and plan_year is not None)
    try:
        submissions = read_submissions(args.demand, plan_year=plan_year)
    except BaseException:
        pending.cancel()
        raise
    roster, screening = pending.result()
    if roster is not None and len(roster):
        codes = {c for c in submissions.frame["credit_code"].tolist() if c is not None}
        check_employers(roster, codes)
    if roster is not None and screening is not None:
        roster.screened = (rules, plan_year, screening)
    # The inputs (a 100,000-applicant roster is millions of objects) live until the command
    # ends: kept out of the cycle collector's passes, which would otherwise walk them again at
    # every collection the solve, the result and the store trigger (main() unfreezes them).
    gc.freeze()
    return submissions, roster


#: The roster columns a command reads after the screening (check_employers).
SLIM_COLUMNS = ("row", "credit_code")


def read_and_screen(path: Path, *, separate: bool, rules: Any,
                    plan_year: int | None, slim: bool = False) -> tuple[Any, Any]:
    """The roster of ``path`` (:func:`allocator.roster.read_roster`) and, when it has no error
    and ``rules`` are given, its screening under them for ``plan_year`` (``None`` when it
    cannot be made here: :func:`screening_for` then screens, or says why not). With ``slim``
    and the screening made, the roster's frame keeps only :data:`SLIM_COLUMNS`; should it be
    screened again after all, :func:`screening_for` reads it again whole."""
    from allocator.errors import InputError
    from allocator.roster import read_roster
    from allocator.screening import screen

    roster = read_roster(path, separate=separate)
    screening = None
    if rules is not None and roster is not None and not roster.errors:
        with contextlib.suppress(InputError):
            screening = screen(roster, rules, plan_year)
    if slim and screening is not None:
        roster.frame = roster.frame[list(SLIM_COLUMNS)]
        roster.reread_from = (path, separate)
    return roster, screening


def screening_for(roster: Any, submissions: Any, scenario: Any) -> Any:
    """The roster screened under the scenario (Art. 6, 17, 18), or ``None`` without a roster.
    A roster with errors, or a scenario without the figures screening needs, raises."""
    from allocator.screening import screen

    if roster is None:
        return None
    if roster.errors:
        raise InputError(roster.errors)
    made = roster.screened
    if made is not None and made[0] == scenario.roster and made[1] == submissions.plan_year:
        return made[2]  # screened beside the read, under the same rules and year
    if roster.reread_from is not None:  # the applicants' columns were left behind
        from allocator.roster import read_roster

        path, separate = roster.reread_from
        full = read_roster(path, separate=separate)
        assert full is not None and len(full) == len(roster)
        roster = full
    return screen(roster, scenario.roster, submissions.plan_year)


def _lines(messages: Sequence[Any], langs: Sequence[Lang], indent: str = "") -> None:
    for message in messages:
        for code in langs:
            print(f"{indent}{visible(message.get(code), keep=chr(10))}")


def print_plan(plan, lang: Lang | None) -> None:
    """A short report: status, the summary's headline, allocation by sector, notes."""
    from allocator.explain import plan_summary, warning_lines
    from allocator.plan import PlanStatus

    problem = plan.problem
    langs: tuple[Lang, ...] = (lang,) if lang else ("zh", "en")
    status = text(f"workbook.status.{plan.status.value}")
    print(f"方案 Scenario: {visible(problem.scenario.scenario.name)}   "
          f"方法 Method: {problem.method.value}"
          f"   状态 Status: {' '.join(status.get(code) for code in langs)}")
    if plan.status is PlanStatus.INFEASIBLE:
        print("\n冲突的规则 Conflicting rules:")
        _lines([conflict.message for conflict in plan.conflicts], langs, "  - ")
        _print_warnings(warning_lines(plan, surplus=False), langs)
        return
    summary = plan_summary(plan)
    print()
    _lines(summary.lines, langs)
    rows = [[" ".join(r[f"label_{code}"] for code in langs), r["employers"], r["requested"],
             r["eligible"], r["allocated"], _percent(r["fill_eligible"])]
            for _, r in summary.by_sector.iterrows()]
    print()
    print(render_table(["重点产业 Sector", "单位 Employers", "申报 Requested", "合格 Eligible",
                        "分配 Allocated", "满足率 Fill (of eligible)"], rows))
    _print_warnings([w for w in warning_lines(plan) if w not in summary.lines], langs)
    if plan.solver is not None:
        print(f"\n求解器 Solver: {plan.solver.name} {plan.solver.version} "
              f"{plan.solver.status} {plan.solver.wall_s:.3f}s")


def _print_warnings(warnings: Sequence[Any], langs: Sequence[Lang]) -> None:
    """The plan's warnings, each naming its row and employer (docs/result.md)."""
    if warnings:
        print(f"\n提示 Warnings: {len(warnings)}")
        _lines(warnings, langs, "  * ")


def _percent(value: Any) -> str:
    return "-" if value is None or value != value else f"{float(value) * 100:.1f}%"


def record_run(args: argparse.Namespace, submissions: Any, scenario: Any, plan: Any,
               result: dict[str, Any]) -> int | None:
    """Keep the run in the store (issue #6): ``--db``, ``$ALLOCATOR_DB`` or the default file."""
    from allocator.store import Store

    by = getattr(args, "by", None)
    with Store.open(getattr(args, "db", None), by=by) as store:
        return store.record_run(submissions, scenario, plan, result, by=by)


#: allocator.excel.plan.EXPLANATIONS (not imported: the workbook code loads openpyxl).
EXPLANATIONS = ("sheet", "appendix", "none")
EXPLANATIONS_HELP = ("分配说明（逐家说明每个数字的来历）：sheet＝收入工作簿供屏幕查阅、"
                     "不随方案打印（默认）；appendix＝另作附件打印；none＝不收入（结果 JSON 仍有）"
                     "/ the per-employer "
                     "explanations: sheet = in the workbook, on screen, not printed (default); "
                     "appendix = printed as an appendix too; none = left out (the result JSON "
                     "keeps them)")


def cmd_solve(args: argparse.Namespace) -> int:
    from allocator.model import SolveOptions, solve
    from allocator.plan import PlanStatus, plan_json
    from allocator.policy import build_problem
    from allocator.sweep import marginal, marginal_json

    check_outputs(args, [("--out", args.out), ("--json", args.json)],
                  [("DEMAND.xlsx", args.demand), ("--scenario", args.scenario),
                   ("--roster", args.roster)], store=True)
    from allocator.store import Store

    # A store that cannot take the run (read-only, empty, damaged, foreign) is refused now,
    # before the solve and before any output is written.
    Store.open(getattr(args, "db", None), by=getattr(args, "by", None)).close()
    submissions, scenario, roster = load_plan_inputs(args, args.scenario, one_scenario=True)
    problem = build_problem(submissions, scenario, screening_for(roster, submissions, scenario))
    plan = solve(problem, SolveOptions(workers=args.workers, time_limit_s=args.time_limit))
    result = plan_json(plan)
    next_permit = marginal(submissions, scenario, plan.allocation, problem, plan.seat_order)
    result["marginal"] = marginal_json(next_permit, problem)
    run_id = record_run(args, submissions, scenario, plan, result)
    if run_id is not None:
        result["run_id"] = run_id
    if args.json:
        write_json(args.json, result)
    if args.out and plan.status is not PlanStatus.INFEASIBLE:
        from allocator.excel import write_plan_workbook

        curve = None
        if args.curve:
            from allocator.sweep import Oracle, default_caps, smallest_feasible_cap, sweep

            least = smallest_feasible_cap(Oracle(submissions, scenario,
                                                 problem.screening)).cap
            curve = sweep(submissions, scenario, default_caps(problem, least), problem=problem)
        with writing(args.out):
            write_plan_workbook(plan, args.out, curve=curve, lang=args.lang or "zh",
                                explanations=args.explanations)
    print_plan(plan, args.lang)
    if next_permit is not None:
        print()
        say(next_permit.message, args.lang)
    if run_id is not None:
        print()
        say(text("store.run_recorded", run=run_id), args.lang)
    return EXIT_INFEASIBLE if plan.status is PlanStatus.INFEASIBLE else EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    """Solve every scenario on the same submissions and compare the plans.

    Scenarios that cannot be met are reported with their conflicting rules and left out of the
    tables; the exit code is 3 only when no scenario can be met (0 otherwise).
    """
    from allocator.compare import (
        compare_plans,
        comparison_json,
        infeasible_json,
        unique_names,
    )
    from allocator.excel import write_comparison_workbook
    from allocator.model import SolveOptions, solve
    from allocator.policy import build_problem
    from allocator.scenario import load_scenario

    if len(args.scenarios) < 2:
        raise UsageError("请给出至少两个方案文件 / give at least two scenario files")
    check_outputs(args, [("--out", args.out), ("--json", args.json)],
                  [("DEMAND.xlsx", args.demand), *(("S.toml", path) for path in args.scenarios),
                   ("--roster", args.roster)])
    scenarios, issues = [], []
    for path in args.scenarios:
        try:
            scenario = load_scenario(path)
        except InputError as exc:
            issues += exc.issues
            continue
        if args.cap is not None:
            scenario = scenario.with_values({"cap.annual": args.cap})
        scenarios.append(scenario)
    if issues:
        raise InputError(issues)
    submissions, _, roster = load_plan_inputs(args, args.scenarios[0])
    options = SolveOptions(workers=args.workers, time_limit_s=args.time_limit)
    plans = [solve(build_problem(submissions, scenario,
                                 screening_for(roster, submissions, scenario)), options)
             for scenario in scenarios]
    langs: tuple[Lang, ...] = (args.lang,) if args.lang else ("zh", "en")
    if all(p.allocation is None for p in plans):
        named = list(zip(unique_names([p.problem.scenario.scenario.name for p in plans]),
                         plans, strict=True))
        if args.json:
            write_json(args.json, {"input_sha256": submissions.sha256, "scenarios": [],
                                   "infeasible": infeasible_json(named)})
        _print_infeasible(named, langs)
        print("\n没有可满足的方案。No scenario can be met.", file=sys.stderr)
        return EXIT_INFEASIBLE
    comparison = compare_plans(plans)
    if args.json:
        write_json(args.json, comparison_json(comparison))
    if args.out:
        with writing(args.out):
            write_comparison_workbook(comparison, args.out, lang=args.lang or "zh")
    print_comparison(comparison, langs)
    return EXIT_OK


def _print_infeasible(named: Sequence[tuple[str, Any]], langs: Sequence[Lang]) -> None:
    for name, plan in named:
        print(f"\n方案不可行 Infeasible: {visible(name)}")
        _lines([conflict.message for conflict in plan.conflicts], langs, "  - ")


def print_comparison(comparison: Any, langs: Sequence[Lang], top: int = 10) -> None:
    """Metrics side by side, the parameters that differ, the largest per-employer changes."""
    names = comparison.names
    rows = []
    for key, record in comparison.metrics.iterrows():
        label = " ".join(record[f"label_{code}"] for code in langs)
        rows.append([label, *[_metric(record[n], record["kind"], key, langs) for n in names]])
    print(render_table(["指标 Metric", *names], rows))
    if len(comparison.parameters):
        print(f"\n参数差异 Parameters that differ: {len(comparison.parameters)}")
        rows = [[" ".join(r[f"label_{code}"] for code in langs),
                 *[r[n] if langs[0] == "zh" else r[f"{n}__en"] for n in names]]
                for _, r in comparison.parameters.iterrows()]
        print(render_table(["参数 Parameter", *names], rows))
    differences = comparison.differences
    print(f"\n分配不同的单位 Employers whose allocation differs: {len(differences)}")
    if len(differences):
        rows = [[r["row"], r["name"], *[r[n] for n in names], f"{int(r['spread'])}"]
                for _, r in differences.head(top).iterrows()]
        print(render_table(["行 Row", "单位 Employer", *names, "极差 Range"], rows))
    _print_infeasible(comparison.infeasible, langs)


def _metric(value: Any, kind: str, key: Any, langs: Sequence[Lang]) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if kind == "text":
        return " ".join(value.get(code) for code in langs)
    if kind == "share":
        return _percent(value)
    if key == "divisor":
        return f"{value:.6g}"
    if kind == "number":
        return f"{value:.3f}"
    return str(value)


# -- the store (issue #6): runs, approve, verify, export -------------------------------------
def say(message: Any, lang: Lang | None, file: Any = None) -> None:
    """Print a catalogue :class:`~allocator.i18n.Text` in one language or both."""
    print(message.get(lang) if lang else message.both(), file=file or sys.stdout)


def heading(key: str, lang: Lang | None) -> str:
    label = text(key)
    return label.get(lang) if lang else f"{label.zh} {label.en}"


def cmd_runs(args: argparse.Namespace) -> int:
    from allocator.clock import shown
    from allocator.store import Store

    with Store.open(args.db, writable=False) as store:
        runs = store.runs()
        # Never list a forged or altered approval as if it were sound (issue 12).
        report = store.verify()
    altered = set(report.altered_runs)
    if not runs and report.ok:
        say(text("store.no_runs", path=store.path), args.lang)
        return EXIT_OK
    say(text("store.runs_title", path=store.path, count=len(runs)), args.lang)
    rows = []
    for run in runs:
        approval = run.approval
        state = ""
        if approval is not None:
            state = f"{approval.approver} {shown(approval.approved_at)}"
            if approval.superseded_by is not None:
                mark = text("record.superseded_mark", run=approval.superseded_by)
                state += " " + (mark.get(args.lang) if args.lang else f"{mark.zh} {mark.en}")
        if run.id in altered:
            mark = text("record.altered_mark")
            state = f"{state} {mark.get(args.lang) if args.lang else f'{mark.zh} {mark.en}'}"
        rows.append([run.id, shown(run.created_at), run.created_by,
                     run.scenario_name, heading(f"store.status.{run.status}", args.lang),
                     run.allocated, run.plan_sha256[:12], state])
    columns = ["id", "time", "by", "scenario", "status", "allocated", "plan", "approved_by"]
    print(render_table([heading(f"store.column.{c}", args.lang) for c in columns], rows))
    if not report.ok:
        print_findings(report, args.lang)
        return EXIT_TAMPERED
    return EXIT_OK


def cmd_approve(args: argparse.Namespace) -> int:
    from allocator.clock import shown
    from allocator.store import Store, StoreAltered

    with Store.open(args.db, by=args.by) as store:
        try:
            approval = store.approve(args.run_id, args.by, args.note or "",
                                     supersede=args.supersede, reason=args.reason or "")
        except StoreAltered as altered:
            print_findings(altered.report, args.lang)
            say(text("record.approve_refused", run=args.run_id), args.lang, sys.stderr)
            return EXIT_TAMPERED
    say(text("store.approved", run=approval.run_id, approver=approval.approver,
             at=shown(approval.approved_at)), args.lang)
    if approval.supersedes is not None:
        say(text("record.superseded", old=approval.supersedes, run=approval.run_id,
                 year=approval.plan_year if approval.plan_year is not None else "-"),
            args.lang)
    say(text("store.chain", chain=approval.chain_sha256), args.lang)
    return EXIT_OK


def print_findings(report: Any, lang: Lang | None) -> None:
    say(text("store.verify.failed", count=len(report.findings)), lang, sys.stderr)
    for finding in report.findings:
        print("  - ", end="", file=sys.stderr)
        say(finding.message, lang, sys.stderr)


def cmd_verify(args: argparse.Namespace) -> int:
    from allocator.record import read_chain_head
    from allocator.store import Store

    exported = [read_chain_head(path) for path in args.against or ()]
    with Store.open(args.db, writable=False) as store:
        report = store.verify(resolve=args.resolve)
        if exported:
            report = store.verify_against([(e.file, e.chain_sha256) for e in exported], report)
    if report.ok:
        say(text("store.verify.ok", **report.counts, head=report.chain_head), args.lang)
        for found in exported:
            say(text("record.against_ok", file=found.file, head=found.chain_sha256[:16]),
                args.lang)
        return EXIT_OK
    print_findings(report, args.lang)
    return EXIT_TAMPERED


def cmd_export(args: argparse.Namespace) -> int:
    from allocator.outputs import write_atomically
    from allocator.plan import PlanStatus
    from allocator.store import Store

    check_outputs(args, [("--out", args.out)], [], store=True)
    with Store.open(args.db, by=args.by, writable=False) as store:
        report = store.verify()
        if not report.ok:  # never export from an altered store (docs/record.md)
            print_findings(report, args.lang)
            say(text("record.export_refused", run=args.run_id), args.lang, sys.stderr)
            return EXIT_TAMPERED
        replay = store.replay(args.run_id)
        record = replay.stored.record
        if replay.ortools_changed:
            say(text("store.ortools_changed", stored=record.ortools_version,
                     current=replay.plan.ortools_version), args.lang)
        if not replay.same:
            say(text("store.replay_differs", run=record.id, new=replay.compared_sha256,
                     stored=record.plan_sha256), args.lang, sys.stderr)
            return EXIT_TAMPERED
        if replay.plan.status is PlanStatus.INFEASIBLE:
            say(text("store.export_infeasible", run=record.id), args.lang, sys.stderr)
            return EXIT_INFEASIBLE
        from allocator.excel import write_plan_workbook
        from allocator.store import current_user

        def workbook(temporary: Path) -> None:
            write_plan_workbook(replay.plan, temporary, approval=replay.stored.approval,
                                exported_by=args.by or current_user(), lang=args.lang or "zh",
                                explanations=args.explanations)

        if store.read_only:
            write_atomically(args.out, workbook)
        else:
            write_atomically(args.out, workbook, publish=lambda rename: store.log_export(
                record.id, args.out, by=args.by, before_commit=rename))
    say(text("store.replay_same", plan=record.plan_sha256), args.lang)
    say(text("store.exported", run=record.id, path=args.out), args.lang)
    if store.read_only:
        say(text("record.export_not_logged", path=store.path), args.lang)
    approval = replay.stored.approval
    if approval is None:
        say(text("store.export_unapproved"), args.lang)
    else:
        from allocator.clock import shown

        say(text("store.export_approved", approver=approval.approver,
                 at=shown(approval.approved_at)), args.lang)
        if approval.superseded_by is not None:
            say(text("record.export_superseded", run=record.id, by=approval.superseded_by),
                args.lang)
    return EXIT_OK


def add_store_commands(commands: Any) -> None:
    db_help = ("存储库文件（默认：环境变量 ALLOCATOR_DB 或用户数据目录）/ store file "
               "(default: $ALLOCATOR_DB or the user data directory)")

    runs = commands.add_parser(
        "runs", help="列出已存储的运行 / list stored runs",
        description="列出存储库中的运行：编号、时间、方案、状态、分配数、方案哈希、审批人。List "
                    "the stored runs: id, time, scenario, status, allocated, plan hash, "
                    "approver.")
    runs.add_argument("--db", type=Path, metavar="PATH", help=db_help)
    runs.add_argument("--lang", choices=["zh", "en"], default=None)
    runs.set_defaults(handler=cmd_runs)

    approve = commands.add_parser(
        "approve", help="审批一次运行的方案 / approve a run's plan",
        description="审批后不可修改、不可撤销，并写入审批链。An approval is permanent and is "
                    "linked into the approval chain.")
    approve.add_argument("run_id", type=run_number, metavar="RUN_ID")
    approve.add_argument("--by", required=True, metavar="NAME", help="审批人 / approver")
    approve.add_argument("--note", default="", metavar="TEXT", help="备注 / note")
    approve.add_argument("--supersede", type=run_number, default=None, metavar="RUN",
                         help="取代该年度已审定的运行 RUN（须同时给出 --reason）/ replace the "
                              "plan year's approved run RUN (give --reason too)")
    approve.add_argument("--reason", default="", metavar="TEXT",
                         help="取代的理由 / why the approved plan is replaced")
    approve.add_argument("--db", type=Path, metavar="PATH", help=db_help)
    approve.add_argument("--lang", choices=["zh", "en"], default=None)
    approve.set_defaults(handler=cmd_approve)

    verify = commands.add_parser(
        "verify", help="核验存储库未被改动 / check the store was not altered",
        description="重算全部哈希与审批链；完好时退出码 0，发现改动时列出涉及的运行并退出码 4。"
                    "Recompute every hash and the approval chain: exit 0 when intact, exit 4 "
                    "naming each altered plan.")
    verify.add_argument("--db", type=Path, metavar="PATH", help=db_help)
    verify.add_argument("--against", type=Path, nargs="+", metavar="APPROVED.xlsx",
                        help="核对审定稿上的审批链哈希仍在存储库中 / check that the store still "
                             "holds the approval chain head printed on these approved exports")
    verify.add_argument("--resolve", action="store_true",
                        help="同时重新求解每次运行并比对方案哈希 / also re-solve every run and "
                             "compare plan hashes")
    verify.add_argument("--lang", choices=["zh", "en"], default=None)
    verify.set_defaults(handler=cmd_verify)

    export = commands.add_parser(
        "export", help="重新导出已存储的方案 / re-export a stored plan",
        description="由存储的申报数据和方案重新求解，方案哈希一致才写出工作簿。Re-solve from "
                    "the stored submissions and scenario; the workbook is written only when "
                    "the plan hash matches the stored one (else exit 4).")
    export.add_argument("run_id", type=run_number, metavar="RUN_ID")
    export.add_argument("--out", type=Path, required=True, metavar="PLAN.xlsx",
                        help="分配方案工作簿 / plan workbook")
    export.add_argument("--by", default=None, metavar="NAME",
                        help="操作人（默认：系统用户）/ who exports (default: the OS user)")
    export.add_argument("--db", type=Path, metavar="PATH", help=db_help)
    export.add_argument("--explanations", choices=EXPLANATIONS, default="sheet",
                        help=EXPLANATIONS_HELP)
    export.add_argument("--lang", choices=["zh", "en"], default=None)
    export.set_defaults(handler=cmd_export)


# -- parser -----------------------------------------------------------------------------------
class Parser(argparse.ArgumentParser):
    """argparse with its refusals introduced in both languages (its own words are English)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: 命令行有误 / invalid command line: {message}\n"
                              f"{self.prog} --help 列出全部选项 / lists every option.\n")


ROSTER_HELP = ("人员名单工作簿（第六、十七、十八条审核）；不给时读取申报表中的“申报人员名单”工作表"
               "（如有）/ applicant roster workbook (Art. 6, 17, 18 screening); without it "
               "the demand workbook's 申报人员名单 sheet is read when there is one")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="allocator",
        description="《北京市工作居住证》办证指标分配 — Work Residence Permit quota allocator",
    )
    parser.add_argument("--version", action="version", version=f"allocator {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate", help="校验申报表 / check a demand workbook",
        description="校验申报表，列出全部问题（行、列、值）。Check a demand workbook and list "
                    "every problem with its row, column and value.")
    validate.add_argument("demand", type=Path, metavar="DEMAND.xlsx")
    validate.add_argument("--roster", type=Path, metavar="ROSTER.xlsx",
                        help=ROSTER_HELP)
    validate.add_argument("--json", type=Path, metavar="REPORT.json",
                          help="同时写出 JSON 报告 / also write a JSON report")
    validate.add_argument("--year", type=plan_year, default=None,
                          help="计划年度（默认从标题或申报日期推断）/ "
                               "plan year (default: inferred)")
    validate.add_argument("--lang", choices=["zh", "en"], default=None,
                          help="只用一种语言输出 / print one language only")
    validate.set_defaults(handler=cmd_validate)

    solve = commands.add_parser(
        "solve", help="求解分配方案 / solve the allocation plan",
        description="按方案参数在年度总量内分配指标。Divide the annual cap under a scenario.")
    solve.add_argument("demand", type=Path, metavar="DEMAND.xlsx")
    solve.add_argument("--roster", type=Path, metavar="ROSTER.xlsx",
                        help=ROSTER_HELP)
    solve.add_argument("--scenario", type=Path, metavar="S.toml",
                       help="方案文件；不给时须给 --cap，其余参数取默认值 / scenario file; "
                            "without it give --cap, and every other parameter takes its "
                            "default (docs/scenario.md)")
    solve.add_argument("--cap", type=int, default=None,
                       help="年度总量，覆盖方案中的值 / annual cap, overrides the scenario's")
    solve.add_argument("--json", type=Path, metavar="RESULT.json",
                       help="写出结果 JSON / write the result JSON")
    solve.add_argument("--out", type=Path, metavar="PLAN.xlsx",
                       help="写出分配方案工作簿 / write the plan workbook")
    solve.add_argument("--explanations", choices=EXPLANATIONS, default="sheet",
                       help=EXPLANATIONS_HELP)
    solve.add_argument("--curve", action="store_true",
                       help="在方案工作簿中加一页：各年度总量下的分配（docs/sweep.md）/ "
                            "add a sheet with the plan at every cap to the plan workbook")
    solve.add_argument("--workers", type=whole(1, MAX_WORKERS), default=1,
                       help="求解线程数（结果与线程数无关）/ solver threads (the plan does not "
                            "depend on them)")
    solve.add_argument("--time-limit", type=seconds, default=120.0,
                       help="求解时限（秒）/ solver time limit in seconds")
    solve.add_argument("--lang", choices=["zh", "en"], default=None)
    solve.add_argument("--db", type=Path, metavar="PATH",
                       help="记录本次运行的存储库 / store that records the run (default: "
                            "$ALLOCATOR_DB or the user data directory)")
    solve.add_argument("--by", default=None, metavar="NAME",
                       help="操作人（默认：系统用户）/ who solves (default: the OS user)")
    solve.set_defaults(handler=cmd_solve)

    compare = commands.add_parser(
        "compare", help="比较多个方案 / compare scenarios side by side",
        description="用同一申报表求解每个方案并并列比较：指标、参数差异、各单位差异。不可行的方案"
                    "列出冲突规则、不参与比较；全部不可行时退出码为 3。Solve every scenario on "
                    "the same submissions and compare them: metrics, the parameters that differ, "
                    "per-employer differences. A scenario that cannot be met is reported with "
                    "its conflicting rules and left out; exit 3 only when none can be met.")
    compare.add_argument("demand", type=Path, metavar="DEMAND.xlsx")
    compare.add_argument("--roster", type=Path, metavar="ROSTER.xlsx",
                        help=ROSTER_HELP)
    compare.add_argument("scenarios", type=Path, nargs="+", metavar="S.toml",
                         help="两个或更多方案文件 / two or more scenario files")
    compare.add_argument("--cap", type=int, default=None,
                         help="年度总量，覆盖各方案中的值 / annual cap, overrides every "
                              "scenario's")
    compare.add_argument("--out", type=Path, metavar="COMPARISON.xlsx",
                         help="写出方案比较工作簿 / write the comparison workbook")
    compare.add_argument("--json", type=Path, metavar="COMPARISON.json",
                         help="写出比较结果 JSON / write the comparison as JSON")
    compare.add_argument("--workers", type=whole(1, MAX_WORKERS), default=1,
                         help="求解线程数 / solver threads")
    compare.add_argument("--time-limit", type=seconds, default=120.0,
                         help="每个方案的求解时限（秒）/ time limit per scenario in seconds")
    compare.add_argument("--lang", choices=["zh", "en"], default=None)
    compare.set_defaults(handler=cmd_compare)

    template = commands.add_parser(
        "template", help="写出空白申报模板 / write the blank submission template",
        description="写出发给各单位的申报模板（含填表说明和下拉列表）。Write the submission "
                    "template sent to employers (instructions sheet, drop-down lists).")
    template.add_argument("out", type=Path, metavar="OUT.xlsx")
    template.add_argument("--year", type=int, default=None, metavar="Y",
                          help="计划年度，写入标题（省略则留空待填）/ plan year shown in the "
                               "title (left blank to fill in when omitted)")
    template.set_defaults(handler=cmd_template)

    sample = commands.add_parser(
        "sample", help="生成样例申报数据 / write realistic synthetic submissions",
        description="生成逼真的模拟申报表，同一种子结果相同。Write realistic synthetic "
                    "submissions; the same seed gives the same workbook.")
    sample.add_argument("out", type=Path, metavar="OUT.xlsx")
    sample.add_argument("--employers", type=whole(1, MAX_SAMPLE_EMPLOYERS), default=600,
                        help="单位数 / employers (600)")
    sample.add_argument("--seed", type=whole(0), default=2027,
                        help="随机种子 / random seed (2027)")
    sample.add_argument("--year", type=plan_year, default=2027,
                        help="计划年度 / plan year (2027)")
    sample.add_argument("--roster", type=Path, default=None, metavar="ROSTER.xlsx",
                        help="同时写出与申报数大致相符的样例人员名单（第六条审核用）/ also write "
                             "a synthetic applicant roster behind the demand (for Art. 6 "
                             "screening)")
    sample.set_defaults(handler=cmd_sample)

    apportion = commands.add_parser(
        "apportion", help="按除数法分配席位 / apportion a total among weighted claims",
        description="读取 CSV（name,weight[,min,max]），输出 name,allocation。Read a CSV with "
                    "columns name,weight (optional min, max); print name,allocation in input "
                    "order.")
    apportion.add_argument("claims", type=Path, metavar="CLAIMS.csv")
    apportion.add_argument("--total", type=int, required=True, help="总数 / seats to divide")
    apportion.add_argument("--method", default="sainte-lague",
                           help="sainte-lague (webster) | dhondt (jefferson) | huntington-hill "
                                "(hill) | adams | dean | hamilton")
    apportion.add_argument("--min", type=int, default=0,
                           help="每个申请方的下限 / floor for every claimant (0)")
    apportion.set_defaults(handler=cmd_apportion)
    add_store_commands(commands)
    from allocator.sweep_cli import add_sweep_command

    add_sweep_command(commands)
    return parser


Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from allocator.workbook import assert_safe_xml

    assert_safe_xml()  # issue #8: never parse an outside workbook without defusedxml
    handler: Handler = args.handler
    try:
        return _run(handler, args)
    finally:
        gc.unfreeze()  # the inputs frozen by read_inputs are ordinary objects again


def _run(handler: Handler, args: argparse.Namespace) -> int:
    from allocator.clock import ZoneError
    from allocator.outputs import OutputError
    from allocator.record import RecordError
    from allocator.store import StoreError, TamperedError

    try:
        return handler(args)
    except sqlite3.DatabaseError as exc:  # a store damaged beyond what opening it showed
        say(text("record.damaged_midway", reason=str(exc)), getattr(args, "lang", None),
            sys.stderr)
        return EXIT_TAMPERED
    except (OutputError, ZoneError, RecordError) as exc:
        print("allocator: ", end="", file=sys.stderr)
        say(exc.message, getattr(args, "lang", None), sys.stderr)
        return EXIT_INPUT
    except StoreError as exc:
        print("allocator: ", end="", file=sys.stderr)
        say(exc.message, getattr(args, "lang", None), sys.stderr)
        return EXIT_TAMPERED if isinstance(exc, TamperedError) else EXIT_INPUT
    except InputError as exc:
        print(render_issues(exc.issues, getattr(args, "lang", None)), file=sys.stderr)
        return EXIT_INPUT
    except UsageError as exc:
        print(f"allocator: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # `allocator … | head`: the reader left; not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python quiet at exit
        return EXIT_OK
    except OSError as exc:  # cannot write an output file, disk full, …
        where = exc.filename or "标准输出 standard output"  # every file write names its file
        print(f"allocator: 无法读写文件 cannot read or write a file: {where} "
              f"({exc.strerror or exc})", file=sys.stderr)
        return EXIT_INPUT
