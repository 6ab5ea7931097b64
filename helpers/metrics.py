"""Metrics shared by the studies, and the metrics.json every notebook ends with."""

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.io import atomic_write_json, to_jsonable


def _check_finite(value: Any, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"metric {where} is {value}; metrics must be finite numbers")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, f"{where}[{index}]")


def run_facts() -> dict:
    """The precision, the CPU and the models (repository, revision, dtype) a run used, beside its metrics."""
    from helpers.cpu import capabilities
    from helpers.hub import loaded_models
    from helpers.precision import choose_precision, requested_cpu_precision

    plan = choose_precision()
    return {"precision": {"device": plan.device, "dtype": plan.dtype_name, "requested": requested_cpu_precision()},
            "cpu": capabilities().describe(), "models_loaded": loaded_models()}


def save_metrics(metrics: Mapping[str, Any], output_dir: str | os.PathLike) -> Path:
    """Write metrics, with the run's precision, CPU and loaded models (run_facts), to <output_dir>/metrics.json
    atomically and return the path."""
    if not isinstance(metrics, Mapping) or not metrics:
        raise ValueError("save_metrics expects a non-empty mapping of metric name to value")
    plain = to_jsonable({**run_facts(), **metrics})
    for key, value in plain.items():
        _check_finite(value, key)
    return atomic_write_json(Path(output_dir) / "metrics.json", plain)


def hit_at_k(ranked: Sequence, relevant: Iterable, k: int) -> float:
    """1.0 if any relevant item is among the first k ranked ones, else 0.0."""
    relevant = set(relevant)
    if not relevant:
        raise ValueError("hit_at_k needs at least one relevant item")
    return float(any(item in relevant for item in list(ranked)[:k]))


def genre_agreement(neighbours: Sequence[Sequence[int]], genres: Sequence[set], k: int) -> dict:
    """Genre hit@k (any of the k neighbours shares a genre) and precision@k (share that do),
    averaged over the items that have genres; neighbours without genres count as misses."""
    hits, precisions = [], []
    for item, row in enumerate(neighbours):
        if not genres[item]:
            continue
        shared = [bool(genres[item] & genres[j]) for j in list(row)[:k]]
        hits.append(float(any(shared)))
        precisions.append(sum(shared) / k)
    if not hits:
        raise ValueError("no item has genres to compare")
    return {"hit": sum(hits) / len(hits), "precision": sum(precisions) / len(precisions), "items": len(hits)}


def recall_at_k(ranked: Sequence, relevant: Iterable, k: int) -> float:
    """Share of the relevant items found among the first k ranked ones (duplicates count once)."""
    relevant = set(relevant)
    if not relevant:
        raise ValueError("recall_at_k needs at least one relevant item")
    return len(relevant & set(list(ranked)[:k])) / len(relevant)


def ndcg_at_k(ranked: Sequence, relevant: Iterable, k: int) -> float:
    """Binary-relevance NDCG@k: log2 discount, ideal DCG over min(k, len(relevant)) hits;
    an item repeated in the ranking earns its gain only the first time."""
    relevant = set(relevant)
    if not relevant:
        raise ValueError("ndcg_at_k needs at least one relevant item")
    seen, dcg = set(), 0.0
    for position, item in enumerate(list(ranked)[:k], start=1):
        if item in relevant and item not in seen:
            dcg += 1.0 / math.log2(position + 1)
        seen.add(item)
    ideal = sum(1.0 / math.log2(position + 1) for position in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal


def bootstrap_bounds(data: tuple, statistic, n_resamples: int = 2000, seed: int = 0, level: float = 0.95,
                     paired: bool = False) -> tuple[float, float]:
    """(low, high) of scipy.stats.bootstrap: BCa, or percentile where BCa is undefined (tiny or
    near-constant samples); NaN when neither gives finite bounds."""
    from scipy.stats import bootstrap

    for method in ("BCa", "percentile"):
        result = bootstrap(data, statistic, n_resamples=n_resamples, confidence_level=level, method=method,
                           paired=paired, vectorized=False if paired else None, rng=np.random.default_rng(seed))
        low, high = (float(x) for x in result.confidence_interval)
        if math.isfinite(low) and math.isfinite(high):
            return low, high
    return math.nan, math.nan


def proportion_interval(hits, level: float = 0.95) -> tuple[float, float, float]:
    """(share, low, high): a share of successes with its exact (Clopper-Pearson) interval, which unlike a
    bootstrap does not collapse to a point at 0 or n successes."""
    from scipy.stats import binomtest

    hits = np.asarray(hits, dtype=float)
    if hits.size == 0 or not np.isin(hits, (0.0, 1.0)).all():
        raise ValueError(f"proportion_interval needs 0/1 outcomes, got {hits.size} values")
    k, n = int(hits.sum()), int(hits.size)
    interval = binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return k / n, float(interval.low), float(interval.high)


def bootstrap_interval(values, n_resamples: int = 2000, seed: int = 0, level: float = 0.95,
                       statistic=np.mean) -> tuple[float, float, float]:
    """(estimate, low, high): BCa bootstrap interval (scipy.stats.bootstrap) over independent units."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return math.nan, math.nan, math.nan
    estimate = float(statistic(values))
    if len(values) == 1 or np.ptp(values) == 0:  # every resample is the same sample
        return estimate, estimate, estimate
    return (estimate, *bootstrap_bounds((values,), statistic, n_resamples, seed, level))


def format_interval(values, digits: int = 2) -> str:
    """'mean [low, high]' of an (estimate, low, high) triple, for a display table."""
    mean, low, high = values
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def paired_difference(a, b, n_resamples: int = 2000, seed: int = 0, level: float = 0.95) -> dict:
    """Mean per-unit difference a - b with its paired bootstrap interval; 'separated' when it excludes 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired_difference needs one value per unit in both arms, got {a.shape} and {b.shape}")
    mean, low, high = bootstrap_interval(a - b, n_resamples, seed, level)
    return {"mean": mean, "low": low, "high": high, "n": int(a.size),
            "separated": bool(low > 0 or high < 0)}
