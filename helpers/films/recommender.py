"""Study 6: index film summaries in a vector store, recommend for prompts, evaluate.

Also the command line that mirrors the original's Django management commands:
  python -m helpers.films add-embeddings --db movies.sqlite --model all-MiniLM-L6-v2
  python -m helpers.films check-embeddings --db movies.sqlite
  python -m helpers.films check-recommendations --db movies.sqlite --prompt "película de un pianista"
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from helpers.films.vector_store import AddReport, MovieVectorStore
from helpers.metrics import hit_at_k
from helpers.paths import REPO_ROOT

PROMPTS_FILE = REPO_ROOT / "data" / "movie_prompts.json"


def index_films(store: MovieVectorStore, films: list, embedder, batch_size: int = 32,
                prune: bool = False) -> tuple[AddReport, float]:
    """Embed the films the store lacks (or whose text changed) and add them in one transaction.

    prune=True first deletes stored films that are not in `films`, so the store mirrors them.
    Returns the report and the seconds spent embedding; films with empty text are reported."""
    store.check_compatible(embedder.name, embedder.dimension)
    if prune:
        store.retain(film.title for film in films)
    pending = store.pending(films)
    texts = [film.description for film in pending if film.description.strip()]
    start = time.perf_counter()
    vectors = embedder.encode(texts, batch_size=batch_size, show_progress=True)
    seconds = time.perf_counter() - start
    # Empty descriptions get a zero row that add_embeddings refuses and reports, never stores.
    full = np.zeros((len(pending), embedder.dimension), dtype=np.float32)
    full[[i for i, film in enumerate(pending) if film.description.strip()]] = vectors
    return store.add_embeddings(pending, full, embedder.name), seconds


def recommend(store: MovieVectorStore, embedder, prompt: str, top_k: int = 5,
              backend: str = "sqlite-vec") -> list[tuple[str, float]]:
    """The top_k (title, similarity) films for a free-text prompt."""
    return store.search(embedder.encode([prompt])[0], embedder.name, top_k, backend)


def load_prompt_set(path: str | Path = PROMPTS_FILE) -> list[dict]:
    """The hand-labelled prompts: lang, prompt and expected titles."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    prompts = data["prompts"]
    for index, item in enumerate(prompts):
        missing = {"lang", "prompt", "expected"} - set(item)
        if missing or not item.get("expected"):
            raise ValueError(f"{path}: prompt {index} lacks {sorted(missing) or ['expected titles']}")
    return prompts


def evaluate_prompts(store: MovieVectorStore, embedder, prompts: list[dict], ks=(1, 5, 10),
                     backend: str = "sqlite-vec") -> list[dict]:
    """Per prompt whose expected films are in the store: hit@k for each k and the results."""
    titles = set(store.matrix()[1])
    rows = []
    for item in prompts:
        expected = [t for t in item["expected"] if t in titles]
        if not expected:
            continue  # a smaller catalogue slice may not hold these films
        ranked = [title for title, _ in recommend(store, embedder, item["prompt"], max(ks), backend)]
        rows.append({"lang": item["lang"], "prompt": item["prompt"], "expected": expected,
                     "top": ranked[:5], **{f"hit@{k}": hit_at_k(ranked, expected, k) for k in ks}})
    return rows


def tfidf_vectors(texts: list[str]) -> np.ndarray:
    """TF-IDF vectors of the texts (the lexical baseline), as a dense float32 matrix."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit_transform(texts)
    return matrix.astype(np.float32).toarray()


def _cli(argv: list[str] | None = None) -> int:
    from helpers.embeddings import load_embedder
    from helpers.env import set_hub_offline
    from helpers.films.catalogue import load_catalogue

    parser = argparse.ArgumentParser(prog="python -m helpers.films", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-embeddings", help="embed the catalogue into the database (idempotent)")
    add.add_argument("--model", default="all-MiniLM-L6-v2", help="embedder alias or Hub id")
    add.add_argument("--limit", type=int, default=None, help="only the first N films")
    commands.add_parser("check-embeddings", help="counts, dimensions, norms and a sample")
    rec = commands.add_parser("check-recommendations", help="recommend for prompts")
    rec.add_argument("--prompt", action="append", help="a prompt (repeatable); default: the labelled set")
    rec.add_argument("--top-k", type=int, default=5)
    rec.add_argument("--backend", choices=["sqlite-vec", "numpy"], default="sqlite-vec")
    for command in commands.choices.values():
        command.add_argument("--db", required=True, help="the SQLite file")
    args = parser.parse_args(argv)
    set_hub_offline(True)
    store = MovieVectorStore(args.db)
    if args.command == "add-embeddings":
        report, seconds = index_films(store, load_catalogue(args.limit).films, load_embedder(args.model))
        print(f"insertadas {report.inserted}, actualizadas {report.updated}, sin cambios {report.unchanged}, "
              f"vacías {len(report.empty)} ({seconds:.1f} s de embeddings)")
    elif args.command == "check-embeddings":
        print(json.dumps(store.stats(), ensure_ascii=False, indent=2))
    else:
        if store.model is None:
            parser.error(f"{args.db} has no embeddings: run add-embeddings first")
        embedder = load_embedder(store.model)
        for prompt in args.prompt or [p["prompt"] for p in load_prompt_set()]:
            hits = recommend(store, embedder, prompt, args.top_k, args.backend)
            print(f"\n{prompt}\n" + "\n".join(f"  {score:.3f}  {title}" for title, score in hits))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
