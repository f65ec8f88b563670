"""The four jobs behind one interface: JOBS[name](body, ctx) -> iterator of events.

Each job validates its body EAGERLY (InvalidRequest / TooLarge / UnsupportedType / UnreadableDocument raise
before anything is returned), then returns an iterator of events:
    ("progress", {"stage", "done", "total"}), ("delta", {"text"}), and last ("result", {...}).
Model errors propagate as their typed exceptions. Closing the iterator (client gone) or setting
ctx.cancelled closes the model stream and stops pending map work.

Deltas are the model's raw pieces, forwarded as they arrive (nothing buffered), so they may include a
preamble the result later cleans away, summary citations ("[p3]"), or a proofread's "### Changes" list:
the result event carries the authoritative, cleaned text. Review streams no deltas: its answer is JSON
to parse, not text to show; it emits progress, then the result.
"""
from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from server.assist import prompts
from server.assist.calls import CallResult, fit_history, stream_call
from server.assist.checks import SourceProfile, run_checks
from server.assist.chunking import iter_chunks
from server.assist.clean import clean
from server.assist.findings import parse_findings
from server.assist.overlap import in_background
from server.assist.presets import Preset, Presets
from server.assist.proofread import proofread_result
from server.assist.schemas import (
    DRAFT_REQUEST,
    REVIEW_ASPECTS,
    REVIEW_REQUEST,
    REWRITE_REQUEST,
    SUMMARIZE_REQUEST,
    validate,
)
from server.assist.sources import (
    FetchDocument,
    attachments_material,
    document_text,
    extract_file,
    material_label,
    summary_paragraphs,
)
from server.assist.summarize import Summarizer, chunk_budget
from server.errors import InvalidRequest, UpstreamError
from server.governance.material import Material
from server.llm.base import ChatModel, Usage
from server.llm.tokens import TokenCounter

Event = tuple[str, dict]
log = logging.getLogger(__name__)
MIN_OUTPUT_TOKENS = 128
MATERIAL_FRAME_TOKENS = 20  # fence markers and name around each piece of material


@dataclass
class JobContext:
    model: ChatModel
    presets: Presets
    tokens: TokenCounter
    max_output_tokens: int = 2048
    chunk_tokens: int | None = None  # None: derived from model.context_window
    concurrency: int = 8
    cancelled: threading.Event = field(default_factory=threading.Event)
    # False when the caller wants one JSON answer: the model is then asked for a whole answer too (one JSON
    # body to read instead of an event per token). Streaming callers get each piece as it arrives.
    stream: bool = True
    # Reads a document given by link ({url}): the API layer binds it to the caller's own rights; None refuses
    fetch_document: FetchDocument | None = None
    # Sensitivity labels of the files the job reads ({field, filename, label}, server.assist.sources), filled
    # while the body is validated, before any model call; the result's `label` is material_label() of them
    labels: list[dict] = field(default_factory=list)
    # The policy guard (server.governance.guard.Guard), or None. With a guard, `model` cannot send anything
    # until screen() has passed the job's material; `verdict` then says what was found and done.
    guard: object | None = None
    verdict: object | None = None

    def screen(self, materials: list[Material]) -> None:
        """Every job calls this with all it is about to send, before its first model call (and before fitting
        its prompt: a route may change the model and its window). Raises BlockedByPolicy."""
        if self.guard is not None:
            self.model, self.verdict = self.guard.screen(materials, self.model)


# ---- shared pieces ----
def _guidance(ctx: JobContext, body: dict, job: str, defaults: tuple[str, ...] = ()
              ) -> tuple[list[str], Preset | None]:
    """Instructions from the named preset, then tone and length presets; and the named preset itself."""
    preset = ctx.presets.get(body["preset"], job=job) if "preset" in body else None
    chosen = [*defaults]
    if "tone" in body:
        chosen.append(f"tone.{body['tone']}")
    if "length" in body and job != "summarize":  # summarize's length sets the number of points instead
        chosen.append(f"length.{body['length']}")
    guidance = [preset.instruction] if preset else []
    for pid in chosen:
        if preset is None or pid != preset.id:
            field_name = {"draft": "kind"}.get(pid.split(".")[0], pid.split(".")[0])
            guidance.append(ctx.presets.get(pid, field=field_name).instruction)
    if preset and preset.needs_language and not body.get("language"):
        raise InvalidRequest(f"preset '{preset.id}' needs language (the language to write in)", field="language")
    return guidance, preset


def _text_output_need(ctx: JobContext, text: str, body: dict) -> tuple[int, Callable[[], int]]:
    """Output tokens a rewrite of `text` needs: about its length (twice for longer), within the limits.

    As fit_history takes it: a bound from the UTF-8 length (a token is at least one byte), and the exact
    need from the token count, only computed when the bound does not fit."""
    factor = 2 if body.get("length") == "longer" else 1

    def need(count: int) -> int:
        return max(MIN_OUTPUT_TOKENS, min(ctx.max_output_tokens, count * factor + 64))
    return need(len(text.encode("utf-8"))), lambda: need(ctx.tokens.count(text))


def _stream_text(ctx: JobContext, messages: list[dict], max_tokens: int, sink: CallResult,
                 temperature: float) -> Iterator[Event]:
    pieces = stream_call(ctx.model, messages, max_tokens=max_tokens, stopped=ctx.cancelled.is_set, sink=sink,
                         temperature=temperature, tokens=ctx.tokens, stream=ctx.stream)
    try:
        for piece in pieces:
            yield ("delta", {"text": piece})
    finally:
        pieces.close()


def _usage(*results: CallResult) -> dict:
    total = Usage()
    for r in results:
        total.add(r.usage)
    return total.to_dict()


def _history_material(body: dict) -> list[Material]:
    return [Material("history", turn["content"]) for turn in body.get("history", []) if turn.get("content")]


def _request_material(body: dict, *fields: str) -> list[Material]:
    """The request's own text fields, as the guard screens them."""
    return [Material(name, body[name]) for name in fields if isinstance(body.get(name), str) and body[name]]


def _file_label(ctx: JobContext, field_name: str) -> dict | None:
    """The sensitivity label extraction found in the file a request field carried (ctx.labels), if any."""
    return next((entry["label"] for entry in ctx.labels if entry["field"] == field_name), None)


def _nonempty(text: str) -> str:
    if not text.strip():
        raise UpstreamError("the model returned an empty answer")
    return text


# ---- rewrite ----
def rewrite(body: dict, ctx: JobContext) -> Iterator[Event]:
    validate(REWRITE_REQUEST, body)
    guidance, preset = _guidance(ctx, body, "rewrite")
    text, language = body["text"], body.get("language")
    ctx.screen(_request_material(body, "text", "instruction") + _history_material(body))

    def build(history):
        return prompts.rewrite_messages(text, guidance=guidance, instruction=body.get("instruction") or None,
                                        language=language, history=history)
    messages, room = fit_history(build, body.get("history", []), ctx.tokens, ctx.model,
                                 _text_output_need(ctx, text, body), "text")
    return _rewrite_events(ctx, messages, min(room, ctx.max_output_tokens), text, language, preset)


def _rewrite_events(ctx, messages, max_tokens, source, language, preset) -> Iterator[Event]:
    sink = CallResult()
    profile = SourceProfile(source)
    # A streamed answer: the source's side of the checks is read while the model writes the rest (it needs
    # nothing from the answer), starting once the first delta is out so it never competes with that for the
    # GIL. A whole answer comes as one piece at the end: there the checks read the source on this thread, as
    # handing it to the pool then and waiting only added a thread switch (measured: bench/RESULTS.md).
    source_read = None
    for event in _stream_text(ctx, messages, max_tokens, sink, 0.3):
        yield event
        if source_read is None and ctx.stream:
            source_read = in_background(profile.read_for_edit_checks, language)
    if source_read is not None:
        source_read.result()
    raw = clean(sink.text, source=source)
    result: dict = {}
    if preset is not None and preset.output == "proofread":
        text, result["changes"] = proofread_result(raw, source, lambda t: clean(t, source=source))
    else:
        text = raw
    _nonempty(text)
    checks = run_checks(profile, text, language=language, translation=bool(preset and preset.translation),
                        finish_reason=sink.finish_reason)
    yield ("result", {"text": text, "model": sink.model or ctx.model.name, "usage": _usage(sink),
                      "checks": checks, "finish_reason": sink.finish_reason, **result})


# ---- draft ----
def _fit_material(ctx: JobContext, material: list[tuple[str, str, str | None, str]], room: int
                  ) -> tuple[list[tuple[str, str, str | None]], list[str]]:
    """Cut material (in order: context, document, then attachments) to `room` tokens; name the fields cut."""
    fitted, cut = [], []
    for label, text, name, field_name in material:
        allowed = room - MATERIAL_FRAME_TOKENS
        if allowed <= 0:
            cut.append(field_name)
            continue
        n = ctx.tokens.count(text)
        if n > allowed:
            text = ctx.tokens.truncate(text, allowed)
            n = allowed
            cut.append(field_name)
        fitted.append((label, text, name))
        room -= n + MATERIAL_FRAME_TOKENS
    return fitted, cut


def draft(body: dict, ctx: JobContext) -> Iterator[Event]:
    validate(DRAFT_REQUEST, body)
    kind = body.get("kind", "freeform")
    guidance, _preset = _guidance(ctx, body, "draft", defaults=(f"draft.{kind}",))
    fmt, language, instruction = body.get("format", "text"), body.get("language"), body["instruction"]
    material = []
    if body.get("context", "").strip():
        material.append(("CONTEXT", body["context"], None, "context"))
    if "document" in body:
        document = body["document"]
        text = document_text(extract_file(document, "document", ctx.fetch_document, ctx.labels))
        if text.strip():
            material.append(("DOCUMENT", text, document.get("filename"), "document"))
    for i, (filename, text) in enumerate(attachments_material(body.get("attachments", []), ctx.labels)):
        if text.strip():
            material.append(("ATTACHMENT", text, filename, f"attachments[{i}]"))
    ctx.screen(_request_material(body, "instruction")
               + [Material(field_name, text, name=name, label=_file_label(ctx, field_name))
                  for _label, text, name, field_name in material]
               + _history_material(body))
    need = max(MIN_OUTPUT_TOKENS, min(ctx.max_output_tokens, ctx.model.context_window // 4))

    def build(history, parts=()):
        return prompts.draft_messages(instruction, guidance=guidance, language=language,
                                      markdown=fmt != "text", material=list(parts), history=history)
    bare = ctx.tokens.count_messages(build([]))
    room = ctx.model.context_window - need - bare
    if room < 0:
        raise InvalidRequest("instruction is too long for the model", field="instruction")
    fitted, cut = _fit_material(ctx, material, room)
    messages, room = fit_history(lambda h: build(h, fitted), body.get("history", []), ctx.tokens, ctx.model,
                                 need, "instruction")
    reference = "\n\n".join([instruction] + [text for _, text, _, _ in material])
    return _draft_events(ctx, messages, min(room, ctx.max_output_tokens), body, reference, cut)


def _draft_events(ctx, messages, max_tokens, body, reference, cut) -> Iterator[Event]:
    sink = CallResult()
    yield from _stream_text(ctx, messages, max_tokens, sink, 0.5)
    text = _nonempty(clean(sink.text))
    checks = run_checks(body["instruction"], text, language=body.get("language"), reference=reference,
                        readability_before=False, negations=False, finish_reason=sink.finish_reason)
    if cut:
        checks["material_truncated"] = cut
    result = {"text": text, "model": sink.model or ctx.model.name, "usage": _usage(sink), "checks": checks,
              "finish_reason": sink.finish_reason, "label": material_label(ctx.labels)}
    fmt = body.get("format", "text")
    if fmt != "text":
        from server.documents import render  # helper C's renderer, imported late so assist loads without it

        if fmt == "html":
            result["html"] = render.markdown_to_html(text)
        else:
            result["docx_base64"] = base64.b64encode(render.markdown_to_docx(text)).decode("ascii")
    yield ("result", result)


# ---- review ----
def review(body: dict, ctx: JobContext) -> Iterator[Event]:
    validate(REVIEW_REQUEST, body)
    guidance, _preset = _guidance(ctx, body, "review")
    text, context = body["text"], (body.get("context") or "").strip() or None
    ctx.screen(_request_material(body, "text", "context") + _history_material(body))
    aspects = list(dict.fromkeys(body.get("aspects", REVIEW_ASPECTS)))
    if context is None and "completeness" in aspects:
        # completeness means questions in the context left unanswered: nothing to check without one
        if "aspects" in body and aspects == ["completeness"]:
            raise InvalidRequest("the completeness aspect needs context (the message with the questions)",
                                 field="context")
        aspects.remove("completeness")
    need = max(MIN_OUTPUT_TOKENS, min(ctx.max_output_tokens, 1024))
    if context is not None:
        bare = ctx.tokens.count_messages(prompts.review_messages(text, aspects=aspects, context=None,
                                                                 language=body.get("language"), guidance=guidance))
        room = ctx.model.context_window - need - bare - MATERIAL_FRAME_TOKENS
        if room > 0 and ctx.tokens.count(context) > room:
            context = ctx.tokens.truncate(context, room)

    def build(history):
        return prompts.review_messages(text, aspects=aspects, context=context, language=body.get("language"),
                                       guidance=guidance, history=history)
    messages, room = fit_history(build, body.get("history", []), ctx.tokens, ctx.model, need, "text")
    return _review_events(ctx, messages, min(room, ctx.max_output_tokens), text, context, aspects)


def _review_events(ctx, messages, max_tokens, text, context, aspects) -> Iterator[Event]:
    yield ("progress", {"stage": "review", "done": 0, "total": 1})
    sink = CallResult()
    pieces = stream_call(ctx.model, messages, max_tokens=max_tokens, stopped=ctx.cancelled.is_set, sink=sink,
                         temperature=0.2, tokens=ctx.tokens, stream=ctx.stream)
    try:
        for _piece in pieces:
            pass
    finally:
        pieces.close()
    yield ("progress", {"stage": "review", "done": 1, "total": 1})
    findings = parse_findings(sink.text, aspects=aspects, text=text, context=context)
    yield ("result", {"findings": findings, "model": sink.model or ctx.model.name, "usage": _usage(sink)})


# ---- summarize ----
def summarize(body: dict, ctx: JobContext) -> Iterator[Event]:
    validate(SUMMARIZE_REQUEST, body)
    guidance, _preset = _guidance(ctx, body, "summarize")
    paragraphs = summary_paragraphs(body, ctx.fetch_document, ctx.labels)
    ctx.screen(_summary_material(ctx, body, paragraphs) + _request_material(body, "focus")
               + _history_material(body))
    budget = chunk_budget(ctx.model.context_window, ctx.max_output_tokens, ctx.chunk_tokens)
    chunks = iter_chunks(paragraphs, ctx.tokens.count, budget)  # counted as the map calls start
    rank = {p["id"]: i for i, p in enumerate(paragraphs)}
    summarizer = Summarizer(ctx, fmt=body.get("format", "bullets"), length=body.get("length"),
                            focus=body.get("focus"), language=body.get("language"), guidance=guidance,
                            history=body.get("history", []), budget=budget)
    source = SourceProfile("\n\n".join(p["text"] for p in paragraphs))
    return _summarize_events(summarizer, chunks, rank, source, body, material_label(ctx.labels))


def _summary_material(ctx: JobContext, body: dict, paragraphs: list[dict]) -> list[Material]:
    """One piece of material per source (its markings are at its own start and end), from the paragraph ids
    summary_paragraphs gives: text p1.., document d.p1.. (p1.. alone), attachment n an.p1.."""
    prefixes = [(f"a{i}.", f"attachments[{i - 1}]") for i in range(len(body.get("attachments", [])), 0, -1)]
    if "text" in body and "document" in body:
        prefixes.append(("d.", "document"))
    alone = "text" if "text" in body else "document"
    sources: dict[str, list[str]] = {}
    for p in paragraphs:
        where = next((field for prefix, field in prefixes if p["id"].startswith(prefix)), alone)
        sources.setdefault(where, []).append(p["text"])
    files = {"document": body.get("document") or {},
             **{f"attachments[{i}]": f for i, f in enumerate(body.get("attachments", []))}}
    return [Material(where, "\n\n".join(texts), name=files.get(where, {}).get("filename"),
                     label=_file_label(ctx, where)) for where, texts in sources.items()]


def render_summary(points: list[dict], fmt: str) -> str:
    if fmt == "bullets":
        return "\n".join(f"- {p['text']}" for p in points)
    return " ".join(p["text"] for p in points)


def _summarize_events(summarizer: Summarizer, chunks, rank, source: SourceProfile, body, label
                      ) -> Iterator[Event]:
    points: list[dict] = []
    for event in summarizer.run(chunks, rank):
        if event[0] == "points":
            points = event[1]
        else:
            yield event
    points = [{**p, "text": clean(p["text"])} for p in points]
    points = [p for p in points if p["text"]]
    fmt = body.get("format", "bullets")
    summary = _nonempty(render_summary(points, fmt))
    checks = run_checks(source, summary, language=body.get("language"), summary=True,
                        finish_reason="length" if summarizer.truncated else None)
    yield ("result", {"summary": summary, "points": points, "usage": summarizer.usage.to_dict(),
                      "chunks": summarizer.chunk_count, "model": summarizer.model_name, "checks": checks,
                      "label": label})


JOBS: dict[str, Callable[[dict, JobContext], Iterator[Event]]] = {
    "rewrite": rewrite, "summarize": summarize, "draft": draft, "review": review,
}
