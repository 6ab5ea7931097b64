"""The seed's three management commands on SQLite: they work from a fresh database, the two checks
read without writing, and every user mistake is one line with nothing created or changed."""

import hashlib
import json
import sqlite3

import numpy as np
import pytest

from helpers.films.django_app import sqlite_url
from helpers.films.recommender import HEADLINE_PROMPT, web_model
from helpers.films.vectors import cosine
from tests.webapp.conftest import FILMS, float64_copy, ok, one_line_failure, run

pytestmark = pytest.mark.slow


def fingerprint(path):
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_adding_again_embeds_nothing_and_the_checks_report_what_is_stored(film_db):
    assert f"insertadas 0, actualizadas 0, sin cambios {FILMS}," in ok("add_embeddings_db", url=sqlite_url(film_db))
    stats = json.loads(ok("check_embeddings_db", "--json", url=sqlite_url(film_db)))
    assert stats["movies"] == FILMS and stats["without_embedding"] == 0
    assert stats["groups"] == [{"model": web_model(), "dimension": 512, "dtype": "float32", "count": FILMS}]
    assert 0.999 < stats["norm_min"] <= stats["norm_max"] < 1.001  # USE's vectors are unit length
    text = ok("check_embeddings_db", url=sqlite_url(film_db))
    assert f"{FILMS} películas con embedding" in text and "512 valores float32" in text


def test_the_headline_request_finds_its_film_and_the_reads_write_nothing(film_db):
    before = fingerprint(film_db)
    text = ok("check_rec_sys", url=sqlite_url(film_db))
    assert f"«{HEADLINE_PROMPT}»" in text and text.splitlines()[1].endswith("Shoot the Piano Player (1960)")
    ok("check_embeddings_db", url=sqlite_url(film_db))
    assert fingerprint(film_db) == before


def test_similarities_are_the_cosines_of_the_stored_bytes(film_db):
    from helpers.embeddings import load_embedder

    found = json.loads(ok("check_rec_sys", "--prompt", "película de un pianista", "--top-k", "4", "--json",
                          url=sqlite_url(film_db)))
    titles = [film["title"] for film in found["films"]]
    assert len(titles) == 4 and "The Pianist" not in titles  # not in the catalogue
    query = load_embedder(found["model"]).encode(["película de un pianista"])[0]
    with sqlite3.connect(film_db) as connection:
        stored = dict(connection.execute("SELECT title, emb FROM movies_movie"))
    by_hand = {title: cosine(query, np.frombuffer(blob, dtype=np.float32)) for title, blob in stored.items()}
    best = sorted(by_hand, key=by_hand.get, reverse=True)[:4]
    assert titles == best
    for film in found["films"]:
        assert film["similarity"] == pytest.approx(by_hand[film["title"]], abs=1e-5)


@pytest.mark.parametrize("command", [["check_embeddings_db"], ["check_rec_sys"], ["add_embeddings_db"]])
def test_a_missing_database_is_one_line_and_is_not_created(tmp_path, command):
    missing = tmp_path / "typo.sqlite3"
    one_line_failure(run(*command, url=sqlite_url(missing)), "no existe", "migrate")
    assert not missing.exists()


def test_a_database_that_is_not_sqlite_or_not_migrated_is_one_line(tmp_path):
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("these are my notes\n" * 20)
    one_line_failure(run("check_embeddings_db", url=sqlite_url(notes)), "file is not a database")
    assert notes.read_text().startswith("these are my notes")
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    one_line_failure(run("check_rec_sys", url=sqlite_url(empty)), "migrate")


@pytest.mark.parametrize("url,words", [("ftp://host/films", ["ftp", "postgresql://"]),
                                       ("sqlite://", ["names no SQLite file"]),
                                       ("postgresql://films@127.0.0.1:port/films", ["port"])])
def test_a_database_url_it_cannot_use_is_one_line(url, words):
    one_line_failure(run("check_embeddings_db", url=url), *words)


@pytest.mark.parametrize("arguments,words", [
    (["check_rec_sys", "--prompt", "   "], ["--prompt", "vacía"]),
    (["check_rec_sys", "--top-k", "0"], ["--top-k", "al menos 1"]),
    (["check_rec_sys", "--prompt", "x" * 501], ["501 caracteres"]),
    (["add_embeddings_db", "--limit", "-5"], ["--limit"]),
    (["add_embeddings_db", "--commit-every", "many"], ["--commit-every"]),
])
def test_bad_arguments_are_refused_before_anything_runs(film_db, arguments, words):
    before = fingerprint(film_db)
    one_line_failure(run(*arguments, url=sqlite_url(film_db)), *words)
    assert fingerprint(film_db) == before


@pytest.mark.parametrize("model,words", [("no-such-model", ["no-such-model", "use-multilingual-v3"]),
                                         ("all-MiniLM-L6-v2", ["512-d", "use-multilingual-v3", "all-MiniLM-L6-v2"])])
def test_another_or_unknown_model_is_refused_and_nothing_is_written(film_db, model, words):
    before = fingerprint(film_db)
    one_line_failure(run("add_embeddings_db", "--model", model, url=sqlite_url(film_db)), *words)
    assert fingerprint(film_db) == before


def test_an_unknown_model_on_an_empty_database_writes_no_film(tmp_path):
    url = sqlite_url(tmp_path / "fresh.sqlite3")
    ok("migrate", url=url)
    one_line_failure(run("add_embeddings_db", "--model", "no-such-model", url=url), "no se puede cargar")
    one_line_failure(run("check_rec_sys", url=url), "no tiene embeddings", "add_embeddings_db")
    assert "0 películas con embedding" in ok("check_embeddings_db", url=url)


def test_bytes_of_the_wrong_size_name_the_film_and_the_dtype_pitfall(film_db, tmp_path):
    copy = float64_copy(film_db, tmp_path)
    for command in ("check_embeddings_db", "check_rec_sys"):
        one_line_failure(run(command, url=sqlite_url(copy)), "'Vertigo'", "4096 bytes", "2048 bytes",
                         "written as float64, read as float32")
