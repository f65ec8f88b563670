"""FakeUpstream: a real HTTP server on loopback that speaks OpenAI's and Azure OpenAI's chat-completions protocol.

Tests (and benchmarks) point the real client at it: scripted replies, recorded streams played back byte for
byte, HTTP errors, and network faults (refused, silent, trickling, cut, broken JSON, huge chunk, hanging).
Its replies copy the shapes of the recorded streams in ../shared/corpus/sse: a role chunk, content chunks, a
finish chunk, a usage chunk with `choices: []` when asked for, `data: [DONE]`; on the Azure path a first
chunk with `prompt_filter_results` and `content_filter_results` on every choice.

    with FakeUpstream() as up:        # or up = FakeUpstream().start() ... up.stop()
        up.queue_reply("Hello.")      # otherwise up.responder(request_json) answers
        ... client at up.url (http://127.0.0.1:PORT/v1) or up.azure_endpoint ...
        up.requests[-1]["json"]

Every wait inside the server also watches stop(), and stop() shuts every open connection, so no request
thread outlives the fixture (they are daemon threads besides).
"""
from __future__ import annotations

import json
import re
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from requests.structures import CaseInsensitiveDict

FAULTS = ("refuse", "silent", "trickle", "cut", "invalid_json", "huge_chunk", "hang_after_first", "hang_after_done")
_AZURE_CHAT = re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)/chat/completions$")
_SAFE = {"filtered": False, "severity": "safe"}
_AZURE_FILTER_RESULTS = {"hate": _SAFE, "self_harm": _SAFE, "sexual": _SAFE, "violence": _SAFE}

_ERROR_DEFAULTS = {  # OpenAI's wording and codes for the statuses tests use
    400: ("Invalid request.", "invalid_request_error", None),
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to access this model.", "invalid_request_error", None),
    404: ("The model does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"),
    429: ("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request. Sorry about that!", "server_error", None),
    502: ("Bad gateway.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


class _ClientGone(Exception):
    """The client closed the connection while we were answering."""


class FakeUpstream:
    def __init__(self, *, model: str = "fake-model"):
        self.model = model
        self.requests: list[dict] = []  # {method, path, query, headers, json, time}
        self.responder: Callable[[dict], str] = lambda request_json: "Fake answer."
        self.latency = 0.0  # seconds before answering a chat request
        self.chunk_delay = 0.0  # seconds between streamed events
        self.require_key: str | None = None  # Bearer (OpenAI path) or api-key (Azure path) must equal this
        self.token_check: Callable[[str], bool] | None = None  # accepts Bearer tokens on the Azure path
        self.disconnects = 0  # answers the client walked away from
        self.connections_accepted = 0  # TCP connections accepted: shows whether clients reuse them (keep-alive)
        self._disconnected = threading.Condition()
        self._queue: deque[tuple[str, dict]] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0

    # -- lifecycle --

    def start(self) -> FakeUpstream:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-upstream", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        with self._lock:
            open_connections = list(self._connections)
        for sock in open_connections:
            _shut(sock)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "FakeUpstream is not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def azure_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripting: each queued item answers one chat request, in order --

    def queue_reply(self, text: str, *, finish_reason: str = "stop", usage: dict | None = None) -> None:
        self._push("reply", {"text": text, "finish_reason": finish_reason, "usage": usage})

    def queue_error(self, status: int, body: dict | str | bytes | None = None,
                    headers: dict[str, str] | None = None) -> None:
        self._push("error", {"status": status, "body": body, "headers": headers or {}})

    def queue_raw_stream(self, body_bytes: bytes, *, chunk_size: int | None = None, delay: float = 0.0) -> None:
        self._push("raw", {"body": body_bytes, "chunk_size": chunk_size, "delay": delay})

    def queue_fault(self, kind: str, **kw) -> None:
        """kinds: refuse, silent, trickle (delay), cut (after, clean), invalid_json, huge_chunk (size),
        hang_after_first, hang_after_done (the whole stream, `[DONE]` included, but never the body's end).
        Each may take `text` (the answer it garbles; default: the responder's)."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULTS)}")
        self._push("fault", {"kind": kind, **kw})

    def wait_for_disconnect(self, timeout: float = 5.0, *, count: int = 1) -> bool:
        """True once `count` answers have seen their client go away."""
        with self._disconnected:
            return self._disconnected.wait_for(lambda: self.disconnects >= count, timeout=timeout)

    # -- used by the handler --

    def _push(self, kind: str, spec: dict) -> None:
        with self._lock:
            self._queue.append((kind, spec))

    def _next(self) -> tuple[str, dict] | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def _record(self, entry: dict) -> None:
        with self._lock:
            self.requests.append(entry)

    def _note_disconnect(self) -> None:
        with self._disconnected:
            self.disconnects += 1
            self._disconnected.notify_all()

    def _next_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"chatcmpl-fake{self._counter:06d}"

    def _sleep(self, seconds: float) -> None:
        if seconds > 0 and self._stopping.wait(seconds):
            raise _ClientGone  # stopping: abandon the answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # benchmarks open 50 connections at once
    fake: FakeUpstream

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up between requests is normal here (tests close streams on purpose); anything
        else is a bug in the fake and is printed."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeUpstream/1.0"
    server: _Server

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's signature
        """Quiet: test output is for test failures."""

    def setup(self) -> None:
        # As real HTTP servers do (gunicorn, uvicorn, nginx): answers go out in many small writes, and without
        # TCP_NODELAY Nagle's algorithm holds each one until the client's delayed ACK (about 40 ms on Linux).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()
        with self.server.fake._lock:
            self.server.fake._connections.add(self.connection)
            self.server.fake.connections_accepted += 1

    def finish(self) -> None:
        with self.server.fake._lock:
            self.server.fake._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass  # the client is gone; nothing left to flush to

    @property
    def fake(self) -> FakeUpstream:
        return self.server.fake

    # -- routing --

    def do_GET(self) -> None:
        target = urlsplit(self.path)
        self._read_request(target)
        if target.path not in ("/v1/models", "/openai/models"):
            return self._send_json(404, {"error": {"message": "Not found.", "type": "invalid_request_error",
                                                   "param": None, "code": None}})
        azure = target.path.startswith("/openai/")
        if not self._authorized(azure):
            return None
        now = int(time.time())
        return self._send_json(200, {"object": "list", "data": [
            {"id": self.fake.model, "object": "model", "created": now, "owned_by": "fake-upstream"}]})

    def do_POST(self) -> None:
        target = urlsplit(self.path)
        request_json = self._read_request(target)
        azure_match = _AZURE_CHAT.match(target.path)
        if target.path != "/v1/chat/completions" and not azure_match:
            return self._send_json(404, {"error": {"message": f"Unknown path {target.path}.",
                                                   "type": "invalid_request_error", "param": None, "code": None}})
        azure = azure_match is not None
        if azure and not dict(parse_qsl(target.query)).get("api-version"):
            return self._send_json(404, {"error": {"code": "404", "message": "Resource not found"}})
        if not self._authorized(azure):
            return None
        if not isinstance(request_json, dict) or not isinstance(request_json.get("messages"), list):
            return self._send_json(400, {"error": {"message": "'messages' is a required property",
                                                   "type": "invalid_request_error", "param": "messages",
                                                   "code": None}})
        try:
            self.fake._sleep(self.fake.latency)
            self._answer(request_json, azure)
        except (_ClientGone, BrokenPipeError, ConnectionResetError):
            if not self.fake._stopping.is_set():
                self.fake._note_disconnect()
            self.close_connection = True

    def _read_request(self, target) -> object:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.fake._record({"method": self.command, "path": target.path, "query": dict(parse_qsl(target.query)),
                           "headers": CaseInsensitiveDict(self.headers.items()), "json": body,
                           "time": time.monotonic()})
        return body

    def _authorized(self, azure: bool) -> bool:
        key, check = self.fake.require_key, self.fake.token_check
        if key is None and check is None:
            return True
        auth = self.headers.get("Authorization", "")
        bearer = auth[7:] if auth.startswith("Bearer ") else None
        if azure:
            if key is not None and self.headers.get("api-key") == key:
                return True
            if check is not None and bearer is not None and check(bearer):
                return True
            self._send_json(401, {"error": {"code": "401", "message": (
                "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
                "valid key for an active subscription and use a correct regional API endpoint for your "
                "resource.")}})
            return False
        if key is not None and bearer == key:
            return True
        self._send_json(401, {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error",
                                        "param": None, "code": "invalid_api_key"}})
        return False

    # -- answers --

    def _answer(self, request_json: dict, azure: bool) -> None:
        item = self.fake._next()
        kind, spec = item if item is not None else ("reply", {})
        if kind == "error":
            return self._send_error(spec)
        if kind == "raw":
            body, size = spec["body"], spec["chunk_size"] or len(spec["body"]) or 1
            return self._send_body([body[i:i + size] for i in range(0, len(body), size)], streaming=True,
                                   delay=spec["delay"])
        if kind == "fault":
            return self._fault(spec, request_json, azure)
        text = spec.get("text")
        if text is None:
            text = self.fake.responder(request_json)
        self._reply(request_json, azure, text, spec.get("finish_reason", "stop"), spec.get("usage"))

    def _reply(self, request_json: dict, azure: bool, text: str, finish_reason: str, usage: dict | None) -> None:
        usage = usage or _usage(request_json, text)
        if request_json.get("stream"):
            self._send_body(self._events(request_json, azure, text, finish_reason, usage), streaming=True,
                            delay=self.fake.chunk_delay)
        else:
            self._send_json(200, self._completion(request_json, azure, text, finish_reason, usage))

    def _fault(self, spec: dict, request_json: dict, azure: bool) -> None:
        kind = spec["kind"]
        streaming = bool(request_json.get("stream"))
        if kind == "refuse":
            self.close_connection = True
            _shut(self.connection)
            return
        if kind == "silent":
            return self._hang()
        text = spec.get("text")
        if kind == "huge_chunk" and text is None:
            text = ("lorem ipsum " * (spec.get("size", 1 << 20) // 12 + 1))[: spec.get("size", 1 << 20)]
        if text is None:
            text = self.fake.responder(request_json)
        usage = _usage(request_json, text)
        if streaming:
            pieces = [text] if kind == "huge_chunk" else None  # huge_chunk: the whole answer in one delta
            events = self._events(request_json, azure, text, "stop", usage, pieces=pieces)
        else:
            body = json.dumps(self._completion(request_json, azure, text, "stop", usage)).encode()
            events = [body[i:i + 64] for i in range(0, len(body), 64)]
        whole = b"".join(events)
        if kind == "trickle":
            return self._send_body([whole[i:i + 1] for i in range(len(whole))], streaming=streaming,
                                   delay=spec.get("delay", 0.05))
        if kind == "cut":
            after = spec.get("after", 2)
            if spec.get("clean") and streaming:  # a proper HTTP end, but no finish reason and no [DONE]
                return self._send_body(events[:after], streaming=True)
            return self._send_body(events[:after], streaming=streaming, length=len(whole), end=False)
        if kind == "invalid_json":
            broken = b'data: {"choices": [{"index": 0, "delta": {"content": "oops"\n\n' if streaming \
                else b'{"choices": [ this is not json'
            return self._send_body([*events[:1], broken, *events[1:]] if streaming else [broken],
                                   streaming=streaming)
        if kind == "hang_after_first":
            self._send_body(events[:2], streaming=streaming, length=len(whole), end=False, close=False)
            return self._hang()
        if kind == "hang_after_done":
            self._send_body(events, streaming=streaming, length=len(whole) + 1, end=False, close=False)
            return self._hang()
        return self._send_body(events, streaming=streaming, delay=self.fake.chunk_delay)  # huge_chunk

    def _send_error(self, spec: dict) -> None:
        status, body = spec["status"], spec["body"]
        if body is None:
            message, kind, code = _ERROR_DEFAULTS.get(status, ("Upstream error.", "server_error", None))
            body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
        if isinstance(body, (dict, list)):
            data, ctype = json.dumps(body).encode(), "application/json"
        else:
            data, ctype = (body.encode() if isinstance(body, str) else body), "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in spec["headers"].items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_body(self, pieces: list[bytes], *, streaming: bool, delay: float = 0.0, length: int | None = None,
                   end: bool = True, close: bool = True) -> None:
        """200 with `pieces` written one by one: chunked SSE, or JSON with a Content-Length. `end=False` stops
        short of the end (no last chunk; fewer bytes than announced) and closes, unless `close=False`."""
        self.send_response(200)
        if streaming:
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(length if length is not None else sum(map(len, pieces))))
        self.end_headers()
        self.wfile.flush()
        for i, piece in enumerate(pieces):
            if i and delay:
                self.fake._sleep(delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if streaming else piece)
            self.wfile.flush()
        if end:
            if streaming:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        elif close:
            self.close_connection = True
            _shut(self.connection)

    def _hang(self) -> None:
        """Say nothing more until the client goes away or the server stops."""
        self.close_connection = True
        while not self.fake._stopping.wait(0.05):
            if _peer_closed(self.connection):
                raise _ClientGone

    # -- payload shapes (as in the recorded streams) --

    def _model(self, request_json: dict, azure: bool) -> str:
        return self.fake.model if azure else str(request_json.get("model") or self.fake.model)

    def _chunk(self, request_json: dict, azure: bool, delta: dict, finish_reason: str | None,
               chunk_id: str = "chatcmpl-fake") -> dict:
        choice: dict = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        if azure:
            choice["content_filter_results"] = _AZURE_FILTER_RESULTS if delta.get("content") else {}
        return {"id": chunk_id, "object": "chat.completion.chunk", "created": int(time.time()),
                "model": self._model(request_json, azure), "system_fingerprint": "fp_fake", "choices": [choice]}

    def _events(self, request_json: dict, azure: bool, text: str, finish_reason: str, usage: dict, *,
                pieces: list[str] | None = None) -> list[bytes]:
        chunk_id = self.fake._next_id()
        events = []
        if azure:
            events.append(_event({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                                  "prompt_filter_results": [{"prompt_index": 0,
                                                             "content_filter_results": _AZURE_FILTER_RESULTS}]}))
        events.append(_event(self._chunk(request_json, azure, {"role": "assistant", "content": "", "refusal": None},
                                         None, chunk_id)))
        for piece in pieces if pieces is not None else re.findall(r"\s*\S+|\s+$", text):
            events.append(_event(self._chunk(request_json, azure, {"content": piece}, None, chunk_id)))
        events.append(_event(self._chunk(request_json, azure, {}, finish_reason, chunk_id)))
        if (request_json.get("stream_options") or {}).get("include_usage"):
            last = self._chunk(request_json, azure, {}, None, chunk_id)
            last["choices"], last["usage"] = [], usage
            events.append(_event(last))
        events.append(b"data: [DONE]\n\n")
        return events

    def _completion(self, request_json: dict, azure: bool, text: str, finish_reason: str, usage: dict) -> dict:
        choice: dict = {"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                        "logprobs": None, "finish_reason": finish_reason}
        body: dict = {"id": self.fake._next_id(), "object": "chat.completion", "created": int(time.time()),
                      "model": self._model(request_json, azure), "choices": [choice], "usage": usage,
                      "system_fingerprint": "fp_fake"}
        if azure:
            choice["content_filter_results"] = _AZURE_FILTER_RESULTS
            body["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": _AZURE_FILTER_RESULTS}]
        return body


def _event(payload: dict) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def _usage(request_json: dict, text: str) -> dict:
    prompt = sum(len(str(m.get("content") or "").split()) for m in request_json.get("messages") or []
                 if isinstance(m, dict))
    completion = len(text.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the other side


def _peer_closed(sock: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True
