"""The robustness sets' releases: each was published once, pinned by its file's SHA-256."""

from harness.data.releases import Release
from suites.spider_robust.sources import DK_COMMIT, SYN_COMMIT

SPIDER_SYN_RELEASES = (
    Release(
        name="2021-acl",
        title="Spider-Syn dev (Gan et al., ACL 2021)",
        source=f"ygan/Spider-Syn @ {SYN_COMMIT[:8]} : Spider-Syn/dev.json",
        question_sha256=("c70b19cd000376d46331dce518c2bc5a672950c9bf2ee6ade7de519e373ee38d",),
        content_sha256="c66b400170d68d6c9476afa9e218d1236f73ed4d332d13b65c6ad78a5277b39b",
        examples=1034,
        base="spider-syn",
    ),
)

SPIDER_DK_RELEASES = (
    Release(
        name="2021-emnlp",
        title="Spider-DK (Gan, Chen and Purver, EMNLP 2021)",
        source=f"ygan/Spider-DK @ {DK_COMMIT[:8]} : Spider-DK.json",
        question_sha256=("f8590106c56e0850c2e1412179a78fdcf86f02226ab9f81a4c367d1ae8575397",),
        content_sha256="52ff0e6c86b14984e5db94932171f3a6343d8d00abfa4f68e466a7bbb12e2e4c",
        examples=535,
        base="spider-dk",
    ),
)

SPIDER_REALISTIC_RELEASES = (
    Release(
        name="2021-naacl",
        title="Spider-Realistic (Deng et al., NAACL 2021; Zenodo record 5205322)",
        source=(
            "lrlbbzl/PTD-SQL @ 4cebe7fd : spider-realistic/spider-realistic.json, a copy of the "
            "authors' Zenodo file"
        ),
        question_sha256=("6d16e1be16eb47909430da083e1e2c29936814f141c31c6de4137a43adbf5ffa",),
        content_sha256="509926a54db337301561a66d975e0845355c4216321f743b03882788b7a3014b",
        examples=508,
        base="spider-realistic",
    ),
)
