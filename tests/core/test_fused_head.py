"""The helpers on a trl without the device-aware fused head (the unsloth step's trl 1.15): the plain torch
path gives trl's quantities, labelled_loss falls back to the model's own loss, and training still runs."""

import pytest
import torch

from helpers.fused_head import kernel_on_any_device, plain_logprob


def _reference(hidden, weight, targets):
    logits = (hidden @ weight.T).float()
    return torch.log_softmax(logits, -1).gather(1, targets[:, None])[:, 0], logits


def test_plain_logprob_gives_the_log_probabilities_entropy_and_top1_with_their_gradients():
    generator = torch.Generator().manual_seed(0)
    hidden = torch.randn(6, 8, generator=generator, requires_grad=True)
    weight = torch.randn(11, 8, generator=generator, requires_grad=True)
    targets = torch.tensor([0, 3, 3, 10, 5, 1])
    logprobs, entropy, _, _, top1 = plain_logprob(hidden, weight, None, targets, 1.0, 4, None, 1.0,
                                                  ("log_probs", "entropy", "is_top1"))
    expected, logits = _reference(hidden, weight, targets)
    assert torch.allclose(logprobs, expected, atol=1e-6)
    p = torch.softmax(logits, -1)
    assert torch.allclose(entropy, -(p * torch.log(p)).sum(-1), atol=1e-5)
    assert torch.equal(top1, logits.argmax(-1) == targets)
    grad, = torch.autograd.grad(logprobs.sum(), hidden)
    grad_ref, = torch.autograd.grad(expected.sum(), hidden)
    assert torch.allclose(grad, grad_ref, atol=1e-6)


def test_a_triton_only_kernel_is_bypassed_off_the_gpu(monkeypatch):
    import trl.trainer.utils as trl_utils

    class TritonOnly:  # trl 1.15's kernel: it has no CPU path
        @staticmethod
        def apply(*args):
            raise RuntimeError("0 active drivers ([]). There should only be one.")

    monkeypatch.delattr(trl_utils, "_use_triton", raising=False)
    monkeypatch.setattr(trl_utils, "_ChunkedLogProbFunction", TritonOnly)
    assert kernel_on_any_device() is True
    hidden, weight, targets = torch.randn(3, 4), torch.randn(5, 4), torch.tensor([1, 2, 4])
    logprobs = trl_utils._ChunkedLogProbFunction.apply(hidden, weight, None, targets, 1.0, 8, None, 1.0, ("log_probs",))[0]
    assert torch.allclose(logprobs, _reference(hidden, weight, targets)[0], atol=1e-6)
    monkeypatch.setattr(trl_utils, "_ChunkedLogProbFunction", TritonOnly)
    monkeypatch.setattr(trl_utils, "_use_triton", lambda device: True, raising=False)
    assert kernel_on_any_device() is False and trl_utils._ChunkedLogProbFunction is TritonOnly  # 1.16: left alone


def test_labelled_loss_without_trls_fused_head_is_the_models_own_loss(monkeypatch, tiny_causal_lm):
    import trl.trainer.utils as trl_utils

    from helpers.training import labelled_loss

    model, _ = tiny_causal_lm
    ids = torch.randint(5, 200, (2, 12), generator=torch.Generator().manual_seed(1))
    labels = ids.clone()
    labels[:, :8] = -100
    monkeypatch.delattr(trl_utils, "add_fused_lm_head")
    with torch.no_grad():
        loss = labelled_loss(model, labels, input_ids=ids, attention_mask=torch.ones_like(ids))
        expected = model(input_ids=ids, labels=labels).loss
    assert torch.allclose(loss, expected)


@pytest.mark.slow
@pytest.mark.skipif(hasattr(__import__("trl.trainer.utils").trainer.utils, "_use_triton"),
                    reason="trl >= 1.16 picks its CPU path itself; make test-drift runs this on the unsloth step's "
                           "trl 1.15, whose Triton-only kernel fails on a CPU")
def test_train_lora_trains_on_the_cpu_with_trls_triton_only_kernel(tiny_causal_lm, tmp_path):
    import copy

    import trl.trainer.utils as trl_utils

    from helpers.training import lora_config, sft_config, train_lora

    model, tokenizer = tiny_causal_lm
    model = copy.deepcopy(model)
    rows = [{"prompt": "Hola,", "completion": " qué tal"}] * 4
    _, history = train_lora(model, tokenizer, rows, sft_config(tmp_path, 2, 2, 1, max_length=32), lora_config(model))
    assert len(history) == 2 and all(h["loss"] == h["loss"] for h in history)
    assert trl_utils._ChunkedLogProbFunction.llm_studies_any_device  # the plain path trained it
