"""``allocator sweep`` (README): the plan at every cap of a range, and the inverse questions.

Kept beside :mod:`allocator.cli` (which only registers it) so that the command reads in one
place: options, the output check, the table, the answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from allocator.i18n import Lang
from allocator.schema import SECTORS

#: More caps than this is a mistake (the table and the JSON would hold millions of numbers).
MAX_CAPS = 5_000


def caps_option(value: str) -> tuple[int, int, int]:
    from allocator.sweep import parse_caps

    try:
        start, stop, step = parse_caps(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"应为 FROM:TO:STEP，如 0:3000:100 / expected FROM:TO:STEP such as 0:3000:100, "
            f"FROM ≤ TO, STEP ≥ 1: {value!r}") from None
    if (stop - start) // step + 1 > MAX_CAPS:
        raise argparse.ArgumentTypeError(
            f"最多 {MAX_CAPS} 个总量 / at most {MAX_CAPS} caps: {value!r}")
    return start, stop, step


def rate_option(value: str) -> Fraction:
    """A fill rate: ``80%`` or ``0.8``, above 0 and at most 100 %."""
    text = value.strip()
    try:
        rate = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        rate = Fraction(-1)
    if not 0 < rate <= 1:
        raise argparse.ArgumentTypeError(
            f"满足率应在 0 与 100% 之间，如 80% 或 0.8 / a fill rate between 0 and 100 %, "
            f"such as 80% or 0.8: {value!r}")
    return rate


def sector_rate_option(value: str) -> tuple[str, Fraction]:
    """``SECTOR=RATE``: the sector by code, Chinese or English name."""
    name, _, rate = value.partition("=")
    wanted = name.strip().casefold()
    for choice in SECTORS:
        if wanted in {choice.code, choice.zh.casefold(), choice.en.casefold(),
                      *(a.casefold() for a in choice.aliases)}:
            return choice.code, rate_option(rate)
    names = ", ".join(f"{c.code} ({c.zh})" for c in SECTORS)
    raise argparse.ArgumentTypeError(
        f"应为 产业=满足率，产业为 {names} / expected SECTOR=RATE with SECTOR one of "
        f"{names}: {value!r}")


def add_sweep_command(commands: Any) -> None:
    sweep = commands.add_parser(
        "sweep", help="总量敏感性：每个年度总量下的方案 / the plan at every cap",
        description="在一段年度总量上逐一给出分配方案（每一点与 solve --cap 相同）、各产业合计与"
                    "满足率，并回答反向问题：满足全部保障和保底的最小总量、达到某满足率所需的总量、"
                    "某单位得到全部合格需求的总量。Give the plan at every cap of a range (each "
                    "point identical to solve --cap), sector totals and fill rates, and answer "
                    "the inverse questions: the smallest cap that meets every guarantee and "
                    "floor, the cap a fill rate needs, the cap at which an employer receives "
                    "its whole eligible demand (docs/sweep.md).")
    sweep.add_argument("demand", type=Path, metavar="DEMAND.xlsx")
    sweep.add_argument("--roster", type=Path, metavar="ROSTER.xlsx",
                       help="人员名单工作簿（第六、十七、十八条审核，每个总量下相同）/ applicant "
                            "roster workbook (Art. 6, 17, 18 screening, the same at every cap)")
    sweep.add_argument("--scenario", type=Path, metavar="S.toml", required=True,
                       help="方案文件 / scenario file")
    sweep.add_argument("--caps", type=caps_option, metavar="FROM:TO:STEP", default=None,
                       help="年度总量从 FROM 到 TO（TO 在步长上时包含），步长 STEP；"
                            "默认从满足全部保障和保底的最小总量到满足全部合格需求的总量，"
                            "约 20 步，含方案自身的总量 / "
                            "caps from FROM to TO (TO included when the steps reach it) by STEP; "
                            "default: from the smallest feasible cap to the cap that meets all "
                            "eligible demand in about 20 steps, with the scenario's own cap")
    sweep.add_argument("--out", type=Path, metavar="SWEEP.xlsx",
                       help="写出敏感性工作簿 / write the sweep workbook")
    sweep.add_argument("--json", type=Path, metavar="SWEEP.json",
                       help="写出 JSON / write the sweep as JSON")
    sweep.add_argument("--fill", type=rate_option, action="append", default=[],
                       metavar="RATE",
                       help="所需总量：全部单位达到此满足率（如 80%%）/ the cap at which all "
                            "employers together reach this fill rate (e.g. 80%%)")
    sweep.add_argument("--sector-fill", type=sector_rate_option, action="append", default=[],
                       metavar="SECTOR=RATE",
                       help="所需总量：某产业达到此满足率（如 finance=90%%）/ the cap at which a "
                            "sector reaches this fill rate (e.g. finance=90%%)")
    sweep.add_argument("--of", choices=["eligible", "requested"], default="eligible",
                       help="满足率的分母：合格需求（默认）或申报需求 / fill rate of the eligible "
                            "(default) or of the requested demand")
    sweep.add_argument("--employer", action="append", default=[], metavar="CREDIT_CODE",
                       help="所需总量：该单位得到全部合格需求 / the cap at which this employer "
                            "receives its whole eligible demand")
    sweep.add_argument("--lang", choices=["zh", "en"], default=None)
    sweep.set_defaults(handler=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from allocator.cli import (
        EXIT_INFEASIBLE,
        EXIT_OK,
        UsageError,
        check_outputs,
        load_plan_inputs,
        screening_for,
    )
    from allocator.outputs import write_text_atomically
    from allocator.sweep import (
        Oracle,
        cap_for_employer,
        cap_for_fill,
        default_caps,
        smallest_feasible_cap,
        sweep,
        sweep_json,
    )

    check_outputs(args, [("--out", args.out), ("--json", args.json)],
                  [("DEMAND.xlsx", args.demand), ("--scenario", args.scenario),
                   ("--roster", args.roster)], store=True)
    submissions, scenario, roster = load_plan_inputs(args, args.scenario, one_scenario=True)
    oracle = Oracle(submissions, scenario, screening_for(roster, submissions, scenario))
    problem = oracle.problem
    feasible = smallest_feasible_cap(oracle)
    if args.caps is None:
        caps = default_caps(problem, feasible.cap)
    else:
        start, stop, step = args.caps
        caps = list(range(start, stop + 1, step))
    if caps[0] < problem.reserve:
        raise UsageError(f"年度总量不能低于预留指标 {problem.reserve} 个 / a cap cannot be below "
                         f"the reserve of {problem.reserve}: --caps starts at {caps[0]}")
    codes = set(problem.employers["credit_code"])
    unknown = [c for c in args.employer if c not in codes]
    if unknown:
        raise UsageError("申报表中没有这些统一社会信用代码 / no employer with these credit "
                         f"codes in {args.demand.name}: {', '.join(unknown)}")
    result = sweep(submissions, scenario, caps, screening=oracle.screening)
    answers = [feasible]
    answers += [cap_for_fill(oracle, rate, of=args.of) for rate in args.fill]
    answers += [cap_for_fill(oracle, rate, sector, of=args.of)
                for sector, rate in args.sector_fill]
    answers += [cap_for_employer(oracle, code) for code in args.employer]
    data = sweep_json(result, answers)
    if args.json:
        payload = json.dumps(data, ensure_ascii=False) + "\n"
        write_text_atomically(args.json, payload)
    if args.out:
        from allocator.excel.sweep import write_sweep_workbook

        write_sweep_workbook(result, answers, args.out, lang=args.lang or "zh")  # atomic
    print_sweep(data, args.lang)
    met = any(status == "optimal" for status in data["status"])
    return EXIT_OK if met else EXIT_INFEASIBLE


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def print_sweep(data: dict[str, Any], lang: Lang | None) -> None:
    from allocator.cli import render_table

    langs: tuple[Lang, ...] = (lang,) if lang else ("zh", "en")
    print(f"方案 Scenario: {data['scenario']['name']}   方法 Method: {data['method']}   "
          f"预留 Reserve: {data['reserve']}   算法 Path: {data['path']}")
    sectors = [c for c in SECTORS if data["by_sector"][c.code]["eligible"]]
    headers = ["总量 Cap", "分配 Allocated", "未分配 Unallocated", "满足率 Fill (eligible)",
               *(f"{c.zh} {c.en}" for c in sectors), "除数区间 Divisor interval"]
    rows = []
    for i, cap in enumerate(data["caps"]):
        if data["status"][i] != "optimal":
            rows.append([f"{cap:,}", "不可行 infeasible", "-", "-", *("-" for _ in sectors),
                         "-"])
            continue
        interval = data["divisor_interval"][i]
        shown = "-" if interval is None else f"({interval[0]}, {interval[1] or '∞'})"
        rows.append([f"{cap:,}", f"{data['allocated'][i]:,}", f"{data['unallocated'][i]:,}",
                     _percent(data["fill_eligible"][i]),
                     *(f"{data['by_sector'][c.code]['allocated'][i]:,}" for c in sectors),
                     shown])
    print()
    print(render_table(headers, rows))
    print()
    for answer in data["answers"]:
        for code in langs:
            print(f"  - {answer[code]}")
    sys.stdout.flush()
