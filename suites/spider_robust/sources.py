"""Where Spider-Syn, Spider-DK and Spider-Realistic come from, file by file, with pinned digests.

Spider-Syn and Spider-DK are files in the authors' GitHub repositories, fetched raw at the commit
that released them; each SHA-256 is that blob's, and equals the copy in the project's shared data
(its ``SOURCES.md`` and ``MANIFEST.sha256``). Both repositories are MIT-licensed code; the questions
derive from Spider and are CC BY-SA 4.0. Their databases are Spider's (``harness data download
spider``), apart from Spider-DK's three modified ones, which come with it.

Spider-Realistic is one JSON file on Zenodo (record 5205322, CC BY-SA 4.0). The authors publish
no SHA-256 and Zenodo was not reachable when this was written, so the file is fetched from a public
copy of it, ``lrlbbzl/PTD-SQL`` @ ``4cebe7fd`` : ``spider-realistic/spider-realistic.json`` (508
questions, every ``(db_id, query)`` a Spider dev pair), and pinned to that copy's SHA-256. With
``--url`` pointing at a folder holding the Zenodo file, a byte-different Zenodo copy is refused.
"""

from harness.data.sources import Dataset, Layout, RemoteFile

SYN_COMMIT = "0b996a57b7e329c14c300a8fb13661da128a9ddc"  # ygan/Spider-Syn, 2021-10-23
DK_COMMIT = "5e16fa1f8cdbb401f3b55d2afb5a7c7435360590"  # ygan/Spider-DK, "submit dataset"
REALISTIC_COMMIT = "4cebe7fd6077813b989b1bc1ee1ba3179f834f78"  # lrlbbzl/PTD-SQL


def _raw(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


SPIDER_SYN = Dataset(
    name="spider-syn",
    url=f"https://github.com/ygan/Spider-Syn/tree/{SYN_COMMIT}",
    sha256=None,
    size=365_000,
    filename="spider-syn",
    layout=Layout(dest="spider-syn", marker="dev.json", required=("dev.json",), databases=None),
    files=(
        RemoteFile(
            "dev.json",
            _raw("ygan/Spider-Syn", SYN_COMMIT, "Spider-Syn/dev.json"),
            "c70b19cd000376d46331dce518c2bc5a672950c9bf2ee6ade7de519e373ee38d",
        ),
        RemoteFile(
            "LICENSE",
            _raw("ygan/Spider-Syn", SYN_COMMIT, "LICENSE"),
            "acf36b471b0be26939f1cc2778429c3de46536a32bad0bd13d4c54b5cc60538f",
        ),
    ),
)

_DK_FILES = (
    ("Spider-DK.json", "f8590106c56e0850c2e1412179a78fdcf86f02226ab9f81a4c367d1ae8575397"),
    ("tables.json", "aeaa9268303e7d5871c3e6bff4330b997fcdaea4414bba32d0160406527ffe35"),
    ("LICENSE", "0993cbeb78abda9b2568034992fc83ebf9ccaddda62b71f4854fb795bba47262"),
    (
        "database/new_concert_singer/new_concert_singer.sqlite",
        "3640db4739de19f1cb81fa6f5abe938f22beebd51889036f4a51ecb43135eaa0",
    ),
    (
        "database/new_concert_singer/schema.sql",
        "41c49e277fba8e724f7a82d8c4fff59237a0ad24022c439a11dd4537c5f4f5e3",
    ),
    (
        "database/new_orchestra/new_orchestra.sqlite",
        "8e452adcb335fad523a54d5ba4ebb8d9b0ad85e30e849fcc40ac5f0d956831a9",
    ),
    (
        "database/new_orchestra/schema.sql",
        "1d6b7484e727f74daa2873ee3f5d5c2d9d333e72a5e0541038d3672dacf33b7b",
    ),
    (
        "database/new_pets_1/new_pets_1.sqlite",
        "270d319add83d7ced59db0119c71f3ab101ced02a77a5a4e58ac88fdaeadb13d",
    ),
    (
        "database/new_pets_1/schema.sql",
        "111726cb50fc946962dfceb52086403839f2985347bc5324ecf1269552faf6fd",
    ),
)

SPIDER_DK = Dataset(
    name="spider-dk",
    url=f"https://github.com/ygan/Spider-DK/tree/{DK_COMMIT}",
    sha256=None,
    size=1_270_000,
    filename="spider-dk",
    layout=Layout(
        dest="spider-dk",
        marker="Spider-DK.json",
        required=("Spider-DK.json", "tables.json"),
        databases="database",
    ),
    files=tuple(
        RemoteFile(path, _raw("ygan/Spider-DK", DK_COMMIT, path), digest)
        for path, digest in _DK_FILES
    ),
)

SPIDER_REALISTIC = Dataset(
    name="spider-realistic",
    url="https://zenodo.org/records/5205322",  # the record; the file comes from the copy below
    sha256=None,
    size=None,
    filename="spider-realistic",
    layout=Layout(
        dest="spider-realistic",
        marker="spider-realistic.json",
        required=("spider-realistic.json",),
        databases=None,
    ),
    files=(
        RemoteFile(
            "spider-realistic.json",
            _raw("lrlbbzl/PTD-SQL", REALISTIC_COMMIT, "spider-realistic/spider-realistic.json"),
            "6d16e1be16eb47909430da083e1e2c29936814f141c31c6de4137a43adbf5ffa",
        ),
    ),
)
