"""The README works as written: its tour runs line by line, CI runs its test command verbatim,
and it points at nothing outside the repository.

The tour runs in a temporary copy of the repository (scenarios/ and data/, with .venv pointing
at this test run's environment), in one bash session so that ``export`` and ``activate`` carry
over, and each line's exit code and output are checked.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_methods import US_2020_POPULATION, US_2020_SEATS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARK = "@@exit"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def tour_commands() -> list[str]:
    """The tour's commands, continuation lines joined (comments are left to bash)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## A short tour of the commands"):]
    block = code_blocks(section)[0]
    return [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def run_tour(folder: Path) -> list[tuple[str, int, str]]:
    """Each command with its exit code and output, run one after another in one shell."""
    commands = tour_commands()
    script = "\n".join(f'{command}\necho "{MARK} $?"' for command in commands)
    done = subprocess.run(["bash", "-c", script], cwd=folder, capture_output=True, text=True,
                          timeout=600, check=False, env={"PATH": "/usr/bin:/bin",
                                                         "HOME": str(folder), "LANG": "C.UTF-8"})
    parts = re.split(rf"^{MARK} (\d+)$", done.stdout, flags=re.M)
    outputs, codes = parts[0::2], [int(code) for code in parts[1::2]]
    assert len(codes) == len(commands), (done.stdout, done.stderr)
    return list(zip(commands, codes, outputs, strict=False))


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, int, str]]]:
    if sys.prefix == sys.base_prefix:
        pytest.fail("the tour needs the project's virtual environment (sh setup.sh)")
    folder = tmp_path_factory.mktemp("repository")
    for name in ("scenarios", "data"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return folder, run_tour(folder)


def test_every_line_of_the_tour_runs(tour: tuple[Path, list[tuple[str, int, str]]]) -> None:
    _, results = tour
    failed = [(command, code, output[-600:]) for command, code, output in results if code]
    assert failed == []
    names = [command.split()[1] for command, _, _ in results if command.startswith("allocator")]
    assert names == ["template", "sample", "validate", "solve", "compare", "sweep", "runs",
                     "approve", "verify", "export", "solve", "approve", "export", "verify",
                     "apportion"]


def test_the_tour_makes_what_it_says(tour: tuple[Path, list[tuple[str, int, str]]]) -> None:
    folder, results = tour
    made = folder / "tour"
    assert sorted(p.name for p in made.iterdir()) == [
        "approved.xlsx", "comparison.xlsx", "demand.xlsx", "plan.xlsx", "result.json",
        "store.sqlite3", "superseded.xlsx", "sweep.json", "template.xlsx"]
    result = json.loads((made / "result.json").read_text(encoding="utf-8"))
    assert result["allocated"] == 3000 and result["run_id"] == 1
    sweep = json.loads((made / "sweep.json").read_text(encoding="utf-8"))
    assert sweep["caps"] == list(range(2000, 3401, 100))
    assert sweep["answers"][0]["question"] == "feasible"
    output: dict[str, str] = {}  # each command's first output
    for command, _, text in results:
        if command.startswith("allocator"):
            output.setdefault(command.split()[1], text)
    assert "张三" in output["approve"] and "张三" in output["export"]
    superseded = [text for command, _, text in results if "--supersede" in command]
    assert len(superseded) == 1 and "李四" in superseded[0] and "取代" in superseded[0]
    checked = [text for command, _, text in results if "--against" in command]
    assert len(checked) == 1 and "approved.xlsx" in checked[0]
    title = load_workbook(made / "superseded.xlsx", read_only=True)
    try:
        # The cover: the title, then its status line.
        heading = [row[0] for row in title.worksheets[0].iter_rows(max_row=2, values_only=True)]
        assert "已被取代" in str(heading[1])
    finally:
        title.close()
    book = load_workbook(made / "approved.xlsx", read_only=True)
    try:
        overview = " ".join(str(v) for row in book.worksheets[0].iter_rows(values_only=True)
                            for v in row if v is not None)
    finally:
        book.close()
    assert "张三" in overview


def test_the_claims_example_gives_the_published_house_seats(
        tour: tuple[Path, list[tuple[str, int, str]]]) -> None:
    _, results = tour
    output = next(text for command, _, text in results if " apportion " in f" {command}")
    rows = [line.split(",") for line in output.strip().splitlines()]
    assert rows[0] == ["name", "allocation"]
    assert [int(seats) for _, seats in rows[1:]] == US_2020_SEATS
    claims = (ROOT / "data" / "claims_example.csv").read_text(encoding="utf-8").splitlines()
    assert [int(line.split(",")[1]) for line in claims[1:]] == US_2020_POPULATION


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    first, second = code_blocks(README.read_text(encoding="utf-8"))[:2]
    assert "streamlit run app.py" in first and "pytest" in second
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert second.strip() in ci


def test_the_readme_points_inside_the_repository() -> None:
    text = README.read_text(encoding="utf-8")
    assert "../" not in text and "DESIGN" not in text and "shared/" not in text
    for path in re.findall(r"`((?:docs|scenarios|data|allocator|tests|bench)/[^`*\s]+)`", text):
        assert (ROOT / path).exists(), path


def test_solve_help_says_what_happens_without_a_scenario(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "allocator", "solve"]
    shown = subprocess.run([*command, "--help"], capture_output=True, text=True, check=False,
                           timeout=60).stdout
    assert "--cap" in " ".join(shown.split()[shown.split().index("--scenario"):][:12])
    refused = subprocess.run([*command, str(ROOT / "data" / "sample_demand.xlsx")],
                             capture_output=True, text=True, check=False, timeout=60)
    assert refused.returncode == 2 and "--cap" in refused.stderr
