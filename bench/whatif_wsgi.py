"""A what-if build of the service for bench/run.py: the app with ONE change, to measure what it would gain.

The change: after the `[DONE]` event, the model client reads the rest of the upstream body (the chunked
encoding's last, empty chunk) before closing the response. Today it stops at `[DONE]`, so urllib3 closes the
connection instead of returning it to the pool, and every streamed model call opens a new TCP connection
(a new TLS handshake against a real https endpoint). Only the benchmark uses this module; the shipped code is
unchanged, and RESULTS.md labels these figures as a what-if.
"""
from __future__ import annotations

import itertools

from server.llm import openai_client

DRAIN_READS = 16  # the terminator is one short read; never more than a few
_original = openai_client.iter_chat_text


def _iter_chat_text_draining(chunks, outcome=None):
    chunks = iter(chunks)
    yield from _original(chunks, outcome)
    for _ in itertools.islice(chunks, DRAIN_READS):
        pass


openai_client.iter_chat_text = _iter_chat_text_draining

from server.wsgi import app  # noqa: E402 - the patch must be in place before the app is built

__all__ = ["app"]
