"""Gunicorn's side of observability. server/gunicorn.conf.py uses it so:

    from server.observability import gunicorn_hooks

    gunicorn_hooks.prepare_metrics_dir()  # at load, before any worker (or --preload) imports the app
    logconfig_dict = gunicorn_hooks.logconfig_dict()
    child_exit = gunicorn_hooks.child_exit
    on_exit = gunicorn_hooks.on_exit

Metrics: each worker is a process with its own counters; prometheus_client's multiprocess mode has each
write its values to files in PROMETHEUS_MULTIPROC_DIR, and a scrape of any worker adds them all up. The mode
is chosen when prometheus_client is first imported in a process, from that variable, so the directory is
made and named while the configuration file loads: before gunicorn forks workers or preloads the app, and
(unlike on_starting) before --preload too. It is a private directory made for this server (mode 700) and
removed when it stops; an operator's own PROMETHEUS_MULTIPROC_DIR (a tmpfs, say) is used instead and emptied
of the last run's files. One directory per gunicorn server: two servers sharing one would add up each
other's workers and empty each other's files. A worker that dies keeps its counters in the sum (they
happened) while its share of the live gauges (streams in flight) is dropped by child_exit. Files of workers
renewed by max_requests stay until the server restarts: a scrape reads one small file set per worker ever
started.

Logs: gunicorn's own lines (starting, workers booting and exiting) go through Drafter's handler on the root
logger, formatted as DRAFTER_LOG_FORMAT says, so a JSON log stays JSON from the first line. Gunicorn's access
log stays off: the app writes its own access line with the request id, the route (never the raw path or
query) and the user's pseudonym.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile

METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"

_prepared_in: int | None = None  # the process that prepared the directory (the master)
_created: str | None = None  # the directory made here, removed on exit


def prepare_metrics_dir() -> str:
    """Make (or empty) the metrics directory and name it in the environment the workers inherit. Safe to call
    again in the same process: gunicorn re-reads its configuration on SIGHUP while workers go on writing."""
    global _prepared_in, _created
    if _prepared_in == os.getpid():
        return os.environ[METRICS_DIR]
    if "prometheus_client.values" in sys.modules and METRICS_DIR not in os.environ:
        raise RuntimeError("prometheus_client was imported before the metrics directory was prepared: call "
                           "prepare_metrics_dir() at the top of the gunicorn configuration file")
    path = os.environ.get(METRICS_DIR)
    if path:
        os.makedirs(path, mode=0o700, exist_ok=True)
        for name in os.listdir(path):
            if name.endswith(".db"):  # the last run's values: a new server starts from zero
                os.remove(os.path.join(path, name))
    else:
        path = _created = tempfile.mkdtemp(prefix="drafter-metrics-")
        os.environ[METRICS_DIR] = path
    _prepared_in = os.getpid()
    return path


def child_exit(server, worker) -> None:
    """A worker has exited: its live gauges no longer count (it has no streams any more)."""
    from prometheus_client import multiprocess  # imported late: only once the directory is named

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _created is not None and _prepared_in == os.getpid():
        shutil.rmtree(_created, ignore_errors=True)


def logconfig_dict(environ=None) -> dict:
    """Gunicorn's logging configuration: the root logger through Drafter's handler in Drafter's format; gunicorn's
    error log into it; gunicorn's access log silent."""
    from server import config as config_module

    try:
        fmt = config_module.load(environ)["LOG_FORMAT"]
    except config_module.ConfigError:
        fmt = "json"  # the workers will refuse to start with the one-line reason; until then, say it in JSON
    formatter = "server.observability.log_format." + ("JsonFormatter" if fmt == "json" else "TextFormatter")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": "server.observability.log_context.RequestLogFilter"}},
        "formatters": {"drafter": {"()": formatter}},
        "handlers": {"drafter": {"class": "server.logging_setup.DrafterLogHandler", "formatter": "drafter",
                                 "filters": ["request"], "stream": "ext://sys.stderr"}},
        "root": {"level": "WARNING", "handlers": ["drafter"]},
        "loggers": {
            # its level stays gunicorn's --log-level; its lines go to the root's handler
            "gunicorn.error": {"handlers": [], "propagate": True},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }
