"""make results: the README's and the book's numbers come from results/, and the committed text is current."""

import json

import jinja2
import pytest

from helpers.results import formats
from helpers.results.render import README, generated, stale
from helpers.results.store import record
from tests.results.conftest import write_run

NB = "04_rag_bash_manual"
README_TEXT = "# t\n<!-- results:begin headline -->\nviejo\n<!-- results:end headline -->\nfin\n"


@pytest.fixture
def setup(tmp_path):
    results, templates = tmp_path / "results", tmp_path / "templates"
    templates.mkdir()
    record(NB, write_run(tmp_path / "run"), "local", results_dir=results)
    (templates / f"{NB}.md").write_text("hit@5 {{ m['hit@5'] | iv(2) }} en {{ r.runtime_seconds | minutes }}\n")
    (templates / "README.headline.md").write_text(
        "{% for name, r in results.items() %}{{ name }}: {{ r.metrics['hit@5'] | iv }}\n{% endfor %}")
    return results, templates, tmp_path / "pages"


def test_pages_and_readme_blocks_come_from_the_results(setup):
    results, templates, pages = setup
    out = generated(results, templates, README_TEXT, pages)
    assert out[pages / f"{NB}.md"].endswith("hit@5 0.60 [0.45, 0.74] en 14 min\n")
    assert out[README] == f"# t\n<!-- results:begin headline -->\n{NB}: 0.600 [0.450, 0.740]\n" \
                          "<!-- results:end headline -->\nfin\n"


def test_a_changed_result_changes_the_text(setup):
    results, templates, pages = setup
    path = results / "local" / f"{NB}.json"
    kept = json.loads(path.read_text())
    kept["metrics"]["hit@5"] = [0.5, 0.4, 0.6]
    path.write_text(json.dumps(kept))
    assert "0.50 [0.40, 0.60]" in generated(results, templates, README_TEXT, pages)[pages / f"{NB}.md"]


def test_a_missing_figure_or_block_fails_loudly(setup):
    results, templates, pages = setup
    with pytest.raises(ValueError, match="results:begin headline"):
        generated(results, templates, "# no blocks\n", pages)
    (templates / f"{NB}.md").write_text("{{ m['hit@10'] | iv }}\n")
    with pytest.raises(jinja2.UndefinedError):
        generated(results, templates, README_TEXT, pages)


def test_formats_reject_what_is_not_an_interval():
    assert formats.interval({"mean": 0.1, "low": -0.2, "high": 0.3}, 2, signed=True) == "+0.10 [-0.20, +0.30]"
    assert formats.separated([0.1, 0.02, 0.2]) and not formats.separated([0.1, -0.02, 0.2])
    with pytest.raises(ValueError, match="not an interval"):
        formats.interval([0.9, 0.1, 0.5])


def test_committed_readme_and_pages_are_what_make_results_writes():
    assert stale() == [], "run `make results` and commit what it writes"
