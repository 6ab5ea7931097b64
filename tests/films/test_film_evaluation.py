"""Study 06: resumable indexing, genre lift over random, the parallel prompt set and its summary."""

import json

import numpy as np
import pytest

from helpers.films.catalogue import Film
from helpers.films.evaluation import genre_lift, language_summary, load_prompt_set, rank_prompts
from helpers.films.recommender import index_films
from helpers.films.vector_store import MovieVectorStore


class CountingEmbedder:
    """A deterministic stand-in that fails on a chosen call (like a hosted API giving up)."""

    name, dimension, max_tokens = "counting", 4, None

    def __init__(self, fail_on_call=None):
        self.calls, self.fail_on_call, self.texts = 0, fail_on_call, 0

    def encode(self, texts, batch_size=32, show_progress=False):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("HTTP 429 after 6 attempts")
        self.texts += len(texts)
        return np.array([[len(t), 1.0, t.count("a"), 0.5] for t in texts], dtype=np.float32)


FILMS = [Film(f"film {i}", f"film {i}", 1950 + i, f"text number {i} " + "a" * i, ("Drama",)) for i in range(10)]


def test_indexing_commits_per_batch_and_resumes_after_an_interruption(tmp_path):
    store = MovieVectorStore(tmp_path / "m.sqlite")
    with pytest.raises(RuntimeError, match="429"):
        index_films(store, FILMS, CountingEmbedder(fail_on_call=3), commit_every=4, progress=False)
    assert store.count() == 8  # two batches of four were committed before the third failed
    again = CountingEmbedder()
    report, _ = index_films(store, FILMS, again, commit_every=4, progress=False)
    assert again.texts == 2 and report.inserted == 2 and report.unchanged == 8 and store.count() == 10
    with pytest.raises(ValueError, match="commit_every"):
        index_films(store, FILMS, again, commit_every=0)
    store.close()


def test_genre_lift_is_one_at_random_and_high_for_genre_neighbours():
    rng = np.random.default_rng(0)
    genres = [{"Drama", "Horror"} if i % 4 == 0 else {"Drama", "Comedy"} for i in range(200)]
    k = 5
    random_nbrs = [rng.choice([j for j in range(200) if j != i], k, replace=False) for i in range(200)]
    same = [[j for j in range(200) if j != i and genres[j] == genres[i]][:k] for i in range(200)]
    at_random = genre_lift(random_nbrs, genres, k)
    perfect = genre_lift(same, genres, k)
    assert at_random["per_genre"]["Drama"]["lift"] == pytest.approx(1.0)  # every film is Drama: no signal
    assert perfect["per_genre"]["Drama"]["lift"] == pytest.approx(1.0)
    assert perfect["per_genre"]["Horror"]["lift"] == pytest.approx(199 / 49)
    assert abs(at_random["per_film"].mean() - 1) < 0.15 and perfect["per_film"].mean() > 1.5
    assert len(perfect["per_film"]) == 200  # Drama is left out of each film's mean, not the film


def test_prompt_set_rejects_an_intent_missing_a_language(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"intents": [{"es": "hola", "expected": ["X"]}]}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"intent 0 lacks \['en'\]"):
        load_prompt_set(path)


def test_rank_prompts_and_the_language_summary_by_hand():
    prompts = [{"intent": 0, "lang": "es", "prompt": "a", "expected": ["X"]},
               {"intent": 0, "lang": "en", "prompt": "b", "expected": ["X"]},
               {"intent": 1, "lang": "es", "prompt": "c", "expected": ["Z"]},
               {"intent": 1, "lang": "en", "prompt": "d", "expected": ["Y", "Z"]}]
    ranking = {"a": ["Q", "X"], "b": ["X"], "c": ["Q"], "d": ["Q", "Q", "Q", "Q", "Q", "Z"]}
    rows = rank_prompts(lambda text, depth: ranking[text], prompts, {"X", "Z", "Q"})
    assert [r["rank"] for r in rows] == [2, 1, 0, 6] and rows[3]["expected"] == ["Z"]
    assert [r["hit@5"] for r in rows] == [1, 1, 0, 0] and rows[0]["rr"] == 0.5
    summary = language_summary(rows)
    assert summary["es"]["mrr"][0] == 0.25 and summary["en"]["mrr"][0] == pytest.approx((1 + 1 / 6) / 2)
    assert summary["es-en"]["mrr"]["mean"] == pytest.approx(0.25 - (1 + 1 / 6) / 2) and summary["es-en"]["mrr"]["n"] == 2
