import json
import os

import numpy as np
import pytest

from helpers.io import atomic_write_json, atomic_write_text, read_json
from helpers.metrics import save_metrics


def test_save_metrics_writes_plain_json(tmp_path):
    path = save_metrics({"acc": np.float32(0.5), "per_k": {"5": np.array([1, 2])}, "n": np.int64(3)}, tmp_path)
    assert path == tmp_path / "metrics.json"
    written = json.loads(path.read_text())
    assert {k: written[k] for k in ("acc", "per_k", "n")} == {"acc": 0.5, "per_k": {"5": [1, 2]}, "n": 3}


def test_metrics_record_the_precision_and_cpu_of_the_run(tmp_path, monkeypatch):
    from helpers.cpu import capabilities
    from helpers.precision import PRECISION_VARIABLE

    monkeypatch.setenv(PRECISION_VARIABLE, "float32")
    written = json.loads(save_metrics({"acc": 0.5}, tmp_path).read_text())
    assert written["precision"] == {"device": "cpu", "dtype": "float32", "requested": "float32"}
    assert written["cpu"] == capabilities().describe()
    monkeypatch.setenv(PRECISION_VARIABLE, "float64")
    with pytest.raises(ValueError, match="PRECISION must be one of"):
        save_metrics({"acc": 0.5}, tmp_path)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_save_metrics_refuses_non_finite_values_naming_the_key(tmp_path, bad):
    with pytest.raises(ValueError, match=r"recall\.k5"):
        save_metrics({"recall": {"k5": bad}}, tmp_path)
    assert not (tmp_path / "metrics.json").exists()


def test_save_metrics_refuses_empty(tmp_path):
    with pytest.raises(ValueError, match="non-empty"):
        save_metrics({}, tmp_path)


def test_atomic_write_keeps_old_file_when_serialisation_fails(tmp_path):
    target = tmp_path / "results.json"
    atomic_write_json(target, {"ok": 1})
    with pytest.raises(TypeError):
        atomic_write_json(target, {"bad": object()})
    assert read_json(target) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary left behind


def test_atomic_write_text_creates_parent_folders(tmp_path):
    target = tmp_path / "a" / "b" / "note.txt"
    atomic_write_text(target, "hola ñ")
    assert target.read_text(encoding="utf-8") == "hola ñ"
    assert oct(os.stat(target).st_mode)[-3:] in {"600", "644", "664"}


def test_read_json_names_file_and_line(tmp_path):
    bad = tmp_path / "cache.json"
    bad.write_text('{\n "a": 1,\n oops\n}')
    with pytest.raises(ValueError, match=r"cache\.json: not valid JSON at line 3"):
        read_json(bad)
