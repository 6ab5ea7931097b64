"""The same app on a real PostgreSQL (Debian's server, started in a temporary folder on a free
127.0.0.1 port): the four commands work, the vectors are bytea, and the answers equal SQLite's."""

import json

import pytest

from helpers.browser import free_port
from helpers.films.django_app import sqlite_url
from helpers.films.postgres import PostgresNotAvailable, postgres_bin, temporary_postgres
from tests.webapp.conftest import FILMS, ok, one_line_failure, run

pytestmark = pytest.mark.slow
PROMPTS = ["el pianista de un bar de París", "un robot solitario limpia la basura de una Tierra abandonada"]


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
    assert f"insertadas {FILMS}," in ok("add_embeddings_db", url=postgres_url)
    assert f"sin cambios {FILMS}," in ok("add_embeddings_db", url=postgres_url)
    stats = json.loads(ok("check_embeddings_db", "--json", url=postgres_url))
    assert stats["movies"] == FILMS and stats["database"].startswith("PostgreSQL films@127.0.0.1:")
    assert [(g["dimension"], g["dtype"]) for g in stats["groups"]] == [(512, "float32")]
    for prompt in PROMPTS:
        on_postgres = json.loads(ok("check_rec_sys", "--prompt", prompt, "--json", url=postgres_url))["films"]
        on_sqlite = json.loads(ok("check_rec_sys", "--prompt", prompt, "--json", url=sqlite_url(film_db)))["films"]
        assert [f["title"] for f in on_postgres] == [f["title"] for f in on_sqlite]
        assert [f["similarity"] for f in on_postgres] == pytest.approx([f["similarity"] for f in on_sqlite], abs=1e-6)
    with psycopg.connect(postgres_url) as connection:
        kind = connection.execute("SELECT data_type FROM information_schema.columns "
                                  "WHERE table_name = 'movies_movie' AND column_name = 'emb'").fetchone()
        size = connection.execute("SELECT octet_length(emb) FROM movies_movie LIMIT 1").fetchone()
    assert kind == ("bytea",) and size == (512 * 4,)


def test_a_missing_postgresql_database_or_a_server_that_is_down_is_one_line(postgres_url):
    missing = postgres_url.rsplit("/", 1)[0] + "/no_such_db"
    one_line_failure(run("check_embeddings_db", url=missing), "no_such_db", "does not exist")
    one_line_failure(run("check_rec_sys", url=missing), "no_such_db")
    down = f"postgresql://films@127.0.0.1:{free_port()}/films"
    one_line_failure(run("add_embeddings_db", url=down), "Connection refused")
