"""Study 5: the exercise-4 precision comparison on CPU, and cached token counts in a long conversation."""

import time

from helpers.workshop.sheet import solution_namespace

TURNS = 200  # conversation length for the context-manager benchmark
BUDGET = 1024  # token budget of the context
VARIANTS = {"bf16": {"dtype": "bfloat16"}, "8bit": {"cuantizacion": True, "bits": 8},
            "4bit": {"cuantizacion": True, "bits": 4}}


def _namespace(**parameters):
    import tempfile

    return solution_namespace(OUTPUT_DIR=tempfile.mkdtemp(), **parameters)


def precision_variants() -> dict:
    """Tokens per second and peak memory of bf16, 8-bit and 4-bit against fp32 (exercise 4's code)."""
    import gc

    import torch

    ns = _namespace(MAX_NEW_TOKENS=32)
    measured = {}
    for name, options in {"fp32": {}, **VARIANTS}.items():
        options = {k: getattr(torch, v) if k == "dtype" else v for k, v in options.items()}
        model, tokenizer = ns["cargar_modelo_optimizado"](ns["MODELO_CHAT"], options)
        ns["evaluar_rendimiento"](model, tokenizer, "Hola", "cpu")  # warm-up
        measured[name] = ns["evaluar_rendimiento"](model, tokenizer, ns["TEXTO_PRUEBA"], "cpu")
        del model
        gc.collect()
    base = measured["fp32"]
    return {f"workshop_{name}_vs_fp32": {
        "unit": "tokens/s", "baseline": base["tokens_por_segundo"], "candidate": figures["tokens_por_segundo"],
        "ratio": figures["tokens_por_segundo"] / base["tokens_por_segundo"], "target": None,
        "peak_mb": figures["memoria_pico_mb"], "fp32_peak_mb": base["memoria_pico_mb"],
        "first_token_s": figures["tiempo_primer_token_s"], "model": ns["MODELO_CHAT"]}
        for name, figures in measured.items() if name != "fp32"}


def _naive_turn(messages: list[dict], tokenizer, budget: int) -> None:
    """Re-tokenise the whole rendered history every turn, dropping the oldest turn while over budget."""
    def length():
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    while length() > budget and len(messages) > 2:
        del messages[1]


def context_manager_200_turns() -> dict:
    """Seconds for a 200-turn conversation: cached per-message counts vs re-tokenising everything."""
    from helpers.models import load_tokenizer

    ns = _namespace()
    tokenizer = load_tokenizer(ns["MODELO_CHAT"])
    texts = [f"Turno {i}: " + "me gustan las películas de ciencia ficción con buenos efectos " * (1 + i % 4)
             for i in range(TURNS)]
    start = time.perf_counter()
    manager = ns["GestorContexto"](BUDGET)
    manager.agregar_mensaje("system", "Eres un asistente de cine.")
    for index, text in enumerate(texts):
        manager.agregar_mensaje("user" if index % 2 == 0 else "assistant", text)
        manager.truncar_historial(tokenizer)
    cached = time.perf_counter() - start
    start = time.perf_counter()
    messages = [{"role": "system", "content": "Eres un asistente de cine."}]
    for index, text in enumerate(texts):
        messages.append({"role": "user" if index % 2 == 0 else "assistant", "content": text})
        _naive_turn(messages, tokenizer, BUDGET)
    naive = time.perf_counter() - start
    final = len(tokenizer(manager.construir_prompt_completo(tokenizer), add_special_tokens=False)["input_ids"])
    return {"workshop_context_200_turns": {
        "unit": "s", "baseline": naive, "candidate": cached, "ratio": naive / cached, "target": None,
        "turns": TURNS, "budget": BUDGET, "final_prompt_tokens": final, "fits": final <= BUDGET,
        "kept_messages": len(manager.historial), "naive_kept_messages": len(messages)}}
