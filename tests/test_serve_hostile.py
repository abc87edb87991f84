"""`harness serve` under hostile requests: limits, API key, errors without local paths,
generation that stops when the client leaves, and a clean exit on SIGTERM."""

from __future__ import annotations

import http.client
import inspect
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from harness.generation.serve import (
    MAX_BODY_BYTES,
    MAX_CONCURRENCY,
    MAX_N,
    create_app,
    server_config,
)
from harness.generation.serve_guard import HEADER_TIMEOUT_S, MAX_IDLE_PER_CLIENT
from tests.test_generation_openai import MSG, LoopbackServer, free_port, tiny  # noqa: F401

REPO = Path(__file__).resolve().parents[1]


class ServedAsInTheCli(LoopbackServer):
    """A real server on 127.0.0.1, under the uvicorn configuration `harness serve` uses."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(server_config(app, "127.0.0.1", self.port, "warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)


@pytest.fixture(scope="module")
def guarded(tiny):  # noqa: F811 - the fixture imported above
    with ServedAsInTheCli(create_app(tiny, model_name="tiny", api_key="sesame")) as srv:
        yield srv


def _post(url: str, body, key: str | None = "sesame"):
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url + "/chat/completions", data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize("body,status,fragment", [
    ({"n": MAX_N + 1}, 400, "'n' must be between"),
    ({"n": 2000}, 400, "'n' must be between"),
    ({"max_tokens": 10**9}, 400, "must be between"),
    ({"temperature": "hot"}, 400, "'temperature' must be a number"),
    ({"temperature": float("inf")}, 400, "'temperature'"),
    ({"stop": [1, 2]}, 400, "'stop'"),
    ({"seed": 10**40}, 400, "'seed'"),
    # A bad stream_options was a plain-text 500.
    ({"stream": True, "stream_options": "yes"}, 400, "'stream_options' must be an object"),
    ({"stream": True, "stream_options": [1]}, 400, "'stream_options' must be an object"),
    ({"stream": True, "stream_options": {"include_usage": "yes"}}, 400, "include_usage"),
    ({"stream_options": {"include_usage": True}}, 400, "only allowed when 'stream' is true"),
    ({"stream": "yes"}, 400, "'stream' must be true or false"),
])
def test_bad_parameters_get_an_openai_error_without_local_paths(guarded, tiny, body, status,  # noqa: F811
                                                                fragment):
    code, answer = _post(guarded.url, {"model": "tiny", "messages": MSG, **body})
    assert code == status
    error = answer["error"]
    assert fragment in error["message"] and error["type"] == "invalid_request_error"
    assert "/" not in error["message"]  # no weights path, no file name


def test_the_server_listens_on_loopback_unless_told():
    from harness.cli.serve import serve_command
    from harness.generation.serve import serve

    (host,) = [p for p in serve_command.params if p.name == "host"]
    assert host.default == "127.0.0.1"
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_the_api_key_is_required(guarded):
    assert _post(guarded.url, {"messages": MSG, "max_tokens": 1}, key=None)[0] == 401
    assert _post(guarded.url, {"messages": MSG, "max_tokens": 1}, key="wrong")[0] == 401
    assert _post(guarded.url, {"messages": MSG, "max_tokens": 1})[0] == 200


def test_an_oversized_body_is_refused(guarded):
    """Refused from its declared length, before the body is read. The server answers and closes
    while such a client may still be sending (which then sees a broken pipe, not the answer), so
    this client sends the headers and one byte, then reads."""
    port = int(guarded.url.rsplit(":", 1)[1].split("/")[0])
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nAuthorization: Bearer sesame\r\n"
            f"Content-Length: {MAX_BODY_BYTES + 10}\r\nConnection: close\r\n\r\n{{").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        response = http.client.HTTPResponse(sock)
        response.begin()
        answer = json.loads(response.read())
    assert response.status == 413 and "over" in answer["error"]["message"]


def test_generation_stops_when_the_client_leaves(guarded, tiny):  # noqa: F811
    body = {"messages": MSG, "stream": True, "temperature": 1.0, "seed": 1,
            "max_tokens": tiny.context_length - 64}
    request = urllib.request.Request(
        guarded.url + "/chat/completions", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer sesame"})
    response = urllib.request.urlopen(request, timeout=60)
    response.readline()  # the first event: generation is under way
    response.close()  # the client leaves
    start = time.monotonic()
    # The model is free again soon: the next request is not queued behind the abandoned one.
    assert _post(guarded.url, {"messages": MSG, "max_tokens": 1})[0] == 200
    assert time.monotonic() - start < 10


def _leave(port: int, body: dict, after_s: float) -> None:
    """Send a chat request on a bare socket, then close the connection after ``after_s`` seconds
    without reading anything (a client that gave up, or was killed)."""
    payload = json.dumps(body).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nAuthorization: Bearer sesame\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + payload)
        time.sleep(after_s)


def _timed(url: str, body: dict) -> float:
    start = time.monotonic()
    assert _post(url, body)[0] == 200
    return time.monotonic() - start


@pytest.mark.parametrize("n,stream", [(1, False), (4, False), (4, True)])
def test_a_whole_answer_stops_generating_when_the_client_leaves(guarded, tiny, n, stream):  # noqa: F811
    """Without streaming (and streamed with n > 1) the answer is generated whole before a byte is
    sent: the server must still notice the client left, and free the model for the next one."""
    request = {"messages": MSG, "n": n, "stream": stream, "temperature": 1.0, "seed": 1}
    max_tokens = tiny.context_length - 64
    # What finishing the abandoned request would cost on this machine, from two short ones.
    short, longer = (_timed(guarded.url, {**request, "stream": False, "max_tokens": k})
                     for k in (1, 33))
    finishing = max(longer - short, 0) / 32 * max_tokens
    bound = min(10.0, finishing / 3)

    _leave(guarded.port, {**request, "max_tokens": max_tokens}, after_s=1.0)
    start = time.monotonic()
    # The next request is not queued behind the abandoned one (the model serves one at a time).
    assert _post(guarded.url, {"messages": MSG, "max_tokens": 1})[0] == 200
    waited = time.monotonic() - start
    assert waited < bound, f"waited {waited:.1f} s; finishing would take ~{finishing:.0f} s"


@pytest.mark.slow  # loads a model in a second process: a minute or more on a busy machine
def test_sigterm_shuts_the_server_down(tiny):  # noqa: F811
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "serve", "--model", tiny.identity["source"],
         "--port", str(port)], cwd=REPO, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the server did not start")
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        output = proc.stdout.read()
        # uvicorn shuts down gracefully, then re-raises the signal it caught (exit -15)
        assert code in (0, -signal.SIGTERM), output[-2000:]
        assert "Finished server process" in output, output[-2000:]
        assert f"running on http://127.0.0.1:{port}" in output  # loopback only, by default
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- connections that never finish a request ---------------------------------------------------

_HALF = b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"  # no blank line: never ends


def _half_sent(port: int, source: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    sock.sendall(_HALF)
    return sock


def _closed_by_server(sock: socket.socket, within_s: float, trickle: bool) -> bool:
    """Whether the server closes ``sock`` within ``within_s`` seconds, while the client keeps
    trickling one header byte every 0.2 s when ``trickle`` (each byte resets uvicorn's own
    keep-alive timer)."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            pass
        except OSError:  # reset by the server
            return True
        if trickle:
            try:
                sock.sendall(b"X")
            except OSError:
                return True
    return False


def _chat_status(url: str) -> int:
    request = urllib.request.Request(
        url + "/chat/completions", data=json.dumps({"messages": MSG, "max_tokens": 1}).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer sesame"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:  # uvicorn's own 503 is plain text
        return exc.code


def test_half_sent_requests_from_one_client_do_not_lock_the_server(guarded):
    """64 idle half-sent requests used to hold every uvicorn slot (503 for everyone) before the
    API key was checked. Now one address keeps at most MAX_IDLE_PER_CLIENT idle connections
    (the rest get a 429), and those are closed HEADER_TIMEOUT_S after they were opened however
    slowly they trickle bytes."""
    socks = [_half_sent(guarded.port, "127.0.0.2") for _ in range(MAX_CONCURRENCY)]
    try:
        assert _chat_status(guarded.url) == 200  # another client is served at once
        start = time.monotonic()
        closed = [_closed_by_server(s, HEADER_TIMEOUT_S + 2, trickle=True) for s in socks]
        assert all(closed)
        assert time.monotonic() - start < HEADER_TIMEOUT_S + 3
    finally:
        for sock in socks:
            sock.close()


def test_the_extra_idle_connections_of_one_client_get_a_429(guarded):
    socks = [_half_sent(guarded.port, "127.0.0.3") for _ in range(MAX_IDLE_PER_CLIENT + 1)]
    try:
        socks[-1].settimeout(5)
        answer = socks[-1].recv(4096)
        assert answer.startswith(b"HTTP/1.1 429 ") and b'"error"' in answer
    finally:
        for sock in socks:
            sock.close()


def test_half_sent_requests_from_many_clients_hold_the_server_only_briefly(guarded):
    """One half-sent request from each of 64 addresses fills every slot: the server answers 503
    until the header timeout closes them, then serves again."""
    socks = [_half_sent(guarded.port, f"127.0.1.{i + 1}") for i in range(MAX_CONCURRENCY)]
    try:
        start = time.monotonic()
        deadline = start + HEADER_TIMEOUT_S + 3
        status = _chat_status(guarded.url)
        while status != 200 and time.monotonic() < deadline:
            time.sleep(0.25)
            status = _chat_status(guarded.url)
        assert status == 200, f"still {status} after {time.monotonic() - start:.1f} s"
    finally:
        for sock in socks:
            sock.close()


# -- no local path in any answer ---------------------------------------------------------------


def test_no_answer_names_the_local_weights_path(tiny):  # noqa: F811
    """Served from a folder (as `harness serve --model /path/to/weights` does), the model is
    named by the folder's last part; /v1/models listed the full path as its root."""
    folder = tiny.identity["source"]
    assert Path(folder).is_dir()
    app = create_app(tiny, model_name=folder)
    with ServedAsInTheCli(app) as srv:
        base = f"http://127.0.0.1:{srv.port}"
        bodies = [urllib.request.urlopen(base + "/v1/models", timeout=30).read()]
        request = urllib.request.Request(
            base + "/v1/chat/completions", headers={"Content-Type": "application/json"},
            data=json.dumps({"messages": MSG, "max_tokens": 2}).encode())
        bodies.append(urllib.request.urlopen(request, timeout=60).read())
        for path, data in (("/v1/chat/completions", b'{"model": "x", "messages": []}'),
                           ("/v1/chat/completions", b"[]"), ("/nowhere", None),
                           ("/v1/models", b"{}")):  # a POST where only GET is allowed
            try:
                urllib.request.urlopen(urllib.request.Request(base + path, data=data), timeout=30)
            except urllib.error.HTTPError as exc:
                body = exc.read()
                assert json.loads(body)["error"]["code"] == exc.code  # OpenAI's JSON shape
                bodies.append(body)
    card = json.loads(bodies[0])["data"][0]
    assert card["id"] == card["root"] == Path(folder).name
    assert card["harness_identity"]["weights_sha256"] == tiny.identity["weights_sha256"]
    leaks = [b for b in bodies if str(Path(folder).parent).encode() in b]
    assert not leaks, leaks


def test_a_port_out_of_range_or_taken_is_one_error_line(capsys):
    from harness.cli.app import main

    for args, fragment in ((["--port", "70000"], "--port must be between 1 and 65535"),
                           (["--port", "0"], "--port must be between 1 and 65535"),
                           (["--host", "host.invalid"], "Cannot listen on host.invalid")):
        assert main(["serve", *args]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"Error: {fragment}") and err.count("\n") == 1, err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["serve", "--port", str(taken.getsockname()[1])]) == 1
        assert "Address already in use" in capsys.readouterr().err
