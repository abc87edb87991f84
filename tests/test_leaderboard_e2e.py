"""End to end: `harness leaderboard` on a loopback port, driven in headless Debian Chromium.

Opens every page at laptop (1440×900) and phone (390×844) size and checks that nothing raises
and nothing is wider than the screen; checks that Sample and Compare show every stored result's
EX; compares a greedy with a voting run; uploads a copy of the gold SQL and finds it flagged.
The hostile uploads of the last probe, in the browser at both sizes: a gold copy, a wrapped gold
copy, a ``; -- x`` gold copy (each stored, flagged, not ranked, with its reason in the table)
and a majority-of-8 run declared greedy (refused, with the reason); ranks 1..n within each class
under a rank column named for the class; Back after "Open in Sample" returns to the same
comparison; a hide is gone on the next load.
Skips when Chromium or Playwright is absent, unless HARNESS_REQUIRE_ALL=1, which turns the skip
into a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from lb_helpers import (
    lb_cache_fixture,  # noqa: F401  (a fixture)
    make_run,
    rewrite_json,
    runs_fixture,  # noqa: F401  (a fixture)
    voting_run,
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
    ids, sids = {}, {}
    runs = {**runs, "d": make_run(tmp_path / "d", wrong_every=5)}
    for key, name, size, decoding in (("a", "Qwen 0.5B prompting", "0.5B", "greedy"),
                                      ("b", "Qwen 1.5B SFT maj@8", "1.5B", "maj@8"),
                                      ("c", "Qwen 3B GRPO", "3B", "greedy"),
                                      ("d", "Qwen 7B SFT", "7B", "greedy")):
        outcome = submit_runs(store, [runs[key]], SubmissionMeta(name, size, decoding=decoding),
                              workers=1)
        ids[key] = store.submission(outcome.submission_id)["results"][0]["id"]
        sids[key] = outcome.submission_id
    inflated = make_run(tmp_path / "inflated", wrong_every=6, latency=0.3)
    rewrite_json(inflated / "results.json", lambda r: r["metrics"].update(ex=0.99))
    submit_runs(store, [inflated], SubmissionMeta("Inflated claims", "7B"), workers=1)
    expected = {
        r["id"]: f"{100 * r['ex']:.2f}" for s in store.submissions()
        if s["status"] == "verified" for r in s["results"]
    }
    store.close()
    with serving(db, tmp_path / "server.log") as url:
        yield {"url": url, "ids": ids, "sids": sids, "expected": expected, "db": str(db),
               "root": tmp_path}


@contextlib.contextmanager
def serving(db: Path, log_path: Path) -> Iterator[str]:
    """`harness leaderboard --db DB` on a free loopback port until the block ends; its URL."""
    port = free_port()
    code = (
        "from leaderboard.cli import leaderboard_command; "
        f"leaderboard_command(['--db', {str(db)!r}, '--port', '{port}'])"
    )
    log = open(log_path, "w")
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
        choose(page, "Decoding", "greedy: one greedy decode (temperature 0)")  # a file must say
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
        expect(page.get_by_text("sample/dev: 100.0% of the predictions are the gold SQL itself",
                                exact=False)).to_be_visible()  # the row's details, opened
        expect(page.locator("td", has_text="flagged: 100.0% of the predictions").first
               ).to_be_attached()  # and the reason it is not ranked, in its row
        check_page(page)
    finally:
        page.close()


# -- the hostile uploads of the last probe -----------------------------------------------------


def gold_copy_file(folder: Path, name: str, change, skip: int) -> Path:
    """The gold SQL of sample/dev, disguised by ``change``, on 3 of every 4 questions (the
    fourth answered ``SELECT 1``, so each copy is a submission of its own)."""
    from harness.suite import load_suite

    examples = load_suite("sample").load_examples("dev")
    path = folder / f"{name}.jsonl"
    path.write_text("".join(
        json.dumps({"question_id": e.question_id,
                    "sql": "SELECT 1" if i % 4 == skip else change(e.gold_sql.strip()
                                                                   .rstrip(";"))}) + "\n"
        for i, e in enumerate(examples)))
    return path


COPY_FLAG = re.compile(r"\d+\.\d% of the predictions are the gold SQL itself")
COPY_REASON = re.compile(r"flagged: \d+\.\d% of the predictions")
HOSTILE_UPLOADS = {  # viewport -> (name, kind, builder)
    "laptop": [
        ("Pasted gold", "file", lambda d: gold_copy_file(d, "gold", lambda g: g, 0)),
        ("Wrapped gold", "file", lambda d: gold_copy_file(
            d, "wrapped", lambda g: f"SELECT * FROM ({g}) AS t", 1)),
    ],
    "phone": [
        ("Commented gold", "file", lambda d: gold_copy_file(d, "commented",
                                                            lambda g: f"{g}; -- x", 2)),
        ("Majority of 8 called greedy", "run", None),
    ],
}


def open_board(page, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Text-to-SQL leaderboard")).to_be_visible(
        timeout=60_000)
    settle(page)
    check_page(page)


def choose(page, label: str, option: str) -> None:
    """Open the selectbox labelled ``label`` (its input, not its label's help icon) and pick."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label)
    box.scroll_into_view_if_needed()  # at 390 px a list opened at the screen's edge is empty
    page.wait_for_timeout(500)
    box.get_by_role("combobox").click()
    page.get_by_role("option", name=option).click()
    settle(page)


def upload(page, base: str, name: str, kind: str, files: list[Path]) -> None:
    """Fill the Submit page as a person would: what, suite, name, decoding greedy, the files."""
    page.goto(f"{base}/submit", wait_until="domcontentloaded")
    page.get_by_text("What are you uploading?").wait_for(timeout=60_000)
    settle(page)
    if kind == "run":
        page.get_by_text("Run folder (results.json + samples.jsonl)").click()
        settle(page)
    else:
        choose(page, "Suite", "sample")
    page.get_by_label("Name (required)").fill(name)
    choose(page, "Decoding", "greedy: one greedy decode (temperature 0)")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        [str(f) for f in files])
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Verify and submit").click()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_hostile_uploads_are_never_ranked_in_chromium(browser, server, viewport, tmp_path):
    from playwright.sync_api import expect

    base = server["url"]
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    try:
        for name, kind, build in HOSTILE_UPLOADS[viewport]:
            if kind == "run":
                run = voting_run(tmp_path / "maj8")
                upload(page, base, name, kind, [run / "results.json", run / "samples.jsonl"])
                expect(page.get_by_text("Not stored.")).to_be_visible(timeout=180_000)
                expect(page.get_by_text("holds 8 candidates per question", exact=False)
                       ).to_be_visible()
            else:
                upload(page, base, name, kind, [build(tmp_path)])
                expect(page.get_by_text("Stored as submission")).to_be_visible(timeout=180_000)
                expect(page.get_by_text("Flagged, so not ranked")).to_be_visible()
                expect(page.get_by_text(COPY_FLAG).first).to_be_visible()
            check_page(page)
            page.screenshot(path=str(tmp_path / f"upload-{name}-{viewport}.png"), full_page=True)
        open_board(page, f"{base}/?view=sample/dev")
        page.screenshot(path=str(tmp_path / f"board-{viewport}.png"), full_page=True)
        # A rank column per class, named for it, first in the table.
        for header in ("Rank: single greedy decode", "Rank: several samples: many (8–32)"):
            expect(page.get_by_text(header, exact=True).first).to_be_attached()
        # The copies (searched for: the grid draws only the cells on screen, and a phone shows
        # few): each there, unranked, its reason in its row; the refused run is not there.
        open_board(page, f"{base}/?view=sample/dev&search=gold")
        page.screenshot(path=str(tmp_path / f"board-copies-{viewport}.png"), full_page=True)
        for name, kind, _ in HOSTILE_UPLOADS[viewport]:
            cell = page.locator("td", has_text=name)
            if kind == "run":
                expect(cell).to_have_count(0)  # refused: not on the board at all
            else:
                expect(cell.first).to_be_attached(timeout=30_000)
        expect(page.get_by_text("Rank: single greedy decode", exact=True)).to_have_count(0)
        expect(page.locator("td", has_text=COPY_REASON).first).to_be_attached()
    finally:
        page.close()


def test_ranks_count_one_to_n_within_each_class(server):
    """What the browser's table holds, from the same store: ranks 1..n per class, the copies
    and the flagged claim unranked with a reason (checked on the store the server reads)."""
    from leaderboard import queries as data

    store = open_store(server["db"])
    try:
        frame = data.benchmark_frame(store.submissions(("public",)), "sample/dev")
    finally:
        store.close()
    view = data.board_view(frame, data.ViewFilter())
    ranked = view[view[data.RANK].notna()]
    for cls in set(ranked["Decoding class"]):
        block = ranked[ranked["Decoding class"] == cls]
        assert list(block[data.rank_column(cls)]) == list(range(1, len(block) + 1))
    unranked = view[view[data.RANK].isna() & view["verified"]]
    assert unranked[data.NOT_RANKED].notna().all()


def test_back_after_open_in_sample_returns_to_the_comparison(browser, server):
    from playwright.sync_api import expect

    a, b = server["ids"]["c"], server["ids"]["a"]
    page = browser.new_page(viewport=VIEWPORTS["laptop"])
    try:
        page.goto(f"{server['url']}/compare?on=sample/dev&a={a}&b={b}",
                  wait_until="domcontentloaded")
        expect(page.get_by_text("McNemar exact p")).to_be_visible(timeout=60_000)
        settle(page)
        page.get_by_role("button", name="Open in Sample").click()
        expect(page.get_by_role("heading", name="Sample")).to_be_visible(timeout=60_000)
        settle(page)
        assert "/sample" in page.url
        page.go_back()
        expect(page.get_by_text("McNemar exact p")).to_be_visible(timeout=60_000)
        settle(page)
        assert f"a={a}" in page.url and f"b={b}" in page.url
        expected = server["expected"]
        assert metric(page, "A: EX %") == expected[a] and metric(page, "B: EX %") == expected[b]
        check_page(page)
    finally:
        page.close()


def moderate(server, action: str, key: str) -> None:
    """``harness submissions ACTION`` on one of the server's submissions, as a moderator would."""
    code = subprocess.run(
        [sys.executable, "-m", "harness", "submissions", action, str(server["sids"][key]),
         "--db", server["db"]], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120)
    assert code.returncode == 0, code.stderr


def test_a_hide_is_gone_on_the_next_load(browser, server):
    from playwright.sync_api import expect

    page = browser.new_page(viewport=VIEWPORTS["laptop"])  # the names' column on screen
    try:
        page.goto(f"{server['url']}/?view=sample/dev", wait_until="domcontentloaded")
        settle(page)
        expect(page.locator("td", has_text="Qwen 7B SFT").first).to_be_attached(timeout=60_000)
        moderate(server, "hide", "d")
        page.reload(wait_until="domcontentloaded")
        settle(page)
        expect(page.locator("td", has_text="Qwen 3B GRPO").first).to_be_attached(timeout=60_000)
        expect(page.locator("td", has_text="Qwen 7B SFT")).to_have_count(0)
    finally:
        page.close()
        # The server is shared by the module's tests, which may run in any order: put it back.
        moderate(server, "approve", "d")
