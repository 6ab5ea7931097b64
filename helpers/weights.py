"""Check a model folder holds complete weights before a loader fails deep inside with a raw error."""

import json
import struct
from pathlib import Path

WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin", "*.gguf", "tf_model.h5", "saved_model.pb")


def safetensors_problem(path: Path) -> str | None:
    """Why a .safetensors file is incomplete (its header declares more bytes than the file holds), or None."""
    size = path.stat().st_size
    try:
        with open(path, "rb") as handle:
            (header_size,) = struct.unpack("<Q", handle.read(8))
            if header_size <= 0 or 8 + header_size > size:
                return f"{path.name}: header of {header_size} bytes does not fit in {size} bytes"
            header = json.loads(handle.read(header_size))
    except (struct.error, ValueError, UnicodeDecodeError) as error:
        return f"{path.name}: unreadable header ({error})"
    ends = [entry["data_offsets"][1] for key, entry in header.items() if key != "__metadata__"]
    expected = 8 + header_size + max(ends, default=0)
    if size < expected:
        return f"{path.name}: truncated, {size} of {expected} bytes"
    return None


def weights_problem(folder: Path) -> str | None:
    """Why a model folder cannot be loaded (no weights, truncated weights), or None when it looks whole."""
    files = [path for pattern in WEIGHT_PATTERNS for path in folder.rglob(pattern)]
    if not files:
        return "it holds no weight file (model.safetensors or pytorch_model.bin)"
    for path in files:
        if path.suffix == ".safetensors":
            problem = safetensors_problem(path)
            if problem:
                return problem
        elif path.stat().st_size == 0:
            return f"{path.name} is empty"
    return None
