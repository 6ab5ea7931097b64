"""A throwaway PostgreSQL server (Debian's binaries) in a temporary folder on a free 127.0.0.1 port:
what the Django app's PostgreSQL test and `make bench` run against."""

import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from helpers.browser import free_port


class PostgresNotAvailable(RuntimeError):
    """No PostgreSQL server binaries (or no user to run them as), with how to get them."""


def postgres_bin() -> Path:
    """The newest Debian PostgreSQL bin folder with initdb and pg_ctl, else the pair on PATH."""
    folders = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                     key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    for folder in reversed(folders):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb).parent
    raise PostgresNotAvailable("no PostgreSQL server (initdb, pg_ctl) found: `apt-get install postgresql` "
                               "(make setup does it when run as root)")


def _server_user() -> tuple[int, int] | None:
    """(uid, gid) to run the server as: initdb refuses root, so root hands it to 'postgres' or 'nobody'."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise PostgresNotAvailable("running as root, and no 'postgres' or 'nobody' user to run PostgreSQL as")


def _runner(folder: Path, user, timeout_s: float):
    env = {**os.environ, "HOME": str(folder), "LC_ALL": "C", "PGTZ": "UTC"}
    as_user = {"user": user[0], "group": user[1], "extra_groups": []} if user else {}

    def run(command: list, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([str(part) for part in command], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=timeout_s, **as_user)
        if check and done.returncode:
            log = folder / "server.log"
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise RuntimeError(f"{Path(str(command[0])).name} failed ({done.returncode}): "
                               f"{(done.stderr or done.stdout)[-1500:]}{tail}")
        return done

    return run


@contextmanager
def temporary_postgres(database: str = "films", timeout_s: float = 60):
    """Start a fresh server and yield its DATABASE_URL; stop it and delete every file on exit.

    Trust authentication on 127.0.0.1 only, and fsync off: the data is thrown away."""
    binaries, user = postgres_bin(), _server_user()
    folder = Path(tempfile.mkdtemp(prefix="films-pg-"))
    if user:
        os.chown(folder, *user)
    run, data, port = _runner(folder, user, timeout_s), folder / "data", free_port()
    try:
        run([binaries / "initdb", "-D", data, "-U", "films", "--auth=trust", "--encoding=UTF8",
             "--no-locale", "--no-sync"])
        run([binaries / "pg_ctl", "-D", data, "-l", folder / "server.log", "-w", "-t", int(timeout_s),
             "-o", f"-h 127.0.0.1 -p {port} -k {folder} -F", "start"])
        run([binaries / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "films", database])
        yield f"postgresql://films@127.0.0.1:{port}/{database}"
    finally:
        if (data / "postmaster.pid").exists():
            run([binaries / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], check=False)
        shutil.rmtree(folder, ignore_errors=True)
