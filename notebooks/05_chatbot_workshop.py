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
# # 05 · Taller (versión para estudiantes): chatbots con PyTorch y Transformers
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

    prepare_colab("05_chatbot_workshop", "llm-studies")

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
    raise NotImplementedError("TODO 1")


def verificar_dispositivo():
    """A dict with the device ('cuda' or 'cpu'), its name and, on a GPU, its memory in GB."""
    # Pista: torch.cuda.is_available(), torch.cuda.get_device_name(0),
    # torch.cuda.get_device_properties(0).total_memory
    raise NotImplementedError("TODO 1")


def cargar_modelo(nombre_modelo):
    """(model, tokenizer): eval mode, float16 on a GPU and float32 on CPU, with a pad token."""
    # Pista: AutoTokenizer / AutoModelForCausalLM.from_pretrained(ruta_modelo(nombre_modelo), dtype=...)
    # en CPU float32 (la media precisión es lenta allí); modelo.eval(); si no hay pad_token, usa el eos.
    raise NotImplementedError("TODO 1")


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
    raise NotImplementedError("TODO 2")


def generar_respuesta(modelo, entrada_procesada, tokenizador, parametros_generacion=None):
    """The decoded new text only (no prompt, no special tokens), stripped."""
    # Pista: valores por defecto (temperature 0.7, top_p 0.9, max_new_tokens, repetition_penalty 1.1,
    # do_sample=True) actualizados con parametros_generacion; corta la salida tras la entrada.
    raise NotImplementedError("TODO 2")


def crear_prompt_sistema(instrucciones):
    """The system message text: a helpful assistant in Spanish plus the given instructions."""
    raise NotImplementedError("TODO 2")


def interaccion_simple(preguntas=("Hola, ¿quién eres?", "¿Qué es un tokenizador?")):
    """Answer each question with the chat model and its template; return [(question, answer)]."""
    # Pista: tokenizador.apply_chat_template([...], tokenize=False, add_generation_prompt=True)
    raise NotImplementedError("TODO 2")


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
        raise NotImplementedError("TODO 3")

    def construir_prompt_completo(self, tokenizador=None):
        """The whole prompt: the tokenizer's chat template when it has one, else formato_mensaje."""
        raise NotImplementedError("TODO 3")

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
        raise NotImplementedError("TODO 3")


class Chatbot:
    """A chat model with its context manager: answers keep the conversation."""

    def __init__(self, modelo_id, instrucciones_sistema=None, longitud_maxima=1024):
        raise NotImplementedError("TODO 3")

    def responder(self, mensaje_usuario, parametros_generacion=None):
        """Add the user's message, fit the context, generate and remember the answer."""
        raise NotImplementedError("TODO 3")

    def responder_en_directo(self, mensaje_usuario, parametros_generacion=None):
        """Like responder, but yields the growing answer while it is generated (for the web chat)."""
        # Pista: transformers.TextIteratorStreamer y generate en un threading.Thread
        raise NotImplementedError("TODO 3")


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
    raise NotImplementedError("TODO 4")


def cargar_modelo_optimizado(nombre_modelo, optimizaciones=None):
    """(model, tokenizer) with options: cuantizacion/bits, dtype, offload_cpu, flash_attention."""
    # Pista: attn_implementation="flash_attention_2" solo si importlib.util.find_spec("flash_attn") y CUDA;
    # si no, "sdpa" avisando con un mensaje. device_map="auto" para la descarga en CPU (solo con GPU).
    raise NotImplementedError("TODO 4")


def aplicar_sliding_window(modelo, window_size=1024):
    """(model, applied): limit attention to the last window_size tokens where the config supports it."""
    raise NotImplementedError("TODO 4")


def evaluar_rendimiento(modelo, tokenizador, texto_prueba, dispositivo):
    """latencia_s, tiempo_primer_token_s, tokens_por_segundo, memoria_pico_mb and tokens of one generation."""
    # Pista: el primer token llega cuando el TextIteratorStreamer entrega su primer trozo; la memoria
    # pico en GPU con torch.cuda.max_memory_allocated, en CPU muestreando psutil.Process().memory_info().rss
    raise NotImplementedError("TODO 4")


def demo_optimizaciones(variantes=("base", "4bit", "sliding_window", "todo")):
    """A table (DataFrame) measuring each configuration on TEXTO_PRUEBA, and a plot."""
    raise NotImplementedError("TODO 4")


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
    raise NotImplementedError("TODO 5")


def guardar_modelo(modelo, ruta, tokenizador=None):
    """Save the adapter (and the tokenizer, if given) to a folder; return the folder."""
    raise NotImplementedError("TODO 5")


def cargar_modelo_personalizado(nombre_base, ruta_adaptador):
    """(model, tokenizer): the base model with the saved LoRA adapter loaded on top, in eval mode."""
    raise NotImplementedError("TODO 5")


def crear_interfaz_web(chatbot):
    """A Gradio chat whose replies stream from chatbot.responder_en_directo."""
    # Pista: gr.ChatInterface(fn=..., title=...) con una función generadora (yield del texto parcial)
    raise NotImplementedError("TODO 5")


def main_despliegue(lanzar=False, puerto=7860):
    """Build the chatbot and its web interface; launch it on 127.0.0.1 when lanzar."""
    raise NotImplementedError("TODO 5")


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
# *Escribe aquí tu respuesta.*
#
# **2. ¿Qué hace la temperatura en la generación?**
#
# *Escribe aquí tu respuesta.*
#
# **3. ¿Cómo se pueden reducir las alucinaciones de un chatbot?**
#
# *Escribe aquí tu respuesta.*

# %%
metrics = {
    "profile": PROFILE,
    "model": MODELO_CHAT,
    "simple_answers": len(respuestas_simples),
    "context_messages": len(chatbot.contexto.mensajes),
    "optimisation": tabla_optimizaciones.reset_index().to_dict(orient="records"),
}
print(save_metrics(metrics, ctx.output_dir))
