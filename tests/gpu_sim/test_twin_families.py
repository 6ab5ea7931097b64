"""Twins that hide less: stored in the checkpoint's dtype, with the real tokenizer families, and the
helpers keep trainable weights in fp32 whatever the checkpoint stores."""

import json

import pytest
import torch

from helpers.gpu_models import CHECKPOINT_DTYPE


@pytest.fixture
def twins(twins_dir, monkeypatch):
    monkeypatch.setenv("LLM_STUDIES_MODEL_TWINS", str(twins_dir))
    return twins_dir


def _folder(twins_dir, hub_id):
    return twins_dir / hub_id.replace("/", "__")


@pytest.mark.parametrize("hub_id", sorted(CHECKPOINT_DTYPE))
def test_twins_are_stored_in_the_checkpoints_dtype(twins, hub_id):
    from safetensors import safe_open

    with safe_open(_folder(twins, hub_id) / "model.safetensors", "pt") as weights:
        dtypes = {weights.get_slice(name).get_dtype() for name in weights.keys()}
    expected = {"float16": "F16", "bfloat16": "BF16"}[CHECKPOINT_DTYPE[hub_id]]
    assert dtypes == {expected}


def test_a_fp16_checkpoint_trains_fp32_weights_in_the_classifier(twins):
    from transformers import AutoModelForSequenceClassification

    from helpers.models import load_sequence_classifier

    hub_id = "microsoft/deberta-v3-base"
    stored = AutoModelForSequenceClassification.from_pretrained(_folder(twins, hub_id), num_labels=2)
    assert stored.dtype == torch.float16  # transformers 5 keeps it: what finding 4 is about
    model, _ = load_sequence_classifier(hub_id, ["neg", "pos"])
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert trainable and all(p.dtype == torch.float32 for p in trainable)


@pytest.mark.slow
@pytest.mark.parametrize("hub_id", ["google/gemma-2b-it", "microsoft/Phi-3-mini-4k-instruct"])
def test_lora_trains_fp32_adapters_on_a_bf16_checkpoint(twins, hub_id, tmp_path):
    from helpers.models import load_for_finetuning
    from helpers.training import lora_config, sft_config, train_lora

    model, tokenizer = load_for_finetuning(hub_id, "local", 64)
    rows = [{"prompt": "Hola,", "completion": " qué tal"}] * 4
    tuned, history = train_lora(model, tokenizer, rows, sft_config(tmp_path, 1, 2, 1, max_length=64), lora_config(model))
    trainable = [p for p in tuned.parameters() if p.requires_grad]
    assert history and trainable and all(p.dtype == torch.float32 for p in trainable)


def test_gemma_twin_has_gemmas_own_large_vocabulary(twins):
    from helpers.models import load_tokenizer

    tokenizer = load_tokenizer("google/gemma-2b-it")
    assert len(tokenizer) > 256_000 and tokenizer.bos_token == "<bos>"
    config = json.loads((_folder(twins, "google/gemma-2b-it") / "config.json").read_text())
    assert config["vocab_size"] == len(tokenizer)


def test_gpt2_twin_has_no_pad_token_and_the_helpers_batch_it_anyway(twins):
    from transformers import AutoTokenizer

    from helpers.generation import PLAIN_CHAT_TEMPLATE, generate
    from helpers.models import load_causal_lm

    raw = AutoTokenizer.from_pretrained(_folder(twins, "DeepESP/gpt2-spanish"))
    assert raw.pad_token is None and raw.chat_template is None and raw.eos_token == "<|endoftext|>"
    model, tokenizer = load_causal_lm("DeepESP/gpt2-spanish")
    assert tokenizer.pad_token == tokenizer.eos_token and tokenizer.chat_template == PLAIN_CHAT_TEMPLATE
    out = generate(model, tokenizer, ["Hola", "¿Qué planes tienes para el fin de semana?"], max_new_tokens=3,
                   progress=False)
    assert len(out.texts) == 2


def test_phi3_twin_ends_turns_with_a_token_that_is_not_its_eos(twins):
    from helpers.generation import _count_new_tokens, _eos_ids, chat_prompt
    from helpers.models import load_causal_lm

    model, tokenizer = load_causal_lm("microsoft/Phi-3-mini-4k-instruct")
    end = tokenizer.convert_tokens_to_ids("<|end|>")
    assert tokenizer.eos_token == "<|endoftext|>" and end != tokenizer.eos_token_id
    assert end in _eos_ids(model, tokenizer)  # generation stops at the end of the turn, not only at eos
    assert _count_new_tokens(torch.tensor([[11, 12, end, 13, 14]]), _eos_ids(model, tokenizer)) == 3
    assert chat_prompt(tokenizer, [{"role": "user", "content": "hola"}]).endswith("<|end|>\n<|assistant|>\n")
