"""Fetch Debian packages by name with apt-get and turn their documents into text."""

import os
import re
import shutil
import subprocess
from pathlib import Path


def download_deb(package: str, dest: Path) -> Path:
    """`apt-get download PACKAGE` into dest (updating the package lists once if needed)."""
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"apt-get is not available: on a non-Debian system download the {package} "
                           f".deb by hand into {dest} and run `make setup` again")
    dest.mkdir(parents=True, exist_ok=True)
    found = sorted(dest.glob(f"{package}_*.deb"))
    if found:
        return found[-1]
    for attempt in ("as is", "after apt-get update"):
        if attempt != "as is":
            subprocess.run(["apt-get", "update", "-qq"], check=False)
        result = subprocess.run(["apt-get", "download", "-q", package], cwd=dest, capture_output=True, text=True)
        found = sorted(dest.glob(f"{package}_*.deb"))
        if result.returncode == 0 and found:
            return found[-1]
    raise RuntimeError(f"apt-get download {package} failed: {result.stderr.strip().splitlines()[-1:]}")


def extract_member(deb: Path, member: str, dest: Path) -> Path:
    """Extract one file of a .deb (dpkg-deb -x) and return its path under dest."""
    subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
    path = dest / member
    if not path.exists():
        raise FileNotFoundError(f"{deb.name} has no {member}")
    return path


def man_to_text(page: Path) -> str:
    """Render a man page to plain UTF-8 text (man -l, then col -bx drops overstrikes)."""
    env = {**os.environ, "MANWIDTH": "100", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "MAN_KEEP_FORMATTING": "0"}
    rendered = subprocess.run(["man", "-l", str(page)], capture_output=True, env=env, check=True).stdout
    plain = subprocess.run(["col", "-bx"], input=rendered, capture_output=True, check=True).stdout
    return plain.decode("utf-8")


def check_text(text: str, name: str, min_words: int, must_contain: list[str]) -> None:
    """Refuse a converted document that is too short or lacks its known headings."""
    words = len(re.findall(r"\w+", text))
    missing = [heading for heading in must_contain if heading not in text]
    if words < min_words or missing:
        raise ValueError(f"{name}: converted text has {words} words (expected >= {min_words}); "
                         f"missing headings: {missing or 'none'}")
