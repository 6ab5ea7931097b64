"""Checks of exercise 5: LoRA settings, a real persona training, save and reload, streamed web chat, deployment."""

import inspect
import re
import tempfile
import threading
import urllib.request
from pathlib import Path

from helpers.workshop.check_tools import Check, GenerateSpy, expect, function

SYSTEM_MARK = "MARCA-WEB"


def _letters(text: str) -> str:
    """Only letters and digits: the browser renders markdown and collapses spaces."""
    return re.sub(r"\W+", "", text or "")


def _student_adapter(ns, context):
    peft_model = function(ns, "configurar_peft")(context.model(), r=4, lora_alpha=12)
    expect(hasattr(peft_model, "peft_config"), f"configurar_peft debe devolver un modelo de peft; devolvió "
                                               f"{type(peft_model).__name__}")
    return peft_model


def _check_lora(ns, context) -> str:
    peft_model = _student_adapter(ns, context)
    config = getattr(peft_model, "peft_config", {}).get("default")
    expect(config is not None and config.r == 4 and config.lora_alpha == 12,
           f"configurar_peft(modelo, r=4, lora_alpha=12) debe crear un LoRA con r=4 y lora_alpha=12; "
           f"tiene r={getattr(config, 'r', None)}, lora_alpha={getattr(config, 'lora_alpha', None)}")
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in peft_model.parameters())
    expect(0 < trainable < total / 10, f"solo debe entrenarse el adaptador; entrenables {trainable} de {total}")
    return f"LoRA r=4, alpha=12; entrenables {trainable} de {total}"


def _check_training(ns, context) -> str:
    import torch

    from helpers.workshop.persona import persona_answer, train_persona

    peft_model, tokenizer = _student_adapter(ns, context), context.tokenizer
    torch.manual_seed(0)
    before = persona_answer(peft_model, tokenizer, "¿Quién eres?")
    losses = train_persona(peft_model, tokenizer, steps=20, learning_rate=5e-2)
    after = persona_answer(peft_model, tokenizer, "¿Quién eres?")
    expect(losses[-1] < losses[0] - 0.1 and after != before,
           f"unos pasos con los ejemplos del personaje deben bajar la pérdida y cambiar la respuesta: pérdida "
           f"{losses[0]:.2f} -> {losses[-1]:.2f}, respuesta {before!r} -> {after!r}")
    return f"pérdida {losses[0]:.2f} -> {losses[-1]:.2f}"


def _check_reload(ns, context) -> str:
    import torch
    from peft import LoraConfig, get_peft_model

    tokenizer = context.tokenizer
    # A reference adapter with random weights (not zero as a fresh LoRA): reloading without it shows.
    peft_model = get_peft_model(context.model(), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                                            init_lora_weights=False))
    folder = Path(tempfile.mkdtemp()) / "adaptador"
    function(ns, "guardar_modelo")(peft_model, tokenizer, folder)
    files = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    expect("adapter_config.json" in files and files & {"adapter_model.safetensors", "adapter_model.bin"},
           f"guardar_modelo debe guardar el adaptador en la carpeta; hay {sorted(files)}")
    expect("tokenizer_config.json" in files, f"guardar_modelo debe guardar también el tokenizador; hay {sorted(files)}")
    loaded, loaded_tokenizer = function(ns, "cargar_modelo_personalizado")(folder)
    ids = tokenizer("Una prueba del adaptador", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        expected, got = peft_model.eval()(ids).logits, loaded(ids.to(loaded.device)).logits
    expect(torch.allclose(expected.float(), got.float().cpu(), atol=1e-4),
           "el modelo recargado con cargar_modelo_personalizado debe dar los mismos logits que el guardado "
           f"(diferencia máxima {float((expected - got.float().cpu()).abs().max()):.3g})")
    expect(loaded_tokenizer("hola")["input_ids"] == tokenizer("hola")["input_ids"],
           "cargar_modelo_personalizado debe devolver el tokenizador guardado")
    return "recarga idéntica"


def _final_text(value) -> str:
    while isinstance(value, (list, tuple)) and value:
        value = value[-1]
    return value.get("content", "") if isinstance(value, dict) else str(value or "")


def _web_app(ns, context):
    """The student's chatbot, a spy on its generate and the web interface built on it."""
    bot = function(ns, "Chatbot")(context.folder, f"{SYSTEM_MARK}: eres un asistente amable.")
    spy = GenerateSpy(bot.modelo)
    return bot, spy, function(ns, "crear_interfaz_web")(bot)


def _check_stream(ns, context) -> str:
    bot, spy, app = _web_app(ns, context)
    fn = getattr(app, "fn", None)
    expect(callable(fn), f"crear_interfaz_web debe devolver un gr.Interface o gr.ChatInterface; devolvió {type(app).__name__}")
    ns["MAX_NEW_TOKENS"] = 24
    result = fn("Hola, ¿qué tal?", []) if type(app).__name__ == "ChatInterface" else fn("Hola, ¿qué tal?")
    chunks = [_final_text(c) for c in result] if inspect.isgenerator(result) else [_final_text(result)]
    expect(spy.calls, "la función del chat web debe generar con el modelo del chatbot")
    expect(len(chunks) >= 2, f"el chat web debe ir en directo (una función generadora que entrega la respuesta "
                             f"a trozos); entregó {len(chunks)} trozo(s)")
    answer = bot.tokenizador.decode(spy.new_ids(), skip_special_tokens=True)
    expect(_letters(chunks[-1]) == _letters(answer) and SYSTEM_MARK not in chunks[-1],
           f"el chat web debe mostrar la respuesta del modelo ({answer!r}), no el prompt ni la plantilla; "
           f"mostró {chunks[-1][:200]!r}")
    return f"chat en directo ({len(chunks)} trozos)"


def _check_browser(ns, context) -> str:
    from helpers.workshop.browser import chat_in_browser, free_port

    bot, spy, app = _web_app(ns, context)
    ns["MAX_NEW_TOKENS"] = 24
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        screenshot = context.screenshot or Path(tempfile.mkdtemp()) / "chat_web.png"
        chat = chat_in_browser(f"http://127.0.0.1:{port}/", "¿Qué es un tokenizador?", screenshot)
    finally:
        app.close()
    answer = bot.tokenizador.decode(spy.new_ids(), skip_special_tokens=True)
    reply = chat.get("reply", "")
    expect(reply and _letters(reply) == _letters(answer) and SYSTEM_MARK not in reply,
           f"en el navegador, la respuesta debe ser la del modelo ({answer!r}); apareció {reply[:200]!r}")
    return f"navegador: respuesta del modelo (captura {screenshot})"


def _check_deploy(ns, context) -> str:
    from helpers.workshop.browser import free_port

    port, outcome = free_port(), {}

    def target():
        try:
            outcome["app"] = function(ns, "main_despliegue")(lanzar=True, puerto=port)
        except BaseException as error:  # noqa: BLE001  (re-raised in the grader's thread)
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(60)
    expect(not worker.is_alive(), "main_despliegue(lanzar=True) no debe bloquear: usa prevent_thread_lock=True")
    if "error" in outcome:
        raise outcome["error"]
    app = outcome.get("app")
    try:
        host = getattr(app, "server_name", None)
        expect(host == "127.0.0.1", f"main_despliegue debe escuchar solo en 127.0.0.1 (datos privados); escucha en {host!r}")
        url = f"http://127.0.0.1:{getattr(app, 'server_port', port)}/"
        with urllib.request.urlopen(url, timeout=20) as response:
            expect(response.status == 200, f"el chat desplegado no responde en {url}")
    finally:
        if hasattr(app, "close"):
            app.close()
    return "despliegue en 127.0.0.1"


CHECKS_5 = [
    Check("lora", "configurar_peft(modelo, r, lora_alpha) crea un LoRA con esos r y lora_alpha y entrena solo una "
          "parte pequeña", _check_lora, 1),
    Check("entrenamiento", "unos pasos con los ejemplos de un personaje bajan la pérdida y cambian la respuesta",
          _check_training, 2),
    Check("guardar_recargar", "guardar_modelo guarda el adaptador y el tokenizador; cargar_modelo_personalizado da "
          "los mismos logits", _check_reload, 2),
    Check("directo", "el chat web entrega la respuesta del modelo a trozos (en directo), no el prompt ni la "
          "plantilla", _check_stream, 2),
    Check("navegador", "en un navegador real (Chromium), la respuesta que aparece es la del modelo", _check_browser,
          1, browser=True),
    Check("despliegue", "main_despliegue(lanzar=True, puerto=...) vuelve enseguida y sirve solo en 127.0.0.1",
          _check_deploy, 1),
]
