"""Run notebooks headless with papermill into their output folder (make run-all, tests)."""

import json
import os
import sys
from pathlib import Path

from helpers.paths import REPO_ROOT

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
# Filled in by students; untouched it fails at exercise 1 by design. `make grade NB=...` runs it.
EXERCISE_SHEETS = {"05_chatbot_workshop"}
# Parameters that must not be written into the executed notebook (papermill records injected
# parameters in a cell and in its metadata): they reach the kernel through this variable instead.
PRIVATE_ENV = "LLM_STUDIES_PRIVATE_PARAMETERS"
# Parameters that name a private chat or person: run_notebook moves them to the private channel
# itself, however the caller passes them.
LEAK_PRONE = {"02_whatsapp_persona_chatbot": ("CHAT_FILE", "AUTHOR")}


class NotebookFailed(RuntimeError):
    """A notebook stopped with an error; the message names it and the cell's error."""


def notebook_names() -> list[str]:
    """Every notebook of the suite, by name (NN_snake_name), in order."""
    return sorted(path.stem for path in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


class UnknownNotebook(ValueError):
    """A selector that names no notebook, or more than one."""


def find_notebook(selector: str) -> str:
    """The notebook named, or the only one whose name starts with selector (e.g. '03')."""
    names = notebook_names()
    selector = Path(selector).name.removesuffix(".ipynb").removesuffix(".py")  # NB=notebooks/03_x.ipynb works too
    matches = [name for name in names if name == selector] or [n for n in names if n.startswith(selector)]
    if not selector or not matches:
        raise UnknownNotebook(f"no notebook matches {selector!r}; choose one of: {', '.join(names)}")
    if len(matches) > 1:
        raise UnknownNotebook(f"{selector!r} matches {len(matches)} notebooks: {', '.join(matches)}; "
                              f"write more of the name (e.g. NB={matches[0]})")
    return matches[0]


def kernel_name() -> str:
    """This environment's 'llm-studies' kernel (make setup installs it under sys.prefix).

    JUPYTER_PATH is searched before the user's folder, so a kernel of the same name that another
    clone installed there cannot make papermill run this code in that clone's environment."""
    share = Path(sys.prefix) / "share" / "jupyter"
    if not (share / "kernels" / "llm-studies" / "kernel.json").exists():
        return "python3"
    paths = os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
    if str(share) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(share), *filter(None, paths)])
    return "llm-studies"


def private_parameters() -> dict:
    """The private parameters run_notebook passed to this kernel (empty when none)."""
    return json.loads(os.environ.get(PRIVATE_ENV) or "{}")


def papermill_injected(names, history) -> list[str]:
    """Which of names a raw `papermill -p` wrote into this notebook: papermill's injected cell (its
    first line '# Parameters') in the kernel's input history (IPython's In) assigns them."""
    import re

    found = set()
    for source in history or []:
        if isinstance(source, str) and source.lstrip().startswith("# Parameters"):
            found |= {n for n in names if re.search(rf"^{n}\s*=", source, flags=re.M)}
    return [n for n in names if n in found]


def run_notebook(name: str, output_dir: str | Path | None = None, parameters: dict | None = None,
                 progress: bool = True, private: dict | None = None, cell_timeout: int | None = None) -> Path:
    """Execute a notebook with papermill; return its output folder (holding metrics.json). `private`
    parameters go to the kernel's environment, never into the executed notebook; a cell running longer
    than cell_timeout seconds fails the run."""
    import papermill

    output_dir = Path(output_dir or REPO_ROOT / "outputs" / name).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    params = {"OUTPUT_DIR": str(output_dir), **(parameters or {})}
    clash = sorted(set(private or {}) & set(params))
    if clash:
        raise ValueError(f"{', '.join(clash)} given both as a parameter and as a private parameter")
    moved = {key: params.pop(key) for key in LEAK_PRONE.get(name, ()) if key in params}
    if moved:  # never written into the executed notebook, whoever passed them
        private = {**(private or {}), **moved}
    previous = os.environ.get(PRIVATE_ENV)  # also how a command line passes them (notebook 02 shows how)
    if private is not None:
        os.environ[PRIVATE_ENV] = json.dumps(private)
    try:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / f"{name}.ipynb"), str(output_dir / f"{name}.ipynb"),
            parameters=params, cwd=str(NOTEBOOKS_DIR), kernel_name=kernel_name(),
            progress_bar=progress, request_save_on_cell_execute=True, execution_timeout=cell_timeout,
        )
    except papermill.PapermillExecutionError as error:
        raise NotebookFailed(
            f"notebook {name} failed in cell {error.exec_count}: {error.ename}: {error.evalue} "
            f"(executed copy: {output_dir / f'{name}.ipynb'})"
        ) from None
    finally:
        os.environ.pop(PRIVATE_ENV, None)
        if previous is not None:
            os.environ[PRIVATE_ENV] = previous
    return output_dir


def read_metrics(output_dir: str | Path) -> dict:
    """The metrics.json a notebook run wrote."""
    path = Path(output_dir) / "metrics.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} was not written: the notebook's last cell must call save_metrics")
    return json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Run the selected notebooks (all by default) on the local profile, stopping at the first failure."""
    selectors = (argv if argv is not None else sys.argv[1:]) or [n for n in notebook_names() if n not in EXERCISE_SHEETS]
    try:
        names = [find_notebook(s) for s in selectors]
    except UnknownNotebook as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for name in names:
        print(f"=== {name} ===", flush=True)
        try:
            out = run_notebook(name, parameters={"PROFILE": "local"})
        except NotebookFailed as error:
            print(f"FALLÓ: {error}", file=sys.stderr)
            return 1
        print(f"ok: {out}/metrics.json", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
