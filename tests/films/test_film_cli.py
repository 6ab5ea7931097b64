"""`python -m helpers.films`: user mistakes end in one or two lines and a non-zero exit, never a
traceback, and the read-only commands never create a database."""

import sqlite3
import subprocess
import sys

import pytest

from helpers.films.vector_store import MovieVectorStore, StoreError
from helpers.paths import REPO_ROOT


def films(*args):
    result = subprocess.run([sys.executable, "-m", "helpers.films", *map(str, args)], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def assert_clear_failure(result, *words):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and 1 <= len(lines) <= 2, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize("command", [["check-embeddings"], ["check-recommendations", "--prompt", "x"]])
def test_read_commands_never_create_a_database_at_a_mistyped_path(tmp_path, command):
    missing = tmp_path / "typo.sqlite"
    assert_clear_failure(films(*command, "--db", missing), "does not exist")
    assert not missing.exists()


def test_a_folder_is_not_a_database(tmp_path):
    assert_clear_failure(films("check-embeddings", "--db", tmp_path), "is a folder")


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("these are my notes, not a database\n" * 20)
    assert_clear_failure(films("check-embeddings", "--db", text), "not a SQLite database")
    assert text.read_text().startswith("these are my notes")  # untouched


def test_a_database_of_another_schema_is_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE movies (id INTEGER PRIMARY KEY, name TEXT)")
    assert_clear_failure(films("check-embeddings", "--db", other), "lacks columns")


@pytest.mark.parametrize("arguments,word", [(["--top-k", "-3", "--prompt", "x"], "--top-k"),
                                            (["--top-k", "0", "--prompt", "x"], "--top-k"),
                                            (["--prompt", "   "], "empty")])
def test_bad_arguments_are_refused_before_anything_runs(tmp_path, arguments, word):
    assert_clear_failure(films("check-recommendations", "--db", tmp_path / "m.sqlite", *arguments), word)
    assert not (tmp_path / "m.sqlite").exists()


def test_an_empty_store_says_to_add_embeddings_first(tmp_path):
    MovieVectorStore(tmp_path / "empty.sqlite").close()
    assert_clear_failure(films("check-recommendations", "--db", tmp_path / "empty.sqlite", "--prompt", "x"),
                         "add-embeddings")


def test_the_store_raises_store_errors(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        MovieVectorStore(tmp_path / "nope.sqlite", create=False)
    with pytest.raises(StoreError, match="is a folder"):
        MovieVectorStore(tmp_path)


def test_a_vector_written_as_float64_is_named_in_one_line(tmp_path):
    import numpy as np

    path = tmp_path / "movies.sqlite"
    store = MovieVectorStore(path)
    store.add_embeddings([{"title": "Vertigo", "description": "a detective"}], np.ones((1, 4)), "m")
    store.close()
    with sqlite3.connect(path) as connection:  # the seed's np.array(list).tobytes(): float64
        connection.execute("UPDATE movies SET embedding = ?", (np.ones(4).tobytes(),))
    assert_clear_failure(films("check-embeddings", "--db", path), "'Vertigo'", "written as float64")
