"""The plan workbook's speed (issue 15).

``python bench/bench_documents.py`` (about a minute at 10,000 employers once the demand workbook
is cached; ``--employers 10000 100000`` adds the large district, several minutes) prints:

1. per size, the explanations alone (both languages, and the document's one language, which
   is what the workbook renders) and the whole ``write_plan_workbook`` (explanations
   included), best of ``--repeat`` (once above 20,000 employers);
2. the detail table (one row per employer, 14 styled columns) written four ways: openpyxl as
   the workbook did before (a cell object per value), openpyxl's write-only mode, XlsxWriter
   with ``constant_memory`` (when installed; not a dependency) and :func:`bulk_rows`, the way
   the plan is written now;
3. ``allocator solve DEMAND --out PLAN.xlsx`` (a fresh process: reading, solving, the store and
   the workbook) beside a plain ``pandas.read_excel(DEMAND, engine="openpyxl")`` of the same
   workbook, in one run, and their ratio (goal: at most 1.5).

The demand workbooks are bench.py's (sample generator, seed 2027, cached under
``$TMPDIR/allocator-bench``); the scenario is the baseline with 3 permits per employer.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from timing import best_of  # bench/timing.py

from bench import ROOT, cap_for, scenarios, workbook  # bench/bench.py

COLUMNS = 14


def detail_rows(plan: Any) -> list[list[Any]]:
    """The detail sheet's values, as the plan workbook writes them."""
    frame = plan.problem.employers
    allocation = [int(x) for x in plan.allocation]
    return [[int(r.row), r.credit_code, r.name, r.sector, r.unit_type,
             "是" if r.top100 else "否",
             int(r.requested), int(r.eligible), int(r.guaranteed), int(r.upper),
             float(r.weight), float(r.claim), allocation[i],
             allocation[i] / int(r.requested) if int(r.requested) else None]
            for i, r in enumerate(frame.itertuples(index=False))]


def table_writers(rows: list[list[Any]], folder: Path) -> dict[str, Any]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from allocator.excel import styles

    formats = ["0", None, None, None, None, None, *["#,##0"] * 4, "0.0###", "#,##0.0###",
               "#,##0", "0.0%"]
    wraps = [False, False, True, False, True, *[False] * 9]
    widths = [6, 20, 44, 10, 16, 6, 7, 7, 7, 7, 7, 9, 7, 8]

    def openpyxl_cells() -> None:
        book = styles.new_workbook()
        sheet = book.active
        for offset, values in enumerate(rows):
            styles.write_row(sheet, 3 + offset, values, formats, wraps, widths, 1,
                             styles.PLAN_FONT, None)
        styles.save_workbook(book, folder / "cells.xlsx")

    def openpyxl_write_only() -> None:
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        prototypes = []
        for index in range(COLUMNS):
            cell = WriteOnlyCell(sheet)
            cell.font, cell.border = styles.PLAN_FONT, styles.BORDER
            cell.alignment = styles.NUMBER_ALIGNMENT if formats[index] else styles.WRAP
            if formats[index]:
                cell.number_format = formats[index]
            prototypes.append(cell)
        for values in rows:
            line = []
            for index, value in enumerate(values):
                cell = WriteOnlyCell(sheet, value=value)
                cell._style = prototypes[index]._style
                line.append(cell)
            sheet.append(line)
        book.save(folder / "write_only.xlsx")

    def xlsxwriter_constant_memory() -> None:
        import xlsxwriter

        book = xlsxwriter.Workbook(folder / "xlsxwriter.xlsx", {"constant_memory": True})
        sheet = book.add_worksheet()
        cell_formats = [book.add_format({"font_name": styles.FONT_NAME, "font_size": 10,
                                         "border": 1, "num_format": f or "@",
                                         "text_wrap": not f}) for f in formats]
        for offset, values in enumerate(rows):
            for index, value in enumerate(values):
                sheet.write(offset + 2, index, value, cell_formats[index])
        book.close()

    def bulk() -> None:
        book = styles.new_workbook()
        styles.bulk_rows(book.active, 3, rows, formats, wraps, widths, font=styles.PLAN_FONT)
        styles.save_workbook(book, folder / "bulk.xlsx")

    out: dict[str, Any] = {"openpyxl, a cell object per value (before)": openpyxl_cells,
                           "openpyxl write-only mode": openpyxl_write_only}
    try:
        import xlsxwriter  # noqa: F401
        out["XlsxWriter constant_memory"] = xlsxwriter_constant_memory
    except ImportError:
        out["XlsxWriter constant_memory (not installed)"] = None
    out["bulk_rows (now)"] = bulk
    return out


def solve_out_beside_read_excel(demand: Path, size: int, folder: Path, repeat: int) -> None:
    import pandas as pd

    command = [sys.executable, "-m", "allocator", "solve", str(demand),
               "--scenario", str(ROOT / "scenarios" / "baseline.toml"),
               "--cap", str(cap_for(size)), "--out", str(folder / "out.xlsx"),
               "--db", str(folder / "store.sqlite3")]
    started = time.perf_counter()
    solved = best_of(repeat, lambda: subprocess.run(command, check=True, capture_output=True))
    read = best_of(repeat, lambda: pd.read_excel(demand, engine="openpyxl"))
    print(f"  allocator solve --out (a process)  {solved:7.2f} s")
    print(f"  pandas.read_excel (openpyxl)       {read:7.2f} s")
    print(f"  ratio                              {solved / read:7.2f}   "
          f"({time.perf_counter() - started:.0f} s for both)")


def one_size(size: int, first: bool, folder: Path, args: argparse.Namespace) -> None:
    from allocator.excel import write_plan_workbook
    from allocator.explain import explain_plan
    from allocator.model import solve
    from allocator.policy import build_problem
    from allocator.submissions import read_submissions

    demand = workbook(size, args.cache)
    baseline = scenarios(cap_for(size))["baseline"]
    plan = solve(build_problem(read_submissions(demand), baseline))
    print(f"\n{size:,} employers")
    repeat = args.repeat if size <= 20_000 else 1
    explained = best_of(repeat, lambda: explain_plan(plan))
    print(f"  explanations, both languages       {explained:7.2f} s")
    explained = best_of(repeat, lambda: explain_plan(plan, "zh"))
    print(f"  explanations, Chinese only (used)  {explained:7.2f} s")
    seconds = best_of(repeat, lambda: write_plan_workbook(plan, folder / "plan.xlsx"))
    cpu = best_of(repeat, lambda: write_plan_workbook(plan, folder / "plan.xlsx"),
                  time.process_time)
    print(f"  write_plan_workbook (all of it)    {seconds:7.2f} s   (CPU time {cpu:.2f} s)")
    if not first:
        return
    rows = detail_rows(plan)
    print(f"  the detail table alone ({len(rows):,} rows × {COLUMNS} columns):")
    for name, writer in table_writers(rows, folder).items():
        if writer is None:
            print(f"    {name}")
            continue
        print(f"    {name:<44} {best_of(repeat, writer):7.2f} s")
    solve_out_beside_read_excel(demand, size, folder, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", "--employers", type=int, nargs="+", default=[10_000],
                        help="employers per district, e.g. --employers 10000 100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "allocator-bench")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        for index, size in enumerate(args.sizes):
            one_size(size, index == 0, Path(scratch), args)


if __name__ == "__main__":
    main()
