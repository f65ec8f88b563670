"""Reading chat-completions payloads (whole answers, stream chunks, error bodies) into Drafter's types.

Shared by the streaming layer (sse.py) and the HTTP clients, so every provider's quirks are handled once:
Azure's `prompt_filter_results` / `content_filter_results`, `finish_reason: "content_filter"`, error objects.
Messages built here never carry model text, prompt text or credentials: upstream messages are cut to one
short line and anything that looks like a key is masked. Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import re

from server.errors import ContentFiltered, UpstreamError
from server.llm.base import Completion, Usage

MAX_MESSAGE_CHARS = 200
# OpenAI echoes part of a wrong key ("sk-abc***xyz"); bearer tokens are long base64url runs.
_SECRET_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_*\-]{3,}|[A-Za-z0-9_\-]{32,}(\.[A-Za-z0-9_\-]+){0,2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def sanitize(text: object, limit: int = MAX_MESSAGE_CHARS) -> str:
    """One printable line, at most `limit` characters, secrets masked: safe to log and to show."""
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    line = _SECRET_LIKE.sub("[redacted]", _CONTROL.sub(" ", line)).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def error_details(payload: object) -> tuple[str, str]:
    """(message, code) from an upstream error body in any of the shapes servers use; either may be ''."""
    if not isinstance(payload, dict):
        return "", ""
    err = payload.get("error", payload)
    if isinstance(err, str):
        return sanitize(err), ""
    if not isinstance(err, dict):
        return "", ""
    message = err.get("message") or payload.get("message") or payload.get("detail") or ""
    code = err.get("code") or err.get("type") or ""
    return sanitize(message), sanitize(code, 60)


def is_content_filter_error(payload: object) -> bool:
    """Azure answers a filtered prompt with HTTP 400 and `error.code == "content_filter"`."""
    err = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(err, dict):
        return False
    inner = err.get("innererror") if isinstance(err.get("innererror"), dict) else {}
    return err.get("code") == "content_filter" or inner.get("code") == "ResponsibleAIPolicyViolation"


def _filtered_categories(results: object) -> list[str]:
    """Category names whose verdict says `filtered: true` (dict entries, or lists such as custom_blocklists)."""
    if not isinstance(results, dict):
        return []
    hits = []
    for name, verdict in results.items():
        entries = verdict if isinstance(verdict, list) else [verdict]
        if any(isinstance(e, dict) and e.get("filtered") is True for e in entries):
            hits.append(str(name))
    return hits


def list_at(payload: dict, key: str) -> list:
    """The list a payload holds at `key`, or [] when it holds anything else: a chunk whose `choices` is true or
    5 is malformed, and is read as having none rather than failing with a TypeError (found by hypothesis)."""
    value = payload.get(key)
    return value if isinstance(value, list) else []


def check_content_filter(payload: dict) -> None:
    """Raise ContentFiltered when a response or chunk says the provider's filter stopped the prompt or answer."""
    for entry in list_at(payload, "prompt_filter_results") or list_at(payload, "prompt_annotations"):
        if isinstance(entry, dict) and (hits := _filtered_categories(entry.get("content_filter_results"))):
            raise ContentFiltered(f"the provider's content filter blocked the prompt ({', '.join(hits)})")
    for choice in list_at(payload, "choices"):
        if not isinstance(choice, dict):
            continue
        if hits := _filtered_categories(choice.get("content_filter_results")):
            raise ContentFiltered(f"the provider's content filter flagged the answer ({', '.join(hits)})")
        if choice.get("finish_reason") == "content_filter":
            raise ContentFiltered("the provider's content filter stopped the answer")


def parse_usage(raw: object) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    try:
        return Usage(prompt_tokens=int(raw.get("prompt_tokens") or 0),
                     completion_tokens=int(raw.get("completion_tokens") or 0))
    except (TypeError, ValueError, OverflowError):  # OverflowError: a count of Infinity, which json reads
        return None


def raise_for_error_object(payload: dict) -> None:
    """An `{"error": {...}}` object where an answer should be: UpstreamError with the upstream's own words."""
    if "error" not in payload or payload.get("error") is None:
        return
    if is_content_filter_error(payload):
        raise ContentFiltered("the provider's content filter blocked the request")
    message, code = error_details(payload)
    detail = f"{message} ({code})" if message and code else message or code or "no details given"
    raise UpstreamError(f"the model endpoint reported an error: {detail}")


def parse_completion(body: object, *, default_model: str) -> Completion:
    """A whole (non-streamed) chat completion -> Completion; errors and filtered answers raise."""
    if not isinstance(body, dict):
        raise UpstreamError("the model endpoint answered with something that is not a chat completion")
    raise_for_error_object(body)
    check_content_filter(body)
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise UpstreamError("the model endpoint answered without any choices")
    message = choices[0].get("message") if isinstance(choices[0].get("message"), dict) else {}
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        raise UpstreamError("the model endpoint answered with a message whose content is not text")
    return Completion(text=content or "", model=str(body.get("model") or default_model),
                      usage=parse_usage(body.get("usage")) or Usage(),
                      finish_reason=choices[0].get("finish_reason"))
