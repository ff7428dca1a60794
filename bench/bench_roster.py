"""Roster screening (issue 14): screening 100,000 applicants, and solve with and without them.

    python bench/bench_roster.py [--applicants 100000] [--repeat 3] [--read] [--cli]

The demand is the sample generator's (seed 2027, plan 2027) with as many employers as it takes
to list about ``--applicants`` applicants (≈ 5.55 per employer); the roster is
:func:`allocator.sample_roster.generate_roster` behind it; the scenario is the baseline with
the cap at 3 permits per employer. It prints the best of ``--repeat`` wall-clock times:

* ``screen``          — :func:`allocator.screening.screen` on the roster already read (goal
  < 1 s for 100,000);
* ``solve plain``     — build_problem + solve without a roster;
* ``solve screened``  — screen + build_problem + solve with the roster (goal < 1.5 × plain);
* ``read roster`` (with ``--read``) — writing the roster workbook once, then ``read_roster``;
* ``parts`` (with ``--parts``) — where the roster's CPU seconds go, each part alone in this
  process on the roster workbook of ``--cli``: calamine's parse of the sheet into Python
  values (what the parsing child does), the safety scan of the sheet's XML
  (``_SheetScan``, beside it), the whole ``read_roster`` (both, its own checks and the
  per-cell parse, hash and mask; CPU of its parsing child included) and ``screen``. Their
  sum against the time ``allocator solve`` takes without a roster is the floor the 1.5×
  goal meets on two cores (bench/RESULTS.md);
* ``cli plain`` / ``cli roster`` (with ``--cli``) — the whole ``allocator solve --json`` command,
  in a fresh process, on the sample generator's demand workbook and roster workbook, without
  and with ``--roster`` (goal: with < 1.5 × without); ``cli … cpu``: the same commands' CPU
  seconds, children included (the roster is read in a forked child beside the demand).

Timings are not asserted anywhere; record them in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from timing import best_by_clocks, best_of  # bench/timing.py (the script's own folder)

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--read", action="store_true")
    parser.add_argument("--cli", action="store_true")
    parser.add_argument("--parts", action="store_true")
    args = parser.parse_args()

    from allocator.model import solve
    from allocator.policy import build_problem
    from allocator.roster import read_roster, roster_from_frame
    from allocator.sample import generate
    from allocator.sample_roster import generate_roster, write_roster_workbook
    from allocator.scenario import load_scenario
    from allocator.screening import screen
    from allocator.submissions import Submissions

    employers = max(1, round(args.applicants / 5.55))
    demand = generate(employers, 2027, 2027)
    demand.insert(0, "row", range(2, len(demand) + 2))
    submissions = Submissions(demand.astype({"row": "int64"}), [], "bench.xlsx", "需求申报", 1,
                              2027, "bench")
    people = generate_roster(demand, 2027, 2027)
    roster = roster_from_frame(people, "bench-roster.xlsx", "bench-roster")
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").with_values(
        {"cap.annual": 3 * employers})
    print(f"employers {employers:,}  applicants {len(people):,}  cap {3 * employers:,}")

    screened = screen(roster, scenario.roster, 2027)
    print(f"passed {int(screened.applicants['passed'].sum()):,} "
          f"failed {int((~screened.applicants['passed']).sum()):,}")
    figures = {
        "screen": best_of(args.repeat, lambda: screen(roster, scenario.roster, 2027)),
        "solve plain": best_of(args.repeat,
                               lambda: solve(build_problem(submissions, scenario))),
        "solve screened": best_of(args.repeat, lambda: solve(build_problem(
            submissions, scenario, screen(roster, scenario.roster, 2027)))),
    }
    if args.read:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "roster.xlsx"
            write_roster_workbook(path, people)
            figures["read roster"] = best_of(1, lambda: read_roster(path))
    if args.cli:
        figures.update(cli_figures(employers, args.repeat))
    if args.parts:
        figures.update(part_figures(employers, args.repeat, scenario.roster))
    for name, seconds in figures.items():
        print(f"{name:16s} {seconds:8.3f} s")
    ratio = figures["solve screened"] / figures["solve plain"]
    print(f"screened / plain  {ratio:.2f}")
    if args.cli:
        print(f"cli roster / cli plain  {figures['cli roster'] / figures['cli plain']:.2f}"
              f"  (CPU {figures['cli roster cpu'] / figures['cli plain cpu']:.2f})")
    sys.stdout.flush()


def cli_figures(employers: int, repeat: int) -> dict[str, float]:
    """``allocator solve`` end to end, without and with the roster, each in a new process."""
    import subprocess

    with tempfile.TemporaryDirectory() as folder:
        demand, roster = Path(folder) / "demand.xlsx", Path(folder) / "roster.xlsx"
        scenario = Path(folder) / "s.toml"
        scenario.write_text((ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8"),
                            encoding="utf-8")
        command = [str(Path(sys.executable).parent / "allocator")]  # the installed command
        subprocess.run([*command, "sample", str(demand), "--employers", str(employers),
                        "--roster", str(roster)], check=True, capture_output=True)
        solve = [*command, "solve", str(demand), "--scenario", str(scenario),
                 "--cap", str(3 * employers), "--db", str(Path(folder) / "store.sqlite3"),
                 "--json", str(Path(folder) / "result.json")]
        # Wall time, and CPU seconds of the whole command (its parsing children and forked
        # reader included), which the machine's other work inflates less, from the same runs.
        plain, plain_cpu = best_by_clocks(repeat, lambda: subprocess.run(
            solve, check=True, capture_output=True), time.perf_counter, children_cpu)
        screened, screened_cpu = best_by_clocks(repeat, lambda: subprocess.run(
            [*solve, "--roster", str(roster)], check=True, capture_output=True),
            time.perf_counter, children_cpu)
    return {"cli plain": plain, "cli roster": screened, "cli plain cpu": plain_cpu,
            "cli roster cpu": screened_cpu}


def part_figures(employers: int, repeat: int, rules: object) -> dict[str, float]:
    """CPU seconds of each part of reading and screening the roster workbook (see above)."""
    import subprocess
    import zipfile

    from python_calamine import CalamineWorkbook

    from allocator.roster import SHEET_NAME, read_roster
    from allocator.screening import screen
    from allocator.workbook import _choose_sheet, _Package, _SheetScan

    def calamine(path: Path) -> None:
        book = CalamineWorkbook.from_path(str(path))
        book.get_sheet_by_name(book.sheet_names[0]).to_python()
        book.close()

    def scan(path: Path) -> None:
        with zipfile.ZipFile(path) as archive:
            package = _Package(archive, path.name)
            book = package.structure()
            sheet, _ = _choose_sheet(book, SHEET_NAME, path.name)
            _SheetScan(package, sheet, book, package.verify_shared_strings()).run()

    def own_and_children() -> float:
        return time.process_time() + children_cpu()

    with tempfile.TemporaryDirectory() as folder:
        demand, roster = Path(folder) / "demand.xlsx", Path(folder) / "roster.xlsx"
        command = [str(Path(sys.executable).parent / "allocator")]
        subprocess.run([*command, "sample", str(demand), "--employers", str(employers),
                        "--roster", str(roster)], check=True, capture_output=True)
        read = read_roster(roster)
        assert read is not None and not read.errors
        return {
            "parts calamine cpu": best_of(repeat, lambda: calamine(roster), time.process_time),
            "parts scan cpu": best_of(repeat, lambda: scan(roster), time.process_time),
            "parts read cpu": best_of(repeat, lambda: read_roster(roster), own_and_children),
            "parts screen cpu": best_of(repeat, lambda: screen(read, rules, 2027),
                                        time.process_time),
        }


def children_cpu() -> float:
    """User and system seconds of this process's finished children so far."""
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


if __name__ == "__main__":
    main()
