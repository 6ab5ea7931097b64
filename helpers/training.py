"""LoRA fine-tuning with trl (CPU or GPU settings chosen for you) and completion perplexity."""

import math
from pathlib import Path


def lora_config(model, r: int = 8, alpha: int = 16, dropout: float = 0.05, parts: str = "qkvo", task: str = "CAUSAL_LM"):
    """A peft LoraConfig whose target module names fit the model's architecture."""
    from peft import LoraConfig

    from helpers.models import lora_target_modules

    return LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, task_type=task,
                      target_modules=lora_target_modules(model.config.model_type, parts))


def sft_config(output_dir: str | Path, max_steps: int, batch_size: int = 4, grad_accum: int = 8,
               learning_rate: float = 2e-4, max_length: int = 512, seed: int = 0, report_to: str = "none",
               run_name: str | None = None, **overrides):
    """An SFTConfig: cosine schedule, loss on completions only, precision from helpers.precision
    (bf16 on capability >= 8.0, fp16 autocast before), use_cpu on CPU; DDP-ready under torchrun.
    Gradient checkpointing only on GPU: on CPU memory is ample for these models and recomputing the
    forward costs ~11% of a step (Gemma 270M, steps of 8 chat examples).

    report_to: "none", "wandb", "tensorboard" or "trackio" (helpers.tracking); any other SFTConfig or
    TrainingArguments field passed by name replaces the default chosen here."""
    from trl import SFTConfig

    from helpers.precision import choose_precision
    from helpers.tracking import tracking_fields

    precision = choose_precision()
    fields = dict(
        output_dir=str(output_dir), max_steps=max_steps, per_device_train_batch_size=batch_size,
        gradient_accumulation_steps=grad_accum, learning_rate=learning_rate, lr_scheduler_type="cosine",
        warmup_steps=min(10, max_steps // 10), logging_steps=1, save_strategy="no",
        max_length=max_length, completion_only_loss=True, seed=seed,
        dataloader_num_workers=0, disable_tqdm=False, **{checkpointing_field(SFTConfig): precision.device == "cuda"},
        **precision.trainer_kwargs(), **ddp_kwargs())
    fields |= tracking_fields(report_to, output_dir, run_name)
    return SFTConfig(**(fields | overrides))


def checkpointing_field(config_class) -> str:
    """transformers 5.23 renamed gradient_checkpointing to activation_checkpointing; the unsloth step's
    5.17 knows only the old name (and 5.23 still accepts it, deprecated): whichever this version has."""
    import dataclasses

    names = {f.name for f in dataclasses.fields(config_class)}
    return "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"


def ddp_kwargs() -> dict:
    """Trainer settings for several processes (torchrun): LoRA leaves most weights frozen, so DDP must not
    look for unused parameters; no-op arguments in a single process."""
    return {"ddp_find_unused_parameters": False}


def is_main_process() -> bool:
    """True in a single process and on rank 0 under torchrun: only it writes adapters, metrics, caches."""
    import os

    return int(os.environ.get("RANK", "0")) == 0


def head_only_where_labelled() -> bool:
    """Make trl's fused LM head score only the positions that have a label on the CPU too; True if set.

    trl (>= 1.16) projects the hidden states through the output head in tiles, and on CUDA only at
    positions whose next-token label is not -100; elsewhere it scores every position, so its kernels keep
    one shape for compilers (Neuron). On a CPU nothing recompiles, and Gemma's 262k-word head applied to
    every prompt token is most of a step: the prompt's positions are skipped, with the same loss and
    gradients (tests/core/test_label_only_loss.py). Before 1.16 trl always scores only those positions,
    with a Triton kernel that fails off the GPU: helpers.fused_head gives it a plain torch path there."""
    try:
        import trl.trainer.utils as trl_utils
    except ImportError:
        return False
    decide = getattr(trl_utils, "_use_triton", None)  # what trl reads to choose compact scoring
    if decide is None:
        from helpers.fused_head import kernel_on_any_device

        return kernel_on_any_device()
    if not getattr(decide, "llm_studies_compact_cpu", False):
        def compact(device) -> bool:
            return device.type == "cpu" or decide(device)

        compact.llm_studies_compact_cpu = True
        trl_utils._use_triton = compact
    return True


def labelled_loss(model, labels, **batch):
    """Mean next-token loss over the labelled positions (label != -100), the output head applied only
    there: trl's fused LM head, as SFTTrainer uses it, for a hand-written training loop."""
    try:
        from trl.trainer.utils import add_fused_lm_head
    except ImportError:  # a trl without the fused head: the same mean over labelled positions, all logits built
        return model(**batch, labels=labels).loss
    head_only_where_labelled()
    causal = model.get_base_model() if hasattr(model, "get_base_model") else model
    if not getattr(causal, "llm_studies_fused_head", False):
        add_fused_lm_head(causal)  # without fused_lm_head=True the forward is the original one
        causal.llm_studies_fused_head = True
    return model(**batch, labels=labels, fused_lm_head=True).loss


def train_lora(model, tokenizer, train_rows: list[dict], config, peft_config):
    """Train a LoRA adapter on prompt-completion rows, the output head applied only where a label is;
    returns (peft model, loss history). A model from load_for_finetuning on the unsloth path trains in a
    process of its own (helpers.finetune) and comes back as a plain model with the adapter: use the
    returned model from then on (the one passed in is released)."""
    from datasets import Dataset
    from trl import SFTTrainer

    from helpers.finite import check_losses, finite_loss_callback
    from helpers.precision import trainer_config_for_family, upcast_trainable

    config = trainer_config_for_family(config, model.config.model_type)
    if getattr(model, "llm_studies_finetune", None):  # loaded by load_for_finetuning for unsloth
        from helpers.finetune import train_in_unsloth_process

        return train_in_unsloth_process(model, tokenizer, train_rows, config, peft_config)
    head_only_where_labelled()
    model.train()
    name = getattr(model, "name_or_path", "") or model.config.model_type
    trainer = SFTTrainer(model=model, args=config, train_dataset=Dataset.from_list(train_rows),
                         processing_class=tokenizer, peft_config=peft_config, callbacks=[finite_loss_callback(name)])
    upcast_trainable(trainer.model)  # the optimizer steps fp32 weights whatever the checkpoint stores
    result = trainer.train()
    if trainer.args.world_size > 1 and is_main_process():  # throughput of all processes together
        print(f"{result.metrics['train_samples_per_second']:.2f} ejemplos/s en {trainer.args.world_size} procesos")
    history = [{"step": e["step"], "loss": e["loss"]} for e in trainer.state.log_history if "loss" in e]
    check_losses(history, name)
    # Mixed precision wraps the model's forward in autocast for good; without the wrapper, inference
    # runs as it will on the saved adapter reloaded (scores equal to ~1e-6, not ~1e-2 apart in bf16).
    trained = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    trained.eval()
    return trained, history


ADAPTER_SETTINGS = "training_settings.json"
LOSS_HISTORY = "loss_history.json"


def save_adapter(tuned, adapter_dir: str | Path, settings: dict, *inputs, history: list[dict] | None = None,
                 seconds: float | None = None, tokenizer=None) -> Path:
    """Save a LoRA adapter (with its tokenizer, when given: the folder then reloads on its own), its
    loss history and its settings marker (the key of every setting and of the training data's content,
    and the training time) as one step: all go into a temporary folder that replaces adapter_dir by rename."""
    from helpers.io import atomic_dir, atomic_write_json, settings_key

    if not is_main_process():  # under torchrun every rank holds the same weights: one writer
        return Path(adapter_dir) / ADAPTER_SETTINGS
    with atomic_dir(adapter_dir) as staged:
        tuned.save_pretrained(staged)
        if tokenizer is not None:
            tokenizer.save_pretrained(staged)
        if history is not None:
            atomic_write_json(staged / LOSS_HISTORY, history)
        atomic_write_json(staged / ADAPTER_SETTINGS, {"key": settings_key(settings, *inputs), "settings": settings,
                                                      "seconds": seconds})
    return Path(adapter_dir) / ADAPTER_SETTINGS


def saved_training_seconds(adapter_dir: str | Path) -> float | None:
    """How long the saved adapter took to train (None when not recorded), for a run that reuses it."""
    from helpers.io import read_json

    marker = Path(adapter_dir) / ADAPTER_SETTINGS
    return read_json(marker).get("seconds") if marker.exists() else None


def saved_loss_history(adapter_dir: str | Path) -> list[dict]:
    """The loss history saved beside an adapter ([] when none was saved)."""
    from helpers.io import read_json

    path = Path(adapter_dir) / LOSS_HISTORY
    return read_json(path) if path.exists() else []


def loss_figure(history: list[dict], title: str = "Entrenamiento LoRA", ylabel: str = "pérdida"):
    """A matplotlib figure of the training loss per step (Spanish labels)."""
    import matplotlib.pyplot as plt

    if not history:
        raise ValueError("no loss history to plot: the trainer logged no loss")
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([h["step"] for h in history], [h["loss"] for h in history], marker="." if len(history) < 30 else None)
    ax.set(xlabel="paso", ylabel=ylabel, title=title)
    fig.tight_layout()
    return fig


def loss_flattening(history: list[dict], share: float = 0.25, tolerance: float = 0.05) -> dict:
    """Mean loss over the last `share` of the steps against the `share` before it: the curve counts as
    flat when the later mean is less than `tolerance` (relative) below the earlier one."""
    losses = [float(h["loss"]) for h in history]
    window = max(1, int(len(losses) * share))
    if len(losses) < 2 * window or len(losses) < 4:
        raise ValueError(f"{len(losses)} logged losses: at least 4 are needed to tell whether the curve flattens")
    previous, last = sum(losses[-2 * window:-window]) / window, sum(losses[-window:]) / window
    drop = (previous - last) / previous if previous else 0.0
    return {"previous_mean": previous, "last_mean": last, "relative_drop": drop, "steps_per_window": window,
            "flat": drop < tolerance}


def saved_adapter(model, adapter_dir: str | Path, settings: dict, *inputs):
    """The adapter in adapter_dir loaded onto model if it was trained with these settings and this
    data, else None (saying which settings differ)."""
    from helpers.io import read_json, settings_key, to_jsonable

    marker = Path(adapter_dir) / ADAPTER_SETTINGS
    if not marker.exists():
        return None
    try:
        saved = read_json(marker)
        key = saved["key"]
    except (ValueError, KeyError, TypeError):
        print(f"{marker}: no es un marcador válido; se entrena de nuevo")
        return None
    if key != settings_key(settings, *inputs):
        old, new = saved.get("settings", {}), to_jsonable(settings)
        changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k)) or ["datos"]
        print(f"El adaptador de {adapter_dir} se entrenó con otros ajustes ({', '.join(changed)}): se entrena de nuevo")
        return None
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(adapter_dir)).eval()


def completion_nll(model, tokenizer, prompt: str, full: str, max_length: int = 512) -> tuple[float, int]:
    """(mean negative log-likelihood per completion token, tokens scored) of `full` after `prompt`."""
    import torch

    prompt_length = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    full_ids = tokenizer(full, add_special_tokens=False)["input_ids"]
    kept = full_ids[-max_length:]  # long contexts lose their oldest tokens, never the reply
    ids = torch.tensor([kept])
    labels = ids.clone()
    labels[:, : max(0, prompt_length - (len(full_ids) - len(kept)))] = -100
    tokens = int((labels[:, 1:] != -100).sum())
    if tokens == 0:
        return math.nan, 0
    with torch.inference_mode():
        loss = model(input_ids=ids.to(model.device), labels=labels.to(model.device)).loss
    return float(loss), tokens

