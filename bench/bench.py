"""Benchmark of ``allocator solve``, stage by stage, at 1,000, 10,000 and 100,000 employers.

Run: ``python bench/bench.py [--sizes 1000 10000 100000] [--repeat 3]`` (the README's one
command). For each size it

* generates a demand workbook with the sample generator (:mod:`allocator.sample`) once and
  caches it under ``$TMPDIR/allocator-bench`` (``--cache DIR``; ``--fresh`` regenerates);
* times, in a fresh worker process, every stage of the pipeline — read, validate, policy,
  solve, explain, summary, the result JSON and the plan workbook — and a vectorised numpy
  greedy over float priorities on the same problem (not exact: the speed limit of the solve
  stage); with ``--groups`` also the solve under laminar sector floors (``sector_floors.toml``
  scaled to the cap);
* times the whole ``allocator solve DEMAND.xlsx --scenario baseline.toml --cap C --json R``
  as a subprocess, alternating with a bare ``pandas.read_excel(path, engine="openpyxl")`` of
  the same file in this process, so that both see the same load;
* runs ``allocator solve`` once more in-process with a timer around each of its steps (start-up
  and imports, read + validate, policy, solve, result object, store, JSON, summary), so the
  end-to-end figure can be accounted for;
* reports the peak resident memory of the worker and of ``allocator solve`` (``os.wait4``'s
  ``ru_maxrss``) and, with ``--tracemalloc``, each stage's peak of Python allocations.

It prints the median of ``--repeat`` runs for every figure (a stage whose first run takes more
than :data:`SLOW_S` seconds runs once, marked ¹) and two ratios measured in the same run:
(a) ``allocator solve`` ÷ ``pandas.read_excel``; (b) the solve stage ÷ the numpy greedy.
A district-size what-if (``--district 800`` employers, baseline and sector floors) is timed as
the app re-solves it: policy + solve + summary, on submissions already read.

The cap is 3 permits per employer (the baseline's 3,000 for a district of about 1,000
employers), about 60 % of eligible demand, so the cut-off falls inside the demand.

Timings are printed, never asserted: they depend on the machine and its load, which the
report prints alongside (``os.getloadavg``). ``--json FILE`` keeps every raw figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SIZES = (1_000, 10_000, 100_000)
PERMITS_PER_EMPLOYER = 3
SEED = 2027
YEAR = 2027


Stage = Callable[[], Any]


# -- data -------------------------------------------------------------------------------------
def demand_frame(employers: int, seed: int = SEED) -> pd.DataFrame:
    """Synthetic submissions from the sample generator (one district's mix, any size)."""
    from allocator.sample import generate

    return generate(employers, seed, YEAR)


def _source_tag() -> str:
    """A short hash of the generator's sources (and :func:`demand_frame`): the cache key
    changes with them (``--fresh`` regenerates after a change to the workbook writer)."""
    import inspect

    digest = hashlib.sha256(inspect.getsource(demand_frame).encode())
    for name in ("sample.py", "schema.py"):
        digest.update((ROOT / "allocator" / name).read_bytes())
    return digest.hexdigest()[:10]


def workbook(employers: int, cache: Path, fresh: bool = False) -> Path:
    """The cached demand workbook of ``employers`` employers (generated when missing)."""
    from allocator.excel import write_demand_workbook
    from allocator.sample import sample_title

    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"demand-{employers}-seed{SEED}-{_source_tag()}.xlsx"
    if fresh or not path.exists():
        started = time.perf_counter()
        print(f"  generating {path.name} …", file=sys.stderr, flush=True)
        partial = path.with_suffix(".part.xlsx")
        write_demand_workbook(partial, demand_frame(employers), title=sample_title(YEAR),
                              year=YEAR)
        partial.replace(path)
        print(f"  … {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return path


def cap_for(employers: int) -> int:
    return PERMITS_PER_EMPLOYER * employers


def scenarios(cap: int) -> dict[str, Any]:
    """The baseline and the sector floors, with the cap (and the floors) scaled to ``cap``."""
    from allocator.scenario import load_scenario

    baseline = load_scenario(SCENARIOS / "baseline.toml").with_values({"cap.annual": cap})
    floors = load_scenario(SCENARIOS / "sector_floors.toml")
    scale = cap / floors.cap.annual
    changes: dict[str, Any] = {"cap.annual": cap}
    for name, group in floors.groups.items():
        if group.min:
            changes[f"groups.{name}.min"] = int(group.min * scale)
        if group.max is not None:
            changes[f"groups.{name}.max"] = int(group.max * scale)
    return {"baseline": baseline, "sector_floors": floors.with_values(changes)}


# -- the numpy greedy: the speed limit -----------------------------------------------------------
def numpy_greedy(problem: Any) -> np.ndarray:
    """Seats by float priority, all at once: ``argpartition`` of every seat's vᵢ / s(k).

    Not exact (float priorities, ties broken arbitrarily, no groups): the fastest a
    vectorised program can hand out the permits of the same problem, for ratio (b).
    """
    frame = problem.employers
    size = len(frame)
    claims = np.fromiter((float(c) for c in frame["claim"]), dtype=np.float64, count=size)
    lower = frame["guaranteed"].to_numpy(dtype=np.int64)
    upper = frame["upper"].to_numpy(dtype=np.int64)
    width = upper - lower
    who = np.repeat(np.arange(size), width)
    k = np.arange(int(width.sum())) - np.repeat(np.cumsum(width) - width - lower, width)
    priority = claims[who] / _signposts(problem.method.value, k)
    wanted = min(problem.allocatable - int(lower.sum()), who.size)
    if wanted <= 0:
        return lower
    best = np.argpartition(-priority, wanted - 1)[:wanted]
    return lower + np.bincount(who[best], minlength=size)


def _signposts(method: str, k: np.ndarray) -> np.ndarray:
    kf = k.astype(np.float64)
    with np.errstate(divide="ignore"):
        return {"sainte-lague": kf + 0.5, "dhondt": kf + 1.0, "adams": kf,
                "dean": 2 * kf * (kf + 1) / (2 * kf + 1),
                "huntington-hill": np.sqrt(kf * (kf + 1))}[method]


# -- the worker: one size, every stage in-process --------------------------------------------------
#: A stage whose first run takes longer than this is not repeated (marked ¹ in the table).
SLOW_S = 30.0
ONCE: set[str] = set()  # stages timed once


def timed(repeat: int, stage: Stage, name: str = "") -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs (one if the first is slower than SLOW_S)."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = stage()
        times.append(time.perf_counter() - started)
        if times[0] > SLOW_S and repeat > 1:
            ONCE.add(name)
            break
    return statistics.median(times), result


def traced_peak(stage: Stage) -> int:
    """Peak bytes of Python allocations while ``stage`` runs (tracemalloc)."""
    tracemalloc.start()
    try:
        stage()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def read_stages(path: Path, plan_year: int) -> tuple[Stage, Callable[[Any], Any]]:
    """The reader split into read (cells → grid, file hash) and validate (grid → submissions).

    Mirrors :func:`allocator.submissions.read_submissions`; when its internals change, the
    two are timed together as "read" (and validate is reported as included).
    """
    from allocator import submissions as module

    reader = getattr(module, "_Reader", None)
    read_grid = getattr(module, "read_grid", None)
    if reader is None or read_grid is None:
        return (lambda: None), (lambda _: module.read_submissions(path, plan_year))

    def read() -> Any:
        grid, problems = read_grid(path, preferred_sheet=module.SHEET_NAME)
        return grid, problems, module.file_sha256(path)

    def validate(grid_problems_sha: Any) -> Any:
        grid, problems, sha = grid_problems_sha
        result = reader(grid, path.name, plan_year).run()
        result.issues[:0] = problems
        result.sha256 = sha
        return result

    return read, validate


def worker(path: Path, employers: int, repeat: int, groups: bool, memory: bool,
           district: bool) -> dict[str, Any]:
    """Every stage of one size; returns the medians (seconds) and what the solver reported."""
    from ortools.sat.python import cp_model  # noqa: F401 - imported before any stage is timed

    from allocator.excel import write_plan_workbook
    from allocator.explain import explain_plan, plan_summary
    from allocator.model import solve
    from allocator.plan import PlanStatus, plan_json
    from allocator.policy import build_problem

    chosen = scenarios(3000 if district else cap_for(employers))
    baseline = chosen["baseline"]
    out: dict[str, Any] = {"employers": employers, "stages": {}, "tracemalloc": {}}
    stages = out["stages"]
    read, validate = read_stages(path, baseline.scenario.year)
    stages["read"], grid = timed(repeat, read)
    stages["validate"], submissions = timed(repeat, lambda: validate(grid))
    submissions.raise_for_errors()
    out["rows"] = len(submissions)
    if district:  # what the app does on every what-if: policy, solve, summary
        for name, scenario in chosen.items():
            def resolve(scenario: Any = scenario) -> Any:
                plan = solve(build_problem(submissions, scenario))
                plan_summary(plan)
                return plan

            stages[f"re-solve {name}"], plan = timed(max(repeat, 7), resolve)
            out[f"status {name}"] = plan.status.value
        return out
    stages["policy"], problem = timed(repeat, lambda: build_problem(submissions, baseline))
    stages["solve"], plan = timed(repeat, lambda: solve(problem))
    if plan.status is not PlanStatus.OPTIMAL:
        raise RuntimeError(f"{employers} employers: the plan is {plan.status.value}")
    assert plan.solver is not None
    out["solver"] = {"status": plan.solver.status, "cp_sat_s": plan.solver.wall_s,
                     **plan.solver.parameters.get("reduction", {})}
    out["seats"] = int(sum(problem.column("upper")) - sum(problem.column("guaranteed")))
    stages["explain"], _ = timed(repeat, lambda: explain_plan(plan), "explain")
    stages["summary"], _ = timed(repeat, lambda: plan_summary(plan))
    with tempfile.TemporaryDirectory() as scratch:
        result_path, book_path = Path(scratch) / "result.json", Path(scratch) / "plan.xlsx"

        def write_result() -> None:
            result_path.write_text(json.dumps(plan_json(plan), ensure_ascii=False, indent=2,
                                              default=str) + "\n", encoding="utf-8")

        stages["result JSON"], _ = timed(repeat, write_result)
        stages["plan workbook"], _ = timed(repeat, lambda: write_plan_workbook(plan, book_path),
                                           "plan workbook")
    stages["numpy greedy"], greedy = timed(max(repeat, 11), lambda: numpy_greedy(problem))
    out["greedy_differs"] = int((greedy != plan.allocation).sum())
    if groups:
        grouped = build_problem(submissions, chosen["sector_floors"])
        stages["solve (sector floors)"], grouped_plan = timed(repeat, lambda: solve(grouped))
        out["grouped_status"] = grouped_plan.status.value
    if memory:
        traced = out["tracemalloc"]
        traced["read+validate"] = traced_peak(lambda: validate(read()))
        traced["policy"] = traced_peak(lambda: build_problem(submissions, baseline))
        traced["solve"] = traced_peak(lambda: solve(problem))
        traced["explain"] = traced_peak(lambda: explain_plan(plan))
    out["once"] = sorted(ONCE)
    return out


# -- the parent: workers, the end-to-end command and the bare read ------------------------
def run_child(command: list[str], capture: bool = False) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in bytes, stdout) of a child process, from ``os.wait4``."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                             stderr=subprocess.PIPE, cwd=ROOT)
    stdout = child.stdout.read().decode() if capture and child.stdout else ""
    stderr = child.stderr.read().decode() if child.stderr else ""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0,):
        raise RuntimeError(f"{' '.join(command)} exited {child.returncode}:\n{stderr}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return wall, usage.ru_maxrss * scale, stdout


def end_to_end(path: Path, employers: int, repeat: int) -> dict[str, Any]:
    """``allocator solve --json`` as a subprocess, alternating with a bare pandas read."""
    solve_times, excel_times, peaks = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for attempt in range(repeat):
            db = Path(scratch) / f"runs-{attempt}.sqlite3"
            command = [sys.executable, "-m", "allocator", "solve", str(path),
                       "--scenario", str(SCENARIOS / "baseline.toml"),
                       "--cap", str(cap_for(employers)),
                       "--json", str(Path(scratch) / "result.json"), "--db", str(db)]
            wall, peak, _ = run_child(command)
            solve_times.append(wall)
            peaks.append(peak)
            started = time.perf_counter()
            pd.read_excel(path, engine="openpyxl")
            excel_times.append(time.perf_counter() - started)
        result = json.loads((Path(scratch) / "result.json").read_text(encoding="utf-8"))
    return {"allocator solve": statistics.median(solve_times),
            "pandas.read_excel": statistics.median(excel_times),
            "peak_rss_solve": max(peaks), "status": result["status"]}


#: Runs ``allocator solve`` in-process with a timer around each step of ``cmd_solve``.
BREAKDOWN = """
import io, json, sys, time
started = time.perf_counter()
import allocator.cli as cli
import allocator.explain, allocator.model, allocator.plan, allocator.policy, allocator.store
import allocator.submissions
from ortools.sat.python import cp_model
timings = {"startup + imports": time.perf_counter() - started}

def timed(module, name, label):
    inner = getattr(module, name)
    def outer(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            timings[label] = timings.get(label, 0) + time.perf_counter() - begun
    setattr(module, name, outer)

timed(allocator.submissions, "read_submissions", "read + validate")
timed(allocator.policy, "build_problem", "policy")
timed(allocator.model, "solve", "solve")
timed(allocator.plan, "plan_json", "result object")
timed(cli, "record_run", "store the run")
timed(cli, "write_json", "write result JSON")
timed(cli, "print_plan", "print the summary")
stdout, sys.stdout = sys.stdout, io.StringIO()
code = cli.main(sys.argv[1:])
sys.stdout = stdout
timings["in-process total"] = time.perf_counter() - started
print(json.dumps({"code": code, "timings": timings}))
"""


def breakdown(path: Path, employers: int) -> dict[str, float]:
    """Where ``allocator solve``'s time goes: one run with a timer around each step."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-c", BREAKDOWN, "solve", str(path),
                   "--scenario", str(SCENARIOS / "baseline.toml"),
                   "--cap", str(cap_for(employers)),
                   "--json", str(Path(scratch) / "result.json"),
                   "--db", str(Path(scratch) / "runs.sqlite3")]
        wall, _, stdout = run_child(command, capture=True)
    timings = json.loads(stdout.strip().splitlines()[-1])["timings"]
    steps = sum(v for k, v in timings.items() if k not in ("in-process total",
                                                           "startup + imports"))
    timings["other (args, scenario)"] = (
        timings["in-process total"] - timings["startup + imports"] - steps)
    timings["interpreter start, exit"] = wall - timings["in-process total"]
    timings["wall"] = wall
    return timings


def machine() -> dict[str, Any]:
    import ortools

    cpu = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        wanted = ("Architecture", "Model name", "CPU(s)", "Thread(s) per core", "CPU max MHz",
                  "L3 cache")
        cpu = "; ".join(line.split(":", 1)[0].strip() + ": " + line.split(":", 1)[1].strip()
                        for line in lscpu.splitlines()
                        if line.split(":", 1)[0].strip() in wanted)
    except OSError:  # pragma: no cover - no lscpu (macOS)
        cpu = platform.processor()
    import openpyxl

    return {"cpu": cpu, "python": platform.python_version(), "ortools": ortools.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "openpyxl": openpyxl.__version__,
            "platform": platform.platform()}


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def mebibytes(value: int | None) -> str:
    return "—" if value is None else f"{value / 2**20:,.0f} MiB"


def report(results: list[dict[str, Any]], district: dict[str, Any] | None) -> str:
    sizes = [r["employers"] for r in results]
    width = 24
    lines = [f"| {'':{width}} | " + " | ".join(f"{s:>12,}" for s in sizes) + " |",
             f"|{'-' * (width + 2)}|" + "|".join("-" * 14 for _ in sizes) + "|"]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| {label:{width}} | " + " | ".join(f"{c:>12}" for c in cells) + " |")

    names = []
    for result in results:
        names += [n for n in result["stages"] if n not in names]
    for name in names:
        row(name, [seconds(r["stages"].get(name)) + ("¹" if name in r.get("once", ()) else "")
                   for r in results])
    row("allocator solve (e2e)", [seconds(r["e2e"]["allocator solve"]) for r in results])
    row("pandas.read_excel", [seconds(r["e2e"]["pandas.read_excel"]) for r in results])
    row("(a) e2e ÷ read_excel", [
        f"{r['e2e']['allocator solve'] / r['e2e']['pandas.read_excel']:.2f}" for r in results])
    row("(b) solve ÷ greedy", [f"{r['stages']['solve'] / r['stages']['numpy greedy']:.1f}"
                               for r in results])
    row("seats above guarantees", [f"{r['seats']:,}" for r in results])
    row("CP-SAT wall", [seconds(r["solver"]["cp_sat_s"]) for r in results])
    row("seats left to CP-SAT", [f"{r['solver'].get('free', r['seats']):,}" for r in results])
    row("duality gap", [str(r["solver"].get("gap", "—")) for r in results])
    row("status (solve, e2e)", [f"{r['solver']['status']}, {r['e2e']['status']}"
                                for r in results])
    row("peak RSS worker", [mebibytes(r["peak_rss"]) for r in results])
    row("peak RSS allocator solve", [mebibytes(r["e2e"]["peak_rss_solve"]) for r in results])
    for name in ("read+validate", "policy", "solve", "explain"):
        if any(name in r["tracemalloc"] for r in results):
            row(f"tracemalloc {name}", [mebibytes(r["tracemalloc"].get(name))
                                        for r in results])
    row("load avg (1 min) before", [f"{r['load'][0]:.2f}" for r in results])
    row("load avg (1 min) after", [f"{r['load'][1]:.2f}" for r in results])
    text = "\n".join(lines)
    if any(r.get("once") for r in results):
        text += f"\n\n¹ one run: the first took longer than {SLOW_S:.0f} s"
    steps: list[str] = []
    for result in results:
        steps += [s for s in result.get("breakdown", {}) if s not in steps]
    if steps:
        text += "\n\n`allocator solve --json` step by step (one run, in-process timers):\n\n"
        text += f"| {'':{width}} | " + " | ".join(f"{s:>12,}" for s in sizes) + " |\n"
        text += f"|{'-' * (width + 2)}|" + "|".join("-" * 14 for _ in sizes) + "|"
        for step in steps:
            text += f"\n| {step[:width]:{width}} | " + " | ".join(
                f"{seconds(r.get('breakdown', {}).get(step)):>12}" for r in results) + " |"
    if district is not None:
        text += f"\n\nDistrict what-if, {district['employers']:,} employers, cap 3,000 " \
                "(policy + solve + summary, median):"
        for name, value in district["stages"].items():
            if name.startswith("re-solve"):
                status = district.get(f"status {name.split(' ', 1)[1]}", "")
                text += f"\n  {name}: {seconds(value)} ({status})"
        text += f"\n  load avg before/after: {district['load'][0]:.2f} / {district['load'][1]:.2f}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "allocator-bench")
    parser.add_argument("--fresh", action="store_true", help="regenerate cached workbooks")
    parser.add_argument("--district", type=int, default=800,
                        help="employers of the district what-if (0: skip)")
    parser.add_argument("--groups", action="store_true",
                        help="also time the solve under sector floors")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also record each stage's peak Python allocations (slow)")
    parser.add_argument("--json", type=Path, help="write every raw figure here")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker-district", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        result = worker(args.path, args.worker, args.repeat, args.groups, args.tracemalloc,
                        args.worker_district)
        print(json.dumps(result))
        return

    def spawn(employers: int, path: Path, district: bool = False) -> dict[str, Any]:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(employers),
                   "--path", str(path), "--repeat", str(args.repeat)]
        command += ["--groups"] * args.groups + ["--tracemalloc"] * args.tracemalloc
        command += ["--worker-district"] * district
        load_before = os.getloadavg()[0]
        _, peak, stdout = run_child(command, capture=True)
        result = json.loads(stdout.strip().splitlines()[-1])
        result["peak_rss"] = peak
        result["load"] = [load_before, os.getloadavg()[0]]
        return result

    info = machine()
    print(f"machine: {info['cpu']}\npython {info['python']}, OR-Tools {info['ortools']}, "
          f"numpy {info['numpy']}, pandas {info['pandas']}, openpyxl {info['openpyxl']}; "
          f"{os.cpu_count()} CPUs; load {os.getloadavg()}", flush=True)
    results = []
    for employers in args.sizes:
        path = workbook(employers, args.cache, args.fresh)
        print(f"{employers:,} employers: {path}", file=sys.stderr, flush=True)
        result = spawn(employers, path)
        load_before = os.getloadavg()[0]
        result["e2e"] = end_to_end(path, employers, args.repeat)
        result["breakdown"] = breakdown(path, employers)
        result["load"][1] = max(result["load"][1], os.getloadavg()[0], load_before)
        results.append(result)
    district = None
    if args.district:
        path = workbook(args.district, args.cache, args.fresh)
        district = spawn(args.district, path, district=True)
    print(report(results, district))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results,
                                         "district": district}, indent=2) + "\n",
                             encoding="utf-8")


if __name__ == "__main__":
    main()
