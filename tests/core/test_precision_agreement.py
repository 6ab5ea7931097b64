"""The fp32-vs-bf16 comparison reports agreement only where there is some (planted disagreements fail it)."""

import json

from benchmarks.precision_agreement import _side, _target_rank, ranking_agreement


def _run(folder, scores: dict, paired: dict):
    folder.mkdir()
    for strategy in ("zero-shot", "few-shot"):
        results = {i: {"texts": s} for i, s in scores.items()}
        (folder / f"scores_{strategy}.abc.json").write_text(json.dumps({"key": "abc", "results": results}))
    (folder / "metrics.json").write_text(json.dumps({"protocols": {"ranking": {"paired_differences": paired}}}))
    return folder


def _paired(mean, low, high):
    return {"zero-shot - similitud": {"recall@10": {"mean": mean, "low": low, "high": high}}}


def test_target_rank_puts_ties_at_their_expected_place_and_sides_read_the_interval():
    assert _target_rank([0.5, 0.9, 0.1, 0.5]) == 2.5  # one above, one tie: 2 or 3
    assert _target_rank([0.9] + [0.1] * 19) == 1
    assert [_side(_paired(*v)["zero-shot - similitud"]["recall@10"]) for v in
            [(0.2, 0.1, 0.3), (-0.2, -0.3, -0.1), (0.0, -0.1, 0.1)]] == ["above 0", "below 0", "includes 0"]


def test_identical_runs_agree_and_a_reversed_one_does_not(tmp_path):
    scores = {str(i): [float((i * 7 + j * 3) % 20) for j in range(20)] for i in range(12)}
    same = ranking_agreement({"float32": _run(tmp_path / "a", scores, _paired(-0.3, -0.4, -0.2)),
                              "bfloat16": _run(tmp_path / "b", scores, _paired(-0.3, -0.4, -0.2))})
    assert same["zero-shot"]["spearman_median"] == 1.0 and same["zero-shot"]["same_target_rank"] == 1.0
    assert same["same_side_everywhere"] is True
    reversed_scores = {i: [-v for v in s] for i, s in scores.items()}
    other = ranking_agreement({"float32": _run(tmp_path / "c", scores, _paired(-0.3, -0.4, -0.2)),
                               "bfloat16": _run(tmp_path / "d", reversed_scores, _paired(0.01, -0.05, 0.08))})
    assert other["zero-shot"]["spearman_median"] == -1.0 and other["zero-shot"]["same_target_rank"] < 0.5
    assert other["same_side_everywhere"] is False
