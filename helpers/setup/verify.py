"""Verify a prepared asset folder against the sizes and hashes recorded when it was prepared."""

import hashlib
import json
import shutil
from pathlib import Path

from helpers.weights import safetensors_problem

MARKER = ".prepared.json"


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_records(folder: Path) -> dict[str, dict]:
    """{relative path: {size, sha256}} of every file under folder except the marker."""
    return {path.relative_to(folder).as_posix(): {"size": path.stat().st_size, "sha256": sha256_file(path)}
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != MARKER}


def read_marker(folder: Path) -> dict | None:
    """The marker's content, or None when it is missing or corrupt (a corrupt marker = not prepared)."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def folder_problem(folder: Path, marker: dict, check_hashes: bool = False) -> str | None:
    """Why a prepared folder no longer matches its marker (a file missing, resized or changed), or None.

    Sizes are checked every time (cheap, and they catch truncation); hashes only when asked, since
    they read every byte. Folders prepared before records existed still get the safetensors check."""
    records = marker.get("files")
    if isinstance(records, dict):
        for name, record in records.items():
            path = folder / name
            if not path.is_file():
                return f"{name} is missing"
            if path.stat().st_size != record.get("size"):
                return f"{name} has {path.stat().st_size} bytes, {record.get('size')} when prepared"
            if check_hashes and sha256_file(path) != record.get("sha256"):
                return f"{name} changed since it was prepared (SHA-256 differs)"
    for path in folder.rglob("*.safetensors"):
        problem = safetensors_problem(path)
        if problem:
            return problem
    return None


def remove_leftovers(parent: Path, name: str) -> list[Path]:
    """Delete the temporary folders a killed preparation of `name` left in parent; return them."""
    stale = [path for path in parent.glob(f".{name}.*") if path.is_dir()] if parent.is_dir() else []
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale
