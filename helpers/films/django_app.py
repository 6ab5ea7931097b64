"""Run the study 06 Django app's commands (webapp/manage.py) against a chosen database, as a user
would from a shell: what notebook 06, the tests and `make web` have in common."""

import os
import subprocess
import sys
from pathlib import Path

from helpers.paths import REPO_ROOT

MANAGE = REPO_ROOT / "webapp" / "manage.py"


def sqlite_url(path: str | os.PathLike) -> str:
    """The DATABASE_URL of a SQLite file (absolute, so the commands' folder does not matter)."""
    return f"sqlite:///{Path(path).resolve()}"


def manage_command(*args, database_url: str) -> tuple[list[str], dict]:
    """The command line and environment of `python webapp/manage.py ARGS` on database_url."""
    return [sys.executable, str(MANAGE), *map(str, args)], {**os.environ, "DATABASE_URL": database_url}


def manage(*args, database_url: str, timeout_s: float = 600) -> subprocess.CompletedProcess:
    """Run a management command; its output is captured and a failure is returned, not raised."""
    command, env = manage_command(*args, database_url=database_url)
    return subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout_s)
