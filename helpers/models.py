"""Model loading by alias or Hub id: causal LMs, classifiers, LoRA targets, quantization."""

from helpers.hub import ModelNotAvailableError, hub_error, record_load
from helpers.lora_targets import lora_target_modules
from helpers.registry import ModelRef, resolve

__all__ = ["ModelNotAvailableError", "load_causal_lm", "load_for_finetuning", "load_sequence_classifier",
           "lora_target_modules"]


def _check_local(ref: ModelRef, weights: bool = True) -> None:
    """A clear error, naming the folder, when a local model is missing, has no weights or truncated ones."""
    if ref.source not in ("local", "path"):
        return
    redo = (f"run `python -m helpers.setup --force {ref.alias}` (or `make setup`) to prepare it again"
            if ref.source == "local" else "copy the model there again")
    if not (ref.path / "config.json").exists():
        hint = "run `make setup` to fetch and prepare it" if ref.source == "local" else "check the path"
        raise ModelNotAvailableError(f"model {ref.alias!r} is not at {ref.path}: {hint}")
    from helpers.weights import weights_problem

    problem = weights_problem(ref.path) if weights else None
    if problem:
        raise ModelNotAvailableError(f"model folder {ref.path} is incomplete: {problem}; {redo}")


def _from_pretrained(ref: ModelRef, loader, weights: bool = True, facts: dict | None = None, **kwargs):
    """Call a from_pretrained loader, turning Hub failures (gated, private, offline) into one clear line;
    a load of weights is recorded (helpers.hub.loaded_models: metrics.json lists them)."""
    _check_local(ref, weights)
    location = str(ref.path) if ref.source in ("local", "path") else ref.location
    try:
        loaded = loader(location, **kwargs)
    except OSError as error:
        if ref.source != "hub":
            raise
        raise hub_error(ref.location, error) from None
    if weights:
        record_load(ref, loaded, **(facts or {}))
    return loaded


def default_dtype(device: str):
    """bf16 on GPUs with native bf16, fp16 on older ones (T4), float32 on CPU: see helpers.precision."""
    from helpers.precision import choose_precision

    return choose_precision(device).dtype()


def cpu_safe_dtype(dtype, device: str):
    """float32 instead of bf16 on a CPU where a bf16 product would kill the process (one-line notice)."""
    import torch

    from helpers.cpu_bf16 import cpu_bf16_safe

    if device == "cpu" and dtype == torch.bfloat16 and not cpu_bf16_safe():
        print("aviso: este procesador se cae con bf16 (SIGILL); el modelo se carga en float32")
        return torch.float32
    return dtype


def quantization_config(bits: int | None, compute=None):
    """A bitsandbytes config for 8- or 4-bit (NF4) loading, or None for full precision; 4-bit layers
    compute in `compute` (default: this device's dtype)."""
    if bits is None:
        return None
    if bits not in (4, 8):
        raise ValueError(f"quantization bits must be 4, 8 or None, got {bits!r}")
    from transformers import BitsAndBytesConfig

    if bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True)
    compute = compute or default_dtype(_device())
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                              bnb_4bit_compute_dtype=compute, bnb_4bit_use_double_quant=True)


def _device() -> str:
    """'cuda' (or this process's GPU under torchrun: LOCAL_RANK) when present, else 'cpu'."""
    import os

    import torch

    if not torch.cuda.is_available():
        return "cpu"
    return f"cuda:{os.environ['LOCAL_RANK']}" if "LOCAL_RANK" in os.environ else "cuda"


def load_tokenizer(name: str, padding_side: str = "left", trust_remote_code: bool = False):
    """The tokenizer of a model, with a pad token (the EOS one when the model has none)."""
    from transformers import AutoTokenizer

    tokenizer = _from_pretrained(resolve(name), AutoTokenizer.from_pretrained, weights=False,
                                 trust_remote_code=trust_remote_code)
    tokenizer.padding_side = padding_side
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(name: str, bits: int | None = None, dtype=None, trust_remote_code: bool = False,
                   training: str = "none", batch: int = 4, length: int = 512):
    """(model, tokenizer) for generation, in eval mode, on the best device, optionally 8/4-bit.

    On a GPU (or a simulated one) helpers.gpu_plan picks the dtype by family and compute capability and
    4 bits when the estimated peak does not fit beside what is resident; fp16 weights get a NaN/inf guard."""
    from transformers import AutoModelForCausalLM

    from helpers.finite import guard_finite
    from helpers.generation import ensure_chat_template
    from helpers.gpu_plan import runnable_dtype, track, weight_plan
    from helpers.precision import choose_precision

    device = _device()
    ref = resolve(name)
    plan = weight_plan(ref.alias, training, batch, length)
    if plan.note:
        print(plan.note)
    bits = plan.bits if bits is None else bits
    dtype = cpu_safe_dtype(dtype or getattr(__import__("torch"), runnable_dtype(plan.dtype_name)), device)
    kwargs = {"dtype": dtype, "trust_remote_code": trust_remote_code}
    if device != "cpu":
        kwargs["attn_implementation"] = choose_precision(device).attn_implementation
    if bits is not None:  # a quantised model goes whole onto this process's device (torchrun: its rank's)
        kwargs |= {"quantization_config": quantization_config(bits, dtype), "device_map": {"": device}}
    facts = {"dtype": str(dtype).removeprefix("torch."), "bits": bits}
    model = _from_pretrained(ref, AutoModelForCausalLM.from_pretrained, facts=facts, **kwargs)
    if bits is None:
        model.to(device)
    model.eval()
    track(model, ref.alias, _resident_estimate(ref.alias, facts))
    guard_finite(model, ref.alias)
    return model, ensure_chat_template(load_tokenizer(name, trust_remote_code=trust_remote_code), name)


def _resident_estimate(alias: str, facts: dict) -> float:
    """GiB of weights a loaded Hub model holds on its GPU (0 for models without a stored config)."""
    from helpers.gpu_models import HUB_CONFIGS, head_of, hub_config
    from helpers.memory import GIB, estimate

    if alias not in HUB_CONFIGS:
        return 0.0
    head = "causal" if head_of(alias) == "causal" else "encoder"
    weights = "4bit" if facts.get("bits") == 4 else facts["dtype"]
    return estimate(hub_config(alias), head, weights=weights, compute=facts["dtype"]).weights / GIB


def budget_bits(hub_id: str, training: str = "none", batch: int = 4, length: int = 512) -> int | None:
    """4 when a known Hub model's estimated peak does not fit this GPU beside what is resident
    (LLM_STUDIES_GPU_MEMORY_GB simulates one), else None. Local models and CPU runs are never quantised."""
    from helpers.gpu_plan import weight_plan

    return weight_plan(hub_id, training, batch, length).bits


def gpu_memory_gib() -> float | None:
    """Memory of this process's GPU in GiB, LLM_STUDIES_GPU_MEMORY_GB when set, None without a GPU."""
    from helpers.gpu_plan import gpu_memory_gib as memory

    return memory()


def load_sequence_classifier(name: str, labels: list[str], trust_remote_code: bool = False):
    """(model, tokenizer) for sequence classification with a new head over the given labels."""
    from transformers import AutoModelForSequenceClassification

    # fp32 whatever the checkpoint stores: transformers 5 keeps a checkpoint's dtype, and
    # deberta-v3-base is stored in fp16, whose trainable weights fp16 autocast cannot unscale.
    model = _from_pretrained(
        resolve(name), AutoModelForSequenceClassification.from_pretrained, facts={"dtype": "float32"},
        num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)},
        trust_remote_code=trust_remote_code, dtype=__import__("torch").float32,
    )
    return model, load_tokenizer(name, padding_side="right", trust_remote_code=trust_remote_code)


def load_for_finetuning(name: str, profile: str, max_length: int = 512):
    """(model, tokenizer) for causal-LM LoRA, always plain transformers. With unsloth (gpu profile, CUDA),
    train_lora trains in a separate process (helpers.finetune) and this model only serves inference."""
    from helpers.gpu_plan import unsloth_trains

    if unsloth_trains(profile):
        model, tokenizer = load_causal_lm(name, length=max_length)  # inference only: unsloth loads its own
        model.llm_studies_finetune = {"name": name, "max_length": max_length}
        return model, tokenizer
    if profile == "gpu" and _device() != "cpu":
        print("unsloth no está instalado (lo instala la primera celda de 01 y 02 en Colab): LoRA con peft")
    return load_causal_lm(name, training="lora", length=max_length)


def free_memory() -> None:
    """After `del model`: collect garbage and empty the GPU cache so the next model fits."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
