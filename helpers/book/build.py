"""Build the book: docs/ (index, guide, results pages) plus one page per study from its executed
notebook in outputs/<notebook>/, rendered by Sphinx and myst-nb without executing anything."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.notebook_runner import EXERCISE_SHEETS, LEAK_PRONE, NOTEBOOKS_DIR, notebook_names
from helpers.paths import REPO_ROOT

DOCS = REPO_ROOT / "docs"
BOOK_DIR = REPO_ROOT / "outputs" / "book"


class BookFailed(RuntimeError):
    """Sphinx could not build the book; the message holds its last lines."""


def book_notebooks() -> list[str]:
    """The studies that get a page: every notebook but the students' blank sheet."""
    return [name for name in notebook_names() if name not in EXERCISE_SHEETS]


def title(name: str) -> str:
    """A notebook's title, its first '# ' heading (e.g. '03 · LoRA para sentimiento')."""
    for line in (NOTEBOOKS_DIR / f"{name}.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("# # "):
            return line[4:].strip()
    return name


def refusal(name: str, run_dir: Path) -> str | None:
    """Why a run folder's executed notebook is not published ('incompleta' or 'privada'), or None.

    A private chat (study 02's CHAT_FILE or an upload) is never published: metrics.json's
    private_chat must say False for a notebook that can read one, and no private parameter may
    appear among the executed notebook's parameters."""
    metrics_path = run_dir / "metrics.json"
    if not metrics_path.is_file():
        return "incompleta"  # the last cell writes metrics.json: the run stopped before it
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    if metrics.get("private_chat") or (name in LEAK_PRONE and metrics.get("private_chat") is not False):
        return "privada"
    notebook = json.loads((run_dir / f"{name}.ipynb").read_text(encoding="utf-8"))
    parameters = notebook.get("metadata", {}).get("papermill", {}).get("parameters", {})
    if any(parameters.get(key) for key in LEAK_PRONE.get(name, ())):
        return "privada"
    return None


def _placeholder(name: str, reason: str) -> str:
    """The page of a study whose run is missing, incomplete or private: what to run to fill it."""
    run = f"`make run NB={name}`"
    why = {
        "falta": f"Aún no hay una ejecución en `outputs/{name}/`.",
        "incompleta": f"La ejecución de `outputs/{name}/` no terminó (falta `metrics.json`).",
        "privada": (f"La ejecución de `outputs/{name}/` usó un chat privado: **no se publica**. "
                    "Solo se publica la ejecución con el chat de demostración (sin `CHAT_FILE`)."),
    }[reason]
    return f"# {title(name)}\n\n{why} {run} lo ejecuta y `make book` lo publica en esta página.\n"


def stage(runs: Path, source: Path, docs: Path = DOCS) -> dict:
    """Lay out the book's source folder; return which studies were published, missing or refused."""
    shutil.copytree(docs, source, ignore=shutil.ignore_patterns("conf.py", "__pycache__", "_build"))
    studies = source / "estudios"
    studies.mkdir()
    report = {"publicados": [], "falta": [], "incompleta": [], "privada": []}
    for name in book_notebooks():
        run_dir = runs / name
        executed = run_dir / f"{name}.ipynb"
        reason = refusal(name, run_dir) if executed.is_file() else "falta"
        if reason:
            (studies / f"{name}.md").write_text(_placeholder(name, reason), encoding="utf-8")
            report[reason].append(name)
        else:
            shutil.copyfile(executed, studies / f"{name}.ipynb")
            report["publicados"].append(name)
    return report


def _sphinx(source: Path, html: Path, doctrees: Path, docs: Path) -> list[str]:
    """Run Sphinx into html; return its warnings (raise BookFailed when it fails)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(docs), "-d", str(doctrees),
               str(source), str(html)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    if done.returncode:
        raise BookFailed("sphinx falló:\n" + "\n".join((done.stdout + done.stderr).splitlines()[-20:]))
    return [line for line in done.stderr.splitlines() if "WARNING" in line]


def build(runs: Path | None = None, dest: Path | None = None, docs: Path = DOCS) -> dict:
    """Build the site from the run folders under runs (outputs/) and the pages in docs into dest
    (outputs/book/html), atomically: a failed build leaves the previous site as it was."""
    runs = Path(runs or REPO_ROOT / "outputs")
    dest = Path(dest or BOOK_DIR / "html")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.build-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        report = stage(runs, work / "source", docs)
        report["avisos"] = _sphinx(work / "source", work / "html", work / "doctrees", docs)
        old = dest.parent / f".{dest.name}.old-{os.getpid()}"
        if dest.exists():
            dest.rename(old)
        (work / "html").rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["html"] = dest
    return report
