"""Study 3's comparisons: McNemar, seed statistics, selection on validation only, the verdict of compare."""

import numpy as np
import pytest

from helpers.sentiment.comparison import (
    by_config,
    compare,
    correctness,
    mcnemar_exact,
    rank_on_validation,
    seed_statistics,
)


def test_mcnemar_exact_matches_the_binomial_by_hand():
    true = [1] * 10
    a = [1] * 6 + [0] * 4  # A right on 6
    b = [0] * 6 + [0] * 4  # B right on none: 6 discordant, all for A
    result = mcnemar_exact(true, a, b)
    assert (result["only_a_right"], result["only_b_right"]) == (6, 0)
    assert result["p_value"] == pytest.approx(2 * 0.5 ** 6)  # 0.03125
    assert mcnemar_exact(true, a[:5] + [0] * 5, b)["p_value"] == pytest.approx(2 * 0.5 ** 5)  # 0.0625: not < 0.05
    assert mcnemar_exact(true, a, a)["p_value"] == 1.0  # no discordant pair
    balanced = mcnemar_exact([1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 1, 1])
    assert balanced["p_value"] == pytest.approx(1.0)


def test_mcnemar_refuses_unpaired_predictions():
    with pytest.raises(ValueError, match="one prediction per review"):
        mcnemar_exact([1, 0, 1], [1, 0], [1, 0, 1])


def _run(config, seed, validation, test, true_validation=(1, 1, 0, 0), true_test=(1, 1, 0, 0)):
    """A fake run whose predictions reach the given accuracies on 4 reviews per split."""
    def predictions(accuracy, true):
        right = round(accuracy * len(true))
        return [t if i < right else 1 - t for i, t in enumerate(true)]

    splits = {}
    for name, accuracy, true in [("validation", validation, true_validation), ("test", test, true_test)]:
        predicted = predictions(accuracy, true)
        splits[name] = {"accuracy": accuracy, "macro_f1": accuracy, "predicted": predicted}
    return {"config": config, "seed": seed, "splits": splits}


def test_seed_statistics_give_mean_and_sample_sd():
    rows = [_run("a", 0, 0.5, 0.75), _run("a", 1, 1.0, 0.25)]
    stats = seed_statistics(rows, "validation")
    assert stats["seeds"] == 2 and stats["accuracy_mean"] == pytest.approx(0.75)
    assert stats["accuracy_sd"] == pytest.approx(np.std([0.5, 1.0], ddof=1))
    assert seed_statistics(rows[:1], "test")["accuracy_sd"] == 0.0


def test_selection_reads_validation_and_never_test():
    results = [_run("a", 0, 0.75, 0.25), _run("a", 1, 0.75, 0.25), _run("b", 0, 0.5, 1.0), _run("b", 1, 0.5, 1.0)]
    assert rank_on_validation(results) == ["a", "b"]  # b is better on test, but test is not looked at
    swapped = [_run(r["config"], r["seed"], r["splits"]["validation"]["accuracy"], 0.5) for r in results]
    assert rank_on_validation(swapped) == ["a", "b"]
    flipped = [_run("a", 0, 0.25, 0.25), _run("a", 1, 0.25, 0.25)] + results[2:]
    assert rank_on_validation(flipped) == ["b", "a"]
    assert list(by_config(results)) == ["a", "b"] and [r["seed"] for r in by_config(results)["b"]] == [0, 1]


def test_correctness_averages_seeds_per_review():
    rows = [_run("a", 0, 1.0, 1.0), _run("a", 1, 1.0, 0.5)]
    assert correctness(rows, "test", [1, 1, 0, 0]).tolist() == [1.0, 1.0, 0.5, 0.5]


def _many(config, accuracy, seeds=(0, 1, 2), n=400):
    rng = np.random.default_rng(len(config))
    true = [i % 2 for i in range(n)]
    rows = []
    for seed in seeds:
        right = rng.random(n) < accuracy
        predicted = [t if ok else 1 - t for t, ok in zip(true, right, strict=True)]
        rows.append({"config": config, "seed": seed, "splits": {"test": {"predicted": predicted}}})
    return rows, true


def test_compare_calls_a_clear_gap_significant_and_a_tie_not():
    strong, true = _many("strong", 0.9)
    weak, _ = _many("weak", 0.6)
    verdict = compare(strong, weak, "test", true)
    assert verdict["significant"] and verdict["paired_bootstrap"]["low"] > 0.2
    assert set(verdict["mcnemar"]) == {0, 1, 2} and verdict["mcnemar_significant_seeds"] == 3
    tie = compare(strong, strong, "test", true)
    assert not tie["significant"] and tie["mcnemar_significant_seeds"] == 0


def test_compare_against_a_single_deterministic_run_pairs_every_seed_with_it():
    strong, true = _many("strong", 0.9)
    frozen, _ = _many("frozen", 0.6, seeds=(7,))
    verdict = compare(strong, frozen, "test", true)
    assert set(verdict["mcnemar"]) == {0, 1, 2} and verdict["significant"]


def test_compare_against_a_single_run_with_a_matching_seed_still_uses_every_seed():
    strong, true = _many("strong", 0.9)
    frozen, _ = _many("frozen", 0.6, seeds=(0,))
    assert set(compare(strong, frozen, "test", true)["mcnemar"]) == {0, 1, 2}


def test_compare_refuses_arms_without_a_common_seed():
    strong, true = _many("strong", 0.9, seeds=(0, 1))
    other, _ = _many("other", 0.9, seeds=(5, 6))
    with pytest.raises(ValueError, match="no seed in common"):
        compare(strong, other, "test", true)


def test_movie_bootstrap_is_wider_than_the_review_bootstrap_when_movies_cluster():
    from helpers.metrics import paired_difference
    from helpers.sentiment.comparison import movie_bootstrap

    rng = np.random.default_rng(0)
    movies = np.repeat(np.arange(20), 20)  # 20 movies of 20 reviews; the gain depends on the movie
    differences = np.repeat(rng.normal(0.02, 0.3, 20), 20).clip(-1, 1)
    by_review, by_movie = paired_difference(differences, np.zeros_like(differences)), movie_bootstrap(differences, movies)
    assert by_movie["mean"] == pytest.approx(by_review["mean"]) and by_movie["movies"] == 20
    assert by_movie["high"] - by_movie["low"] > 2 * (by_review["high"] - by_review["low"])
    assert by_review["separated"] and not by_movie["separated"]  # independent reviews would overclaim


def test_movie_bootstrap_by_hand_and_bad_input():
    from helpers.sentiment.comparison import movie_bootstrap

    result = movie_bootstrap([1, 1, 0, 1], ["a", "a", "b", "c"])
    assert result["mean"] == pytest.approx(0.75) and result["movies"] == 3
    assert movie_bootstrap([0.5, 0.5], ["a", "b"])["low"] == 0.5  # every resample gives the same mean
    with pytest.raises(ValueError, match="one movie per review"):
        movie_bootstrap([1, 0], ["a"])


def test_compare_with_movies_needs_the_movie_interval_to_exclude_zero_too():
    strong, true = _many("strong", 0.9)
    weak, _ = _many("weak", 0.6)
    movies = [i // 20 for i in range(len(true))]
    verdict = compare(strong, weak, "test", true, groups=movies)
    assert verdict["movie_bootstrap"]["movies"] == 20 and verdict["significant"]
    assert compare(strong, weak, "test", true)["movie_bootstrap"] is None  # without movies: by review only


def test_the_headline_test_interval_resamples_whole_movies_not_sentences():
    """Sentences of a movie are right or wrong together: resampling them as if independent (the old
    headline interval) is too narrow; resampling movies is the honest interval."""
    from helpers.sentiment.comparison import accuracy_interval

    rng = np.random.default_rng(0)
    movies = np.repeat(np.arange(40), 10)  # 40 movies of 10 sentences
    movie_right = rng.random(40) < 0.7
    true = np.zeros(400, dtype=int)
    predicted = np.where(movie_right[movies], 0, 1)
    rows = [{"seed": 0, "splits": {"test": {"predicted": predicted.tolist()}}}]
    by_review = accuracy_interval(rows, "test", true)
    by_movie = accuracy_interval(rows, "test", true, groups=movies.tolist())
    assert by_review[0] == pytest.approx(by_movie[0])  # the same accuracy
    assert (by_movie[2] - by_movie[1]) > 2 * (by_review[2] - by_review[1])  # about sqrt(10) times wider
    independent = accuracy_interval(rows, "test", true, groups=np.arange(400).tolist())  # one sentence per movie
    assert independent[2] - independent[1] == pytest.approx(by_review[2] - by_review[1], rel=0.25)
