"""Precision and attention for the workshop, chosen by what the GPU really supports."""


def gpu_capabilities() -> dict | None:
    """{'capability': (major, minor), 'flash_attn': bool} of GPU 0, or None without CUDA."""
    import importlib.util

    import torch

    if not torch.cuda.is_available():
        return None
    return {"capability": tuple(torch.cuda.get_device_capability(0)),
            "flash_attn": importlib.util.find_spec("flash_attn") is not None}


def precision_and_attention(capabilities: dict | None = None, probe: bool = True) -> tuple[str, str]:
    """('float32'|'float16'|'bfloat16', 'sdpa'|'flash_attention_2') for the given (or this) GPU.

    bf16 only on compute capability >= 8.0 (a T4 emulates it: `is_bf16_supported()` says True there);
    FlashAttention-2 only when flash_attn is installed and the GPU is Ampere or newer, where it runs.
    """
    if capabilities is None and probe:
        capabilities = gpu_capabilities()
    if capabilities is None:
        return "float32", "sdpa"
    ampere = tuple(capabilities["capability"]) >= (8, 0)
    dtype = "bfloat16" if ampere else "float16"
    attention = "flash_attention_2" if ampere and capabilities.get("flash_attn") else "sdpa"
    return dtype, attention
