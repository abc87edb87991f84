"""``harness.data.download`` against a real HTTP server on loopback, serving archives built here.

The server honours ``Range`` (http.server's own handler does not) and can drop the connection
after N bytes, so resuming is tested over real sockets, not mocks.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import socket
import sqlite3
import tarfile
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.data.download import download_dataset, is_complete
from harness.errors import ConfigError, DataError, UnknownNameError
from harness.suite import dataset, datasets

SPIDER, BIRD = dataset("spider"), dataset("bird")

# -- archives ------------------------------------------------------------------------------


def sqlite_bytes(tmp_path: Path, name: str) -> bytes:
    """A real, small SQLite database, as bytes."""
    path = tmp_path / f"{name}.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE singer (id INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO singer VALUES (?, ?)", [(1, "Ann"), (2, "Bo")])
    con.commit()
    con.close()
    return path.read_bytes()


# Incompressible padding, so the archive is big enough to interrupt mid-way.
PADDING = random.Random(0).randbytes(300_000)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def spider_members(tmp_path: Path, top: str = "spider_data") -> dict[str, bytes]:
    dev = [{"db_id": "concert_singer", "question": "How many singers?", "query": "SELECT 1"}]
    return {
        f"{top}/dev.json": json.dumps(dev).encode(),
        f"{top}/tables.json": json.dumps([{"db_id": "concert_singer"}]).encode(),
        f"{top}/dev_gold.sql": b"SELECT 1\tconcert_singer\n",
        f"{top}/database/concert_singer/concert_singer.sqlite": sqlite_bytes(tmp_path, "cs"),
        f"{top}/README.txt": PADDING,
        f"__MACOSX/{top}/._dev.json": b"resource fork",
    }


def bird_zip(tmp_path: Path) -> bytes:
    inner = zip_bytes(
        {
            "dev_databases/california_schools/california_schools.sqlite": sqlite_bytes(
                tmp_path, "ca"
            ),
            "dev_databases/california_schools/database_description/schools.csv": b"a,b\n",
            "__MACOSX/dev_databases/._california_schools": b"junk",
        }
    )
    dev = [{"question_id": 0, "db_id": "california_schools", "question": "?", "SQL": "SELECT 1"}]
    return zip_bytes(
        {
            "dev_20240627/dev.json": json.dumps(dev).encode(),
            "dev_20240627/dev_tables.json": b"[]",
            "dev_20240627/dev.sql": b"SELECT 1\tcalifornia_schools\n",
            "dev_20240627/dev_databases.zip": inner,
            "dev_20240627/padding.bin": PADDING,
        }
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- server --------------------------------------------------------------------------------


@dataclass
class Server:
    """A loopback HTTP server for ``files``, recording every request."""

    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> (body, type)
    drop_after: list[int] = field(default_factory=list)  # per request, in order: cut after N bytes
    honour_range: bool = True
    requests: list[dict] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes, content_type: str = "application/zip") -> str:
        self.files[path] = (body, content_type)
        return self.url(path)

    @property
    def bytes_sent(self) -> int:
        return sum(r["sent"] for r in self.requests)


def make_handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            record = {"path": self.path, "range": self.headers.get("Range"), "sent": 0}
            server.requests.append(record)
            if self.path not in server.files:
                self.send_error(404, "Not Found")
                return
            body, content_type = server.files[self.path]
            start = 0
            wanted = record["range"]
            if wanted and server.honour_range:
                start = int(wanted.removeprefix("bytes=").split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            cut = server.drop_after.pop(0) if server.drop_after else None
            if cut is not None:
                payload = payload[:cut]
            self.wfile.write(payload)
            self.wfile.flush()
            record["sent"] = len(payload)
            if cut is not None:  # hang up mid-body, as a flaky network would
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


@pytest.fixture
def server():
    state = Server()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def leftovers(root: Path) -> list[str]:
    """Temporary unpack folders left anywhere under ``root`` (there should be none)."""
    return [p.name for p in root.rglob("*-unpack-*")]


# -- tests ---------------------------------------------------------------------------------


def test_spider_download_gives_official_layout(server, tmp_path):
    archive = zip_bytes(spider_members(tmp_path))
    url = server.add("/spider_data.zip", archive)
    root = tmp_path / "data"
    assert not is_complete(SPIDER, root)

    dest = download_dataset(SPIDER, root, url=url, sha256=sha256(archive), progress=False)

    assert dest == root / "spider"
    assert json.loads((dest / "dev.json").read_text())[0]["db_id"] == "concert_singer"
    assert (dest / "tables.json").is_file() and (dest / "dev_gold.sql").is_file()
    con = sqlite3.connect(dest / "database" / "concert_singer" / "concert_singer.sqlite")
    assert con.execute("SELECT count(*) FROM singer").fetchone() == (2,)
    con.close()
    assert not (root / "__MACOSX").exists() and not (dest / "__MACOSX").exists()
    assert (dest / "DOWNLOAD_SHA256").read_text().startswith(f"{sha256(archive)}  spider_data.zip")
    assert is_complete(SPIDER, root)
    assert list((root / ".downloads").iterdir()) == []  # the archive is removed once unpacked
    assert leftovers(root) == []
    assert server.requests[0]["range"] is None


def test_bird_unpacks_nested_databases_and_keeps_mini_dev(server, tmp_path):
    archive = bird_zip(tmp_path)
    url = server.add("/dev.zip", archive)
    root = tmp_path / "data"
    (root / "bird" / "mini_dev").mkdir(parents=True)
    (root / "bird" / "mini_dev" / "keep.txt").write_text("from another archive")
    (root / "bird" / "dev.json").write_text("[] old")  # an older copy is replaced

    dest = download_dataset(BIRD, root, url=url, sha256=sha256(archive), progress=False)

    assert dest == root / "bird"
    db = dest / "dev_databases" / "california_schools" / "california_schools.sqlite"
    con = sqlite3.connect(db)
    assert con.execute("SELECT name FROM singer ORDER BY id").fetchall() == [("Ann",), ("Bo",)]
    con.close()
    assert (db.parent / "database_description" / "schools.csv").is_file()
    assert not (dest / "dev_databases.zip").exists()
    assert not (dest / "dev_databases" / "__MACOSX").exists()
    assert json.loads((dest / "dev.json").read_text())[0]["db_id"] == "california_schools"
    assert (dest / "dev_gold.sql").read_bytes() == (dest / "dev.sql").read_bytes()
    assert (dest / "mini_dev" / "keep.txt").read_text() == "from another archive"
    assert is_complete(BIRD, root)
    assert leftovers(root) == []


def test_tar_gz_with_other_top_folder(server, tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in spider_members(tmp_path, top="spider").items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    archive = buf.getvalue()
    url = server.add("/spider.tar.gz", archive, "application/gzip")

    dest = download_dataset(SPIDER, tmp_path, url=url, sha256=sha256(archive), progress=False)

    assert (dest / "database" / "concert_singer" / "concert_singer.sqlite").is_file()
    assert is_complete(SPIDER, tmp_path)


def test_interrupted_download_resumes_with_range(server, tmp_path):
    archive = zip_bytes(spider_members(tmp_path))
    url = server.add("/spider_data.zip", archive)
    server.drop_after = [100_000]  # the first request is cut after 100 kB
    part = tmp_path / ".downloads" / "spider_data.zip.part"

    with pytest.raises(DataError, match="interrupted") as info:
        download_dataset(SPIDER, tmp_path, url=url, sha256=sha256(archive), progress=False)
    assert "run the same command again" in str(info.value).lower()
    have = part.stat().st_size
    assert 0 < have <= 100_000
    assert not (tmp_path / "spider").exists()

    download_dataset(SPIDER, tmp_path, url=url, sha256=sha256(archive), progress=False)

    assert [r["range"] for r in server.requests] == [None, f"bytes={have}-"]
    assert server.bytes_sent == 100_000 + len(archive) - have  # resumed, not fetched twice
    assert server.bytes_sent < 1.25 * len(archive)
    assert is_complete(SPIDER, tmp_path)


def test_part_file_already_whole(server, tmp_path):
    """A run that died after the last byte: the server answers 416 and the part is used."""
    archive = zip_bytes(spider_members(tmp_path))
    url = server.add("/spider_data.zip", archive)
    part = tmp_path / ".downloads" / "spider_data.zip.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(archive)

    download_dataset(SPIDER, tmp_path, url=url, sha256=sha256(archive), progress=False)

    assert server.bytes_sent == 0
    assert is_complete(SPIDER, tmp_path)


def test_server_ignoring_range_starts_over(server, tmp_path):
    archive = zip_bytes(spider_members(tmp_path))
    url = server.add("/spider_data.zip", archive)
    server.honour_range = False
    part = tmp_path / ".downloads" / "spider_data.zip.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"stale bytes from an earlier attempt")

    download_dataset(SPIDER, tmp_path, url=url, sha256=sha256(archive), progress=False)

    assert server.requests[0]["range"] == "bytes=35-"  # asked, but got the whole file (200)
    assert is_complete(SPIDER, tmp_path)


def test_checksum_mismatch_removes_part_file(server, tmp_path):
    archive = zip_bytes(spider_members(tmp_path))
    url = server.add("/spider_data.zip", archive)
    wrong = "0" * 64

    with pytest.raises(DataError) as info:
        download_dataset(SPIDER, tmp_path, url=url, sha256=wrong, progress=False)

    message = str(info.value)
    assert wrong in message and sha256(archive) in message and "--sha256" in message
    assert list((tmp_path / ".downloads").iterdir()) == []
    assert not (tmp_path / "spider").exists()


def test_pinned_checksum_applies_to_mirrors(server, tmp_path):
    """Without --sha256 the registry's pin holds, so a mirror serving other bytes is refused."""
    url = server.add("/spider_data.zip", zip_bytes(spider_members(tmp_path)))

    with pytest.raises(DataError, match=datasets()["spider"].sha256):
        download_dataset(SPIDER, tmp_path, url=url, progress=False)


def test_digest_is_printed_and_recorded(server, tmp_path, capsys):
    archive = zip_bytes(spider_members(tmp_path))
    url = server.add("/spider_data.zip", archive)

    dest = download_dataset(SPIDER, tmp_path, url=url, sha256=sha256(archive), progress=True)

    assert sha256(archive) in capsys.readouterr().err
    assert sha256(archive) in (dest / "DOWNLOAD_SHA256").read_text()


@pytest.mark.parametrize(
    "evil",
    [
        "spider_data/../../../../evil.txt",
        "/tmp/harness-evil.txt",
        "spider_data/database/../../../../../evil",
    ],
)
def test_zip_slip_members_are_refused(server, tmp_path, evil):
    members = spider_members(tmp_path) | {evil: b"pwned"}
    archive = zip_bytes(members)
    url = server.add("/spider_data.zip", archive)
    root = tmp_path / "data"

    with pytest.raises(DataError, match="Refusing to unpack"):
        download_dataset(SPIDER, root, url=url, sha256=sha256(archive), progress=False)

    assert not list(tmp_path.rglob("evil*")) and not Path("/tmp/harness-evil.txt").exists()
    assert not (root / "spider").exists()
    assert leftovers(root) == []
    assert list((root / ".downloads").iterdir()) == []  # a hostile archive is not kept


def test_tar_symlink_outside_target_is_refused(server, tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in spider_members(tmp_path).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("spider_data/database/escape")
        link.type = tarfile.SYMTYPE
        link.linkname = "../../../../etc"
        tf.addfile(link)
    archive = buf.getvalue()
    url = server.add("/spider.tar.gz", archive, "application/gzip")

    with pytest.raises(DataError, match="outside the target"):
        download_dataset(SPIDER, tmp_path, url=url, sha256=sha256(archive), progress=False)
    assert not (tmp_path / "spider").exists()


def test_archive_without_expected_files(server, tmp_path):
    """A failed unpack changes nothing in the destination."""
    (tmp_path / "spider").mkdir()
    (tmp_path / "spider" / "dev.json").write_text("old")
    no_marker = zip_bytes({"other/readme.txt": b"hello"})
    no_databases = zip_bytes({"spider_data/dev.json": b"[]", "spider_data/tables.json": b"[]"})
    for path, archive, expected in (
        ("/a.zip", no_marker, "does not contain dev.json"),
        ("/b.zip", no_databases, "lacks database/<db_id>/<db_id>.sqlite"),
    ):
        url = server.add(path, archive)
        with pytest.raises(DataError, match=expected):
            download_dataset(SPIDER, tmp_path, url=url, sha256=sha256(archive), progress=False)
        assert [p.name for p in (tmp_path / "spider").iterdir()] == ["dev.json"]
        assert (tmp_path / "spider" / "dev.json").read_text() == "old"
        assert leftovers(tmp_path) == []


def test_http_404_is_a_clear_error(server, tmp_path):
    url = server.url("/missing.zip")

    with pytest.raises(DataError) as info:
        download_dataset(BIRD, tmp_path, url=url, progress=False)

    message = str(info.value)
    assert "HTTP 404" in message and url in message
    assert "--url" in message and "bird/dev_databases/<db_id>/<db_id>.sqlite" in message


def test_web_page_instead_of_archive(server, tmp_path):
    url = server.add("/quota", b"<html>Quota exceeded</html>", "text/html; charset=utf-8")

    with pytest.raises(DataError, match="web page instead of the spider archive"):
        download_dataset(SPIDER, tmp_path, url=url, progress=False)


def test_unreachable_url_is_a_clear_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/dev.zip"

    with pytest.raises(DataError) as info:
        download_dataset(BIRD, tmp_path, url=url, progress=False)

    message = str(info.value)
    assert url in message and "--url" in message and "by hand" in message
    assert "Traceback" not in message and 'File "' not in message


def test_unknown_name_and_bad_sha256(tmp_path):
    with pytest.raises(UnknownNameError, match="Did you mean: spider"):
        dataset("spdier")
    with pytest.raises(UnknownNameError):
        dataset("nope")
    with pytest.raises(ConfigError, match="64 hexadecimal"):
        download_dataset(SPIDER, tmp_path, sha256="abc")


def test_registry_entries_are_well_formed():
    for name, archive in datasets().items():
        assert archive.name == name
        assert archive.url.startswith("https://")
        assert archive.sha256 is None or (
            len(archive.sha256) == 64 and set(archive.sha256) <= set("0123456789abcdef")
        )
    assert {"spider", "bird"} <= datasets().keys()
