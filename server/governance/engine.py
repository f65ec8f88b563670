"""The store's database connection: URL rules, the SQLite and PostgreSQL settings, write transactions.

Pure Python (SQLAlchemy only). SQLite runs in WAL mode with a busy timeout so every gunicorn worker can share
one file; a write transaction there starts with BEGIN IMMEDIATE, which takes the database's write lock at
once instead of failing at the first write when another process got there first. PostgreSQL goes through
psycopg 3 whatever the URL's spelling (postgres://, postgresql://).
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from server.errors import StoreUnavailable

SQLITE_BUSY_SECONDS = 30.0  # how long a write waits for another process's write lock
POSTGRES_CONNECT_SECONDS = 5  # an unreachable host fails start-up in seconds, not after TCP's minutes
SUPPORTED = "sqlite:////absolute/path.sqlite3 or postgresql://user:password@host:5432/database"
WRITE = "drafter_write"  # execution option: this transaction will write


def parse_url(text: str) -> URL:
    """The URL to connect to, with PostgreSQL mapped to psycopg 3; ValueError without the URL's password."""
    try:
        url = make_url(str(text).strip())
    except ArgumentError:
        raise ValueError(f"not a database URL (expected {SUPPORTED})") from None  # the text may hold a password
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        if url.drivername not in ("postgres", "postgresql", "postgresql+psycopg"):
            raise ValueError(f"{safe_url(url)}: PostgreSQL is reached through psycopg 3; write postgresql://... "
                             "or postgresql+psycopg://...")
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if url.drivername not in ("sqlite", "sqlite+pysqlite"):
            raise ValueError(f"{safe_url(url)}: SQLite is reached through Python's sqlite3; write sqlite:///...")
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise ValueError(f"{safe_url(url)}: SQLite needs a file path (an in-memory database is not shared by "
                             f"the workers), e.g. {SUPPORTED.split(' or ')[0]}")
        return url
    raise ValueError(f"{safe_url(url)}: only SQLite and PostgreSQL are supported ({SUPPORTED})")


SECRET_QUERY_KEYS = {"password", "sslpassword"}  # libpq also takes a password in the query string


def safe_url(url: URL) -> str:
    """The URL as messages and logs may show it: every password masked."""
    if SECRET_QUERY_KEYS & {key.lower() for key in url.query}:
        url = url.set(query={key: "***" if key.lower() in SECRET_QUERY_KEYS else value
                             for key, value in url.query.items()})
    return url.render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def reason(exc: BaseException, url: URL) -> str:
    """One line saying why the database refused, never with the password (drivers may echo a DSN)."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    text = lines[0] if lines else type(cause).__name__
    secrets = [str(url.password)] if url.password else []
    secrets += [str(value) for key, value in url.query.items() if key.lower() in SECRET_QUERY_KEYS]
    for secret in secrets:
        text = text.replace(secret, "***")
    return text[:300]


def unavailable(exc: BaseException, url: URL) -> StoreUnavailable:
    return StoreUnavailable(f"the audit store at {safe_url(url)} is unavailable: {reason(exc, url)}")


def _use_wal(cursor, deadline_seconds: float = SQLITE_BUSY_SECONDS) -> None:
    """Put the database in WAL mode. Switching needs an exclusive lock and SQLite does not call the busy
    handler for it, so workers opening a new file together got "database is locked" at once: wait for the
    lock here instead, as busy_timeout would. A file already in WAL mode (every connection after the first)
    costs one read."""
    deadline = time.monotonic() + deadline_seconds
    pause = 0.005
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL").fetchone()
            return  # WAL now, or a mode SQLite keeps for this file; either way there is nothing to wait for
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Our own BEGIN (below) instead of the sqlite3 module's, which would begin lazily at the first write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_SECONDS * 1000)}")
            _use_wal(cursor)  # readers never wait for the writer
            # In WAL mode NORMAL syncs at checkpoints rather than at every commit: a commit is safe when Drafter
            # or its machine's processes crash; only a power cut or an OS crash can lose the latest commits (the
            # file and the chain stay whole). A commit that waited for the disk every time held the write lock
            # for milliseconds and capped the whole machine's jobs per second. PostgreSQL is for more.
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE)
                                   else "BEGIN")

    return engine


def _postgres_engine(url: URL) -> Engine:
    connect_args = {"application_name": "drafter"}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_SECONDS
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def make_engine(url: URL) -> Engine:
    try:
        return _sqlite_engine(url) if url.get_backend_name() == "sqlite" else _postgres_engine(url)
    except (NoSuchModuleError, ImportError, SQLAlchemyError) as exc:
        raise ValueError(f"{safe_url(url)}: {reason(exc, url)}") from None


class ProcessEngine:
    """An engine that never shares a pooled connection across fork(): a gunicorn worker forked from a master
    that already connected drops the inherited pool (without closing the parent's sockets) and makes its own,
    SQLAlchemy's documented pattern for os.fork()."""

    def __init__(self, url: URL):
        self.url = url
        self._engine = make_engine(url)
        self._pid = os.getpid()
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._engine.dispose(close=False)
                    self._pid = os.getpid()
        return self._engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that will write: on SQLite it holds the write lock from its first statement."""
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE: True})
            with connection.begin():
                yield connection

    def dispose(self) -> None:
        self._engine.dispose()
