"""Study 5: the students' notebook generated from the solutions, and the solutions' code for reuse.

The solutions notebook is the one source. Inside it, code between `### SOLUCIÓN n INICIO` and
`### SOLUCIÓN FIN` becomes `raise NotImplementedError("TODO n")` (same indentation) in the students'
version, and theory answers between `<!-- RESPUESTA INICIO -->` and `<!-- RESPUESTA FIN -->`
become a prompt to answer. Usage: python -m helpers.workshop (rebuilds the students' notebook).
"""

import linecache
import re

from helpers.notebook_runner import NOTEBOOKS_DIR

SOLUTIONS = "05_chatbot_workshop_solutions"
STUDENTS = "05_chatbot_workshop"
_BEGIN = re.compile(r"^(\s*)### SOLUCIÓN (\d+) INICIO\s*$")
_END = re.compile(r"^\s*### SOLUCIÓN FIN\s*$")
_ANSWER_BEGIN, _ANSWER_END = "# <!-- RESPUESTA INICIO -->", "# <!-- RESPUESTA FIN -->"
CHECK_TAG = "comprobar"
_CHECK_CALL = re.compile(r"^\s*comprobar\(\s*\d+\s*\)\s*$", flags=re.MULTILINE)


def check_cell(number: int) -> str:
    """The percent-format text of exercise number's self-check cell."""
    return (f'# %% tags=["{CHECK_TAG}"]\n'
            f"# Comprueba el ejercicio {number} con un modelo diminuto (segundos): qué se cumple y qué no.\n"
            "from helpers.workshop.self_check import comprobar\n\n"
            f"comprobar({number})\n\n")


def is_check_cell(cell) -> bool:
    """A self-check cell: tagged as one, or a code cell that calls comprobar(n) on a line of its own."""
    tags = cell.get("metadata", {}).get("tags", [])
    return CHECK_TAG in tags or (cell.get("cell_type") == "code" and bool(_CHECK_CALL.search(cell.get("source", ""))))


def with_check_cells(source: str) -> str:
    """The solutions source with a comprobar(n) cell right after each exercise's definitions cell (idempotent)."""
    for number in range(1, 6):
        source = source.replace(check_cell(number), "")
    for number in range(1, 6):
        marker = f'# %% tags=["ejercicio-{number}"]\n'
        start = source.index(marker) + len(marker)
        end = source.index("\n# %%", start) + 1
        source = source[:end] + check_cell(number) + source[end:]
    return source


class WorkshopSourceError(ValueError):
    """Unbalanced solution or answer markers in the solutions source, with the line."""


def student_version(source: str) -> str:
    """The students' text of the solutions source: solution bodies and answers removed."""
    out, inside, answer = [], None, False
    for number, line in enumerate(source.splitlines(), 1):
        begin = _BEGIN.match(line)
        if begin:
            if inside or answer:
                raise WorkshopSourceError(f"line {number}: solution block opened inside another block")
            inside = begin
            out.append(f'{begin.group(1)}raise NotImplementedError("TODO {begin.group(2)}")')
        elif _END.match(line):
            if not inside:
                raise WorkshopSourceError(f"line {number}: '### SOLUCIÓN FIN' without a block to close")
            inside = None
        elif line.strip() == _ANSWER_BEGIN:
            answer = True
            out.append("# *Escribe aquí tu respuesta.*")
        elif line.strip() == _ANSWER_END:
            answer = False
        elif not inside and not answer:
            out.append(line)
    if inside or answer:
        raise WorkshopSourceError("the source ends inside a solution or answer block")
    return "\n".join(out) + "\n"


def student_text(source: str) -> str:
    """The students' notebook source: solutions removed and the title marked."""
    text = student_version(source).replace("# # 05 · Taller:", "# # 05 · Taller (versión para estudiantes):", 1)
    # The Colab badge opens the students' notebook, not the solutions.
    return text.replace(f"notebooks/{SOLUTIONS}.ipynb)", f"notebooks/{STUDENTS}.ipynb)")


def solution_lines(source: str) -> list[str]:
    """The stripped lines of code inside solution blocks (what must not survive for students)."""
    lines, inside = [], False
    for line in source.splitlines():
        if _BEGIN.match(line):
            inside = True
        elif _END.match(line):
            inside = False
        elif inside and line.strip() and not line.strip().startswith("#"):
            lines.append(line.strip())
    return lines


def _write_pair(name: str, text: str) -> list:
    import jupytext

    from helpers.io import atomic_write_text

    py_path = atomic_write_text(NOTEBOOKS_DIR / f"{name}.py", text)
    ipynb_path = atomic_write_text(NOTEBOOKS_DIR / f"{name}.ipynb",
                                   jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="ipynb"))
    return [py_path, ipynb_path]


def build() -> list:
    """Add the self-check cells to the solutions, write the students' .py and .ipynb next to them; return
    the paths written."""
    original = (NOTEBOOKS_DIR / f"{SOLUTIONS}.py").read_text(encoding="utf-8")
    source = with_check_cells(original)
    written = _write_pair(SOLUTIONS, source) if source != original else []
    return written + _write_pair(STUDENTS, student_text(source))


def solution_namespace(exercises=(1, 2, 3, 4, 5), source: str | None = None, **parameters) -> dict:
    """Run the set-up and the definition cells of the given exercises (of source, default the solutions)."""
    import jupytext

    if source is None:
        source = (NOTEBOOKS_DIR / f"{SOLUTIONS}.py").read_text(encoding="utf-8")
    notebook = jupytext.reads(source, fmt="py:percent")
    namespace: dict = {"__name__": "workshop_solutions"}
    code = [c for c in notebook.cells if c.cell_type == "code"]
    tags = [c.metadata.get("tags", []) for c in code]
    setup_cells = [c for c, t in zip(code, tags, strict=True) if "parameters" in t]
    setup_cells.append(code[[i for i, t in enumerate(tags) if "parameters" in t][0] + 1])  # imports + set_up
    wanted = {f"ejercicio-{n}" for n in exercises}
    for index, cell in enumerate(setup_cells + [c for c, t in zip(code, tags, strict=True) if wanted & set(t)]):
        filename = f"<{SOLUTIONS} {index}>"
        linecache.cache[filename] = (len(cell.source), None, cell.source.splitlines(True), filename)  # error lines
        exec(compile(cell.source, filename, "exec"), namespace)
        if "parameters" in cell.metadata.get("tags", []):
            namespace.update(parameters)
    return namespace

