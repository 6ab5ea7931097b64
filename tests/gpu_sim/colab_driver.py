"""Run as Colab would, from a temporary /content-like folder: a fake google.colab, the notebook's first
cell, its parameters cell, then every cell up to the first one that loads a model (the data loading)."""

import importlib.machinery
import json
import os
import re
import sys
import types

name, committed_copy = sys.argv[1], sys.argv[2]  # the notebook as committed: its first cell clones the repo


class SecretNotFoundError(Exception):
    pass


def _get(key):
    if key != "HF_TOKEN":
        raise SecretNotFoundError(key)
    return "hf_simulated"


try:  # the real `google` namespace package (protobuf lives there); Colab adds google.colab to it
    import google
except ImportError:
    google = types.ModuleType("google")
    google.__path__, google.__spec__ = [], importlib.machinery.ModuleSpec("google", None, is_package=True)
    sys.modules["google"] = google
colab = types.ModuleType("google.colab")
colab.__spec__ = importlib.machinery.ModuleSpec("google.colab", None)  # find_spec() reads it (accelerate does)
colab.userdata = types.SimpleNamespace(get=_get)
google.colab = colab
sys.modules["google.colab"] = colab



def code_cells(path):
    return [c for c in json.load(open(path, encoding="utf-8"))["cells"] if c["cell_type"] == "code"]


cells = code_cells(committed_copy)
MODEL_LOAD = re.compile(r"load_(causal_lm|embedder|for_finetuning|sequence_classifier)\(|model_for\(")
namespace = {"__name__": "__main__", "display": print}  # IPython's display, outside IPython
exec(compile("".join(cells[0]["source"]), f"{name}:cell0", "exec"), namespace)  # noqa: S102  (clones, installs)
assert os.environ.get("HF_TOKEN") == "hf_simulated", "the Colab secret was not read"
cells = code_cells(f"llm-studies/notebooks/{name}.ipynb")  # the rest from the fresh clone
for index, cell in enumerate(cells[1:], start=1):
    source = "".join(cell["source"])
    if index > 1 and MODEL_LOAD.search(source):
        print(f"[sim] parada antes de la celda {index}: carga un modelo")
        break
    exec(compile(source, f"{name}:cell{index}", "exec"), namespace)  # noqa: S102
print("[sim] ok")
