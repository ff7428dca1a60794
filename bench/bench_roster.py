"""Roster screening (issue 14): screening 100,000 applicants, and solve with and without them.

    python bench/bench_roster.py [--applicants 100000] [--repeat 3] [--read]

The demand is the sample generator's (seed 2027, plan 2027) with as many employers as it takes
to list about ``--applicants`` applicants (≈ 5.55 per employer); the roster is
:func:`allocator.sample_roster.generate_roster` behind it; the scenario is the baseline with
the cap at 3 permits per employer. It prints the best of ``--repeat`` wall-clock times:

* ``screen``          — :func:`allocator.screening.screen` on the roster already read (goal
  < 1 s for 100,000);
* ``solve plain``     — build_problem + solve without a roster;
* ``solve screened``  — screen + build_problem + solve with the roster (goal < 1.5 × plain);
* ``read roster`` (with ``--read``) — writing the roster workbook once, then ``read_roster``.

Timings are not asserted anywhere; record them in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from timing import best_of  # bench/timing.py (the script's own folder)

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--read", action="store_true")
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
    for name, seconds in figures.items():
        print(f"{name:16s} {seconds:8.3f} s")
    ratio = figures["solve screened"] / figures["solve plain"]
    print(f"screened / plain  {ratio:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
