import time

import pytest
import torch

from helpers.models import (
    ModelNotAvailableError,
    load_causal_lm,
    load_sequence_classifier,
    lora_target_modules,
)
from helpers.registry import LOCAL_MODELS, ROLES, model_for, resolve


def _tiny_encoder(model_type):
    from transformers import AutoConfig, AutoModelForSequenceClassification

    config = AutoConfig.for_model(model_type, vocab_size=100, hidden_size=32, num_hidden_layers=1,
                                  num_attention_heads=2, intermediate_size=37, num_labels=2)
    return AutoModelForSequenceClassification.from_config(config)


@pytest.mark.parametrize("model_type,expected", [
    ("bert", ["query", "value"]),
    ("roberta", ["query", "value"]),
    ("mpnet", ["q", "v"]),
    ("deberta-v2", ["query_proj", "value_proj"]),
])
def test_lora_targets_match_real_module_names(model_type, expected):
    from peft import LoraConfig, get_peft_model

    assert lora_target_modules(model_type, "qv") == expected
    model = _tiny_encoder(model_type)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=16, task_type="SEQ_CLS",
                                                  target_modules=lora_target_modules(model_type, "qkv")))
    trainable, total = peft_model.get_nb_trainable_parameters()
    lora_layers = [n for n, _ in peft_model.named_modules() if n.endswith("lora_A")]
    assert len(lora_layers) == 3 and 0 < trainable < total


def test_lora_targets_default_to_llama_style_and_reject_bad_parts():
    assert lora_target_modules("qwen2", "qkvo") == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert lora_target_modules("gpt2", "qkv") == ["c_attn"]
    with pytest.raises(ValueError, match="qkvo"):
        lora_target_modules("bert", "qx")


def test_registry_every_role_resolves():
    for study, profiles in ROLES.items():
        assert set(profiles) == {"local", "gpu"}, study
        for profile, roles in profiles.items():
            for role in roles:
                ref = resolve(model_for(study, role, profile))
                assert ref.source == ("hub" if profile == "gpu" else ref.source)
                if profile == "local":
                    assert ref.alias in LOCAL_MODELS


def test_registry_override_and_errors():
    assert model_for("00_template", "instruct", "local", override="gemma3-270m") == "gemma3-270m"
    with pytest.raises(KeyError, match="roles"):
        model_for("00_template", "nope")
    with pytest.raises(KeyError, match="studies"):
        model_for("99_nope", "instruct")
    with pytest.raises(KeyError, match="Hub id"):
        resolve("not-a-model")


def test_missing_local_model_says_to_run_make_setup(monkeypatch, tmp_path):
    monkeypatch.setenv("LLM_STUDIES_CACHE", str(tmp_path))
    with pytest.raises(ModelNotAvailableError, match="make setup"):
        load_causal_lm("gemma3-270m")


def test_hub_model_offline_fails_in_one_clear_line():
    with pytest.raises(ModelNotAvailableError) as info:
        load_causal_lm("google/gemma-2b-it")
    message = str(info.value)
    assert "Hugging Face Hub" in message and "PROFILE='local'" in message and "\n" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_gemma_loads_from_prepared_cache_as_plain_model():
    start = time.perf_counter()
    model, tokenizer = load_causal_lm("gemma3-270m")
    assert model.config.model_type == "gemma3_text"
    assert getattr(model, "hf_quantizer", None) is None  # trainable and saveable, unlike the GGUF
    assert sum(p.numel() for p in model.parameters()) == pytest.approx(268e6, rel=0.01)
    assert "<start_of_turn>" in tokenizer.chat_template
    ids = tokenizer("La capital de España es", return_tensors="pt")
    with torch.inference_mode():
        logits = model(**ids).logits
    top = tokenizer.decode(logits[0, -1].argmax())
    assert logits.shape[-1] >= 262_000 and top.strip()
    print(f"gemma loaded and ran in {time.perf_counter() - start:.1f}s; next token {top!r}")


def test_gemma_loads_in_4bit_on_cpu():
    import bitsandbytes as bnb

    model, tokenizer = load_causal_lm("gemma3-270m", bits=4)
    assert isinstance(model.model.layers[0].self_attn.q_proj, bnb.nn.Linear4bit)
    ids = tokenizer("Hola", return_tensors="pt")
    with torch.inference_mode():
        assert torch.isfinite(model(**ids).logits).all()


def test_quantization_bits_are_checked():
    from helpers.models import quantization_config

    assert quantization_config(None) is None
    assert quantization_config(8).load_in_8bit
    with pytest.raises(ValueError, match="4, 8 or None"):
        quantization_config(3)


def test_sequence_classifier_gets_a_fresh_head_over_the_labels():
    model, tokenizer = load_sequence_classifier("all-MiniLM-L6-v2", ["negativo", "positivo"])
    assert model.config.id2label == {0: "negativo", 1: "positivo"}
    batch = tokenizer(["una gran película", "aburrida"], padding=True, return_tensors="pt")
    with torch.inference_mode():
        assert model(**batch).logits.shape == (2, 2)
    assert tokenizer.padding_side == "right"


def test_saved_adapter_is_reused_only_for_the_same_training_settings(tiny_causal_lm, tmp_path):
    import copy

    from peft import get_peft_model

    from helpers.training import lora_config, save_adapter, saved_adapter

    base, _ = tiny_causal_lm
    tuned = get_peft_model(copy.deepcopy(base), lora_config(base, r=4, alpha=8))
    for name, weight in tuned.named_parameters():
        if "lora_B" in name:  # peft starts B at zero; make the adapter change the output
            torch.nn.init.normal_(weight)
    settings = {"steps": 2, "lr": 2e-4, "batch": (1, 2)}
    save_adapter(tuned, tmp_path / "adapter", settings)
    assert saved_adapter(copy.deepcopy(base), tmp_path / "adapter", settings | {"steps": 3}) is None
    assert saved_adapter(copy.deepcopy(base), tmp_path / "missing", settings) is None
    reloaded = saved_adapter(copy.deepcopy(base), tmp_path / "adapter", settings)
    ids = torch.tensor([[1, 2, 3, 4]])
    with torch.inference_mode():
        assert torch.allclose(reloaded(input_ids=ids).logits, tuned.eval()(input_ids=ids).logits, atol=1e-5)
        assert not torch.allclose(reloaded(input_ids=ids).logits, base(input_ids=ids).logits, atol=1e-3)
