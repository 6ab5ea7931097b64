"""The Movie table behind the small store interface that helpers.films.recommender.index_films fills
and the page searches, on SQLite or PostgreSQL alike (the vectors are bytes on both)."""

from django.db import connections, transaction
from django.db.models import Count, Max
from django.utils import timezone

from helpers.films.catalogue import wikipedia_url
from helpers.films.vector_store import AddReport
from helpers.films.vectors import (
    DTYPE,
    CosineIndex,
    StoreMismatchError,
    as_matrix,
    check_compatible,
    describe_matrix,
    film_fields,
    pending_rows,
    to_bytes,
    upsert_action,
)
from webapp.database import database_label
from webapp.movies.models import Movie

WRITTEN = ["description", "genre", "year", "url", "emb", "emb_dtype", "emb_dimension", "emb_model", "emb_updated"]
LOOKUP_CHUNK = 500  # titles per IN (...) query: SQLite caps the parameters of one statement


class DjangoMovieStore:
    """The films of one Django database (alias `using`) and their embeddings."""

    def __init__(self, using: str = "default"):
        """Bind to a database alias; nothing is read until asked."""
        self.using = using
        self.where = database_label(connections[using].settings_dict)

    def _movies(self):
        return Movie.objects.using(self.using)

    def _embedded(self):
        return self._movies().filter(emb__isnull=False)

    def kinds(self) -> list[dict]:
        """(model, dimension, dtype, count) of the stored vectors: one group in a sound database."""
        groups = self._embedded().values("emb_model", "emb_dimension", "emb_dtype").annotate(count=Count("id"))
        return [{"model": g["emb_model"], "dimension": g["emb_dimension"], "dtype": g["emb_dtype"],
                 "count": g["count"]} for g in groups.order_by("emb_model", "emb_dimension")]

    def stored(self) -> tuple[str | None, int | None]:
        """The model and dimension every stored vector has ((None, None) while there are none)."""
        kinds = self.kinds()
        if len({(k["model"], k["dimension"]) for k in kinds}) > 1:
            raise StoreMismatchError(f"{self.where} mixes vectors of several models: {kinds}")
        return (kinds[0]["model"], kinds[0]["dimension"]) if kinds else (None, None)

    def check_compatible(self, model: str, dimension: int) -> None:
        """StoreMismatchError unless model and dimension are the stored ones."""
        check_compatible(*self.stored(), model, dimension, self.where)

    def pending(self, rows: list) -> list:
        """The rows not stored with an embedding, or whose description changed."""
        return pending_rows(rows, dict(self._embedded().values_list("title", "description")))

    def _existing(self, titles: list[str]) -> dict:
        found = {}
        for start in range(0, len(titles), LOOKUP_CHUNK):
            found |= {m.title: m for m in self._movies().filter(title__in=titles[start:start + LOOKUP_CHUNK])}
        return found

    def add_embeddings(self, rows, vectors, model: str) -> AddReport:
        """Insert or update the films with their vectors in one transaction; skip empty descriptions."""
        vectors = as_matrix(vectors)
        self.check_compatible(model, vectors.shape[1])
        rows = [film_fields(row) for row in rows]
        report, now, new, changed = AddReport(), timezone.now(), [], []
        with transaction.atomic(using=self.using):  # a failure midway leaves the previous state
            existing = self._existing([row["title"] for row in rows])
            for row, vector in zip(rows, vectors, strict=True):
                blob, movie = to_bytes(vector), existing.get(row["title"])
                action = upsert_action(movie and (movie.description, movie.emb), row["description"], blob)
                if action == "empty":
                    report.empty.append(row["title"])
                    continue
                if action == "unchanged":
                    report.unchanged += 1
                    continue
                movie = movie or Movie(title=row["title"])
                movie.description, movie.genre, movie.year = row["description"], row["genre"] or "", row["year"]
                movie.url = wikipedia_url(row["wiki_title"]) if row["wiki_title"] else movie.url
                movie.emb, movie.emb_dtype, movie.emb_dimension = blob, DTYPE, vectors.shape[1]
                movie.emb_model, movie.emb_updated = model, now
                (changed if movie.pk else new).append(movie)
            self._movies().bulk_create(new, batch_size=500)
            self._movies().bulk_update(changed, WRITTEN, batch_size=500)
        report.inserted, report.updated = len(new), len(changed)
        return report

    def fingerprint(self) -> tuple:
        """(count, last write) of the stored vectors: changes whenever a vector is added or replaced."""
        seen = self._embedded().aggregate(count=Count("id"), last=Max("emb_updated"))
        return seen["count"], seen["last"]

    def index(self) -> CosineIndex:
        """Every stored vector read back with its own dtype and dimension, as a CosineIndex."""
        rows = self._embedded().order_by("id").values_list("title", "emb", "emb_dtype", "emb_dimension")
        rows = rows.iterator(chunk_size=2000)
        try:
            return CosineIndex.from_rows(rows, self.where)
        finally:
            rows.close()  # a bad row stops the read: close the cursor now, not after the connection

    def stats(self, sample: int = 3) -> dict:
        """Counts, model, dimension, dtypes, norms, the first values and a sample of titles."""
        index = self.index()
        model, dimension = self.stored()
        return {"database": self.where, **describe_matrix(index.titles, index.vectors, sample),
                "model": model, "dimension": dimension, "groups": self.kinds(),
                "without_embedding": self._movies().filter(emb__isnull=True).count(),
                "without_genre": self._embedded().filter(genre="").count(),
                "first_values": [round(float(v), 4) for v in index.vectors[0][:5]] if len(index) else []}
