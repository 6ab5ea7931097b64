"""Study 6: top-10 search in the SQLite store (sqlite-vec, NumPy) against the original's Python loop."""

import tempfile
import time
from pathlib import Path

import numpy as np

from helpers.embeddings import load_embedder
from helpers.films.catalogue import load_catalogue
from helpers.films.recommender import index_films
from helpers.films.vector_store import MovieVectorStore

QUERIES = ["película de un pianista", "a vampire count", "soldiers in Vietnam", "toys come to life",
           "a shark attacks a beach town", "un robot solitario", "a boxer", "a heist goes wrong"]
REPEATS = 20  # per query and backend, so the fast paths are timed over more than a few microseconds


def python_loop_search(connection, query: np.ndarray, top_k: int) -> list[tuple[str, float]]:
    """The original's approach: read every row, decode its BLOB, cosine in a Python loop."""
    scores = []
    for title, blob in connection.execute("SELECT title, embedding FROM movies"):
        vector = np.frombuffer(blob, dtype=np.float32)
        scores.append((title, float(np.dot(query, vector) / (np.linalg.norm(query) * np.linalg.norm(vector)))))
    return sorted(scores, key=lambda item: -item[1])[:top_k]


def _per_query_ms(function, queries, repeats) -> float:
    """Milliseconds per query, best of `repeats` passes (the least disturbed one)."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for query in queries:
            function(query)
        timings.append(1000 * (time.perf_counter() - start) / len(queries))
    return min(timings)


def search_latency() -> dict:
    """Milliseconds per top-10 query over the whole catalogue, three ways."""
    embedder = load_embedder("all-MiniLM-L6-v2")
    films = load_catalogue().films
    with tempfile.TemporaryDirectory() as folder:
        store = MovieVectorStore(Path(folder) / "movies.sqlite")
        index_films(store, films, embedder)
        queries = embedder.encode(QUERIES)
        store.matrix()  # the NumPy backend reads the BLOBs once and keeps the matrix
        loop_ms = _per_query_ms(lambda q: python_loop_search(store.connection, q, 10), queries, 5)
        vec_ms = _per_query_ms(lambda q: store.search(q, embedder.name, 10, "sqlite-vec"), queries, REPEATS)
        numpy_ms = _per_query_ms(lambda q: store.search(q, embedder.name, 10, "numpy"), queries, REPEATS)
        store.close()
    common = {"unit": "ms/query", "baseline": loop_ms, "target": 50, "movies": len(films), "top_k": 10}
    return {"film_search_numpy": {**common, "candidate": numpy_ms, "ratio": loop_ms / numpy_ms},
            "film_search_sqlite_vec": {**common, "candidate": vec_ms, "ratio": loop_ms / vec_ms}}


def embedding_throughput() -> dict:
    """Film summaries embedded per second by each local embedder (64 summaries each)."""
    texts = [film.description for film in load_catalogue(64).films]
    rates = {}
    for name in ["all-MiniLM-L6-v2", "all-mpnet-base-v2", "use-multilingual-v3"]:
        embedder = load_embedder(name)
        embedder.encode(texts[:4])  # warm-up
        start = time.perf_counter()
        embedder.encode(texts)
        rates[name] = len(texts) / (time.perf_counter() - start)
    slowest = min(rates.values())  # ratios against the slowest model of the same run
    return {f"film_embedding_{name}": {"unit": "texts/s", "baseline": slowest, "candidate": rate,
                                       "ratio": rate / slowest, "target": None}
            for name, rate in rates.items()}
