"""The gpu profile's Hub models as configs (shapes from their config.json): memory budgets and tiny twins."""

# hub id -> (model_type, head, config keyword arguments). Only the fields that shape memory are kept.
HUB_CONFIGS = {
    "google/gemma-2b-it": ("gemma", "causal", dict(
        vocab_size=256000, hidden_size=2048, intermediate_size=16384, num_hidden_layers=18,
        num_attention_heads=8, num_key_value_heads=1, head_dim=256, max_position_embeddings=8192)),
    "Qwen/Qwen2.5-1.5B-Instruct": ("qwen2", "causal", dict(
        vocab_size=151936, hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
        num_attention_heads=12, num_key_value_heads=2, tie_word_embeddings=True)),
    "Qwen/Qwen2.5-7B-Instruct": ("qwen2", "causal", dict(
        vocab_size=152064, hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
        num_attention_heads=28, num_key_value_heads=4, tie_word_embeddings=False)),
    "DeepESP/gpt2-spanish": ("gpt2", "causal", dict(
        vocab_size=50257, n_embd=768, n_layer=12, n_head=12, n_positions=1024)),
    "openai-community/gpt2": ("gpt2", "causal", dict(
        vocab_size=50257, n_embd=768, n_layer=12, n_head=12, n_positions=1024)),
    "HuggingFaceTB/SmolLM3-3B": ("smollm3", "causal", dict(
        vocab_size=128256, hidden_size=2048, intermediate_size=11008, num_hidden_layers=36,
        num_attention_heads=16, num_key_value_heads=4, tie_word_embeddings=True)),
    "microsoft/Phi-3-mini-4k-instruct": ("phi3", "causal", dict(
        vocab_size=32064, hidden_size=3072, intermediate_size=8192, num_hidden_layers=32,
        num_attention_heads=32, num_key_value_heads=32, max_position_embeddings=4096)),
    "microsoft/Phi-3.5-mini-instruct": ("phi3", "causal", dict(
        vocab_size=32064, hidden_size=3072, intermediate_size=8192, num_hidden_layers=32,
        num_attention_heads=32, num_key_value_heads=32, max_position_embeddings=4096)),
    "microsoft/deberta-v3-base": ("deberta-v2", "classifier", dict(
        vocab_size=128100, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
        num_attention_heads=12, relative_attention=True, position_buckets=256, max_relative_positions=-1,
        pos_att_type=["p2c", "c2p"], norm_rel_ebd="layer_norm", share_att_key=True,
        position_biased_input=False, type_vocab_size=0)),
    "FacebookAI/roberta-base": ("roberta", "classifier", dict(
        vocab_size=50265, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
        num_attention_heads=12, max_position_embeddings=514, type_vocab_size=1)),
    "sentence-transformers/paraphrase-multilingual-mpnet-base-v2": ("xlm-roberta", "embedder", dict(
        vocab_size=250002, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
        num_attention_heads=12, max_position_embeddings=514, type_vocab_size=1)),
    "sentence-transformers/all-MiniLM-L6-v2": ("bert", "embedder", dict(
        vocab_size=30522, hidden_size=384, intermediate_size=1536, num_hidden_layers=6,
        num_attention_heads=12)),
    "sentence-transformers/all-mpnet-base-v2": ("mpnet", "embedder", dict(
        vocab_size=30527, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
        num_attention_heads=12, max_position_embeddings=514)),
    # jina-embeddings-v2 is a BERT variant (ALiBi) whose code lives on the Hub: no twin without remote code.
    "jinaai/jina-embeddings-v2-base-es": ("bert", "embedder", dict(
        vocab_size=61056, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
        num_attention_heads=12, max_position_embeddings=8192)),
}
REMOTE_CODE_MODELS = {"jinaai/jina-embeddings-v2-base-es"}
# The dtype each checkpoint is stored in (transformers 5 loads that dtype unless told otherwise); the
# twins are saved the same way. deberta-v3 is stored in fp16: its ~370 MB weight file for 184M parameters,
# and microsoft/DeBERTa#106 (the v3 checkpoints come from mixed-precision training and double in size
# once saved in fp32). The bf16 ones declare it in their config.json ("torch_dtype": "bfloat16"), as
# recalled from their model pages (no Hub access here to re-read them); unlisted ones are fp32.
CHECKPOINT_DTYPE = {
    "microsoft/deberta-v3-base": "float16",
    "google/gemma-2b-it": "bfloat16", "Qwen/Qwen2.5-1.5B-Instruct": "bfloat16", "Qwen/Qwen2.5-7B-Instruct": "bfloat16",
    "HuggingFaceTB/SmolLM3-3B": "bfloat16", "microsoft/Phi-3-mini-4k-instruct": "bfloat16",
    "microsoft/Phi-3.5-mini-instruct": "bfloat16",
}

# Tiny twin sizes: same config class, two layers, small widths (heads divide the width).
TWIN_SHAPE = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, head_dim=16)
_GPT2_TWIN = dict(n_embd=64, n_layer=2, n_head=4, n_inner=128)


def hub_config(hub_id: str, **changes):
    """A transformers config with the real model's shape (no download)."""
    from transformers import AutoConfig

    if hub_id not in HUB_CONFIGS:
        raise KeyError(f"no stored config for {hub_id!r}; known: {', '.join(HUB_CONFIGS)}")
    model_type, _, kwargs = HUB_CONFIGS[hub_id]
    return AutoConfig.for_model(model_type, **{**kwargs, **changes})


def twin_config(hub_id: str, vocab_size: int, **changes):
    """The config of a tiny random twin: same class and options, small widths, the given vocabulary."""
    model_type, _, kwargs = HUB_CONFIGS[hub_id]
    if model_type == "gpt2":
        shape = _GPT2_TWIN
    else:
        shape = {k: v for k, v in TWIN_SHAPE.items() if k in kwargs or k in ("hidden_size", "num_hidden_layers")}
        shape.setdefault("intermediate_size", 128)
        shape.setdefault("num_attention_heads", 4)
        if kwargs.get("num_key_value_heads") == kwargs.get("num_attention_heads"):
            shape["num_key_value_heads"] = shape["num_attention_heads"]  # Phi-3: no grouped queries
    return hub_config(hub_id, **{**shape, "vocab_size": vocab_size, **changes})


def head_of(hub_id: str) -> str:
    """'causal', 'classifier' or 'embedder'."""
    return HUB_CONFIGS[hub_id][1]
