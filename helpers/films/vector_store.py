"""Embeddings stored in a real SQLite file: a movies table with BLOB vectors, searched by
sqlite-vec (a vec0 table, KNN with MATCH) or by NumPy over the stored matrix."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers.films.vectors import (
    DTYPE,
    CosineIndex,
    StoreMismatchError,
    as_matrix,
    check_compatible,
    describe_matrix,
    film_fields,
    from_bytes,
    pending_rows,
    rank_hits,
    to_bytes,
    upsert_action,
)

__all__ = ["DTYPE", "AddReport", "MovieVectorStore", "StoreError", "StoreMismatchError", "connect"]


class StoreError(ValueError):
    """The database path is a folder, missing (when it must exist), not SQLite, or another schema."""


SCHEMA = {"meta": {"key", "value"},
          "movies": {"id", "title", "description", "genre", "year", "embedding", "dtype", "dimension", "model"}}


@dataclass
class AddReport:
    """What add_embeddings did: rows inserted, updated, unchanged, and texts refused as empty."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    empty: list[str] = field(default_factory=list)

    def add(self, other: "AddReport") -> None:
        """Count another report's rows into this one."""
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.empty += other.empty

    def describe(self, seconds: float) -> str:
        """One line for the user, in Spanish, as every add-embeddings command prints it."""
        return (f"insertadas {self.inserted}, actualizadas {self.updated}, sin cambios {self.unchanged}, "
                f"vacías {len(self.empty)} ({seconds:.1f} s de embeddings)")


def connect(path: str | Path):
    """A SQLite connection (sqlean, a sqlite3 build that can load extensions) with sqlite-vec loaded."""
    import sqlean
    import sqlite_vec

    connection = sqlean.connect(str(path))
    connection.enable_load_extension(True)
    sqlite_vec.load(connection)
    connection.enable_load_extension(False)
    return connection


class MovieVectorStore:
    """A SQLite file of movies and their embeddings, bound to one embedding model and dimension."""

    def __init__(self, path: str | Path, create: bool = True):
        """Open (create=True: or create) the store; StoreError when the path cannot be one."""
        import sqlean

        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder, not a database file")
        if not create and not self.path.is_file():
            raise StoreError(f"{self.path} does not exist (nothing was created): run add-embeddings first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = connect(self.path)
        try:
            with self.connection:
                self.connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                self.connection.execute(
                    "CREATE TABLE IF NOT EXISTS movies (id INTEGER PRIMARY KEY, title TEXT NOT NULL UNIQUE, "
                    "description TEXT NOT NULL, genre TEXT, year INTEGER, embedding BLOB NOT NULL, "
                    "dtype TEXT NOT NULL, dimension INTEGER NOT NULL, model TEXT NOT NULL)")
            self._check_schema()
        except sqlean.DatabaseError as error:
            self.connection.close()
            raise StoreError(f"{self.path} is not a SQLite database of this project ({error})") from None
        except StoreError:
            self.connection.close()
            raise
        self._matrix_cache = self._index_cache = None

    def _check_schema(self) -> None:
        for table, wanted in SCHEMA.items():
            columns = {row[1] for row in self.connection.execute(f"PRAGMA table_info({table})")}
            if not wanted <= columns:
                raise StoreError(f"{self.path}: table {table!r} lacks columns {sorted(wanted - columns)}; "
                                 f"it was made by another program: use another --db file")

    def _meta(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def model(self) -> str | None:
        """The embedding model every vector in this store was made with (None while empty)."""
        return self._meta("model")

    @property
    def dimension(self) -> int | None:
        """The vectors' dimension (None while empty)."""
        value = self._meta("dimension")
        return int(value) if value else None

    def check_compatible(self, model: str, dimension: int) -> None:
        """Raise StoreMismatchError unless model and dimension are this store's."""
        check_compatible(self.model, self.dimension, model, dimension, str(self.path))

    def add_embeddings(self, rows, vectors: np.ndarray, model: str) -> AddReport:
        """Insert or update movies with their vectors in one transaction; skip empty descriptions.

        rows: dicts (or objects) with title, description and optional genre, year.
        """
        vectors = as_matrix(vectors)
        self.check_compatible(model, vectors.shape[1])
        report = AddReport()
        with self.connection:  # one transaction: a failure midway leaves the previous state
            self.connection.execute("INSERT OR IGNORE INTO meta VALUES ('model', ?), ('dimension', ?)",
                                    (model, str(vectors.shape[1])))
            self.connection.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS vec_movies USING vec0("
                f"embedding float[{vectors.shape[1]}] distance_metric=cosine)")
            for row, vector in zip(rows, vectors, strict=True):
                self._upsert(film_fields(row), vector, model, report)
        self._matrix_cache = self._index_cache = None
        return report

    def _upsert(self, row: dict, vector: np.ndarray, model: str, report: AddReport) -> None:
        title, description, blob = row["title"], row["description"], to_bytes(vector)
        existing = self.connection.execute(
            "SELECT id, description, embedding FROM movies WHERE title = ?", (title,)).fetchone()
        action = upsert_action(existing and existing[1:], description, blob)
        values = (description, row["genre"], row["year"], blob, DTYPE, vector.shape[0], model)
        if action == "empty":
            report.empty.append(title)
        elif action == "insert":
            cursor = self.connection.execute(
                "INSERT INTO movies (description, genre, year, embedding, dtype, dimension, model, title) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*values, title))
            self.connection.execute("INSERT INTO vec_movies (rowid, embedding) VALUES (?, ?)",
                                    (cursor.lastrowid, blob))
            report.inserted += 1
        elif action == "unchanged":
            report.unchanged += 1
        else:
            self.connection.execute(
                "UPDATE movies SET description = ?, genre = ?, year = ?, embedding = ?, dtype = ?, "
                "dimension = ?, model = ? WHERE id = ?", (*values, existing[0]))
            self.connection.execute("UPDATE vec_movies SET embedding = ? WHERE rowid = ?", (blob, existing[0]))
            report.updated += 1

    def pending(self, rows: list) -> list:
        """The rows whose title is missing or whose description changed: only these need embedding."""
        return pending_rows(rows, dict(self.connection.execute("SELECT title, description FROM movies")))

    def retain(self, titles) -> int:
        """Delete the movies whose title is not in titles (one transaction); return how many."""
        keep = set(titles)
        stale = [(id_,) for id_, title in self.connection.execute("SELECT id, title FROM movies") if title not in keep]
        with self.connection:
            self.connection.executemany("DELETE FROM movies WHERE id = ?", stale)
            if stale:
                self.connection.executemany("DELETE FROM vec_movies WHERE rowid = ?", stale)
        self._matrix_cache = self._index_cache = None
        return len(stale)

    def count(self) -> int:
        """How many movies hold an embedding."""
        return self.connection.execute("SELECT COUNT(*) FROM movies").fetchone()[0]

    def matrix(self) -> tuple[list[int], list[str], np.ndarray]:
        """(ids, titles, vectors) read from the BLOBs with their recorded dtype and dimension."""
        if self._matrix_cache is None:
            rows = self.connection.execute(
                "SELECT id, title, embedding, dtype, dimension FROM movies ORDER BY id").fetchall()
            vectors = np.stack([from_bytes(blob, dtype, dim, f"{self.path}: film {title!r}")
                                for _, title, blob, dtype, dim in rows]) if rows else np.zeros((0, 0), DTYPE)
            self._matrix_cache = ([r[0] for r in rows], [r[1] for r in rows], vectors)
        return self._matrix_cache

    def index(self) -> CosineIndex:
        """The stored vectors as a CosineIndex (rows scaled to unit length once, then kept)."""
        if self._index_cache is None:
            _, titles, vectors = self.matrix()
            self._index_cache = CosineIndex(titles, vectors)
        return self._index_cache

    def unit_matrix(self) -> tuple[list[int], list[str], np.ndarray]:
        """Like matrix(), rows scaled to unit length once, so a query costs one product."""
        return self.matrix()[0], self.index().titles, self.index().unit

    def search(self, query: np.ndarray, model: str, top_k: int = 10, backend: str = "sqlite-vec",
               exclude: str | None = None) -> list[tuple[str, float]]:
        """The top_k (title, cosine similarity) pairs for a query vector, best first."""
        query = np.asarray(query, dtype=DTYPE).reshape(-1)
        if self.model is None:
            raise ValueError(f"{self.path} is empty: add embeddings first")
        self.check_compatible(model, query.shape[0])
        extra = 1 if exclude else 0
        if backend == "sqlite-vec":
            hits = self.connection.execute(
                "SELECT m.title, v.distance FROM (SELECT rowid, distance FROM vec_movies "
                "WHERE embedding MATCH ? AND k = ? ORDER BY distance) v JOIN movies m ON m.id = v.rowid "
                "ORDER BY v.distance", (query.tobytes(), top_k + extra)).fetchall()
            return rank_hits([(title, 1.0 - distance) for title, distance in hits], top_k, exclude)
        if backend == "numpy":
            return self.index().search(query, top_k, exclude)
        raise ValueError(f"backend must be 'sqlite-vec' or 'numpy', got {backend!r}")

    def stats(self, sample: int = 3) -> dict:
        """Counts, dimensions, dtypes, norms and a sample of rows (the 'check embeddings' command)."""
        _, titles, vectors = self.matrix()
        kinds = self.connection.execute(
            "SELECT model, dimension, dtype, COUNT(*) FROM movies GROUP BY 1, 2, 3").fetchall()
        return {"path": str(self.path), **describe_matrix(titles, vectors, sample), "model": self.model,
                "dimension": self.dimension,
                "groups": [dict(zip(("model", "dimension", "dtype", "count"), k, strict=True)) for k in kinds],
                "without_genre": self.connection.execute(
                    "SELECT COUNT(*) FROM movies WHERE genre IS NULL").fetchone()[0]}

    def close(self) -> None:
        """Close the database file."""
        self.connection.close()
