"""Does bf16 change a study's conclusions? Study 01's candidate ranking and study 04's retrieval and
answers, run on the same sample in float32 and in bf16, side by side.

Usage: python -m benchmarks.precision_agreement (about 20 minutes on 2 cores; run it alone).
Writes outputs/bench/precision_agreement.json and prints the comparison.
"""

import json
import sys
from pathlib import Path

import numpy as np

from helpers.paths import REPO_ROOT

OUT = REPO_ROOT / "outputs" / "bench" / "precision_agreement"
DTYPES = ("float32", "bfloat16")
# A sample of each study: 01's ranking on 40 test dialogues (zero-shot and few-shot; LoRA, lists and the
# uncertainty analysis kept minimal); 04's retrieval and the full-precision generator on 24 + 6 questions.
RANKING = {"N_TEST": 40, "N_GENERATE": 2, "MAX_STEPS": 4, "N_UNCERTAINTY": 2, "CONSTRAINED": False}
RAG = {"N_QUESTIONS": 24, "N_OUTSIDE": 6, "GENERATORS": [["generator", 0]],
       "CHUNKINGS": {"palabras 300/100": ["palabras", 300, 100]}}
STRATEGIES = ("zero-shot", "few-shot")


def run_both(name: str, parameters: dict) -> dict[str, Path]:
    """The notebook run once per precision (a finished run is reused: its caches are keyed by precision)."""
    from helpers.notebook_runner import run_notebook

    return {dtype: run_notebook(name, OUT / f"{name}-{dtype}", {**parameters, "PRECISION": dtype}, progress=False)
            for dtype in DTYPES}


def _scores(folder: Path, strategy: str) -> dict[str, list[float]]:
    (path,) = folder.glob(f"scores_{strategy}.*.json")
    return {i: r["texts"] for i, r in json.loads(path.read_text(encoding="utf-8"))["results"].items()}


def _target_rank(scores: list[float]) -> float:
    """1-based rank of the target (candidate 0), ties at their expected position."""
    target, others = scores[0], np.asarray(scores[1:])
    return 1 + float((others > target).sum()) + 0.5 * float((others == target).sum())


def _side(difference: dict) -> str:
    return "above 0" if difference["low"] > 0 else "below 0" if difference["high"] < 0 else "includes 0"


def ranking_agreement(folders: dict[str, Path]) -> dict:
    """Per strategy: Spearman of the 20 scores per dialogue, identical target ranks, Recall@10 in each
    precision and their paired difference; and the study's paired comparisons, side by side."""
    from scipy.stats import spearmanr

    from helpers.metrics import paired_difference

    result = {}
    for strategy in STRATEGIES:
        a, b = (_scores(folders[d], strategy) for d in DTYPES)
        ids = sorted(a)
        rho = [spearmanr(a[i], b[i]).statistic for i in ids]
        ranks = {d: np.array([_target_rank(s[i]) for i in ids]) for d, s in zip(DTYPES, (a, b), strict=True)}
        hits = {d: (r <= 10).astype(float) for d, r in ranks.items()}
        result[strategy] = {"dialogues": len(ids), "spearman_median": float(np.median(rho)),
                            "spearman_min": float(np.min(rho)),
                            "same_target_rank": float(np.mean(ranks["float32"] == ranks["bfloat16"])),
                            "recall@10": {d: float(h.mean()) for d, h in hits.items()},
                            "bf16_minus_fp32": paired_difference(hits["bfloat16"], hits["float32"])}
    paired = {d: json.loads((folders[d] / "metrics.json").read_text())["protocols"]["ranking"]["paired_differences"]
              for d in DTYPES}
    result["paired_comparisons"] = {
        name: {d: {"mean": paired[d][name]["recall@10"]["mean"], "side": _side(paired[d][name]["recall@10"])}
               for d in DTYPES} for name in paired["float32"]}
    result["same_side_everywhere"] = all(c["float32"]["side"] == c["bfloat16"]["side"]
                                         for c in result["paired_comparisons"].values())
    return result


def rag_agreement(folders: dict[str, Path]) -> dict:
    """Retrieval identical in both precisions (it uses no LLM); per-question answer outcomes compared."""
    from helpers.metrics import paired_difference

    metrics = {d: json.loads((folders[d] / "metrics.json").read_text()) for d in DTYPES}
    judged = {d: next(iter(json.loads((folders[d] / "answers.json").read_text()).values())) for d in DTYPES}
    by_question = {d: {r["question"]: r for r in rows} for d, rows in judged.items()}
    questions = sorted(by_question["float32"])
    outcomes = {d: [by_question[d][q]["outcome"] for q in questions] for d in DTYPES}
    supported = {d: [o == "supported" for o in outcomes[d]] for d in DTYPES}
    return {"questions": len(questions),
            "retrieval_identical": metrics["float32"]["retrieval"] == metrics["bfloat16"]["retrieval"],
            "same_outcome": float(np.mean([a == b for a, b in zip(*outcomes.values(), strict=True)])),
            "same_answer_text": float(np.mean([by_question["float32"][q]["answer"] == by_question["bfloat16"][q]["answer"]
                                               for q in questions])),
            "supported": {d: float(np.mean(s)) for d, s in supported.items()},
            "supported_bf16_minus_fp32": paired_difference(supported["bfloat16"], supported["float32"])}


def main() -> int:
    from helpers.io import atomic_write_json

    report = {"ranking_01": ranking_agreement(run_both("01_gemma_movie_recommender", RANKING)),
              "rag_04": rag_agreement(run_both("04_rag_bash_manual", RAG))}
    atomic_write_json(OUT.parent / "precision_agreement.json", report)
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
