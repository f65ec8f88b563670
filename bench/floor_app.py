"""The floor: the least a gateway built on this stack can add, measured beside Drafter in the same way.

`gunicorn 'bench.floor_app:create_app()'` serves POST /api/v1/rewrite as the thinnest possible Flask app on
one shared requests.Session: it forwards the text to the model as one user message and returns the answer
(JSON), or relays each streamed piece as an `event: delta` (SSE). No authentication, validation, presets,
prompt, post-checks or logging. Whatever this app adds over calling the model directly, no Flask + requests
gateway can avoid on the machine measured; Drafter's own figures are read against it.
"""
from __future__ import annotations

import json
import os

import requests
from flask import Flask, Response, request


def create_app() -> Flask:
    app = Flask(__name__)
    session = requests.Session()
    session.trust_env = False
    chat_url = os.environ["DRAFTER_MODEL_BASE_URL"].rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/dev/token")
    def token():  # the harness asks every service for a token; this one checks none
        return {"access_token": "none"}

    @app.post("/api/v1/rewrite")
    def rewrite():
        body = request.get_json()
        stream = body.get("stream") is True
        payload = json.dumps({"model": "fake", "messages": [{"role": "user", "content": body["text"]}],
                              "stream": stream}).encode()
        if not stream:
            answer = session.post(chat_url, data=payload, headers=headers, timeout=(5, 60))
            return {"text": answer.json()["choices"][0]["message"]["content"]}
        upstream = session.post(chat_url, data=payload, headers=headers, timeout=(5, 60), stream=True)

        def events():
            try:
                for line in upstream.iter_lines():
                    if line.startswith(b"data: {"):
                        choices = json.loads(line[6:]).get("choices") or [{}]
                        text = (choices[0].get("delta") or {}).get("content")
                        if text:
                            yield f"event: delta\ndata: {json.dumps({'text': text})}\n\n"
                yield "event: result\ndata: {}\n\n"
            finally:
                upstream.close()

        return Response(events(), mimetype="text/event-stream")

    return app
