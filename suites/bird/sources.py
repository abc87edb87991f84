"""Where BIRD's data comes from: the official dev and Mini-Dev archives, pinned checksums, layouts.

- BIRD dev: https://bird-bench.oss-cn-beijing.aliyuncs.com/dev.zip (linked from
  https://bird-bench.github.io/), the ``dev_20240627`` release, 346,207,293 bytes. Its ``dev.sql``
  is also written as ``dev_gold.sql``, the name BIRD's evaluator reads. Layout: ``<root>/bird/``
  dev.json dev_tables.json dev.sql dev_gold.sql dev_databases/<db_id>/<db_id>.sqlite.
- BIRD Mini-Dev: https://bird-bench.oss-cn-beijing.aliyuncs.com/minidev.zip (linked from
  https://github.com/bird-bench/mini_dev), 800,943,648 bytes. Only the SQLite part (``MINIDEV/``)
  is unpacked; the MySQL and PostgreSQL dumps are skipped. Layout: ``<root>/bird/mini_dev/``
  mini_dev_sqlite.json mini_dev_sqlite_gold.sql dev_tables.json
  dev_databases/<db_id>/<db_id>.sqlite.

The harness's downloader (``harness.data.download``) reads these through ``BirdSuite.downloads``;
``harness/data/download.py`` explains how the pinned digests were established.
"""

from harness.data.sources import Dataset, Layout

BIRD_DEV = Dataset(
    name="bird",
    url="https://bird-bench.oss-cn-beijing.aliyuncs.com/dev.zip",
    # Not published by the authors; pinned by several independent projects for the
    # dev_20240627 release (Last-Modified 2024-06-29), 346,207,293 bytes.
    sha256="cdd6d19faeb45a23970b98d3ef6c40a87987c95459c2cf12076897a60cf5a630",
    size=346_207_293,
    filename="bird_dev.zip",
    layout=Layout(
        dest="bird",
        marker="dev.json",
        required=("dev.json", "dev_tables.json"),
        databases="dev_databases",
        nested=("dev_databases.zip",),
        # BIRD's evaluator opens <path>/dev_gold.sql; dev.zip ships those lines as dev.sql.
        copies=(("dev.sql", "dev_gold.sql"),),
    ),
)

BIRD_MINI_DEV = Dataset(
    name="bird-mini-dev",
    url="https://bird-bench.oss-cn-beijing.aliyuncs.com/minidev.zip",
    # Not published by the authors; pinned by several independent projects, 800,943,648
    # bytes (ETag 7BEB6DAB11E65F0FDE563E644A1EA319, last modified 2024-06-20).
    sha256="cc48ba16838204e4e214512030cb572eeb5f7bcdd999bae4b9b6ff12ec13b92f",
    size=800_943_648,
    filename="bird_minidev.zip",
    layout=Layout(
        dest="bird/mini_dev",
        marker="mini_dev_sqlite.json",
        required=("mini_dev_sqlite.json", "dev_tables.json"),
        databases="dev_databases",
    ),
)
