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
# [![Abrir en Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-studies/llm-studies/blob/main/notebooks/05_chatbot_workshop.ipynb)
#
# Cinco ejercicios y tres preguntas teóricas. En cada ejercicio completa las funciones donde
# pone `raise NotImplementedError("TODO n")`; las pistas están en los comentarios. Debajo de cada
# ejercicio, la celda `comprobar(n)` ejecuta sus comprobaciones en tu propio cuaderno (también en
# Colab, en segundos) y dice cuáles se cumplen, cuáles no y qué se esperaba. Cuando termines,
# corrige el cuaderno entero con el corrector:
#
# ```
# make grade NB=notebooks/05_chatbot_workshop.ipynb
# ```
#
# El corrector ejecuta tu cuaderno sin interfaz (con el perfil que elijas en `PROFILE`) y dice,
# ejercicio por ejercicio, qué funciona y qué no: qué se esperaba, qué ha devuelto tu código y,
# si una celda tuya falló, el error con su celda y su línea. Comprueba comportamientos, no cómo
# los programas: cada ejercicio dice debajo **lo que comprueba el corrector**. Para ir rápido,
# sus comprobaciones usan un modelo diminuto de pesos aleatorios con el tokenizador del modelo de
# chat. Un ejercicio cuyas celdas dan error, o que aún lanza `NotImplementedError`, no se supera.
# Las preguntas teóricas se revisan por conceptos clave: una respuesta vacía no se supera y una
# que no los menciona queda para «revisar a mano».
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
PASOS_PERSONA = 15  # pasos de entrenamiento del adaptador LoRA con los ejemplos del personaje
TASA_PERSONA = 2e-3  # tasa de aprendizaje de ese entrenamiento
LANZAR_WEB = False  # True: abre el chat web (127.0.0.1) al final; sin interfaz, déjalo en False
PUERTO = 7860  # puerto del chat web

# %%
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from helpers.env import set_up
from helpers.metrics import save_metrics
from helpers.paths import cache_dir
from helpers.registry import model_for, resolve
from helpers.workshop.gpu import precision_and_attention
from helpers.workshop.persona import PERSONA, persona_answer, train_persona

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
# 1. `configurar_cache(carpeta=None)`: la caché de modelos en una carpeta, con variables de entorno.
# 2. `verificar_dispositivo()` devuelve un `torch.device` (`cuda` si hay GPU, si no `cpu`) e informa
#    del nombre y la memoria de la GPU cuando la hay.
# 3. `cargar_modelo(nombre_modelo)` devuelve `(modelo, tokenizador)`: el modelo en modo evaluación,
#    en media precisión en la GPU y en float32 en la CPU.
#
# **Lo que comprueba el corrector:**
# - `configurar_cache(carpeta)` pone `HF_HOME` en esa carpeta, la crea y la devuelve.
# - Simula una GPU disponible (sin tenerla): `verificar_dispositivo()` debe devolver
#   `torch.device("cuda")` y `cargar_modelo` debe pedir media precisión (`float16`, o `bfloat16` en
#   GPUs de capacidad 8.0 o más) y llevar el modelo a `cuda`.
# - Sin GPU: `torch.device("cpu")`, pesos en `float32`, modelo en modo evaluación y con `pad_token`.

# %% tags=["ejercicio-1"]
def configurar_cache(carpeta=None):
    """Point the Hugging Face cache to a folder through environment variables; return the folder."""
    # Pista: os.environ["HF_HOME"]; crea la carpeta con Path(...).mkdir(parents=True, exist_ok=True)
    raise NotImplementedError("TODO 1")


def verificar_dispositivo():
    """torch.device('cuda') when a GPU is available, else torch.device('cpu'); prints what it found."""
    # Pista: torch.cuda.is_available(), torch.cuda.get_device_name(0),
    # torch.cuda.get_device_properties(0).total_memory
    raise NotImplementedError("TODO 1")


def cargar_modelo(nombre_modelo):
    """(model, tokenizer): eval mode, half precision on a GPU and float32 on CPU, with a pad token."""
    # Pista: AutoTokenizer / AutoModelForCausalLM.from_pretrained(ruta_modelo(nombre_modelo), dtype=...)
    # en CPU float32 (la media precisión es lenta allí); modelo.eval(); si no hay pad_token, usa el eos.
    # precision_and_attention() dice qué media precisión admite la GPU (bf16 solo desde la capacidad 8.0).
    raise NotImplementedError("TODO 1")


# %% tags=["comprobar"]
# Comprueba el ejercicio 1 con un modelo diminuto (segundos): qué se cumple y qué no.
from helpers.workshop.self_check import comprobar

comprobar(1)

# %%
configurar_cache()
dispositivo = verificar_dispositivo()
modelo, tokenizador = cargar_modelo(MODELO_CHAT)
entrada = tokenizador("La capital de Francia es", return_tensors="pt").to(modelo.device)
salida = modelo.generate(**entrada, max_new_tokens=8, do_sample=False, pad_token_id=tokenizador.pad_token_id)
print(tokenizador.decode(salida[0], skip_special_tokens=True))

# %% [markdown]
# ## Ejercicio 2 · Entrada y generación
# `preprocesar_entrada` tokeniza con truncado; `generar_respuesta` genera con parámetros
# razonables por defecto y devuelve solo el texto nuevo, limpio; `crear_prompt_sistema` escribe
# el mensaje de sistema; `interaccion_simple` encadena todo para unas preguntas (con `modelo` y
# `tokenizador` del ejercicio 1).
#
# **Lo que comprueba el corrector:**
# - `preprocesar_entrada(texto, tokenizador, longitud_maxima)` no pasa de `longitud_maxima` tokens.
# - La respuesta es exactamente el texto nuevo: ni un token del prompt (se compara con los tokens
#   que generó el modelo) y sin tokens especiales.
# - `max_new_tokens`, `do_sample`, `temperature` y `top_p` de `parametros_generacion` llegan a
#   `generate` tal como se pidieron (cambian el muestreo), y sin ellos se muestrea con valores
#   razonables.
# - `interaccion_simple(preguntas)` se ejecuta, devuelve `[(pregunta, respuesta)]` y el texto de
#   `crear_prompt_sistema` llega al modelo dentro del prompt.

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


# %% tags=["comprobar"]
# Comprueba el ejercicio 2 con un modelo diminuto (segundos): qué se cumple y qué no.
from helpers.workshop.self_check import comprobar

comprobar(2)

# %%
respuestas_simples = interaccion_simple()

# %% [markdown]
# ## Ejercicio 3 · Contexto de la conversación
# `GestorContexto(longitud_maxima=1024, formato_mensaje=None)` guarda los mensajes en `historial`,
# con roles `'sistema'`, `'usuario'` y `'asistente'` (también valen `'system'`, `'user'` y
# `'assistant'`). `_formato_predeterminado(rol, contenido)` da el texto de un mensaje cuando el
# tokenizador no tiene plantilla de chat; `construir_prompt_completo` construye el prompt (con la
# plantilla del tokenizador si la tiene) y `truncar_historial(tokenizador)` quita los turnos más
# antiguos cuando el prompt no cabe en `longitud_maxima` tokens, **sin quitar nunca el mensaje de
# sistema**. Cuenta los tokens de cada mensaje una sola vez (guárdalos): retokenizar todo el
# historial en cada turno es lento. `Chatbot(modelo_id, instrucciones_sistema=None)` tiene
# `modelo`, `tokenizador`, `dispositivo`, `gestor_contexto` y `responder(mensaje_usuario,
# parametros_generacion=None)`.
#
# **Lo que comprueba el corrector:**
# - Memoria: en el segundo turno del `Chatbot`, el prompt que llega al modelo contiene las
#   instrucciones de sistema, la primera pregunta y la primera respuesta.
# - Tras `truncar_historial`, el prompt cabe en `longitud_maxima` tokens, conserva el mensaje de
#   sistema y el más reciente, quita primero los más antiguos y no quita más de los necesarios
#   (con el siguiente mensaje descartado ya no cabría).
# - Un único mensaje más largo que el presupuesto se recorta por el principio (se conserva su
#   final y la cabecera del asistente que cierra el prompt).
# - Los roles en español y en inglés dan exactamente el mismo prompt que la plantilla de chat.

# %% tags=["ejercicio-3"]
ROLES = {"sistema": "system", "usuario": "user", "asistente": "assistant",
         "system": "system", "user": "user", "assistant": "assistant"}


class GestorContexto:
    """Conversation history with a token budget; the system message is always kept."""

    def __init__(self, longitud_maxima=1024, formato_mensaje=None):
        self.longitud_maxima = longitud_maxima
        self.formato_mensaje = formato_mensaje or self._formato_predeterminado
        self.historial = []  # dicts {"rol", "contenido", "tokens"}; rol in English (the templates' names)

    def _formato_predeterminado(self, rol, contenido):
        """A message as plain text, for tokenizers without a chat template."""
        return f"{rol}: {contenido}\n"

    def agregar_mensaje(self, rol, contenido):
        """Append a message ('sistema'/'system', 'usuario'/'user' or 'asistente'/'assistant')."""
        raise NotImplementedError("TODO 3")

    def construir_prompt_completo(self, tokenizador=None):
        """The whole prompt: the tokenizer's chat template when it has one, else formato_mensaje."""
        raise NotImplementedError("TODO 3")

    def truncar_historial(self, tokenizador):
        """Drop the oldest non-system turns (cut a lone long message from its start) to fit longitud_maxima."""
        # Pista: cuenta una vez los tokens de cada mensaje tal como los escribe la plantilla y guárdalos en
        # el mensaje; suma los de la cabecera final del asistente.
        raise NotImplementedError("TODO 3")

    def _medir(self, tokenizador):
        """Cache each message's tokens as the prompt renders it, and the closing assistant header's."""
        contar = lambda mensajes, cierre=False: len(tokenizador(self._render(tokenizador, mensajes, cierre),  # noqa: E731
                                                                add_special_tokens=False)["input_ids"])
        sistema = {"rol": "system", "contenido": "x"}
        if getattr(self, "_cabecera", None) is None:
            self._base = contar([sistema])
            self._cabecera = contar([sistema], True) - self._base
        for m in self.historial:
            if m["tokens"] is None:
                m["tokens"] = contar([m]) if m["rol"] == "system" else contar([sistema, m]) - self._base

    def _render(self, tokenizador, mensajes, cierre):
        if getattr(tokenizador, "chat_template", None):
            return tokenizador.apply_chat_template([{"role": m["rol"], "content": m["contenido"]} for m in mensajes],
                                                   tokenize=False, add_generation_prompt=cierre)
        return "".join(self.formato_mensaje(m["rol"], m["contenido"]) for m in mensajes)


class Chatbot:
    """A chat model with its context manager: answers keep the conversation."""

    def __init__(self, modelo_id, instrucciones_sistema=None, longitud_maxima=1024):
        raise NotImplementedError("TODO 3")

    def _entrada(self, mensaje_usuario):
        """Add the user's message, fit the context and tokenize the prompt."""
        raise NotImplementedError("TODO 3")

    def responder(self, mensaje_usuario, parametros_generacion=None):
        """Add the user's message, fit the context, generate and remember the answer."""
        raise NotImplementedError("TODO 3")

    def responder_en_directo(self, mensaje_usuario, parametros_generacion=None):
        """Like responder, but yields the growing answer while it is generated (for the web chat)."""
        # Pista: un transformers.TextIteratorStreamer con timeout y generate en otro hilo. Un
        # threading.Thread pierde la excepción de generate y el bucle del streamer espera para siempre:
        # helpers.streaming.GenerationThread (hilo.pieces()) te la devuelve; text_streamer pone el timeout.
        raise NotImplementedError("TODO 3")


# %% tags=["comprobar"]
# Comprueba el ejercicio 3 con un modelo diminuto (segundos): qué se cumple y qué no.
from helpers.workshop.self_check import comprobar

comprobar(3)

# %%
chatbot = Chatbot(MODELO_CHAT, "Eres experto en cine.", longitud_maxima=256)
for pregunta in ["Hola, me llamo Ana.", "Recomiéndame una película de ciencia ficción.", "¿Cómo me llamo?"]:
    print(f"> {pregunta}\n{chatbot.responder(pregunta)}\n")
print(f"Mensajes en el contexto: {len(chatbot.gestor_contexto.historial)}")

# %% [markdown]
# ## Ejercicio 4 · Optimización
# Cuantización en 4 u 8 bits con bitsandbytes, carga optimizada (cuantización, descarga en CPU,
# *flash attention* solo donde funciona; si no, la atención SDPA de PyTorch), ventana deslizante
# donde la arquitectura la admite, y una medición de rendimiento: latencia, tiempo hasta el primer
# token, tokens por segundo y memoria pico. `cargar_modelo_optimizado(nombre_modelo,
# optimizaciones=None)` acepta `{"cuantizacion": False, "bits": 4, "dtype": None, "offload_cpu":
# False, "flash_attention": False, "sliding_window": None}` (esos son sus valores por defecto).
#
# **Lo que comprueba el corrector:**
# - `configurar_cuantizacion(4)` pide 4 bits y `(8)` 8 bits; con `bits=8` el modelo cargado está
#   de verdad en 8 bits. El cómputo en 4 bits usa `bfloat16` solo en GPUs de capacidad 8.0 o más
#   (una T4 recibe `float16`) y `float32` en la CPU.
# - La ventana deslizante cambia de verdad la atención: con una entrada más larga que la ventana,
#   los logits cambian (y con una más corta, no). Cambiar `config.sliding_window` de un modelo ya
#   construido no basta: hay que construir el modelo con ella.
# - `evaluar_rendimiento`: tiempo hasta el primer token menor que la latencia total; tokens por
#   segundo = tokens **nuevos** / latencia; memoria pico en MB (ni bytes ni GB).
# - `demo_optimizaciones()` compara las cuatro configuraciones: base, 4bit, sliding_window y todo.

# %% tags=["ejercicio-4"]
def configurar_cuantizacion(bits=4):
    """A BitsAndBytesConfig for 4-bit NF4 (double quantisation) or 8-bit weights."""
    raise NotImplementedError("TODO 4")


def cargar_modelo_optimizado(nombre_modelo, optimizaciones=None):
    """(model, tokenizer) with options: cuantizacion/bits, dtype, offload_cpu, flash_attention, sliding_window."""
    # Pista: precision_and_attention() da la precisión y la atención que admite la GPU (flash attention solo
    # donde funciona; si no, "sdpa"). device_map="auto" para la descarga en CPU (solo con GPU).
    raise NotImplementedError("TODO 4")


def con_ventana(configuracion, window_size):
    """A copy of the config whose layers all attend to the last window_size tokens, or None if unsupported."""
    raise NotImplementedError("TODO 4")


def aplicar_sliding_window(modelo, window_size=1024):
    """(model, applied): the model rebuilt with attention limited to the last window_size tokens."""
    raise NotImplementedError("TODO 4")


def evaluar_rendimiento(modelo, tokenizador, texto_prueba, dispositivo):
    """latencia_s, tiempo_primer_token_s, tokens_por_segundo, memoria_pico_mb and tokens of one generation."""
    # Pista: el primer token llega cuando el TextIteratorStreamer entrega su primer trozo (generate en
    # otro hilo, como en el ejercicio 3: helpers.streaming); la memoria pico en GPU con
    # torch.cuda.max_memory_allocated, en CPU muestreando psutil.Process().memory_info().rss; en los dos,
    # los pesos de este modelo más lo que la generación añadió a lo que ya estaba en uso (otros modelos)
    raise NotImplementedError("TODO 4")


def demo_optimizaciones(variantes=("base", "4bit", "sliding_window", "todo")):
    """A table (DataFrame) measuring each configuration on TEXTO_PRUEBA, and a plot."""
    raise NotImplementedError("TODO 4")


# %% tags=["comprobar"]
# Comprueba el ejercicio 4 con un modelo diminuto (segundos): qué se cumple y qué no.
from helpers.workshop.self_check import comprobar

comprobar(4)

# %%
tabla_optimizaciones = demo_optimizaciones(VARIANTES_DEMO)
tabla_optimizaciones.round(3)

# %% [markdown]
# **Qué dice la tabla (CPU).** En CPU la cuantización ahorra memoria de pesos pero suele ir *más
# lenta*: bitsandbytes descuantiza en cada capa y no hay núcleos de enteros tan rápidos como en
# GPU. La ventana deslizante solo cambia algo cuando el contexto supera la ventana. En GPU el
# reparto cambia: 4 bits permite modelos que no cabrían y la atención eficiente acelera. Una sola
# generación por variante: las diferencias pequeñas de tiempo son ruido.

# %% [markdown]
# ## Ejercicio 5 · Personalización y despliegue
# Un adaptador LoRA (`configurar_peft(modelo, r=8, lora_alpha=32)`), entrenado unos pasos con unos
# pocos ejemplos de un personaje, guardado con su tokenizador (`guardar_modelo(modelo, tokenizador,
# ruta)`) y vuelto a cargar desde esa carpeta (`cargar_modelo_personalizado(ruta)`); y un chat web
# con Gradio (`crear_interfaz_web(chatbot)`, un `gr.Interface` o un `gr.ChatInterface`) que
# muestra la respuesta a medida que se genera, escuchando solo en 127.0.0.1.
#
# **Lo que comprueba el corrector:**
# - El adaptador tiene exactamente los `r` y `lora_alpha` pedidos y entrena solo una parte pequeña.
# - Un entrenamiento real de unos pasos con ejemplos de un personaje baja la pérdida y cambia las
#   respuestas del modelo.
# - La carpeta guardada tiene el adaptador **y** el tokenizador; el modelo recargado da los mismos
#   logits que el entrenado.
# - El chat web va en directo (la función de la interfaz entrega la respuesta en varios trozos) y,
#   en un navegador real, la respuesta que aparece es la del modelo, no el prompt ni la plantilla.
# - `main_despliegue(lanzar=True, puerto=...)` vuelve enseguida (no bloquea) y sirve en 127.0.0.1.

# %% tags=["ejercicio-5"]
def configurar_peft(modelo, r=8, lora_alpha=32):
    """The model wrapped with a LoRA adapter on its attention projections (peft)."""
    # Pista: LoraConfig(r, lora_alpha, lora_dropout=0.05, task_type="CAUSAL_LM", target_modules=...);
    # helpers.models.lora_target_modules(modelo.config.model_type, "qv") da los nombres de cada arquitectura.
    raise NotImplementedError("TODO 5")


def guardar_modelo(modelo, tokenizador, ruta):
    """Save the adapter and its tokenizer to a folder; return the folder."""
    raise NotImplementedError("TODO 5")


def cargar_modelo_personalizado(ruta):
    """(model, tokenizer) from a saved adapter folder: its base model with the adapter on top, in eval mode."""
    raise NotImplementedError("TODO 5")


def crear_interfaz_web(chatbot):
    """A Gradio chat whose replies stream from chatbot.responder_en_directo."""
    # Pista: gr.ChatInterface(fn=..., title=...) con una función generadora (yield del texto parcial)
    raise NotImplementedError("TODO 5")


def main_despliegue(lanzar=False, puerto=7860):
    """Build the chatbot and its web interface; launch it on 127.0.0.1 without blocking when lanzar."""
    raise NotImplementedError("TODO 5")


# %% tags=["comprobar"]
# Comprueba el ejercicio 5 con un modelo diminuto (segundos): qué se cumple y qué no.
from helpers.workshop.self_check import comprobar

comprobar(5)

# %%
modelo_base, tokenizador_base = cargar_modelo(MODELO_BASE)
modelo_peft = configurar_peft(modelo_base)
antes = persona_answer(modelo_peft, tokenizador_base, "¿Quién eres?")
perdidas = train_persona(modelo_peft, tokenizador_base, PERSONA, steps=PASOS_PERSONA, learning_rate=TASA_PERSONA)
despues = persona_answer(modelo_peft, tokenizador_base, "¿Quién eres?")
print(f"Pérdida {perdidas[0]:.2f} -> {perdidas[-1]:.2f} en {len(perdidas)} pasos\nAntes: {antes!r}\nDespués: {despues!r}")
ruta_adaptador = guardar_modelo(modelo_peft, tokenizador_base, ctx.output_dir / "adaptador")
modelo_recargado, _ = cargar_modelo_personalizado(ruta_adaptador)
print(f"Adaptador guardado en {ruta_adaptador} y recargado: {type(modelo_recargado).__name__}")
del modelo_base, modelo_peft, modelo_recargado  # each model holds GBs of RAM on CPU: free them when done
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
    "context_messages": len(chatbot.gestor_contexto.historial),
    "persona_loss": [perdidas[0], perdidas[-1]],
    "persona_answer_changed": antes != despues,
    "optimisation": tabla_optimizaciones.reset_index().to_dict(orient="records"),
}
print(save_metrics(metrics, ctx.output_dir))
