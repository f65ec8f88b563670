"""Observability: Prometheus metrics (GET /metrics) and logs that say which request and which user (under a
pseudonym) each line belongs to, never what they wrote.

metrics.py        the metrics and what records them (requests, upstream calls, jobs, guard, errors, streams)
request_hooks.py  per request: its metrics, its access line, its place in the logs
log_context.py    the request a log line belongs to (a contextvar), and the filter that stamps it on records
log_format.py     the JSON and text line formats
service.py        the Observability extension that wires the above into an app
gunicorn_hooks.py gunicorn's side: the multiprocess metrics directory, dead workers, gunicorn's own log lines
"""
