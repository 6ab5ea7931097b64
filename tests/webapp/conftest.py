"""The Django app's fixtures: one SQLite database made once per session by the real commands, and
the app served on 127.0.0.1 with a bounded wait."""

import os
import shutil
import socket
import sqlite3
import subprocess
import time
from contextlib import contextmanager

import numpy as np
import pytest

from helpers.browser import free_port
from helpers.films.django_app import manage, manage_command, sqlite_url
from helpers.paths import REPO_ROOT

FILMS = 938  # the catalogue's films once the shared summaries are dropped


def run(*args, url: str) -> subprocess.CompletedProcess:
    """A management command on url; it may fail, but never with a traceback."""
    done = manage(*args, database_url=url, timeout_s=300)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


def ok(*args, url: str) -> str:
    """A management command that must succeed; its standard output."""
    done = run(*args, url=url)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def one_line_failure(done: subprocess.CompletedProcess, *words: str) -> str:
    """Assert a user mistake: non-zero exit, one or two lines on stderr naming every word."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0 and 1 <= len(lines) <= 2, done.stderr[-3000:]
    for word in words:
        assert word in done.stderr, done.stderr
    return done.stderr


@pytest.fixture(scope="session")
def film_db(tmp_path_factory):
    """A migrated SQLite file with every film's embedding, made by migrate and add_embeddings_db."""
    path = tmp_path_factory.mktemp("webapp") / "movies.sqlite3"
    ok("migrate", url=sqlite_url(path))
    added = ok("add_embeddings_db", url=sqlite_url(path))
    assert f"insertadas {FILMS}," in added, added
    return path


def float64_copy(film_db, folder):
    """A copy of film_db whose 'Vertigo' vector was written as the seed did: float64 bytes."""
    copy = folder / "float64.sqlite3"
    shutil.copy(film_db, copy)
    with sqlite3.connect(copy) as connection:
        (blob,) = connection.execute("SELECT emb FROM movies_movie WHERE title = 'Vertigo'").fetchone()
        as_float64 = np.frombuffer(blob, dtype=np.float32).astype(np.float64).tobytes()  # np.array(list)
        connection.execute("UPDATE movies_movie SET emb = ? WHERE title = 'Vertigo'", (as_float64,))
    return copy


@pytest.fixture(scope="session")
def client(film_db):
    """Django set up once on film_db (its settings read DATABASE_URL once, when they load)."""
    import django
    from django.conf import settings

    if not settings.configured:
        saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
        os.environ.update(DATABASE_URL=sqlite_url(film_db), DJANGO_SETTINGS_MODULE="webapp.settings")
        try:
            django.setup()
        finally:
            for key, value in saved.items():  # later subprocesses choose their own database
                if value is None:
                    os.environ.pop(key)
                else:
                    os.environ[key] = value
    from django.test import Client
    from django.test.utils import setup_test_environment

    assert str(settings.DATABASES["default"]["NAME"]) == str(film_db.resolve())
    setup_test_environment()
    return Client()


@contextmanager
def serving(url: str, timeout_s: float = 60):
    """`manage.py runserver` on a free 127.0.0.1 port for database url; yields the page's address."""
    port = free_port()
    command, env = manage_command("runserver", f"127.0.0.1:{port}", "--noreload", database_url=url)
    server = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-3000:]
                assert time.monotonic() < deadline, f"runserver did not listen within {timeout_s} s"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()
