"""Where the student's errors are: exercise of each cell, and 'cell n, line l' from a traceback."""

import re

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FRAME = re.compile(r"Cell In\s*\[(\d+)\],\s*line (\d+)")


def exercise_of_cells(notebook) -> list[int | None]:
    """For each cell, the exercise whose section it is in (None outside the five exercises)."""
    current, exercises = None, []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## "):
            heading = cell.source.lstrip()
            current = int(heading.split()[2]) if heading.startswith("## Ejercicio ") else None
        exercises.append(current)
    return exercises


def student_cell_numbers(notebook) -> dict[int, int]:
    """{execution count: the cell's number in the student's notebook (1-based, grader cells skipped)}."""
    numbers, position = {}, 0
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags or "grader" in tags:
            continue
        position += 1
        if cell.cell_type == "code" and cell.get("execution_count"):
            numbers[cell["execution_count"]] = position
    return numbers


def locate(traceback_lines: list[str], numbers: dict[int, int]) -> dict:
    """{'cell', 'line'} of the deepest notebook frame in an IPython traceback, or {}."""
    frames = _FRAME.findall(_ANSI.sub("", "\n".join(traceback_lines)))
    if not frames:
        return {}
    count, line = (int(x) for x in frames[-1])
    return {"cell": numbers.get(count), "line": line}


def cell_errors(notebook, cell_timeout: float | None = None) -> dict[int, str]:
    """The first error raised in each exercise's cells, in Spanish with the student's cell and line.

    A KeyboardInterrupt is the grader's own interrupt of a cell that passed cell_timeout: a hang."""
    errors, numbers = {}, student_cell_numbers(notebook)
    for cell, exercise in zip(notebook.cells, exercise_of_cells(notebook), strict=True):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") != "error" or exercise is None or exercise in errors:
                continue
            place = locate(output.get("traceback", []), numbers)
            where = f" (celda {place['cell']}, línea {place['line']})" if place.get("cell") else ""
            text = f"{output['ename']}: {output['evalue']}"
            if output["ename"] == "KeyboardInterrupt":
                limit = f" en {cell_timeout:g} s" if cell_timeout else ""
                text = f"se colgó: la celda no terminó{limit} y el corrector la interrumpió; estaba"
                where = f" en la celda {place['cell']}, línea {place['line']}" if place.get("cell") else " sin lugar conocido"
            errors[exercise] = f"{text}{where}"
    return errors


def place_text(place: dict, numbers: dict[int, int]) -> str:
    """A check's error place with the execution count turned into the student's cell number."""
    count = place.get("execution_count")
    return f"celda {numbers[count]}, " if count in numbers else ""
