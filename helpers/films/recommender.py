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

import numpy as np

from helpers.films.vector_store import AddReport, MovieVectorStore, StoreError, StoreMismatchError
from helpers.films.vectors import VectorBytesError

NOTEBOOK = "06_embeddings_movie_recommender"
# The page's example and the Django commands' default: its answer, Truffaut's *Shoot the Piano Player*
# (a bar pianist in Paris), is in the catalogue; Polanski's *The Pianist* is not.
HEADLINE_PROMPT = "el pianista de un bar de París"


def web_model(profile: str = "local") -> str:
    """The Django app's embedder: the study's multilingual one, since its users write in Spanish."""
    from helpers.registry import model_for

    return model_for(NOTEBOOK, "embedder_multilingual", profile)


def index_films(store, films: list, embedder, batch_size: int = 32,
                prune: bool = False, commit_every: int = 64, progress: bool = True) -> tuple[AddReport, float]:
    """Embed the films the store lacks (or whose text changed), committing every `commit_every`
    films: an interruption (or a hosted API that gives up) keeps every batch already committed,
    and the next call embeds only what is still missing.

    store: a MovieVectorStore, or any store with check_compatible, pending and add_embeddings (and
    retain, for prune) such as the Django app's. prune=True first deletes stored films that are not
    in `films`, so the store mirrors them. Returns the report and the seconds spent embedding; films with empty text are reported."""
    from tqdm.auto import tqdm

    if commit_every < 1:
        raise ValueError(f"commit_every must be at least 1, got {commit_every}")
    store.check_compatible(embedder.name, embedder.dimension)
    if prune:
        store.retain(film.title for film in films)
    pending = store.pending(films)
    report, seconds = AddReport(), 0.0
    groups = [pending[i:i + commit_every] for i in range(0, len(pending), commit_every)]
    for group in tqdm(groups, desc=f"Indexando con {embedder.name}", unit="lote", disable=not progress or not groups):
        texts = [film.description for film in group if film.description.strip()]
        start = time.perf_counter()
        vectors = embedder.encode(texts, batch_size=batch_size) if texts else np.zeros((0, embedder.dimension))
        seconds += time.perf_counter() - start
        # Empty descriptions get a zero row that add_embeddings refuses and reports, never stores.
        full = np.zeros((len(group), vectors.shape[1] if texts else embedder.dimension), dtype=np.float32)
        full[[i for i, film in enumerate(group) if film.description.strip()]] = vectors
        report.add(store.add_embeddings(group, full, embedder.name))  # one transaction per group
    report.unchanged += len(films) - len(pending)
    return report, seconds


def recommend(store: MovieVectorStore, embedder, prompt: str, top_k: int = 5,
              backend: str = "sqlite-vec") -> list[tuple[str, float]]:
    """The top_k (title, similarity) films for a free-text prompt."""
    return store.search(embedder.encode([prompt])[0], embedder.name, top_k, backend)


def tfidf_vectors(texts: list[str]) -> np.ndarray:
    """TF-IDF vectors of the texts (the lexical baseline), as a dense float32 matrix."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit_transform(texts)
    return matrix.astype(np.float32).toarray()


def _positive(text: str) -> int:
    value = int(text) if text.strip().lstrip("-").isdigit() else None
    if value is None or value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def _prompt(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("a prompt cannot be empty")
    return text


class _Parser(argparse.ArgumentParser):
    """argparse whose mistakes are two short lines (the usage block wraps over many)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n(python -m helpers.films --help for usage)\n")


def _cli(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m helpers.films", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-embeddings", help="embed the catalogue into the database (idempotent)")
    add.add_argument("--model", default="all-MiniLM-L6-v2", help="embedder alias or Hub id")
    add.add_argument("--limit", type=_positive, default=None, help="only the first N films")
    commands.add_parser("check-embeddings", help="counts, dimensions, norms and a sample")
    rec = commands.add_parser("check-recommendations", help="recommend for prompts")
    rec.add_argument("--prompt", action="append", type=_prompt, help="a prompt (repeatable); default: the labelled set")
    rec.add_argument("--top-k", type=_positive, default=5)
    rec.add_argument("--backend", choices=["sqlite-vec", "numpy"], default="sqlite-vec")
    for command in commands.choices.values():
        command.add_argument("--db", required=True, help="the SQLite file")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (StoreError, StoreMismatchError, VectorBytesError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the batches already committed are kept; run the same command to resume",
              file=sys.stderr)
        return 130


def _run(args) -> int:
    from helpers.embeddings import load_embedder
    from helpers.env import set_hub_offline
    from helpers.films.catalogue import load_catalogue
    from helpers.models import ModelNotAvailableError

    set_hub_offline(True)
    store = MovieVectorStore(args.db, create=args.command == "add-embeddings")
    try:
        if args.command == "add-embeddings":
            try:
                embedder = load_embedder(args.model)
            except (ModelNotAvailableError, KeyError, OSError) as error:
                raise StoreError(f"cannot load embedder {args.model!r}: {error}") from None
            report, seconds = index_films(store, load_catalogue(args.limit).films, embedder)
            print(report.describe(seconds))
        elif args.command == "check-embeddings":
            print(json.dumps(store.stats(), ensure_ascii=False, indent=2))
        else:
            if store.model is None:
                raise StoreError(f"{args.db} has no embeddings: run add-embeddings first")
            embedder = load_embedder(store.model)
            from helpers.films.evaluation import load_prompt_set

            for prompt in args.prompt or [p["prompt"] for p in load_prompt_set()]:
                hits = recommend(store, embedder, prompt, args.top_k, args.backend)
                print(f"\n{prompt}\n" + "\n".join(f"  {score:.3f}  {title}" for title, score in hits))
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
