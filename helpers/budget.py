"""The memory table of docs/guia/colab.md: each gpu-profile model in its notebook's configuration, on a 15 GB T4."""


# Each gpu-profile model in its notebook's configuration (defaults of the parameters cell):
# (notebook, hub id, use, weights, batch, length, new tokens). Training rows are LoRA r=8 on q,k,v,o.
NOTEBOOK_CONFIGS = [
    ("01", "google/gemma-2b-it", "none", "bfloat16", 15, 768, 120),  # 5 dialogues x 3 lists per call
    ("01", "google/gemma-2b-it", "lora", "bfloat16", 4, 768, 0),
    ("01", "Qwen/Qwen2.5-1.5B-Instruct", "lora", "bfloat16", 4, 768, 0),
    ("02", "DeepESP/gpt2-spanish", "lora", "bfloat16", 2, 256, 0),
    ("02", "HuggingFaceTB/SmolLM3-3B", "lora", "bfloat16", 2, 256, 0),
    ("02", "microsoft/Phi-3-mini-4k-instruct", "lora", "bfloat16", 2, 256, 0),
    ("03", "microsoft/deberta-v3-base", "full", "float32", 32, 256, 0),
    ("03", "FacebookAI/roberta-base", "full", "float32", 32, 256, 0),
    ("03", "Qwen/Qwen2.5-7B-Instruct", "none", "bfloat16", 16, 512, 4),
    ("03", "Qwen/Qwen2.5-7B-Instruct", "none", "4bit", 16, 512, 4),
    ("04", "Qwen/Qwen2.5-1.5B-Instruct", "none", "bfloat16", 1, 2200, 120),  # 3 chunks of <=500 words
    ("04", "microsoft/Phi-3.5-mini-instruct", "none", "4bit", 1, 2200, 120),
    ("04", "sentence-transformers/paraphrase-multilingual-mpnet-base-v2", "none", "bfloat16", 32, 128, 0),
    ("05", "Qwen/Qwen2.5-1.5B-Instruct", "none", "bfloat16", 1, 512, 48),
    ("05", "openai-community/gpt2", "none", "bfloat16", 1, 512, 48),
    ("06", "sentence-transformers/all-mpnet-base-v2", "none", "bfloat16", 32, 128, 0),
]


def budget_rows(gpu_gib: float = 15.0) -> list[dict]:
    """One row per NOTEBOOK_CONFIGS entry: GiB per component, total, and whether it fits the GPU."""
    from helpers.gpu_models import head_of, hub_config
    from helpers.memory import GIB, estimate, fits
    from helpers.models import lora_target_modules

    rows = []
    for notebook, hub_id, use, weights, batch, length, new in NOTEBOOK_CONFIGS:
        config = hub_config(hub_id)
        head = "causal" if head_of(hub_id) == "causal" else "encoder"
        targets = lora_target_modules(config.model_type, "qkvo") if use == "lora" else None
        peak = estimate(config, head, training=use, weights=weights, batch=batch, length=length,
                        new_tokens=new, lora_targets=targets)
        rows.append({"notebook": notebook, "model": hub_id, "use": use, "weights_as": weights,
                     "batch x length": f"{batch} x {length + new}",
                     **{k: round(getattr(peak, k) / GIB, 2) for k in ("weights", "adapters", "optimizer", "activations")},
                     "total_gib": round(peak.total_gib, 1), "fits": fits(peak, gpu_gib)})
    return rows
