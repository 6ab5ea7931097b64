"""Study 4: the labelled questions and a fair retrieval evaluation (hit@k, MRR, random baseline,
bootstrap intervals over questions)."""

import json
from math import comb
from pathlib import Path

import numpy as np

from helpers.paths import REPO_ROOT

QUESTIONS_FILE = REPO_ROOT / "data" / "bash_questions.json"
SCORINGS = ("majority", "share", "any")


def load_questions(path: str | Path = QUESTIONS_FILE) -> dict:
    """The labelled questions (question, sections), the original questions and those outside the manual."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for index, item in enumerate(data["questions"]):
        if not item.get("question") or not item.get("sections"):
            raise ValueError(f"{path}: question {index} needs 'question' and a non-empty 'sections'")
    for index, item in enumerate(data.get("outside_questions", [])):
        if not item.get("question") or item.get("in_manual", False):
            raise ValueError(f"{path}: outside question {index} needs 'question' and in_manual false")
    return data


def answer_set(data: dict) -> list[dict]:
    """Every question the generators answer: the labelled ones (in the manual, with gold sections)
    and the ones whose answer is not in the manual (gold: refuse)."""
    inside = [{"question": q["question"], "sections": q["sections"], "in_manual": True} for q in data["questions"]]
    pool = [q for q in data.get("original_questions", []) if not q["in_manual"]]
    pool += data.get("outside_questions", []) + [data["outside_question"]]
    outside = [{"question": q["question"], "sections": [], "in_manual": False} for q in pool]
    return inside + outside


def _under(label: str, want: str) -> bool:
    return label == want or label.startswith(f"{want} / ")


def chunk_hits(chunk_labels: tuple[str, ...], expected: list[str]) -> bool:
    """A chunk touches an expected section when one of its labels is, or sits under, one."""
    return any(_under(label, want) for label in chunk_labels for want in expected)


def gold_share(chunk, expected: list[str]) -> float:
    """The share of the chunk's words that lie in expected sections (or their subsections)."""
    shares = chunk.shares or (1.0,) * len(chunk.labels)
    return float(sum(s for label, s in zip(chunk.labels, shares, strict=True)
                     if any(_under(label, want) for want in expected)) / (sum(shares) or 1.0))


def is_relevant(chunk, expected: list[str], scoring: str = "majority") -> bool:
    """Whether a chunk answers: 'majority' (the section holding most of its words is expected),
    'share' (at least half its words are in expected sections) or 'any' (touches one: unfair to
    long chunks, which carry several labels)."""
    if scoring == "majority":
        return chunk_hits((chunk.majority,), expected)
    if scoring == "share":
        return gold_share(chunk, expected) >= 0.5
    if scoring == "any":
        return chunk_hits(chunk.labels, expected)
    raise ValueError(f"scoring must be one of {SCORINGS}, got {scoring!r}")


def first_relevant_ranks(retriever, chunks, questions: list[dict], depth: int = 20, query_vectors=None,
                         scoring: str = "majority") -> np.ndarray:
    """Per question, the rank (1-based) of the first relevant chunk within `depth`, 0 if none."""
    ranks = []
    for index, item in enumerate(questions):
        vector = None if query_vectors is None else query_vectors[index]
        ranked = [i for i, _ in retriever.search(item["question"], depth, query_vector=vector)]
        ranks.append(next((rank for rank, i in enumerate(ranked, 1)
                           if is_relevant(chunks[i], item["sections"], scoring)), 0))
    return np.array(ranks, dtype=int)


def per_question(ranks: np.ndarray, ks=(1, 3, 5)) -> dict[str, np.ndarray]:
    """Per-question hit@k (0/1) and reciprocal rank, from the first relevant ranks."""
    ranks = np.asarray(ranks)
    values = {f"hit@{k}": ((ranks >= 1) & (ranks <= k)).astype(float) for k in ks}
    values["mrr"] = np.where(ranks > 0, 1.0 / np.maximum(ranks, 1), 0.0)
    return values


def random_expectation(n_chunks: int, n_relevant: int, ks=(1, 3, 5), depth: int = 20) -> dict[str, float]:
    """Exact hit@k and MRR (cut at `depth`) of a uniformly random ranking with n_relevant of n_chunks."""
    def p_first_at(i):  # the first i-1 ranks miss, rank i hits
        return comb(n_chunks - i, n_relevant - 1) / comb(n_chunks, n_relevant) if n_relevant else 0.0

    miss = [comb(n_chunks - n_relevant, k) / comb(n_chunks, k) for k in ks]
    return {**{f"hit@{k}": 1.0 - m for k, m in zip(ks, miss, strict=True)},
            "mrr": sum(p_first_at(i) / i for i in range(1, min(depth, n_chunks) + 1))}


def random_baseline(chunks, questions: list[dict], ks=(1, 3, 5), depth: int = 20,
                    scoring: str = "majority") -> dict[str, float]:
    """The random ranking's expected hit@k and MRR for this chunking, averaged over questions."""
    rows = [random_expectation(len(chunks), sum(is_relevant(c, q["sections"], scoring) for c in chunks), ks, depth)
            for q in questions]
    return {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}


def evaluate_retrieval(retriever, chunks, questions: list[dict], ks=(1, 3, 5), query_vectors=None,
                       scoring: str = "majority") -> dict:
    """Mean hit@k for each k and MRR (first relevant chunk within the top 10) over the questions."""
    ranks = first_relevant_ranks(retriever, chunks, questions, max(10, *ks), query_vectors, scoring)
    ranks = np.where(ranks > 10, 0, ranks)
    return {key: float(v.mean()) for key, v in per_question(ranks, ks).items()}


def with_intervals(values: dict[str, np.ndarray], seed: int = 0) -> dict[str, tuple[float, float, float]]:
    """(mean, low, high) 95% BCa bootstrap intervals over questions for each per-question metric."""
    from helpers.metrics import bootstrap_interval

    return {key: bootstrap_interval(v, seed=seed) for key, v in values.items()}


def separated_winner(per_config: dict[str, np.ndarray], seed: int = 0) -> tuple[str, str | None, dict]:
    """The best configuration by mean, its runner-up, and the paired difference between them:
    a winner is named only when that interval excludes zero (otherwise the second element is None)."""
    from helpers.metrics import paired_difference

    order = sorted(per_config, key=lambda name: -float(np.mean(per_config[name])))
    if len(order) < 2:
        return order[0], order[0], {}
    difference = paired_difference(per_config[order[0]], per_config[order[1]], seed=seed)
    return order[0], (order[0] if difference["separated"] else None), {"runner_up": order[1], **difference}
