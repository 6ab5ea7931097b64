"""What a LoRA run leaves beside its adapter: the loss history and its curve."""

import pytest

from helpers.training import (
    loss_figure,
    save_adapter,
    saved_adapter,
    saved_loss_history,
    saved_training_seconds,
)


@pytest.fixture
def tiny_lora():
    """A random-initialised 1-layer Qwen2 (tiny vocabulary) with a LoRA adapter: seconds to build."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1)
    base = Qwen2ForCausalLM(config)
    return get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj"], task_type="CAUSAL_LM"))


def test_save_adapter_keeps_the_loss_history_for_a_reused_adapter(tmp_path, tiny_lora):
    history = [{"step": 1, "loss": 2.5}, {"step": 2, "loss": 1.75}]
    settings = {"steps": 2, "lr": 2e-4}
    save_adapter(tiny_lora, tmp_path / "with", settings, history=history, seconds=12.5)
    assert saved_loss_history(tmp_path / "with") == history
    assert saved_training_seconds(tmp_path / "with") == 12.5  # a reused adapter still reports its training time
    save_adapter(tiny_lora, tmp_path / "without", settings)
    assert saved_loss_history(tmp_path / "without") == [] and saved_training_seconds(tmp_path / "without") is None
    assert saved_training_seconds(tmp_path / "never saved") is None


def test_saved_adapter_is_refused_for_other_settings(tmp_path, tiny_lora):
    save_adapter(tiny_lora, tmp_path / "a", {"steps": 2}, history=[])
    assert saved_adapter(tiny_lora.get_base_model(), tmp_path / "a", {"steps": 3}) is None


def test_loss_figure_plots_each_step_and_refuses_an_empty_history():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = loss_figure([{"step": 1, "loss": 3.0}, {"step": 2, "loss": 2.0}, {"step": 3, "loss": 1.5}])
    line = fig.axes[0].lines[0]
    assert list(line.get_xdata()) == [1, 2, 3] and list(line.get_ydata()) == [3.0, 2.0, 1.5]
    assert fig.axes[0].get_xlabel() == "paso"
    plt.close(fig)
    with pytest.raises(ValueError, match="no loss history"):
        loss_figure([])
