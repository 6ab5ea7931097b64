"""Study 1's summaries: per-strategy means with bootstrap intervals, paired differences, display tables."""

from itertools import combinations

from helpers.metrics import bootstrap_interval, paired_difference


def summarise(frame, metrics: list[str], resamples: int, seed: int) -> dict:
    """Mean and 95% bootstrap interval (over dialogues) per strategy ('estrategia') and metric."""
    out = {}
    for strategy, group in frame.groupby("estrategia", sort=False):
        out[strategy] = {"dialogues": len(group)}
        for metric in metrics:
            mean, low, high = bootstrap_interval(group[metric], resamples, seed)
            out[strategy][metric] = {"mean": mean, "low": low, "high": high}
    return out


def paired(frame, metrics: list[str], resamples: int, seed: int) -> dict:
    """Paired differences ('a - b', per dialogue) for every pair of strategies, with 95% paired intervals."""
    out = {}
    for a, b in combinations(list(frame["estrategia"].unique()), 2):
        wide = frame[frame["estrategia"].isin([a, b])].pivot(index="diálogo", columns="estrategia")
        out[f"{a} - {b}"] = {m: paired_difference(wide[m][a], wide[m][b], resamples, seed) for m in metrics}
    return out


def table(summary: dict, metrics: list[str]):
    """The summary as a display table, in Spanish: 'media [inferior, superior]' per metric, and dialogues."""
    import pandas as pd

    return pd.DataFrame({s: {m: f"{v[m]['mean']:.3f} [{v[m]['low']:.3f}, {v[m]['high']:.3f}]" for m in metrics}
                         | {"diálogos": v["dialogues"]} for s, v in summary.items()}).T.rename_axis("estrategia")
