"""FakeModel: the in-process twin of a real provider, for tests of the jobs (no HTTP involved).

It answers from a script (a list of replies, consumed in order) or a `responder(messages) -> str`, streams
its answer in small pieces, and records every call, so a test can check what a job sent.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from server.llm.base import ChatStream, Completion, Usage


class FakeModel:
    supports_streaming = True

    def __init__(self, replies: list[str] | None = None, *, responder: Callable[[list[dict]], str] | None = None,
                 name: str = "fake-model", context_window: int = 8192, latency: float = 0.0,
                 finish_reason: str = "stop", piece_size: int = 4):
        self.name = name
        self.endpoint = "fake://model"
        self.context_window = context_window
        self._replies = list(replies or [])
        self._responder = responder
        self._latency = latency
        self._finish_reason = finish_reason
        self._piece_size = piece_size
        self._lock = threading.Lock()
        self.calls: list[dict] = []  # {"messages", "max_tokens", "temperature", "stream"}

    def _answer(self, messages: list[dict], max_tokens, temperature, stream: bool) -> str:
        with self._lock:
            self.calls.append({"messages": messages, "max_tokens": max_tokens,
                               "temperature": temperature, "stream": stream})
            if self._replies:
                return self._replies.pop(0)
        if self._responder is not None:
            return self._responder(messages)
        return "Fake answer."

    @staticmethod
    def _usage(messages: list[dict], text: str) -> Usage:
        words = sum(len((m.get("content") or "").split()) for m in messages)
        return Usage(prompt_tokens=words, completion_tokens=len(text.split()))

    def complete(self, messages, *, max_tokens=None, temperature=None) -> Completion:
        text = self._answer(messages, max_tokens, temperature, stream=False)
        if self._latency:
            time.sleep(self._latency)
        return Completion(text=text, model=self.name, usage=self._usage(messages, text),
                          finish_reason=self._finish_reason)

    def stream(self, messages, *, max_tokens=None, temperature=None) -> ChatStream:
        text = self._answer(messages, max_tokens, temperature, stream=True)
        stream = ChatStream(iter(()), model=self.name)

        def pieces() -> Iterator[str]:
            if self._latency:
                time.sleep(self._latency)
            for i in range(0, len(text), self._piece_size):
                if stream.first_chunk_at is None:
                    stream.first_chunk_at = time.monotonic()
                yield text[i:i + self._piece_size]
            stream.usage = self._usage(messages, text)
            stream.finish_reason = self._finish_reason

        stream._pieces = pieces()
        return stream

    def ping(self) -> None:
        return None
