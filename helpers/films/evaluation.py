"""Study 6's evaluation: genre lift over random (per genre, Drama apart), the parallel prompt set
ranked by any method (embeddings or a lexical baseline), hit@k and MRR per language with intervals."""

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from helpers.paths import REPO_ROOT

PROMPTS_FILE = REPO_ROOT / "data" / "movie_prompts.json"


def load_prompt_set(path: str | Path = PROMPTS_FILE) -> list[dict]:
    """The labelled prompts, one row per intent and language: intent, lang, prompt, expected.

    Every intent is written in both languages with the same expected films (parallel prompts)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = []
    for index, item in enumerate(data.get("intents", [])):
        missing = [key for key in ("es", "en", "expected") if not item.get(key)]
        if missing:
            raise ValueError(f"{path}: intent {index} lacks {missing} (each intent needs 'es', 'en' and 'expected')")
        rows += [{"intent": index, "lang": lang, "prompt": item[lang], "expected": list(item["expected"])}
                 for lang in ("es", "en")]
    if not rows:
        raise ValueError(f"{path}: no 'intents' found")
    return rows


def rank_prompts(search: Callable[[str, int], list[str]], prompts: list[dict], titles, depth: int = 10) -> list[dict]:
    """Per prompt whose expected films are in `titles`: the ranked titles from search(prompt, depth),
    the rank of the first expected film (0 if none within depth), hit@1/5/10 and reciprocal rank."""
    titles = set(titles)
    rows = []
    for item in prompts:
        expected = [t for t in item["expected"] if t in titles]
        if not expected:
            continue  # a smaller catalogue slice may not hold these films
        ranked = list(search(item["prompt"], depth))[:depth]
        rank = next((r for r, title in enumerate(ranked, 1) if title in expected), 0)
        rows.append({**item, "expected": expected, "top": ranked[:5], "rank": rank,
                     **{f"hit@{k}": float(0 < rank <= k) for k in (1, 5, 10)}, "rr": 1.0 / rank if rank else 0.0})
    return rows


def language_summary(rows: list[dict], seed: int = 0) -> dict:
    """Per language: prompts, hit@5 and MRR as (mean, low, high) 95% bootstrap intervals; and the
    paired es - en difference over the intents present in both languages."""
    from helpers.metrics import bootstrap_interval, paired_difference

    summary = {}
    for lang in sorted({row["lang"] for row in rows}):
        part = [row for row in rows if row["lang"] == lang]
        summary[lang] = {"prompts": len(part), "hit@5": bootstrap_interval([r["hit@5"] for r in part], seed=seed),
                         "mrr": bootstrap_interval([r["rr"] for r in part], seed=seed)}
    by = {(row["intent"], row["lang"]): row for row in rows}
    both = sorted({i for i, lang in by if lang == "es" and (i, "en") in by})
    if both:
        summary["es-en"] = {metric: paired_difference([by[i, "es"][key] for i in both], [by[i, "en"][key] for i in both],
                                                      seed=seed) for metric, key in (("hit@5", "hit@5"), ("mrr", "rr"))}
    return summary


def genre_lift(neighbours, genres: list[set], k: int, min_films: int = 10, exclude=("Drama",)) -> dict:
    """Genre agreement as lift over random, so a dominant genre cannot pass for skill.

    For a film with genre g, the share of its k neighbours that also have g, divided by the share a
    random neighbour would have ((films with g - 1) / (films - 1)). Returns per genre (with at least
    `min_films` films) its films, precision, random share and lift; and per film the mean lift over
    its genres not in `exclude` (films with none left are skipped), for an interval over films."""
    n = len(genres)
    counts: dict[str, int] = {}
    for film_genres in genres:
        for genre in film_genres:
            counts[genre] = counts.get(genre, 0) + 1
    per_genre, per_film = {}, []
    for genre, count in sorted(counts.items(), key=lambda item: -item[1]):
        if count < min_films:
            continue
        members = [i for i in range(n) if genre in genres[i]]
        precision = float(np.mean([sum(genre in genres[j] for j in list(neighbours[i])[:k]) / k for i in members]))
        chance = (count - 1) / (n - 1)
        per_genre[genre] = {"films": count, "precision": precision, "random": chance, "lift": precision / chance}
    for i in range(n):
        kept = [g for g in genres[i] if g in per_genre and g not in exclude]
        if kept:
            lifts = [sum(g in genres[j] for j in list(neighbours[i])[:k]) / k / per_genre[g]["random"] for g in kept]
            per_film.append(float(np.mean(lifts)))
    return {"per_genre": per_genre, "per_film": np.array(per_film)}
