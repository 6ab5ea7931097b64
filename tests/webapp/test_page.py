"""The page through Django's test client, in this process, on the session's SQLite database: a request
gives the top films with their similarity and each one's nearest films; bad requests get a sentence."""

import sqlite3

import numpy as np
import pytest

from helpers.films.recommender import HEADLINE_PROMPT
from helpers.films.vectors import cosine

pytestmark = pytest.mark.slow


def stored_vectors(path) -> dict:
    with sqlite3.connect(path) as connection:
        return {title: np.frombuffer(blob, dtype=np.float32)
                for title, blob in connection.execute("SELECT title, emb FROM movies_movie")}


def test_the_form_comes_empty(client):
    page = client.get("/")
    assert page.status_code == 200 and page.context["prompt"] == ""
    assert b'name="q"' in page.content and b'<ol class="films">' not in page.content


def test_a_request_gives_top_films_with_similarities_and_their_neighbours(client, film_db):
    from helpers.embeddings import load_embedder

    page = client.get("/", {"q": HEADLINE_PROMPT})
    assert page.status_code == 200
    found = page.context["found"]
    films = found["films"]
    assert [f["title"] for f in films][:1] == ["Shoot the Piano Player"] and len(films) == 5
    vectors = stored_vectors(film_db)
    query = load_embedder(found["model"]).encode([HEADLINE_PROMPT])[0]
    for film in films:
        assert film["similarity"] == pytest.approx(cosine(query, vectors[film["title"]]), abs=1e-5)
        assert film["title"].encode() in page.content.replace(b"&#x27;", b"'")
        assert len(film["neighbours"]) == 3 and film["title"] not in [t for t, _ in film["neighbours"]]
        for title, score in film["neighbours"]:
            assert score == pytest.approx(cosine(vectors[film["title"]], vectors[title]), abs=1e-5)
        scores = [score for _, score in film["neighbours"]]
        assert scores == sorted(scores, reverse=True)
    assert [f["similarity"] for f in films] == sorted((f["similarity"] for f in films), reverse=True)


@pytest.mark.parametrize("prompt,status,words", [("   ", 400, "Escribe qué película buscas"),
                                                 ("", 400, "Escribe qué película buscas"),
                                                 ("x" * 501, 400, "501 caracteres")])
def test_a_bad_request_gets_a_sentence_and_no_films(client, prompt, status, words):
    page = client.get("/", {"q": prompt})
    assert page.status_code == status and "found" not in page.context
    assert words in page.context["error"] and words.encode() in page.content
