"""`make bench` says what is missing before it spends twenty minutes on the other benchmarks."""
from __future__ import annotations

import pytest

from bench import gateway, pane
from bench import run as bench_run


@pytest.mark.parametrize("only", [None, "pane"])
def test_bench_without_chromium_stops_at_once_naming_the_install(monkeypatch, tmp_path, capsys, only):
    monkeypatch.setattr(pane, "CHROMIUM", str(tmp_path / "no-chromium"))

    def must_not_run(*_args, **_kwargs):
        raise AssertionError("a benchmark ran although its results could not be completed")

    monkeypatch.setattr(gateway, "run", must_not_run)
    monkeypatch.setattr(pane, "run", must_not_run)
    argv = ["--no-write"] + (["--only", only] if only else [])
    assert bench_run.main(argv) == 2
    err = capsys.readouterr().err
    assert "apt-get install chromium" in err and str(tmp_path / "no-chromium") in err


def test_bench_of_another_part_does_not_need_chromium(monkeypatch, tmp_path):
    monkeypatch.setattr(pane, "CHROMIUM", str(tmp_path / "no-chromium"))
    ran = []
    monkeypatch.setattr("bench.documents.run", lambda workdir, repeat: ran.append(repeat) or {})
    monkeypatch.setattr("bench.report.table", lambda results: "")
    monkeypatch.setattr("bench.report.all_pass", lambda results: True)
    monkeypatch.setattr(bench_run, "HERE", tmp_path)
    assert bench_run.main(["--only", "documents", "--no-write"]) == 0
    assert ran == [bench_run.FULL["documents_repeat"]]
