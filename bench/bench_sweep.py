"""Benchmark of the cap sweep (issue 17): the plan at 200 caps against one solve.

Run: ``python bench/bench_sweep.py [--employers 10000] [--caps 200] [--repeat 3]``.

On the sample generator's submissions (:func:`bench.demand_frame`, built in memory, no
workbook) it prints, best of ``--repeat`` runs each:

* one solve of the problem at the baseline cap (3 permits per employer): the policy
  (``build_problem``) and :func:`allocator.model.solve`;
* the sweep over ``--caps`` caps from 0 to the total eligible demand, every point with its
  divisor interval (:func:`allocator.sweep.sweep`, policy included), and the ratio;
* both again on the problem already built (the solve stage against the sweep alone);
* the same two with the three sector floors of ``sector_floors.toml`` scaled to the cap;
* the app's curve for the 800-employer district sample: the sweep over 100 caps and the chart
  data the sensitivity page draws (:func:`allocator_app.sensitivity.curve_frames`).

Timings are printed, never asserted (they depend on the machine and its load, printed too).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from timing import best_of  # noqa: E402

from allocator.model import solve  # noqa: E402
from allocator.policy import build_problem  # noqa: E402
from allocator.submissions import Submissions  # noqa: E402
from allocator.sweep import sweep  # noqa: E402


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_main", ROOT / "bench" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def submissions_of(bench, employers: int) -> Submissions:
    frame = bench.demand_frame(employers)
    frame.insert(0, "row", range(3, 3 + len(frame)))
    return Submissions(frame, [], "sample.xlsx", "需求申报", 2, bench.YEAR, "0" * 64)


def caps_over(problem, count: int) -> list[int]:
    top = int(problem.employers["upper"].sum())
    return sorted({round(top * i / (count - 1)) for i in range(count)})


def compare(label: str, submissions: Submissions, scenario, count: int, repeat: int) -> None:
    problem = build_problem(submissions, scenario)
    caps = caps_over(problem, count)
    one = best_of(repeat, lambda: solve(build_problem(submissions, scenario)))
    whole = best_of(repeat, lambda: sweep(submissions, scenario, caps))
    stage = best_of(repeat, lambda: solve(problem))
    swept = best_of(repeat, lambda: sweep(submissions, scenario, caps, problem=problem))
    print(f"{label}: policy + solve {one * 1000:7.1f} ms, policy + sweep of {len(caps)} caps "
          f"{whole * 1000:7.1f} ms, ratio {whole / one:5.2f}   |   on the built problem: "
          f"solve {stage * 1000:7.1f} ms, sweep {swept * 1000:7.1f} ms, ratio "
          f"{swept / stage:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, default=10_000)
    parser.add_argument("--caps", type=int, default=200)
    parser.add_argument("--district", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench = _bench_module()
    print(f"load average {os.getloadavg()[0]:.2f}, Python {sys.version.split()[0]}")
    submissions = submissions_of(bench, args.employers)
    chosen = bench.scenarios(bench.cap_for(args.employers))
    compare(f"{args.employers:,} employers, no groups     ", submissions,
            chosen["baseline"], args.caps, args.repeat)
    compare(f"{args.employers:,} employers, sector floors ", submissions,
            chosen["sector_floors"], args.caps, args.repeat)

    from allocator_app.sensitivity import curve_frames

    district = submissions_of(bench, args.district)
    scenario = bench.scenarios(bench.cap_for(args.district))["baseline"]
    problem = build_problem(district, scenario)
    caps = caps_over(problem, 100)
    fresh = best_of(args.repeat, lambda: curve_frames(sweep(district, scenario, caps,
                                                            interval=False)))
    print(f"app curve, {args.district} employers, {len(caps)} caps: sweep + chart data "
          f"{fresh * 1000:.1f} ms")


if __name__ == "__main__":
    main()
