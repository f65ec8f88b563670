"""Summarize long documents: chunk -> parallel map -> hierarchical reduce, keeping citations at every step.

Map: each chunk's paragraphs are shown with their ids ("[p3] text") and the model writes points ending in
"[p3, p7]". Ids it invents are dropped; a map point with no valid citation gets the ids of its whole chunk
(the only thing we know for sure is that it came from that chunk).
Reduce: the points so far are shown with short labels ("[s1] text") and the model cites labels; each label
expands to that point's paragraph ids, so the final points still name source paragraphs. An uncited reduce
point takes the sources of the input point it shares most words with. Reduce rounds run in parallel groups
until everything fits one final call, which is streamed to the caller.

Concurrency is bounded (ThreadPoolExecutor, ctx.concurrency workers). Cancellation (generator closed, or
ctx.cancelled) sets a stop flag that every worker checks between stream pieces, cancels queued futures and
closes running streams.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextvars
import itertools
import logging
import threading
from collections.abc import Iterable, Iterator

from server.assist import prompts
from server.assist.calls import CallResult, collect_call, fit_history, stream_call
from server.assist.chunking import Chunk
from server.assist.citations import CitationResolver, overlap_fallback, parse_points
from server.errors import Cancelled, InvalidRequest
from server.llm.base import Usage

log = logging.getLogger(__name__)

PROMPT_RESERVE_TOKENS = 400  # system prompt, instructions and framing around the material
MAX_CHUNK_TOKENS = 16_000  # past this, bigger chunks only make map calls slower and summaries vaguer
POINT_OVERHEAD_TOKENS = 8  # "[s12] " and the newline
MAX_ROUNDS = 12
_POLL_SECONDS = 0.05


def map_output_tokens(context_window: int, max_output_tokens: int) -> int:
    return min(max_output_tokens, max(256, context_window // 8))


def chunk_budget(context_window: int, max_output_tokens: int, configured: int | None) -> int:
    """Paragraph tokens per map chunk: the configured value, or what the window leaves; never more than fits."""
    fits = context_window - PROMPT_RESERVE_TOKENS - map_output_tokens(context_window, max_output_tokens)
    if fits < 256:
        raise ValueError(f"a context window of {context_window} tokens is too small to summarize in")
    if configured:
        if configured > fits:
            log.warning("SUMMARY_CHUNK_TOKENS=%s does not fit the model's window; using %s", configured, fits)
        return min(configured, fits)
    return min(fits, MAX_CHUNK_TOKENS)


class Summarizer:
    def __init__(self, ctx, *, fmt: str, length: str | None, focus: str | None, language: str | None,
                 guidance: list[str], history: list[dict], budget: int):
        self.ctx = ctx
        self.fmt, self.length, self.focus, self.language = fmt, length, focus, language
        self.guidance, self.history, self.budget = guidance, history, budget
        self.usage = Usage()
        self.truncated = False
        self.model_name = ctx.model.name
        self._stop = threading.Event()
        self._map_out = map_output_tokens(ctx.model.context_window, ctx.max_output_tokens)
        self._rank: dict[str, int] = {}
        self.final_text = ""
        self.chunk_count = 0  # known once the map calls are all under way

    def _stopped(self) -> bool:
        return self._stop.is_set() or self.ctx.cancelled.is_set()

    def _account(self, result: CallResult) -> None:
        self.usage.add(result.usage)
        self.truncated = self.truncated or result.finish_reason == "length"

    # ---- stages ----
    def _map_one(self, chunk: Chunk) -> tuple[CallResult, list[dict]]:
        messages = prompts.map_messages(chunk.paragraphs, focus=self.focus, language=self.language)
        result = collect_call(self.ctx.model, messages, max_tokens=self._map_out, stopped=self._stopped,
                              temperature=0.2, tokens=self.ctx.tokens, stream=self.ctx.stream)
        ids = chunk.ids
        points = parse_points(result.text, CitationResolver(ids), lambda _text: list(ids))
        return result, points

    def _reduce_one(self, summaries: list[list[dict]]) -> tuple[CallResult, list[dict]]:
        points = [p for s in summaries for p in s]
        labels, valid = self._labels(points)
        messages = prompts.reduce_messages([(label, p["text"]) for label, p in zip(labels, points, strict=True)],
                                           final=False, fmt=self.fmt, length=self.length, focus=self.focus,
                                           language=self.language)
        result = collect_call(self.ctx.model, messages, max_tokens=self._map_out, stopped=self._stopped,
                              temperature=0.2, tokens=self.ctx.tokens, stream=self.ctx.stream)
        resolver = CitationResolver(valid, dict(zip(labels, (p["sources"] for p in points), strict=True)))
        fallback = overlap_fallback([(p["text"], p["sources"]) for p in points], valid)
        return result, parse_points(result.text, resolver, fallback)

    def _labels(self, points: list[dict]) -> tuple[list[str], list[str]]:
        labels = [f"s{i}" for i in range(1, len(points) + 1)]
        valid = list(dict.fromkeys(s for p in points for s in p["sources"]))
        valid.sort(key=lambda s: self._rank.get(s, len(self._rank)))
        return labels, valid

    def _tokens(self, points: list[dict]) -> int:
        return sum(self.ctx.tokens.count(p["text"]) + POINT_OVERHEAD_TOKENS for p in points)

    def _run_parallel(self, stage: str, jobs: Iterable, work) -> Iterator[tuple]:
        """Run work(job) for every job with bounded concurrency; yield progress events, then ("done", results).

        Jobs may still be in the making (chunks of a document being counted): each starts as soon as it is
        given, and the first progress event, which names the total, follows the last one."""
        executor = cf.ThreadPoolExecutor(max_workers=max(1, self.ctx.concurrency),
                                         thread_name_prefix=f"summarize-{stage}")
        pending: dict[cf.Future, int] = {}
        try:
            for i, job in enumerate(jobs):
                if self.ctx.cancelled.is_set():
                    raise Cancelled("the request was cancelled")
                # in a copy of this thread's context: the worker's log lines name the request it serves
                pending[executor.submit(contextvars.copy_context().run, work, job)] = i
            results: list = [None] * len(pending)
            yield ("progress", {"stage": stage, "done": 0, "total": len(results)})
            done = 0
            while pending:
                if self.ctx.cancelled.is_set():
                    raise Cancelled("the request was cancelled")
                finished, _ = cf.wait(pending, timeout=_POLL_SECONDS, return_when=cf.FIRST_COMPLETED)
                for future in finished:
                    index = pending.pop(future)
                    call, points = future.result()  # a model error propagates; finally stops the rest
                    self._account(call)
                    results[index] = points
                    done += 1
                    yield ("progress", {"stage": stage, "done": done, "total": len(results)})
        finally:
            if pending:
                self._stop.set()
                for future in pending:
                    future.cancel()
            executor.shutdown(wait=False, cancel_futures=True)
        yield ("done", results)

    def _groups(self, summaries: list[list[dict]]) -> list[list[list[dict]]]:
        """Consecutive summaries packed into groups that fit one reduce call."""
        groups, current, size = [], [], 0
        for summary in summaries:
            n = self._tokens(summary)
            if current and size + n > self.budget:
                groups.append(current)
                current, size = [], 0
            current.append(summary)
            size += n
        if current:
            groups.append(current)
        return groups

    def _shrink(self, summary: list[dict], limit: int) -> list[dict]:
        """Keep a summary's leading points within `limit` tokens, so that two always fit one reduce call."""
        kept, size = [], 0
        for point in summary:
            n = self.ctx.tokens.count(point["text"]) + POINT_OVERHEAD_TOKENS
            if kept and size + n > limit:
                break
            kept.append(point)
            size += n
        return kept

    def run(self, chunks: Iterable[Chunk], rank: dict[str, int]) -> Iterator[tuple]:
        """Events, ending with ("points", [{text, sources}]) for the job to turn into its result.
        chunks: at least one; an iterator is read as the map calls go (see _run_parallel)."""
        self._rank = rank
        try:
            chunks = iter(chunks)
            first = next(chunks, None)
            if first is None:  # the job checks for text first; an empty document never gets this far
                raise InvalidRequest("there is no text to summarize", field="text")
            second = next(chunks, None)
            if second is None:
                self.chunk_count = 1
                yield from self._final_single(first)
                return
            summaries = None
            for event in self._run_parallel("map", itertools.chain((first, second), chunks), self._map_one):
                if event[0] == "done":
                    summaries = event[1]
                    self.chunk_count = len(summaries)
                else:
                    yield event
            for _round in range(MAX_ROUNDS):
                summaries = [self._shrink(s, self.budget // 2) for s in summaries if s]
                if sum(self._tokens(s) for s in summaries) <= self.budget or len(summaries) <= 1:
                    break
                groups = self._groups(summaries)
                merged: list = [None] * len(groups)
                todo = [(i, g) for i, g in enumerate(groups) if len(g) > 1]
                for i, g in enumerate(groups):
                    if len(g) == 1:
                        merged[i] = g[0]
                for event in self._run_parallel("reduce", [g for _, g in todo], self._reduce_one):
                    if event[0] == "done":
                        for (i, _), points in zip(todo, event[1], strict=True):
                            merged[i] = points
                    else:
                        yield event
                summaries = merged
            yield from self._final_reduce([p for s in summaries for p in s])
        finally:
            self._stop.set()

    # ---- the final, streamed call ----
    def _stream_final(self, messages: list[dict], room: int) -> Iterator[tuple]:
        sink = CallResult()
        yield ("progress", {"stage": "final", "done": 0, "total": 1})
        pieces = stream_call(self.ctx.model, messages, max_tokens=min(self.ctx.max_output_tokens, room),
                             stopped=self._stopped, sink=sink, temperature=0.2, tokens=self.ctx.tokens, stream=self.ctx.stream)
        try:
            for piece in pieces:
                yield ("delta", {"text": piece})
        finally:
            pieces.close()
        self._account(sink)
        self.model_name = sink.model or self.model_name
        yield ("progress", {"stage": "final", "done": 1, "total": 1})
        self.final_text = sink.text

    def _need(self) -> int:
        return min(self.ctx.max_output_tokens, max(256, self._map_out))

    def _final_single(self, chunk: Chunk) -> Iterator[tuple]:
        def build(history):
            return prompts.single_pass_messages(chunk.paragraphs, fmt=self.fmt, length=self.length,
                                                focus=self.focus, language=self.language,
                                                guidance=self.guidance, history=history)
        messages, room = fit_history(build, self.history, self.ctx.tokens, self.ctx.model, self._need(), "text")
        yield from self._stream_final(messages, room)
        ids = chunk.ids
        yield ("points", parse_points(self.final_text, CitationResolver(ids), lambda _text: list(ids)))

    def _final_reduce(self, points: list[dict]) -> Iterator[tuple]:
        labels, valid = self._labels(points)

        def build(history):
            return prompts.reduce_messages([(label, p["text"]) for label, p in zip(labels, points, strict=True)],
                                           final=True, fmt=self.fmt, length=self.length, focus=self.focus,
                                           language=self.language, guidance=self.guidance, history=history)
        messages, room = fit_history(build, self.history, self.ctx.tokens, self.ctx.model, self._need(), "text")
        yield from self._stream_final(messages, room)
        resolver = CitationResolver(valid, dict(zip(labels, (p["sources"] for p in points), strict=True)))
        fallback = overlap_fallback([(p["text"], p["sources"]) for p in points], valid)
        yield ("points", parse_points(self.final_text, resolver, fallback))
