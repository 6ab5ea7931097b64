"""Study 03's prompting: balanced shuffled k-shot examples, evaluation with label-bias figures, Hub search."""

import random

from helpers.sentiment.reviews import LABELS, parse_sentiment_answer, sentiment_prompt


def balanced_shots(frame, k: int, seed: int) -> list[tuple[str, str]]:
    """k examples, k/len(LABELS) per class (k must divide evenly), in a seeded shuffled order."""
    if k % len(LABELS):
        raise ValueError(f"k={k} shots cannot be split equally over {len(LABELS)} classes; use a multiple of {len(LABELS)}")
    per_class = k // len(LABELS)
    shots = []
    for label in LABELS:
        pool = frame[frame["label"] == label]
        if len(pool) < per_class:
            raise ValueError(f"only {len(pool)} {label!r} reviews for {per_class} shots of that class")
        shots += [(text, label) for text in pool["text"].sample(per_class, random_state=seed)]
    random.Random(seed).shuffle(shots)
    return shots


def skewed_shots(frame, counts: dict[str, int], seed: int) -> list[tuple[str, str]]:
    """Examples with the given count per class, shuffled: reproduces the original's 3-of-5 label bias."""
    shots = []
    for label, count in counts.items():
        shots += [(text, label) for text in frame[frame["label"] == label]["text"].sample(count, random_state=seed)]
    random.Random(seed).shuffle(shots)
    return shots


def prompt_scores(parsed: list[str | None], labels: list[str]) -> dict:
    """Accuracy (unparsed answers count as wrong), parsed share, and the share answered 'positive' per true class."""
    if len(parsed) != len(labels) or not labels:
        raise ValueError(f"need one parsed answer per review: {len(parsed)} answers, {len(labels)} labels")
    correct = [p == label for p, label in zip(parsed, labels, strict=True)]
    answered = [c for c, p in zip(correct, parsed, strict=True) if p is not None]
    positive_given = {label: sum(p == "positive" for p, t in zip(parsed, labels, strict=True) if t == label)
                      / max(1, labels.count(label)) for label in LABELS}
    return {"accuracy": sum(correct) / len(correct), "parsed_share": len(answered) / len(parsed),
            "accuracy_when_parsed": sum(answered) / len(answered) if answered else None,
            "answered_positive": parsed.count("positive") / len(parsed),
            "positive_when_negative": positive_given["negative"], "positive_when_positive": positive_given["positive"],
            "correct": [int(c) for c in correct]}


def run_prompting(model, tokenizer, texts: list[str], labels: list[str], shots: list[tuple[str, str]],
                  batch_size: int = 16) -> dict:
    """Classify texts with a zero- or few-shot prompt and score the strict answers."""
    from helpers.generation import generate

    output = generate(model, tokenizer, [sentiment_prompt(text, shots) for text in texts], max_new_tokens=3,
                      batch_size=batch_size)
    parsed = [parse_sentiment_answer(text) for text in output.texts]
    return prompt_scores(parsed, labels) | {"answers": parsed, "seconds": output.seconds,
                                            "shot_labels": [label for _, label in shots]}


def search_hub_models(pipeline_tag: str, limit: int = 10, api=None) -> list[dict]:
    """Most downloaded Hub models for a task, with downloads and dates (uses the pinned hub's pipeline_tag filter)."""
    from huggingface_hub import HfApi

    api = api or HfApi()
    models = api.list_models(pipeline_tag=pipeline_tag, sort="downloads", limit=limit,
                             expand=["downloads", "likes", "createdAt", "lastModified", "pipeline_tag"])
    return [{"model": info.id, "task": info.pipeline_tag, "downloads": info.downloads, "likes": info.likes,
             "created": str(info.created_at.date()) if info.created_at else None,
             "modified": str(info.last_modified.date()) if info.last_modified else None} for info in models]
