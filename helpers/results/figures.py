"""The figures of a metrics.json that a regression check compares: intervals, counts and yes/no facts."""

import math
import re
from dataclasses import dataclass

# Keys whose values depend on the machine or the moment, not on what was measured, and verdicts derived from
# an interval (the interval itself is checked; its side of zero may flip within its own noise).
VOLATILE = re.compile(r"second|per_s|latenc|tiempo|memor|throughput|speed|tokens_per|cpu|precision|models_loaded"
                      r"|date|recorded|path|dir$|file|^separated$|^significant$", re.IGNORECASE)
INTERVAL_KEYS = (("mean", "low", "high"), ("value", "low", "high"), ("estimate", "low", "high"))


@dataclass(frozen=True)
class Figure:
    """One checked number: kind 'interval' (value within [low, high]), 'count' (an integer) or 'flag'."""
    kind: str
    value: float | int | bool
    low: float | None = None
    high: float | None = None


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def as_interval(node) -> Figure | None:
    """[value, low, high] or {mean|value|estimate, low, high} with low <= value <= high, else None."""
    if isinstance(node, (list, tuple)) and len(node) == 3 and all(_number(x) for x in node):
        value, low, high = node
    elif isinstance(node, dict):
        keys = next((k for k in INTERVAL_KEYS if all(key in node for key in k)), None)
        if keys is None or not all(_number(node[k]) for k in keys):
            return None
        value, low, high = (node[k] for k in keys)
    else:
        return None
    tiny = 1e-9 * max(1.0, abs(value))
    return Figure("interval", value, low, high) if low - tiny <= value <= high + tiny else None


def figures(metrics, prefix: str = "") -> dict[str, Figure]:
    """Every checked figure of a metrics tree, keyed by its path (keys joined with '/')."""
    found: dict[str, Figure] = {}
    interval = as_interval(metrics)
    if interval is not None:
        found[prefix] = interval
        if not isinstance(metrics, dict):
            return found
    if isinstance(metrics, dict):
        for key, value in metrics.items():
            if VOLATILE.search(str(key)) or (interval is not None and key in ("mean", "value", "estimate", "low", "high")):
                continue
            found.update(figures(value, f"{prefix}/{key}" if prefix else str(key)))
    elif isinstance(metrics, list) and interval is None:
        for index, value in enumerate(metrics):
            found.update(figures(value, f"{prefix}/{index}"))
    elif isinstance(metrics, bool):
        found[prefix] = Figure("flag", metrics)
    elif isinstance(metrics, int):
        found[prefix] = Figure("count", metrics)
    return found
