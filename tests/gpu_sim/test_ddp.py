"""The training helpers under torchrun with two CPU processes (DDP over gloo): ranks end identical."""

import json
import os
import subprocess
import sys

import pytest

from helpers.paths import REPO_ROOT


def test_torchrun_two_processes_train_identical_adapters_and_rank_0_writes(tmp_path):
    import torch

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(REPO_ROOT / "tests" / "gpu_sim" / "ddp_train.py"), str(tmp_path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2] and ranks[0]["find_unused"] is False
    first, second = ranks[0]["state"], ranks[1]["state"]
    assert first.keys() == second.keys() and len(first) > 0
    assert all(torch.equal(first[name], second[name]) for name in first)
    assert any(name.endswith("lora_B.default.weight") and first[name].abs().sum() > 0 for name in first)  # it trained
    settings = json.loads((tmp_path / "adapter" / "training_settings.json").read_text())
    assert settings["settings"] == {"rank_that_wrote": 0}  # the marker keeps the settings beside their key


def test_save_adapter_writes_nothing_on_other_ranks(tmp_path, monkeypatch):
    from helpers.training import save_adapter

    class Tuned:
        def save_pretrained(self, folder):
            raise AssertionError("rank 1 must not write")

    monkeypatch.setenv("RANK", "1")
    save_adapter(Tuned(), tmp_path / "adapter", {"a": 1})
    assert not (tmp_path / "adapter").exists()
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(AssertionError, match="must not"):
        save_adapter(Tuned(), tmp_path / "adapter", {"a": 1})
