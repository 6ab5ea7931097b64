"""Smoke harness: every notebook runs headless on small parameters and writes sane metrics; then the
book is built from those same runs and opened in Chromium."""

import json
import shutil

import pytest

from helpers.book.build import book_notebooks, build
from helpers.book.site import check_site
from helpers.notebook_runner import find_notebook, notebook_names, read_metrics, run_notebook
from helpers.paths import REPO_ROOT
from helpers.results.regress import check_small_run
from tests.notebook_cases import CASES


@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory):
    """One folder for this module's notebook runs: the book test reads them instead of running twice."""
    return tmp_path_factory.mktemp("smoke-runs")


def test_every_notebook_has_a_smoke_case():
    assert notebook_names(), "no notebooks found"
    assert sorted(CASES) == notebook_names()


@pytest.mark.timeout(400)  # the slowest case (03) takes about 70 s on 2 cores
@pytest.mark.parametrize("name", [n for n in notebook_names() if "check" in CASES[n]])
def test_notebook_runs_on_small_parameters(name, smoke_runs):
    case = CASES[name]
    output_dir = run_notebook(name, smoke_runs / name, {"PROFILE": "local", **case["parameters"]},
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


def _figures(executed):
    """How many images a run's executed notebook shows."""
    cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    return sum("image/png" in out.get("data", {}) for cell in cells for out in cell.get("outputs", []))


@pytest.mark.timeout(400)  # about 40 s on 2 cores after the runs above; 00 runs first when selected alone
def test_book_builds_from_the_small_runs_and_renders_in_chromium(smoke_runs, tmp_path):
    """Runs after the notebook runs above (same module, defined later) and reads their folders."""
    ran = [name for name in book_notebooks() if (smoke_runs / name / "metrics.json").is_file()]
    if not ran:  # this test selected alone: one real run, so real figures are checked
        run_notebook("00_template", smoke_runs / "00_template",
                     {"PROFILE": "local", **CASES["00_template"]["parameters"]}, progress=False)
        ran = ["00_template"]
    report = build(smoke_runs, tmp_path / "book" / "html")
    assert report["publicados"] == ran and report["privada"] == []
    checked = check_site(report["html"], tmp_path / "book" / "screenshot.png")
    assert checked["problems"] == []
    pages = set(checked["pages"])
    assert {f"estudios/{name}.html" for name in book_notebooks()} <= pages and "guia/colab.html" in pages
    assert {f"results/{p.stem}.html" for p in (REPO_ROOT / "docs" / "results").glob("*.md")} <= pages
    for name in ran:  # each figure of the run is on its page (check_site saw every image load)
        page = (report["html"] / "estudios" / f"{name}.html").read_text(encoding="utf-8")
        assert page.count('src="../_images/') >= _figures(smoke_runs / name / f"{name}.ipynb"), name
    assert sum(_figures(smoke_runs / name / f"{name}.ipynb") for name in ran) > 0
    (REPO_ROOT / "outputs" / "book").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp_path / "book" / "screenshot.png", REPO_ROOT / "outputs" / "book" / "screenshot.png")
