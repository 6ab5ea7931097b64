"""A film's vector as bytes and back, the upsert rules and cosine search over the stored matrix: the one
copy that the SQLite store, the Django app (on SQLite or PostgreSQL) and notebook 06 share."""

import numpy as np

from helpers.retrieval import normalize_rows, top_k_indices

DTYPE = "float32"  # written with every row, and used to read it back


class StoreMismatchError(ValueError):
    """A query or an insert made with another model or dimension than the store's."""


class VectorBytesError(ValueError):
    """Stored bytes that do not hold `dimension` values of the recorded dtype."""


def to_bytes(vector, dtype: str = DTYPE) -> bytes:
    """The vector as raw bytes of `dtype`: what a BLOB, a Django BinaryField or a bytea column holds."""
    return np.asarray(vector, dtype=dtype).reshape(-1).tobytes()


def from_bytes(blob, dtype: str, dimension: int, where: str = "vector") -> np.ndarray:
    """The vector in blob (bytes, or the memoryview PostgreSQL gives), read with its recorded dtype;
    VectorBytesError when the size is not dimension values of that dtype."""
    size, itemsize = memoryview(blob).nbytes, np.dtype(dtype).itemsize
    if size != dimension * itemsize:
        # The seed's pitfall: np.array(list_of_floats) is float64, eight bytes a value.
        hint = (f" ({size // 8} float64 values: written as float64, read as {dtype})"
                if size == dimension * 8 and itemsize != 8 else "")
        raise VectorBytesError(f"{where}: {size} bytes, expected {dimension} values of {dtype} = "
                               f"{dimension * itemsize} bytes{hint}")
    return np.frombuffer(blob, dtype=dtype)


def as_matrix(vectors) -> np.ndarray:
    """The vectors as a 2-d float32 matrix (ValueError otherwise)."""
    matrix = np.asarray(vectors, dtype=DTYPE)
    if matrix.ndim != 2:
        raise ValueError(f"vectors must be a 2-d array, got shape {matrix.shape}")
    return matrix


def check_compatible(stored_model, stored_dimension, model: str, dimension: int | None, where: str) -> None:
    """StoreMismatchError unless model and dimension are the stored ones (anything goes while empty);
    dimension None checks the model alone, before loading it."""
    if stored_model is not None and (stored_model, stored_dimension) != (model, dimension or stored_dimension):
        got = f"{dimension}-d vectors" if dimension else "vectors"
        raise StoreMismatchError(
            f"{where} holds {stored_dimension}-d vectors from {stored_model!r}; got {got} "
            f"from {model!r}. Use the same model, or another database.")


def cosine(a, b) -> float:
    """cos(a, b) = a·b / (‖a‖ ‖b‖): 1 same direction, 0 orthogonal, -1 opposite; 0 for a zero vector."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norms) if norms else 0.0


def film_fields(row) -> dict:
    """title, description (stripped), genre (joined), year and url of a Film, or of a dict with those keys."""
    row = row if isinstance(row, dict) else dict(vars(row))
    genre = ", ".join(row["genres"]) if row.get("genres") else row.get("genre")
    return {"title": row["title"], "description": (row.get("description") or "").strip(),
            "genre": genre or None, "year": row.get("year"), "wiki_title": row.get("wiki_title")}


def pending_rows(rows: list, stored: dict) -> list:
    """The rows whose title is not in stored (title -> description) or whose description changed."""
    return [row for row in rows if stored.get(film_fields(row)["title"]) != film_fields(row)["description"]]


def upsert_action(existing, description: str, blob: bytes) -> str:
    """'empty', 'insert', 'unchanged' or 'update' for a row, given the stored (description, bytes) or None."""
    if not description:
        return "empty"  # never stored: a zero vector would match nothing and everything alike
    if existing is None:
        return "insert"
    stored_description, stored_blob = existing
    same = stored_blob is not None and bytes(stored_blob) == blob
    return "unchanged" if stored_description == description and same else "update"


def rank_hits(hits, top_k: int, exclude: str | None = None) -> list[tuple[str, float]]:
    """(title, score) pairs best first, exclude dropped; equal scores (to float noise between
    backends) ordered by title, so every backend breaks ties alike."""
    ordered = sorted(hits, key=lambda hit: (-round(hit[1], 5), hit[0]))
    return [hit for hit in ordered if hit[0] != exclude][:top_k]


def describe_matrix(titles: list[str], vectors: np.ndarray, sample: int = 3) -> dict:
    """How many vectors, their smallest and largest norms, and the first titles."""
    norms = np.linalg.norm(vectors, axis=1) if len(titles) else np.zeros(0)
    return {"movies": len(titles), "norm_min": float(norms.min()) if len(norms) else None,
            "norm_max": float(norms.max()) if len(norms) else None, "sample": list(titles[:sample])}


class CosineIndex:
    """Titles and their unit vectors in memory: a query costs one matrix product."""

    def __init__(self, titles: list[str], vectors: np.ndarray):
        """Scale every row to unit length once."""
        self.titles = list(titles)
        self.vectors = as_matrix(vectors) if len(self.titles) else np.zeros((0, 0), DTYPE)
        self.unit = normalize_rows(self.vectors) if len(self.titles) else self.vectors
        self.position = {title: i for i, title in enumerate(self.titles)}

    @classmethod
    def from_rows(cls, rows, where: str = "database") -> "CosineIndex":
        """From (title, bytes, dtype, dimension) rows, each read with its own recorded dtype."""
        titles, vectors = [], []
        for title, blob, dtype, dimension in rows:
            titles.append(title)
            vectors.append(from_bytes(blob, dtype, dimension, f"{where}: film {title!r}"))
        return cls(titles, np.stack(vectors) if vectors else np.zeros((0, 0), DTYPE))

    def __len__(self) -> int:
        return len(self.titles)

    def search(self, query, top_k: int = 10, exclude: str | None = None) -> list[tuple[str, float]]:
        """The top_k (title, cosine similarity) pairs for a query vector, best first."""
        query = np.asarray(query, dtype=DTYPE).reshape(-1)
        if not self.titles:
            return []
        if query.shape[0] != self.unit.shape[1]:
            raise StoreMismatchError(f"query has {query.shape[0]} dimensions, the films {self.unit.shape[1]}")
        scores = self.unit @ (query / (np.linalg.norm(query) or 1.0))
        # A few more than asked, so ties at the cut are ordered by title like every backend.
        best = top_k_indices(scores, top_k + (1 if exclude else 0) + 5)
        return rank_hits([(self.titles[i], float(scores[i])) for i in best], top_k, exclude)

    def neighbours(self, title: str, top_k: int = 3) -> list[tuple[str, float]]:
        """The films nearest to a stored film, the film itself left out."""
        return self.search(self.vectors[self.position[title]], top_k, exclude=title)
