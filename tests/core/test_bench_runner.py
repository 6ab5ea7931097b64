"""make bench: each benchmark in its own process; a crash is reported with its signal, the rest complete."""

import json
import os
import textwrap

import pytest

from benchmarks import run as bench
from helpers.paths import REPO_ROOT

FAKE = textwrap.dedent('''
    import os, signal


    def fast():
        return {"fast_row": {"unit": "x", "baseline": 1.0, "candidate": 2.0, "ratio": 2.0, "target": None}}


    def crash_sigill():
        os.kill(os.getpid(), signal.SIGILL)


    def crash_sigsegv():
        os.kill(os.getpid(), signal.SIGSEGV)


    def raises():
        raise RuntimeError("no model here")


    def slow_target_missed():
        return {"slow_row": {"unit": "x", "baseline": 1.0, "candidate": 0.5, "ratio": 0.5, "target": 2}}
''')


@pytest.fixture
def fake(tmp_path, monkeypatch):
    (tmp_path / "fake_bench_i22.py").write_text(FAKE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), str(REPO_ROOT)]))
    return {name: f"fake_bench_i22:{name}" for name in
            ["crash_sigill", "fast", "crash_sigsegv", "raises", "slow_target_missed"]}


def test_crashing_benchmarks_are_reported_and_the_others_complete(fake, tmp_path, capsys):
    out = tmp_path / "results.json"
    assert bench.main([], benchmarks=fake, out=out) == 1
    written = json.loads(out.read_text())
    assert sorted(written["results"]) == ["fast_row", "slow_row"]  # measured after the crashes
    assert written["failed"]["crash_sigill"]["error"] == "killed by SIGILL"
    assert written["failed"]["crash_sigsegv"]["error"] == "killed by SIGSEGV"
    assert written["failed"]["raises"]["error"] == "RuntimeError: no model here"
    printed = capsys.readouterr()
    assert "crash_sigill                   FALLÓ: killed by SIGILL" in printed.out
    assert "FALLÓ crash_sigsegv: killed by SIGSEGV" in printed.err


def test_each_result_is_written_as_soon_as_it_is_measured(fake, tmp_path, monkeypatch):
    out = tmp_path / "results.json"
    seen = []
    real_measure = bench.measure

    def spy(name, spec):
        seen.append(sorted(json.loads(out.read_text())["results"]) if out.exists() else None)
        return real_measure(name, spec)

    monkeypatch.setattr(bench, "measure", spy)
    bench.main([], benchmarks={"fast": fake["fast"], "crash_sigill": fake["crash_sigill"]}, out=out)
    assert seen == [None, ["fast_row"]]  # fast_row was on disk before the crash started


def test_a_named_run_keeps_earlier_rows_and_clears_a_fixed_failure(fake, tmp_path):
    out = tmp_path / "results.json"
    bench.main(["fast", "crash_sigill"], benchmarks=fake, out=out)
    fake["crash_sigill"] = fake["slow_target_missed"]  # "fixed"
    assert bench.main(["crash_sigill"], benchmarks=fake, out=out) == 1  # misses its target
    written = json.loads(out.read_text())
    assert sorted(written["results"]) == ["fast_row", "slow_row"] and written["failed"] == {}


def test_unknown_benchmark_is_one_line(capsys):
    assert bench.main(["nope"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
