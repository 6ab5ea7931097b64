"""comprobar(n): one exercise's public checks, run in the student's own kernel and told in Spanish."""

import re
import sys

from helpers.workshop.checks import TIME_LIMITS_S, run_checks

_TODO = re.compile(r"TODO (\d+)")


def _check_line(check: dict, exercise: int) -> str:
    """✔/✘, what the check expects and, when it failed, why (no traceback)."""
    if check["passed"]:
        return f"✔ {check['expected']}"
    if "not_done" in check:
        function = check.get("where", {}).get("function")
        todo = _TODO.search(check["not_done"])
        other = int(todo.group(1)) if todo else exercise
        why = f"sin hacer todavía: `{function}` aún lanza NotImplementedError(\"{check['not_done']}\")"
        if other != exercise:
            why += f" (es del ejercicio {other}: complétalo primero)"
    else:
        why = check["message"]
        count = check.get("where", {}).get("execution_count")
        if count:
            why += f" (celda In [{count}])"
    return f"✘ {check['expected']}\n    → {why}"


def report(result: dict) -> str:
    """The lines comprobar prints for one exercise's result: a line per check, then the summary."""
    number, listed = result["exercise"], result["checks"]
    lines = []
    not_done = [c.get("not_done") for c in listed]
    if all(not_done) and f"TODO {number}" in not_done:
        lines.append(f"El ejercicio {number} aún no está hecho: completa las funciones que lanzan "
                     f"NotImplementedError(\"TODO {number}\") y vuelve a ejecutar esta celda.")
    lines += [_check_line(check, number) for check in listed]
    passed = sum(c["passed"] for c in listed)
    lines.append(f"Ejercicio {number}: {passed} de {len(listed)} comprobaciones superadas "
                 f"({result['points']} de {result['max_points']} puntos, {result['seconds']:g} s)")
    return "\n".join(lines)


def comprobar(n: int, espacio: dict | None = None) -> None:
    """Run exercise n's checks on the tiny model with the functions the notebook defines (its globals,
    or espacio), under the exercise's time limit; print the outcome. Never raises for the student's code."""
    ns = espacio if espacio is not None else sys._getframe(1).f_globals
    if n not in TIME_LIMITS_S:
        print(f"No hay ejercicio {n!r}: usa comprobar(1) a comprobar({max(TIME_LIMITS_S)}).")
        return None
    if "MODELO_CHAT" not in ns:
        print("Falta MODELO_CHAT: ejecuta antes las celdas de parámetros y de preparación del principio.")
        return None
    print(f"Comprobando el ejercicio {n} con un modelo diminuto de pesos aleatorios (límite "
          f"{TIME_LIMITS_S[n]} s)…", flush=True)
    try:
        (result,) = run_checks(ns, browser=False, exercises=(n,), free_models=False)
    except Exception as error:  # noqa: BLE001  (preparing the tiny model, not the student's code)
        print(f"No se pudo preparar la comprobación ({type(error).__name__}: {error}). ¿Ejecutaste la celda de "
              "instalación (en Colab) y las de preparación?")
        return None
    print(report(result))
    return None
