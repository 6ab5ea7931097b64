"""add_embeddings_db interrupted with Ctrl+C keeps the batches it committed, and the next run embeds
only the films still missing."""

import signal
import sqlite3
import subprocess
import time

import pytest

from helpers.films.django_app import manage_command, sqlite_url
from helpers.paths import REPO_ROOT
from tests.webapp.conftest import ok

pytestmark = pytest.mark.slow
LIMIT = 40  # ten commits of four: the interrupt lands after the first and well before the last


def stored(path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.05) as connection:
            return connection.execute("SELECT COUNT(*) FROM movies_movie WHERE emb IS NOT NULL").fetchone()[0]
    except sqlite3.OperationalError:  # the writer holds the lock this instant
        return 0


def test_an_interrupted_add_resumes_where_it_stopped(tmp_path):
    path = tmp_path / "movies.sqlite3"
    ok("migrate", url=sqlite_url(path))
    command, env = manage_command("add_embeddings_db", "--limit", LIMIT, "--commit-every", 4,
                                  database_url=sqlite_url(path))
    adding = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    deadline = time.monotonic() + 120
    while stored(path) == 0 and adding.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    adding.send_signal(signal.SIGINT)
    _, errors = adding.communicate(timeout=60)
    kept = stored(path)
    assert 0 < kept < LIMIT, f"the run was not cut midway ({kept} of {LIMIT} stored): {errors[-2000:]}"
    assert adding.returncode == 130 and "Traceback" not in errors
    assert "interrumpido" in errors and "repite la orden" in errors
    resumed = ok("add_embeddings_db", "--limit", LIMIT, url=sqlite_url(path))
    assert f"insertadas {LIMIT - kept}, actualizadas 0, sin cambios {kept}," in resumed
