"""Downloading Spider-Syn, Spider-DK and Spider-Realistic (file sets) from a loopback server.

The tests serve the project's shared copies of the files, so the pinned digests in
``suites/spider_robust/sources.py`` are checked against real bytes.
"""

from __future__ import annotations

import pytest

from harness.data.download import download_dataset, is_complete
from harness.errors import ConfigError, DataError
from harness.suite import dataset, datasets
from suites.spider_robust import SpiderDKSuite, SpiderRealisticSuite, SpiderSynSuite
from tests.support import require, shared_data_dir
from tests.test_download import leftovers, server  # noqa: F401 - the loopback server fixture


def serve_set(server, name: str, source_dir) -> str:  # noqa: F811
    """Serve every file of dataset ``name`` from ``source_dir`` under a mirror folder."""
    base = f"/mirror/{name}"
    for remote in datasets()[name].files:
        server.add(f"{base}/{remote.path}", (source_dir / remote.path).read_bytes(),
                   "application/octet-stream")
    return server.url(base)


def shared(folder: str):
    root = shared_data_dir() / folder
    require(root.is_dir(), f"{root} not found: the shared benchmark data is needed")
    return root


def test_spider_dk_download_checks_every_pinned_digest(server, tmp_path):  # noqa: F811
    mirror = serve_set(server, "spider-dk", shared("spider-dk"))
    root = tmp_path / "data"
    assert not is_complete(dataset("spider-dk"), root)

    dest = download_dataset(dataset("spider-dk"), root, url=mirror, progress=False)

    assert dest == root / "spider-dk" and is_complete(dataset("spider-dk"), root)
    suite = SpiderDKSuite(root)
    examples = suite.load_examples("dev")
    assert len(examples) == 535
    assert suite.database("new_pets_1").path.is_file()
    assert suite.database_problem("new_pets_1") is None
    assert "new_orchestra" in {e.db_id for e in examples}
    provenance = (dest / "DOWNLOAD_SHA256").read_text()
    assert all(r.sha256 in provenance for r in datasets()["spider-dk"].files)
    assert not (root / ".downloads" / "spider-dk").exists() and leftovers(root) == []


def test_spider_syn_download_then_suite_reads_it(server, tmp_path):  # noqa: F811
    mirror = serve_set(server, "spider-syn", shared("spider-syn"))
    download_dataset(dataset("spider-syn"), tmp_path, url=mirror, progress=False)

    examples = SpiderSynSuite(tmp_path).load_examples("dev")
    assert len(examples) == 1034
    assert examples[0].question == "How many vocalists do we have?"
    assert examples[0].original_id == 0


def test_a_changed_file_is_refused_and_nothing_is_placed(server, tmp_path):  # noqa: F811
    mirror = serve_set(server, "spider-syn", shared("spider-syn"))
    body, kind = server.files["/mirror/spider-syn/dev.json"]
    server.files["/mirror/spider-syn/dev.json"] = (body.replace(b"vocalists", b"singers"), kind)

    with pytest.raises(DataError, match="Checksum mismatch for spider-syn"):
        download_dataset(dataset("spider-syn"), tmp_path, url=mirror, progress=False)
    assert not (tmp_path / "spider-syn").exists()


def test_sha256_option_is_refused_for_a_file_set(tmp_path):
    with pytest.raises(ConfigError, match="own pinned digest"):
        download_dataset(dataset("spider-dk"), tmp_path, sha256="0" * 64)


def test_spider_realistic_resumes_checks_its_pinned_digest_and_loads(server, tmp_path):  # noqa: F811
    body = (shared("spider-realistic") / "spider-realistic.json").read_bytes()
    server.add("/mirror/spider-realistic.json", body, "application/json")
    server.drop_after = [500_000]
    mirror = server.url("/mirror")

    with pytest.raises(DataError, match="interrupted"):
        download_dataset(dataset("spider-realistic"), tmp_path, url=mirror, progress=False)
    download_dataset(dataset("spider-realistic"), tmp_path, url=mirror, progress=True)

    assert [r["range"] for r in server.requests] == [None, "bytes=500000-"]
    dest = tmp_path / "spider-realistic"
    assert (dest / "spider-realistic.json").read_bytes() == body
    assert "6d16e1be16eb4790" in (dest / "DOWNLOAD_SHA256").read_text()
    examples = SpiderRealisticSuite(tmp_path).load_examples("dev")
    assert len(examples) == 508
    assert [e.original_id for e in examples][:3] == [None] * 3  # no Spider dev.json to align with


def test_spider_realistic_with_other_bytes_is_refused(server, tmp_path):  # noqa: F811
    server.add("/mirror/spider-realistic.json", b"[]", "application/json")
    with pytest.raises(DataError, match="(?i)sha-?256|checksum|digest"):
        download_dataset(dataset("spider-realistic"), tmp_path, url=server.url("/mirror"),
                         progress=False)
    assert not is_complete(dataset("spider-realistic"), tmp_path)


def test_spider_realistic_not_downloaded_says_how(tmp_path):
    suite = SpiderRealisticSuite(tmp_path)
    with pytest.raises(DataError) as info:
        suite.load_examples("dev")
    message = str(info.value)
    assert message.startswith("spider-realistic is not downloaded")
    assert "harness data download spider-realistic" in message
