"""The lowest floor: a bare WSGI forwarder on http.client, measured beside Drafter and the Flask floor.

`gunicorn bench.floor_wsgi:app` answers POST /api/v1/rewrite by sending the text upstream as one user
message over a keep-alive http.client connection of its own thread and returning the answer: no Flask, no
requests, no JSON schema, no auth. It is what gunicorn plus one Python HTTP exchange cost on the machine
measured, the part of an added-latency figure that no Python gateway served by gunicorn can go under.
Streaming requests relay each upstream chunk as it arrives.
"""
from __future__ import annotations

import http.client
import json
import os
import threading
from urllib.parse import urlsplit

_upstream = urlsplit(os.environ.get("DRAFTER_MODEL_BASE_URL", "http://127.0.0.1:9/v1"))
_chat_path = _upstream.path.rstrip("/") + "/chat/completions"
_local = threading.local()
_JSON = [("Content-Type", "application/json")]


def _connection() -> http.client.HTTPConnection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection(_upstream.hostname, _upstream.port, timeout=60)
    return conn


def _post(payload: bytes) -> http.client.HTTPResponse:
    conn = _connection()
    try:
        conn.request("POST", _chat_path, payload, {"Content-Type": "application/json"})
        return conn.getresponse()
    except (OSError, http.client.HTTPException):
        conn.close()  # a kept-alive connection the upstream closed: one retry on a fresh one
        conn.request("POST", _chat_path, payload, {"Content-Type": "application/json"})
        return conn.getresponse()


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/healthz":
        start_response("200 OK", _JSON)
        return [b'{"status":"ok"}']
    if path == "/dev/token":  # the harness asks every service for a token; this one checks none
        start_response("200 OK", _JSON)
        return [b'{"access_token":"none"}']
    if path != "/api/v1/rewrite" or environ["REQUEST_METHOD"] != "POST":
        start_response("404 Not Found", _JSON)
        return [b'{"error":"not_found"}']
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length))
    stream = body.get("stream") is True
    payload = json.dumps({"model": "fake", "messages": [{"role": "user", "content": body["text"]}],
                          "stream": stream}).encode()
    answer = _post(payload)
    if not stream:
        data = json.loads(answer.read())
        start_response("200 OK", _JSON)
        return [json.dumps({"text": data["choices"][0]["message"]["content"]}).encode()]
    start_response("200 OK", [("Content-Type", "text/event-stream")])

    def relay():
        try:
            while True:
                line = answer.readline()
                if not line:
                    break
                if line.startswith(b"data: {"):
                    choices = json.loads(line[6:]).get("choices") or [{}]
                    text = (choices[0].get("delta") or {}).get("content")
                    if text:
                        yield f"event: delta\ndata: {json.dumps({'text': text})}\n\n".encode()
            yield b"event: result\ndata: {}\n\n"
        finally:
            answer.read()  # drain, so the connection can be reused
    return relay()
