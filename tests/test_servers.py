"""Scale-out with real servers on 127.0.0.1: a Chroma server (`chroma run`) and llama-cpp-python's
OpenAI-compatible server, started inside the test run. Plus the failure modes: down, stopping."""

import http.server
import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from assistant import Assistant, ModelError, Settings, StoreError
from assistant.generation import ServerGenerator
from assistant.store import Store
from conftest import ROOT, SEEDS, free_port

pytestmark = pytest.mark.slow


def spawn(cmd: list[str], log, env=None) -> subprocess.Popen:
    """A server process whose output goes to a file (a pipe nobody reads would block it); the child
    keeps its own copy of the file, this process closes its one."""
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server exited with {process.returncode}: see {process.args}"
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise TimeoutError(url)


def start_chroma(path, port) -> subprocess.Popen:
    server = [str(ROOT / ".venv/bin/chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    p = spawn(server, path.parent / f"chroma-{port}.log", {**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat", p)
    return p


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    path, port = tmp_path_factory.mktemp("chroma"), free_port()
    state = {"process": start_chroma(path, port), "path": path, "server": f"127.0.0.1:{port}"}
    yield state
    state["process"].terminate()
    state["process"].wait(10)


@pytest.fixture(scope="module")
def llm(tmp_path_factory):
    port = free_port()
    model = Settings().model_path()
    server = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--n_threads", "2", "--n_ctx", "2048"]
    p = spawn([*server, "--host", "127.0.0.1", "--port", str(port)], tmp_path_factory.mktemp("llm") / "server.log")
    wait_for(f"http://127.0.0.1:{port}/v1/models", p)
    yield f"http://127.0.0.1:{port}/v1"
    p.terminate()
    p.wait(10)


def test_answers_through_both_servers_with_valid_citations(chroma, llm, tmp_path):
    a = Assistant(Settings(store=tmp_path / "unused", chroma_server=chroma["server"], llm_server=llm))
    answer = a.ask("Who led the WPK delegation to Moscow?")
    assert not answer.abstained and answer.citations
    for c in answer.citations:
        assert (SEEDS / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.text
    assert answer.model.endswith(llm) and "generate" in answer.timings and "verify" in answer.timings
    assert 0.0 < answer.confidence < 1.0  # the second look read the server's logprobs, not its greedy yes/no
    assert not (tmp_path / "unused").exists()  # the local store folder is not used
    assert a.ingest().chunks_embedded == 0  # incremental on the server too
    parts = list(a.stream("When did Choe Son-hui visit Moscow?"))
    assert isinstance(parts[-1], type(answer)) and [p.step for p in parts[:-1]] == ["searching", "reading", "checking"]
    # The server streams token by token (checked on the completion endpoint, which base models use).
    pieces = list(a.generator.stream("The capital of France is", 8))
    assert len(pieces) > 1 and "".join(pieces).strip()


def test_a_chroma_server_that_is_down_is_a_clear_error_and_the_store_survives(chroma, tmp_path, docs):
    a = Assistant(Settings(store=tmp_path / "s", source=docs, chroma_server=chroma["server"], collection="survive"))
    a.ingest()
    before = a.store.documents(str(docs.resolve()))
    chroma["process"].terminate()
    chroma["process"].wait(10)
    (docs / "000_d60495a78590dd9c.txt").write_text("Changed while the server is down.", encoding="utf-8")
    with pytest.raises(StoreError, match="Chroma server"):
        Assistant(Settings(store=tmp_path / "s", source=docs, chroma_server=chroma["server"], collection="survive")).ingest()
    chroma["process"] = start_chroma(chroma["path"], int(chroma["server"].rsplit(":", 1)[1]))  # same data folder
    again = Assistant(Settings(store=tmp_path / "s", source=docs, chroma_server=chroma["server"], collection="survive"))
    assert again.store.documents(str(docs.resolve())) == before  # nothing lost or half-written
    assert again.ingest().updated == 1


def test_nothing_listening_is_a_clear_error_after_bounded_retries(tmp_path):
    port = free_port()
    with pytest.raises(StoreError, match=f"Cannot reach the Chroma server at 127.0.0.1:{port}.*chroma run"):
        Store(tmp_path / "s", server=f"127.0.0.1:{port}").count()
    t0 = time.monotonic()
    with pytest.raises(ModelError, match="Cannot reach the model server .* after 3 attempts.*llama_cpp.server"):
        ServerGenerator(f"http://127.0.0.1:{port}/v1", temperature=0, seed=0)
    assert time.monotonic() - t0 < 20


def test_a_model_server_that_stops_mid_answer_is_a_clear_error():
    """A stand-in server (not a real model) that sends one token and then drops the connection."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"data": [{"id": "stand-in"}]}')

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'data: {"choices": [{"text": "Ri"}]}\n\n')
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        gen = ServerGenerator(f"http://127.0.0.1:{server.server_port}/v1", temperature=0, seed=0)
        got = []
        with pytest.raises(ModelError, match="stopped mid-answer"):
            for piece in gen.stream("Question?", 20):
                got.append(piece)
        assert got == ["Ri"]
    finally:
        server.shutdown()
