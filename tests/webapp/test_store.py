"""The Django store index_films fills, in this process on the session's database: another model or
dimension is refused before anything is written."""

import numpy as np
import pytest

from helpers.films.vectors import StoreMismatchError

pytestmark = pytest.mark.slow


def test_vectors_of_another_dimension_or_model_are_refused_and_nothing_is_written(client):
    from webapp.movies.models import Movie
    from webapp.movies.store import DjangoMovieStore

    store = DjangoMovieStore()
    model, dimension = store.stored()
    before = store.fingerprint()
    rows = [{"title": "Nueva", "description": "una película que no está"}]
    with pytest.raises(StoreMismatchError, match=f"holds {dimension}-d vectors from '{model}'; got 384-d"):
        store.add_embeddings(rows, np.ones((1, 384)), model)
    with pytest.raises(StoreMismatchError, match="got 512-d vectors from 'all-MiniLM-L6-v2'"):
        store.add_embeddings(rows, np.ones((1, 512)), "all-MiniLM-L6-v2")
    assert store.fingerprint() == before and not Movie.objects.filter(title="Nueva").exists()
    assert store.pending(rows) == rows and store.pending([{"title": "Vertigo", "description": "otra"}])
