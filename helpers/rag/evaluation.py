"""Study 4: the labelled questions and retrieval evaluation (hit@k, MRR)."""

import json
from pathlib import Path

from helpers.paths import REPO_ROOT

QUESTIONS_FILE = REPO_ROOT / "data" / "bash_questions.json"


def load_questions(path: str | Path = QUESTIONS_FILE) -> dict:
    """The labelled questions (question, sections), the original questions and the outside one."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for index, item in enumerate(data["questions"]):
        if not item.get("question") or not item.get("sections"):
            raise ValueError(f"{path}: question {index} needs 'question' and a non-empty 'sections'")
    return data


def chunk_hits(chunk_labels: tuple[str, ...], expected: list[str]) -> bool:
    """A chunk answers when one of its labels is expected, or sits under an expected section."""
    return any(label == want or label.startswith(f"{want} / ") for label in chunk_labels for want in expected)


def evaluate_retrieval(retriever, chunks, questions: list[dict], ks=(1, 3, 5), query_vectors=None) -> dict:
    """hit@k for each k and MRR (first relevant chunk within the top 10) over the questions."""
    hits = {k: 0.0 for k in ks}
    reciprocal = 0.0
    for index, item in enumerate(questions):
        vector = None if query_vectors is None else query_vectors[index]
        ranked = [i for i, _ in retriever.search(item["question"], max(10, *ks), query_vector=vector)]
        relevant = [chunk_hits(chunks[i].labels, item["sections"]) for i in ranked]
        for k in ks:
            hits[k] += any(relevant[:k])
        reciprocal += next((1.0 / rank for rank, ok in enumerate(relevant, 1) if ok), 0.0)
    n = len(questions)
    return {**{f"hit@{k}": hits[k] / n for k in ks}, "mrr": reciprocal / n}
