"""Uncertainty by input-clarification ensembling (Hou et al. 2024): total, aleatoric, epistemic.

For one dialogue, the request is asked in several paraphrases ("clarifications" c). From the output
logits we take p(y | x, c), the model's distribution over the first token of its first recommended
title. Then, following Hou et al. 2024:
- total uncertainty     H[ mean_c p(y | x, c) ]
- epistemic (model)     mean_c H[ p(y | x, c) ]   the uncertainty left once the input is clarified
- aleatoric (input)     total - epistemic = I(y; c | x)   the mutual information between output and
                        clarification: how much the answer depends on how the request is worded.
Entropies in nats.
"""

import numpy as np

PARAPHRASES = [
    "Recomienda {n} películas para este usuario.",
    "¿Qué {n} películas le sugerirías a este usuario?",
    "Haz una lista de {n} películas que este usuario disfrutaría.",
    "Según la conversación y su historial, ¿qué {n} películas debería ver?",
    "Propón {n} películas que encajen con los gustos de este usuario.",
]


def entropy(probabilities: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy in nats (zeros contribute nothing)."""
    p = np.clip(probabilities, 1e-12, 1.0)
    return -(probabilities * np.log(p)).sum(axis=axis)


def decompose(distributions: np.ndarray) -> dict:
    """Total, epistemic and aleatoric uncertainty from one distribution per clarification (rows)."""
    distributions = np.asarray(distributions, dtype=np.float64)
    total = float(entropy(distributions.mean(axis=0)))
    epistemic = float(entropy(distributions).mean())
    return {"total": total, "epistemic": epistemic, "aleatoric": max(total - epistemic, 0.0)}


def next_token_distributions(model, tokenizer, texts: list[str], chat: bool, prefix: str = "1.",
                             batch_size: int = 4, progress: bool = True) -> np.ndarray:
    """Softmax of the logits for the token after prompt + prefix ("1." puts it on the first title)."""
    import torch
    from tqdm.auto import tqdm

    from helpers.generation import as_messages, chat_prompt

    rows = []
    prompts = [(chat_prompt(tokenizer, as_messages(t, None)) if chat else t) + prefix for t in texts]
    starts = range(0, len(prompts), batch_size)
    for start in tqdm(starts, desc="Distribuciones del siguiente token", unit="lote",
                      disable=not progress or len(starts) < 2):
        encoded = tokenizer(prompts[start:start + batch_size], return_tensors="pt", padding=True,
                            add_special_tokens=not chat).to(model.device)
        with torch.inference_mode():
            logits = model(**encoded).logits[:, -1, :].float()
        rows.append(torch.softmax(logits, dim=-1).cpu().numpy())
    return np.concatenate(rows)


def split_figure(labels: list[str], epistemic, aleatoric):
    """Stacked bars per dialogue: epistemic below, aleatoric on top; the bar's height is the total."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(5.0, 0.9 * len(labels) + 2), 3.2))
    names = [str(label) for label in labels]
    ax.bar(names, epistemic, label="epistémica (del modelo)", color="C0")
    ax.bar(names, aleatoric, bottom=epistemic, label="aleatoria (de la petición)", color="C1")
    ax.set(xlabel="diálogo", ylabel="nats", title="Incertidumbre total por diálogo, descompuesta")
    ax.tick_params(axis="x", rotation=30)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def jaccard_consistency(title_sets: list[set]) -> float:
    """Mean pairwise Jaccard overlap of the recommended sets across paraphrases (1 = identical)."""
    pairs = [(a, b) for i, a in enumerate(title_sets) for b in title_sets[i + 1:]]
    scores = [len(a & b) / len(a | b) for a, b in pairs if a | b]
    return float(np.mean(scores)) if scores else float("nan")


def reading(mean: dict, consistency: float, vocabulary: int) -> list[str]:
    """Plain-language sentences (Spanish) about the averaged figures."""
    ceiling = float(np.log(vocabulary))
    share = mean["aleatoric"] / mean["total"] if mean["total"] > 0 else 0.0
    lines = [f"La incertidumbre total media es {mean['total']:.2f} nats (el máximo posible, con "
             f"{vocabulary} tokens, sería {ceiling:.1f}): el modelo "
             + ("duda mucho" if mean["total"] > 0.5 * ceiling else "tiene preferencias claras" if mean["total"] < 1 else
                "duda entre varias opciones") + " al elegir la primera película."]
    lines.append(f"El {share:.0%} de esa incertidumbre es aleatoria (depende de cómo se formula la petición) y el "
                 f"{1 - share:.0%} epistémica (queda aunque la petición esté clara): "
                 + ("reformular la petición cambia mucho la respuesta." if share > 0.3 else
                    "la duda es sobre todo del propio modelo, no de la petición."))
    if np.isnan(consistency):
        lines.append("Ninguna lista de las paráfrasis tenía títulos del catálogo: no se puede medir la consistencia.")
    else:
        lines.append(f"Entre paráfrasis, las listas comparten de media un {consistency:.0%} de títulos (Jaccard): "
                     + ("recomendaciones estables." if consistency >= 0.5 else "recomendaciones poco estables."))
    return lines
