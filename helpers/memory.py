"""Peak GPU memory estimates from a model config: weights, adapters, optimizer state, activations."""

from dataclasses import dataclass

GIB = 2**30
T4_GIB = 15.0  # what Colab's T4 offers (nvidia-smi: 15,360 MiB)
OVERHEAD_GIB = 0.8  # CUDA context, allocator fragmentation and kernels' workspaces
_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2, "4bit": 4.127 / 8, "8bit": 1}  # NF4 + double-quant scales


@dataclass(frozen=True)
class Estimate:
    """Bytes per component of one configuration's peak, and their sum."""

    weights: float
    adapters: float
    optimizer: float  # gradients and two Adam moments of the trainable weights, fp32
    activations: float  # kept for the backward pass (training) or KV cache and logits (inference)

    @property
    def total_gib(self) -> float:
        """The estimated peak in GiB, overhead included."""
        return (self.weights + self.adapters + self.optimizer + self.activations) / GIB + OVERHEAD_GIB


def parameter_counts(config, head: str = "causal", lora_targets: list[str] | None = None, r: int = 8):
    """(linear-layer params, other params, LoRA params) of the model a config builds, counted on meta."""
    import torch
    from transformers import AutoModel, AutoModelForCausalLM

    with torch.device("meta"):  # shapes only: no memory, no download
        model = (AutoModelForCausalLM if head == "causal" else AutoModel).from_config(config)
    linear = other = lora = 0
    seen = set()  # a tied lm_head shares the embedding's tensor: count it once
    for name, module in model.named_modules():
        own = sum(p.numel() for p in module.parameters(recurse=False) if id(p) not in seen)
        seen.update(id(p) for p in module.parameters(recurse=False))
        is_linear = isinstance(module, torch.nn.Linear) or type(module).__name__ == "Conv1D"
        if is_linear and not name.endswith("lm_head"):  # bitsandbytes keeps lm_head in 16 bits
            linear += own
            if lora_targets and name.split(".")[-1] in lora_targets:
                lora += r * sum(module.weight.shape)  # A: r x in, B: out x r
        else:
            other += own
    return linear, other, lora


def _shape(config):
    hidden = getattr(config, "hidden_size", None) or config.n_embd
    layers = getattr(config, "num_hidden_layers", None) or config.n_layer
    heads = getattr(config, "num_attention_heads", None) or config.n_head
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or hidden // heads
    return hidden, layers, kv_heads, head_dim


def estimate(config, head: str = "causal", *, training: str = "none", weights: str = "bfloat16",
             batch: int = 1, length: int = 512, new_tokens: int = 0, lora_targets=None, r: int = 8) -> Estimate:
    """Peak memory of one configuration: training 'none', 'lora' or 'full'; weights a dtype name or '4bit'."""
    linear, other, lora = parameter_counts(config, head, lora_targets if training == "lora" else None, r)
    hidden, layers, kv_heads, head_dim = _shape(config)
    half = _BYTES["bfloat16"]
    weight_bytes = linear * _BYTES[weights] + other * (half if weights in ("4bit", "8bit") else _BYTES[weights])
    vocab_logits = config.vocab_size * 4 if head == "causal" else 0  # logits are upcast to fp32
    if training == "none":
        tokens = batch * (length + new_tokens)
        kv_cache = 2 * layers * kv_heads * head_dim * tokens * half if head == "causal" else 0
        hidden_states = 4 * batch * (length + new_tokens) * hidden * half  # a few live layer buffers
        return Estimate(weight_bytes, 0.0, 0.0, kv_cache + hidden_states + batch * vocab_logits)
    trainable = lora if training == "lora" else linear + other
    adapters = lora * 4
    optimizer = trainable * (4 + 8) + (trainable * 4 if training == "full" and weights != "float32" else 0)
    tokens = batch * length
    # Korthikanti et al. (2022) with a fused attention kernel: ~34 bytes per token and width per layer.
    per_layer = 34 * tokens * hidden
    if config.model_type == "deberta-v2":  # disentangled attention has no fused kernel: scores are kept
        per_layer += 5 * config.num_attention_heads * length * tokens
    logits = tokens * vocab_logits * 2  # the fp32 logits and their gradient
    return Estimate(weight_bytes, adapters, optimizer, layers * per_layer + logits)


def fits(estimate_: Estimate, gpu_gib: float = T4_GIB) -> bool:
    """True when the estimated peak stays under 90% of the GPU's memory."""
    return estimate_.total_gib <= 0.9 * gpu_gib


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


def budget_rows(gpu_gib: float = T4_GIB) -> list[dict]:
    """One row per NOTEBOOK_CONFIGS entry: GiB per component, total, and whether it fits the GPU."""
    from helpers.gpu_models import head_of, hub_config
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
