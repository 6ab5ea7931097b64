"""The grader's checks, run inside the student's kernel: behaviour, not implementation."""

import os
import tempfile
import traceback
from pathlib import Path

from helpers.io import atomic_write_json


class CheckFailed(AssertionError):
    """A check whose expectation was not met; the message says what was expected and what came."""


def expect(condition, message: str) -> None:
    """Fail the check with message unless condition holds."""
    if not condition:
        raise CheckFailed(message)


def _function(ns: dict, name: str):
    expect(name in ns, f"no se encuentra `{name}`: ¿ejecutaste la celda que la define?")
    return ns[name]


class Shared:
    """Models loaded once and reused across checks (the student's loader, or ours as a fallback)."""

    def __init__(self, ns: dict):
        self.ns, self.cache = ns, {}

    def model(self, role: str):
        if role not in self.cache:
            name = self.ns.get("MODELO_CHAT" if role == "chat" else "MODELO_BASE")
            try:
                self.cache[role] = self.ns["cargar_modelo"](name)
            except Exception:  # exercise 1 failed: grade the others with the suite's loader
                from helpers.models import load_causal_lm

                self.cache[role] = load_causal_lm(name)
        return self.cache[role]


def check_1(ns: dict, shared: Shared) -> str:
    import torch

    folder = _function(ns, "configurar_cache")(Path(tempfile.mkdtemp()) / "cache")
    expect(os.environ.get("HF_HOME") == str(folder),
           f"configurar_cache debe poner HF_HOME en la carpeta que devuelve; HF_HOME={os.environ.get('HF_HOME')!r}, devolvió {folder!r}")
    info = _function(ns, "verificar_dispositivo")()
    expect(isinstance(info, dict) and info.get("dispositivo") in ("cpu", "cuda"),
           f"verificar_dispositivo debe devolver un dict con 'dispositivo' 'cpu' o 'cuda'; devolvió {info!r}")
    result = _function(ns, "cargar_modelo")(ns["MODELO_CHAT"])
    expect(isinstance(result, tuple) and len(result) == 2, f"cargar_modelo debe devolver (modelo, tokenizador); devolvió {type(result).__name__}")
    model, tokenizer = result
    expect(not model.training, "el modelo debe estar en modo evaluación (modelo.eval())")
    if torch.cuda.is_available():
        expect(model.dtype in (torch.float16, torch.bfloat16), f"en GPU se esperaba media precisión; es {model.dtype}")
    expect(tokenizer.pad_token is not None, "el tokenizador necesita un pad_token (usa el eos si no tiene)")
    shared.cache["chat"] = result
    return f"modelo en {info['dispositivo']}, {model.dtype}"


def check_2(ns: dict, shared: Shared) -> str:
    model, tokenizer = shared.model("chat")
    encoded = _function(ns, "preprocesar_entrada")("hola " * 2000, tokenizer, 64)
    length = encoded["input_ids"].shape[-1]
    expect(length <= 64, f"preprocesar_entrada debe truncar a longitud_maxima=64 tokens; dio {length}")
    generate = _function(ns, "generar_respuesta")
    prompt = "La capital de Francia es"
    answer = generate(model, ns["preprocesar_entrada"](prompt, tokenizer), tokenizer, {"max_new_tokens": 8, "do_sample": False})
    expect(isinstance(answer, str) and answer.strip(), f"generar_respuesta debe devolver texto no vacío; devolvió {answer!r}")
    expect(not answer.startswith(prompt), f"la respuesta debe contener solo el texto nuevo, no el prompt: {answer!r}")
    default = generate(model, ns["preprocesar_entrada"](prompt, tokenizer), tokenizer)
    expect(isinstance(default, str), "generar_respuesta debe funcionar sin parametros_generacion (valores por defecto)")
    system = _function(ns, "crear_prompt_sistema")("Habla como un pirata.")
    expect(isinstance(system, str) and "pirata" in system, f"crear_prompt_sistema debe incluir las instrucciones; devolvió {system!r}")
    return f"respuesta: {answer[:40]!r}"


def check_3(ns: dict, shared: Shared) -> str:
    _, tokenizer = shared.model("chat")
    manager = _function(ns, "GestorContexto")(longitud_maxima=120)
    manager.agregar_mensaje("system", "MARCA-SISTEMA: responde siempre en español.")
    for turn in range(40):
        manager.agregar_mensaje("user" if turn % 2 == 0 else "assistant", f"mensaje número {turn} con algo de texto")
    manager.truncar_historial(tokenizer)
    prompt = manager.construir_prompt_completo(tokenizer)
    tokens = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    expect(tokens <= 120, f"tras truncar_historial el prompt debe caber en 120 tokens; tiene {tokens}")
    expect("MARCA-SISTEMA" in prompt, "truncar_historial nunca debe quitar el mensaje de sistema")
    expect("mensaje número 39" in prompt, "el mensaje más reciente debe seguir en el contexto")
    expect("mensaje número 0 " not in prompt, "los mensajes más antiguos deben salir primero")
    bot = _function(ns, "Chatbot")(ns["MODELO_CHAT"], "Responde en una frase.")
    reply = bot.responder("Hola, me llamo Ana.", {"max_new_tokens": 8})
    expect(isinstance(reply, str) and reply.strip(), f"Chatbot.responder debe devolver texto; devolvió {reply!r}")
    history = [m["content"] if isinstance(m, dict) else m for m in bot.contexto.mensajes]
    expect(len(history) >= 3, f"el contexto debe guardar sistema, usuario y respuesta; tiene {len(history)} mensajes")
    shared.cache["bot"] = bot
    return f"{tokens} tokens tras truncar; respuesta {reply[:30]!r}"


def check_4(ns: dict, shared: Shared) -> str:
    four, eight = _function(ns, "configurar_cuantizacion")(4), ns["configurar_cuantizacion"](8)
    expect(getattr(four, "load_in_4bit", False) and getattr(eight, "load_in_8bit", False),
           "configurar_cuantizacion(4) debe pedir load_in_4bit y (8) load_in_8bit")
    model, tokenizer = _function(ns, "cargar_modelo_optimizado")(ns["MODELO_BASE"], {"cuantizacion": True, "bits": 4})
    expect(getattr(model, "is_loaded_in_4bit", False) or getattr(model, "hf_quantizer", None) is not None,
           "cargar_modelo_optimizado con cuantizacion=True, bits=4 debe devolver un modelo cuantizado")
    result = _function(ns, "aplicar_sliding_window")(model, 256)
    expect(isinstance(result, tuple) and len(result) == 2, "aplicar_sliding_window debe devolver (modelo, aplicada)")
    device = "cuda" if model.device.type == "cuda" else "cpu"
    figures = _function(ns, "evaluar_rendimiento")(model, tokenizer, "Hola, ¿qué tal?", device)
    promised = {"latencia_s", "tiempo_primer_token_s", "tokens_por_segundo", "memoria_pico_mb"}
    expect(isinstance(figures, dict) and promised <= set(figures),
           f"evaluar_rendimiento debe devolver {sorted(promised)}; devolvió {sorted(figures) if isinstance(figures, dict) else figures!r}")
    expect(all(figures[k] > 0 for k in promised), f"las medidas deben ser positivas: {figures}")
    expect(figures["tiempo_primer_token_s"] <= figures["latencia_s"], "el primer token no puede llegar después del último")
    return f"4 bits: {figures['tokens_por_segundo']:.1f} tokens/s, {figures['memoria_pico_mb']:.0f} MB"


def check_5(ns: dict, shared: Shared) -> str:
    import torch

    from helpers.workshop.browser import chat_in_browser, free_port

    base, tokenizer = shared.model("base")
    peft_model = _function(ns, "configurar_peft")(base, r=4, lora_alpha=8)
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in peft_model.parameters())
    expect(0 < trainable < total / 10, f"configurar_peft debe entrenar solo un adaptador pequeño; entrenables {trainable} de {total}")
    torch.manual_seed(0)
    for name, parameter in peft_model.named_parameters():
        if "lora_B" in name:  # a fresh adapter is the identity: make it matter before saving
            parameter.data.normal_(0, 0.02)
    folder = Path(tempfile.mkdtemp()) / "adaptador"
    _function(ns, "guardar_modelo")(peft_model, folder)
    loaded, _ = _function(ns, "cargar_modelo_personalizado")(ns["MODELO_BASE"], folder)
    ids = tokenizer("Una prueba del adaptador", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        expected, got = peft_model.eval()(ids.to(peft_model.device)).logits, loaded(ids.to(loaded.device)).logits
    expect(torch.allclose(expected.float().cpu(), got.float().cpu(), atol=1e-3),
           "el modelo recargado debe dar los mismos logits que el adaptador guardado")
    bot = shared.cache.get("bot") or ns["Chatbot"](ns["MODELO_CHAT"], "Responde en una frase.")
    app = _function(ns, "crear_interfaz_web")(bot)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        screenshot = Path(ns.get("ctx").output_dir if ns.get("ctx") else tempfile.mkdtemp()) / "chat_web.png"
        chat = chat_in_browser(f"http://127.0.0.1:{port}/", "Hola, ¿qué tal?", screenshot)
    finally:
        app.close()
    expect(chat.get("reply"), f"el chat web no mostró respuesta: {chat}")
    return f"adaptador recargado idéntico; chat web respondió {chat['reply'][:30]!r} (captura {screenshot})"


def _free_notebook_models(ns: dict) -> None:
    """Drop the models the notebook left loaded, so the checks' own models fit in memory."""
    import ctypes
    import gc

    for name in [n for n, value in ns.items() if not n.startswith("_") and _holds_model(value)]:
        del ns[name]
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # give freed weights back to the system
    except OSError:
        pass


def _holds_model(value) -> bool:
    """A torch module, or an object (a chatbot) whose attributes include one."""
    import torch

    if isinstance(value, torch.nn.Module):
        return True
    return any(isinstance(v, torch.nn.Module) for v in getattr(value, "__dict__", {}).values())


CHECKS = {1: check_1, 2: check_2, 3: check_3, 4: check_4, 5: check_5}


def run_checks(ns: dict, report_path: str) -> list[dict]:
    """Run every exercise's check; write and return [{exercise, passed, message}]."""
    _free_notebook_models(ns)
    shared, results = Shared(ns), []
    for number, check in CHECKS.items():
        try:
            results.append({"exercise": number, "passed": True, "message": check(ns, shared)})
        except NotImplementedError as error:
            results.append({"exercise": number, "passed": False,
                            "message": f"sin completar: NotImplementedError({error})"})
        except CheckFailed as error:
            results.append({"exercise": number, "passed": False, "message": str(error)})
        except Exception as error:  # the student's code raised: say where
            frame = traceback.extract_tb(error.__traceback__)[-1]
            results.append({"exercise": number, "passed": False,
                            "message": f"{type(error).__name__}: {error} (en {frame.name}, línea {frame.lineno})"})
    atomic_write_json(report_path, results)
    return results
