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
               learning_rate: float = 2e-4, max_length: int = 512, seed: int = 0, **extra):
    """An SFTConfig: cosine schedule, loss on completions only, precision from helpers.precision
    (bf16 on capability >= 8.0, fp16 autocast before), use_cpu on CPU; DDP-ready under torchrun."""
    from trl import SFTConfig

    from helpers.precision import choose_precision

    return SFTConfig(
        output_dir=str(output_dir), max_steps=max_steps, per_device_train_batch_size=batch_size,
        gradient_accumulation_steps=grad_accum, learning_rate=learning_rate, lr_scheduler_type="cosine",
        warmup_steps=min(10, max_steps // 10), logging_steps=1, save_strategy="no", report_to="none",
        max_length=max_length, completion_only_loss=True, seed=seed,
        dataloader_num_workers=0, disable_tqdm=False,
        **{**choose_precision().trainer_kwargs(), **ddp_kwargs(), **extra})


def ddp_kwargs() -> dict:
    """Trainer settings for several processes (torchrun): LoRA leaves most weights frozen, so DDP must not
    look for unused parameters; no-op arguments in a single process."""
    return {"ddp_find_unused_parameters": False}


def is_main_process() -> bool:
    """True in a single process and on rank 0 under torchrun: only it writes adapters, metrics, caches."""
    import os

    return int(os.environ.get("RANK", "0")) == 0


def train_lora(model, tokenizer, train_rows: list[dict], config, peft_config):
    """Train a LoRA adapter on prompt-completion rows; returns (peft model, loss history)."""
    from datasets import Dataset
    from trl import SFTTrainer

    from helpers.precision import upcast_trainable

    model.train()
    if getattr(model, "llm_studies_unsloth", False):  # loaded by load_for_finetuning on CUDA
        model, peft_config = _unsloth_lora(model, peft_config, config.seed), None
    trainer = SFTTrainer(model=model, args=config, train_dataset=Dataset.from_list(train_rows),
                         processing_class=tokenizer, peft_config=peft_config)
    if config.fp16:
        upcast_trainable(trainer.model)  # fp16 autocast: the optimizer must step fp32 weights
    result = trainer.train()
    if trainer.args.world_size > 1 and is_main_process():  # throughput of all processes together
        print(f"{result.metrics['train_samples_per_second']:.2f} ejemplos/s en {trainer.args.world_size} procesos")
    history = [{"step": e["step"], "loss": e["loss"]} for e in trainer.state.log_history if "loss" in e]
    trained = trainer.model
    trained.eval()
    return trained, history


def _unsloth_lora(model, peft_config, seed: int):
    """The same LoRA (rank, alpha, dropout, targets) through unsloth's get_peft_model."""
    from unsloth import FastLanguageModel

    return FastLanguageModel.get_peft_model(
        model, r=peft_config.r, lora_alpha=peft_config.lora_alpha, lora_dropout=peft_config.lora_dropout,
        target_modules=sorted(peft_config.target_modules), use_gradient_checkpointing="unsloth",
        random_state=seed)


ADAPTER_SETTINGS = "training_settings.json"


def save_adapter(tuned, adapter_dir: str | Path, settings: dict) -> Path:
    """Save a LoRA adapter, then the settings it was trained with (written last: marks it complete)."""
    from helpers.io import atomic_write_json

    if not is_main_process():  # under torchrun every rank holds the same weights: one writer
        return Path(adapter_dir) / ADAPTER_SETTINGS
    tuned.save_pretrained(adapter_dir)
    return atomic_write_json(Path(adapter_dir) / ADAPTER_SETTINGS, settings)


def saved_adapter(model, adapter_dir: str | Path, settings: dict):
    """The adapter in adapter_dir loaded onto model if it was trained with these settings, else None."""
    from helpers.io import read_json, to_jsonable

    marker = Path(adapter_dir) / ADAPTER_SETTINGS
    if not marker.exists() or read_json(marker) != to_jsonable(settings):
        return None
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(adapter_dir)).eval()


def completion_perplexity(model, tokenizer, rows: list[dict], max_length: int = 512) -> float:
    """exp(mean negative log-likelihood) of the completion tokens given their prompts."""
    import torch

    total_nll, total_tokens = 0.0, 0
    model.eval()
    for row in rows:
        prompt = tokenizer.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(row["prompt"] + row["completion"], tokenize=False)
        prompt_length = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
        full_ids = tokenizer(full, add_special_tokens=False)["input_ids"]
        kept = full_ids[-max_length:]  # long contexts lose their oldest tokens, never the reply
        ids = torch.tensor([kept])
        labels = ids.clone()
        labels[:, : max(0, prompt_length - (len(full_ids) - len(kept)))] = -100
        tokens = int((labels[:, 1:] != -100).sum())
        if tokens == 0:
            continue
        with torch.inference_mode():
            loss = model(input_ids=ids.to(model.device), labels=labels.to(model.device)).loss
        total_nll += float(loss) * tokens
        total_tokens += tokens
    if total_tokens == 0:
        raise ValueError("no completion tokens to score")
    return math.exp(total_nll / total_tokens)
