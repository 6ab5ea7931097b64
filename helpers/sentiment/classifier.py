"""Sequence-classifier fine-tuning with the HF Trainer: LoRA, full, frozen baseline; metrics."""

import time
from dataclasses import dataclass, field

from helpers.sentiment.reviews import LABELS


@dataclass(frozen=True)
class ClassifierRun:
    """One training configuration: LoRA rank/alpha/targets, or full fine-tuning (r=0)."""

    name: str
    r: int = 8  # LoRA rank; 0 = full fine-tuning
    alpha: int = 32  # LoRA alpha (scale = alpha / r)
    parts: str = "qv"  # attention projections from "qkvo", or "all-linear"
    epochs: float = 1.0  # passes over the training set
    learning_rate: float = 1e-3  # LoRA needs a higher rate than full fine-tuning
    extra: dict = field(default_factory=dict)  # more TrainingArguments


# The original study's five LoRA configurations; epochs and rate are set equal for all by the notebook.
ORIGINAL_CONFIGS = [
    ClassifierRun("r8 a32 QV", 8, 32, "qv"),
    ClassifierRun("r8 a32 QKV", 8, 32, "qkv"),
    ClassifierRun("r4 a16 QKV", 4, 16, "qkv"),
    ClassifierRun("r4 a32 QKV", 4, 32, "qkv"),
    ClassifierRun("r4 a32 QV", 4, 32, "qv"),
]


def peft_config_for(model, run: ClassifierRun):
    """A SEQ_CLS LoraConfig with the architecture's target names (the head stays trainable)."""
    from peft import LoraConfig

    from helpers.models import lora_target_modules

    targets = "all-linear" if run.parts == "all-linear" else lora_target_modules(model.config.model_type, run.parts)
    return LoraConfig(task_type="SEQ_CLS", r=run.r, lora_alpha=run.alpha, lora_dropout=0.1, target_modules=targets)


def count_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters())


def tokenize(dataset, tokenizer, max_length: int = 256, pad_to_max: bool = False):
    """Token ids with truncation; padding happens per batch unless pad_to_max (the original's 512)."""
    padding = "max_length" if pad_to_max else False
    return dataset.map(lambda batch: tokenizer(batch["text"], truncation=True, max_length=max_length, padding=padding),
                       batched=True, remove_columns=["text"])


def classification_metrics(true: list[int], predicted: list[int]) -> dict:
    """Accuracy, macro-F1, per-class report and confusion matrix."""
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    return {"accuracy": float(accuracy_score(true, predicted)),
            "macro_f1": float(f1_score(true, predicted, average="macro", labels=range(len(LABELS)), zero_division=0)),
            "report": classification_report(true, predicted, labels=range(len(LABELS)), target_names=LABELS,
                                            output_dict=True, zero_division=0),
            "confusion": confusion_matrix(true, predicted, labels=range(len(LABELS))).tolist()}


def predict(model, tokenizer, texts: list[str], batch_size: int = 64, max_length: int = 256,
            pad_to_max: bool = False, label: str = "clasificando reseñas") -> tuple[list[int], float]:
    """(predicted class ids, texts per second), batching texts of similar length."""
    import torch
    from tqdm.auto import tqdm

    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    predicted = [0] * len(texts)
    start = time.perf_counter()
    for begin in tqdm(range(0, len(order), batch_size), desc=label, unit="lote", leave=False):
        batch = order[begin:begin + batch_size]
        encoded = tokenizer([texts[i] for i in batch], truncation=True, max_length=max_length,
                            padding="max_length" if pad_to_max else True, return_tensors="pt").to(model.device)
        with torch.inference_mode():
            logits = model(**encoded).logits
        for index, label in zip(batch, logits.argmax(-1).tolist(), strict=False):
            predicted[index] = label
    return predicted, len(texts) / max(time.perf_counter() - start, 1e-9)


SPLIT_NAMES = {"train": "entrenamiento", "validation": "validación", "test": "prueba"}  # progress-bar labels


def training_arguments(output_dir, run: ClassifierRun, batch_size: int, seed: int, max_steps: int = -1,
                       report_to: str = "none"):
    """TrainingArguments: linear decay with warm-up, no checkpoints, precision by GPU capability, REPORT_TO."""
    from transformers import TrainingArguments

    from helpers.precision import choose_precision
    from helpers.tracking import tracking_fields

    fields = dict(
        output_dir=str(output_dir), num_train_epochs=run.epochs, max_steps=max_steps,
        per_device_train_batch_size=batch_size, learning_rate=run.learning_rate, warmup_steps=0.06,
        weight_decay=0.01, logging_steps=10, save_strategy="no", eval_strategy="no",
        seed=seed, data_seed=seed, **choose_precision().trainer_kwargs(),
        dataloader_num_workers=0, disable_tqdm=False)
    fields |= tracking_fields(report_to, output_dir, run.name)
    return TrainingArguments(**(fields | run.extra))


def train_classifier(model_name: str, run: ClassifierRun, train_set, eval_frames: dict, output_dir, *,
                     batch_size: int = 32, seed: int = 0, max_steps: int = -1, max_length: int = 256,
                     custom_texts: list[str] = (), report_to: str = "none") -> dict:
    """Train one configuration, then predict each evaluation frame once; metrics, timings, history."""
    from transformers import DataCollatorWithPadding, Trainer, set_seed

    from helpers.models import load_sequence_classifier

    set_seed(seed)
    model, tokenizer = load_sequence_classifier(model_name, LABELS)
    if run.r > 0:
        from peft import get_peft_model

        model = get_peft_model(model, peft_config_for(model, run))
    trainable, total = count_parameters(model)
    trainer = Trainer(model=model, args=training_arguments(output_dir, run, batch_size, seed, max_steps, report_to),
                      train_dataset=tokenize(train_set, tokenizer, max_length),
                      data_collator=DataCollatorWithPadding(tokenizer), processing_class=tokenizer)
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    splits, per_second = {}, 0.0
    for split, frame in eval_frames.items():
        predicted, per_second = predict(trainer.model, tokenizer, frame["text"].tolist(), max_length=max_length,
                                        label=f"clasificando {SPLIT_NAMES.get(split, split)}")
        true = [LABELS.index(label) for label in frame["label"]]
        splits[split] = classification_metrics(true, predicted) | {"predicted": predicted}
    custom, _ = predict(trainer.model, tokenizer, list(custom_texts), label="reseñas propias") if custom_texts else ([], 0)
    history = [{"step": e["step"], "loss": e["loss"]} for e in trainer.state.log_history if "loss" in e]
    return {"config": run.name, "model": model_name, "seed": seed, "r": run.r, "alpha": run.alpha,
            "parts": run.parts, "epochs": run.epochs, "learning_rate": run.learning_rate,
            "trainable": trainable, "total": total, "trainable_pct": 100 * trainable / total,
            "train_seconds": seconds, "train_samples_per_second": len(train_set) * run.epochs / seconds
            if max_steps < 0 else max_steps * batch_size / seconds,
            "inference_per_second": per_second, "splits": splits,
            "custom": [LABELS[i] for i in custom], "history": history}


def frozen_baseline(embedder, train_frame, eval_frames: dict, seed: int = 0) -> dict:
    """Logistic regression over a frozen encoder's sentence embeddings (no fine-tuning at all)."""
    from sklearn.linear_model import LogisticRegression

    start = time.perf_counter()
    train_vectors = embedder.encode(train_frame["text"].tolist())
    classifier = LogisticRegression(max_iter=2000, C=1.0, random_state=seed)
    classifier.fit(train_vectors, [LABELS.index(label) for label in train_frame["label"]])
    seconds = time.perf_counter() - start
    splits = {}
    for split, frame in eval_frames.items():
        predicted = classifier.predict(embedder.encode(frame["text"].tolist())).tolist()
        true = [LABELS.index(label) for label in frame["label"]]
        splits[split] = classification_metrics(true, predicted) | {"predicted": predicted}
    return {"config": "congelado + regresión logística", "seed": seed, "trainable": classifier.coef_.size + 1,
            "train_seconds": seconds, "splits": splits}
