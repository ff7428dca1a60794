"""Reading a demand workbook: the fast reader (issue #7) against the openpyxl one it replaced.

    python bench/bench_read.py [--sizes 1000 10000 100000] [--dir DIR] [--repeat 3]
                               [--writer allocator|xlsxwriter] [--submissions]

For each size, a workbook of that many employers is made once (``allocator sample OUT
--employers N`` by default, cached in ``DIR``) and read by

* ``pandas``   — ``pandas.read_excel(path, engine="openpyxl")``, the reference of issue #7;
* ``openpyxl`` — the former ``read_grid`` (openpyxl read-only, values and data types);
* ``new``      — ``allocator.workbook.read_grid`` (calamine in a child process, with the scan);
* ``submissions`` (with ``--submissions``) — ``read_submissions``: the new read plus parsing and
  validating every cell.

It prints the best of ``--repeat`` wall-clock times in seconds. ``--writer xlsxwriter`` writes
the same generated rows with xlsxwriter (shared strings, as Excel does) — much faster to make
at 100,000 employers than ``allocator sample``. Timings are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from timing import best_of  # bench/timing.py (the script's own folder)

#: ``allocator sample`` never finishes above ~65,000 employers: its unique names come from a
#: finite pool per kind of employer (allocator/sample.py). Larger frames repeat 50,000
#: generated employers with fresh, valid credit codes.
SAMPLE_LIMIT = 60_000


def frame_of(employers: int):
    import pandas as pd

    from allocator import credit_code
    from allocator.sample import generate

    if employers <= SAMPLE_LIMIT:
        return generate(employers=employers, seed=2027, year=2027)
    block = generate(employers=50_000, seed=2027, year=2027)
    frame = pd.concat([block] * (employers // 50_000 + 1), ignore_index=True).iloc[:employers]
    frame = frame.copy()
    frame["credit_code"] = [credit_code.complete(f"91110101{i:08d}0") for i in range(employers)]
    return frame


def make(path: Path, employers: int, writer: str) -> None:
    if path.exists():
        return
    if writer == "allocator":
        if employers <= SAMPLE_LIMIT:
            subprocess.run([sys.executable, "-m", "allocator", "sample", str(path),
                            "--employers", str(employers)], check=True,
                           stdout=subprocess.DEVNULL)
        else:
            from allocator.excel import write_demand_workbook

            write_demand_workbook(path, frame_of(employers), year=2027)
        return
    import xlsxwriter

    from allocator.excel import demand_title, render
    from allocator.schema import COLUMNS

    frame = frame_of(employers)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("需求申报")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write(0, 0, demand_title(2027))
    for column, spec in enumerate(COLUMNS):
        sheet.write(1, column, spec.zh)
    for row, record in enumerate(frame.itertuples(index=False), start=2):
        for column, (spec, value) in enumerate(zip(COLUMNS, record, strict=False)):
            shown = render(spec, value)
            if shown is None:
                continue
            if hasattr(shown, "year"):
                sheet.write_datetime(row, column, shown, dates)
            else:
                sheet.write(row, column, shown)
    book.close()


def openpyxl_read_grid(path: Path) -> int:
    """The former reader: openpyxl read-only, every cell's value and data type."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        try:
            rows = 0
            for cells in book["需求申报"].iter_rows():
                values = tuple(c.value for c in cells)
                kinds = [getattr(c, "data_type", "n") for c in cells]
                rows += bool(values) or bool(kinds)
        finally:
            book.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "bench-read")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--writer", choices=["allocator", "xlsxwriter"], default="allocator")
    parser.add_argument("--submissions", action="store_true")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)

    import pandas as pd

    from allocator.submissions import read_submissions
    from allocator.workbook import read_grid

    columns = ["employers", "MB", "pandas", "openpyxl", "new", "new/pandas"]
    if args.submissions:
        columns.append("submissions")
    print("  ".join(f"{c:>11}" for c in columns))
    for size in args.sizes:
        path = args.dir / f"demand-{size}-{args.writer}.xlsx"
        make(path, size, args.writer)
        repeat = 1 if size >= 100_000 else args.repeat
        grid, issues = read_grid(path, "需求申报")
        assert grid is not None, issues
        pandas = best_of(repeat, lambda p=path: pd.read_excel(p, engine="openpyxl"))
        old = best_of(repeat, lambda p=path: openpyxl_read_grid(p))
        new = best_of(repeat, lambda p=path: read_grid(p, "需求申报"))
        row = [f"{size:>11,}", f"{path.stat().st_size / 2**20:11.1f}", f"{pandas:11.2f}",
               f"{old:11.2f}", f"{new:11.2f}", f"{new / pandas:11.1%}"]
        if args.submissions:
            row.append(f"{best_of(repeat, lambda p=path: read_submissions(p)):11.2f}")
        print("  ".join(row), flush=True)


if __name__ == "__main__":
    main()
