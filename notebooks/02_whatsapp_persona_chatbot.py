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
# # 02 · Un chatbot que escribe como una persona, a partir de sus chats de WhatsApp
#
# > **Consentimiento.** Un chat pertenece a **todas** las personas que escriben en él. Usa solo
# > conversaciones en las que todas estén de acuerdo. Las exportaciones son datos personales:
# > guárdalas en `data/private/` (git la ignora), y este cuaderno sustituye teléfonos y nombres
# > de las demás personas antes de guardar nada. Ni el texto del chat ni los ejemplos van a
# > `metrics.json`; con un chat propio (`CHAT_FILE`), tampoco a las salidas del cuaderno salvo
# > que lo pidas con `SHOW_PRIVATE_TEXT`.
#
# Reproducimos un estudio que ajusta un modelo de lenguaje con LoRA sobre los chats exportados de
# una persona para que responda con su estilo: leer la exportación, limpiar, agrupar los mensajes
# seguidos en un turno, construir ejemplos «contexto → respuesta», ajustar, comparar el modelo base
# con el ajustado (perplejidad y respuestas lado a lado) y chatear. Y vamos más allá: estadísticas
# de estilo (la perplejidad sola engaña) y anonimización.
#
# **Datos del perfil local.** Sin un chat tuyo, se usa un chat de demostración **sintético**,
# generado de forma determinista en `make setup` (`helpers/persona/personas_demo.py`) con el formato
# real de Android: dos personas que hablan de los mismos temas (planes, comida, trabajo, series...)
# con estilos distintos y constantes. «Ana» escribe en minúsculas, sin signos de apertura, con «jaja»,
# emojis y ráfagas de mensajes cortos; «Luis», frases largas y formales en un solo mensaje, con toda
# la puntuación. No es charla real: sirve para ver si el modelo aprende *un* estilo y no el otro.
#
# **Chat privado.** `CHAT_FILE` acepta una exportación, una lista o una carpeta con varias (`.txt`
# o `.zip`); cada chat se procesa por separado (ningún turno ni contexto cruza de un chat a otro).
# Con un chat propio todas las personas pasan a «Persona 1», «Persona 2»... (también `AUTHOR`
# puede ser «Persona N»), y sin `SHOW_PRIVATE_TEXT` no se guarda ni se muestra texto, nombre, ni
# nombre de archivo. Para ejecutarlo sin que papermill escriba la ruta en el cuaderno ejecutado:
# `LLM_STUDIES_PRIVATE_PARAMETERS='{"CHAT_FILE": "data/private/chat.txt", "AUTHOR": "Persona 1"}'
# python -m helpers.notebook_runner 02`.

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

    prepare_colab("02_whatsapp_persona_chatbot", "llm-studies")

# %% tags=["parameters"]
PROFILE = "local"  # "local": Gemma 3 270M en CPU; "gpu": los modelos del original desde el Hub
SEED = 0  # semilla de entrenamiento y generación
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/02_whatsapp_persona_chatbot/
CHAT_FILE = ""  # tu exportación (.txt o .zip de iOS) en data/private/; vacío: el chat de demostración
AUTHOR = "Ana"  # la persona cuyo estilo aprende el modelo
INTERACTIVE = False  # True en Jupyter: subir el chat con un widget y chatear escribiendo
SHOW_PRIVATE_TEXT = False  # con un chat propio, mostrar ejemplos de su texto en el cuaderno
GENERATOR_ROLE = "generator"  # papel del registro; en gpu también "generator_alt", "generator_alt2"
GROUP_GAP_MINUTES = 5  # mensajes seguidos de una persona con menos de este hueco forman un turno
SESSION_GAP_HOURS = 2  # un hueco mayor empieza otra conversación (otro contexto)
MAX_CONTEXT_TURNS = 6  # turnos anteriores que ve el modelo
TEST_SHARE = 0.2  # la última parte del chat (en el tiempo) se reserva para evaluar
MAX_STEPS = 40  # pasos de entrenamiento LoRA
BATCH_SIZE = 2  # ejemplos por paso y dispositivo (el original: 4)
GRAD_ACCUM = 4  # acumulación de gradiente (el original: 8)
LEARNING_RATE = 2e-4  # tasa de aprendizaje, programa coseno
LORA_R = 8  # rango de LoRA
REPORT_TO = "none"  # seguimiento del entrenamiento: "none", "wandb", "tensorboard" o "trackio"
MAX_LENGTH = 256  # tokens por ejemplo
N_EVAL = 40  # ejemplos reservados para la perplejidad; 0: todos
N_SAMPLES = 8  # contextos reservados para comparar respuestas y estilo
PREDEFINED_PROMPTS = ["Hola, ¿qué tal estás?", "¿Qué planes tienes para el fin de semana?", "¿Te gusta la inteligencia artificial?"]  # mensajes fijos
MAX_NEW_TOKENS = 40  # longitud de cada respuesta generada
REPETITION_PENALTY = 1.1  # penaliza repetir tokens; más de ~1.2 empuja a Gemma 270M a tokens raros

# %%
import time
from datetime import timedelta

import matplotlib.pyplot as plt
import pandas as pd

from helpers.notebook_runner import private_parameters
from helpers.persona.chat_data import SEPARATOR, as_chat_example, chat_examples, own_turn, split_reply, style_stats, time_split
from helpers.persona.personas_demo import FILE_NAME as DEMO_FILE
from helpers.persona.privacy import anonymise
from helpers.persona.sources import chat_paths, read_chats, resolve_author, save_upload
from helpers.env import set_up
from helpers.generation import generate
from helpers.io import atomic_write_json, save_figure
from helpers.metrics import save_metrics
from helpers.models import load_for_finetuning
from helpers.paths import data_dir
from helpers.registry import model_for
from helpers.tracking import tracking_fields
from helpers.training import completion_perplexity, lora_config, loss_figure, sft_config, train_lora
from helpers.persona.whatsapp import authors, parse_export

NOTEBOOK = "02_whatsapp_persona_chatbot"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR)
tracking_fields(REPORT_TO, ctx.output_dir / "trainer")  # a tracker that cannot run fails now, not before training
# A private chat's path and author can come from the environment, never written into this notebook.
CHAT_FILE = private_parameters().get("CHAT_FILE", CHAT_FILE)
AUTHOR = private_parameters().get("AUTHOR", AUTHOR)
uploaded = None

# %% [markdown]
# ## La exportación
# En Jupyter (`INTERACTIVE = True`) puedes subir el `.txt` (Android) o el `.zip` (iOS) y elegir la
# persona; sin interfaz, `CHAT_FILE` y `AUTHOR` lo dicen.

# %%
if INTERACTIVE:
    import ipywidgets as widgets
    from IPython.display import display

    upload = widgets.FileUpload(accept=".txt,.zip", multiple=False, description="Exportación")
    chooser = widgets.Dropdown(description="Persona")

    def _on_upload(change):
        global uploaded
        item = upload.value[0]
        uploaded = save_upload(item["name"], bytes(item["content"]))  # data/private/, named by content
        # The names stay off the screen (and off the saved widget state): choose by position.
        people = authors(parse_export(uploaded))
        chooser.options = [f"Persona {n}" for n in range(1, len(people) + 1)]

    upload.observe(_on_upload, names="value")
    display(upload, chooser)
    print("Sube el archivo, elige la persona y ejecuta la celda siguiente.")

# %%
if INTERACTIVE and "chooser" in globals() and chooser.value:
    AUTHOR = chooser.value
private = bool(CHAT_FILE) or uploaded is not None  # an uploaded chat is private too
show_text = SHOW_PRIVATE_TEXT or not private
paths = [uploaded] if uploaded else chat_paths(CHAT_FILE) if CHAT_FILE else [data_dir() / "whatsapp-personas" / DEMO_FILE]
chats = read_chats(paths, private)
messages = [m for chat in chats for m in chat]
AUTHOR = resolve_author(messages, AUTHOR, private)
kinds = pd.Series([m.kind for m in messages]).value_counts().to_dict()
print(f"{len(chats)} chat(s), {len(messages)} líneas de mensaje; por tipo: {kinds}")

# %% [markdown]
# ## Anonimizar, limpiar y agrupar
# Con un chat propio, cada persona pasa a «Persona N» en los autores y dentro de los textos (cada
# parte del nombre, en mayúsculas o minúsculas, con o sin tildes), y teléfonos, correos, IBAN y
# tarjetas a `[teléfono]`, `[correo]`, `[IBAN]`, `[tarjeta]`. El chat de demostración es sintético
# y conserva «Ana» y «Luis». Se quitan los mensajes multimedia, de sistema y borrados
# (contados). Los mensajes seguidos de una persona se unen en un turno con el separador
# `<SEP>`: así el modelo aprende a «mandar» varios mensajes cortos seguidos.

# %%
if private:
    anonymous, _pseudonyms = anonymise(messages)  # the mapping stays in memory only
    AUTHOR = _pseudonyms[AUTHOR]
    sizes = [len(chat) for chat in chats]
    chats = [anonymous[sum(sizes[:i]):sum(sizes[:i + 1])] for i in range(len(chats))]
    messages = anonymous
people = authors(messages)
PARTNER = next((p for p in people if p != AUTHOR), "Persona")  # the other speaker's label, in training and chat
print(f"{len(people)} personas: {', '.join(people)}; el modelo aprende a escribir como {AUTHOR}")
examples, n_turns, dropped = chat_examples(chats, AUTHOR, timedelta(minutes=GROUP_GAP_MINUTES),
                                           timedelta(hours=SESSION_GAP_HOURS), MAX_CONTEXT_TURNS)
train_examples, test_examples = time_split(examples, TEST_SHARE)
print(f"Quitados: {dropped}; {n_turns} turnos")
print(f"{len(examples)} ejemplos de {AUTHOR}: {len(train_examples)} para entrenar, {len(test_examples)} "
      f"reservados (desde {test_examples[0]['time'][:10]})")
if show_text:
    print("\nEjemplo:\n" + train_examples[min(3, len(train_examples) - 1)]["context"]
          + f"\n→ {AUTHOR}: " + train_examples[min(3, len(train_examples) - 1)]["reply"])

# %% [markdown]
# ## El modelo base
# Perfil local: Gemma 3 270M base, que no sabe chatear hasta que LoRA le enseña el formato.
# Perfil gpu: `DeepESP/gpt2-spanish` (o `HuggingFaceTB/SmolLM3-3B`, `microsoft/Phi-3-mini-4k-instruct`
# con `GENERATOR_ROLE`).

# %%
generator = model_for(NOTEBOOK, GENERATOR_ROLE, PROFILE)
model, tokenizer = load_for_finetuning(generator, PROFILE, MAX_LENGTH)  # unsloth en GPU (perfil gpu)
train_rows = [as_chat_example(e, AUTHOR) for e in train_examples]
test_rows = [as_chat_example(e, AUTHOR) for e in test_examples]
eval_rows = test_rows[: N_EVAL or None]
sample_rows = test_rows[:N_SAMPLES]
prompt_rows = [as_chat_example({"context": f"{PARTNER}: {p}", "reply": ""}, AUTHOR) for p in PREDEFINED_PROMPTS]


def replies(current_model) -> list[str]:
    """Greedy replies to the held-out contexts and the predefined prompts, cut to the persona's turn."""
    prompts = [r["prompt"] for r in sample_rows + prompt_rows]
    output = generate(current_model, tokenizer, prompts, max_new_tokens=MAX_NEW_TOKENS, batch_size=4,
                      repetition_penalty=REPETITION_PENALTY)
    return [own_turn(text) for text in output.texts]


start = time.perf_counter()
base_perplexity = completion_perplexity(model, tokenizer, eval_rows, MAX_LENGTH)
base_replies = replies(model)
print(f"Perplejidad del modelo base en {len(eval_rows)} respuestas reservadas: {base_perplexity:.1f} "
      f"({time.perf_counter() - start:.0f} s con la generación)")

# %% [markdown]
# ## Ajuste con LoRA (trl)
# La pérdida cae solo sobre la respuesta de la persona, no sobre el contexto. En GPU se entrena en
# bf16; en CPU, en float32. La curva se guarda en `loss.png`.
#
# **Seguimiento (opcional).** `REPORT_TO = "wandb"` registra el entrenamiento en tu proyecto de
# Weights & Biases (`WANDB_PROJECT`, por defecto `llm-studies`); la clave sale de `WANDB_API_KEY`, de
# `wandb login` o del secreto de Colab `WANDB_API_KEY`, nunca de una celda. Sin red,
# `WANDB_MODE=offline` guarda en `<resultados>/trainer/wandb/` y `wandb sync <resultados>/trainer/wandb/offline-run-*`
# lo sube después. También `"tensorboard"` (`<resultados>/trainer/runs/`) y `"trackio"` (local).
# Con un chat propio, W&B recibe cifras y ajustes, no el texto del chat (no actives
# `WANDB_LOG_MODEL`: subiría el adaptador, que ha aprendido de ese texto).
# Los paquetes: `pip install -r requirements-tracking.txt`.

# %%
config = sft_config(ctx.output_dir / "trainer", MAX_STEPS, BATCH_SIZE, GRAD_ACCUM, LEARNING_RATE,
                    MAX_LENGTH, SEED, report_to=REPORT_TO, run_name=NOTEBOOK)
start = time.perf_counter()
tuned, history = train_lora(model, tokenizer, train_rows, config, lora_config(model, r=LORA_R, alpha=2 * LORA_R))
train_seconds = time.perf_counter() - start
tuned.save_pretrained(ctx.output_dir / "adapter")
print(f"{MAX_STEPS} pasos en {train_seconds:.0f} s; pérdida {history[0]['loss']:.2f} → {history[-1]['loss']:.2f}")

save_figure(loss_figure(history, ylabel="pérdida (respuestas)"), ctx.output_dir / "loss.png")
plt.show()

# %% [markdown]
# ## Base frente a ajustado

# %%
tuned_perplexity = completion_perplexity(tuned, tokenizer, eval_rows, MAX_LENGTH)
tuned_replies = replies(tuned)
print(f"Perplejidad: base {base_perplexity:.1f} → ajustado {tuned_perplexity:.1f}")
if show_text:
    contexts = [r["prompt"][0]["content"].split("\n\n", 1)[1][-120:] for r in sample_rows] + PREDEFINED_PROMPTS
    real = [e["reply"] for e in test_examples[:N_SAMPLES]] + ["—"] * len(PREDEFINED_PROMPTS)
    display_table = pd.DataFrame({"contexto": contexts, "real": real, "base": base_replies, "ajustado": tuned_replies})
else:
    display_table = pd.DataFrame({"respuestas generadas": [len(base_replies)], "texto": ["oculto (chat privado)"]})
display_table

# %% [markdown]
# ## Estilo: lo que la perplejidad no cuenta
# Longitud de los mensajes, mensajes por turno, emojis, minúsculas, preguntas y variedad léxica
# (distinct-1/2) de las respuestas reales reservadas frente a las generadas.

# %%
real_turns = [e["reply"] for e in test_examples[:N_SAMPLES]]
style = pd.DataFrame({"real": style_stats(real_turns), "base": style_stats(base_replies[:N_SAMPLES]),
                      "ajustado": style_stats(tuned_replies[:N_SAMPLES])})
fig, ax = plt.subplots(figsize=(9, 3.5))
(style / style.max(axis=1).replace(0, 1).values[:, None]).plot.bar(ax=ax)
ax.set_title("Estilo relativo (cada fila dividida por su máximo)")
ax.tick_params(axis="x", rotation=25)
fig.tight_layout()
save_figure(fig, ctx.output_dir / "style.png")
plt.show()
style.round(3)

# %% [markdown]
# ## Chatear con el modelo ajustado
# La respuesta se corta donde el modelo empieza a escribir por la otra persona («Luis: ...») y se
# parte por el separador en varios mensajes, como los mandaría la persona.

# %%
def chat(message: str, conversation: list[str]) -> list[str]:
    """The fine-tuned persona's reply to a message, as separate messages."""
    context = "\n".join(conversation[-MAX_CONTEXT_TURNS:] + [f"{PARTNER}: {message}"])
    row = as_chat_example({"context": context, "reply": ""}, AUTHOR)
    reply = own_turn(generate(tuned, tokenizer, [row["prompt"]], max_new_tokens=MAX_NEW_TOKENS, temperature=0.7,
                              top_p=0.9, repetition_penalty=REPETITION_PENALTY, progress=False).texts[0])
    conversation += [f"{PARTNER}: {message}", f"{AUTHOR}: {reply}"]
    return split_reply(reply)


conversation: list[str] = []
if INTERACTIVE:
    while (text := input("Tú (vacío para salir): ").strip()):
        for part in chat(text, conversation):
            print(f"{AUTHOR}: {part}")
else:
    demo_reply = chat(PREDEFINED_PROMPTS[0], conversation)
    if show_text:
        print(f"{PARTNER} (tú): {PREDEFINED_PROMPTS[0]}\n" + "\n".join(f"{AUTHOR}: {part}" for part in demo_reply))
    else:
        print(f"Respuesta de {len(demo_reply)} mensaje(s), oculta: chat privado")

# %%
atomic_write_json(ctx.output_dir / "style.json", style.to_dict())
metrics = {
    "profile": PROFILE,
    "generator": generator,
    "private_chat": private,
    "chats": len(chats),
    "people": len(people),
    "messages": len(messages),
    "dropped": dropped,
    "turns": n_turns,
    "train_examples": len(train_examples),
    "test_examples": len(test_examples),
    "separator": SEPARATOR.strip(),
    "max_steps": MAX_STEPS,
    "train_seconds": train_seconds,
    "loss_first": history[0]["loss"],
    "loss_last": history[-1]["loss"],
    "perplexity_base": base_perplexity,
    "perplexity_tuned": tuned_perplexity,
    "style": style.to_dict(),
}
print(save_metrics(metrics, ctx.output_dir))
