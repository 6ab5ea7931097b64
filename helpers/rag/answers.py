"""Study 4: the grounded prompt and the citation checker for RAG answers."""

import re

REFUSAL = "No encuentro esa información en los fragmentos"

SYSTEM_PROMPT = (
    "Eres un asistente que responde preguntas sobre Bash usando SOLO los fragmentos numerados del "
    "manual que se te dan. Cita cada afirmación con el número del fragmento que la contiene, "
    "entre corchetes: [Contexto N]. "
    f"Si la respuesta no está en los fragmentos, responde exactamente: \"{REFUSAL}\". "
    "Responde en español y con brevedad."
)


def build_prompt(question: str, fragments: list[str]) -> list[dict]:
    """Chat messages: the rules, the numbered fragments, the question, and the rules again
    (small models follow the instruction nearest to the answer)."""
    context = "\n\n".join(f"[Contexto {n}]\n{text}" for n, text in enumerate(fragments, start=1))
    # The example number is N, not 1: small models copy a literal example citation.
    reminder = (f"Responde en una o dos frases cortas usando solo los fragmentos y termina cada frase con "
                f"la cita del fragmento que la contiene, [Contexto N]. Si los fragmentos no contienen la "
                f"respuesta, escribe solo: {REFUSAL}.")
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Fragmentos del manual:\n\n{context}\n\nPregunta: {question}\n\n{reminder}"}]


def show_prompt(messages: list[dict]) -> str:
    """The prompt as readable text (what the notebook prints to show it)."""
    return "\n\n".join(f"--- {m['role']} ---\n{m['content']}" for m in messages)


def _content_words(text: str) -> set[str]:
    from helpers.text import strip_accents

    return {w for w in re.findall(r"\w{5,}", strip_accents(text).lower()) if not w.isdigit()}


# Words of the prompt's own wording (and of any question) say nothing about the manual.
_FRAME = {"contexto", "fragmento", "fragmentos", "manual", "pregunta", "respuesta", "informacion",
          "encuentro", "puedes", "puede", "ejemplo", "segun", "tambien", "siguiente", "bash"}
STEM = 6  # compare word prefixes: "directorio" and "directorios" are one word here


def _stems(text: str) -> set[str]:
    return {w[:STEM] for w in _content_words(text) if w not in _FRAME}


def claim_text(answer: str) -> str:
    """The answer without its citations and without the refusal sentence."""
    return re.sub(r"\[\s*Contexto\s+\d+\s*\]", " ", answer.replace(REFUSAL, " "), flags=re.I)


def overlap(answer: str, fragment: str) -> float | None:
    """Share of the answer's content words (6-letter stems, accents folded) found in the fragment;
    None when the answer has no content words to check."""
    claim = _stems(claim_text(answer))
    return len(claim & _stems(fragment)) / len(claim) if claim else None


def judge_answer(answer: str, fragments: list[str], gold: list[bool], in_manual: bool,
                 threshold: float = 0.5, min_words: int = 2) -> dict:
    """Classify an answer against the evidence.

    A citation [Contexto N] is *supported* when fragment N is a gold fragment for the question
    (gold[N-1]) and at least `threshold` of the answer's content words (at least `min_words` of
    them) are in it. Outcomes: in the manual: 'supported', 'unsupported' (cites, none supported),
    'no_citation', 'wrong_refusal' (a gold fragment was shown), 'justified_refusal' (none was: the
    prompt did not hold the answer); outside it: 'correct_refusal' (the refusal and nothing cited),
    'answered_outside'. A refusal that cites is never a correct refusal."""
    if len(gold) != len(fragments):
        raise ValueError(f"gold has {len(gold)} flags for {len(fragments)} fragments")
    check = check_citations(answer, fragments)
    words = len(_stems(claim_text(answer)))
    supported, unsupported = [], list(check["invalid"])
    for n in check["valid"]:
        share = overlap(answer, fragments[n - 1])
        ok = gold[n - 1] and words >= min_words and share is not None and share >= threshold
        (supported if ok else unsupported).append(n)
    refused = check["refused"]
    if not in_manual:
        outcome = "correct_refusal" if refused and not check["cited"] else "answered_outside"
    elif refused:
        outcome = "wrong_refusal" if any(gold) else "justified_refusal"
    elif not check["cited"]:
        outcome = "no_citation"
    else:
        outcome = "supported" if supported and not refused else "unsupported"
    return {"outcome": outcome, "supported_citations": supported, "unsupported_citations": unsupported,
            "refused": refused, "cited": check["cited"], "content_words": words}


OUTCOMES = ("supported", "unsupported", "no_citation", "wrong_refusal", "justified_refusal", "correct_refusal",
            "answered_outside")


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
