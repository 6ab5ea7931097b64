"""Environment defaults, seeds, threads and device detection."""

import os
import random
import sys
from dataclasses import dataclass

from helpers.cpu import available_cpus  # noqa: F401  (its home is helpers.cpu; imported from here too)

PROFILES = ("local", "gpu")

# Safe everywhere: nothing here stops a user who set the variable otherwise. WANDB_MODE is left to
# the user: trackers only run when REPORT_TO asks (helpers.tracking checks the key or offline mode).
_DEFAULTS = {
    "GRADIO_ANALYTICS_ENABLED": "False",  # otherwise gradio does DNS look-ups at import
    "TOKENIZERS_PARALLELISM": "false",  # forked DataLoader workers would deadlock and warn
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


def apply_offline_defaults() -> None:
    """Set the suite's environment defaults where the user has not set them."""
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)


def set_hub_offline(offline: bool = True) -> None:
    """Make the Hugging Face libraries use only local files (or allow the Hub again)."""
    value = "1" if offline else "0"
    os.environ["HF_HUB_OFFLINE"] = value
    os.environ["TRANSFORMERS_OFFLINE"] = value
    # huggingface_hub reads the variable once at import: update it when already imported.
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        constants.HF_HUB_OFFLINE = offline


def seed_everything(seed: int) -> None:
    """Seed random, numpy and torch on every device with transformers.set_seed (imported only here).

    PYTHONHASHSEED is not set: Python reads it once at start-up, so setting it at runtime does nothing."""
    if _has_module("transformers"):
        from transformers import set_seed

        set_seed(seed)
        return
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:
        pass


def _has_module(name: str) -> bool:
    from importlib.util import find_spec

    return find_spec(name) is not None


@dataclass(frozen=True)
class DeviceInfo:
    """What set_up found: device kind, its name, memory and CPU threads."""

    kind: str
    name: str
    memory_gb: float | None
    threads: int
    bf16: bool  # native bf16 (compute capability >= 8.0), not the emulation T4s report

    def __str__(self) -> str:
        if self.kind == "cuda":
            return f"GPU {self.name} ({self.memory_gb:.1f} GiB), bf16 nativo={'sí' if self.bf16 else 'no'}"
        return f"CPU {self.name} ({self.threads} hilos de torch)"


def detect_device(threads: int | None = None) -> DeviceInfo:
    """Find the best device and set torch's CPU threads (LLM_STUDIES_THREADS overrides)."""
    import torch

    if threads is None:
        threads = int(os.environ.get("LLM_STUDIES_THREADS", 0)) or available_cpus()
    torch.set_num_threads(threads)
    if torch.cuda.is_available():
        from helpers.precision import choose_precision

        props = torch.cuda.get_device_properties(0)
        return DeviceInfo("cuda", props.name, props.total_memory / 2**30, threads, choose_precision().bf16)
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return DeviceInfo("mps", "Apple MPS", None, threads, False)
    from helpers.cpu import capabilities

    return DeviceInfo("cpu", capabilities().model, None, threads, False)


@dataclass(frozen=True)
class RunContext:
    """What a notebook needs after set-up: profile, device and its output folder."""

    profile: str
    device: DeviceInfo
    output_dir: "os.PathLike"
    seed: int
    precision: str = "float32"  # the dtype models load in here ("bfloat16", "float16" or "float32"): caches key on it


def set_up(notebook: str, profile: str = "local", seed: int = 0, output_dir: str = "",
           precision: str = "auto") -> RunContext:
    """Prepare a notebook run: environment, offline mode for 'local', seeds, device, precision, outputs.

    precision (the notebook's PRECISION): "auto", "float32" or "bfloat16"; it decides the CPU's dtype
    for every helper the notebook calls (a GPU's follows its compute capability)."""
    from helpers.paths import outputs_dir
    from helpers.precision import CPU_PRECISIONS, PRECISION_VARIABLE, choose_precision

    if profile not in PROFILES:
        raise ValueError(f"PROFILE must be one of {PROFILES}, got {profile!r}")
    if precision not in CPU_PRECISIONS:
        raise ValueError(f"PRECISION must be one of {CPU_PRECISIONS}, got {precision!r}")
    from helpers.cpu import apply_bnb_cpu_path, capabilities
    from helpers.cpu_bf16 import describe, ensure_cpu_bf16

    apply_offline_defaults()
    os.environ[PRECISION_VARIABLE] = precision
    if profile == "local" and "HF_HUB_OFFLINE" not in os.environ:
        set_hub_offline(True)
    cpu_bf16 = ensure_cpu_bf16()  # probed in a subprocess before this process runs a oneDNN kernel
    apply_bnb_cpu_path()
    device = detect_device()
    seed_everything(seed)
    context = RunContext(profile, device, outputs_dir(notebook, output_dir), seed, choose_precision().dtype_name)
    summary = f" | {capabilities().describe()} | {describe(cpu_bf16)}" if device.kind == "cpu" else ""
    print(f"Perfil: {profile} | dispositivo: {device}{summary} | resultados en: {context.output_dir}")
    print(f"Precisión: {choose_precision().describe()}")
    hint = profile_hint(profile, device.kind)
    if hint:
        print(hint)
    return context


def profile_hint(profile: str, device_kind: str) -> str:
    """One Spanish line when PROFILE and the runtime disagree, else an empty string."""
    if profile == "gpu" and device_kind != "cuda":
        return ("Aviso: PROFILE='gpu' sin GPU: los modelos del Hub irán muy lentos en CPU. En Colab elige "
                "Entorno de ejecución > Cambiar tipo de entorno > GPU, o usa PROFILE='local'.")
    if profile == "local" and device_kind == "cuda":
        return "Aviso: hay GPU pero PROFILE='local' (modelos pequeños de CPU): usa PROFILE='gpu' para los del estudio original."
    return ""
