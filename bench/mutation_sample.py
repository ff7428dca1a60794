"""A seeded random sample of one core module's mutants, and the score of a sample once run.

A full mutmut run of the core is more than a day on this machine (about 13,000 mutants, each
running the tests that reach its function), so a module is measured on a documented random
sample (docs/mutation.md). Run ``mutmut run`` once with any mutant name so that ``mutants/``
holds every module's mutants, then::

    .venv/bin/mutmut run --max-children 1 \
        $(.venv/bin/python bench/mutation_sample.py names methods 80)
    .venv/bin/python bench/mutation_sample.py score methods 80

The sample depends only on the module's mutant names and the seed, so the same command picks
the same mutants again after tests were added (and again for a reviewer).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout",
          None: "not checked"}


def meta(module: str, root: Path) -> dict:
    path = root / "mutants" / "allocator" / f"{module}.py.meta"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `mutmut run` once first (docs/mutation.md)")
    return json.loads(path.read_text(encoding="utf-8"))


def sample(names: list[str], size: int, seed: int) -> list[str]:
    ordered = sorted(names)
    if size >= len(ordered):
        return ordered
    return sorted(random.Random(seed).sample(ordered, size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["names", "score"])
    parser.add_argument("module", help="methods, constraints, model, policy, …")
    parser.add_argument("size", type=int, help="sample size (0: every mutant)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--root", type=Path, default=Path("."))
    args = parser.parse_args()
    data = meta(args.module, args.root)
    codes: dict[str, int | None] = data["exit_code_by_key"]
    durations: dict[str, float] = data.get("durations_by_key", {})
    chosen = sample(list(codes), args.size or len(codes), args.seed)
    if args.action == "names":
        print("\n".join(chosen))
        return
    status = {name: STATUS.get(codes[name], "suspicious") for name in chosen}
    counts = Counter(status.values())
    run = counts["killed"] + counts["survived"] + counts["timeout"]
    print(f"{args.module}: {len(codes)} mutants, sample {len(chosen)} (seed {args.seed}): "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if run:
        seconds = [durations[name] for name in chosen if name in durations]
        print(f"killed (timeouts count as killed) / run: "
              f"{counts['killed'] + counts['timeout']} / {run}; "
              f"{sum(seconds) / max(len(seconds), 1):.1f} s per mutant (wall clock)")
    for name in chosen:
        if status[name] not in ("killed", "timeout"):
            print(f"  {status[name]}: {name}")


if __name__ == "__main__":
    main()
