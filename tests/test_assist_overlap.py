"""The per-process pool a job uses for work that overlaps the model's answer, and what it precomputes."""
from __future__ import annotations

import threading

import pytest

from server.assist import jobs, overlap
from server.assist.checks import SourceProfile, run_checks
from server.assist.jobs import JOBS, JobContext
from server.assist.presets import Presets
from server.assist.wordfacts import names, negations
from server.llm.fake import FakeModel
from server.llm.tokens import TokenCounter


def test_runs_the_function_on_another_thread_and_returns_its_value():
    caller = threading.get_ident()
    future = overlap.in_background(lambda a, b: (threading.get_ident(), a + b), 2, 3)
    ident, value = future.result(timeout=5)
    assert value == 5
    assert ident != caller


def test_an_error_reaches_the_caller_when_it_reads_the_result():
    def fail():
        raise ValueError("bad source")

    with pytest.raises(ValueError, match="bad source"):
        overlap.in_background(fail).result(timeout=5)


def test_the_pool_is_reused_within_a_process():
    overlap.in_background(int).result(timeout=5)
    first = overlap._pool
    overlap.in_background(int).result(timeout=5)
    assert overlap._pool is first


def test_a_forked_process_gets_its_own_pool(monkeypatch):
    # after gunicorn forks a worker, the parent's pool threads do not exist in the child: a new pool is made
    overlap.in_background(int).result(timeout=5)
    inherited = overlap._pool
    monkeypatch.setattr(overlap, "_pool_pid", -1)  # as if this process were a fork of another
    assert overlap.in_background(lambda: 7).result(timeout=5) == 7
    assert overlap._pool is not inherited
    inherited.shutdown(wait=True)


SOURCE = ("Jane Smith of Global Affairs Canada said the programme must not exceed $4.2 million by March 5, 2025, "
          "and that 12% of the 300 sites would never reopen.")


@pytest.mark.parametrize("output, language", [
    ("Jane Smith said the programme must exceed $4 million and that the sites would reopen.", None),
    ("Jane Smith of Global Affairs Canada said the programme must not exceed $4.2 million by March 5, 2025, "
     "and that 12% of the 300 sites would never reopen.", "en"),
    ("La programme ne doit pas dépasser 4,2 millions de dollars.", "fr"),
    ("", None),
])
def test_checks_read_the_same_with_the_source_read_beforehand(output, language):
    warmed = SourceProfile(SOURCE)
    assert overlap.in_background(warmed.read_for_edit_checks, language).result(timeout=5) is warmed
    assert run_checks(warmed, output, language=language) == run_checks(SOURCE, output, language=language)


def test_reading_beforehand_keeps_what_the_checks_need():
    profile = SourceProfile(SOURCE).read_for_edit_checks(None)
    assert {"names", "index"} <= set(vars(profile))  # cached_property values stored on the instance
    assert "en" in profile._negations and "en" in profile._grades
    assert profile.names == names(SOURCE) and profile.names  # the same facts the checks would find
    assert profile.negations("en") == negations(SOURCE, "en") == ["must not", "never"]


class _SeenByModel:
    """A FakeModel stand-in that notes, when it is asked, whether the source read has begun."""

    def __init__(self, started: threading.Event, answer: str):
        self.model = FakeModel([answer])
        self.started = started
        self.read_begun_when_asked: list[bool] = []

    def __getattr__(self, name):
        return getattr(self.model, name)

    def complete(self, messages, **kw):
        self.read_begun_when_asked.append(self.started.is_set())
        return self.model.complete(messages, **kw)

    def stream(self, messages, **kw):
        self.read_begun_when_asked.append(self.started.is_set())
        return self.model.stream(messages, **kw)


@pytest.fixture
def source_read_started(monkeypatch):
    """Set once the source's side of the checks is read; .threads says on which threads it was read."""
    started = threading.Event()
    started.threads = []
    read = SourceProfile.read_for_edit_checks

    def noting(self, language):
        started.threads.append(threading.get_ident())
        started.set()
        return read(self, language)
    monkeypatch.setattr(SourceProfile, "read_for_edit_checks", noting)
    return started


LOST_NEGATION = {"kind": "negation", "value": "must not"}


def test_a_whole_answer_call_reads_the_source_on_its_own_thread(source_read_started, tmp_path, monkeypatch):
    handed_off = []
    monkeypatch.setattr(jobs, "in_background", lambda *args: handed_off.append(args))
    model = _SeenByModel(source_read_started, "Jane Smith said the programme must exceed $4 million.")
    ctx = JobContext(model=model, presets=Presets.load(), tokens=TokenCounter(tmp_path), stream=False)
    events = list(JOBS["rewrite"]({"text": SOURCE, "tone": "formal"}, ctx))
    assert model.read_begun_when_asked == [False]
    assert handed_off == []  # the checks read the source here, after the answer: no hand-off to the pool
    assert LOST_NEGATION in events[-1][1]["checks"]["facts"]["missing"]


def test_a_streamed_call_reads_the_source_on_the_pool_after_the_first_delta(source_read_started, tmp_path):
    model = _SeenByModel(source_read_started, "Jane Smith said the programme must exceed $4 million.")
    ctx = JobContext(model=model, presets=Presets.load(), tokens=TokenCounter(tmp_path), stream=True)
    events = JOBS["rewrite"]({"text": SOURCE, "tone": "formal"}, ctx)
    assert next(events)[0] == "delta"
    assert model.read_begun_when_asked == [False] and not source_read_started.is_set()
    rest = list(events)
    assert source_read_started.threads and threading.get_ident() not in source_read_started.threads
    assert LOST_NEGATION in rest[-1][1]["checks"]["facts"]["missing"]
