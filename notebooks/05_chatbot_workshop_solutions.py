# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Taller: chatbots con PyTorch y Transformers
#
# Cinco ejercicios y tres preguntas teóricas. En cada ejercicio completa las funciones donde
# pone `raise NotImplementedError("TODO n")`; las pistas están en los comentarios. Cuando
# termines, comprueba tu trabajo con el corrector:
#
# ```
# make grade NB=notebooks/05_chatbot_workshop.ipynb
# ```
#
# El corrector ejecuta tu cuaderno sin interfaz y dice, ejercicio por ejercicio, qué funciona y
# qué no (qué se esperaba y qué ha devuelto tu código). Comprueba comportamientos, no cómo los
# programas.
#
# **Modelos.** Perfil `local` (CPU, sin red): Qwen2.5-Coder-0.5B-Instruct empaquetado para
# chatear y Gemma 3 270M (modelo base). Perfil `gpu`: cualquier id del Hub (la hoja sugiere
# GPT-2 o Mistral-7B). Todo funciona en CPU, también la cuantización (bitsandbytes tiene backend
# de CPU), aunque allí cuantizar suele ir *más lento* que la precisión completa: lo medirás.

# %% [markdown]
# ## Instalación (solo en Colab)

# %%
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    if not os.path.isdir("llm-studies"):
        REPO_URL = os.environ.get("LLM_STUDIES_REPO_URL", "https://github.com/llm-studies/llm-studies.git")
        subprocess.run(["git", "clone", "--depth=1", REPO_URL, "llm-studies"], check=True)
    sys.path.insert(0, os.path.abspath("llm-studies"))
    from helpers.colab import prepare_colab  # instala, prepara los datos de este cuaderno, secretos, GPU

    prepare_colab("05_chatbot_workshop_solutions", "llm-studies")

# %% tags=["parameters"]
PROFILE = "local"  # "local": modelos empaquetados en CPU; "gpu": modelos del Hub
SEED = 0  # semilla del muestreo
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/<cuaderno>/
MAX_NEW_TOKENS = 48  # tokens por respuesta en las demostraciones
VARIANTES_DEMO = ["base", "4bit", "sliding_window", "todo"]  # configuraciones del ejercicio 4
TEXTO_PRUEBA = "Explica en dos frases qué es una red neuronal."  # texto de la medición de rendimiento
LANZAR_WEB = False  # True: abre el chat web (127.0.0.1) al final; sin interfaz, déjalo en False
PUERTO = 7860  # puerto del chat web

# %%
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from helpers.env import set_up
from helpers.metrics import save_metrics
from helpers.paths import cache_dir
from helpers.registry import model_for, resolve

ctx = set_up("05_chatbot_workshop", PROFILE, SEED, OUTPUT_DIR)
MODELO_CHAT = model_for("05_chatbot_workshop", "chat", PROFILE)
MODELO_BASE = model_for("05_chatbot_workshop", "base", PROFILE)


def ruta_modelo(nombre: str) -> str:
    """Local folder of a packaged model alias, or the Hub id unchanged."""
    referencia = resolve(nombre)
    return str(referencia.path) if referencia.source in ("local", "path") else referencia.location


print(f"Modelo de chat: {MODELO_CHAT} · modelo base: {MODELO_BASE}")

# %% [markdown]
# ## Ejercicio 1 · Entorno y modelo base
# 1. Define una carpeta de caché para los modelos con variables de entorno (`HF_HOME`).
# 2. `cargar_modelo(nombre_modelo)` devuelve `(modelo, tokenizador)`, el modelo en modo
#    evaluación y en media precisión cuando el dispositivo lo permite.
# 3. `verificar_dispositivo()` informa del dispositivo (nombre y memoria de la GPU si la hay).

# %% tags=["ejercicio-1"]
def configurar_cache(carpeta=None):
    """Point the Hugging Face cache to a folder through environment variables; return the folder."""
    # Pista: os.environ["HF_HOME"]; crea la carpeta con Path(...).mkdir(parents=True, exist_ok=True)
    ### SOLUCIÓN 1 INICIO
    carpeta = Path(carpeta or cache_dir() / "huggingface")
    carpeta.mkdir(parents=True, exist_ok=True)
    os.environ["HF_HOME"] = str(carpeta)
    os.environ["HF_HUB_CACHE"] = str(carpeta / "hub")
    return carpeta
    ### SOLUCIÓN FIN


def verificar_dispositivo():
    """A dict with the device ('cuda' or 'cpu'), its name and, on a GPU, its memory in GB."""
    # Pista: torch.cuda.is_available(), torch.cuda.get_device_name(0),
    # torch.cuda.get_device_properties(0).total_memory
    ### SOLUCIÓN 1 INICIO
    import platform

    import torch

    if torch.cuda.is_available():
        propiedades = torch.cuda.get_device_properties(0)
        info = {"dispositivo": "cuda", "nombre": torch.cuda.get_device_name(0),
                "memoria_gb": round(propiedades.total_memory / 1e9, 1)}
    else:
        info = {"dispositivo": "cpu", "nombre": platform.processor() or platform.machine(), "memoria_gb": None,
                "hilos": torch.get_num_threads()}
    print(f"Dispositivo: {info}")
    return info
    ### SOLUCIÓN FIN


def cargar_modelo(nombre_modelo):
    """(model, tokenizer): eval mode, float16 on a GPU and float32 on CPU, with a pad token."""
    # Pista: AutoTokenizer / AutoModelForCausalLM.from_pretrained(ruta_modelo(nombre_modelo), dtype=...)
    # en CPU float32 (la media precisión es lenta allí); modelo.eval(); si no hay pad_token, usa el eos.
    ### SOLUCIÓN 1 INICIO
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dispositivo = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizador = AutoTokenizer.from_pretrained(ruta_modelo(nombre_modelo))
    if tokenizador.pad_token is None:
        tokenizador.pad_token = tokenizador.eos_token
    dtype = torch.float16 if dispositivo == "cuda" else torch.float32
    modelo = AutoModelForCausalLM.from_pretrained(ruta_modelo(nombre_modelo), dtype=dtype).to(dispositivo)
    modelo.eval()
    return modelo, tokenizador
    ### SOLUCIÓN FIN


# %%
configurar_cache()
dispositivo = verificar_dispositivo()["dispositivo"]
modelo, tokenizador = cargar_modelo(MODELO_CHAT)
entrada = tokenizador("La capital de Francia es", return_tensors="pt").to(modelo.device)
salida = modelo.generate(**entrada, max_new_tokens=8, do_sample=False, pad_token_id=tokenizador.pad_token_id)
print(tokenizador.decode(salida[0], skip_special_tokens=True))

# %% [markdown]
# ## Ejercicio 2 · Entrada y generación
# `preprocesar_entrada` tokeniza con truncado; `generar_respuesta` genera con parámetros
# razonables por defecto y devuelve solo el texto nuevo, limpio; `crear_prompt_sistema` escribe
# el mensaje de sistema; `interaccion_simple` encadena todo para unas preguntas.

# %% tags=["ejercicio-2"]
def preprocesar_entrada(texto, tokenizador, longitud_maxima=512):
    """Tensors (input_ids, attention_mask) for a text, truncated to longitud_maxima tokens."""
    # Pista: tokenizador(texto, return_tensors="pt", truncation=True, max_length=...)
    ### SOLUCIÓN 2 INICIO
    if not isinstance(texto, str) or not texto.strip():
        raise ValueError("preprocesar_entrada: el texto está vacío")
    return tokenizador(texto, return_tensors="pt", truncation=True, max_length=longitud_maxima)
    ### SOLUCIÓN FIN


def generar_respuesta(modelo, entrada_procesada, tokenizador, parametros_generacion=None):
    """The decoded new text only (no prompt, no special tokens), stripped."""
    # Pista: valores por defecto (temperature 0.7, top_p 0.9, max_new_tokens, repetition_penalty 1.1,
    # do_sample=True) actualizados con parametros_generacion; corta la salida tras la entrada.
    ### SOLUCIÓN 2 INICIO
    import torch

    parametros = {"max_new_tokens": MAX_NEW_TOKENS, "temperature": 0.7, "top_p": 0.9,
                  "repetition_penalty": 1.1, "do_sample": True, "pad_token_id": tokenizador.pad_token_id}
    parametros.update(parametros_generacion or {})
    entrada = {k: v.to(modelo.device) for k, v in entrada_procesada.items()}
    with torch.inference_mode():
        salida = modelo.generate(**entrada, **parametros)
    nuevos = salida[0, entrada["input_ids"].shape[1]:]
    return tokenizador.decode(nuevos, skip_special_tokens=True).strip()
    ### SOLUCIÓN FIN


def crear_prompt_sistema(instrucciones):
    """The system message text: a helpful assistant in Spanish plus the given instructions."""
    ### SOLUCIÓN 2 INICIO
    base = "Eres un asistente útil que responde en español, de forma breve y precisa."
    return f"{base} {instrucciones.strip()}" if instrucciones else base
    ### SOLUCIÓN FIN


def interaccion_simple(preguntas=("Hola, ¿quién eres?", "¿Qué es un tokenizador?")):
    """Answer each question with the chat model and its template; return [(question, answer)]."""
    # Pista: tokenizador.apply_chat_template([...], tokenize=False, add_generation_prompt=True)
    ### SOLUCIÓN 2 INICIO
    pares = []
    for pregunta in preguntas:
        mensajes = [{"role": "system", "content": crear_prompt_sistema("")}, {"role": "user", "content": pregunta}]
        texto = tokenizador.apply_chat_template(mensajes, tokenize=False, add_generation_prompt=True)
        respuesta = generar_respuesta(modelo, preprocesar_entrada(texto, tokenizador), tokenizador)
        print(f"> {pregunta}\n{respuesta}\n")
        pares.append((pregunta, respuesta))
    return pares
    ### SOLUCIÓN FIN


# %%
respuestas_simples = interaccion_simple()

# %% [markdown]
# ## Ejercicio 3 · Contexto de la conversación
# `GestorContexto` guarda los mensajes, construye el prompt completo (con la plantilla de chat
# del tokenizador si la tiene) y, cuando el historial no cabe en `longitud_maxima` tokens, quita
# los turnos más antiguos **sin quitar nunca el mensaje de sistema**. Cuenta los tokens de cada
# mensaje una sola vez (guárdalos): retokenizar todo el historial en cada turno es lento.

# %% tags=["ejercicio-3"]
class GestorContexto:
    """Conversation history with a token budget; the system message is always kept."""

    def __init__(self, longitud_maxima=1024, formato_mensaje=None):
        self.longitud_maxima = longitud_maxima
        self.formato_mensaje = formato_mensaje or "{rol}: {contenido}\n"
        self.mensajes = []  # dicts {"role", "content", "tokens"}

    def agregar_mensaje(self, rol, contenido):
        """Append a message ('system', 'user' or 'assistant')."""
        ### SOLUCIÓN 3 INICIO
        if rol not in ("system", "user", "assistant"):
            raise ValueError(f"rol debe ser system, user o assistant, no {rol!r}")
        self.mensajes.append({"role": rol, "content": contenido, "tokens": None})
        ### SOLUCIÓN FIN

    def construir_prompt_completo(self, tokenizador=None):
        """The whole prompt: the tokenizer's chat template when it has one, else formato_mensaje."""
        ### SOLUCIÓN 3 INICIO
        mensajes = [{"role": m["role"], "content": m["content"]} for m in self.mensajes]
        if tokenizador is not None and getattr(tokenizador, "chat_template", None):
            return tokenizador.apply_chat_template(mensajes, tokenize=False, add_generation_prompt=True)
        return "".join(self.formato_mensaje.format(rol=m["role"], contenido=m["content"]) for m in mensajes)
        ### SOLUCIÓN FIN

    def _plantilla_de_un_mensaje(self, tokenizador):
        """One message 'x' rendered as the prompt would render it (with the generation prompt)."""
        if getattr(tokenizador, "chat_template", None):
            return tokenizador.apply_chat_template([{"role": "system", "content": "x"}], tokenize=False,
                                                   add_generation_prompt=True)
        return self.formato_mensaje.format(rol="system", contenido="x")

    def truncar_historial(self, tokenizador):
        """Drop the oldest non-system turns until the full prompt fits longitud_maxima tokens."""
        # Pista: cuenta los tokens de cada mensaje una vez y guárdalos en el mensaje; mide una vez cuántos
        # tokens añade la plantilla alrededor de un mensaje y súmalos a cada uno.
        ### SOLUCIÓN 3 INICIO
        if getattr(self, "sobrecoste", None) is None:  # measured once: the template's tokens per message
            self.sobrecoste = len(tokenizador(self._plantilla_de_un_mensaje(tokenizador), add_special_tokens=False)[
                "input_ids"]) - len(tokenizador("x", add_special_tokens=False)["input_ids"])
        for mensaje in self.mensajes:
            if mensaje["tokens"] is None:
                mensaje["tokens"] = len(tokenizador(mensaje["content"], add_special_tokens=False)["input_ids"])
        prescindibles = [i for i, m in enumerate(self.mensajes) if m["role"] != "system"][:-1]  # keep the newest
        total = sum(m["tokens"] + self.sobrecoste for m in self.mensajes)
        while total > self.longitud_maxima and prescindibles:
            quitado = self.mensajes.pop(prescindibles.pop(0))
            prescindibles = [i - 1 for i in prescindibles]
            total -= quitado["tokens"] + self.sobrecoste
        return self
        ### SOLUCIÓN FIN


class Chatbot:
    """A chat model with its context manager: answers keep the conversation."""

    def __init__(self, modelo_id, instrucciones_sistema=None, longitud_maxima=1024):
        ### SOLUCIÓN 3 INICIO
        self.modelo, self.tokenizador = cargar_modelo(modelo_id)
        self.contexto = GestorContexto(longitud_maxima)
        self.contexto.agregar_mensaje("system", crear_prompt_sistema(instrucciones_sistema or ""))
        ### SOLUCIÓN FIN

    def responder(self, mensaje_usuario, parametros_generacion=None):
        """Add the user's message, fit the context, generate and remember the answer."""
        ### SOLUCIÓN 3 INICIO
        self.contexto.agregar_mensaje("user", mensaje_usuario)
        self.contexto.truncar_historial(self.tokenizador)
        prompt = self.contexto.construir_prompt_completo(self.tokenizador)
        entrada = preprocesar_entrada(prompt, self.tokenizador, self.contexto.longitud_maxima)
        respuesta = generar_respuesta(self.modelo, entrada, self.tokenizador, parametros_generacion)
        self.contexto.agregar_mensaje("assistant", respuesta)
        return respuesta
        ### SOLUCIÓN FIN

    def responder_en_directo(self, mensaje_usuario, parametros_generacion=None):
        """Like responder, but yields the growing answer while it is generated (for the web chat)."""
        # Pista: transformers.TextIteratorStreamer y generate en un threading.Thread
        ### SOLUCIÓN 3 INICIO
        from threading import Thread

        from transformers import TextIteratorStreamer

        self.contexto.agregar_mensaje("user", mensaje_usuario)
        self.contexto.truncar_historial(self.tokenizador)
        prompt = self.contexto.construir_prompt_completo(self.tokenizador)
        entrada = preprocesar_entrada(prompt, self.tokenizador, self.contexto.longitud_maxima).to(self.modelo.device)
        streamer = TextIteratorStreamer(self.tokenizador, skip_prompt=True, skip_special_tokens=True)
        parametros = {"max_new_tokens": MAX_NEW_TOKENS, "temperature": 0.7, "top_p": 0.9, "do_sample": True,
                      "repetition_penalty": 1.1, "pad_token_id": self.tokenizador.pad_token_id}
        parametros.update(parametros_generacion or {})
        hilo = Thread(target=self.modelo.generate, kwargs={**entrada, **parametros, "streamer": streamer})
        hilo.start()
        texto = ""
        for trozo in streamer:
            texto += trozo
            yield texto
        hilo.join()
        self.contexto.agregar_mensaje("assistant", texto.strip())
        ### SOLUCIÓN FIN


# %%
chatbot = Chatbot(MODELO_CHAT, "Eres experto en cine.", longitud_maxima=256)
for pregunta in ["Hola, me llamo Ana.", "Recomiéndame una película de ciencia ficción.", "¿Cómo me llamo?"]:
    print(f"> {pregunta}\n{chatbot.responder(pregunta)}\n")
print(f"Mensajes en el contexto: {len(chatbot.contexto.mensajes)}")

# %% [markdown]
# ## Ejercicio 4 · Optimización
# Cuantización en 4 u 8 bits con bitsandbytes, carga optimizada (cuantización, descarga en CPU,
# *flash attention* solo si está disponible; si no, la atención SDPA de PyTorch), ventana
# deslizante donde la arquitectura la admite, y una medición de rendimiento: latencia, tiempo
# hasta el primer token, tokens por segundo y memoria pico.

# %% tags=["ejercicio-4"]
def configurar_cuantizacion(bits=4):
    """A BitsAndBytesConfig for 4-bit NF4 (double quantisation) or 8-bit weights."""
    ### SOLUCIÓN 4 INICIO
    import torch
    from transformers import BitsAndBytesConfig

    if bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True)
    if bits == 4:
        computo = torch.bfloat16 if torch.cuda.is_available() else torch.float32
        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                  bnb_4bit_compute_dtype=computo)
    raise ValueError(f"bits debe ser 4 u 8, no {bits!r}")
    ### SOLUCIÓN FIN


def cargar_modelo_optimizado(nombre_modelo, optimizaciones=None):
    """(model, tokenizer) with options: cuantizacion/bits, dtype, offload_cpu, flash_attention."""
    # Pista: attn_implementation="flash_attention_2" solo si importlib.util.find_spec("flash_attn") y CUDA;
    # si no, "sdpa" avisando con un mensaje. device_map="auto" para la descarga en CPU (solo con GPU).
    ### SOLUCIÓN 4 INICIO
    import importlib.util

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    opciones = {"cuantizacion": False, "bits": 4, "dtype": None, "offload_cpu": False, "flash_attention": False}
    opciones.update(optimizaciones or {})
    cuda = torch.cuda.is_available()
    argumentos = {"dtype": opciones["dtype"] or (torch.float16 if cuda else torch.float32)}
    if opciones["flash_attention"] and cuda and importlib.util.find_spec("flash_attn"):
        argumentos["attn_implementation"] = "flash_attention_2"
    else:
        if opciones["flash_attention"]:
            print("flash-attn no está disponible aquí: se usa la atención SDPA de PyTorch")
        argumentos["attn_implementation"] = "sdpa"
    if opciones["cuantizacion"]:
        argumentos["quantization_config"] = configurar_cuantizacion(opciones["bits"])
        argumentos["device_map"] = {"": "cuda" if cuda else "cpu"}
    elif opciones["offload_cpu"] and cuda:
        argumentos["device_map"] = "auto"
    elif opciones["offload_cpu"]:
        print("Sin GPU no hay nada que descargar en la CPU: el modelo ya está en ella")
    tokenizador = AutoTokenizer.from_pretrained(ruta_modelo(nombre_modelo))
    if tokenizador.pad_token is None:
        tokenizador.pad_token = tokenizador.eos_token
    modelo = AutoModelForCausalLM.from_pretrained(ruta_modelo(nombre_modelo), **argumentos)
    if "device_map" not in argumentos:
        modelo.to("cuda" if cuda else "cpu")
    return modelo.eval(), tokenizador
    ### SOLUCIÓN FIN


def aplicar_sliding_window(modelo, window_size=1024):
    """(model, applied): limit attention to the last window_size tokens where the config supports it."""
    ### SOLUCIÓN 4 INICIO
    configuracion = modelo.config
    if not hasattr(configuracion, "sliding_window"):
        print(f"{configuracion.model_type} no admite ventana deslizante")
        return modelo, False
    configuracion.sliding_window = window_size
    if hasattr(configuracion, "use_sliding_window"):
        configuracion.use_sliding_window = True
    return modelo, True
    ### SOLUCIÓN FIN


def evaluar_rendimiento(modelo, tokenizador, texto_prueba, dispositivo):
    """latencia_s, tiempo_primer_token_s, tokens_por_segundo, memoria_pico_mb and tokens of one generation."""
    # Pista: el primer token llega cuando el TextIteratorStreamer entrega su primer trozo; la memoria
    # pico en GPU con torch.cuda.max_memory_allocated, en CPU muestreando psutil.Process().memory_info().rss
    ### SOLUCIÓN 4 INICIO
    from threading import Event, Thread

    import psutil
    import torch
    from transformers import TextIteratorStreamer

    entrada = tokenizador(texto_prueba, return_tensors="pt").to(modelo.device)
    streamer = TextIteratorStreamer(tokenizador, skip_prompt=True)
    proceso, fin = psutil.Process(), Event()
    rss_inicial = proceso.memory_info().rss
    pico = [rss_inicial]

    def vigilar_memoria():
        while not fin.is_set():
            pico[0] = max(pico[0], proceso.memory_info().rss)
            fin.wait(0.01)

    if dispositivo == "cuda":
        torch.cuda.reset_peak_memory_stats()
    vigilante = Thread(target=vigilar_memoria)
    vigilante.start()
    salida = {}
    generador = Thread(target=lambda: salida.setdefault("ids", modelo.generate(
        **entrada, max_new_tokens=MAX_NEW_TOKENS, do_sample=False, streamer=streamer,
        pad_token_id=tokenizador.pad_token_id)))
    inicio = time.perf_counter()
    generador.start()
    primer_token = None
    for _ in streamer:
        primer_token = primer_token or time.perf_counter() - inicio
    generador.join()
    latencia = time.perf_counter() - inicio
    fin.set()
    vigilante.join()
    nuevos = salida["ids"].shape[1] - entrada["input_ids"].shape[1]
    # On CPU the process's resident memory also holds earlier models: count this model's weights plus
    # what the generation added on top of the memory in use when it started.
    memoria = (torch.cuda.max_memory_allocated() if dispositivo == "cuda"
               else modelo.get_memory_footprint() + pico[0] - rss_inicial)
    return {"latencia_s": latencia, "tiempo_primer_token_s": primer_token or latencia,
            "tokens_por_segundo": nuevos / latencia, "memoria_pico_mb": memoria / 1e6, "tokens": nuevos}
    ### SOLUCIÓN FIN


def demo_optimizaciones(variantes=("base", "4bit", "sliding_window", "todo")):
    """A table (DataFrame) measuring each configuration on TEXTO_PRUEBA, and a plot."""
    ### SOLUCIÓN 4 INICIO
    import gc

    configuraciones = {"base": {}, "4bit": {"cuantizacion": True, "bits": 4}, "8bit": {"cuantizacion": True, "bits": 8},
                       "sliding_window": {}, "todo": {"cuantizacion": True, "bits": 4, "flash_attention": True}}
    filas = []
    for nombre in variantes:
        modelo_v, tokenizador_v = cargar_modelo_optimizado(MODELO_CHAT, configuraciones[nombre])
        if nombre in ("sliding_window", "todo"):
            aplicar_sliding_window(modelo_v, 512)
        filas.append({"variante": nombre, **evaluar_rendimiento(modelo_v, tokenizador_v, TEXTO_PRUEBA, dispositivo)})
        del modelo_v
        gc.collect()
    tabla = pd.DataFrame(filas).set_index("variante")
    fig, ejes = plt.subplots(1, 2, figsize=(10, 3))
    tabla["tokens_por_segundo"].plot.bar(ax=ejes[0], title="tokens por segundo")
    tabla["memoria_pico_mb"].plot.bar(ax=ejes[1], title="memoria pico (MB)")
    plt.tight_layout()
    plt.show()
    return tabla
    ### SOLUCIÓN FIN


# %%
tabla_optimizaciones = demo_optimizaciones(VARIANTES_DEMO)
tabla_optimizaciones.round(3)

# %% [markdown]
# **Qué dice la tabla (CPU).** En CPU la cuantización ahorra memoria de pesos pero suele ir *más
# lenta*: bitsandbytes descuantiza en cada capa y no hay núcleos de enteros tan rápidos como en
# GPU. La ventana deslizante solo cambia algo cuando el contexto supera la ventana. En GPU el
# reparto cambia: 4 bits permite modelos que no cabrían y la atención eficiente acelera.

# %% [markdown]
# ## Ejercicio 5 · Personalización y despliegue
# Un adaptador LoRA (`configurar_peft`), guardado y vuelto a cargar; y un chat web con Gradio que
# muestra las respuestas a medida que se generan, escuchando solo en 127.0.0.1.

# %% tags=["ejercicio-5"]
def configurar_peft(modelo, r=8, lora_alpha=32):
    """The model wrapped with a LoRA adapter on its attention projections (peft)."""
    # Pista: LoraConfig(r, lora_alpha, lora_dropout=0.05, task_type="CAUSAL_LM", target_modules=...);
    # helpers.models.lora_target_modules(modelo.config.model_type, "qv") da los nombres de cada arquitectura.
    ### SOLUCIÓN 5 INICIO
    from peft import LoraConfig, get_peft_model

    from helpers.models import lora_target_modules

    configuracion = LoraConfig(r=r, lora_alpha=lora_alpha, lora_dropout=0.05, task_type="CAUSAL_LM",
                               target_modules=lora_target_modules(modelo.config.model_type, "qv"))
    modelo_peft = get_peft_model(modelo, configuracion)
    modelo_peft.print_trainable_parameters()
    return modelo_peft
    ### SOLUCIÓN FIN


def guardar_modelo(modelo, ruta, tokenizador=None):
    """Save the adapter (and the tokenizer, if given) to a folder; return the folder."""
    ### SOLUCIÓN 5 INICIO
    ruta = Path(ruta)
    modelo.save_pretrained(ruta)
    if tokenizador is not None:
        tokenizador.save_pretrained(ruta)
    return ruta
    ### SOLUCIÓN FIN


def cargar_modelo_personalizado(nombre_base, ruta_adaptador):
    """(model, tokenizer): the base model with the saved LoRA adapter loaded on top, in eval mode."""
    ### SOLUCIÓN 5 INICIO
    from peft import PeftModel

    base, tokenizador_base = cargar_modelo(nombre_base)
    return PeftModel.from_pretrained(base, str(ruta_adaptador)).eval(), tokenizador_base
    ### SOLUCIÓN FIN


def crear_interfaz_web(chatbot):
    """A Gradio chat whose replies stream from chatbot.responder_en_directo."""
    # Pista: gr.ChatInterface(fn=..., title=...) con una función generadora (yield del texto parcial)
    ### SOLUCIÓN 5 INICIO
    import gradio as gr

    def responder(mensaje, historial):
        yield from chatbot.responder_en_directo(mensaje)

    return gr.ChatInterface(fn=responder, title="Chatbot del taller",
                            description="Un modelo de lenguaje pequeño; sus respuestas pueden ser inexactas.")
    ### SOLUCIÓN FIN


def main_despliegue(lanzar=False, puerto=7860):
    """Build the chatbot and its web interface; launch it on 127.0.0.1 when lanzar."""
    ### SOLUCIÓN 5 INICIO
    interfaz = crear_interfaz_web(Chatbot(MODELO_CHAT, "Eres un asistente amable."))
    if lanzar:
        interfaz.launch(server_name="127.0.0.1", server_port=puerto, prevent_thread_lock=True)
    return interfaz
    ### SOLUCIÓN FIN


# %%
modelo_peft = configurar_peft(cargar_modelo(MODELO_BASE)[0])
ruta_adaptador = guardar_modelo(modelo_peft, ctx.output_dir / "adaptador")
modelo_recargado, _ = cargar_modelo_personalizado(MODELO_BASE, ruta_adaptador)
print(f"Adaptador guardado en {ruta_adaptador} y recargado: {type(modelo_recargado).__name__}")
del modelo_peft, modelo_recargado  # each model holds GBs of RAM on CPU: free them when done
if LANZAR_WEB:  # opens http://127.0.0.1:PUERTO; headless runs (the grader) leave it off
    interfaz = main_despliegue(LANZAR_WEB, PUERTO)

# %% [markdown]
# ## Preguntas teóricas
# **1. ¿En qué se diferencian los modelos solo-codificador, solo-decodificador y
# codificador-decodificador? ¿Para qué sirve cada uno?**
#
# <!-- RESPUESTA INICIO -->
# Un **codificador** (BERT, RoBERTa) lee toda la entrada con atención bidireccional y produce
# representaciones: sirve para clasificar, extraer o buscar, no para generar texto libre. Un
# **decodificador** (GPT, Llama, Qwen, Gemma) genera token a token con atención causal (cada
# token solo ve los anteriores): es la base de los chatbots. Un **codificador-decodificador**
# (T5, BART) codifica la entrada completa y un decodificador genera la salida atendiendo a ella:
# traducción, resumen, tareas de texto a texto.
# <!-- RESPUESTA FIN -->
#
# **2. ¿Qué hace la temperatura en la generación?**
#
# <!-- RESPUESTA INICIO -->
# Divide los logits antes del softmax: con temperatura baja (< 1) la distribución se afila y el
# modelo elige casi siempre los tokens más probables (respuestas más deterministas y
# repetitivas); con temperatura alta (> 1) se aplana y aparecen tokens menos probables (más
# variedad, también más errores). Con 0 se usa la decodificación voraz.
# <!-- RESPUESTA FIN -->
#
# **3. ¿Cómo se pueden reducir las alucinaciones de un chatbot?**
#
# <!-- RESPUESTA INICIO -->
# Dando al modelo la información que necesita (recuperación aumentada, RAG, con citas a las
# fuentes), instrucciones de sistema que le permitan decir «no lo sé», temperatura baja para
# respuestas factuales, ajuste fino con datos de calidad, comprobaciones automáticas de la
# salida (contra las fuentes o con otro modelo) y modelos más grandes o mejor alineados.
# <!-- RESPUESTA FIN -->

# %%
metrics = {
    "profile": PROFILE,
    "model": MODELO_CHAT,
    "simple_answers": len(respuestas_simples),
    "context_messages": len(chatbot.contexto.mensajes),
    "optimisation": tabla_optimizaciones.reset_index().to_dict(orient="records"),
}
print(save_metrics(metrics, ctx.output_dir))
