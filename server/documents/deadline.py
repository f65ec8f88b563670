"""A time bound per file: extraction stops with 422 "took too long to read" once it passes.

Cooperative: nothing is interrupted. `extract()` opens the bound with `reading(limits.max_seconds)` and every
reader calls `check_deadline()` between elements (paragraphs, rows, pages, lines); outside `reading()` the
call does nothing, so readers stay usable on their own. A reader with a long inner loop checks every few
hundred items (one call costs a monotonic clock read). Parsing one XML part or one PDF object is not
interruptible; the size and zip-bomb caps bound those.
"""
from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator

from server.errors import UnreadableDocument

TOO_SLOW = "The file took too long to read; split it or send a smaller part of it."


class Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._ends = clock() + seconds

    def passed(self) -> bool:
        return self._clock() >= self._ends

    def check(self) -> None:
        if self.passed():
            raise UnreadableDocument(TOO_SLOW)


_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("drafter_document_deadline",
                                                                          default=None)


@contextlib.contextmanager
def reading(seconds: float, clock: Callable[[], float] = time.monotonic) -> Iterator[Deadline]:
    """The bound for one file, current until the block ends (an inner `reading()` replaces it meanwhile)."""
    deadline = Deadline(seconds, clock)
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


def check_deadline() -> None:
    """Raise UnreadableDocument (422) when the current file's bound has passed; a no-op outside `reading()`."""
    deadline = _current.get()
    if deadline is not None:
        deadline.check()
