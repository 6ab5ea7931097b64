"""The same app on a real PostgreSQL (Debian's server, started in a temporary folder on a free
127.0.0.1 port): the four commands work, the vectors are bytea, and the answers are the cosines of
the same films' vectors as SQLite stored them."""

import json
import sqlite3

import pytest

from helpers.browser import free_port
from helpers.embeddings import load_embedder
from helpers.films.postgres import PostgresNotAvailable, postgres_bin, temporary_postgres
from helpers.films.vectors import CosineIndex
from tests.webapp.conftest import ok, one_line_failure, run

pytestmark = pytest.mark.slow
PROMPTS = ["un conde vampiro de Transilvania", "una historia de amor en la guerra"]
LIMIT = 200  # the first films of the catalogue: enough to compare, a fifth of the embedding time


@pytest.fixture(scope="module")
def postgres_url():
    """A fresh server for this module, stopped and deleted afterwards."""
    try:
        postgres_bin()
    except PostgresNotAvailable as error:
        pytest.skip(str(error))
    with temporary_postgres() as url:
        yield url


def test_the_four_commands_on_postgresql_give_sqlites_answers(postgres_url, film_db):
    import psycopg

    ok("migrate", url=postgres_url)
    assert f"insertadas {LIMIT}," in ok("add_embeddings_db", "--limit", LIMIT, url=postgres_url)
    assert f"sin cambios {LIMIT}," in ok("add_embeddings_db", "--limit", LIMIT, url=postgres_url)
    stats = json.loads(ok("check_embeddings_db", "--json", url=postgres_url))
    assert stats["movies"] == LIMIT and stats["database"].startswith("PostgreSQL films@127.0.0.1:")
    assert [(g["dimension"], g["dtype"]) for g in stats["groups"]] == [(512, "float32")]
    with psycopg.connect(postgres_url) as connection:
        kind = connection.execute("SELECT data_type FROM information_schema.columns "
                                  "WHERE table_name = 'movies_movie' AND column_name = 'emb'").fetchone()
        titles = [row[0] for row in connection.execute("SELECT title FROM movies_movie")]
    assert kind == ("bytea",) and len(titles) == LIMIT
    with sqlite3.connect(film_db) as connection:  # the same films' vectors, as SQLite stored them
        on_sqlite = CosineIndex.from_rows(connection.execute(
            f"SELECT title, emb, emb_dtype, emb_dimension FROM movies_movie WHERE title IN "
            f"({', '.join('?' * len(titles))})", titles))
    embedder = load_embedder(stats["model"])
    for prompt in PROMPTS:
        on_postgres = json.loads(ok("check_rec_sys", "--prompt", prompt, "--json", url=postgres_url))["films"]
        expected = on_sqlite.search(embedder.encode([prompt])[0], 5)
        assert [f["title"] for f in on_postgres] == [title for title, _ in expected]
        assert [f["similarity"] for f in on_postgres] == pytest.approx([score for _, score in expected], abs=1e-5)


def test_a_missing_postgresql_database_or_a_server_that_is_down_is_one_line(postgres_url):
    missing = postgres_url.rsplit("/", 1)[0] + "/no_such_db"
    one_line_failure(run("check_embeddings_db", url=missing), "no_such_db", "does not exist")
    one_line_failure(run("check_rec_sys", url=missing), "no_such_db")
    down = f"postgresql://films@127.0.0.1:{free_port()}/films"
    one_line_failure(run("add_embeddings_db", url=down), "Connection refused")
