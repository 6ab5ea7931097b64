"""What a notebook's first cell does in Colab: install, prepare this notebook's assets, secrets, runtime."""

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers.paths import REPO_ROOT, cache_dir

# Data each notebook reads (helpers.setup asset names); local-profile models come from the registry.
NOTEBOOK_DATA = {
    "00_template": [],
    "01_gemma_movie_recommender": ["film-catalogue", "movielens-dialogues-v2"],
    "02_whatsapp_persona_chatbot": ["whatsapp-personas"],
    "03_lora_sentiment": ["rotten-tomatoes"],
    "04_rag_bash_manual": ["bash-manual-es", "bash-manual-en"],
    "05_chatbot_workshop": [],
    "06_embeddings_movie_recommender": ["film-catalogue", "film-summaries"],
}
UNSLOTH_NOTEBOOKS = {"01_gemma_movie_recommender", "02_whatsapp_persona_chatbot"}  # causal-LM LoRA only
SECRETS = ("HF_TOKEN", "OPENAI_API_KEY", "GEMINI_API_KEY", "WANDB_API_KEY")
PIP_MODE = "LLM_STUDIES_COLAB_PIP"  # "run" (default), "dry-run" (simulation) or "print"


def study_of(notebook: str) -> str:
    """The registry study of a notebook (the workshop's solutions share the sheet's models)."""
    return notebook.removesuffix("_solutions")


def assets_for(notebook: str, with_local_models: bool) -> list[str]:
    """helpers.setup asset names this notebook needs: its data, plus its local-profile models if asked."""
    from helpers.registry import LOCAL_MODELS, ROLES

    study = study_of(notebook)
    if study not in NOTEBOOK_DATA:
        raise KeyError(f"unknown notebook {notebook!r}; known: {', '.join(NOTEBOOK_DATA)}")
    names = list(NOTEBOOK_DATA[study])
    if with_local_models:
        names += [m for m in ROLES[study]["local"].values() if m in LOCAL_MODELS]  # aliases are asset names
    return list(dict.fromkeys(names))


def _torch_pin() -> str:
    """Colab's own torch as a pin, so no install replaces it with another build."""
    from importlib.metadata import version

    return f"torch=={version('torch')}"


def pip_commands(notebook: str, cuda: bool, repo: Path = REPO_ROOT) -> list[list[str]]:
    """The pip calls: requirements.txt and the repo with Colab's torch pinned; unsloth on its own, for 01/02 on CUDA."""
    constraints = Path(tempfile.gettempdir()) / "llm-studies-colab-constraints.txt"
    constraints.write_text(_torch_pin() + "\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    commands = [pip + ["-r", str(repo / "requirements.txt"), "-c", str(constraints)],
                pip + ["--no-deps", "-e", str(repo)]]
    if cuda and study_of(notebook) in UNSLOTH_NOTEBOOKS:
        commands.append(pip + ["-r", str(repo / "requirements-gpu.txt"), "-c", str(constraints)])
    return commands


def _run_pip(commands: list[list[str]], repo: Path) -> None:
    mode = os.environ.get(PIP_MODE, "run")
    digest = hashlib.sha256(repr(commands).encode() + (repo / "requirements.txt").read_bytes()).hexdigest()[:16]
    marker = cache_dir() / f"colab-installed-{digest}"
    if marker.exists() and mode == "run":
        print("Dependencias ya instaladas en este entorno.")
        return
    for command in commands:
        if mode == "print":
            print("pip:", " ".join(command[3:]))
            continue
        if mode == "dry-run" and "-e" not in command:
            command = command[:4] + ["--dry-run", "--ignore-installed"] + command[4:]
        try:
            subprocess.run(command, check=True)
        except subprocess.CalledProcessError:
            if "requirements-gpu.txt" not in " ".join(command):
                raise
            print("No se pudo instalar unsloth: el cuaderno entrenará LoRA con peft, sin unsloth.")
    if mode == "run":
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()


def read_secrets() -> list[str]:
    """Copy the Colab secrets this suite uses into the environment; returns the names found (never values)."""
    try:
        from google.colab import userdata
    except ImportError:
        return []
    found = []
    for name in SECRETS:
        if os.environ.get(name):
            found.append(name)
            continue
        try:
            value = userdata.get(name)
        except Exception:  # noqa: BLE001  (secret missing or notebook access not granted: skip it)
            continue
        if value:
            os.environ[name] = value
            found.append(name)
    return found


def runtime_line() -> str:
    """GPU name, memory and native bf16, or a warning that the runtime has no GPU (Spanish)."""
    import torch

    if not torch.cuda.is_available():
        return ("Entorno sin GPU: vale para PROFILE='local'. Para PROFILE='gpu' elige Entorno de ejecución > "
                "Cambiar tipo de entorno de ejecución > GPU (T4) y vuelve a ejecutar.")
    from helpers.precision import choose_precision

    props = torch.cuda.get_device_properties(0)
    return f"GPU {props.name}, {props.total_memory / 2**30:.1f} GiB; {choose_precision('cuda').describe()}"


def prepare_colab(notebook: str, repo: str | Path = REPO_ROOT) -> list[str]:
    """The first cell's work: install, prepare this notebook's assets, read secrets, print the runtime."""
    repo = Path(repo).resolve()
    cuda = _cuda_available()
    _run_pip(pip_commands(notebook, cuda, repo), repo)
    names = assets_for(notebook, with_local_models=not cuda)  # with a GPU, PROFILE='gpu' uses the Hub
    if names:  # a fresh interpreter: it sees what pip just installed
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
        subprocess.run([sys.executable, "-m", "helpers.setup", *names], cwd=repo, env=env, check=True)
    found = read_secrets()
    print(f"Secretos leídos: {', '.join(found) or 'ninguno'} (Colab: icono de la llave, con acceso al cuaderno)")
    print(runtime_line())
    print("Con GPU usa PROFILE = 'gpu' en la celda de parámetros; sin GPU, PROFILE = 'local'.")
    return names


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()
