"""Shared fixtures: real packaged models are loaded once per test session."""

import pytest

import helpers  # noqa: F401  (applies the offline defaults before any HF import)
from helpers.env import set_hub_offline

set_hub_offline(True)


@pytest.fixture(scope="session")
def qwen():
    """The packaged Qwen2.5-Coder-0.5B-Instruct (model, tokenizer)."""
    from helpers.models import load_causal_lm

    return load_causal_lm("qwen2.5-coder-0.5b-instruct")


@pytest.fixture(scope="session")
def tiny_causal_lm(qwen):
    """A random-initialised 2-layer Qwen2 with the real Qwen tokenizer, for fast plumbing tests."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    _, tokenizer = qwen
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    return Qwen2ForCausalLM(config).eval(), tokenizer


@pytest.fixture
def chromium():
    """The system Chromium's path; the test is skipped, saying what to install, where there is none."""
    from helpers.browser import BrowserNotAvailable, chromium_path

    try:
        return chromium_path()
    except BrowserNotAvailable as error:
        pytest.skip(str(error))
