"""Wrong solutions of the workshop: each a text edit of the solutions source, and the exercise it breaks."""

from typing import NamedTuple


class Mutant(NamedTuple):
    name: str
    exercise: int
    old: str
    new: str

    @property
    def checks(self) -> tuple[str, ...]:
        """The checks of its exercise this wrong solution must fail, and no other."""
        return FAILS[self.name]


# Each mutant against the checks of its exercise (helpers.workshop.checks): the ones that cover the
# behaviour it breaks. Several fail more than one: Spanish roles untranslated break every manager call.
FAILS = {
    "float32 on the GPU": ("gpu",), "no eval mode": ("gpu",), "device as a string": ("gpu",),
    "always the CPU": ("gpu",), "half precision on the CPU too": ("cpu",), "cache variable ignored": ("cache",),
    "input not truncated": ("truncado",), "instructions left out of the system message": ("sistema",),
    "LoRA dropout that drops everything (nothing learns)": ("entrenamiento",),
    "answer sliced on the batch dimension (keeps the prompt)": ("texto_nuevo",),
    "interaccion_simple left undone": ("interaccion",), "max_new_tokens ignored": ("parametros",),
    "do_sample ignored": ("parametros",), "system prompt never reaches the model": ("interaccion",),
    "every turn but the last thrown away (no memory)": ("truncado", "memoria"),
    "system message dropped by the truncation": ("truncado", "mensaje_largo"),
    "answers never added to the history": ("memoria",), "off-by-one token count per message": ("truncado",),
    "long message cut from its end": ("mensaje_largo",),
    "Spanish role names not translated": ("roles", "truncado", "mensaje_largo", "memoria"),
    "sliding window set on a built model (does nothing)": ("ventana",),
    "time to first token equal to the whole latency": ("rendimiento",), "tokens/s counting the prompt": ("rendimiento",),
    "memory in bytes reported as MB": ("rendimiento",), "demo_optimizaciones left undone": ("demo",),
    "quantisation bits ignored": ("carga_optimizada",), "bf16 compute on a T4": ("cuantizacion",),
    "FlashAttention-2 on a T4": ("carga_optimizada",),
    "LoRA ignoring r and lora_alpha": ("lora",), "no streaming": ("directo",), "web reply is the template": ("directo",),
    "main_despliegue left undone": ("despliegue",), "adapter saved without the tokenizer": ("guardar_recargar",),
    "reload without the adapter": ("guardar_recargar",), "interface bound to 0.0.0.0": ("despliegue",),
}


MUTANTS = [
    # Exercise 1
    Mutant("float32 on the GPU", 1, 'dtype = getattr(torch, precision_and_attention()[0]) if dispositivo.type == "cuda" else torch.float32',
           "dtype = torch.float32"),
    Mutant("no eval mode", 1, "    modelo.eval()\n    return modelo, tokenizador", "    return modelo, tokenizador"),
    Mutant("device as a string", 1, 'return torch.device("cuda")', 'return "cuda"'),
    Mutant("always the CPU", 1, "    if torch.cuda.is_available():\n        memoria", "    if False:\n        memoria"),
    Mutant("half precision on the CPU too", 1,
           'dtype = getattr(torch, precision_and_attention()[0]) if dispositivo.type == "cuda" else torch.float32',
           "dtype = torch.float16"),
    Mutant("cache variable ignored", 1, 'os.environ["HF_HOME"] = str(carpeta)', 'os.environ["HF_CACHE_LOCAL"] = str(carpeta)'),
    # Exercise 2
    Mutant("answer sliced on the batch dimension (keeps the prompt)", 2,
           'nuevos = salida[0, entrada["input_ids"].shape[1]:]', 'nuevos = salida[0][entrada["input_ids"].shape[0]:]'),
    Mutant("input not truncated", 2, "truncation=True, max_length=longitud_maxima)", "truncation=False)"),
    Mutant("instructions left out of the system message", 2,
           'return f"{base} {instrucciones.strip()}" if instrucciones else base', "return base"),
    Mutant("interaccion_simple left undone", 2, "    pares = []\n    for pregunta in preguntas:",
           '    raise NotImplementedError("TODO 2")\n    pares = []\n    for pregunta in preguntas:'),
    Mutant("max_new_tokens ignored", 2, "    parametros.update(parametros_generacion or {})\n    entrada = {",
           '    parametros.update({k: v for k, v in (parametros_generacion or {}).items() if k != "max_new_tokens"})\n'
           "    entrada = {"),
    Mutant("do_sample ignored", 2, "    parametros.update(parametros_generacion or {})\n    entrada = {",
           '    parametros.update(parametros_generacion or {})\n    parametros["do_sample"] = False\n    entrada = {'),
    Mutant("system prompt never reaches the model", 2,
           'mensajes = [{"role": "system", "content": crear_prompt_sistema("")}, {"role": "user", "content": pregunta}]',
           'mensajes = [{"role": "user", "content": pregunta}]'),
    # Exercise 3
    Mutant("every turn but the last thrown away (no memory)", 3, "        self._medir(tokenizador)\n        total =",
           '        self.historial = ([m for m in self.historial if m["rol"] == "system"]\n'
           '                          + [m for m in self.historial if m["rol"] != "system"][-1:])\n'
           "        self._medir(tokenizador)\n        total ="),
    Mutant("system message dropped by the truncation", 3,
           'turnos = [i for i, m in enumerate(self.historial) if m["rol"] != "system"]',
           "turnos = list(range(len(self.historial)))"),
    Mutant("answers never added to the history", 3,
           '        self.gestor_contexto.agregar_mensaje("asistente", respuesta)\n        return respuesta',
           "        return respuesta"),
    Mutant("off-by-one token count per message", 3, 'contar([sistema, m]) - self._base',
           'contar([sistema, m]) - self._base - 1'),
    Mutant("long message cut from its end", 3, 'ultimo["contenido"] = tokenizador.decode(ids[sobran + 1:])',
           'ultimo["contenido"] = tokenizador.decode(ids[:len(ids) - sobran - 1])'),
    Mutant("Spanish role names not translated", 3, '"rol": ROLES[rol]', '"rol": rol'),
    # Exercise 4
    Mutant("sliding window set on a built model (does nothing)", 4,
           "    nuevo = type(modelo)(configuracion).to(modelo.dtype)  # the layers read the window when they are built\n"
           "    nuevo.load_state_dict(modelo.state_dict())\n    return nuevo.to(modelo.device).eval(), True",
           "    modelo.config.sliding_window = window_size\n    return modelo, True"),
    Mutant("time to first token equal to the whole latency", 4, '"tiempo_primer_token_s": primer_token or latencia',
           '"tiempo_primer_token_s": latencia'),
    Mutant("tokens/s counting the prompt", 4, '"tokens_por_segundo": nuevos / latencia',
           '"tokens_por_segundo": salida.shape[1] / latencia'),
    Mutant("memory in bytes reported as MB", 4, '"memoria_pico_mb": memoria / 1e6', '"memoria_pico_mb": memoria'),
    Mutant("demo_optimizaciones left undone", 4, "    import gc\n\n    configuraciones =",
           '    raise NotImplementedError("TODO 4")\n    configuraciones ='),
    Mutant("quantisation bits ignored", 4, 'configurar_cuantizacion(opciones["bits"])', "configurar_cuantizacion()"),
    Mutant("bf16 compute on a T4", 4, "bnb_4bit_compute_dtype=getattr(torch, precision_and_attention()[0]))",
           "bnb_4bit_compute_dtype=torch.bfloat16 if torch.cuda.is_available() else torch.float32)"),
    Mutant("FlashAttention-2 on a T4", 4, '"attn_implementation": atencion if opciones["flash_attention"] else "sdpa"}',
           '"attn_implementation": "flash_attention_2" if opciones["flash_attention"] and cuda else "sdpa"}'),
    # Exercise 5
    Mutant("LoRA ignoring r and lora_alpha", 5, "LoraConfig(r=r, lora_alpha=lora_alpha,", "LoraConfig(r=8, lora_alpha=32,"),
    Mutant("LoRA dropout that drops everything (nothing learns)", 5, "lora_alpha=lora_alpha, lora_dropout=0.05,",
           "lora_alpha=lora_alpha, lora_dropout=1.0,"),
    Mutant("no streaming", 5, "        yield from chatbot.responder_en_directo(mensaje)",
           "        return chatbot.responder(mensaje)"),
    Mutant("web reply is the template", 5, "        yield from chatbot.responder_en_directo(mensaje)",
           "        for parcial in chatbot.responder_en_directo(mensaje):\n"
           "            yield chatbot.gestor_contexto.construir_prompt_completo(chatbot.tokenizador) + parcial"),
    Mutant("main_despliegue left undone", 5,
           '    interfaz = crear_interfaz_web(Chatbot(MODELO_CHAT, "Eres un asistente amable."))',
           '    raise NotImplementedError("TODO 5")'),
    Mutant("adapter saved without the tokenizer", 5, "    modelo.save_pretrained(ruta)\n    tokenizador.save_pretrained(ruta)",
           "    modelo.save_pretrained(ruta)"),
    Mutant("reload without the adapter", 5, "return PeftModel.from_pretrained(base, str(ruta)).eval(), AutoTokenizer",
           "return base, AutoTokenizer"),
    Mutant("interface bound to 0.0.0.0", 5, 'interfaz.launch(server_name="127.0.0.1"', 'interfaz.launch(server_name="0.0.0.0"'),
]


def mutate(source: str, mutant: Mutant) -> str:
    """The source with the mutant's edit; the edited text must occur exactly once."""
    count = source.count(mutant.old)
    if count != 1:
        raise ValueError(f"mutant {mutant.name!r}: its text occurs {count} times in the solutions")
    return source.replace(mutant.old, mutant.new)
