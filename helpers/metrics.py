"""Metrics shared by the studies, and the metrics.json every notebook ends with."""

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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


def save_metrics(metrics: Mapping[str, Any], output_dir: str | os.PathLike) -> Path:
    """Write metrics to <output_dir>/metrics.json atomically and return the path."""
    if not isinstance(metrics, Mapping) or not metrics:
        raise ValueError("save_metrics expects a non-empty mapping of metric name to value")
    plain = to_jsonable(dict(metrics))
    for key, value in plain.items():
        _check_finite(value, key)
    return atomic_write_json(Path(output_dir) / "metrics.json", plain)
