"""Study 4: the grounded prompt and the citation checker for RAG answers."""

import re

REFUSAL = "No encuentro esa información en los fragmentos"

SYSTEM_PROMPT = (
    "Eres un asistente que responde preguntas sobre Bash usando SOLO los fragmentos numerados del "
    "manual que se te dan. Cita cada afirmación con el número del fragmento, así: [Contexto 2]. "
    f"Si la respuesta no está en los fragmentos, responde exactamente: \"{REFUSAL}\". "
    "Responde en español y con brevedad."
)


def build_prompt(question: str, fragments: list[str]) -> list[dict]:
    """Chat messages: the rules, the numbered fragments, the question, and the rules again
    (small models follow the instruction nearest to the answer)."""
    context = "\n\n".join(f"[Contexto {n}]\n{text}" for n, text in enumerate(fragments, start=1))
    reminder = (f"Responde en 1 a 3 frases usando solo los fragmentos y termina cada frase con su cita, "
                f"por ejemplo [Contexto 1]. Si los fragmentos no contienen la respuesta, escribe solo: {REFUSAL}.")
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Fragmentos del manual:\n\n{context}\n\nPregunta: {question}\n\n{reminder}"}]


def show_prompt(messages: list[dict]) -> str:
    """The prompt as readable text (what the notebook prints to show it)."""
    return "\n\n".join(f"--- {m['role']} ---\n{m['content']}" for m in messages)


def _content_words(text: str) -> set[str]:
    from helpers.text import strip_accents

    return {w for w in re.findall(r"\w{5,}", strip_accents(text).lower()) if not w.isdigit()}


def check_citations(answer: str, fragments: list[str]) -> dict:
    """Which [Contexto N] citations the answer makes, which exist among the retrieved fragments,
    whether it refused, and grounding: the share of its content words found in what it cites."""
    retrieved = len(fragments)
    cited = [int(n) for n in re.findall(r"\[\s*Contexto\s+(\d+)\s*\]", answer, flags=re.I)]
    valid = sorted({n for n in cited if 1 <= n <= retrieved})
    invalid = sorted({n for n in cited if not 1 <= n <= retrieved})
    refused = REFUSAL.lower() in answer.lower()
    claim = _content_words(re.sub(r"\[\s*Contexto\s+\d+\s*\]", " ", answer.replace(REFUSAL, " ")))
    source = set().union(*(_content_words(fragments[n - 1]) for n in valid)) if valid else set()
    grounding = len(claim & source) / len(claim) if claim and valid else None
    return {"cited": cited, "valid": valid, "invalid": invalid, "has_valid_citation": bool(valid),
            "refused": refused, "grounding": grounding}
