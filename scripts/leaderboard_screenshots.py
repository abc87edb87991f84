"""Screenshots of a running leaderboard: the board, a comparison and one question.

    harness leaderboard --db board.sqlite --data-dir ../shared/data --port 8600 &
    python scripts/leaderboard_screenshots.py http://127.0.0.1:8600 docs/ --db board.sqlite \\
        --key sample/dev --a "Qwen2.5-Coder-0.5B-Instruct · prompting" \\
        --b "SmolLM2-135M · SFT (CPU recipe)"

Drives Debian's Chromium (/usr/bin/chromium) headless through Playwright, as the end-to-end
test does, at laptop size (1440×900) and, for the board, phone size (390×844). Writes
leaderboard-board.png, leaderboard-board-phone.png, leaderboard-compare.png and
leaderboard-question.png (whole pages) into the output folder. The comparison and the question
are opened through their shareable URLs; --db is read only to find the two results' ids.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from leaderboard.store import open_store

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
LAPTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
TALL = {"width": 1440, "height": 1900}  # the page scrolls inside the app: show more of it


def result_ids(db: str, key: str, names: list[str]) -> list[int]:
    """The stored result ids of the named verified submissions on suite/split ``key``."""
    store = open_store(db)
    try:
        subs = store.submissions()
        out = []
        for name in names:
            s = next(s for s in subs if s["name"] == name and s["status"] == "verified")
            out.append(next(r["id"] for r in s["results"] if f"{r['suite']}/{r['split']}" == key))
        first_wrong = next(v["question_id"] for v in store.verdicts(out[0])
                           if not v["correct"] and v["pred_sql"])
        return out + [first_wrong]
    finally:
        store.close()


def settle(page) -> None:
    """Until the script has run and every element has replaced its loading placeholder."""
    page.wait_for_timeout(1000)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stSkeleton']\") && "
        "!document.querySelector(\"[data-testid='stStatusWidget'] [data-testid='stSpinner']\")",
        timeout=120_000,
    )
    page.wait_for_timeout(2500)


def shoot(browser, url: str, heading: str, path: Path, viewport: dict) -> None:
    page = browser.new_page(viewport=viewport)
    page.goto(url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=60_000)
    settle(page)
    page.screenshot(path=str(path), full_page=True)
    page.close()
    print(f"wrote {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("out", type=Path)
    ap.add_argument("--db", required=True, help="the board's store, to look up result ids")
    ap.add_argument("--key", default="sample/dev", help="suite/split of the comparison")
    ap.add_argument("--a", required=True, help="submission shown as A on the comparison page")
    ap.add_argument("--b", required=True, help="submission shown as B")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    a, b, question = result_ids(args.db, args.key, [args.a, args.b])
    base = args.url.rstrip("/")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        shoot(browser, base, "Text-to-SQL leaderboard", args.out / "leaderboard-board.png",
              LAPTOP)
        shoot(browser, base, "Text-to-SQL leaderboard",
              args.out / "leaderboard-board-phone.png", PHONE)
        shoot(browser, f"{base}/compare?a={a}&b={b}", "Compare two submissions",
              args.out / "leaderboard-compare.png", TALL)
        shoot(browser, f"{base}/sample?result={a}&q={question}", "Sample",
              args.out / "leaderboard-question.png", TALL)
        browser.close()


if __name__ == "__main__":
    main()
