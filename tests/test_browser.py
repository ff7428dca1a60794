"""The app in a real browser: ``streamlit run app.py`` on a free port, driven by Chromium.

A planner's afternoon in one test: upload a workbook, see the plan, edit a scenario and reload
the page (the edit is still there), compare two scenarios, approve the plan and download it —
then the downloaded workbook is opened with openpyxl and checked against the library's own
plan. Every request the page makes is recorded, and the test fails if any goes anywhere but the
app on 127.0.0.1 (the bureau's network has no internet). Debian's Chromium is used
(``apt-get install chromium``); the test is skipped only when ``/usr/bin/chromium`` is absent.

Set ``ALLOCATOR_SCREENSHOTS=docs/screenshots`` to keep a screenshot of every page there.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from allocator.compare import compare_plans
from allocator.excel import write_demand_workbook
from allocator.i18n import t
from allocator.model import solve
from allocator.plan import plan_json
from allocator.policy import build_problem
from allocator.sample import generate
from allocator.scenario import load_scenario
from allocator.submissions import read_submissions

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 60
STEP_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1440, "height": 900}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's Chromium at /usr/bin/chromium "
                              "(apt-get install -y chromium)"),
]


def z(key: str, **params: object) -> str:
    """The app's Chinese text for a message key."""
    return t(f"app.{key}", "zh", **params)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``streamlit run app.py``, headless on a free port; its address once it answers."""
    port = free_port()
    env = {**os.environ, "ALLOCATOR_DB": str(tmp_path / "store.sqlite3")}
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited: {(tmp_path / 'streamlit.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{address}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("streamlit did not answer within a minute")
            time.sleep(0.3)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        server_log = (tmp_path / "streamlit.log").read_text()
        assert "Traceback" not in server_log, server_log
        # The external-IP lookup (checkip.amazonaws.com) would print this line.
        assert "External URL" not in server_log, server_log


def test_upload_solve_compare_approve_and_download(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = os.environ.get("ALLOCATOR_SCREENSHOTS")
    shot_dir = Path(shots) if shots else tmp_path / "screenshots"
    shot_dir.mkdir(parents=True, exist_ok=True)

    # The workbook a planner uploads, and the library's plans for it.
    demand = tmp_path / "东城区2027年度申报汇总.xlsx"
    write_demand_workbook(demand, generate(employers=700, seed=27))
    draft = tmp_path / "申报汇总（初稿）.xlsx"  # the same, with two mistakes typed in
    book = load_workbook(demand)
    book.active["A5"] = "91110101ABCDEFGH12"
    book.active["J7"] = "很多"
    book.save(draft)
    submissions = read_submissions(demand)
    baseline = load_scenario(ROOT / "scenarios" / "baseline.toml")
    other = load_scenario(ROOT / "scenarios" / "finance_culture_first.toml")
    expected = plan_json(solve(build_problem(submissions, baseline)))
    comparison = compare_plans([solve(build_problem(submissions, s)) for s in
                                (baseline, other)], [baseline.scenario.name, other.scenario.name])

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
        page.set_default_timeout(STEP_TIMEOUT_MS)
        expect.set_options(timeout=STEP_TIMEOUT_MS)  # a shared machine can be slow
        requested: list[str] = []
        page.context.on("request", lambda request: requested.append(request.url))
        page.on("websocket", lambda socket: requested.append(socket.url))

        def idle() -> None:
            page.wait_for_timeout(300)
            page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for()

        def open_page(title: str) -> None:
            page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
            idle()

        def metric(label: str) -> str:
            box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
            return box.locator("[data-testid='stMetricValue']").inner_text().strip()

        def shoot(name: str) -> None:
            path = shot_dir / f"{name}.png"
            page.screenshot(path=str(path))
            if shots:  # kept in the repository: 256 colours are plenty for a screenshot
                from PIL import Image

                with Image.open(path) as image:
                    image.convert("RGB").quantize(colors=256).save(path, optimize=True)

        # The first screen: a working plan on the bundled sample.
        page.goto(server)
        expect(page.get_by_role("heading", name=z("results.title"))).to_be_visible()
        expect(page.locator("[data-testid='stMetric']").first).to_be_visible()
        idle()

        # Import: Streamlit's own uploader speaks Chinese too.
        open_page(z("nav.import"))
        for selector, wanted in [
                ("[data-testid='stFileUploaderDropzone'] button "
                 "[data-testid='stMarkdownContainer'] p", z("widgets.browse")),
                ("[data-testid='stFileUploaderDropzoneInstructions'] span",
                 z("widgets.limit", size=10))]:
            shown = page.locator(selector).first
            assert shown.evaluate("e => getComputedStyle(e).fontSize") == "0px"
            assert shown.evaluate("e => getComputedStyle(e, '::after').content") == f'"{wanted}"'
        # A draft with mistakes is refused row by row; the corrected workbook passes.
        # The demand workbook's uploader is the first; the roster's (issue 14) follows it.
        uploader = page.locator("[data-testid='stFileUploader'] input[type='file']").first
        uploader.set_input_files(draft)
        expect(page.get_by_text(z("import.failed", errors=2))).to_be_visible()
        problems = page.locator("[data-testid='stTable']")
        expect(problems.get_by_text("91110101ABCDEFGH12")).to_be_visible()
        expect(problems.get_by_text("很多")).to_be_visible()
        idle()
        shoot("1-import-problems")
        uploader.set_input_files(demand)
        expect(page.get_by_text(z("import.passed"))).to_be_visible()
        idle()
        shoot("1-import")

        # Results: the numbers are the library's for this workbook.
        open_page(z("nav.results"))
        expect(page.get_by_text(demand.name).first).to_be_visible()
        expect(page.locator("[data-testid='stMetric']").first).to_be_visible()
        assert metric(z("results.allocated")) == f"{expected['allocated']:,}"
        funded = sum(1 for r in expected["employers"] if r["allocated"] > 0)
        assert metric(z("results.funded")) == f"{funded} / {len(expected['employers'])}"
        shoot("3-results")

        page.get_by_role("tab", name=z("results.tab_charts")).click()
        chart = page.locator("[data-testid='stVegaLiteChart']").first
        expect(chart).to_be_visible()
        chart.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(800)  # the charts draw after they appear
        shoot("3-results-charts")

        # Scenario: the editor is generated from the parameter table; a bad value is explained
        # beside its field, in the library's words, and can be discarded.
        open_page(z("nav.scenario"))
        expect(page.get_by_text(z("scenario.valid"))).to_be_visible()
        reserve = page.get_by_label(re.compile("^预留指标"))
        reserve.fill("5000")
        reserve.press("Enter")
        idle()
        beside = page.get_by_test_id("stAlertContentError")  # under the field itself
        expect(beside.get_by_text(t("scenario.reserve_above_annual", "zh", reserve=5000,
                                    annual=3000))).to_be_visible()
        page.get_by_text(z("scenario.invalid", count=1)).scroll_into_view_if_needed()
        shoot("2-scenario")
        beside.first.evaluate("e => e.scrollIntoView({block: 'center'})")
        shoot("2-scenario-field")
        page.get_by_role("button", name=z("scenario.discard")).click()
        idle()
        expect(page.get_by_text(z("scenario.valid"))).to_be_visible()

        # A real reload (a new session) keeps an edited draft and the uploaded workbook.
        annual = page.get_by_label(re.compile("^年度指标总量"))
        annual.fill("2900")
        annual.press("Enter")
        idle()
        expect(page.get_by_text(re.compile("^" + z("workspace.saved", at="")[:5]))).to_be_visible()
        page.reload()
        idle()
        expect(page.get_by_label(re.compile("^年度指标总量"))).to_have_value("2900")
        expect(page.get_by_text(demand.name).first).to_be_visible()
        annual = page.get_by_label(re.compile("^年度指标总量"))
        annual.fill("3000")
        annual.press("Enter")
        idle()

        # Compare: the baseline and “finance and culture first”.
        open_page(z("nav.compare"))
        picker = page.locator("[data-testid='stMultiSelect']").first
        for name in [n for n in comparison.names if n not in picker.inner_text()]:
            picker.click()
            page.get_by_role("option", name=name).click()
            idle()
        picker.locator("input").click()  # Streamlit's "Select all" is English: not offered
        expect(page.get_by_role("option").first).to_be_visible()
        assert page.get_by_role("option", name="Select all").count() == 0
        page.keyboard.type("无此方案")  # nothing matches: Streamlit's "No results", in Chinese
        empty = page.locator("[data-testid='stMultiSelectDropdown'] [role='listbox']"
                             "[data-empty='true'] [role='option'] span").first
        empty.wait_for(state="attached")
        assert empty.evaluate("e => getComputedStyle(e, '::after').content") == \
            f'"{z("widgets.no_match")}"'
        page.keyboard.press("Escape")  # clears the typed text
        page.keyboard.press("Escape")  # closes the list
        heading = z("compare.differences", count=len(comparison.differences))
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        idle()
        page.get_by_role("heading", name=z("compare.by_sector")).scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        shoot("4-compare")

        # Approve under a name, then download the approved plan.
        open_page(z("nav.approve"))
        page.get_by_label(z("approve.approver")).fill("张三")
        page.get_by_label(z("approve.note")).fill("区政府常务会议审议通过")
        page.locator("[data-testid='stCheckbox']").first.click()
        shoot("5-approve-form")
        page.get_by_role("button", name=z("approve.button")).click()
        expect(page.get_by_text(re.compile("张三")).first).to_be_visible()
        idle()
        shoot("5-approve")
        with page.expect_download() as started:
            page.get_by_role("button", name=z("approve.download_plan")).click()
        plan_file = tmp_path / started.value.suggested_filename
        started.value.save_as(plan_file)
        with page.expect_download() as started:
            page.get_by_role("button", name=z("approve.download_comparison")).click()
        comparison_file = tmp_path / started.value.suggested_filename
        started.value.save_as(comparison_file)

        open_page(z("nav.about"))
        shoot("6-about")

        # English: the plan's columns fit the page at 1440 px.
        page.get_by_text("English", exact=True).click()
        idle()
        open_page(t("app.nav.results", "en"))
        expect(page.locator("[data-testid='stMetric']").first).to_be_visible()
        idle()
        shoot("7-results-english")
        browser.close()

    # Nothing left the machine: every request went to the app itself.
    elsewhere = sorted({url for url in requested
                        if not url.startswith(("data:", "blob:"))
                        and urllib.parse.urlsplit(url).hostname != "127.0.0.1"})
    assert elsewhere == []
    assert requested, "the requests were recorded"

    assert "已批准" in plan_file.name
    book = load_workbook(plan_file, read_only=True)
    try:
        overview = " ".join(str(v) for row in book["封面"].iter_rows(values_only=True)
                            for v in row if v is not None)
        detail = list(book["分配明细"].iter_rows(values_only=True))
    finally:
        book.close()
    assert "张三" in overview and "审定稿" in overview
    header = list(detail[1])
    seats = [row[header.index("分配")] for row in detail[2:] if isinstance(row[0], int)]
    assert seats == [r["allocated"] for r in expected["employers"]]
    compared = load_workbook(comparison_file, read_only=True)
    try:
        assert len(compared.sheetnames) >= 2
    finally:
        compared.close()
