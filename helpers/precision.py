"""The one place that picks dtype, mixed precision and attention kernel: from the GPU's compute
capability, or on a CPU from its instructions (helpers.cpu) and the PRECISION a notebook asks for."""

import os
from dataclasses import dataclass
from importlib.util import find_spec

# Native bf16 and FlashAttention-2 start with Ampere (A100, L4, RTX 30xx): compute capability 8.0.
NATIVE_BF16_CAPABILITY = (8, 0)
# A notebook's PRECISION parameter, kept for the helpers it calls: "auto" is bf16 on a CPU that runs it
# in hardware (AVX512-BF16 or AMX) and float32 elsewhere; the others force one. CPU only: a GPU's
# precision follows its capability.
PRECISION_VARIABLE = "LLM_STUDIES_PRECISION"
CPU_PRECISIONS = ("auto", "float32", "bfloat16")
# Before compute capability 8.0 (a T4) the only fast half type is fp16, whose range (65504) some families
# overflow: Qwen2/2.5 (NaN logits, "!!!!" replies: QwenLM/Qwen3#761, #868, the maintainers' answer being
# that a bf16-trained model is not expected to run in fp16), Gemma (transformers#36822,
# google/gemma_pytorch#24; unsloth forces fp32 for Gemma 3 on such GPUs). Only the families listed here
# load in fp16 there; every other one loads in fp32 (or 4-bit with fp32 compute when fp32 does not fit).
FP16_SAFE_FAMILIES = {
    # onnxruntime.transformers benchmarks GPT-2 in fp16; public fp16 runs give the fp32 text quality
    # (gongyisheng/playground, llm/deploy_quant/gpt2). 124M parameters: fp32 would fit too, this is speed;
    # the NaN/inf guard (helpers.finite) stops a run that overflows anyway.
    "gpt2": "fp16 inference documented without overflow (onnxruntime GPT-2 fp16 benchmarks)",
}


@dataclass(frozen=True)
class Precision:
    """What to load and train with on this device."""

    device: str  # "cuda", "mps" or "cpu"
    capability: tuple | None  # CUDA compute capability, None elsewhere
    dtype_name: str  # "bfloat16", "float16" or "float32": weights for inference and frozen LoRA bases
    attn_implementation: str  # "flash_attention_2" or "sdpa"

    @property
    def bf16(self) -> bool:
        """True only for native bf16 (a T4 emulates it: torch.cuda.is_bf16_supported() lies there)."""
        return self.dtype_name == "bfloat16"

    @property
    def fp16(self) -> bool:
        """fp16 autocast with fp32 trainable weights (GPUs before compute capability 8.0)."""
        return self.dtype_name == "float16"

    def dtype(self):
        """The torch dtype for loading weights."""
        import torch

        return getattr(torch, self.dtype_name)

    def full_training_dtype(self):
        """Weights for full fine-tuning: fp32 under fp16 autocast (GradScaler refuses fp16 weights)."""
        import torch

        return torch.bfloat16 if self.bf16 else torch.float32

    def model_kwargs(self) -> dict:
        """from_pretrained keyword arguments: dtype and attention kernel."""
        return {"dtype": self.dtype(), "attn_implementation": self.attn_implementation}

    def trainer_kwargs(self) -> dict:
        """TrainingArguments / SFTConfig keyword arguments for mixed precision."""
        return {"bf16": self.bf16, "fp16": self.fp16, "use_cpu": self.device == "cpu"}

    def for_family(self, model_type: str | None) -> "Precision":
        """This plan for one model family: fp32 instead of fp16 for a family not known to be fp16-safe."""
        if self.dtype_name != "float16" or model_type in FP16_SAFE_FAMILIES:
            return self
        return Precision(self.device, self.capability, "float32", self.attn_implementation)

    def describe(self) -> str:
        """One Spanish line: precision and attention chosen, and why."""
        if self.device == "cpu":
            why = {"bfloat16": "pesos bf16 y autocast (adaptadores LoRA y optimizador en float32)",
                   "float32": "float32"}[self.dtype_name]
            return f"CPU: {why} (PRECISION={requested_cpu_precision()!r}), atención {self.attn_implementation}"
        if self.device != "cuda":
            return f"{self.device.upper()}: float32, atención {self.attn_implementation}"
        major, minor = self.capability
        why = "bf16 nativo" if self.bf16 else "sin bf16 nativo: fp16 mixto con pesos entrenables en fp32"
        return f"capacidad {major}.{minor}: {why}, atención {self.attn_implementation}"


def flash_attention_importable() -> bool:
    """True when the flash_attn package is installed (it still needs capability >= 8.0 to run)."""
    return find_spec("flash_attn") is not None


def plan_for(capability: tuple, flash_installed: bool) -> Precision:
    """The CUDA plan for a compute capability: bf16 and FlashAttention-2 (if installed) only from 8.0."""
    native = tuple(capability) >= NATIVE_BF16_CAPABILITY
    return Precision("cuda", tuple(capability), "bfloat16" if native else "float16",
                     "flash_attention_2" if native and flash_installed else "sdpa")


def requested_cpu_precision() -> str:
    """The PRECISION asked for (helpers.env.set_up keeps it in the environment); 'auto' when none."""
    requested = os.environ.get(PRECISION_VARIABLE, "auto").strip().lower() or "auto"
    if requested not in CPU_PRECISIONS:
        raise ValueError(f"PRECISION must be one of {CPU_PRECISIONS}, got {requested!r}")
    return requested


def cpu_dtype_name(requested: str | None = None) -> str:
    """'bfloat16' or 'float32' for the CPU: 'auto' picks bf16 where the CPU runs it in hardware; a
    forced 'bfloat16' falls back to float32 (with a notice) where bf16 would kill the process."""
    from helpers.cpu import capabilities

    requested = requested or requested_cpu_precision()
    if requested == "auto":
        return "bfloat16" if capabilities().native_bf16 else "float32"
    if requested == "bfloat16":
        from helpers.cpu_bf16 import cpu_bf16_safe

        if not cpu_bf16_safe():
            print("aviso: este procesador se cae con bf16 (SIGILL): se usa float32")
            return "float32"
    return requested


def choose_precision(device: str | None = None) -> Precision:
    """Precision for `device` (default: CUDA when present, else CPU): compute capability on a GPU,
    native bf16 and PRECISION on a CPU."""
    import torch

    device = (device or ("cuda" if torch.cuda.is_available() else "cpu")).split(":")[0]
    if device == "cpu":
        return Precision(device, None, cpu_dtype_name(), "sdpa")
    if device != "cuda":
        return Precision(device, None, "float32", "sdpa")
    return plan_for(torch.cuda.get_device_capability(0), flash_attention_importable())


def upcast_trainable(model) -> int:
    """Cast trainable parameters to fp32 (fp16 autocast needs fp32 master weights); returns how many."""
    import torch

    count = 0
    for parameter in model.parameters():
        if parameter.requires_grad and parameter.dtype in (torch.float16, torch.bfloat16):
            parameter.data = parameter.data.float()
            count += 1
    return count


def trainer_config_for_family(config, model_type: str | None):
    """A trainer config without fp16 autocast for a family that overflows in fp16: it trains in fp32."""
    import dataclasses

    if not config.fp16 or model_type in FP16_SAFE_FAMILIES:
        return config
    print(f"{model_type}: sin fp16 mixto (desborda en fp16): se entrena en float32")
    return dataclasses.replace(config, fp16=False)
