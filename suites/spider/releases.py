"""Spider dev's releases: the original and the June 2020 correction (``harness.data.releases``).

The authors corrected 44 dev examples on 2020-06-08 (28 gold queries, 21 questions):
``taoyds/spider`` commit ``25fcd85`` ("corrected annotated errors/mismatches") edits
``evaluation_examples/dev.sql``, whose previous version (commit ``e0b7bc9``, "old dev file
uploaded") is the original dev set. ``dev.sql`` is lower-cased and tokenised, so the original is
pinned by its content digest, computed from that file (the corrected ``dev.sql`` gives exactly the
corrected ``dev.json``'s digest, which is how the digest was checked).
"""

from harness.data.releases import Release

SPIDER_TRAIN_RELEASES = (
    Release(
        name="2018",
        title="Spider train (train_spider.json), unchanged since release",
        source="tjhalanigrid/Text2Sql @ 2a9e09db : data/train_spider.json (git blob 383d60a9)",
        question_sha256=("a273d9ed660ada641a515cf3c9ec4ef369e2a246142f93a874df6ddda7c9c6dd",),
        examples=7000,
        base="spider",
    ),
)

SPIDER_DEV_RELEASES = (
    Release(
        name="2018-original",
        title="Spider dev as first released (before the 2020-06 correction of 44 examples)",
        source="taoyds/spider @ e0b7bc9 : evaluation_examples/dev.sql (content digest only)",
        content_sha256="2c0a291c78c850ae63415e322ebc55247df52c5df03e4da103e4ee78d268a973",
        examples=1034,
        base="spider",
        downloadable=False,
    ),
    Release(
        name="2020-06",
        title="Spider dev with the 2020-06-08 corrections (in spider_data.zip since)",
        source=(
            "taoyds/spider @ b7b5b8c : evaluation_examples/examples/dev.json "
            "(git blob 4e0338a3); gold dev_gold.sql as in Dr.Spider's data/Spider-dev/gold.sql"
        ),
        question_sha256=("30d64a3fccde493226df79687aed9e4a1c0129525baf44f29c0573d914d758a4",),
        gold_sha256=("0b14e99791ebc59741608e68d1d73a6dbb75556c435faa3f4dce816b90c96661",),
        content_sha256="64f98b52e6c5d8b321619f3294ecd778eda6ac52ef429c9cdecb197f6b259017",
        examples=1034,
        base="spider",
    ),
)
