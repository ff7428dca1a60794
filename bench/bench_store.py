"""Verifying the store (issue 12): ``allocator verify`` on a store of many large runs.

    python bench/bench_store.py [--runs 1000] [--employers 800] [--groups 100,1000,5000]

Builds a store in a temporary folder: one workbook of ``--employers`` employers
(``allocator.sample``, seed 2027) solved once under the baseline scenario, recorded ``--runs``
times (every run a full result JSON of all employers, as ``solve`` records it) and the last
run approved. Then it prints, in seconds:

* ``build``  — recording the runs (not what is measured; for orientation);
* ``verify`` — :meth:`Store.verify` over the whole store (what ``verify``, ``approve`` and
  ``export`` each pay before they act), best of ``--repeat``;
* ``groups`` — :func:`allocator.constraints.build_tree` for N nested groups (each ``sector =
  "finance"``, ``min = 0``: the issue's recipe) over the same employers, for each N given.
  Scenarios are limited to 100 groups; larger N shows the growth.

Timings are not asserted anywhere; record them in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from timing import best_of  # bench/timing.py (the script's own folder)

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--employers", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--groups", default="100,1000,5000")
    args = parser.parse_args()

    from allocator.constraints import build_tree
    from allocator.model import solve
    from allocator.plan import plan_json
    from allocator.policy import build_problem
    from allocator.sample import write_sample
    from allocator.scenario import load_scenario, parse_scenario
    from allocator.store import Store
    from allocator.submissions import read_submissions

    folder = Path(tempfile.mkdtemp(prefix="allocator-bench-store-"))
    book = folder / "demand.xlsx"
    write_sample(book, employers=args.employers, seed=2027, year=2027)
    submissions = read_submissions(book).raise_for_errors()
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
    plan = solve(build_problem(submissions, scenario))
    result = plan_json(plan)
    db = folder / "store.sqlite3"
    started = time.perf_counter()
    with Store.open(db, by="bench") as store:
        for _ in range(args.runs):
            last = store.record_run(submissions, scenario, plan, result)
        store.approve(last, "bench")
    build = time.perf_counter() - started
    size = os.path.getsize(db) / 1e6
    print(f"store: {args.runs} runs x {args.employers} employers, {size:.0f} MB, "
          f"build {build:.1f} s")

    def verify() -> None:
        with Store.open(db, writable=False) as opened:
            report = opened.verify()
        assert report.ok, report.findings

    seconds = best_of(args.repeat, verify)
    print(f"verify: {seconds:.2f} s (best of {args.repeat})")

    problem = build_problem(submissions, scenario)
    import numpy as np

    upper = np.asarray(problem.column("upper"), dtype=np.int64)
    for count in [int(n) for n in args.groups.split(",") if n]:
        tables = "".join(f'\n[groups.g{k}]\nsector = "finance"\nmin = 0\n'
                         for k in range(min(count, 100)))
        groups = build_problem(submissions, parse_scenario(
            f"[cap]\nannual = 3000\n{tables}")).groups
        groups = [groups[k % len(groups)] for k in range(count)]
        for k, group in enumerate(groups):  # distinct names, as N tables would have
            groups[k] = type(group)(f"g{k}", group.label, group.members, group.minimum,
                                    group.maximum)
        sys.setrecursionlimit(max(10_000, 4 * count))
        seconds = best_of(args.repeat, lambda groups=groups: build_tree(groups, upper, 3000))
        print(f"groups: {count} nested groups, build_tree {seconds:.3f} s")


if __name__ == "__main__":
    main()
