"""The output head applied only where a label is: the same loss and gradients as the full computation."""

import copy

import pytest
import torch
import trl.trainer.utils as trl_utils

from helpers.training import head_only_where_labelled, labelled_loss

# The compact switch is trl >= 1.16's; before it trl always scores only labelled positions
# (tests/core/test_fused_head.py covers that path, which the unsloth step's trl 1.15 takes).
pytestmark = pytest.mark.skipif(not hasattr(trl_utils, "_use_triton"), reason="trl < 1.16 has no compact switch")


def _batch(vocab: int, rows: int = 4, length: int = 48, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, vocab, (rows, length), generator=generator)
    mask = torch.ones_like(ids)
    labels = ids.clone()
    labels[:, : length - 8] = -100  # completion-only: the last 8 tokens of each row
    mask[2, length - 12:], labels[2, length - 12:] = 0, -100  # a padded row, labelled earlier
    labels[2, length - 20:length - 12] = ids[2, length - 20:length - 12]
    return {"input_ids": ids, "attention_mask": mask}, labels


def _fixed(compact: bool):
    """A stand-in for trl's switch that head_only_where_labelled leaves alone: always compact, or never."""
    def decide(device) -> bool:
        return compact

    decide.llm_studies_compact_cpu = True
    return decide


def _loss_and_grads(model, batch, labels, compact: bool):
    """trl's fused-head loss with compact scoring on or off, and the gradients of the trainable weights."""
    model = copy.deepcopy(model)
    original = trl_utils._use_triton
    trl_utils._use_triton = _fixed(compact)
    try:
        loss = labelled_loss(model, labels, **batch)
        loss.backward()
    finally:
        trl_utils._use_triton = original
    return loss.detach(), {n: p.grad for n, p in model.named_parameters() if p.grad is not None}


def _rows_scored(model, batch, labels) -> int:
    """How many positions the head was applied to (what the compact switch saves)."""
    seen = []
    original = trl_utils._ChunkedLogProbFunction.apply

    def spy(hidden, *args):
        seen.append(hidden.shape[0])
        return original(hidden, *args)

    trl_utils._ChunkedLogProbFunction.apply = spy
    try:
        with torch.no_grad():
            labelled_loss(copy.deepcopy(model), labels, **batch)
    finally:
        trl_utils._ChunkedLogProbFunction.apply = original
    return seen[0]


def _assert_equal(model, batch, labels, tolerance=1e-5):
    full_loss, full_grads = _loss_and_grads(model, batch, labels, compact=False)
    loss, grads = _loss_and_grads(model, batch, labels, compact=True)
    reference = model(**batch, labels=labels).loss  # the model's own loss over its full logits
    assert abs(loss - full_loss) <= tolerance and abs(loss - reference) <= tolerance * max(1, abs(reference))
    assert grads.keys() == full_grads.keys() and grads
    for name, grad in grads.items():
        assert torch.allclose(grad, full_grads[name], atol=tolerance, rtol=tolerance), name


@pytest.fixture
def tiny_lora():
    from peft import LoraConfig, get_peft_model
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=3000, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2)
    model = get_peft_model(Qwen2ForCausalLM(config), LoraConfig(r=4, target_modules=["q_proj", "v_proj"],
                                                                 task_type="CAUSAL_LM", init_lora_weights=False))
    return model


def test_the_label_only_head_gives_the_same_loss_and_gradients_on_a_tiny_model(tiny_lora):
    batch, labels = _batch(3000)
    _assert_equal(tiny_lora, batch, labels)


def test_the_cpu_switch_scores_only_the_labelled_positions(tiny_lora):
    batch, labels = _batch(3000)
    labelled = int((labels[:, 1:] != -100).sum())
    head_only_where_labelled()
    assert _rows_scored(tiny_lora, batch, labels) == labelled
    original = trl_utils._use_triton
    trl_utils._use_triton = _fixed(False)  # trl's own CPU behaviour: every position
    try:
        assert _rows_scored(tiny_lora, batch, labels) == labels[:, 1:].numel() > labelled
    finally:
        trl_utils._use_triton = original


def test_a_wrong_shift_would_be_caught(tiny_lora):
    """The comparison can fail: labels one position off give another loss."""
    batch, labels = _batch(3000)
    loss, _ = _loss_and_grads(tiny_lora, batch, labels, compact=True)
    shifted, _ = _loss_and_grads(tiny_lora, batch, torch.roll(labels, 1, dims=1), compact=True)
    assert abs(loss - shifted) > 1e-3


@pytest.mark.slow
def test_the_label_only_head_gives_the_same_loss_and_gradients_on_gemma_270m():
    from peft import LoraConfig, get_peft_model

    from helpers.models import load_causal_lm

    model, _ = load_causal_lm("gemma3-270m", dtype=torch.float32)
    model = get_peft_model(model, LoraConfig(r=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM",
                                             init_lora_weights=False))
    batch, labels = _batch(model.config.vocab_size, rows=3, length=40)
    _assert_equal(model, batch, labels, tolerance=1e-5)
