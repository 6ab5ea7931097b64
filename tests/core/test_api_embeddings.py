"""Hosted embedders: the real HTTP requests, sent to a local stand-in server on 127.0.0.1 (the real
services need keys and network, which tests never use)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from helpers.api_embeddings import ApiEmbedder, available_api_embedders
from helpers.embeddings import load_embedder


class StandIn(BaseHTTPRequestHandler):
    seen: list = []
    failures: list = []  # status codes to answer first, one per request (then the real answer)

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StandIn.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        if StandIn.failures:
            code = StandIn.failures.pop(0)
            self.send_response(code)
            if code == 429:
                self.send_header("Retry-After", "3")
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"busy")
            return
        if self.path.endswith("/embeddings"):  # OpenAI: answers may come out of order, with an index
            data = [{"index": i, "embedding": [float(len(t)), 1.0, 0.0]} for i, t in enumerate(body["input"])]
            payload = {"data": list(reversed(data))}
        elif self.path.endswith(":batchEmbedContents"):
            payload = {"embeddings": [{"values": [float(len(r["content"]["parts"][0]["text"])), 0.0, 1.0]}
                                      for r in body["requests"]]}
        else:
            self.send_error(404)
            return
        raw = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    StandIn.seen.clear()
    StandIn.failures.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_openai_request_and_order(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", server)
    embedder = load_embedder("openai:text-embedding-3-small")
    vectors = embedder.encode(["a", "bbb", "cc"], batch_size=2)
    np.testing.assert_array_equal(vectors[:, 0], [1, 3, 2])
    assert vectors.dtype == np.float32 and embedder.dimension == 3
    path, headers, body = StandIn.seen[0]
    assert path == "/embeddings" and headers["authorization"] == "Bearer sk-test"
    assert body == {"model": "text-embedding-3-small", "input": ["a", "bbb"]} and len(StandIn.seen) == 2


def test_gemini_request(server, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "g-test")
    monkeypatch.setenv("GEMINI_BASE_URL", server)
    vectors = ApiEmbedder("gemini:gemini-embedding-001").encode(["hola", "adiós!"])
    np.testing.assert_array_equal(vectors[:, 0], [4, 6])
    path, headers, body = StandIn.seen[0]
    assert path == "/models/gemini-embedding-001:batchEmbedContents" and headers["x-goog-api-key"] == "g-test"
    assert body["requests"][1] == {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "adiós!"}]}}


def test_keys_come_only_from_the_environment(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    assert available_api_embedders() == []
    with pytest.raises(RuntimeError, match="OPENAI_API_KEY environment variable"):
        ApiEmbedder("openai:text-embedding-3-small")
    monkeypatch.setenv("GEMINI_API_KEY", "x")
    assert available_api_embedders() == ["gemini:gemini-embedding-001"]  # text-embedding-004 was retired
    with pytest.raises(ValueError, match="openai:MODEL"):
        ApiEmbedder("cohere:embed")


def test_unreachable_service_fails_in_one_line(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(RuntimeError, match="cannot reach"):
        ApiEmbedder("openai:text-embedding-3-small").encode(["x"])


def _openai(server, monkeypatch, **kwargs):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", server)
    waits = []
    return ApiEmbedder("openai:text-embedding-3-small", sleep=waits.append, **kwargs), waits


def test_rate_limits_and_server_errors_are_retried_with_backoff(server, monkeypatch):
    embedder, waits = _openai(server, monkeypatch, backoff=0.5)
    StandIn.failures[:] = [429, 503, 500]
    np.testing.assert_array_equal(embedder.encode(["ab", "c"])[:, 0], [2, 1])
    assert len(StandIn.seen) == 4  # three refusals, then the answer
    assert waits == [3.0, 1.0, 2.0]  # Retry-After (3 s) beats 0.5 s; then 0.5 * 2**1, 0.5 * 2**2


def test_client_errors_are_not_retried_and_retries_end(server, monkeypatch):
    embedder, waits = _openai(server, monkeypatch, retries=2)
    StandIn.failures[:] = [400]
    with pytest.raises(RuntimeError, match="HTTP 400"):
        embedder.encode(["x"])
    assert waits == [] and len(StandIn.seen) == 1
    StandIn.failures[:] = [503, 503, 503, 503]
    with pytest.raises(RuntimeError, match="HTTP 503 .* after 3 attempts"):
        embedder.encode(["x"])
    assert len(waits) == 2
