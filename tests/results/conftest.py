"""A finished run folder as papermill leaves it, for the results tests."""

import json

import pytest

METRICS = {"profile": "local", "precision": {"dtype": "bfloat16"}, "cpu": "Intel AMX", "seconds": 812.0,
           "questions": 48, "private_chat": False, "django_matches_store": True,
           "hit@5": [0.6, 0.45, 0.74], "by_model": {"a": {"mean": 0.31, "low": 0.22, "high": 0.40, "n": 93}},
           "answers_per_second": 3.2}


def write_run(folder, metrics=None, parameters=None, exception=False, name="04_rag_bash_manual"):
    """A run folder: metrics.json and an executed notebook with papermill's metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps(METRICS if metrics is None else metrics))
    papermill = {"parameters": {"OUTPUT_DIR": str(folder), **(parameters or {})}, "exception": exception,
                 "end_time": "2026-12-06T17:00:00", "duration": 812.5}
    cells = [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
              "source": ["SEED = 0  # semilla\n", "MAX_NEW_TOKENS = 250\n", "OUTPUT_DIR = ''\n"]},
             {"cell_type": "code", "metadata": {"tags": ["injected-parameters"]},
              "source": [f"{k} = {v!r}\n" for k, v in (parameters or {}).items()]}]
    (folder / f"{name}.ipynb").write_text(json.dumps({"metadata": {"papermill": papermill}, "cells": cells}))
    return folder


@pytest.fixture
def run_dir(tmp_path):
    return write_run(tmp_path / "outputs" / "04_rag_bash_manual")
