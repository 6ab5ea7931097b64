"""A stand-in for unsloth (tests only) with the two traits of unsloth's source that break inference:
importing it patches the model classes themselves, for every model of the class in the process
(unsloth/models/llama.py, pre_patch: `LlamaForCausalLM.forward = CausalLM_fast_forward(...)`), and the
patched forward returns its KV cache as tuples and takes a one-token path when given past_key_values.
Here that path raises, so any inference that reaches a patched class fails loudly; training (no cache
passed in) works. Each call is logged to $FAKE_UNSLOTH_LOG with this process's id."""

import json
import os

import torch

_PATCHED = "fake_unsloth_patched"


def _log(event: str, **facts) -> None:
    path = os.environ.get("FAKE_UNSLOTH_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"event": event, "pid": os.getpid(), **facts}) + "\n")


def _patch_class(cls) -> None:
    """Replace cls.forward, as unsloth's pre_patch does, for every instance in this process."""
    if getattr(cls.forward, _PATCHED, False):
        return
    original = cls.forward

    def forward(self, *args, past_key_values=None, **kwargs):
        if past_key_values is not None and (not hasattr(past_key_values, "get_seq_length")
                                            or past_key_values.get_seq_length() > 0):
            raise RuntimeError("fake unsloth: inference with past_key_values reached a patched model class")
        output = original(self, *args, **kwargs)
        cache = getattr(output, "past_key_values", None)
        if cache is not None and hasattr(cache, "layers"):  # unsloth's forward hands back legacy tuples
            output.past_key_values = tuple((layer.keys, layer.values) for layer in cache.layers)
        return output

    setattr(forward, _PATCHED, True)
    cls.forward = forward


_log("import")


class FastLanguageModel:
    """The two calls helpers.unsloth_train makes."""

    @staticmethod
    def from_pretrained(model_name, max_seq_length=None, dtype=None, load_in_4bit=False, revision=None,
                        use_exact_model_name=False, **kwargs):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        _log("from_pretrained", model_name=str(model_name), dtype=str(dtype), load_in_4bit=load_in_4bit,
             revision=revision, use_exact_model_name=use_exact_model_name, max_seq_length=max_seq_length)
        model = AutoModelForCausalLM.from_pretrained(model_name, dtype=dtype or torch.float32)
        _patch_class(type(model))
        tokenizer = AutoTokenizer.from_pretrained(model_name)
        tokenizer.padding_side = "right"  # as unsloth leaves it after get_peft_model and training
        return model, tokenizer

    @staticmethod
    def get_peft_model(model, r=8, lora_alpha=16, lora_dropout=0.0, target_modules=None,
                       use_gradient_checkpointing=False, random_state=0, **kwargs):
        from peft import LoraConfig, get_peft_model

        _log("get_peft_model", r=r, target_modules=list(target_modules or []))
        torch.manual_seed(random_state)
        return get_peft_model(model, LoraConfig(r=r, lora_alpha=lora_alpha, lora_dropout=lora_dropout,
                                                target_modules=target_modules, task_type="CAUSAL_LM"))
