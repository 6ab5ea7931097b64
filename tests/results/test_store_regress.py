"""Recording a run as a reference, and make regress against it (planted drifts, wrong runs refused)."""

import json

import pytest

from helpers.results import regress
from helpers.results.store import NotRecordable, load, record, run_record
from tests.results.conftest import METRICS, write_run

NB = "04_rag_bash_manual"


def test_record_keeps_metrics_machine_date_and_runtime(run_dir, tmp_path):
    path = record(NB, run_dir, "local", results_dir=tmp_path / "results")
    kept = json.loads(path.read_text())
    assert path == tmp_path / "results" / "local" / f"{NB}.json"
    assert kept["metrics"] == METRICS and kept["runtime_seconds"] == 812.5
    assert kept["machine"] == {"cpu": "Intel AMX", "precision": {"dtype": "bfloat16"}}
    assert kept["finished"].startswith("2026-12-06") and kept["parameters"] == {}
    assert kept["settings"] == {"SEED": 0, "MAX_NEW_TOKENS": 250}


def test_settings_take_the_injected_values(tmp_path):
    folder = write_run(tmp_path / "run", parameters={"MAX_NEW_TOKENS": 8})
    assert run_record(NB, folder)["settings"] == {"SEED": 0, "MAX_NEW_TOKENS": 8}


@pytest.mark.parametrize("kwargs, message", [
    ({"parameters": {"MAX_NEW_TOKENS": 8}}, "other parameters"),
    ({"exception": True}, "stopped with an error"),
    ({"metrics": {**METRICS, "private_chat": True}}, "private chat"),
])
def test_wrong_runs_are_not_recorded(tmp_path, kwargs, message):
    folder = write_run(tmp_path / "run", **kwargs)
    with pytest.raises(NotRecordable, match=message):
        record(NB, folder, "local", results_dir=tmp_path / "results")
    assert load(NB, "local", tmp_path / "results") is None


def test_missing_run_names_the_command(tmp_path):
    with pytest.raises(NotRecordable, match=f"make run NB={NB}"):
        run_record(NB, tmp_path / "nothing")


def test_test_profile_needs_the_small_parameters(tmp_path):
    small = {"MAX_NEW_TOKENS": 8}
    folder = write_run(tmp_path / "run", parameters={"PROFILE": "local", **small})
    assert record(NB, folder, "test", small, results_dir=tmp_path / "results").exists()
    with pytest.raises(NotRecordable):
        record(NB, folder, "test", {"MAX_NEW_TOKENS": 16}, results_dir=tmp_path / "results")


def test_regress_passes_within_noise_and_fails_on_a_planted_drift(run_dir, tmp_path, monkeypatch, capsys):
    results = tmp_path / "results"
    record(NB, run_dir, "local", results_dir=results)
    monkeypatch.setattr(regress, "RESULTS_DIR", results)
    outputs = run_dir.parent
    assert regress.main([NB, "--outputs", str(outputs)]) == 0
    assert "dentro de tolerancia" in capsys.readouterr().out
    write_run(run_dir, {**METRICS, "hit@5": [0.62, 0.5, 0.75]})  # inside [0.45, 0.74]
    assert regress.main([NB, "--outputs", str(outputs)]) == 0
    write_run(run_dir, {**METRICS, "hit@5": [0.9, 0.8, 0.95], "questions": 40})
    assert regress.main([NB, "--outputs", str(outputs)]) == 1
    out = capsys.readouterr().out
    assert "2 de" in out and "questions, hit@5" in out and "| hit@5 | 0.6 | 0.9 |" in out


def test_regress_refuses_a_run_of_other_parameters(run_dir, tmp_path, monkeypatch, capsys):
    results = tmp_path / "results"
    record(NB, run_dir, "local", results_dir=results)
    monkeypatch.setattr(regress, "RESULTS_DIR", results)
    write_run(run_dir, parameters={"MAX_NEW_TOKENS": 8})
    assert regress.main([NB, "--outputs", str(run_dir.parent)]) == 1
    assert "compare like with like" in capsys.readouterr().err


def test_first_gpu_run_becomes_the_reference(tmp_path):
    folder = write_run(tmp_path / "run", {**METRICS, "profile": "gpu"}, parameters={"PROFILE": "gpu"})
    verdict, rows = regress.regress_one(NB, folder, results_dir=tmp_path / "results")
    assert "referencia" in verdict and rows == []
    assert load(NB, "gpu", tmp_path / "results")["metrics"]["profile"] == "gpu"
    verdict, rows = regress.regress_one(NB, folder, results_dir=tmp_path / "results")
    assert rows and not any(r.failed for r in rows)


def test_no_runs_is_one_line(tmp_path, capsys):
    assert regress.main(["--outputs", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
