"""OpenAICompatibleModel: chat completions over HTTP, for OpenAI, llama.cpp, vLLM and any compatible endpoint.

One shared `requests.Session` (connection reuse), a connect and a read timeout on every call, retries on 429,
5xx and connection failures with backoff that honours Retry-After, all inside one total time budget per call.
Streams are read as they arrive (no buffering) and always closed, so a caller that goes away stops the model.
AzureOpenAIModel (azure.py) is this class with another URL and other credentials.

Never logged: prompts, answers, keys, tokens. Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import http.client
import json
import logging
import math
import socket
import time
from collections.abc import Iterator

import requests
import urllib3.exceptions

from server.errors import ContentFiltered, DrafterError, RateLimited, UpstreamError, UpstreamTimeout
from server.http import SharedSession
from server.llm.base import ChatStream, Completion
from server.llm.chat_payload import error_details, is_content_filter_error, parse_completion
from server.llm.retry import RETRYABLE_STATUSES, Deadline, RetryPolicy, parse_retry_after
from server.llm.sse import EARLY_END, iter_chat_text

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
MAX_BODY_BYTES = 32 * 1024 * 1024  # a whole answer larger than this is not a chat completion
MAX_ERROR_BODY_BYTES = 64 * 1024
# After `[DONE]` only the body's end (the last, empty chunk) should follow, already on its way: read it so that
# urllib3 puts the connection back in the pool (keep-alive), but give up quickly on anything else.
DRAIN_READS = 4
DRAIN_BYTES = 64 * 1024
DRAIN_SECONDS = 0.1


class OpenAICompatibleModel:
    supports_streaming = True
    credential_name = "API key"  # what a 401 means we got wrong

    def __init__(self, *, base_url: str, model: str, session: SharedSession, api_key: str | None = None,
                 context_window: int = 128_000, max_output_tokens: int | None = 2048,
                 connect_timeout: float = 5.0, read_timeout: float = 60.0, total_budget: float = 120.0,
                 retry: RetryPolicy | None = None, ping_timeout: float = 3.0,
                 max_tokens_field: str = "max_tokens"):
        self.name = model
        self.endpoint = base_url.rstrip("/")
        self.context_window = context_window
        self.max_output_tokens = max_output_tokens
        self._session = session
        self._api_key = api_key or None
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._total_budget = total_budget
        self._retry = retry or RetryPolicy()
        self._ping_timeout = ping_timeout
        # OpenAI's reasoning models refuse `max_tokens` and want `max_completion_tokens`; llama.cpp wants the former
        self._max_tokens_field = max_tokens_field
        self.chat_url = f"{self.endpoint}/chat/completions"
        self.models_url = f"{self.endpoint}/models"

    # -- what differs between providers (AzureOpenAIModel overrides these) --

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    def _has_credentials(self) -> bool:
        return self._api_key is not None

    def _request_body(self, messages: list[dict], max_tokens: int | None, temperature: float | None,
                      stream: bool) -> dict:
        body: dict = {"model": self.name, "messages": messages}
        limit = max_tokens if max_tokens is not None else self.max_output_tokens
        if limit is not None:
            body[self._max_tokens_field] = limit
        if temperature is not None:
            body["temperature"] = temperature
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    # -- the ChatModel interface --

    def complete(self, messages: list[dict], *, max_tokens: int | None = None,
                 temperature: float | None = None) -> Completion:
        deadline = Deadline(self._total_budget)
        started = time.monotonic()
        response = self._post(self._request_body(messages, max_tokens, temperature, stream=False), deadline)
        try:
            raw = bytearray()
            for data in self._read_body(response, deadline):
                raw += data
                if len(raw) > MAX_BODY_BYTES:
                    raise UpstreamError("the model endpoint's answer is larger than any chat completion should be")
        finally:
            response.close()
        try:
            payload = json.loads(raw)
        except ValueError:
            raise UpstreamError("the model endpoint answered with something that is not JSON") from None
        completion = parse_completion(payload, default_model=self.name)
        log.info("model call done: endpoint=%s model=%s finish=%s prompt_tokens=%d completion_tokens=%d "
                 "seconds=%.3f", self.endpoint, completion.model, completion.finish_reason,
                 completion.usage.prompt_tokens, completion.usage.completion_tokens, time.monotonic() - started)
        return completion

    def stream(self, messages: list[dict], *, max_tokens: int | None = None,
               temperature: float | None = None) -> ChatStream:
        """Opens the stream now (so refusals, 429s and unreachable endpoints raise here, before any text);
        iterate the result for text pieces and close it when done."""
        deadline = Deadline(self._total_budget)
        response = self._post(self._request_body(messages, max_tokens, temperature, stream=True), deadline)
        result = _HTTPChatStream(response, model=self.name)
        result._pieces = self._stream_pieces(response, deadline, result)
        return result

    def ping(self) -> None:
        """Reachability for /readyz: any HTTP answer below 500 means the endpoint is there."""
        timeout = (min(self._connect_timeout, self._ping_timeout), self._ping_timeout)
        try:
            with self._session.get(self.models_url, headers=self._auth_headers(), timeout=timeout,
                                   stream=True) as response:
                status = response.status_code
        except requests.Timeout:
            raise UpstreamTimeout(f"the model endpoint did not answer within {self._ping_timeout:g} s") from None
        except requests.RequestException as exc:
            raise UpstreamError(f"the model endpoint {self.endpoint} cannot be reached ({_kind(exc)})") from None
        if status >= 500:
            raise UpstreamError(f"the model endpoint answered HTTP {status}")

    # -- HTTP: sending with retries --

    def _post(self, body: dict, deadline: Deadline) -> requests.Response:
        """POST the chat request until it is accepted (2xx), retrying what is worth retrying within the budget."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        accept = "text/event-stream" if body.get("stream") else "application/json"
        attempt = 0
        while True:
            attempt += 1
            headers = {"Content-Type": "application/json", "Accept": accept, **self._auth_headers()}
            remaining = deadline.remaining()
            if remaining <= 0:
                raise self._timeout_error(deadline)
            retry_after: float | None = None
            try:
                response = self._session.post_bytes(self.chat_url, data, headers, timeout=(
                    min(self._connect_timeout, remaining), min(self._read_timeout, remaining)))
            except requests.Timeout:
                failure: DrafterError = self._timeout_error(deadline)
            except requests.ConnectionError as exc:
                failure = UpstreamError(f"the model endpoint {self.endpoint} cannot be reached ({_kind(exc)})")
            except requests.RequestException as exc:  # a malformed URL and the like: retrying cannot help
                raise UpstreamError(f"the request to the model endpoint could not be sent ({_kind(exc)})") from None
            else:
                if response.status_code < 300:
                    return response
                failure, retryable, retry_after = self._failure(response, deadline)
                if not retryable:
                    raise failure
            wait = retry_after if retry_after is not None else self._retry.backoff(attempt)
            if attempt > self._retry.max_retries or wait >= deadline.remaining():
                log.warning("model call failed: endpoint=%s attempts=%d error=%s", self.endpoint, attempt,
                            failure.code)
                raise self._final(failure, wait)
            log.info("model call attempt %d failed (%s); retrying in %.2f s", attempt, failure.code, wait)
            time.sleep(wait)

    def _final(self, failure: DrafterError, wait: float) -> DrafterError:
        if isinstance(failure, RateLimited) and failure.retry_after is None:
            failure.retry_after = math.ceil(max(1.0, wait))  # the caller gets a Retry-After either way
        return failure

    def _timeout_error(self, deadline: Deadline) -> UpstreamTimeout:
        if deadline.expired():
            return UpstreamTimeout(f"the model endpoint did not answer within the {self._total_budget:g} s budget")
        return UpstreamTimeout(f"the model endpoint did not answer within {self._read_timeout:g} s")

    def _failure(self, response: requests.Response, deadline: Deadline
                 ) -> tuple[DrafterError, bool, float | None]:
        """(error to raise, worth retrying, seconds the endpoint asked us to wait) for a non-2xx answer."""
        status = response.status_code
        retry_after = parse_retry_after(response.headers)
        payload = self._error_payload(response, deadline)
        message, code = error_details(payload)
        said = f": {message}" if message else ""
        if 300 <= status < 400:  # never followed: a redirected POST would become a GET, or leave the endpoint
            return UpstreamError(f"the model endpoint answered with a redirect (HTTP {status}); configure the "
                                 "address it redirects to as the endpoint"), False, None
        if status == 429 and code == "insufficient_quota":  # OpenAI: billing, not load; waiting will not help
            return UpstreamError(f"the model endpoint's quota is used up (429){said}"), False, None
        if status == 429:
            seconds = math.ceil(retry_after) if retry_after is not None else None
            return RateLimited("the model endpoint is rate-limiting requests", retry_after=seconds), True, retry_after
        if status == 400 and is_content_filter_error(payload):
            return ContentFiltered("the provider's content filter blocked the prompt"), False, None
        if status in RETRYABLE_STATUSES:
            return UpstreamError(f"the model endpoint failed (HTTP {status}){said}"), True, retry_after
        if status == 401:
            if not self._has_credentials():
                return UpstreamError(f"the model endpoint wants credentials ({self.credential_name}) and none "
                                     "are configured (401)"), False, None
            return UpstreamError(f"the model endpoint refused the {self.credential_name} (401)"), False, None
        if status == 403:
            return UpstreamError(f"the model endpoint denied access (403){said}"), False, None
        if status == 404:
            return UpstreamError(f"the model endpoint has no such model, deployment or path (404){said}"), False, None
        return UpstreamError(f"the model endpoint rejected the request (HTTP {status}){said}"), False, None

    def _error_payload(self, response: requests.Response, deadline: Deadline) -> object:
        try:
            raw = b""
            for data in self._read_body(response, deadline):
                raw += data
                if len(raw) >= MAX_ERROR_BODY_BYTES:
                    break
            return json.loads(raw)
        except (ValueError, DrafterError):
            return None
        finally:
            response.close()

    # -- HTTP: reading bodies --

    def _read_body(self, response: requests.Response, deadline: Deadline) -> Iterator[bytes]:
        """The body as it arrives. Each read waits at most the read timeout, and never past the total budget.

        read1 returns what is there (with chunked encoding, at most one chunk: one SSE event), never waiting to
        fill a block; the socket itself is read in large blocks underneath. The socket timeout (the read
        timeout, set by urllib3) is only shortened once the budget left is shorter: a syscall per read saved."""
        raw = response.raw
        read1 = raw.read1
        sock = _socket_of(raw)
        timeout = sock.gettimeout() if sock is not None else None
        while True:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise UpstreamTimeout(f"the model endpoint did not finish within the {self._total_budget:g} s budget")
            if sock is not None and (timeout is None or timeout > remaining):
                timeout = max(min(self._read_timeout, remaining), 0.001)
                sock.settimeout(timeout)
            try:
                data = read1(READ_SIZE, decode_content=True)
            except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
                raise self._timeout_error(deadline) from None
            except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError):
                raise UpstreamError(EARLY_END) from None  # cut connection, broken chunking, reset
            if not data:
                return
            yield data

    def _drain(self, response: requests.Response, deadline: Deadline) -> None:
        """Read what is left of a streamed body after `[DONE]`, so the connection goes back to the pool: a few
        bounded reads, at most DRAIN_SECONDS and never past the budget. Whatever stays unread, closing the
        response then drops the connection, as before."""
        raw = response.raw
        sock = _socket_of(raw)
        if sock is None:  # no way to bound the wait: let close() drop the connection
            return
        ends = time.monotonic() + min(DRAIN_SECONDS, deadline.remaining())
        left = DRAIN_BYTES
        for _ in range(DRAIN_READS):
            wait = ends - time.monotonic()
            if wait <= 0 or left <= 0:
                return
            sock.settimeout(wait)
            try:
                data = raw.read1(left, decode_content=True)
            except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError):
                return  # urllib3 has dropped the connection; nothing was lost but a reuse
            if not data:
                return  # the end: urllib3 has released the connection to the pool
            left -= len(data)

    def _stream_pieces(self, response: requests.Response, deadline: Deadline, result: ChatStream) -> Iterator[str]:
        started = time.monotonic()
        try:
            content_type = response.headers.get("Content-Type", "")
            whole = "json" in content_type and "event-stream" not in content_type
            if whole:  # the server ignored `stream: true` and answered whole; still an answer
                pieces = self._whole_answer(response, deadline, result)
            else:
                pieces = iter_chat_text(self._read_body(response, deadline), result)
            for piece in pieces:  # the first piece only: the rest pass straight through
                result.first_chunk_at = time.monotonic()
                yield piece
                break
            yield from pieces
            if not whole:
                self._drain(response, deadline)
        except DrafterError as exc:
            log.warning("model stream failed: endpoint=%s error=%s", self.endpoint, exc.code)
            raise
        finally:
            response.close()
        log.info("model stream done: endpoint=%s model=%s finish=%s prompt_tokens=%d completion_tokens=%d "
                 "seconds=%.3f", self.endpoint, result.model, result.finish_reason, result.usage.prompt_tokens,
                 result.usage.completion_tokens, time.monotonic() - started)

    def _whole_answer(self, response: requests.Response, deadline: Deadline, result: ChatStream) -> Iterator[str]:
        raw = b"".join(self._read_body(response, deadline))
        try:
            completion = parse_completion(json.loads(raw), default_model=self.name)
        except ValueError:
            raise UpstreamError("the model endpoint answered with something that is not JSON") from None
        result.model, result.usage, result.finish_reason = completion.model, completion.usage, completion.finish_reason
        if completion.text:
            yield completion.text


class _HTTPChatStream(ChatStream):
    """A ChatStream whose close() also closes the HTTP response, even if iteration never began (a generator
    that has not started does not run its `finally` on close). Iterating it iterates the generator itself."""

    def __init__(self, response: requests.Response, model: str):
        super().__init__(iter(()), model=model)
        self._response = response

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._response.close()


def _socket_of(raw: object) -> socket.socket | None:
    """The socket under a streamed response, to bound reads by the budget. urllib3 exposes its connection;
    if a future version does not, the read timeout given to requests still applies."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _kind(exc: BaseException) -> str:
    """A short, safe name for a transport failure (exception text can carry URLs with credentials)."""
    text = str(exc).lower()
    for needle, kind in (("refused", "connection refused"), ("name or service", "unknown host"),
                         ("nodename nor servname", "unknown host"), ("certificate", "TLS certificate problem"),
                         ("ssl", "TLS problem"), ("reset", "connection reset"), ("aborted", "connection aborted")):
        if needle in text:
            return kind
    return type(exc).__name__
