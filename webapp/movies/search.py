"""What the commands and the page share: is the database ready (asked without creating it), the
stored vectors kept in memory while they do not change, and a request's films with their neighbours."""

import threading
from functools import lru_cache
from pathlib import Path

from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from helpers.films.vectors import StoreMismatchError, VectorBytesError
from helpers.models import ModelNotAvailableError
from webapp.database import database_label
from webapp.movies.models import Movie
from webapp.movies.store import DjangoMovieStore

MAX_PROMPT = 500  # characters; a request longer than this is a paste gone wrong
# What a request can meet besides its own text: bytes of the wrong size, mixed models, an embedder
# that cannot load (an API model without its key), a film without a vector.
READ_ERRORS = (VectorBytesError, StoreMismatchError, ModelNotAvailableError, LookupError, OSError)
_indexes: dict = {}
_lock = threading.Lock()


def one_line(error: BaseException) -> str:
    """An error's message on one line (drivers answer in several)."""
    text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    return " ".join(text.split())


def database_problem(using: str = "default") -> str | None:
    """Why the database cannot be read yet (missing, not a database, not migrated), or None.

    A missing SQLite file is reported before connecting, since connecting would create it."""
    entry = connections[using].settings_dict
    where = database_label(entry)
    if entry["ENGINE"].endswith("sqlite3") and not Path(entry["NAME"]).is_file():
        return (f"la base de datos {entry['NAME']} no existe: créala con `python manage.py migrate` y "
                f"llénala con `python manage.py add_embeddings_db`")
    try:
        connection = connections[using]
        if Movie._meta.db_table not in connection.introspection.table_names():
            return f"{where} no tiene la tabla de películas: ejecuta `python manage.py migrate`"
        executor = MigrationExecutor(connection)
        missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return f"no se puede leer {where}: {one_line(error)}"
    if missing:
        return f"a {where} le faltan {len(missing)} migraciones: ejecuta `python manage.py migrate`"
    return None


@lru_cache(maxsize=2)
def embedder(name: str):
    """The embedder a database's vectors were made with, loaded once per process."""
    from helpers.embeddings import load_embedder
    from helpers.env import set_hub_offline

    set_hub_offline(True)
    return load_embedder(name)


def cached_index(store: DjangoMovieStore):
    """The store's CosineIndex, read again only when a vector was added or replaced."""
    key = (store.using, store.where, store.fingerprint())
    with _lock:
        if key not in _indexes:
            _indexes.clear()  # one database at a time: the old matrix is garbage
            _indexes[key] = store.index()
        return _indexes[key]


def ask(prompt: str, top_k: int, neighbours: int, using: str = "default") -> dict:
    """The top_k films for a prompt, each with its similarity, details and its nearest films."""
    store = DjangoMovieStore(using)
    model, _ = store.stored()
    if model is None:
        raise LookupError(f"{store.where} no tiene embeddings: ejecuta `python manage.py add_embeddings_db`")
    index = cached_index(store)
    hits = index.search(embedder(model).encode([prompt])[0], top_k)
    details = {m.title: m for m in Movie.objects.using(using).filter(title__in=[t for t, _ in hits])}
    films = [{"title": title, "similarity": score, "year": details[title].year, "genre": details[title].genre,
              "url": details[title].url, "neighbours": index.neighbours(title, neighbours),
              # 'Psycho (1960)' already names its year
              "shown_year": details[title].year if f"({details[title].year})" not in title else None}
             for title, score in hits]
    return {"model": model, "movies": len(index), "films": films}
