"""Study 01's caches and adapter are keyed by every setting that shapes them plus the data's content."""

import ast
import json
import random

import pytest

from helpers.paths import REPO_ROOT
from helpers.recommender.recommend import CacheError, GenerationCache, run_cached

NOTEBOOK = REPO_ROOT / "notebooks" / "01_gemma_movie_recommender.py"
# Parameters that do not shape a generated list or the adapter (evaluation, I/O, or already in the
# key through what they select: the model name, the data's content, the sampled test ids).
NOT_SHAPING = {"PROFILE", "MODEL_ROLE", "OUTPUT_DIR", "DATA_DIR", "MODE", "N_TEST", "N_UNCERTAINTY", "BOOTSTRAP",
               "MATCH_THRESHOLD", "N_SHOT_USERS", "NOTEBOOK", "N_GENERATE",
               "CONSTRAINED",  # adds a strategy with a cache of its own, keyed "constrained"
               "REPORT_TO"}  # where training logs go, not what it learns
SETTINGS = {"model": "gemma3-270m", "style": "completion", "lists": 3, "recs": 10, "temperature": 0.7,
            "max_new_tokens": 120, "history": 20, "seed": 0, "batch": 5, "shots": ["u1"], "shot_history": 8,
            "steps": 10, "train_batch": [4, 8], "lr": 2e-4, "lora_r": 8, "lora_alpha": 16, "max_length": 768}


def _fake_generate(calls):
    def generate_batch(ids):
        calls.extend(ids)
        return [[f"1. Film {i} {random.random():.6f}"] for i in ids], 1.0, 4

    return generate_batch


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "redial"
    folder.mkdir()
    (folder / "final_data.jsonl").write_text('{"u1": []}\n')
    return folder


def test_a_change_of_any_setting_or_of_the_data_regenerates(tmp_path, data):
    out = tmp_path / "out"
    calls = []
    run_cached(GenerationCache(out / "g.json", SETTINGS, data), ["a", "b"], _fake_generate(calls))
    run_cached(GenerationCache(out / "g.json", SETTINGS, data), ["a", "b"], _fake_generate(calls))
    assert calls == ["a", "b"]  # same settings and data: resumed, nothing generated again
    for name, value in SETTINGS.items():
        changed = SETTINGS | {name: [value, "changed"]}
        calls.clear()
        run_cached(GenerationCache(out / "g.json", changed, data), ["a", "b"], _fake_generate(calls))
        assert calls == ["a", "b"], f"changing {name} reused stale lists"
    (data / "final_data.jsonl").write_text('{"u1": [], "u2": []}\n')
    calls.clear()
    run_cached(GenerationCache(out / "g.json", SETTINGS, data), ["a", "b"], _fake_generate(calls))
    assert calls == ["a", "b"], "new data reused stale lists"
    assert len(list(out.glob("g.*.json"))) == len(SETTINGS) + 2  # nothing was overwritten or lost


def test_a_resumed_run_draws_the_same_samples_as_an_uninterrupted_one(tmp_path):
    ids = [f"d{i}" for i in range(7)]
    whole = run_cached(GenerationCache(tmp_path / "whole" / "g.json", SETTINGS), ids, _fake_generate([]), batch=2)

    def interrupted(chunk):
        if "d4" in chunk:
            raise KeyboardInterrupt
        return _fake_generate([])(chunk)

    random.seed(12345)  # whatever state the kernel was in before resuming
    with pytest.raises(KeyboardInterrupt):
        run_cached(GenerationCache(tmp_path / "cut" / "g.json", SETTINGS), ids, interrupted, batch=2)
    random.random()
    resumed = run_cached(GenerationCache(tmp_path / "cut" / "g.json", SETTINGS), ids, _fake_generate([]), batch=2)
    assert resumed == whole


def test_a_killed_batch_leaves_whole_batches_only(tmp_path):
    cache = GenerationCache(tmp_path / "g.json", SETTINGS)
    with pytest.raises(RuntimeError):
        run_cached(cache, ["a", "b", "c"], lambda ids: ([["x"]] * len(ids), 1.0, 1) if "c" not in ids
                   else (_ for _ in ()).throw(RuntimeError("killed")), batch=2)
    saved = json.loads(cache.path.read_text())
    assert sorted(saved["results"]) == ["a", "b"] and saved["key"] == cache.key


def test_a_renamed_cache_file_is_refused(tmp_path):
    first = GenerationCache(tmp_path / "g.json", SETTINGS)
    first.add("a", ["x"], 1.0, 1)
    other = GenerationCache(tmp_path / "g.json", SETTINGS | {"seed": 1})
    first.path.rename(other.path)
    with pytest.raises(CacheError, match="renamed or edited"):
        GenerationCache(tmp_path / "g.json", SETTINGS | {"seed": 1})


def _parameters_and_keyed_names():
    tree = ast.parse(NOTEBOOK.read_text(encoding="utf-8"))
    parameters = {t.id for node in tree.body if isinstance(node, ast.Assign)
                  for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()}
    keyed, calls = set(), {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith("settings")
                                                for t in node.targets):
            keyed |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            # PRECISION is keyed as what it resolves to on this machine ("auto" is bf16 on one CPU, fp32 on another)
            keyed |= {"PRECISION" for n in ast.walk(node.value) if ast.unparse(n) == "ctx.precision"}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            calls.setdefault(node.func.id, []).append([ast.unparse(a) for a in node.args])
    return parameters, keyed, calls


def test_the_notebook_keys_every_parameter_that_shapes_lists_or_adapter():
    parameters, keyed, calls = _parameters_and_keyed_names()
    unkeyed = parameters - keyed - NOT_SHAPING
    assert not unkeyed, f"notebook 01 parameters missing from its cache/adapter settings: {sorted(unkeyed)}"
    for function in ("GenerationCache", "saved_adapter", "save_adapter"):
        assert calls[function] and all(args[-1] == "source" for args in calls[function]), function
