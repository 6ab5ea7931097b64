"""DATABASE_URL picks SQLite or PostgreSQL; anything else is refused with the forms it accepts."""

from pathlib import Path

import pytest

from webapp.database import DatabaseUrlError, database_from_url, database_label


def test_sqlite_urls_relative_and_absolute():
    assert database_from_url("sqlite:///outputs/m.sqlite3", Path("/work"))["NAME"] == Path("/work/outputs/m.sqlite3")
    entry = database_from_url("sqlite:////tmp/m.sqlite3", Path("/work"))
    assert entry == {"ENGINE": "django.db.backends.sqlite3", "NAME": Path("/tmp/m.sqlite3")}
    assert database_label(entry) == "SQLite /tmp/m.sqlite3"


def test_a_postgresql_url_and_its_label_without_the_password():
    entry = database_from_url("postgresql://ana:s%40cret@db.local:5433/films", Path("/"))
    assert (entry["ENGINE"], entry["NAME"], entry["USER"], entry["PASSWORD"], entry["HOST"], entry["PORT"]) == (
        "django.db.backends.postgresql", "films", "ana", "s@cret", "db.local", "5433")
    assert database_label(entry) == "PostgreSQL ana@db.local:5433/films"
    assert database_from_url("postgres://h/films", Path("/"))["PORT"] == ""


@pytest.mark.parametrize("url,words", [("mysql://h/films", "'mysql' is not supported"),
                                       ("sqlite://", "names no SQLite file"),
                                       ("sqlite://host/file.sqlite3", "names no SQLite file"),
                                       ("postgresql://h", "lacks a host or a database"),
                                       ("postgresql:///films", "lacks a host or a database"),
                                       ("postgresql://h:port/films", "port that is not a number")])
def test_urls_it_cannot_use_are_refused_with_the_accepted_forms(url, words):
    with pytest.raises(DatabaseUrlError, match=words):
        database_from_url(url, Path("/"))
