"""The board in Chromium at laptop and phone width: every verified row shows its data release
and its Clean EX (EX on the questions with no gold flag), and the caption says which EX ranks.

Uses the store, server and browser of tests/test_leaderboard_e2e.py (real sample-suite runs,
verified on submission), and a board of the project's own Spider-Realistic pair (shipped in
leaderboard/own_runs, verified on the shared data here); skips as it does when Chromium or
Playwright is absent, and the pair's test when the Spider data is.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from lb_helpers import (
    lb_cache_fixture,  # noqa: F401  (a fixture)
    runs_fixture,  # noqa: F401  (a fixture)
)
from support import require, shared_data_dir

from harness.suite import load_suite
from leaderboard.seed import load_own_runs
from leaderboard.store import open_store
from leaderboard.verify import store_verified, verify_run
from tests.test_leaderboard_e2e import (  # noqa: F401  (fixtures)
    VIEWPORTS,
    browser,
    check_page,
    chromium_path,
    server,
    serving,
    settle,
)

PAIR = "Qwen2.5-Coder-0.5B-Instruct Q4_K_M · prompting (llama.cpp)"  # own_runs/submissions.yaml


def test_sample_suite_release_is_named():
    assert load_suite("sample").release("dev").name == "2026-11"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_release_and_clean_ex_on_every_verified_row(browser, server, viewport, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    page = browser.new_page(viewport=VIEWPORTS[viewport])
    try:
        page.goto(f"{server['url']}/?view=sample/dev", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Text-to-SQL leaderboard")).to_be_visible(
            timeout=60_000)
        settle(page)
        check_page(page)
        page.screenshot(path=str(tmp_path / f"releases-{viewport}.png"), full_page=True)
        expect(page.get_by_text("Ranked by the official EX", exact=False)).to_be_visible()
        scroll_to_column(page, "Release")
        expect(page.locator("th", has_text="EX % clean").first).to_be_attached(timeout=30_000)
        expect(page.locator("td", has_text="2026-11").first).to_be_attached(timeout=30_000)
        if viewport == "laptop":  # every column in view: the release sits in the row it names
            row = page.locator("tr", has_text="Qwen 0.5B prompting").first
            expect(row.locator("td", has_text="2026-11")).to_be_attached()
    finally:
        page.close()


def scroll_to_column(page, name: str) -> None:
    """Bring the board's column ``name`` into view and wait for its header.

    The grid paints on a canvas; the cells in view are in the DOM for screen readers. At phone
    width the release and clean columns are off to the right: scroll the grid sideways to them.
    """
    from playwright.sync_api import expect

    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    for _ in range(30):  # a loaded machine repaints slowly: small steps, then look again
        if page.locator("th", has_text=name).count():
            break
        grid.hover()
        page.mouse.wheel(120, 0)
        page.wait_for_timeout(500)
    expect(page.locator("th", has_text=name).first).to_be_attached(timeout=30_000)


def cell_under(page, header: str):
    """The first row's cell in the column whose header is exactly ``header``."""
    th = page.locator("th", has_text=re.compile(f"^{re.escape(header)}$")).first
    return page.locator(f"td[aria-colindex='{th.get_attribute('aria-colindex')}']").first


@pytest.fixture(scope="module")
def own_pair_board(tmp_path_factory, chromium_path):  # noqa: F811
    """A board holding the project's own Spider dev / Spider-Realistic pair, verified here."""
    data = shared_data_dir()
    require((data / "spider-realistic" / "spider-realistic.json").is_file()
            and (data / "spider" / "dev.json").is_file(), f"no Spider-Realistic data under {data}")
    root = tmp_path_factory.mktemp("own-pair")
    store = open_store(root / "board.sqlite")
    meta, dirs = next((m, d) for m, d in load_own_runs() if m.name == PAIR)
    store_verified(store, [verify_run(d, data, workers=1) for d in dirs], meta)
    store.close()
    with serving(root / "board.sqlite", root / "server.log") as url:
        yield url


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_spider_realistic_run_shows_its_release_and_clean_ex(browser, own_pair_board,  # noqa: F811
                                                                 viewport, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport=VIEWPORTS[viewport])
    try:
        page.goto(f"{own_pair_board}/?view={quote('spider-realistic/dev first 50')}",
                  wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Text-to-SQL leaderboard")).to_be_visible(
            timeout=60_000)
        settle(page)
        check_page(page)
        page.screenshot(path=str(tmp_path / f"realistic-{viewport}.png"), full_page=True)
        scroll_to_column(page, "Release")
        scroll_to_column(page, "EX % clean")
        # The one row's cells under each header (the screen-reader table holds raw values):
        # the file's release, and EX on the 46 of 50 questions with no gold flag (50%; the
        # official EX is 52%), as the run's own results.json says.
        expect(cell_under(page, "Release")).to_have_text("2021-naacl")
        expect(cell_under(page, "EX % clean")).to_have_text("50")
        if viewport == "laptop":  # every column in view
            expect(cell_under(page, "EX %")).to_have_text("52")
            expect(page.locator("tr", has_text=PAIR).first).to_be_attached()
    finally:
        page.close()
