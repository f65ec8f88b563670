"""Server-sent events out: job events encoded as they come, closed properly when the client leaves."""
from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterator

from flask import Response

from server.errors import DrafterError

log = logging.getLogger(__name__)


def encode(event: str, data: dict) -> str:
    # Compact JSON never holds a raw newline, so one data line per event is always enough.
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def event_stream(first: tuple[str, dict] | None, events: Iterator[tuple[str, dict]], *,
                 request_id: str, finish: Callable[[dict], dict]) -> Iterator[str]:
    """Yield encoded events; exactly one `result` or `error` ends the stream.

    When the client disconnects, the server closes this generator: `finally` closes the job's iterator,
    which closes the upstream model stream.
    """
    try:
        pending = [first] if first is not None else []
        for name, data in itertools.chain(pending, events):
            yield encode(name, finish(data) if name == "result" else data)
            if name == "result":
                return
        yield encode("error", {"error": "upstream_error", "message": "The job ended without a result.",
                               "request_id": request_id})
    except DrafterError as exc:
        yield encode("error", {**exc.to_dict(), "request_id": request_id})
    except Exception:
        log.exception("unexpected error while streaming request %s", request_id)
        yield encode("error", {"error": "internal_error", "request_id": request_id,
                               "message": "Something went wrong on our side; it has been logged."})
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


def sse_response(stream: Iterator[str]) -> Response:
    return Response(stream, mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache, no-transform",
        "X-Accel-Buffering": "no",  # nginx and similar proxies must not hold events back
    })
