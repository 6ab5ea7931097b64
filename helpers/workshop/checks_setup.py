"""Checks of exercises 1 (device, cache, loading) and 2 (input, generation, system prompt)."""

import os
import tempfile
from pathlib import Path

from helpers.workshop.check_tools import Check, GenerateSpy, expect, function
from helpers.workshop.fakes import simulated_gpu


def _cache(ns: dict, context) -> str:
    before = os.environ.get("HF_HOME")
    wanted = Path(tempfile.mkdtemp()) / "cache"
    try:
        folder = function(ns, "configurar_cache")(wanted)
        home = os.environ.get("HF_HOME")
    finally:
        os.environ.pop("HF_HOME", None) if before is None else os.environ.update(HF_HOME=before)
    expect(home and Path(home) == wanted and wanted.is_dir() and Path(folder) == wanted,
           f"configurar_cache({str(wanted)!r}) debe crear la carpeta, poner HF_HOME en ella y devolverla; "
           f"HF_HOME={home!r}, devolvió {folder!r}")
    return "HF_HOME respetado"


def _gpu(ns: dict, context) -> str:
    import torch

    with simulated_gpu((7, 5)) as loads:
        device = function(ns, "verificar_dispositivo")()
        expect(isinstance(device, torch.device) and device.type == "cuda",
               f"con una GPU disponible (simulada), verificar_dispositivo debe devolver torch.device('cuda'); devolvió {device!r}")
        model, _ = function(ns, "cargar_modelo")(context.folder)
    expect(loads, "cargar_modelo debe cargar el modelo con AutoModelForCausalLM.from_pretrained")
    expect(model.dtype in (torch.float16, torch.bfloat16),
           f"con una GPU (simulada) cargar_modelo debe usar media precisión; el modelo quedó en {model.dtype}")
    expect(model.device.type == "cuda", f"con una GPU (simulada) el modelo debe ir a cuda; quedó en {model.device}")
    expect(not model.training, "el modelo debe quedar en modo evaluación (modelo.eval())")
    return "GPU simulada: cuda y media precisión"


def _cpu(ns: dict, context) -> str:
    import torch

    device = function(ns, "verificar_dispositivo")()
    expect(isinstance(device, torch.device) and device.type == "cpu",
           f"sin GPU, verificar_dispositivo debe devolver torch.device('cpu'); devolvió {device!r}")
    model, tokenizer = function(ns, "cargar_modelo")(context.folder)
    expect(model.dtype == torch.float32, f"en CPU el modelo debe cargarse en float32; es {model.dtype}")
    expect(not model.training, "el modelo debe quedar en modo evaluación (modelo.eval())")
    expect(model.device.type == "cpu", f"sin GPU el modelo debe quedar en la CPU; está en {model.device}")
    expect(tokenizer.pad_token is not None, "el tokenizador necesita un pad_token (usa el eos si no tiene)")
    return "CPU: float32; modo evaluación"


CHECKS_1 = [
    Check("cache", "configurar_cache(carpeta) pone HF_HOME en esa carpeta, la crea y la devuelve", _cache, 1),
    Check("gpu", "con una GPU (simulada): torch.device('cuda'), media precisión, modelo en cuda y en modo evaluación",
          _gpu, 2),
    Check("cpu", "sin GPU: torch.device('cpu'), pesos en float32, modo evaluación y pad_token", _cpu, 2),
]


def _truncation(ns: dict, context) -> str:
    length = function(ns, "preprocesar_entrada")("hola " * 500, context.tokenizer, 16)["input_ids"].shape[-1]
    expect(length <= 16, f"preprocesar_entrada(texto, tokenizador, 16) debe truncar a 16 tokens; dio {length}")
    return "entrada truncada"


def _new_text(ns: dict, context) -> str:
    model, tokenizer = context.model(), context.tokenizer
    spy, prepare = GenerateSpy(model), function(ns, "preprocesar_entrada")
    answer = function(ns, "generar_respuesta")(model, prepare("La capital de Francia es", tokenizer), tokenizer,
                                               {"max_new_tokens": 6, "do_sample": False})
    expect(spy.calls, "generar_respuesta debe llamar a modelo.generate")
    expected = tokenizer.decode(spy.new_ids(), skip_special_tokens=True).strip()
    expect(isinstance(answer, str) and answer.strip() == expected,
           f"generar_respuesta debe devolver exactamente el texto nuevo (sin el prompt ni tokens especiales): "
           f"el modelo generó {expected!r} y la función devolvió {answer!r}")
    return f"texto nuevo exacto ({len(spy.new_ids())} tokens)"


def _parameters(ns: dict, context) -> str:
    model, tokenizer = context.model(), context.tokenizer
    spy, prepare, generate = GenerateSpy(model), function(ns, "preprocesar_entrada"), function(ns, "generar_respuesta")
    generate(model, prepare("La capital de Francia es", tokenizer), tokenizer, {"max_new_tokens": 6, "do_sample": False})
    expect(spy.calls, "generar_respuesta debe llamar a modelo.generate")
    new = spy.new_ids()
    expect(spy.parameter("max_new_tokens") == 6 and len(new) <= 6,
           f"max_new_tokens=6 debe llegar a generate; llegó {spy.parameter('max_new_tokens')!r} y se generaron {len(new)}")
    asked = {"do_sample": True, "temperature": 0.3, "top_p": 0.5, "max_new_tokens": 4}
    generate(model, prepare("Hola", tokenizer), tokenizer, dict(asked))
    got = {name: spy.parameter(name) for name in asked}
    expect(got == asked, f"los parametros_generacion deben llegar a generate tal cual: se pidió {asked}, llegó {got}")
    generate(model, prepare("Hola", tokenizer), tokenizer)
    default_tokens = spy.parameter("max_new_tokens")
    expect(default_tokens and 0 < default_tokens <= 1024,
           f"sin parametros_generacion, generate necesita un max_new_tokens razonable; llegó {default_tokens!r}")
    return "parámetros respetados"


def _system(ns: dict, context) -> str:
    system = function(ns, "crear_prompt_sistema")("Habla como un pirata.")
    expect(isinstance(system, str) and "pirata" in system,
           f"crear_prompt_sistema debe incluir las instrucciones; devolvió {system!r}")
    return "instrucciones en el sistema"


def _interaction(ns: dict, context) -> str:
    model, tokenizer = context.model(), context.tokenizer
    spy = GenerateSpy(model)
    ns["modelo"], ns["tokenizador"] = model, tokenizer  # interaccion_simple uses the notebook's model
    pairs = function(ns, "interaccion_simple")(["¿Qué es un tokenizador?"])
    expect(isinstance(pairs, list) and len(pairs) == 1 and len(pairs[0]) == 2,
           f"interaccion_simple(preguntas) debe devolver [(pregunta, respuesta)]; devolvió {pairs!r}")
    expect(spy.calls, "interaccion_simple debe generar con `modelo`")
    prompt = tokenizer.decode(spy.calls[-1]["input_ids"][0])
    base_system = function(ns, "crear_prompt_sistema")("").strip()
    expect(base_system and base_system in prompt and "tokenizador" in prompt,
           f"el prompt de interaccion_simple debe llevar el mensaje de sistema ({base_system!r}) y la pregunta; "
           f"llegó {prompt[:200]!r}")
    return "sistema en el prompt"


CHECKS_2 = [
    Check("truncado", "preprocesar_entrada(texto, tokenizador, longitud_maxima) no pasa de longitud_maxima tokens",
          _truncation, 1),
    Check("texto_nuevo", "generar_respuesta devuelve exactamente el texto nuevo: ni el prompt ni tokens especiales",
          _new_text, 2),
    Check("parametros", "max_new_tokens, do_sample, temperature y top_p llegan a generate tal cual; sin ellos, "
          "valores razonables", _parameters, 2),
    Check("sistema", "crear_prompt_sistema(instrucciones) incluye las instrucciones", _system, 1),
    Check("interaccion", "interaccion_simple(preguntas) devuelve [(pregunta, respuesta)] y el mensaje de sistema "
          "llega al modelo", _interaction, 2),
]
