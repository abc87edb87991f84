"""End to end: `harness leaderboard` on a loopback port, driven in headless Debian Chromium.

Loads the table, applies a filter, opens a comparison and saves screenshots (to the test's tmp
folder, and to $HARNESS_SCREENSHOT_DIR when set). Skips when Chromium or Playwright is absent,
unless HARNESS_REQUIRE_ALL=1, which turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from lb_helpers import (
    lb_cache_fixture,  # noqa: F401  (a fixture)
    make_run,
    rewrite_json,
    runs_fixture,  # noqa: F401  (a fixture)
)

from leaderboard.seed import seed_reported, seed_runs
from leaderboard.store import open_store
from leaderboard.verify import SubmissionMeta, submit_runs

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[1]


def require(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("HARNESS_REQUIRE_ALL") == "1":
        pytest.fail(f"{message} (HARNESS_REQUIRE_ALL=1)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the server did not answer at {url} within {timeout} s")


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium and the Playwright client, checked before a server is started."""
    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "Playwright is not installed (pip install playwright; no browser download)")
    return CHROMIUM


@pytest.fixture
def server(chromium, runs, lb_cache, tmp_path):
    """`harness leaderboard` (the command function) over a store of real runs, on a free port."""
    db = tmp_path / "board.sqlite"
    store = open_store(db)
    seed_reported(store)
    seed_runs(store, [runs["gold"]], workers=1)
    for key, name, size in (("a", "Qwen 0.5B prompting", "0.5B"), ("b", "Qwen 1.5B SFT", "1.5B"),
                            ("c", "Qwen 3B GRPO", "3B")):
        submit_runs(store, [runs[key]], SubmissionMeta(name, size, decoding="greedy"), workers=1)
    inflated = make_run(tmp_path / "inflated", wrong_every=6, latency=0.3)
    rewrite_json(inflated / "results.json", lambda r: r["metrics"].update(ex=0.99))
    submit_runs(store, [inflated], SubmissionMeta("Inflated claims", "7B"), workers=1)
    store.close()
    port = free_port()
    code = (
        "from harness.cli.leaderboard import leaderboard_command; "
        f"leaderboard_command(['--db', {str(db)!r}, '--port', '{port}'])"
    )
    log = open(tmp_path / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()  # the command exec'd Streamlit: this PID is the server itself
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_table_filter_and_comparison_in_chromium(chromium, server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    shots = [tmp_path / "shots"]
    if os.environ.get("HARNESS_SCREENSHOT_DIR"):
        shots.append(Path(os.environ["HARNESS_SCREENSHOT_DIR"]))
    for folder in shots:
        folder.mkdir(parents=True, exist_ok=True)

    def screenshot(page, name: str) -> None:
        page.screenshot(path=str(shots[0] / name))
        for folder in shots[1:]:
            shutil.copy(shots[0] / name, folder / name)

    profile = tmp_path / "chromium-profile"  # empty: no state from anywhere else
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(profile), executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1600, "height": 1000},
        )
        try:
            page = browser.new_page()
            page.goto(server, wait_until="domcontentloaded")
            expect(page.get_by_text("Text-to-SQL leaderboard").first).to_be_visible(timeout=30_000)
            expect(page.get_by_text("28 of 28 submissions shown.")).to_be_visible(timeout=30_000)
            expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()

            # Filter: the "Suite" multiselect, choose "sample".
            page.locator("[data-testid='stMultiSelect']").first.click()
            page.get_by_role("option", name="sample", exact=True).click()
            page.keyboard.press("Escape")
            expect(page.get_by_text("5 of 28 submissions shown.")).to_be_visible(timeout=30_000)
            page.wait_for_timeout(500)  # let the grid repaint before the picture
            screenshot(page, "leaderboard-table.png")

            # Open a comparison: the 1.5B SFT run against the 0.5B prompting run.
            page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Compare").click()
            expect(page.get_by_text("McNemar exact p")).to_be_visible(timeout=30_000)
            for box, name in ((1, "Qwen 1.5B SFT"), (2, "Qwen 0.5B prompting")):
                page.locator("[data-testid='stSelectbox']").nth(box).click()
                page.get_by_role("option", name=name).click()
                boxes = page.locator("[data-testid='stSelectbox']")
                chosen = boxes.nth(box).get_by_role("combobox")
                expect(chosen).to_have_value(re.compile(re.escape(name)), timeout=30_000)
            expect(page.get_by_text("A right, B wrong (14)")).to_be_visible(timeout=30_000)
            expect(page.get_by_text("A right, B wrong", exact=False)).to_be_visible()
            page.wait_for_timeout(500)
            screenshot(page, "leaderboard-compare.png")
        finally:
            browser.close()
    for name in ("leaderboard-table.png", "leaderboard-compare.png"):
        assert (shots[0] / name).stat().st_size > 10_000
