"""Where Spider's data comes from: the official archive, its pinned checksum and its layout.

Spider 1.0 is the Google Drive file linked from https://yale-lily.github.io/spider. Drive may answer
with a web page (quota exceeded, virus-scan notice) instead of the file; then download it in a
browser, or use ``--url`` with a mirror (the pinned digest still applies, so a mirror serving other
bytes is refused). ``xlangai/spider`` on Hugging Face holds only the questions (parquet), not the
databases, so it cannot replace this archive. The digest pins the 2024-09-12 Drive file.

Layout: ``<root>/spider/`` dev.json train_spider.json train_others.json tables.json dev_gold.sql
train_gold.sql database/<db_id>/<db_id>.sqlite (and test files, as shipped).

The harness's downloader (``harness.data.download``) reads this through ``SpiderSuite.downloads``;
``harness/data/download.py`` explains how the pinned digests were established.
"""

from harness.data.sources import Dataset, Layout

SPIDER = Dataset(
    name="spider",
    # Drive id from https://yale-lily.github.io/spider ("Spider Dataset"); confirm=t skips
    # the virus-scan page that Drive shows for large files.
    url=(
        "https://drive.usercontent.google.com/download"
        "?id=1403EGqzIDoHMdQF4c9Bkyl7dZLZ5Wt6J&export=download&confirm=t"
    ),
    # Not published by the authors; the same digest is pinned by several independent
    # projects for spider_data.zip from this Drive id (about 206 MB).
    sha256="00636695dabed6b5f4b8328a16b13e069a2f16591d5efcce57660669c85b121b",
    size=None,
    filename="spider_data.zip",
    layout=Layout(
        dest="spider",
        marker="dev.json",
        required=("dev.json", "tables.json"),
        databases="database",
    ),
)
