"""Precision and attention for the workshop, chosen by what the GPU really supports."""


def gpu_capabilities() -> dict | None:
    """{'capability': (major, minor), 'flash_attn': bool} of GPU 0, or None without CUDA."""
    import torch

    from helpers.precision import flash_attention_importable

    if not torch.cuda.is_available():
        return None
    return {"capability": tuple(torch.cuda.get_device_capability(0)), "flash_attn": flash_attention_importable()}


def precision_and_attention(capabilities: dict | None = None, probe: bool = True) -> tuple[str, str]:
    """('float32'|'float16'|'bfloat16', 'sdpa'|'flash_attention_2') for the given (or this) GPU.

    The suite's one rule (helpers.precision): bf16 and FlashAttention-2 only from compute capability 8.0;
    a T4 (7.5) gets float16 and SDPA even though it claims bf16 support (it emulates it)."""
    from helpers.precision import plan_for

    if capabilities is None and probe:
        capabilities = gpu_capabilities()
    if capabilities is None:
        return "float32", "sdpa"
    plan = plan_for(capabilities["capability"], bool(capabilities.get("flash_attn")))
    return plan.dtype_name, plan.attn_implementation
