"""End to end: `harness leaderboard` on a loopback port, driven in headless Debian Chromium.

Opens every page at laptop (1440×900) and phone (390×844) size and checks that nothing raises
and nothing is wider than the screen; checks that Sample and Compare show every stored result's
EX; compares a greedy with a voting run; uploads a copy of the gold SQL and finds it flagged.
Skips when Chromium or Playwright is absent, unless HARNESS_REQUIRE_ALL=1, which turns the skip
into a failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

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


@pytest.fixture(scope="module")
def server(runs, lb_cache, tmp_path_factory):
    """`harness leaderboard` (the command function) over a store of real runs, on a free port:
    the published rows, the gold self-test, a greedy and a voting run, an inflated claim."""
    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    tmp_path = tmp_path_factory.mktemp("e2e")
    db = tmp_path / "board.sqlite"
    store = open_store(db)
    seed_reported(store)
    seed_runs(store, [runs["gold"]], workers=1)
    ids = {}
    for key, name, size, decoding in (("a", "Qwen 0.5B prompting", "0.5B", "greedy"),
                                      ("b", "Qwen 1.5B SFT maj@8", "1.5B", "maj@8"),
                                      ("c", "Qwen 3B GRPO", "3B", "greedy")):
        outcome = submit_runs(store, [runs[key]], SubmissionMeta(name, size, decoding=decoding),
                              workers=1)
        ids[key] = store.submission(outcome.submission_id)["results"][0]["id"]
    inflated = make_run(tmp_path / "inflated", wrong_every=6, latency=0.3)
    rewrite_json(inflated / "results.json", lambda r: r["metrics"].update(ex=0.99))
    submit_runs(store, [inflated], SubmissionMeta("Inflated claims", "7B"), workers=1)
    expected = {
        r["id"]: f"{100 * r['ex']:.2f}" for s in store.submissions()
        if s["status"] == "verified" for r in s["results"]
    }
    store.close()
    port = free_port()
    code = (
        "from leaderboard.cli import leaderboard_command; "
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
        yield {"url": url, "ids": ids, "expected": expected}
    finally:
        process.terminate()  # the command exec'd Streamlit: this PID is the server itself
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


VIEWPORTS = {"laptop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
PAGES = {"": "Text-to-SQL leaderboard", "plots": "Plots", "compare": "Compare two submissions",
         "sample": "Sample", "submit": "Submit", "about": "About this leaderboard"}


def settle(page) -> None:
    """Wait until Streamlit has run the script and every element replaced its placeholder."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stSkeleton']\") && "
        "!document.querySelector(\"[data-testid='stStatusWidget'] [data-testid='stSpinner']\")",
        timeout=120_000,
    )
    page.wait_for_timeout(1000)


def check_page(page) -> None:
    """No exception box, and nothing wider than the screen (no sideways scrolling)."""
    assert page.locator("[data-testid='stException']").count() == 0
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"


def metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Debian's Chromium, headless; each page opens in a fresh context (no state between)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path, headless=True,
                                     args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def chromium_path() -> str:
    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "Playwright is not installed (pip install playwright; no browser download)")
    return CHROMIUM


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_page_in_chromium(browser, server, viewport, tmp_path):
    """Every page at laptop and phone size: it loads, raises nothing, does not overflow, and
    shows the same EX as the stored results.json."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport=VIEWPORTS[viewport])
    base, ids, expected = server["url"], server["ids"], server["expected"]
    try:
        for path, title in PAGES.items():
            page.goto(f"{base}/{path}", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=60_000)
            settle(page)
            check_page(page)
            page.screenshot(path=str(tmp_path / f"{path or 'board'}-{viewport}.png"),
                            full_page=True)
        # One number everywhere: Sample and Compare show the stored EX of every result.
        for rid, ex in expected.items():
            page.goto(f"{base}/sample?result={rid}", wait_until="domcontentloaded")
            expect(page.get_by_text("EX % on").first).to_be_visible(timeout=60_000)
            settle(page)
            assert metric(page, "EX % on") == ex
        a, b = ids["a"], ids["b"]
        page.goto(f"{base}/compare?a={a}&b={b}", wait_until="domcontentloaded")
        expect(page.get_by_text("McNemar exact p")).to_be_visible(timeout=60_000)
        settle(page)
        check_page(page)
        assert metric(page, "A: EX %") == expected[a] and metric(page, "B: EX %") == expected[b]
        # A greedy row against a voting row: said in words.
        expect(page.get_by_text("single greedy decode").first).to_be_visible()
        expect(page.get_by_text("many (8–32)").first).to_be_visible()
        expect(page.get_by_text("decoding budget", exact=False).first).to_be_visible()
    finally:
        page.close()


def test_a_gold_copy_upload_is_flagged_in_chromium(browser, server, tmp_path):
    from playwright.sync_api import expect

    from harness.suite import load_suite

    examples = load_suite("sample").load_examples("dev")
    upload = tmp_path / "my-model.jsonl"
    upload.write_text("".join(  # the gold SQL re-spaced: not the gold run itself, still a copy
        json.dumps({"question_id": e.question_id, "sql": "  ".join(e.gold_sql.split())}) + "\n"
        for e in examples))
    page = browser.new_page(viewport=VIEWPORTS["laptop"])
    try:
        page.goto(f"{server['url']}/submit", wait_until="domcontentloaded")
        expect(page.get_by_text("What are you uploading?")).to_be_visible(timeout=60_000)
        settle(page)
        page.locator("[data-testid='stSelectbox']").filter(has_text="Suite").click()
        page.get_by_role("option", name="sample", exact=True).click()
        settle(page)
        page.get_by_label("Name (required)").fill("Definitely a model")
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(upload))
        page.wait_for_timeout(1000)
        page.get_by_role("button", name="Verify and submit").click()
        expect(page.get_by_text("Stored as submission")).to_be_visible(timeout=120_000)
        expect(page.get_by_text("100.0% of the predictions are the gold SQL itself",
                                exact=False)).to_be_visible()
        link = page.get_by_role("link", name="See it on the sample/dev board")
        expect(link).to_be_visible()
        page.goto(urljoin(page.url, link.get_attribute("href")), wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Text-to-SQL leaderboard")).to_be_visible(
            timeout=60_000)
        settle(page)
        page.screenshot(path=str(tmp_path / "after-upload.png"), full_page=True)
        # The grid paints on a canvas; its cells are in the DOM for screen readers.
        expect(page.locator("td", has_text="Definitely a model").first).to_be_attached(
            timeout=30_000)
        expect(page.get_by_role("link", name="Leaderboard")).to_be_visible()  # the app's nav
        expect(page.get_by_text("100.0% of the predictions are the gold SQL itself",
                                exact=False)).to_be_visible()  # the row's details, opened
        check_page(page)
    finally:
        page.close()
