"""Results are written whole and readable by the group; an adapter and its settings land as one step."""

import os
import stat

import pytest

from helpers.io import atomic_dir, atomic_write_csv, atomic_write_json, save_figure
from helpers.metrics import save_metrics


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_results_are_readable_by_the_group_and_respect_the_umask(tmp_path, umask_022):
    assert _mode(atomic_write_json(tmp_path / "a.json", {"x": 1})) == 0o644
    save_metrics({"accuracy": 0.5}, tmp_path / "run")
    assert _mode(tmp_path / "run" / "metrics.json") == 0o644
    os.umask(0o077)
    assert _mode(atomic_write_json(tmp_path / "private.json", {})) == 0o600


def test_csv_and_figure_helpers_write_whole_files(tmp_path, umask_022):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "ñ"]})
    assert atomic_write_csv(tmp_path / "t.csv", frame).read_text(encoding="utf-8") == "a,b\n1,x\n2,ñ\n"
    fig, axis = plt.subplots()
    axis.plot([1, 2])
    png = save_figure(fig, tmp_path / "f.png", dpi=50)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and _mode(png) == 0o644
    assert save_figure(fig, tmp_path / "f.svg").read_text().lstrip().startswith("<?xml")
    plt.close(fig)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_atomic_dir_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "adapter"
    with atomic_dir(target) as staged:
        (staged / "weights").write_text("old")
        (staged / "marker").write_text("old")
    with pytest.raises(RuntimeError), atomic_dir(target) as staged:
        (staged / "weights").write_text("new")
        raise RuntimeError("killed between the weights and the marker")
    assert (target / "weights").read_text() == "old" and (target / "marker").read_text() == "old"
    with atomic_dir(target) as staged:
        (staged / "weights").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["weights"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter"]


def _tiny_lm():
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    return Qwen2ForCausalLM(Qwen2Config(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                        num_attention_heads=2, num_key_value_heads=1)).eval()


def test_adapter_is_keyed_by_every_setting_and_the_data_and_saved_atomically(tmp_path, monkeypatch, capsys):
    import copy

    from peft import get_peft_model

    from helpers import training
    from helpers.training import lora_config, save_adapter, saved_adapter

    base = _tiny_lm()
    tuned = get_peft_model(copy.deepcopy(base), lora_config(base, r=2, alpha=4))
    data = tmp_path / "train.jsonl"
    data.write_text("a\n")
    settings = {"steps": 2, "lora_r": 2, "lora_alpha": 4, "max_length": 64, "shot_history": 8}
    adapter = tmp_path / "adapter"
    save_adapter(tuned, adapter, settings, data)
    assert saved_adapter(copy.deepcopy(base), adapter, settings, data) is not None
    for name in settings:
        assert saved_adapter(copy.deepcopy(base), adapter, settings | {name: -1}, data) is None, name
        assert f"({name})" in capsys.readouterr().out
    data.write_text("b\n")
    assert saved_adapter(copy.deepcopy(base), adapter, settings, data) is None  # same settings, new data
    data.write_text("a\n")

    def killed(self, folder, **kwargs):  # the weights are written, then the process dies
        (folder / "adapter_model.safetensors").write_bytes(b"new weights")
        raise KeyboardInterrupt

    monkeypatch.setattr(type(tuned), "save_pretrained", killed)
    with pytest.raises(KeyboardInterrupt):
        save_adapter(tuned, adapter, settings | {"steps": 99}, data)
    assert saved_adapter(copy.deepcopy(base), adapter, settings, data) is not None  # old weights, old marker
    assert (adapter / "adapter_model.safetensors").read_bytes() != b"new weights"
    (adapter / training.ADAPTER_SETTINGS).write_text("{not json")
    assert saved_adapter(copy.deepcopy(base), adapter, settings, data) is None
