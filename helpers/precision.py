"""The one place that picks dtype, mixed precision and attention kernel from the GPU's capability."""

from dataclasses import dataclass
from importlib.util import find_spec

# Native bf16 and FlashAttention-2 start with Ampere (A100, L4, RTX 30xx): compute capability 8.0.
NATIVE_BF16_CAPABILITY = (8, 0)


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

    def describe(self) -> str:
        """One Spanish line: precision and attention chosen, and why."""
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


def choose_precision(device: str | None = None) -> Precision:
    """Precision for `device` (default: CUDA when present, else CPU), decided by compute capability."""
    import torch

    device = (device or ("cuda" if torch.cuda.is_available() else "cpu")).split(":")[0]
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
