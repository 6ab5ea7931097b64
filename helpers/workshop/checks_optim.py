"""Checks of exercise 4: quantisation, precision and attention by GPU, sliding window, performance figures."""

import torch

from helpers.workshop.check_tools import Check, GenerateSpy, expect, function
from helpers.workshop.fakes import simulated_gpu

FIGURES = ("latencia_s", "tiempo_primer_token_s", "tokens_por_segundo", "memoria_pico_mb")
VARIANTS = {"base", "4bit", "sliding_window", "todo"}


def _bits(model) -> int | None:
    config = getattr(getattr(model, "hf_quantizer", None), "quantization_config", None)
    if getattr(config, "load_in_4bit", False):
        return 4
    return 8 if getattr(config, "load_in_8bit", False) else None


def _check_quantisation(ns, context) -> str:
    configure = function(ns, "configurar_cuantizacion")
    four, eight = configure(4), configure(8)
    expect(getattr(four, "load_in_4bit", False) and not getattr(four, "load_in_8bit", False)
           and getattr(eight, "load_in_8bit", False) and not getattr(eight, "load_in_4bit", False),
           "configurar_cuantizacion(4) debe pedir load_in_4bit y configurar_cuantizacion(8) load_in_8bit")
    expect(four.bnb_4bit_compute_dtype != torch.bfloat16,
           "en la CPU el cómputo en 4 bits no debe ser bfloat16 (usa float32)")
    for capability, wanted in (((7, 5), torch.float16), ((8, 0), torch.bfloat16)):
        with simulated_gpu(capability):
            dtype = configure(4).bnb_4bit_compute_dtype
        expect(dtype == wanted, f"en una GPU de capacidad {capability[0]}.{capability[1]} (simulada) el cómputo en "
                                f"4 bits debe ser {wanted}; configurar_cuantizacion(4) usa {dtype}")
    return "4/8 bits; cómputo según la GPU"


def _check_loading(ns, context) -> str:
    with simulated_gpu((7, 5)) as loads:
        function(ns, "cargar_modelo_optimizado")(context.folder, {"flash_attention": True})
    chosen = loads[-1].loaded_with.get("attn_implementation") if loads else None
    expect(chosen != "flash_attention_2" and loads and loads[-1].dtype != torch.bfloat16,
           f"en una T4 (simulada) FlashAttention-2 no funciona y bf16 se emula: se esperaba SDPA y float16; "
           f"se pidió attn_implementation={chosen!r}, dtype={loads[-1].dtype if loads else None}")
    model, _ = ns["cargar_modelo_optimizado"](context.folder, {"cuantizacion": True, "bits": 8})
    expect(_bits(model) == 8, f"cargar_modelo_optimizado con bits=8 debe cargar el modelo en 8 bits; está en {_bits(model)}")
    return "precisión y atención según la GPU"


def _logits(model, ids):
    with torch.inference_mode():
        return model(ids.to(model.device)).logits.float().cpu()


def _check_window(ns, context, window: int = 4) -> str:
    model = context.model()
    long_ids, short_ids = torch.arange(100, 116)[None], torch.arange(100, 100 + window)[None]
    plain_long, plain_short = _logits(model, long_ids), _logits(model, short_ids)
    result = function(ns, "aplicar_sliding_window")(model, window)
    expect(isinstance(result, tuple) and len(result) == 2, "aplicar_sliding_window debe devolver (modelo, aplicada)")
    windowed, applied = result
    expect(applied, "aplicar_sliding_window debe aplicarse en un Qwen2 (su configuración admite ventana)")
    expect(not torch.allclose(_logits(windowed, long_ids), plain_long, atol=1e-4),
           f"con una ventana de {window} tokens y una entrada de 16, los logits deben cambiar: la ventana no limita "
           "la atención (cambiar config.sliding_window de un modelo ya construido no basta)")
    expect(torch.allclose(_logits(windowed, short_ids), plain_short, atol=1e-4),
           "con una entrada no más larga que la ventana, el modelo con ventana debe dar los mismos logits")
    built, _ = function(ns, "cargar_modelo_optimizado")(context.folder, {"sliding_window": window})
    expect(not torch.allclose(_logits(built, long_ids), plain_long, atol=1e-4),
           "cargar_modelo_optimizado(..., {'sliding_window': n}) debe construir el modelo con la ventana")
    return "ventana efectiva"


def _check_figures(ns, context) -> str:
    model, tokenizer = context.model(), context.tokenizer
    spy = GenerateSpy(model)
    figures = function(ns, "evaluar_rendimiento")(model, tokenizer, "Hola, ¿qué tal?", "cpu")
    expect(isinstance(figures, dict) and set(FIGURES) <= set(figures),
           f"evaluar_rendimiento debe devolver {list(FIGURES)}; devolvió {figures!r}")
    expect(spy.calls, "evaluar_rendimiento debe generar con modelo.generate")
    new, latency = len(spy.new_ids()), figures["latencia_s"]
    expect(0 < figures["tiempo_primer_token_s"] < latency,
           f"el tiempo hasta el primer token debe ser positivo y menor que la latencia total: "
           f"{figures['tiempo_primer_token_s']} frente a {latency}")
    rate = new / latency
    expect(abs(figures["tokens_por_segundo"] - rate) <= 0.05 * rate,
           f"tokens_por_segundo debe contar solo los {new} tokens nuevos: {new}/{latency:.3f} s = {rate:.1f}, "
           f"y dio {figures['tokens_por_segundo']:.1f}")
    weights = model.get_memory_footprint() / 1e6
    expect(0.5 * weights <= figures["memoria_pico_mb"] <= 100_000,
           f"memoria_pico_mb debe estar en MB: los pesos ocupan {weights:.1f} MB y dio {figures['memoria_pico_mb']:.1f}")
    return f"{figures['tokens_por_segundo']:.0f} tokens/s de tokens nuevos"


def _check_demo(ns, context) -> str:
    table = function(ns, "demo_optimizaciones")()
    index = set(getattr(table, "index", []))
    expect(index == VARIANTS, f"demo_optimizaciones() debe comparar {sorted(VARIANTS)}; comparó {sorted(index)}")
    expect(set(FIGURES) <= set(table.columns) and (table[list(FIGURES)] > 0).all().all(),
           f"la tabla de demo_optimizaciones debe tener {list(FIGURES)} positivas")
    return "demo con las cuatro configuraciones"


CHECKS_4 = [
    Check("cuantizacion", "configurar_cuantizacion(4) pide 4 bits y (8) 8 bits; cómputo en bfloat16 solo en GPUs "
          "de capacidad 8.0 o más, float32 en la CPU", _check_quantisation, 2),
    Check("carga_optimizada", "cargar_modelo_optimizado: en una T4 (simulada) SDPA y float16; con bits=8, el modelo "
          "en 8 bits", _check_loading, 1),
    Check("ventana", "la ventana deslizante cambia la atención de entradas más largas que ella (y no la de las "
          "cortas)", _check_window, 2),
    Check("rendimiento", "evaluar_rendimiento: primer token antes que la latencia total, tokens nuevos por segundo, "
          "memoria en MB", _check_figures, 2),
    Check("demo", "demo_optimizaciones() compara base, 4bit, sliding_window y todo", _check_demo, 1),
]
