"""Checks of exercise 3: conversation memory, truncation within the budget, Spanish and English roles."""

from helpers.workshop.check_tools import Check, GenerateSpy, expect, function

SYSTEM = "MARCA-SISTEMA: responde siempre en español."
TURNS = 30


def _tokens(tokenizer, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def _template(tokenizer, messages, closing=True) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=closing)


def _turn(k: int) -> dict:
    return {"role": "user" if k % 2 == 0 else "assistant", "content": f"mensaje número {k} con algo de texto"}


def _check_roles(ns, tokenizer) -> None:
    spanish, english = ns["GestorContexto"](longitud_maxima=4096), ns["GestorContexto"](longitud_maxima=4096)
    messages = [("sistema", "system", SYSTEM), ("usuario", "user", "Hola"), ("asistente", "assistant", "¿Qué tal?"),
                ("usuario", "user", "Bien")]
    for es, en, text in messages:
        spanish.agregar_mensaje(es, text)
        english.agregar_mensaje(en, text)
    expected = _template(tokenizer, [{"role": en, "content": text} for _, en, text in messages])
    for name, manager in (("españoles", spanish), ("ingleses", english)):
        prompt = manager.construir_prompt_completo(tokenizer)
        expect(prompt == expected, f"con roles {name} el prompt debe ser el de la plantilla de chat:\n"
                                   f"esperado {expected!r}\nobtenido {prompt!r}")


def _check_budget(ns, tokenizer, budget: int) -> None:
    manager = ns["GestorContexto"](longitud_maxima=budget)
    manager.agregar_mensaje("sistema", SYSTEM)
    for k in range(TURNS):
        manager.agregar_mensaje("usuario" if k % 2 == 0 else "asistente", _turn(k)["content"])
    manager.truncar_historial(tokenizer)
    prompt = manager.construir_prompt_completo(tokenizer)
    size = _tokens(tokenizer, prompt)
    expect(size <= budget, f"tras truncar_historial el prompt debe caber en {budget} tokens; tiene {size}")
    expect(SYSTEM in prompt, f"truncar_historial nunca debe quitar el mensaje de sistema (presupuesto {budget})")
    kept = [k for k in range(TURNS) if f"mensaje número {k} " in prompt]
    expect(kept and kept == list(range(kept[0], TURNS)),
           f"deben quedar los mensajes más recientes, sin huecos (se quitan primero los más antiguos); "
           f"quedaron {kept} de 0..{TURNS - 1} (presupuesto {budget})")
    one_more = _template(tokenizer, [{"role": "system", "content": SYSTEM}] + [_turn(k) for k in range(kept[0] - 1, TURNS)])
    expect(kept[0] == 0 or _tokens(tokenizer, one_more) > budget,
           f"truncar_historial quitó más mensajes de los necesarios: con el mensaje {kept[0] - 1} el prompt aún "
           f"cabía en {budget} tokens ({_tokens(tokenizer, one_more)})")


def _check_long_message(ns, tokenizer, budget: int = 60) -> None:
    manager = ns["GestorContexto"](longitud_maxima=budget)
    manager.agregar_mensaje("sistema", SYSTEM)
    manager.agregar_mensaje("usuario", "INICIO-LARGO " + "palabra " * 200 + "FINAL-PREGUNTA")
    manager.truncar_historial(tokenizer)
    prompt = manager.construir_prompt_completo(tokenizer)
    system_only = [{"role": "system", "content": "x"}]
    header = _template(tokenizer, system_only)[len(_template(tokenizer, system_only, closing=False)):]
    size = _tokens(tokenizer, prompt)
    expect(size <= budget and SYSTEM in prompt,
           f"un mensaje más largo que el presupuesto se recorta hasta caber ({budget} tokens) sin tocar el sistema; "
           f"el prompt tiene {size} tokens")
    expect("FINAL-PREGUNTA" in prompt and "INICIO-LARGO" not in prompt and prompt.endswith(header),
           "un mensaje más largo que el presupuesto se recorta por el principio: debe quedar su final y la "
           f"cabecera del asistente ({header!r}) al final del prompt; el prompt acaba en {prompt[-80:]!r}")


def _check_memory(ns, context) -> str:
    bot = function(ns, "Chatbot")(context.folder, "MARCA-INSTRUCCIONES: habla como un pirata.")
    for name in ("modelo", "tokenizador", "dispositivo", "gestor_contexto"):
        expect(hasattr(bot, name), f"Chatbot debe tener el atributo `{name}`")
    spy = GenerateSpy(bot.modelo)
    first = bot.responder("Me llamo Ana y MARCA-PRIMERA.", {"max_new_tokens": 4})
    expect(isinstance(first, str), f"Chatbot.responder debe devolver texto; devolvió {first!r}")
    bot.responder("¿Cómo me llamo?", {"max_new_tokens": 4})
    expect(len(spy.calls) == 2, f"cada responder debe llamar una vez a modelo.generate; hubo {len(spy.calls)} llamadas")
    prompt = bot.tokenizador.decode(spy.calls[-1]["input_ids"][0])
    missing = [name for name, text in (("instrucciones de sistema", "MARCA-INSTRUCCIONES"),
                                       ("primera pregunta", "MARCA-PRIMERA"),
                                       ("primera respuesta", first.strip()[:20]),
                                       ("segunda pregunta", "¿Cómo me llamo?")) if text not in prompt]
    expect(not missing, f"en el segundo turno el prompt debe contener la conversación; faltan: {', '.join(missing)}. "
                        f"Prompt: {prompt[-300:]!r}")
    return prompt


def _roles(ns: dict, context) -> str:
    function(ns, "GestorContexto")
    _check_roles(ns, context.tokenizer)
    return "roles es/en"


BUDGETS = range(100, 220, 9)


def _truncation(ns: dict, context) -> str:
    function(ns, "GestorContexto")
    for budget in BUDGETS:
        _check_budget(ns, context.tokenizer, budget)
    return f"truncado dentro de {len(BUDGETS)} presupuestos, el más antiguo primero y sin quitar de más"


def _long(ns: dict, context) -> str:
    function(ns, "GestorContexto")
    _check_long_message(ns, context.tokenizer)
    return "mensaje largo recortado por el principio"


def _memory(ns: dict, context) -> str:
    _check_memory(ns, context)
    return "memoria del primer turno"


CHECKS_3 = [
    Check("roles", "con roles en español o en inglés, el prompt es el de la plantilla de chat del modelo", _roles, 1),
    Check("truncado", "truncar_historial cabe en el presupuesto, conserva el sistema y quita primero los mensajes "
          "más antiguos, sin quitar de más", _truncation, 2),
    Check("mensaje_largo", "un mensaje más largo que el presupuesto se recorta por el principio", _long, 1),
    Check("memoria", "Chatbot.responder lleva la conversación anterior al prompt del turno siguiente", _memory, 2),
]
