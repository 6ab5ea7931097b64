"""make regress's comparison, against planted drifts: inside the interval passes, outside fails, counts exact."""

import copy

from helpers.results.compare import compare, table
from helpers.results.figures import figures
from tests.results.conftest import METRICS


def verdicts(got):
    return {r.figure: r.verdict for r in compare(METRICS, got)}


def test_figures_found_and_volatile_keys_skipped():
    found = figures(METRICS)
    assert found["hit@5"].kind == "interval" and found["by_model/a"].kind == "interval"
    assert found["questions"].kind == "count" and found["django_matches_store"].kind == "flag"
    assert found["by_model/a/n"].value == 93
    assert not any(k.startswith(("seconds", "cpu", "precision", "answers_per_second")) for k in found)


def test_identical_run_passes():
    assert set(verdicts(copy.deepcopy(METRICS)).values()) == {"ok"}


def test_drift_inside_the_interval_passes():
    got = copy.deepcopy(METRICS)
    got["hit@5"] = [0.70, 0.55, 0.83]  # moved by 0.10, still inside [0.45, 0.74]
    got["by_model"]["a"]["mean"] = 0.23
    assert set(verdicts(got).values()) == {"ok"}


def test_drift_beyond_the_interval_fails_and_is_named():
    got = copy.deepcopy(METRICS)
    got["hit@5"] = [0.80, 0.70, 0.90]
    rows = compare(METRICS, got)
    assert [r.figure for r in rows if r.failed] == ["hit@5"]
    assert "| hit@5 | 0.6 | 0.8 | [0.45, 0.74] | DERIVA |" in table(rows, only_failed=True)


def test_count_flag_and_missing_figure_fail():
    got = copy.deepcopy(METRICS)
    got["questions"], got["django_matches_store"] = 47, False
    del got["by_model"]
    result = verdicts(got)
    assert result["questions"] == result["django_matches_store"] == "DERIVA"
    assert result["by_model/a"] == "falta"


def test_new_figure_is_reported_not_failed():
    got = {**copy.deepcopy(METRICS), "mrr": [0.5, 0.4, 0.6]}
    rows = {r.figure: r for r in compare(METRICS, got)}
    assert rows["mrr"].verdict == "nueva" and not rows["mrr"].failed


def test_a_non_interval_triple_is_not_read_as_one():
    assert figures({"x": [0.9, 0.1, 0.5]}) == {}


def test_intervals_only_leaves_out_counts_and_flags():
    got = copy.deepcopy(METRICS)
    got["questions"], got["hit@5"] = 47, [0.9, 0.8, 0.95]
    rows = {r.figure: r.verdict for r in compare(METRICS, got, intervals_only=True)}
    assert rows == {"hit@5": "DERIVA", "by_model/a": "ok"}
