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
    """bf16 (or fp16) on GPUs, float32 on CPU where bf16 kernels are slow."""
    import torch

    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


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
    import torch
    from transformers import BitsAndBytesConfig

    if bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True)
    compute = default_dtype("cuda" if torch.cuda.is_available() else "cpu")
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                              bnb_4bit_compute_dtype=compute, bnb_4bit_use_double_quant=True)


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_tokenizer(name: str, padding_side: str = "left", trust_remote_code: bool = False):
    """The tokenizer of a model, with a pad token (the EOS one when the model has none)."""
    from transformers import AutoTokenizer

    tokenizer = _from_pretrained(resolve(name), AutoTokenizer.from_pretrained, weights=False,
                                 trust_remote_code=trust_remote_code)
    tokenizer.padding_side = padding_side
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(name: str, bits: int | None = None, dtype=None, trust_remote_code: bool = False):
    """(model, tokenizer) for generation, in eval mode, on the best device, optionally 8/4-bit."""
    from transformers import AutoModelForCausalLM

    device = _device()
    ref = resolve(name)
    kwargs = {"dtype": cpu_safe_dtype(dtype or default_dtype(device), device), "trust_remote_code": trust_remote_code}
    if bits is not None:
        kwargs |= {"quantization_config": quantization_config(bits), "device_map": {"": device}}
    model = _from_pretrained(ref, AutoModelForCausalLM.from_pretrained, **kwargs)
    if bits is None:
        model.to(device)
    model.eval()
    return model, load_tokenizer(name, trust_remote_code=trust_remote_code)


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


def load_with_unsloth(name: str, max_seq_length: int = 2048, load_in_4bit: bool = True):
    """(model, tokenizer) through unsloth's FastLanguageModel; only where CUDA is present."""
    import torch

    if not torch.cuda.is_available():
        raise ModelNotAvailableError("unsloth needs a CUDA GPU; use load_causal_lm on this machine")
    try:
        from unsloth import FastLanguageModel
    except ImportError:
        raise ModelNotAvailableError("unsloth is not installed: pip install -r requirements-gpu.txt") from None
    return FastLanguageModel.from_pretrained(model_name=name, max_seq_length=max_seq_length,
                                             load_in_4bit=load_in_4bit, dtype=None)


def free_memory() -> None:
    """After `del model`: collect garbage and empty the GPU cache so the next model fits."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
