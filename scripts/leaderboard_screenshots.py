"""Screenshots of a running leaderboard: the table page and a comparison of two submissions.

    harness leaderboard --db board.sqlite --data-dir ../shared/data --port 8600 &
    python scripts/leaderboard_screenshots.py http://127.0.0.1:8600 shots/ \\
        --key sample/dev "SmolLM2-135M · SFT (CPU recipe)" "SmolLM2-135M · FINER-SQL (CPU recipe)"

Drives Debian's Chromium (/usr/bin/chromium) headless through Playwright, as the end-to-end
test does. Writes table.png, table-SUITE.png for each --suite filter, and compare.png (whole
pages) into the output folder.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("out", type=Path)
    ap.add_argument("a", help="submission shown as A on the comparison page")
    ap.add_argument("b", help="submission shown as B")
    ap.add_argument("--key", help="suite/split to compare on, e.g. sample/dev")
    ap.add_argument("--suite", action="append", default=[],
                    help="also shoot the table filtered to this suite (repeatable)")
    ap.add_argument("--width", type=int, default=1600)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": args.width, "height": 1100})
        page.goto(args.url, wait_until="domcontentloaded")
        expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible(timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(args.out / "table.png"), full_page=True)
        for suite in args.suite:
            page.locator("[data-testid='stMultiSelect']").first.click()
            page.get_by_role("option", name=suite, exact=True).click()
            page.keyboard.press("Escape")
            page.wait_for_timeout(2000)
            page.screenshot(path=str(args.out / f"table-{suite}.png"), full_page=True)

        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Compare").click()
        expect(page.get_by_text("McNemar exact p")).to_be_visible(timeout=60_000)
        if args.key:
            page.locator("[data-testid='stSelectbox']").nth(0).click()
            page.get_by_role("option", name=args.key, exact=True).click()
            page.wait_for_timeout(1500)
        for box, name in ((1, args.a), (2, args.b)):
            page.locator("[data-testid='stSelectbox']").nth(box).click()
            page.get_by_role("option", name=re.compile(re.escape(name))).first.click()
            chosen = page.locator("[data-testid='stSelectbox']").nth(box).get_by_role("combobox")
            expect(chosen).to_have_value(re.compile(re.escape(name)), timeout=60_000)
        page.wait_for_timeout(2000)
        page.screenshot(path=str(args.out / "compare.png"), full_page=True)
        browser.close()
    print(f"wrote {args.out / 'table.png'} and {args.out / 'compare.png'}")


if __name__ == "__main__":
    main()
