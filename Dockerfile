# Drafter's service image: gunicorn serving server.wsgi:app as an unprivileged user.
#   docker build -t drafter .
#   docker run -p 8000:8000 --env-file drafter.env -v drafter-instance:/var/lib/drafter drafter
# Production requirements only: no test tools, no local model (requirements-local-model.txt is for `make run`).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DRAFTER_INSTANCE_PATH=/var/lib/drafter

WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-compile -r requirements.txt

# What the service reads at run time: the code, the pane's files it serves, the manifest templates
COPY server/ server/
COPY addin/ addin/
COPY manifest/ manifest/

# A fixed, unprivileged user; the instance folder (dev signing key, tokenizer cache, SQLite if no PostgreSQL)
# is the only place it writes. Mount a volume there, or run with a read-only root file system.
RUN useradd --system --uid 10001 --gid 0 --home-dir /nonexistent --shell /usr/sbin/nologin drafter \
    && mkdir -p /var/lib/drafter && chown 10001:0 /var/lib/drafter && chmod 0770 /var/lib/drafter
USER 10001

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
# gunicorn.conf.py chooses the worker model and the graceful shutdown; it binds 0.0.0.0:8000
CMD ["gunicorn", "--config", "server/gunicorn.conf.py", "server.wsgi:app"]
