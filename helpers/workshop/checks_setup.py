"""Checks of exercises 1 (device, cache, loading) and 2 (input, generation, system prompt)."""

import os
import tempfile
from pathlib import Path

from helpers.workshop.check_tools import GenerateSpy, expect, function
from helpers.workshop.fakes import simulated_gpu


def check_1(ns: dict, context) -> str:
    import torch

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
    device = ns["verificar_dispositivo"]()
    expect(isinstance(device, torch.device) and device.type == "cpu",
           f"sin GPU, verificar_dispositivo debe devolver torch.device('cpu'); devolvió {device!r}")
    model, tokenizer = ns["cargar_modelo"](context.folder)
    expect(model.dtype == torch.float32, f"en CPU el modelo debe cargarse en float32; es {model.dtype}")
    expect(not model.training, "el modelo debe quedar en modo evaluación (modelo.eval())")
    expect(model.device.type == "cpu", f"sin GPU el modelo debe quedar en la CPU; está en {model.device}")
    expect(tokenizer.pad_token is not None, "el tokenizador necesita un pad_token (usa el eos si no tiene)")
    return "GPU simulada: cuda y media precisión; CPU: float32; modo evaluación; HF_HOME respetado"


def check_2(ns: dict, context) -> str:
    model, tokenizer = context.model(), context.tokenizer
    prepare = function(ns, "preprocesar_entrada")
    length = prepare("hola " * 500, tokenizer, 16)["input_ids"].shape[-1]
    expect(length <= 16, f"preprocesar_entrada(texto, tokenizador, 16) debe truncar a 16 tokens; dio {length}")
    spy, generate = GenerateSpy(model), function(ns, "generar_respuesta")
    answer = generate(model, prepare("La capital de Francia es", tokenizer), tokenizer,
                      {"max_new_tokens": 6, "do_sample": False})
    expect(spy.calls, "generar_respuesta debe llamar a modelo.generate")
    new = spy.new_ids()
    expected = tokenizer.decode(new, skip_special_tokens=True).strip()
    expect(isinstance(answer, str) and answer.strip() == expected,
           f"generar_respuesta debe devolver exactamente el texto nuevo (sin el prompt ni tokens especiales): "
           f"el modelo generó {expected!r} y la función devolvió {answer!r}")
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
    system = function(ns, "crear_prompt_sistema")("Habla como un pirata.")
    expect(isinstance(system, str) and "pirata" in system,
           f"crear_prompt_sistema debe incluir las instrucciones; devolvió {system!r}")
    ns["modelo"], ns["tokenizador"] = model, tokenizer  # interaccion_simple uses the notebook's model
    calls = len(spy.calls)
    pairs = function(ns, "interaccion_simple")(["¿Qué es un tokenizador?"])
    expect(isinstance(pairs, list) and len(pairs) == 1 and len(pairs[0]) == 2,
           f"interaccion_simple(preguntas) debe devolver [(pregunta, respuesta)]; devolvió {pairs!r}")
    expect(len(spy.calls) > calls, "interaccion_simple debe generar con `modelo`")
    prompt = tokenizer.decode(spy.calls[-1]["input_ids"][0])
    base_system = ns["crear_prompt_sistema"]("").strip()
    expect(base_system and base_system in prompt and "tokenizador" in prompt,
           f"el prompt de interaccion_simple debe llevar el mensaje de sistema ({base_system!r}) y la pregunta; "
           f"llegó {prompt[:200]!r}")
    return f"texto nuevo exacto ({len(new)} tokens), parámetros respetados, sistema en el prompt"
