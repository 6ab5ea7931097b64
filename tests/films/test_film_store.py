import sqlite3

import numpy as np
import pytest

from helpers.films.catalogue import display_title, load_catalogue, shared_description_losers
from helpers.films.evaluation import load_prompt_set
from helpers.films.recommender import tfidf_vectors
from helpers.films.vector_store import MovieVectorStore, StoreMismatchError
from helpers.metrics import genre_agreement, hit_at_k
from helpers.retrieval import most_similar_pairs, nearest_neighbours, top_k_indices


def _rows(n, start=0):
    return [{"title": f"film {i}", "description": f"text {i}", "genres": ["Drama"], "year": 1950 + i}
            for i in range(start, start + n)]


@pytest.fixture
def store(tmp_path):
    store = MovieVectorStore(tmp_path / "movies.sqlite")
    yield store
    store.close()


def test_round_trip_keeps_values_dtype_and_model(store, tmp_path):
    vectors = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32)
    report = store.add_embeddings(_rows(5), vectors, "model-a")
    assert (report.inserted, report.updated, report.unchanged) == (5, 0, 0)
    store.close()
    reopened = MovieVectorStore(tmp_path / "movies.sqlite")
    _, titles, matrix = reopened.matrix()
    assert titles == [f"film {i}" for i in range(5)] and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix, vectors)
    row = sqlite3.connect(tmp_path / "movies.sqlite").execute(
        "SELECT dtype, dimension, model, genre, year FROM movies WHERE title = 'film 2'").fetchone()
    assert row == ("float32", 8, "model-a", "Drama", 1952)
    assert reopened.model == "model-a" and reopened.dimension == 8
    reopened.close()


def test_adding_again_is_idempotent_and_updates_changed_rows(store):
    vectors = np.eye(4, dtype=np.float32)
    store.add_embeddings(_rows(4), vectors, "m")
    again = store.add_embeddings(_rows(4), vectors, "m")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    changed = _rows(4)
    changed[1]["description"] = "new text"
    assert store.pending(changed) == [changed[1]]
    report = store.add_embeddings([changed[1]], vectors[2:3], "m")
    assert report.updated == 1 and store.count() == 4
    assert store.search(vectors[2], "m", 1, "sqlite-vec")[0][1] == pytest.approx(1.0)


def test_retain_prunes_films_no_longer_in_the_catalogue(store):
    store.add_embeddings(_rows(3), np.eye(3, dtype=np.float32), "m")
    assert store.retain(["film 0", "film 2"]) == 1
    assert [t for t, _ in store.search(np.ones(3), "m", 5)] == ["film 0", "film 2"]
    assert [t for t, _ in store.search(np.ones(3), "m", 5, "numpy")] == ["film 0", "film 2"]


def test_a_crash_midway_leaves_the_previous_state(store):
    store.add_embeddings(_rows(2), np.eye(2, 4, dtype=np.float32), "m")

    def rows_that_fail():
        yield from _rows(2, start=10)
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        store.add_embeddings(rows_that_fail(), np.ones((3, 4), np.float32), "m")
    assert store.count() == 2
    assert [t for t, _ in store.search(np.ones(4), "m", 10)] == ["film 0", "film 1"]


def test_first_add_that_crashes_leaves_an_empty_store(store):
    with pytest.raises(ValueError):
        store.add_embeddings(_rows(2), np.ones((3, 4), np.float32), "m")  # zip(strict=True) fails
    assert store.model is None and store.count() == 0


def test_other_model_or_dimension_is_refused(store):
    store.add_embeddings(_rows(2), np.eye(2, 4, dtype=np.float32), "model-a")
    with pytest.raises(StoreMismatchError, match="model-a"):
        store.search(np.ones(4), "model-b")
    with pytest.raises(StoreMismatchError, match="4-d"):
        store.search(np.ones(6), "model-a")
    with pytest.raises(StoreMismatchError):
        store.add_embeddings(_rows(1, 5), np.ones((1, 4), np.float32), "model-b")


def test_empty_descriptions_are_reported_not_stored(store):
    rows = _rows(3)
    rows[1]["description"] = "   "
    report = store.add_embeddings(rows, np.eye(3, dtype=np.float32), "m")
    assert report.empty == ["film 1"] and report.inserted == 2 and store.count() == 2


def test_sqlite_vec_and_numpy_return_the_same_top_k(store):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(300, 32)).astype(np.float32)
    store.add_embeddings(_rows(300), vectors, "m")
    for query in rng.normal(size=(20, 32)):
        vec = store.search(query, "m", 10, "sqlite-vec")
        num = store.search(query, "m", 10, "numpy")
        assert [t for t, _ in vec] == [t for t, _ in num]
        np.testing.assert_allclose([s for _, s in vec], [s for _, s in num], atol=1e-5)
    with pytest.raises(ValueError, match="backend"):
        store.search(vectors[0], "m", backend="faiss")


def test_search_excludes_the_query_film(store):
    vectors = np.eye(3, dtype=np.float32) + 0.1
    store.add_embeddings(_rows(3), vectors, "m")
    assert "film 0" not in [t for t, _ in store.search(vectors[0], "m", 2, exclude="film 0")]


def test_stats_report_norms_and_groups(store):
    store.add_embeddings(_rows(3), 2 * np.eye(3, dtype=np.float32), "m")
    stats = store.stats()
    assert stats["movies"] == 3 and stats["norm_min"] == stats["norm_max"] == 2.0
    assert stats["groups"] == [{"model": "m", "dimension": 3, "dtype": "float32", "count": 3}]


def test_hit_and_genre_agreement_by_hand():
    assert hit_at_k(["a", "b", "c"], {"c"}, 2) == 0.0 and hit_at_k(["a", "b", "c"], ["c"], 3) == 1.0
    genres = [{"Drama"}, {"Drama", "War"}, {"Comedy"}, set()]
    neighbours = [[1, 2], [2, 0], [3, 0], [0, 1]]
    result = genre_agreement(neighbours, genres, 2)
    assert result == {"hit": 2 / 3, "precision": (0.5 + 0.5 + 0.0) / 3, "items": 3}


def test_vector_primitives():
    scores = np.array([0.1, 0.9, 0.5, 0.7])
    assert top_k_indices(scores, 3).tolist() == [1, 3, 2]
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    assert nearest_neighbours(vectors, 1).ravel().tolist() == [1, 0, 3, 2]
    pairs = most_similar_pairs(vectors, 2)
    assert {p[:2] for p in pairs} == {(0, 1), (2, 3)}


def test_shared_summaries_stay_with_the_film_they_name():
    summaries = {"A Prophet": "A Prophet is a 2009 French film.", "All My Life": "A Prophet is a 2009 French film.",
                 "Vertigo (film)": "Vertigo is a 1958 film."}
    assert shared_description_losers(summaries) == {"All My Life"}
    assert display_title("Breathless (1960 film)") == "Breathless (1960)"
    assert display_title("Vertigo (film)") == "Vertigo"


def test_catalogue_and_labelled_prompts_agree():
    catalogue = load_catalogue()
    titles = {film.title for film in catalogue.films}
    assert len(catalogue.films) + len(catalogue.dropped) == 997
    assert len({f.description for f in catalogue.films}) == len(catalogue.films)  # no shared texts left
    assert sum(bool(f.genres) for f in catalogue.films) > 500
    prompts = load_prompt_set()
    for lang in ("es", "en"):  # the same intents in both languages, at least 26 each
        assert sorted(p["intent"] for p in prompts if p["lang"] == lang) == list(range(len(prompts) // 2))
    assert len(prompts) // 2 >= 26
    assert all(t in titles for p in prompts for t in p["expected"])


def test_tfidf_baseline_finds_the_shared_topic():
    texts = ["a vampire count in transylvania drinks blood", "the vampire count sleeps in a coffin",
             "a boxer trains for the title fight", "the boxer wins the fight"]
    assert nearest_neighbours(tfidf_vectors(texts), 1).ravel().tolist() == [1, 0, 3, 2]
