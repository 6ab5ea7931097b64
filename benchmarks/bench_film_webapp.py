"""Study 6's Django app: top-10 query time over the catalogue (938 films, real vectors) and over 100k
synthetic vectors, on SQLite and on PostgreSQL (a temporary Debian server), against the seed's
check_rec_sys loop (every Movie object, np.frombuffer and a cosine each, in Python).

Each backend runs in its own process, since Django reads its database settings once."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_film_search import _per_query_ms
from helpers.paths import REPO_ROOT

QUERIES = ["el pianista de un bar de París", "un conde vampiro de Transilvania", "soldados en Vietnam",
           "juguetes que cobran vida"]
SYNTHETIC_ROWS = 100_000


def seed_loop(query: np.ndarray, top_k: int = 10) -> list:
    """The seed's check_rec_sys: every Movie object, its bytes read back, a cosine each, in Python."""
    from helpers.films.vectors import cosine
    from webapp.movies.models import Movie

    scores = [(movie.title, cosine(query, np.frombuffer(movie.emb, dtype=movie.emb_dtype)))
              for movie in Movie.objects.exclude(emb=None)]
    return sorted(scores, key=lambda item: -item[1])[:top_k]


def _measure(store, queries, scale: str, loop_repeats: int, repeats: int) -> dict:
    """Rows for one scale: the seed's loop against reading the vectors and searching (as a command
    does), and against searching the matrix the page keeps in memory."""
    loop_ms = _per_query_ms(seed_loop, queries, loop_repeats)
    cold_ms = _per_query_ms(lambda q: store.index().search(q, 10), queries[:2], loop_repeats)
    start = time.perf_counter()
    index = store.index()
    read_seconds = time.perf_counter() - start
    warm_ms = _per_query_ms(lambda q: index.search(q, 10), queries, repeats)
    assert [t for t, _ in index.search(queries[0], 10)] == [t for t, _ in seed_loop(queries[0])]  # same answer
    common = {"unit": "ms/query", "baseline": loop_ms, "movies": len(index), "top_k": 10,
              "read_seconds": read_seconds}
    return {f"{scale}_read_and_search": {**common, "candidate": cold_ms, "ratio": loop_ms / cold_ms, "target": None},
            # The page keeps the matrix while no vector changes: one product per request.
            f"{scale}_in_memory": {**common, "candidate": warm_ms, "ratio": loop_ms / warm_ms, "target": 50}}


def backend_rows(backend: str) -> dict:
    """In a child process with DATABASE_URL set: build the tables, then time both scales."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "webapp.settings"
    django.setup()
    from django.core.management import call_command

    from helpers.embeddings import load_embedder
    from helpers.films.catalogue import load_catalogue
    from helpers.films.recommender import index_films, web_model
    from webapp.movies.models import Movie
    from webapp.movies.store import DjangoMovieStore

    call_command("migrate", verbosity=0)
    store, embedder = DjangoMovieStore(), load_embedder(web_model())
    index_films(store, load_catalogue().films, embedder, progress=False)
    queries = embedder.encode(QUERIES)
    rows = _measure(store, queries, f"webapp_{backend}_938", loop_repeats=3, repeats=50)
    Movie.objects.all().delete()
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((SYNTHETIC_ROWS, embedder.dimension)).astype(np.float32)
    films = [{"title": f"film {i}", "description": f"synthetic {i}"} for i in range(SYNTHETIC_ROWS)]
    start = time.perf_counter()
    for begin in range(0, SYNTHETIC_ROWS, 10_000):  # add_embeddings_db's path, in 10 transactions
        store.add_embeddings(films[begin:begin + 10_000], vectors[begin:begin + 10_000], "synthetic")
    build = time.perf_counter() - start
    synthetic = _measure(store, rng.standard_normal((2, embedder.dimension)), f"webapp_{backend}_100k_synthetic",
                         loop_repeats=1, repeats=5)
    return rows | {name: {**row, "build_seconds": build} for name, row in synthetic.items()}


def _child(database_url: str, backend: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_film_webapp", backend],
                          env={**os.environ, "DATABASE_URL": database_url}, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode:
        raise RuntimeError(f"{backend}: {done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def webapp_search() -> dict:
    """Both backends, each in its own process; PostgreSQL is a temporary server, thrown away after."""
    from helpers.films.django_app import sqlite_url
    from helpers.films.postgres import temporary_postgres

    with tempfile.TemporaryDirectory() as folder:
        rows = _child(sqlite_url(Path(folder) / "bench.sqlite3"), "sqlite")
    with temporary_postgres() as url:
        rows |= _child(url, "postgresql")
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    print(json.dumps(backend_rows(sys.argv[1])))
