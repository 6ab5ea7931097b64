import os
import random
import subprocess
import sys

import numpy as np
import pytest

from helpers.env import apply_offline_defaults, detect_device, seed_everything, set_up


def test_importing_helpers_does_not_import_torch():
    code = "import sys, helpers, helpers.paths, helpers.registry, helpers.io, helpers.metrics; " \
           "print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_offline_defaults_do_not_override_the_user(monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    monkeypatch.delenv("GRADIO_ANALYTICS_ENABLED", raising=False)
    apply_offline_defaults()
    assert os.environ["WANDB_MODE"] == "disabled"
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert os.environ["TOKENIZERS_PARALLELISM"] == "false"


def test_seed_everything_repeats_random_numpy_and_torch():
    import torch

    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    seed_everything(7)
    first = draw()
    seed_everything(7)
    assert draw() == first


@pytest.mark.parametrize("before", [None, "123"])
def test_seed_everything_leaves_pythonhashseed_alone(before, monkeypatch):
    # Python reads PYTHONHASHSEED once at start-up: setting it at runtime changes nothing but the environment.
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    if before is None:
        monkeypatch.delenv("PYTHONHASHSEED")
    else:
        monkeypatch.setenv("PYTHONHASHSEED", before)
    seed_everything(7)
    assert os.environ.get("PYTHONHASHSEED") == before


def test_seed_everything_draws_what_transformers_set_seed_draws():
    import torch
    from transformers import set_seed

    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item(), torch.randint(0, 10**6, (1,)).item()

    seed_everything(11)
    ours = draw()
    set_seed(11)
    assert draw() == ours
    seed_everything(12)
    assert draw() != ours


def test_seed_everything_does_not_import_torch_until_called():
    code = "import sys; from helpers.env import seed_everything; print('torch' in sys.modules, " \
           "'transformers' in sys.modules); seed_everything(1); print('transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]


def test_detect_device_reports_cpu_threads(monkeypatch):
    import torch

    monkeypatch.setenv("LLM_STUDIES_THREADS", "1")
    info = detect_device()
    assert info.threads == 1 and torch.get_num_threads() == 1
    assert info.kind in {"cpu", "cuda", "mps"}
    assert str(info)


def test_set_up_rejects_unknown_profile(tmp_path):
    with pytest.raises(ValueError, match="PROFILE must be one of"):
        set_up("x", "cloud", 0, str(tmp_path))


def test_set_up_creates_output_dir_and_goes_offline_for_local(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    ctx = set_up("x", "local", 3, str(tmp_path / "run"))
    assert ctx.output_dir.is_dir()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
