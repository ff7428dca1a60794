"""Timings of the exact reference apportionment (allocator.methods) at 1k, 10k and 100k claimants.

Run: ``python bench/bench_methods.py [--seed S] [--repeat R]``. For each size it divides a total of
5 seats per claimant among random integer claims (1 … 10⁶, so that many priorities are exactly
equal) and prints the best of R runs of

* ``apportion`` for each divisor method (no upper bound) and for Hamilton;
* ``seat_order`` with an upper bound of 5 per claimant (500,000 seats at 100k claimants);
* ``apportion`` on near-ties: claims 10¹⁷ + {0..3}, equal as doubles, so the exact
  resolution does all the work at the cut-off.

Timings are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

import argparse
from functools import partial

import numpy as np
from timing import best_of  # bench/timing.py (the script's own folder)

from allocator.methods import DIVISOR_METHODS, apportion, hamilton, seat_order

SIZES = (1_000, 10_000, 100_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    header = (f"{'claimants':>9}  {'method':<16} {'apportion':>10} {'seat_order':>11} "
              f"{'near-ties':>10}")
    print(header)
    print("-" * len(header))
    for n in SIZES:
        claims = rng.integers(1, 10**6, n).tolist()
        near = [10**17 + int(d) for d in rng.integers(0, 4, n)]
        total = 5 * n
        lower, upper = [0] * n, [5] * n
        for method in DIVISOR_METHODS:
            t_apportion = best_of(args.repeat, partial(apportion, claims, total, method))
            t_order = best_of(args.repeat, partial(seat_order, claims, lower, upper, method))
            t_near = best_of(args.repeat, partial(apportion, near, total, method))
            print(f"{n:>9,}  {method.value:<16} {t_apportion:>9.3f}s {t_order:>10.3f}s "
                  f"{t_near:>9.3f}s")
        t_hamilton = best_of(args.repeat, partial(hamilton, claims, total))
        print(f"{n:>9,}  {'hamilton':<16} {t_hamilton:>9.3f}s {'-':>11} {'-':>10}")


if __name__ == "__main__":
    main()
