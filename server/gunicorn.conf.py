"""gunicorn settings for production: `gunicorn --config server/gunicorn.conf.py server.wsgi:app`.

Override any of them on the command line or through GUNICORN_CMD_ARGS, e.g.
GUNICORN_CMD_ARGS="--workers 4 --bind 0.0.0.0:9000". The worker model was chosen by measurement on a
2-core machine (bench/streams.py; figures in bench/RESULTS.md): threads and gevent both hold 500 concurrent
streams, gevent with less CPU, but under gevent reading one large document (seconds of Python work that never
waits for I/O) stops every stream in its worker for as long; threads keep them moving.
"""
import os

from server.observability import gunicorn_hooks

# Prometheus multiprocess mode: every worker writes its numbers to a private directory prepared here, at load,
# before any worker (or --preload) imports the app; a scrape of any worker then adds them all up.
gunicorn_hooks.prepare_metrics_dir()
logconfig_dict = gunicorn_hooks.logconfig_dict()  # gunicorn's own lines in the app's log format
child_exit = gunicorn_hooks.child_exit  # a dead worker's streams in flight leave the gauge
on_exit = gunicorn_hooks.on_exit  # the metrics directory goes with the server

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = 2
threads = 300  # 600 streams at once per instance; each thread costs ~100 KB of memory while idle
worker_connections = 1000
backlog = 2048
keepalive = 30  # behind a load balancer that keeps connections open; shorter than its idle timeout
timeout = 60  # a worker whose main loop stops answering gunicorn's master (not a long stream) is replaced
# On SIGTERM a worker stops accepting and lets running streams finish, for at most this long (a long
# summary streams for about a minute); then it stops. Give the supervisor a longer stop grace.
graceful_timeout = 75
# An access token of up to 16 KB must fit in one header line (gunicorn's default cuts lines at 8 KB); Drafter
# refuses anything larger itself.
limit_request_field_size = 16_500
# Workers are renewed now and then (each finishing its running requests first), so a slow leak in a library
# cannot grow without bound; the jitter keeps them from renewing together.
max_requests = 20_000
max_requests_jitter = 2_000
# The app is built in each worker, after the fork: connection pools, thread pools and the model client are
# never shared between processes.
preload_app = False
accesslog = None  # the app logs each request itself, with its request id (server.logging_setup)
errorlog = "-"
loglevel = "info"
