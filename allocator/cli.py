"""The ``allocator`` command line (DESIGN §5): a thin shell over the library.

Exit codes: 0 success; 2 invalid input or usage (message on stderr naming file, sheet, row and
column); 3 scenario infeasible; 4 a stored plan was altered; 1 only for a bug. Bad input never
shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from allocator import __version__
from allocator.errors import InputError, Issue
from allocator.i18n import Lang, text

EXIT_OK, EXIT_BUG, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_TAMPERED = 0, 1, 2, 3, 4


class UsageError(Exception):
    """A usage problem found after argument parsing (exit 2)."""


def display_width(value: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def pad(value: str, width: int) -> str:
    return value + " " * max(0, width - display_width(value))


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table that lines up Chinese and Latin text alike."""
    cells = [[str(h) for h in headers], *[["" if v is None else str(v) for v in r] for r in rows]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_issues(issues: Sequence[Issue], lang: Lang | None) -> str:
    """Problems as a table: severity, sheet, row, column, value, message (one or both languages)."""
    langs: tuple[Lang, ...] = (lang,) if lang else ("zh", "en")
    rows = []
    for found in issues:
        message = " / ".join(found.message.get(code) for code in langs)
        label = text(f"severity.{found.severity.value}")
        severity = " ".join(label.get(code) for code in langs)
        rows.append([severity, found.sheet or "", found.row or "", found.column or "",
                     found.value or "", message])
    headers = {"zh": ["级别", "工作表", "行", "列", "值", "说明"],
               "en": ["Level", "Sheet", "Row", "Column", "Value", "Problem"]}
    return render_table([" ".join(headers[code][i] for code in langs) for i in range(6)], rows)


def write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n",
                    encoding="utf-8")


# -- commands ---------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    from allocator.submissions import read_submissions

    submissions = read_submissions(args.demand, plan_year=args.year)
    errors, warnings = len(submissions.errors), len(submissions.warnings)
    summary = {
        "file": submissions.file, "sheet": submissions.sheet,
        "header_row": submissions.header_row, "plan_year": submissions.plan_year,
        "rows": len(submissions), "errors": errors, "warnings": warnings,
        "ok": submissions.ok, "input_sha256": submissions.sha256,
        "issues": [i.as_dict() for i in submissions.issues],
    }
    if args.json:
        write_json(args.json, summary)
    out = sys.stdout if submissions.ok else sys.stderr
    print(f"文件 File: {submissions.file}   工作表 Sheet: {submissions.sheet or '-'}   "
          f"表头行 Header row: {submissions.header_row or '-'}   "
          f"计划年度 Plan year: {submissions.plan_year or '-'}", file=out)
    print(f"数据行 Rows: {len(submissions)}   错误 Errors: {errors}   提示 Warnings: {warnings}",
          file=out)
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

    write_template(args.out)
    print(f"已写出申报模板 Template written: {args.out}")
    return EXIT_OK


def cmd_sample(args: argparse.Namespace) -> int:
    from allocator.sample import write_sample

    if args.employers < 1:
        raise UsageError("--employers 须为正整数 / must be a positive whole number")
    write_sample(args.out, employers=args.employers, seed=args.seed, year=args.year)
    print(f"已写出样例申报表 Sample written: {args.out} "
          f"({args.employers} 家单位 employers, seed {args.seed}, {args.year})")
    return EXIT_OK


def cmd_apportion(args: argparse.Namespace) -> int:
    from allocator.claims import run_apportion

    output = run_apportion(args.claims, total=args.total, method=args.method,
                           minimum=args.min)
    sys.stdout.write(output.csv)
    for warning in output.warnings:
        print(warning.both(), file=sys.stderr)
    return EXIT_OK


# -- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    validate.add_argument("--json", type=Path, metavar="REPORT.json",
                          help="同时写出 JSON 报告 / also write a JSON report")
    validate.add_argument("--year", type=int, default=None,
                          help="计划年度（默认从标题或申报日期推断）/ "
                               "plan year (default: inferred)")
    validate.add_argument("--lang", choices=["zh", "en"], default=None,
                          help="只用一种语言输出 / print one language only")
    validate.set_defaults(handler=cmd_validate)

    template = commands.add_parser(
        "template", help="写出空白申报模板 / write the blank submission template",
        description="写出发给各单位的申报模板（含填表说明和下拉列表）。Write the submission "
                    "template sent to employers (instructions sheet, drop-down lists).")
    template.add_argument("out", type=Path, metavar="OUT.xlsx")
    template.set_defaults(handler=cmd_template)

    sample = commands.add_parser(
        "sample", help="生成样例申报数据 / write realistic synthetic submissions",
        description="生成逼真的模拟申报表，同一种子结果相同。Write realistic synthetic "
                    "submissions; the same seed gives the same workbook.")
    sample.add_argument("out", type=Path, metavar="OUT.xlsx")
    sample.add_argument("--employers", type=int, default=600, help="单位数 / employers (600)")
    sample.add_argument("--seed", type=int, default=2027, help="随机种子 / random seed (2027)")
    sample.add_argument("--year", type=int, default=2027, help="计划年度 / plan year (2027)")
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
    return parser


Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except InputError as exc:
        print(render_issues(exc.issues, getattr(args, "lang", None)), file=sys.stderr)
        return EXIT_INPUT
    except UsageError as exc:
        print(f"allocator: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:  # cannot write an output file, disk full, …
        print(f"allocator: 无法读写文件 cannot read or write a file: {exc.filename or ''} "
              f"({exc.strerror or exc})", file=sys.stderr)
        return EXIT_INPUT
