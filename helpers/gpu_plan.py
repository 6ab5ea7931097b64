"""What a Hub model loads as on this GPU (dtype, 4 bits), counting the models already resident, and
releasing a model's memory before the next one loads."""

import os
import weakref
from dataclasses import dataclass

MEMORY_VARIABLE = "LLM_STUDIES_GPU_MEMORY_GB"  # simulations: the GPU's memory in GiB
CAPABILITY_VARIABLE = "LLM_STUDIES_GPU_CAPABILITY"  # simulations: its compute capability ("7.5" by default)
_resident: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # model -> (alias, estimated GiB)


class ModelReleasedError(RuntimeError):
    """A model whose weights were released (to free the GPU) was used again."""


@dataclass(frozen=True)
class WeightPlan:
    """How to load one model: the dtype of its weights (and of 4-bit layers' compute), and 4 bits or not."""

    dtype_name: str
    bits: int | None
    note: str = ""  # one Spanish line when the plan departs from the device's default


UNSLOTH_SIMULATION = "LLM_STUDIES_UNSLOTH_WITHOUT_GPU"  # tests: the unsloth path on a CPU (a fake unsloth)


def unsloth_trains(profile: str) -> bool:
    """True when causal-LM LoRA trains with unsloth: gpu profile, CUDA (or the simulation), unsloth installed.
    Only looks for the package: importing unsloth patches transformers for the whole process."""
    from importlib.util import find_spec

    import torch

    if profile != "gpu" or find_spec("unsloth") is None:
        return False
    return torch.cuda.is_available() or os.environ.get(UNSLOTH_SIMULATION) == "1"


def gpu_memory_gib() -> float | None:
    """Memory of this process's GPU in GiB, LLM_STUDIES_GPU_MEMORY_GB when set, None without a GPU."""
    import torch

    if os.environ.get(MEMORY_VARIABLE):
        return float(os.environ[MEMORY_VARIABLE])
    if not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_properties(torch.cuda.current_device()).total_memory / 2**30


def gpu_precision():
    """The Precision of this GPU (or of the simulated one), None without either."""
    import torch

    from helpers.precision import choose_precision, flash_attention_importable, plan_for

    if torch.cuda.is_available():
        return choose_precision("cuda")
    if os.environ.get(MEMORY_VARIABLE):  # a simulated GPU: a T4 unless told otherwise
        major, minor = os.environ.get(CAPABILITY_VARIABLE, "7.5").split(".")
        return plan_for((int(major), int(minor)), flash_attention_importable())
    return None


def track(model, alias: str, gib: float) -> None:
    """Count a loaded model as resident on the GPU until it is released or garbage-collected."""
    _resident[model] = (alias, gib)


def resident_gib() -> float:
    """GPU memory already in use: what the driver reports on a GPU, the tracked models' estimates in a simulation."""
    import torch

    if torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        return (total - free) / 2**30
    return sum(gib for _, gib in list(_resident.values()))


def release(model) -> None:
    """Free a model's memory now (weights to the meta device); using it afterwards raises one clear error."""
    import gc

    import torch

    def refuse(*_args, **_kwargs):
        raise ModelReleasedError("este modelo se liberó para dejar sitio en la GPU: usa el que devolvió "
                                 "la celda siguiente (el ajustado, o uno cargado de nuevo)")

    _resident.pop(model, None)
    try:
        model.to("meta")
    except (RuntimeError, ValueError):  # bitsandbytes' 4-bit parameters cannot move: drop them instead
        for module in model.modules():
            for name in [n for n, p in module._parameters.items() if p is not None]:
                module._parameters[name] = torch.nn.Parameter(torch.empty(0, device="meta"), requires_grad=False)
    model.register_forward_pre_hook(refuse)
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def runnable_dtype(dtype_name: str) -> str:
    """The dtype to load with here: a simulated GPU's fp16 becomes the CPU's own dtype (a CPU trains under
    bf16 or no autocast, and its layer norms refuse fp16 weights there); everything else as planned."""
    import torch

    if dtype_name != "float16" or torch.cuda.is_available():
        return dtype_name
    from helpers.precision import choose_precision

    return choose_precision("cpu").dtype_name


def weight_plan(alias: str, training: str = "none", batch: int = 4, length: int = 512) -> WeightPlan:
    """The dtype and bits for a model here: no GPU, the CPU's dtype; on a GPU its family's dtype
    (helpers.precision) when the estimated peak fits beside what is resident, else 4 bits computing in it."""
    from helpers.gpu_models import HUB_CONFIGS, head_of, hub_config
    from helpers.lora_targets import lora_target_modules
    from helpers.memory import estimate, fits
    from helpers.precision import choose_precision

    gpu, plan = gpu_memory_gib(), gpu_precision()
    if gpu is None or plan is None:
        return WeightPlan(choose_precision("cpu").dtype_name, None)
    family = HUB_CONFIGS[alias][0] if alias in HUB_CONFIGS else None
    dtype = plan.for_family(family).dtype_name
    note = "" if dtype == plan.dtype_name else f"{alias}: {family} no consta como segura en fp16: pesos en float32"
    if alias not in HUB_CONFIGS or head_of(alias) != "causal":
        return WeightPlan(dtype, None, note)
    config = hub_config(alias)
    targets = lora_target_modules(config.model_type, "qkvo") if training == "lora" else None
    free = gpu - resident_gib()
    peak = estimate(config, training=training, weights=dtype, compute=dtype, batch=batch, length=length,
                    lora_targets=targets)
    if fits(peak, free):
        return WeightPlan(dtype, None, note)
    quantised = estimate(config, training=training, weights="4bit", compute=dtype, batch=batch, length=length,
                         lora_targets=targets)
    simulated = " (simulado)" if os.environ.get(MEMORY_VARIABLE) else ""
    note = (f"{alias}: ~{peak.total_gib:.1f} GiB en {dtype} no cabe en {free:.1f} GiB libres de GPU{simulated}: "
            f"se carga en 4 bits, calculando en {dtype}")
    if not fits(quantised, free):
        note += f" (~{quantised.total_gib:.1f} GiB: puede no caber; baja el lote o MAX_LENGTH)"
    return WeightPlan(dtype, 4, note)
