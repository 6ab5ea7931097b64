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
             batch: int = 1, length: int = 512, new_tokens: int = 0, lora_targets=None, r: int = 8,
             compute: str | None = None) -> Estimate:
    """Peak memory of one configuration: training 'none', 'lora' or 'full'; weights a dtype name or '4bit';
    compute: the dtype of activations and of the layers left unquantised (default 16 bits: autocast)."""
    linear, other, lora = parameter_counts(config, head, lora_targets if training == "lora" else None, r)
    hidden, layers, kv_heads, head_dim = _shape(config)
    compute = compute or "bfloat16"
    half = _BYTES[compute]  # bytes per activation (2 in 16 bits, 4 in fp32)
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
    per_layer = 34 * tokens * hidden * half // 2  # their 34 bytes are for 16-bit activations
    if config.model_type == "deberta-v2":  # disentangled attention has no fused kernel: scores are kept
        per_layer += 5 * config.num_attention_heads * length * tokens
    logits = tokens * vocab_logits * 2  # the fp32 logits and their gradient
    return Estimate(weight_bytes, adapters, optimizer, layers * per_layer + logits)


def fits(estimate_: Estimate, gpu_gib: float = T4_GIB) -> bool:
    """True when the estimated peak stays under 90% of the GPU's memory."""
    return estimate_.total_gib <= 0.9 * gpu_gib

