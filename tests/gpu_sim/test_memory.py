"""Memory estimates against a hand computation, and the 4-bit decision for a 15 GB T4."""

import pytest

from helpers.gpu_models import hub_config
from helpers.memory import GIB, OVERHEAD_GIB, estimate, fits, parameter_counts


def _gpt2_hand_count(vocab=1000, positions=64, width=32, layers=2):
    # per block: ln1, ln2 (2*2w), c_attn w*3w+3w, c_proj w*w+w, mlp c_fc w*4w+4w, c_proj 4w*w+w
    linear = layers * (width * 3 * width + 3 * width + width * width + width + 8 * width * width + 5 * width)
    other = vocab * width + positions * width + layers * 4 * width + 2 * width  # embeddings and norms
    return linear, other


def test_parameter_counts_match_a_hand_count_for_gpt2():
    from transformers import GPT2Config

    config = GPT2Config(vocab_size=1000, n_positions=64, n_embd=32, n_layer=2, n_head=2)
    linear, other, lora = parameter_counts(config, "causal", ["c_attn"], r=4)
    assert (linear, other) == _gpt2_hand_count()
    assert lora == 2 * 4 * (32 + 96)  # A (r x in) + B (out x r) per layer


def test_estimate_adds_weights_adapters_optimizer_and_activations_by_hand():
    from transformers import GPT2Config

    config = GPT2Config(vocab_size=1000, n_positions=64, n_embd=32, n_layer=2, n_head=2)
    linear, other = _gpt2_hand_count()
    lora = 2 * 8 * (32 + 96)
    got = estimate(config, training="lora", weights="bfloat16", batch=2, length=16, lora_targets=["c_attn"], r=8)
    assert got.weights == 2 * (linear + other)
    assert got.adapters == 4 * lora and got.optimizer == 12 * lora
    assert got.activations == 2 * 34 * 2 * 16 * 32 + 2 * 16 * 1000 * 4 * 2
    assert got.total_gib == pytest.approx((got.weights + got.adapters + got.optimizer + got.activations) / GIB
                                          + OVERHEAD_GIB)
    inference = estimate(config, weights="bfloat16", batch=1, length=10, new_tokens=6)
    assert inference.activations == 2 * 2 * 2 * 16 * 16 * 2 + 4 * 16 * 32 * 2 + 1000 * 4  # KV, states, logits


def test_qwen_7b_needs_4_bit_on_a_t4_and_fits_in_it():
    config = hub_config("Qwen/Qwen2.5-7B-Instruct")
    full, quantised = estimate(config), estimate(config, weights="4bit")
    assert 14 < full.weights / GIB < 14.5 and not fits(full)  # 15.2 GB: more than a T4's 15 GiB allows
    assert quantised.total_gib < 7 and fits(quantised)
    assert fits(estimate(hub_config("Qwen/Qwen2.5-1.5B-Instruct")))


def test_budget_bits_quantises_only_what_does_not_fit(monkeypatch):
    from helpers.models import budget_bits

    monkeypatch.setenv("LLM_STUDIES_GPU_MEMORY_GB", "15")
    assert budget_bits("Qwen/Qwen2.5-7B-Instruct") == 4
    assert budget_bits("Qwen/Qwen2.5-1.5B-Instruct") is None
    assert budget_bits("gemma3-270m") is None  # local models are never quantised by the budget
    monkeypatch.setenv("LLM_STUDIES_GPU_MEMORY_GB", "80")
    assert budget_bits("Qwen/Qwen2.5-7B-Instruct") is None


def test_every_notebook_configuration_that_does_not_fit_a_t4_is_quantised_or_named(monkeypatch):
    from helpers.budget import budget_rows
    from helpers.models import budget_bits

    rows = budget_rows()
    assert {row["notebook"] for row in rows} == {"01", "02", "03", "04", "05", "06"}
    monkeypatch.setenv("LLM_STUDIES_GPU_MEMORY_GB", "15")
    for row in rows:
        if not row["fits"]:  # the loaders must choose 4 bits for it on a T4
            batch, length = map(int, row["batch x length"].split(" x "))
            assert budget_bits(row["model"], row["use"], batch=batch, length=length) == 4, row


def test_the_budget_counts_what_is_resident_and_release_frees_it(monkeypatch):
    import gc

    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from helpers.gpu_plan import ModelReleasedError, release, resident_gib, track, weight_plan

    monkeypatch.setenv("LLM_STUDIES_GPU_MEMORY_GB", "15")  # a T4: Qwen-1.5B in fp32 (~6 GiB) fits an empty one
    assert resident_gib() == 0 and weight_plan("Qwen/Qwen2.5-1.5B-Instruct").bits is None
    first = GPT2LMHeadModel(GPT2Config(n_embd=16, n_layer=1, n_head=2, vocab_size=32))
    track(first, "microsoft/Phi-3-mini-4k-instruct", 9.0)  # as if a 9 GiB model were still loaded
    assert resident_gib() == 9.0
    plan = weight_plan("Qwen/Qwen2.5-1.5B-Instruct")
    assert plan.bits == 4 and "6.0 GiB libres" in plan.note
    release(first)
    assert resident_gib() == 0 and weight_plan("Qwen/Qwen2.5-1.5B-Instruct").bits is None
    with pytest.raises(ModelReleasedError, match="se liberó"):
        first(input_ids=torch.tensor([[1, 2]]))
    second = GPT2LMHeadModel(GPT2Config(n_embd=16, n_layer=1, n_head=2, vocab_size=32))
    track(second, "x", 9.0)
    del second
    gc.collect()
    assert resident_gib() == 0  # a model the notebook dropped no longer counts


def test_release_frees_a_4bit_model_too(tmp_path):
    """bitsandbytes' Params4bit cannot move to the meta device: release drops them instead (02's comparison)."""
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig, GPT2Config, GPT2LMHeadModel

    from helpers.gpu_plan import ModelReleasedError, release

    GPT2LMHeadModel(GPT2Config(n_embd=64, n_layer=1, n_head=2, vocab_size=64)).save_pretrained(tmp_path)
    model = AutoModelForCausalLM.from_pretrained(tmp_path, quantization_config=BitsAndBytesConfig(load_in_4bit=True))
    assert any(type(p).__name__ == "Params4bit" for p in model.parameters())
    release(model)
    assert all(p.device.type == "meta" for p in model.parameters())
    with pytest.raises(ModelReleasedError):
        model(input_ids=torch.tensor([[1, 2]]))
