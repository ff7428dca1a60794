"""allocator.forked: a call run in a forked child gives what the call gives here."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
from pathlib import Path

import pytest

import allocator.forked
from allocator.forked import can_fork, start

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def describe(n: int, *, word: str) -> dict[str, object]:
    return {"n": n, "word": word * n, "squares": [i * i for i in range(n)], "pid": os.getpid()}


@needs_fork
def test_the_answer_comes_from_a_child_and_equals_the_call():
    pending = start(describe, 4, word="ab")
    assert pending.forked
    answer = pending.result()
    assert answer["pid"] != os.getpid()  # computed elsewhere …
    assert {k: v for k, v in answer.items() if k != "pid"} == {
        "n": 4, "word": "abababab", "squares": [0, 1, 4, 9]}  # … worked by hand


def test_without_fork_a_thread_gives_the_same(monkeypatch):
    monkeypatch.setattr(allocator.forked, "FORK", False)
    pending = start(describe, 3, word="x")
    assert not pending.forked
    assert pending.result() == {"n": 3, "word": "xxx", "squares": [0, 1, 4], "pid": os.getpid()}


@needs_fork
def test_no_fork_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()
        pending = start(describe, 2, word="y")
        assert not pending.forked
        assert pending.result()["pid"] == os.getpid()
    finally:
        stop.set()
        other.join()


def refuse(value: str) -> None:
    raise ValueError(f"no {value}")


@needs_fork
def test_an_exception_in_the_child_is_raised_here_as_the_call_raises_it():
    pending = start(refuse, "roster")
    assert pending.forked
    with pytest.raises(ValueError, match="no roster"):
        pending.result()


def dies_in_a_child(parent: int) -> str:
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)  # a crash: no answer at all
    return "computed here"


@needs_fork
def test_a_child_that_dies_is_replaced_by_the_call_here():
    pending = start(dies_in_a_child, os.getpid())
    assert pending.forked
    assert pending.result() == "computed here"


def sleeps(seconds: float) -> str:
    import time

    time.sleep(seconds)
    return "late"


@needs_fork
def test_cancel_kills_and_reaps_the_child():
    pending = start(sleeps, 60)
    pid = pending.pid
    assert pid is not None
    pending.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped already: no such child any more


@needs_fork
def test_the_child_leaves_without_running_the_parents_exit_hooks(tmp_path):
    # A child that returned into the caller would print twice and run atexit hooks twice.
    import subprocess

    script = (
        "import atexit, sys\n"
        "from allocator.forked import start\n"
        f"atexit.register(lambda: open({str(tmp_path / 'hooks')!r}, 'a').write('x'))\n"
        "print('once', end='', flush=False)\n"
        "print(start(sorted, [3, 1, 2]).result())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "once[1, 2, 3]\n"
    assert (tmp_path / "hooks").read_text() == "x"


def test_solve_with_a_roster_is_the_same_forked_or_not(tmp_path, monkeypatch):
    """The roster read and screened in the forked child gives the very result JSON (but the
    solver's own wall time) of the read and screening in this process."""
    from allocator.cli import main

    monkeypatch.setenv("ALLOCATOR_ID_SALT", "forked-test")
    demand, roster = tmp_path / "d.xlsx", tmp_path / "r.xlsx"
    assert main(["sample", str(demand), "--employers", "40", "--roster", str(roster)]) == 0
    outputs = []
    for fork in (True, False):
        monkeypatch.setattr(allocator.forked, "FORK", fork)
        out = tmp_path / f"result-{fork}.json"
        assert main(["solve", str(demand), "--scenario", str(BASELINE), "--cap", "60",
                     "--db", str(tmp_path / f"{fork}.db"),
                     "--roster", str(roster), "--json", str(out)]) == 0
        outputs.append(re.sub(r'"wall_s": [0-9.e-]+', '"wall_s": 0',
                              out.read_text(encoding="utf-8")))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["roster"]["applicants"] > 0


def test_rfc_4231_vector_and_the_hasher_agrees_with_one_hmac_each():
    from allocator.roster import person_hash, person_hasher

    # RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?"
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert person_hasher(b"Jefe")("what do ya want for nothing?") == expected
    assert person_hash(b"Jefe", "what do ya want for nothing?") == expected
    digest = person_hasher(b"salt")
    numbers = ["11010519491231002X", "E12345678", "", "11010519491231002X"]
    assert [digest(n) for n in numbers] == [person_hash(b"salt", n) for n in numbers]


def test_the_command_leaves_nothing_frozen(tmp_path):
    """read_inputs freezes the inputs out of the cycle collector for the command's time only."""
    import gc

    from allocator.cli import main

    demand = tmp_path / "d.xlsx"
    assert main(["sample", str(demand), "--employers", "5"]) == 0
    assert main(["validate", str(demand)]) in (0, 1)
    assert gc.get_freeze_count() == 0


def test_a_slim_roster_screened_again_is_read_again_whole(tmp_path, monkeypatch):
    """solve and sweep get the roster without the applicants' columns (the fork screened it);
    asked to screen it under other rules after all, screening_for reads it again whole."""
    import argparse

    from allocator.cli import SLIM_COLUMNS, read_inputs, screening_for
    from allocator.roster import read_roster
    from allocator.scenario import load_scenario
    from allocator.screening import screen

    monkeypatch.setenv("ALLOCATOR_ID_SALT", "slim-test")
    demand, roster_file = tmp_path / "d.xlsx", tmp_path / "r.xlsx"
    from allocator.cli import main

    assert main(["sample", str(demand), "--employers", "30", "--roster", str(roster_file)]) == 0
    scenario = load_scenario(BASELINE)
    args = argparse.Namespace(demand=demand, roster=roster_file)
    submissions, roster = read_inputs(args, scenario.scenario.year, scenario.roster, slim=True)
    assert list(roster.frame.columns) == list(SLIM_COLUMNS)
    whole = read_roster(roster_file)
    assert roster.frame["row"].tolist() == whole.frame["row"].tolist()
    assert roster.frame["credit_code"].tolist() == whole.frame["credit_code"].tolist()
    # the same rules: the fork's screening, equal to one made here on the whole roster
    made = screening_for(roster, submissions, scenario)
    fresh = screen(whole, scenario.roster, submissions.plan_year)
    assert made.summary() == fresh.summary()
    assert made.employers.equals(fresh.employers)
    # other rules: read again whole and screened under them
    strict = scenario.with_values({"roster.income_multiple": 3})
    again = screening_for(roster, submissions, strict)
    expected = screen(whole, strict.roster, submissions.plan_year)
    assert again.summary() == expected.summary()
    assert again.summary()["passed"] < made.summary()["passed"]
