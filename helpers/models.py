"""Model loading by alias or Hub id: causal LMs, classifiers, LoRA targets, quantization."""

from helpers.registry import ModelRef, resolve


class ModelNotAvailableError(RuntimeError):
    """A model that cannot be loaded here, with what to do about it."""


# LoRA target names per architecture: attention projections (q, k, v) and the output (o).
_ATTENTION_NAMES = {
    "bert": {"q": "query", "k": "key", "v": "value", "o": "attention.output.dense"},
    "roberta": {"q": "query", "k": "key", "v": "value", "o": "attention.output.dense"},
    "xlm-roberta": {"q": "query", "k": "key", "v": "value", "o": "attention.output.dense"},
    "mpnet": {"q": "q", "k": "k", "v": "v", "o": "o"},
    "deberta-v2": {"q": "query_proj", "k": "key_proj", "v": "value_proj", "o": "attention.output.dense"},
    "distilbert": {"q": "q_lin", "k": "k_lin", "v": "v_lin", "o": "out_lin"},
    "gpt2": {"q": "c_attn", "k": "c_attn", "v": "c_attn", "o": "c_proj"},
    "phi3": {"q": "qkv_proj", "k": "qkv_proj", "v": "qkv_proj", "o": "o_proj"},
}
_LLAMA_STYLE = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "o_proj"}  # llama, qwen2, gemma, mistral...


def lora_target_modules(model_type: str, parts: str = "qv") -> list[str]:
    """LoRA target module names for an architecture, e.g. ('deberta-v2', 'qkv')."""
    names = _ATTENTION_NAMES.get(model_type, _LLAMA_STYLE)
    unknown = set(parts) - set(names)
    if unknown:
        raise ValueError(f"parts must be letters from 'qkvo', got {parts!r}")
    return list(dict.fromkeys(names[part] for part in parts))


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


def _from_pretrained(ref: ModelRef, loader, weights: bool = True, **kwargs):
    """Call a from_pretrained loader, turning Hub/network failures into one clear line."""
    _check_local(ref, weights)
    location = str(ref.path) if ref.source in ("local", "path") else ref.location
    try:
        return loader(location, **kwargs)
    except OSError as error:
        if ref.source != "hub":
            raise
        reason = str(error).strip().splitlines()[0]
        raise ModelNotAvailableError(
            f"{ref.location!r} could not be loaded from the Hugging Face Hub ({reason}). "
            "Without network use PROFILE='local' (packaged models), or run in Colab."
        ) from None


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


def quantization_config(bits: int | None):
    """A bitsandbytes config for 8- or 4-bit (NF4) loading, or None for full precision."""
    if bits is None:
        return None
    if bits not in (4, 8):
        raise ValueError(f"quantization bits must be 4, 8 or None, got {bits!r}")
    from transformers import BitsAndBytesConfig

    if bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True)
    compute = default_dtype(_device())
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
                   training: str = "none"):
    """(model, tokenizer) for generation, in eval mode, on the best device, optionally 8/4-bit.

    A Hub model whose estimated peak (helpers.memory) does not fit the GPU loads in 4-bit."""
    from transformers import AutoModelForCausalLM

    from helpers.generation import ensure_chat_template
    from helpers.precision import choose_precision

    device = _device()
    ref = resolve(name)
    plan = choose_precision(device)
    if bits is None:
        bits = budget_bits(ref.alias, training)
    kwargs = {"dtype": cpu_safe_dtype(dtype or plan.dtype(), device), "trust_remote_code": trust_remote_code}
    if plan.device == "cuda":
        kwargs["attn_implementation"] = plan.attn_implementation
    if bits is not None:  # a quantised model goes whole onto this process's device (torchrun: its rank's)
        kwargs |= {"quantization_config": quantization_config(bits), "device_map": {"": device}}
    model = _from_pretrained(ref, AutoModelForCausalLM.from_pretrained, **kwargs)
    if bits is None:
        model.to(device)
    model.eval()
    return model, ensure_chat_template(load_tokenizer(name, trust_remote_code=trust_remote_code), name)


def budget_bits(hub_id: str, training: str = "none", batch: int = 4, length: int = 512) -> int | None:
    """4 when a known Hub model's estimated peak does not fit this GPU (LLM_STUDIES_GPU_MEMORY_GB
    simulates one), else None. Local models and CPU runs without the variable are never quantised."""
    import os

    from helpers.gpu_models import HUB_CONFIGS, head_of, hub_config
    from helpers.memory import estimate, fits

    gpu_gib = gpu_memory_gib()
    if hub_id not in HUB_CONFIGS or gpu_gib is None or head_of(hub_id) != "causal":
        return None
    config = hub_config(hub_id)
    targets = lora_target_modules(config.model_type, "qkvo") if training == "lora" else None
    peak = estimate(config, training=training, batch=batch, length=length, lora_targets=targets)
    if fits(peak, gpu_gib):
        return None
    print(f"{hub_id}: ~{peak.total_gib:.1f} GiB en 16 bits no cabe en {gpu_gib:.0f} GiB de GPU: se carga en 4 bits"
          + (" (simulado)" if os.environ.get("LLM_STUDIES_GPU_MEMORY_GB") else ""))
    return 4


def gpu_memory_gib() -> float | None:
    """Memory of this process's GPU in GiB, LLM_STUDIES_GPU_MEMORY_GB when set, None without a GPU."""
    import os

    import torch

    if os.environ.get("LLM_STUDIES_GPU_MEMORY_GB"):
        return float(os.environ["LLM_STUDIES_GPU_MEMORY_GB"])
    if not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_properties(torch.cuda.current_device()).total_memory / 2**30


def load_sequence_classifier(name: str, labels: list[str], trust_remote_code: bool = False):
    """(model, tokenizer) for sequence classification with a new head over the given labels."""
    from transformers import AutoModelForSequenceClassification

    model = _from_pretrained(
        resolve(name), AutoModelForSequenceClassification.from_pretrained,
        num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)},
        trust_remote_code=trust_remote_code,
    )
    return model, load_tokenizer(name, padding_side="right", trust_remote_code=trust_remote_code)


def load_for_finetuning(name: str, profile: str, max_length: int = 512):
    """(model, tokenizer) for causal-LM LoRA: unsloth's loader on CUDA in the gpu profile, else load_causal_lm."""
    import torch

    if profile != "gpu" or not torch.cuda.is_available():
        return load_causal_lm(name, bits=budget_bits(name, "lora", length=max_length), training="lora")
    try:
        from unsloth import FastLanguageModel
    except ImportError:  # its install step failed or was skipped: plain peft still trains on the GPU
        print("unsloth no está instalado (lo instala la primera celda de 01 y 02 en Colab): LoRA con peft")
        return load_causal_lm(name, bits=budget_bits(name, "lora", length=max_length), training="lora")
    from helpers.generation import ensure_chat_template
    from helpers.precision import choose_precision

    ref = resolve(name)
    _check_local(ref)
    location = str(ref.path) if ref.source in ("local", "path") else ref.location
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=location, max_seq_length=max_length, dtype=choose_precision("cuda").dtype(),
        load_in_4bit=budget_bits(ref.alias, "lora", length=max_length) == 4)
    model.llm_studies_unsloth = True  # train_lora then adds the adapter with unsloth's get_peft_model
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, ensure_chat_template(tokenizer, name)


def free_memory() -> None:
    """After `del model`: collect garbage and empty the GPU cache so the next model fits."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
