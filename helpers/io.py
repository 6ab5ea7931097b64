"""Atomic writes, so an interrupted run never leaves a half-written result or cache."""

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write data to path through a temporary file and an atomic rename (mode 0666 less the umask,
    as open() would give: mkstemp's 0600 would hide results from the user's group)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_csv(path: str | os.PathLike, frame, **to_csv) -> Path:
    """Write a pandas DataFrame as CSV atomically (index left out unless asked for)."""
    return atomic_write_text(path, frame.to_csv(**({"index": False} | to_csv)))


@contextmanager
def atomic_dir(path: str | os.PathLike):
    """Yield a temporary sibling folder to fill; on success it takes path's place by rename, so a
    reader sees the old folder, then the new one whole (or none for a moment), never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old"))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def to_jsonable(value: Any) -> Any:
    """Turn numpy scalars/arrays, paths and tuples into plain JSON types."""
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "tolist"):  # numpy arrays and scalars, torch tensors
        return to_jsonable(value.tolist())
    return value


def atomic_write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write data as indented UTF-8 JSON atomically."""
    text = json.dumps(to_jsonable(data), ensure_ascii=False, indent=2, allow_nan=False)
    return atomic_write_text(path, text + "\n")


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file, naming the file and position when it is malformed."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None


def save_figure(figure, path: str | os.PathLike, dpi: int = 120, **savefig) -> Path:
    """Save a matplotlib figure atomically; the format comes from the suffix (.png, .svg, .pdf)."""
    import io

    path = Path(path)
    if not path.suffix:
        raise ValueError(f"{path}: give the figure a suffix such as .png, it sets the format")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=path.suffix[1:], dpi=dpi, **({"bbox_inches": "tight"} | savefig))
    return atomic_write_bytes(path, buffer.getvalue())


def save_session(path: str | os.PathLike, objects: dict[str, Any]) -> Path:
    """Pickle named results with dill, atomically, for a later kernel (models are left out: reload them).

    dill, unlike pickle, keeps functions and classes defined in the notebook itself."""
    import dill

    return atomic_write_bytes(path, dill.dumps(objects))


def load_session(path: str | os.PathLike, into: dict | None = None) -> dict[str, Any]:
    """The objects saved by save_session; into=globals() puts them back as the kernel's variables."""
    import pickle

    import dill

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no saved session here (save_session writes it)")
    try:
        with open(path, "rb") as handle:
            objects = dill.load(handle)
    except (pickle.UnpicklingError, EOFError) as error:
        raise ValueError(f"{path}: not a session written by save_session ({error})") from None
    if not isinstance(objects, dict):
        raise ValueError(f"{path}: a session holds a dict of named objects, found {type(objects).__name__}")
    if into is not None:
        into.update(objects)
    return objects


def content_hash(*inputs: str | os.PathLike | bytes) -> str:
    """SHA-256 of the bytes of files, of every file under folders (by relative path), or of raw bytes."""
    import hashlib

    digest = hashlib.sha256()
    for item in inputs:
        if isinstance(item, bytes):
            digest.update(item)
            continue
        path = Path(item)
        if not path.exists():
            raise FileNotFoundError(f"{path}: cannot fingerprint a missing input")
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
            with open(file, "rb") as handle:
                for block in iter(lambda h=handle: h.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def settings_key(settings: dict[str, Any], *inputs: str | os.PathLike | bytes, length: int = 16) -> str:
    """A short key for a cache, adapter or run folder: every setting that shapes it plus its inputs' content."""
    import hashlib

    text = json.dumps(to_jsonable(settings), sort_keys=True, ensure_ascii=False, allow_nan=False)
    data = content_hash(*inputs) if inputs else ""
    return hashlib.sha256(f"{text}\n{data}".encode()).hexdigest()[:length]
