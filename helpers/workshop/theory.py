"""The theory questions: each answer must be written and mention its question's key concepts."""

import re

PLACEHOLDER = "Escribe aquí tu respuesta"
# Per question: groups of alternatives; an answer should hit every group.
KEYWORDS = {
    1: [("codificador", "encoder"), ("decodificador", "decoder"), ("bidireccional", "causal", "atención"),
        ("clasific", "gener", "tradu", "resum", "bert", "gpt", "t5")],
    2: [("logit", "softmax", "distribución", "probabilidad"), ("baja", "determinis", "conservador", "voraz"),
        ("alta", "aleatori", "creativ", "diversidad", "variedad")],
    3: [("rag", "recuperación", "fuentes", "documentos", "contexto"), ("temperatura",),
        ("ajuste fino", "fine-tuning", "datos", "alinea"), ("no lo sé", "verific", "comprob", "instrucciones", "cita")],
}
MIN_WORDS = 15


def answers(notebook) -> dict[int, str]:
    """{question number: answer text} from the markdown after the theory heading."""
    text, inside = [], False
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Preguntas teóricas"):
            inside = True
        elif cell.cell_type == "markdown" and cell.source.lstrip().startswith("## "):
            inside = False
        if inside and cell.cell_type == "markdown":
            text.append(cell.source)
    parts = re.split(r"^\*\*(\d+)\.(?:.|\n)*?\*\*[ \t]*$", "\n".join(text), flags=re.MULTILINE)
    found = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    return {n: re.sub(r"<!--.*?-->", "", found.get(n, ""), flags=re.DOTALL).strip() for n in KEYWORDS}


def grade_answer(number: int, answer: str) -> dict:
    """{'question', 'status': 'superado'|'revisar a mano'|'no superado', 'message'}."""
    words = len(answer.split())
    if not answer or PLACEHOLDER.lower() in answer.lower():
        return {"question": number, "status": "no superado", "message": "sin respuesta"}
    lowered = answer.lower()
    missing = [group[0] for group in KEYWORDS[number] if not any(word in lowered for word in group)]
    if missing or words < MIN_WORDS:
        reason = f"no menciona: {', '.join(missing)}" if missing else f"muy breve ({words} palabras)"
        return {"question": number, "status": "revisar a mano", "message": reason}
    return {"question": number, "status": "superado", "message": f"{words} palabras, conceptos clave presentes"}


def grade_theory(notebook) -> list[dict]:
    """One result per theory question."""
    return [grade_answer(number, text) for number, text in answers(notebook).items()]
