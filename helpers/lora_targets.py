"""LoRA target module names per architecture (attention projections q, k, v and output o)."""

# LoRA target names per architecture: attention projections (q, k, v) and the output (o).
_ATTENTION_NAMES = {
    "bert": {"q": "query", "k": "key", "v": "value", "o": "attention.output.dense"},
    "roberta": {"q": "query", "k": "key", "v": "value", "o": "attention.output.dense"},
    "xlm-roberta": {"q": "query", "k": "key", "v": "value", "o": "attention.output.dense"},
    "mpnet": {"q": "q", "k": "k", "v": "v", "o": "o"},
    "deberta-v2": {"q": "query_proj", "k": "key_proj", "v": "value_proj", "o": "attention.output.dense"},
    "distilbert": {"q": "q_lin", "k": "k_lin", "v": "v_lin", "o": "out_lin"},
    "gpt2": {"q": "c_attn", "k": "c_attn", "v": "c_attn", "o": "c_proj"},
    "phi3": {"q": "qkv_proj", "k": "qkv_proj", "v": "qkv_proj", "o": "o_proj"},
}
_LLAMA_STYLE = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "o_proj"}  # llama, qwen2, gemma, mistral...


def lora_target_modules(model_type: str, parts: str = "qv") -> list[str]:
    """LoRA target module names for an architecture, e.g. ('deberta-v2', 'qkv')."""
    names = _ATTENTION_NAMES.get(model_type, _LLAMA_STYLE)
    unknown = set(parts) - set(names)
    if unknown:
        raise ValueError(f"parts must be letters from 'qkvo', got {parts!r}")
    return list(dict.fromkeys(names[part] for part in parts))
