"""Work a job can do while its thread waits on the model: a small thread pool per process.

A request thread spends most of a short job blocked on the model's socket, with the GIL released; CPU work
that does not depend on the answer (the source's side of the post-checks) runs then instead of after.
The pool is made on first use in the process that uses it (a gunicorn worker, after the fork), never at
import time, and is made again if the process was forked since.
"""
from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

WORKERS = 4  # the work is short and CPU-bound: more threads would only queue on the GIL

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None


def in_background(fn: Callable[..., Any], *args: Any) -> Future:
    """Start fn(*args) on the pool; the caller reads .result() when it needs the value (or its error)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="drafter-overlap")
            _pool_pid = os.getpid()
        pool = _pool
    # in a copy of the caller's context: a log line of the work names the request it serves
    return pool.submit(contextvars.copy_context().run, fn, *args)
