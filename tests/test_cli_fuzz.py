"""Fuzzing the command line: whatever the arguments, `allocator` ends with exit 0, 2, 3 or 4
and never lets an exception escape (a traceback, exit 1, is only for bugs).

Each example picks a command and a random set of its options with values drawn from a pool of
troublesome spellings: empty, negative, NaN, infinities, huge numbers, full-width digits, text,
a folder, a missing file, the wrong kind of file. ``FUZZ_EXAMPLES=2000`` runs a longer campaign.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from allocator import cli, workbook
from allocator.sample import write_sample

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))

NUMBERS = ["0", "1", "2", "-1", "3000", "0.5", "1e-9", "nan", "inf", "-inf", "1e309",
           str(2**63), str(10**30), "２０２７", " 7 ", "", "abc", "2027", "1,000"]
#: Placeholders replaced by real paths in the test's folder.
PATHS = ["@demand", "@scenario", "@floors", "@csv", "@folder", "@missing", "@out", "@json",
         "@readme"]
TROUBLE = NUMBERS + PATHS + ["zh", "en", "x" * 300, "=1+1", "--cap"]
#: What each option usually gets; now and then it gets trouble instead.
GOOD = {
    "--json": ["@json"], "--year": ["2027"], "--lang": ["zh", "en"],
    "--scenario": ["@scenario", "@floors"], "--cap": ["300", "3000"], "--out": ["@out"],
    "--workers": ["1", "2"], "--time-limit": ["30", "0.001"], "--by": ["张三"],
    "--total": ["10", "0"], "--method": ["hill", "dhondt", "hamilton", "webster", "dean"],
    "--min": ["0", "1"], "--employers": ["12"], "--seed": ["5"], "--note": ["区政府审定"],
}

COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    # command: (positional arguments, options)
    "validate": (["@demand"], ["--json", "--year", "--lang"]),
    "solve": (["@demand"], ["--scenario", "--cap", "--json", "--out", "--workers",
                            "--time-limit", "--lang", "--by"]),
    "compare": (["@demand", "@scenario", "@floors"],
                ["--cap", "--out", "--json", "--workers", "--time-limit", "--lang"]),
    "apportion": (["@csv"], ["--total", "--method", "--min"]),
    "sample": (["@out"], ["--employers", "--seed", "--year"]),
    "template": (["@out"], []),
    "runs": ([], ["--lang"]),
    "approve": (["1"], ["--by", "--note", "--lang"]),
    "verify": ([], ["--lang"]),
    "export": (["1"], ["--out", "--by", "--lang"]),
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    positional, options = COMMANDS[name]

    def value(good: list[str], odds: int) -> str:  # trouble once in ``odds``
        return draw(st.sampled_from(TROUBLE)) if draw(st.integers(1, odds)) == 1 \
            else draw(st.sampled_from(good))

    argv = [name, *(value([p], 8) for p in positional)]
    chosen = draw(st.lists(st.sampled_from(options), unique=True, max_size=4)) if options \
        else []
    for option in chosen:
        argv += [option, value(GOOD[option], 5)]
    if name in ("solve", "compare") and "--cap" not in argv and draw(st.booleans()):
        argv += ["--cap", "300"]
    if name == "sample" and "--employers" not in argv:
        argv += ["--employers", "12"]  # keep the default 600 out of a quick test
    if name == "apportion" and "--total" not in argv:
        argv += ["--total", "7"]
    if name == "approve" and "--by" not in argv:
        argv += ["--by", "李四"]
    return argv


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    demand = folder / "demand.xlsx"
    write_sample(demand, employers=25, seed=3)
    csv = folder / "claims.csv"
    csv.write_text("name,weight\nA,5\nB,3\n=HYPERLINK(1),2\n", encoding="utf-8")
    # Copies: a command line may name any of these as its output, and must only ever write here.
    copies = {}
    for key, source in (("@scenario", ROOT / "scenarios" / "baseline.toml"),
                        ("@floors", ROOT / "scenarios" / "sector_floors.toml"),
                        ("@readme", ROOT / "README.md")):
        copies[key] = folder / source.name
        shutil.copyfile(source, copies[key])
    return {"@demand": demand, "@csv": csv, "@folder": folder,
            "@missing": folder / "missing.xlsx", **copies}


@settings(deadline=None, max_examples=EXAMPLES or 80,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_any_command_line_ends_in_a_documented_exit_code(argv, files, tmp_path, monkeypatch,
                                                        capsys):
    monkeypatch.setattr(workbook, "ISOLATE", False)  # benign generated files; no child processes
    monkeypatch.chdir(tmp_path)  # a bare value taken for a file name ("0", "nan") lands here
    monkeypatch.setenv("ALLOCATOR_DB", str(files["@folder"] / "store.sqlite3"))
    made = {"@out": tmp_path / "out.xlsx", "@json": tmp_path / "out.json"}
    resolved = [str(made.get(a) or files.get(a, a)) for a in argv]
    assert not any(Path(a).is_absolute() and Path(a).is_relative_to(ROOT) for a in resolved)
    try:
        code = cli.main(resolved)
    except SystemExit as exited:  # argparse refusing a value: always 2
        code = exited.code
    captured = capsys.readouterr()
    event(f"{argv[0]} → exit {code}")  # --hypothesis-show-statistics shows how deep they go
    assert code in (0, 2, 3, 4), (resolved, code, captured.err[-2000:])
    assert "Traceback" not in captured.err
    if code == 2:
        assert captured.err.strip(), "a refusal says why"

