"""Uncertainty by input-clarification ensembling (Hou et al. 2024): total, aleatoric, epistemic.

For one dialogue, each clarification c rewrites the *request* with one plausible reading of what
the user wants. p(y | x, c) is the model's distribution over the candidate films y (softmax of
their scores). Following Hou et al. 2024:
- total uncertainty     H[ mean_c p(y | x, c) ]
- aleatoric (input)     total - epistemic = I(y; c | x): how much the answer depends on the reading
- epistemic (model)     mean_c H[ p(y | x, c) ]: the uncertainty left once the input is clarified
Entropies in nats; with n candidates, at most ln n.
"""

import numpy as np

CLARIFICATIONS = [
    "Recomienda {n} películas parecidas a las que dice que le gustaron.",
    "Recomienda {n} películas que cumplan lo que pide en la conversación (género, época, director o actor).",
    "Recomienda {n} películas acordes con el historial de películas que ha visto.",
    "Recomienda {n} películas que no conozca y que puedan sorprenderle, evitando lo que dice que no le gusta.",
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


def split_figure(labels: list[str], epistemic, aleatoric, target_first=None):
    """Stacked bars per dialogue: epistemic below, aleatoric on top (height = total); a star marks the
    dialogues whose mean distribution put the target first."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(5.0, 0.45 * len(labels) + 2), 3.4))
    names = [str(label) for label in labels]
    epistemic, aleatoric = np.asarray(epistemic, dtype=float), np.asarray(aleatoric, dtype=float)
    ax.bar(names, epistemic, label="epistémica (del modelo)", color="C0")
    ax.bar(names, aleatoric, bottom=epistemic, label="aleatoria (de la petición)", color="C1")
    if target_first is not None:
        first = np.asarray(target_first, dtype=bool)
        ax.scatter([names[i] for i in np.flatnonzero(first)], (epistemic + aleatoric)[first] + 0.05, marker="*", color="k",
                   label="objetivo en 1.er puesto")
    ax.set(xlabel="diálogo", ylabel="nats", title="Incertidumbre total por diálogo, descompuesta")
    ax.tick_params(axis="x", rotation=60, labelsize=7)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def difference_figure(paired: dict, metric: str, title: str):
    """Paired differences (mean and 95% interval) per strategy pair, a line at zero."""
    import matplotlib.pyplot as plt

    names = list(paired)
    means = np.array([paired[n][metric]["mean"] for n in names])
    lows = means - np.array([paired[n][metric]["low"] for n in names])
    highs = np.array([paired[n][metric]["high"] for n in names]) - means
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1.2))
    colours = ["C2" if paired[n][metric]["separated"] else "grey" for n in names]
    for row, colour in enumerate(colours):  # green: the interval excludes zero
        ax.errorbar(means[row], row, xerr=[[lows[row]], [highs[row]]], fmt="o", color=colour, capsize=3)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set(xlabel=f"diferencia de {metric} (fila: A - B), IC 95 % emparejado", title=title)
    fig.tight_layout()
    return fig


def reading(frame, candidates: int) -> list[str]:
    """Plain-language sentences (Spanish) about the per-dialogue figures (columns total, aleatoric,
    epistemic, objetivo_primero)."""
    ceiling = float(np.log(candidates))
    total, aleatoric = float(frame["total"].mean()), float(frame["aleatoric"].mean())
    share = aleatoric / total if total > 0 else 0.0
    lines = [f"La incertidumbre total media es {total:.2f} nats (el máximo, con {candidates} candidatos, es "
             f"{ceiling:.2f}): el modelo " + ("apenas distingue entre candidatos." if total > 0.9 * ceiling else
                                             "tiene preferencias entre candidatos.")]
    lines.append(f"El {share:.0%} es aleatoria (cambia con la lectura de la petición) y el {1 - share:.0%} epistémica.")
    first = frame[frame["objetivo_primero"]]["total"]
    rest = frame[~frame["objetivo_primero"]]["total"]
    if len(first) and len(rest):
        lines.append(f"Con el objetivo en primer puesto ({len(first)} diálogos) la total media es {first.mean():.2f}; "
                     f"sin él ({len(rest)}), {rest.mean():.2f}.")
    else:
        lines.append(f"El objetivo quedó primero en {len(first)} de {len(frame)} diálogos: no hay dos grupos que comparar.")
    return lines
