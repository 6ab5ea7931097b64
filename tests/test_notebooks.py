"""Smoke harness: every notebook runs headless on small parameters and writes sane metrics."""

import pytest

from helpers.notebook_runner import find_notebook, notebook_names, read_metrics, run_notebook
from helpers.results.regress import check_small_run
from tests.notebook_cases import CASES


def test_every_notebook_has_a_smoke_case():
    assert notebook_names(), "no notebooks found"
    assert sorted(CASES) == notebook_names()


@pytest.mark.timeout(400)  # the slowest case (03) takes about 70 s on 2 cores
@pytest.mark.parametrize("name", [n for n in notebook_names() if "check" in CASES[n]])
def test_notebook_runs_on_small_parameters(name, tmp_path):
    case = CASES[name]
    output_dir = run_notebook(name, tmp_path / name, {"PROFILE": "local", **case["parameters"]},
                              progress=False)
    metrics = read_metrics(output_dir)
    case["check"](metrics)
    assert (output_dir / f"{name}.ipynb").exists()
    for saved in case.get("files", []):  # plots and sessions written beside metrics.json
        assert (output_dir / saved).stat().st_size > 0, saved
    # Against the recorded small run (results/test/): each figure within its recorded interval, counts equal.
    check_small_run(name, output_dir, {"PROFILE": "local", **case["parameters"]})


def test_find_notebook_by_prefix_and_errors():
    assert find_notebook("00") == "00_template"
    with pytest.raises(ValueError, match="choose one of"):
        find_notebook("99")
