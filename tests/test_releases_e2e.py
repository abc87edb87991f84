"""The board in Chromium at laptop and phone width: every verified row shows its data release
and its Clean EX (EX on the questions with no gold flag), and the caption says which EX ranks.

Uses the store, server and browser of tests/test_leaderboard_e2e.py (real sample-suite runs,
verified on submission); skips as it does when Chromium or Playwright is absent.
"""

from __future__ import annotations

import pytest
from lb_helpers import (
    lb_cache_fixture,  # noqa: F401  (a fixture)
    runs_fixture,  # noqa: F401  (a fixture)
)

from harness.suite import load_suite
from tests.test_leaderboard_e2e import (  # noqa: F401  (fixtures)
    VIEWPORTS,
    browser,
    check_page,
    chromium_path,
    server,
    settle,
)


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
        # The grid paints on a canvas; the cells in view are in the DOM for screen readers. At
        # phone width the two columns are off to the right: scroll the grid sideways to them.
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.scroll_into_view_if_needed()
        for _ in range(30):  # a loaded machine repaints slowly: small steps, then look again
            if page.locator("th", has_text="Release").count():
                break
            grid.hover()
            page.mouse.wheel(120, 0)
            page.wait_for_timeout(500)
        expect(page.locator("th", has_text="Release").first).to_be_attached(timeout=30_000)
        expect(page.locator("th", has_text="EX % clean").first).to_be_attached(timeout=30_000)
        expect(page.locator("td", has_text="2026-11").first).to_be_attached(timeout=30_000)
        if viewport == "laptop":  # every column in view: the release sits in the row it names
            row = page.locator("tr", has_text="Qwen 0.5B prompting").first
            expect(row.locator("td", has_text="2026-11")).to_be_attached()
    finally:
        page.close()
