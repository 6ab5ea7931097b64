"""Study 3: LoRA training throughput with dynamic padding against padding to 512; classifier inference."""

import time

from helpers.sentiment.classifier import ClassifierRun, peft_config_for, predict, tokenize
from helpers.sentiment.reviews import LABELS, load_rotten_tomatoes, stratified_split, to_dataset

MODEL = "all-MiniLM-L6-v2"  # the local profile's encoder
STEPS = 6  # timed optimiser steps per padding mode, after one warm-up step
BATCH = 16  # reviews per step
INFERENCE_REVIEWS = 1000  # test reviews classified for the inference rate


def _samples_per_second(model, tokenizer, dataset, pad_to_max: bool) -> float:
    """Training samples per second over STEPS steps of a LoRA'd classifier."""
    import torch
    from transformers import DataCollatorWithPadding

    encoded = tokenize(dataset, tokenizer, max_length=512, pad_to_max=pad_to_max)
    collator = DataCollatorWithPadding(tokenizer)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    batches = [collator([encoded[i] for i in range(start, start + BATCH)]) for start in range(0, BATCH * (STEPS + 1), BATCH)]
    model.train()
    for step, batch in enumerate(batches):
        if step == 1:
            start = time.perf_counter()  # the first step warms up allocations
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return STEPS * BATCH / (time.perf_counter() - start)


def padding_and_inference() -> dict:
    """Dynamic padding vs pad-to-512 training throughput; test-set inference rate."""
    from peft import get_peft_model

    from helpers.models import load_sequence_classifier

    train, test = stratified_split(load_rotten_tomatoes(), 0.2, seed=0)
    model, tokenizer = load_sequence_classifier(MODEL, LABELS)
    model = get_peft_model(model, peft_config_for(model, ClassifierRun("bench", 8, 32, "qv")))
    dataset = to_dataset(train.iloc[:BATCH * (STEPS + 1)])
    padded = _samples_per_second(model, tokenizer, dataset, pad_to_max=True)
    dynamic = _samples_per_second(model, tokenizer, dataset, pad_to_max=False)
    texts = test["text"].tolist()[:INFERENCE_REVIEWS]
    _, padded_rate = predict(model, tokenizer, texts, max_length=512, pad_to_max=True)
    _, dynamic_rate = predict(model, tokenizer, texts, max_length=512)
    return {
        "sentiment_train_dynamic_padding": {"unit": "samples/s", "baseline": padded, "candidate": dynamic,
                                            "ratio": dynamic / padded, "target": 2.0, "model": MODEL},
        "sentiment_inference": {"unit": "reviews/s", "baseline": padded_rate, "candidate": dynamic_rate,
                                "ratio": dynamic_rate / padded_rate, "target": None, "reviews": len(texts),
                                "model": MODEL},
    }
