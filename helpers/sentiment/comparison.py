"""Study 03's comparisons: mean +/- sd over seeds, selection on validation, McNemar and paired bootstrap."""

import numpy as np

from helpers.metrics import bootstrap_bounds, bootstrap_interval, paired_difference


def mcnemar_exact(true, predicted_a, predicted_b) -> dict:
    """Exact (binomial) McNemar test on paired predictions: discordant counts and the two-sided p-value."""
    from scipy.stats import binomtest

    true, a, b = (np.asarray(x) for x in (true, predicted_a, predicted_b))
    if not (true.shape == a.shape == b.shape) or true.ndim != 1:
        raise ValueError(f"McNemar needs one prediction per review in both arms: {true.shape}, {a.shape}, {b.shape}")
    only_a = int(np.sum((a == true) & (b != true)))  # reviews only A gets right
    only_b = int(np.sum((a != true) & (b == true)))
    discordant = only_a + only_b
    p_value = 1.0 if discordant == 0 else float(binomtest(min(only_a, only_b), discordant, 0.5).pvalue)
    return {"only_a_right": only_a, "only_b_right": only_b, "p_value": min(p_value, 1.0), "n": int(true.size)}


def seed_statistics(rows: list[dict], split: str) -> dict:
    """Mean and sample sd (ddof=1) over seeds of a split's accuracy and macro-F1."""
    out = {"seeds": len(rows)}
    for metric in ("accuracy", "macro_f1"):
        values = [row["splits"][split][metric] for row in rows]
        out[f"{metric}_mean"] = float(np.mean(values))
        out[f"{metric}_sd"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return out


def by_config(results: list[dict]) -> dict[str, list[dict]]:
    """Runs grouped by configuration name, seeds in order."""
    groups: dict[str, list[dict]] = {}
    for row in results:
        groups.setdefault(row["config"], []).append(row)
    return {name: sorted(rows, key=lambda r: r["seed"]) for name, rows in groups.items()}


def rank_on_validation(results: list[dict]) -> list[str]:
    """Configuration names, best first, by mean validation accuracy over seeds (ties: macro-F1). Never reads test."""
    stats = {name: seed_statistics(rows, "validation") for name, rows in by_config(results).items()}
    return sorted(stats, key=lambda name: (-stats[name]["accuracy_mean"], -stats[name]["macro_f1_mean"], name))


def correctness(rows: list[dict], split: str, true) -> np.ndarray:
    """Per review, the share of seeds that classify it correctly."""
    true = np.asarray(true)
    return np.mean([np.asarray(row["splits"][split]["predicted"]) == true for row in rows], axis=0)


def accuracy_interval(rows: list[dict], split: str, true, seed: int = 0, groups=None) -> tuple[float, float, float]:
    """Accuracy over seeds with its BCa bootstrap interval: over whole movies when `groups` gives each
    review's movie (sentences of a movie correlate, so this is the honest one), else over reviews."""
    values = correctness(rows, split, true)
    if groups is None:
        return bootstrap_interval(values, seed=seed)
    found = movie_bootstrap(values, groups, seed=seed)
    return found["mean"], found["low"], found["high"]


def movie_bootstrap(values, groups, n_resamples: int = 2000, seed: int = 0, level: float = 0.95) -> dict:
    """Mean of per-review values (a difference, or correctness) with a BCa interval that resamples
    whole movies, each with all its reviews (reviews of a movie correlate)."""
    values, groups = np.asarray(values, dtype=float), np.asarray(groups)
    if values.shape != groups.shape:
        raise ValueError(f"one movie per review is needed: {values.shape} values, {groups.shape} movies")
    names, index = np.unique(groups, return_inverse=True)
    sums, counts = np.bincount(index, weights=values), np.bincount(index).astype(float)
    mean = float(sums.sum() / counts.sum())
    if len(names) < 2 or np.ptp(sums / counts) == 0:
        return {"mean": mean, "low": mean, "high": mean, "movies": int(len(names)), "separated": mean != 0}
    low, high = bootstrap_bounds((sums, counts), lambda s, c: s.sum() / c.sum(), n_resamples, seed, level,
                                 paired=True)
    return {"mean": mean, "low": low, "high": high, "movies": int(len(names)), "separated": bool(low > 0 or high < 0)}


def compare(rows_a: list[dict], rows_b: list[dict], split: str, true, alpha: float = 0.05, seed: int = 0,
            groups=None) -> dict:
    """A against B on the same reviews: McNemar per matched seed, paired bootstraps (by review; by movie if given)."""
    # Matched seeds; a deterministic baseline run once is compared with every seed of A.
    seeds_b = {row["seed"]: row for row in rows_b} if len(rows_b) > 1 else {row["seed"]: rows_b[0] for row in rows_a}
    mcnemar = {row["seed"]: mcnemar_exact(true, row["splits"][split]["predicted"],
                                          seeds_b[row["seed"]]["splits"][split]["predicted"])
               for row in rows_a if row["seed"] in seeds_b}
    if not mcnemar:
        raise ValueError(f"no seed in common: A has {[r['seed'] for r in rows_a]}, B {[r['seed'] for r in rows_b]}")
    a, b = correctness(rows_a, split, true), correctness(rows_b, split, true)
    difference = paired_difference(a, b, seed=seed)
    by_movie = movie_bootstrap(a - b, groups, seed=seed) if groups is not None else None
    significant_seeds = sum(test["p_value"] < alpha for test in mcnemar.values())
    return {"mcnemar": mcnemar, "mcnemar_significant_seeds": significant_seeds, "paired_bootstrap": difference,
            "movie_bootstrap": by_movie,
            "significant": bool(difference["separated"] and significant_seeds == len(mcnemar)
                                and (by_movie is None or by_movie["separated"]))}
