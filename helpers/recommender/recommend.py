"""Study 1: prompts, fine-tuning targets, baselines, the resumable generation cache and the evaluation."""

import math
from collections import Counter
from pathlib import Path

import numpy as np

from helpers.io import atomic_write_json, settings_key
from helpers.metrics import bootstrap_interval, ndcg_at_k, recall_at_k  # noqa: F401  (re-exported for the notebook)
from helpers.recommender.redial import Dialogue, RedialData
from helpers.text import TitleIndex, normalize_title, parse_recommendations

REQUEST = "Recomienda {n} películas para este usuario."  # the request the paraphrases reword


def history_block(data: RedialData, user_id: str, n: int) -> str:
    """The user's last n history titles, most recent last."""
    return "; ".join(data.titles(data.history.get(user_id, [])[-n:])) or "(sin historial)"


def instruction_prompt(data: RedialData, dialogue: Dialogue, n: int = 10, history: int = 20,
                       request: str = REQUEST) -> str:
    """A chat instruction: conversation, viewing history and the request for a numbered list."""
    return (f"Conversación con un usuario:\n{dialogue.context(data.item_map)}\n\n"
            f"Películas que el usuario ha visto: {history_block(data, dialogue.user_id, history)}\n\n"
            f"{request.format(n=n)} Responde solo con una lista numerada de {n} títulos con su año, "
            "sin repetir películas que ya haya mencionado.")


def completion_prompt(data: RedialData, dialogue: Dialogue, n: int = 10, history: int = 20,
                      examples: list[tuple[Dialogue, list[str]]] = (), request: str = REQUEST) -> str:
    """A text to continue for base models: (examples, then) the dialogue and the start of the list."""
    blocks = []
    for example, titles in list(examples) + [(dialogue, None)]:
        listing = "\n".join(f"{i}. {t}" for i, t in enumerate(titles, 1)) if titles else "1."
        blocks.append(f"Conversación:\n{example.context(data.item_map)}\n"
                      f"Historial: {history_block(data, example.user_id, history)}\n"
                      f"{request.format(n=n)}\n{listing}")
    return "\n\n".join(blocks)


def popularity(data: RedialData, users) -> Counter:
    """How many of the given users have each item in their history."""
    return Counter(item for user in users for item in set(data.history.get(user, [])))


def fine_tune_target(data: RedialData, dialogue: Dialogue, popular: list[str], n: int = 10) -> list[str]:
    """Ground truth, then films the user liked later, then popular films to fill up; never a film the
    dialogue mentions or the user's history holds (so training never rewards copying the prompt)."""
    shown = set(dialogue.likes) | set(dialogue.dislikes) | set(data.history.get(dialogue.user_id, []))
    target = []
    for item in [*dialogue.rec_items, *data.might_like.get(dialogue.user_id, []), *popular]:
        if item not in shown and item not in target and item in data.item_map:
            target.append(item)
        if len(target) == n:
            break
    return target


def styled_prompt(tokenizer, data: RedialData, dialogue: Dialogue, style: str, n: int, history: int,
                  examples: list[tuple[Dialogue, list[str]]] = (), request: str = REQUEST) -> str:
    """The prompt text every strategy gets in a run, ending where the first title begins ("1.").

    style "completion": a text to continue (base models); "chat": the instruction through the chat
    template, the answer started with "1."."""
    if style == "completion":
        return completion_prompt(data, dialogue, n, history, examples, request)
    if style != "chat":
        raise ValueError(f"PROMPT_STYLE must be 'completion' or 'chat', got {style!r}")
    from helpers.generation import as_messages, chat_prompt

    shots = "".join(f"Ejemplo {k}:\n{instruction_prompt(data, d, n, history, request)}\n{numbered(titles)}\n\n"
                    for k, (d, titles) in enumerate(examples, 1))
    text = instruction_prompt(data, dialogue, n, history, request)
    return chat_prompt(tokenizer, as_messages(f"{shots}Ahora tú:\n{text}" if shots else text, None)) + "1."


def numbered(titles: list[str]) -> str:
    """'1. A\\n2. B' for a list of titles."""
    return "\n".join(f"{i}. {t}" for i, t in enumerate(titles, 1))


def most_popular(popular: list[str], exclude: set, n: int = 10) -> list[str]:
    """The n most popular training items the user has not mentioned."""
    return [item for item in popular if item not in exclude][:n]


class ItemSimilarity:
    """Item-to-item cosine similarity from co-occurrence in training histories."""

    def __init__(self, data: RedialData, users):
        items = sorted({i for u in users for i in data.history.get(u, [])}, key=int)
        self.items, self.position = items, {item: k for k, item in enumerate(items)}
        matrix = np.zeros((len(users), len(items)), dtype=np.float32)
        for row, user in enumerate(users):
            matrix[row, [self.position[i] for i in set(data.history.get(user, []))]] = 1
        norms = np.linalg.norm(matrix, axis=0) + 1e-9
        self.similarity = (matrix.T @ matrix) / np.outer(norms, norms)
        np.fill_diagonal(self.similarity, 0)

    def summed(self, seeds: list[str]) -> np.ndarray | None:
        """Each known item's similarity summed over the seed items (a repeated seed counts again);
        None when no seed is known."""
        rows = [self.position[s] for s in seeds if s in self.position]
        return self.similarity[rows].sum(axis=0) if rows else None

    def scores(self, seeds: list[str], items: list[str]) -> list[float]:
        """The summed similarity of each given item to the seeds (0 for an unknown item or no seed)."""
        summed = self.summed(seeds)
        return [float(summed[self.position[i]]) if summed is not None and i in self.position else 0.0 for i in items]

    def recommend(self, seeds: list[str], exclude: set, n: int = 10) -> list[str]:
        """Items most similar, in sum, to the seed items; excluded ones left out."""
        summed = self.summed(seeds)
        if summed is None:
            return []
        order = np.argsort(-summed, kind="stable")
        return [self.items[k] for k in order if self.items[k] not in exclude][:n]


class CacheError(RuntimeError):
    """A generation cache that cannot be used as it is; it is left untouched."""


class GenerationCache:
    """Generated texts per dialogue in a JSON file named by the key of every setting and input (data
    content) that shaped them: other settings get another file (generated anew, the old one kept),
    the same settings resume. Written atomically after each batch."""

    def __init__(self, path: str | Path, settings: dict, *inputs):
        import json

        base = Path(path)
        self.settings, self.key = settings, settings_key(settings, *inputs)
        self.path = base.with_name(f"{base.stem}.{self.key}{base.suffix}")
        self.results: dict[str, dict] = {}
        if self.path.exists():
            try:
                saved = json.loads(self.path.read_text(encoding="utf-8"))
                results, key = saved["results"], saved["key"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise CacheError(f"{self.path} is corrupted ({error}); it was left as it is: move or delete it "
                                 "to generate again") from None
            if key != self.key:
                raise CacheError(f"{self.path} holds key {key}, not {self.key}: it was renamed or edited; delete it")
            self.results = results

    def missing(self, ids: list[str]) -> list[str]:
        """Ids without saved results (what a resumed run still has to generate)."""
        return [i for i in ids if i not in self.results]

    def add_many(self, results: dict[str, dict]) -> None:
        """Save a batch of dialogues' lists in one atomic write (a kill keeps whole batches only)."""
        self.results.update(results)
        atomic_write_json(self.path, {"key": self.key, "settings": self.settings, "results": self.results})

    def add(self, dialogue_id: str, texts: list[str], seconds: float, new_tokens: int) -> None:
        """Save one dialogue's lists and write the file atomically."""
        self.add_many({dialogue_id: {"texts": texts, "seconds": seconds, "new_tokens": new_tokens}})


def batch_seed(key: str, ids: list[str]) -> int:
    """The seed of one batch: from the cache key and the batch's ids, so a resumed run (which meets
    the same batches) draws the same samples as an uninterrupted one."""
    import hashlib

    return int(hashlib.sha256("|".join([key, *ids]).encode()).hexdigest()[:8], 16)


def run_cached(cache: GenerationCache, ids: list[str], generate_batch, mode: str = "generate", batch: int = 4):
    """Fill the cache for ids with generate_batch(ids) -> (texts per id, seconds, new tokens); resumes.

    Every batch is seeded from its ids (batch_seed) before generate_batch runs."""
    from tqdm.auto import tqdm

    from helpers.env import seed_everything

    if mode not in ("generate", "load"):
        raise ValueError(f"mode must be 'generate' or 'load', got {mode!r}")
    pending = cache.missing(ids)
    if mode == "load" and pending:
        raise CacheError(f"{cache.path} lacks {len(pending)} of {len(ids)} dialogues; use MODE='generate' to resume")
    label = f"Generando listas ({cache.path.stem.split('.')[0].removeprefix('generations_')})"
    for start in tqdm(range(0, len(pending), batch), desc=label, unit="lote", disable=not pending):
        chunk = pending[start:start + batch]
        seed_everything(batch_seed(cache.key, chunk))
        texts, seconds, new_tokens = generate_batch(chunk)
        cache.add_many({dialogue_id: {"texts": lists, "seconds": seconds / len(chunk),
                                      "new_tokens": new_tokens // len(chunk)}
                        for dialogue_id, lists in zip(chunk, texts, strict=False)})
    return {i: cache.results[i] for i in ids}


def ranked_lists(texts: list[str], index: TitleIndex, n: int = 10, threshold: float = 80) -> list[list[str | None]]:
    """Each generated text as its list of catalogue titles (None where none scored >= threshold)."""
    parsed = [parse_recommendations(text, limit=n) for text in texts]
    flat = index.match_many([title for titles in parsed for title in titles], threshold)
    lists, position = [], 0
    for titles in parsed:
        lists.append(flat[position:position + len(titles)])
        position += len(titles)
    return lists


def score_list(ranked: list[str | None], relevant: set, mentioned: set, ks=(5, 10)) -> dict:
    """Recall@k and NDCG@k as generated, without mentioned films, and without unmatched titles."""
    variants = {"": ranked,
                "|sin_mencionadas": [t for t in ranked if t not in mentioned],
                "|sin_no_encontradas": [t for t in ranked if t is not None]}
    scores = {}
    for suffix, items in variants.items():
        items = [t if t is not None else object() for t in items]  # unmatched keep their slot, never relevant
        for k in ks:
            scores[f"recall@{k}{suffix}"] = recall_at_k(items, relevant, k)
            scores[f"ndcg@{k}{suffix}"] = ndcg_at_k(items, relevant, k)
    return scores


def popularity_concentration(lists: list[list[str | None]], popular_titles: list[str], top: int = 20) -> float:
    """Share of the matched recommendations that are among the `top` most popular training films."""
    head = set(popular_titles[:top])
    matched = [t for ranked in lists for t in ranked if t is not None]
    return sum(t in head for t in matched) / len(matched) if matched else math.nan


def normalised_set(titles) -> set:
    """Titles compared by their normalised form."""
    return {normalize_title(t) for t in titles if t}
