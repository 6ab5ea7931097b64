"""Study 4: answer generation over the retrieved fragments (batched, resumable, with progress),
the outcome table of the citation judge, and its plot."""

from pathlib import Path

import numpy as np

from helpers.rag.answers import OUTCOMES, build_prompt, judge_answer

REMOTE_CODE_MODELS = ("jinaai/",)  # models whose architecture lives in Hub code, not in transformers
# Sentence encoders trained on English text only: a weak reference on the Spanish manual, not a rival.
ENGLISH_ONLY_EMBEDDERS = {"all-MiniLM-L6-v2", "all-mpnet-base-v2", "sentence-transformers/all-MiniLM-L6-v2",
                          "sentence-transformers/all-mpnet-base-v2"}


def remote_code_refusal(name: str, trust_remote_code: bool) -> str | None:
    """A one-line reason to skip a model that needs Hub code when it was not opted in, else None.

    Without trust_remote_code, jina-embeddings loads as a plain BERT with random layers, silently."""
    if name.startswith(REMOTE_CODE_MODELS) and not trust_remote_code:
        return (f"{name} runs code from the Hub; without TRUST_REMOTE_CODE = True it would load as plain BERT "
                f"with random layers, so it is skipped")
    return None


def answer_questions(model, tokenizer, items: list[dict], fragments: dict[str, list[str]], cache: Path,
                     max_new_tokens: int = 48, batch_size: int = 4, label: str = "Respuestas",
                     temperature: float = 0.0) -> tuple[dict, dict]:
    """Generate an answer per question from its fragments, `batch_size` prompts at a time (greedy, or
    sampled at `temperature` with generate's default top-k, as the original's call does).

    Every batch is written to `cache` (a JSON file that the caller keys by all settings), so an
    interrupted run resumes where it stopped. Returns (answers by question, {tokens, seconds})."""
    from tqdm.auto import tqdm

    from helpers.generation import generate
    from helpers.io import atomic_write_json, read_json

    state = read_json(cache) if Path(cache).exists() else {"answers": {}, "tokens": 0, "seconds": 0.0}
    todo = [q for q in items if q["question"] not in state["answers"]]
    batches = [todo[i:i + batch_size] for i in range(0, len(todo), batch_size)]
    for batch in tqdm(batches, desc=label, unit="lote"):
        prompts = [build_prompt(q["question"], fragments[q["question"]]) for q in batch]
        output = generate(model, tokenizer, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size,
                          temperature=temperature, progress=False)
        state["answers"].update({q["question"]: text for q, text in zip(batch, output.texts, strict=True)})
        state["tokens"] += output.new_tokens
        state["seconds"] += output.seconds
        atomic_write_json(cache, state)
    return state["answers"], {"tokens": state["tokens"], "seconds": state["seconds"]}


def judge_all(answers: dict[str, str], items: list[dict], fragments: dict[str, list[str]],
              gold: dict[str, list[bool]], threshold: float = 0.5) -> list[dict]:
    """judge_answer for every question (the same fragments the generator saw)."""
    return [{"question": q["question"], "in_manual": q["in_manual"], "answer": answers[q["question"]],
             "gold_shown": any(gold[q["question"]]), **judge_answer(answers[q["question"]], fragments[q["question"]], gold[q["question"]],
                            q["in_manual"], threshold)} for q in items]


def outcome_summary(judged: list[dict]) -> dict:
    """Separate rates with exact (Clopper-Pearson) 95% intervals: supported, unsupported and without citation over in-manual
    questions; refusals split by whether a fragment shown held the answer (wrong over those that
    did, justified over those that did not); correct refusals over out-of-manual questions; plus the
    number of unsupported citations."""
    from helpers.metrics import proportion_interval as rate

    inside = [row for row in judged if row["in_manual"]]
    outside = [row for row in judged if not row["in_manual"]]
    shown = [row for row in inside if row["gold_shown"]]
    missing = [row for row in inside if not row["gold_shown"]]
    summary = {}
    for outcome in ("supported", "unsupported", "no_citation"):
        summary[outcome] = rate([row["outcome"] == outcome for row in inside]) if inside else None
    # None where no question falls in the group (a small run may show every answer, or none)
    summary["wrong_refusal"] = rate([row["refused"] for row in shown]) if shown else None
    summary["justified_refusal"] = rate([row["refused"] for row in missing]) if missing else None
    summary["gold_shown"], summary["gold_missing"] = len(shown), len(missing)
    summary["correct_refusal"] = rate([row["outcome"] == "correct_refusal" for row in outside]) if outside else None
    summary["unsupported_citations"] = int(sum(len(row["unsupported_citations"]) for row in judged))
    summary["in_manual"], summary["outside"] = len(inside), len(outside)
    return summary


def plot_outcomes(counts: dict[str, dict[str, int]], path: Path, title: str) -> None:
    """Stacked bars: per generator, the share of answers in each outcome (saved to `path`)."""
    import matplotlib.pyplot as plt

    from helpers.io import atomic_write_bytes

    colours = dict(zip(OUTCOMES, ["tab:green", "tab:orange", "tab:gray", "tab:red", "tab:olive", "tab:blue",
                                  "tab:purple"], strict=True))
    names = {"supported": "cita apoyada", "unsupported": "cita sin apoyo", "no_citation": "sin cita",
             "wrong_refusal": "rechazo indebido", "justified_refusal": "rechazo sin la respuesta en el prompt",
             "correct_refusal": "rechazo correcto",
             "answered_outside": "responde fuera del manual"}
    fig, ax = plt.subplots(figsize=(9, 0.7 * len(counts) + 1.6))
    for row, outcome_counts in enumerate(counts.values()):
        total, left = sum(outcome_counts.values()) or 1, 0.0
        for outcome in OUTCOMES:
            share = outcome_counts.get(outcome, 0) / total
            ax.barh(row, share, left=left, color=colours[outcome], label=names[outcome] if row == 0 else None)
            left += share
    ax.set_yticks(np.arange(len(counts)), list(counts))
    ax.set_xlim(0, 1)
    ax.set_xlabel("proporción de respuestas")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, fontsize=8)
    fig.tight_layout()
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    atomic_write_bytes(path, buffer.getvalue())
    plt.show()
