"""make gpu-check's dry mode (in make test): its runner on a CPU with twins on a simulated T4, one real
notebook and one planted failure; each outcome is recorded and the run goes on after a failure."""

import json

import pytest

from tests.gpu_check.__main__ import main, parameters_for, run
from tests.gpu_check.report import row


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_dry_gpu_check_records_a_failure_and_runs_the_next_notebook(tmp_path):
    planted = {**parameters_for("00_template"), "PRECISION": "float64"}  # set_up refuses it in one line
    rows = run([("00_template-planted", "00_template", planted),
                ("00_template", "00_template", parameters_for("00_template"))], tmp_path, dry=True)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["rows"] == rows and [r["status"] for r in rows] == ["failed", "ok"]
    assert "PRECISION must be one of" in rows[0]["error"] and report["failed"] == ["00_template-planted"]
    assert rows[1]["seconds"] > 0 and rows[1]["peak_gib"] is None  # no GPU here: no peak, never a made-up one
    assert (tmp_path / "00_template" / "metrics.json").exists()
    markdown = (tmp_path / "report.md").read_text()
    assert "| 00_template | ok |" in markdown and "fallaron: 00_template-planted" in markdown


def test_a_spent_budget_skips_the_rest_and_says_so(tmp_path):
    rows = run([("01_gemma_movie_recommender", "01_gemma_movie_recommender", {})], tmp_path, dry=True, budget_s=-1)
    assert rows[0]["status"] == "skipped" and "presupuesto" in rows[0]["error"]


def test_rows_carry_the_readmes_estimate_and_refuse_an_unknown_status():
    from helpers.budget import budget_rows

    expected = max(r["total_gib"] for r in budget_rows() if r["notebook"] == "01")
    assert row("01_gemma_movie_recommender", "ok", 12.34, 7.891)["estimated_gib"] == expected
    with pytest.raises(ValueError, match="status must be"):
        row("01_gemma_movie_recommender", "maybe", 1.0, None)


def test_the_command_names_a_notebook_it_cannot_check(capsys):
    assert main(["--dry", "05_chatbot_workshop"]) == 2
    assert "make grade" in capsys.readouterr().err
    assert main(["--dry", "99"]) == 2
