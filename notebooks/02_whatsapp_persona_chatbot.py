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
# [![Abrir en Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-studies/llm-studies/blob/main/notebooks/02_whatsapp_persona_chatbot.ipynb)
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
PRECISION = "auto"  # CPU: "auto" es bf16 donde la CPU lo ejecuta en hardware (AVX512-BF16 o AMX) y float32 en otra; o "float32" / "bfloat16"
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/02_whatsapp_persona_chatbot/
CHAT_FILE = ""  # tu exportación (.txt o .zip de iOS) en data/private/; vacío: el chat de demostración
AUTHOR = "Ana"  # la persona con la que chateas (o "Persona N"); la otra que más escribe tiene su propio adaptador
PERSONS = "ambas"  # "ambas": un adaptador por persona (matriz cruzada y efecto persona); "AUTHOR": solo el de AUTHOR
COMPARE_GENERATORS = False  # perfil gpu: True compara los tres modelos del original (GPT-2 es, SmolLM3, Phi-3-mini)
INTERACTIVE = False  # True en Jupyter: subir el chat con un widget y chatear escribiendo
SHOW_PRIVATE_TEXT = False  # con un chat propio, mostrar ejemplos de su texto en el cuaderno
GENERATOR_ROLE = "generator"  # papel del registro; en gpu también "generator_alt", "generator_alt2"
GROUP_GAP_MINUTES = 5  # mensajes seguidos de una persona con menos de este hueco forman un turno
SESSION_GAP_HOURS = 2  # un hueco mayor empieza otra conversación (otro contexto)
MAX_CONTEXT_TURNS = 6  # turnos anteriores que ve el modelo
TEST_SHARE = 0.2  # la última parte del chat (en el tiempo) se reserva para evaluar
MAX_STEPS = 40  # pasos de entrenamiento LoRA (de cada adaptador)
BATCH_SIZE = 2  # ejemplos por paso y dispositivo (el original: 4)
GRAD_ACCUM = 2  # acumulación de gradiente (el original: 8); 40 pasos de 4: unos 80 s por adaptador en 2 núcleos con bf16
LEARNING_RATE = 1e-3  # tasa de aprendizaje, programa coseno (alta: 40 pasos cortos en CPU)
LORA_R = 8  # rango de LoRA
REPORT_TO = "none"  # seguimiento del entrenamiento: "none", "wandb", "tensorboard" o "trackio"
MAX_LENGTH = 256  # tokens por ejemplo
N_EVAL = 40  # respuestas reservadas por persona para la perplejidad; 0: todas
N_SAMPLES = 16  # contextos reservados por persona para generar (atribución y estilo)
PREDEFINED_PROMPTS = ["Hola, ¿qué tal estás?", "¿Qué planes tienes para el fin de semana?", "¿Te gusta la inteligencia artificial?"]  # mensajes fijos
MAX_NEW_TOKENS = 40  # longitud de cada respuesta generada
REPETITION_PENALTY = 1.1  # penaliza repetir tokens; más de ~1.2 empuja a Gemma 270M a tokens raros

# %%
import json
import time
from datetime import timedelta

import matplotlib.pyplot as plt
import pandas as pd

from helpers.notebook_runner import papermill_injected, private_parameters
from helpers.persona.attribution import STYLE_LABELS, attributed_share, fit_attributor, style_table
from helpers.persona.chat_data import SEPARATOR, chat_examples, split_reply, time_split
from helpers.persona.compare import compare_generators
from helpers.persona.evaluation import as_example, generate_replies, is_plain, perplexity_cell, persona_effect, reply_nll
from helpers.persona.personas_demo import FILE_NAME as DEMO_FILE
from helpers.persona.privacy import anonymise
from helpers.persona.sources import chat_paths, read_chats, resolve_author, save_upload
from helpers.env import set_up
from helpers.io import atomic_dir, atomic_write_json, save_figure
from helpers.metrics import save_metrics
from helpers.gpu_plan import release
from helpers.models import free_memory, load_causal_lm, load_for_finetuning
from helpers.paths import data_dir
from helpers.registry import model_for
from helpers.tracking import tracking_fields
from helpers.training import (lora_config, save_adapter, saved_adapter, saved_loss_history, saved_training_seconds,
                              sft_config, train_lora)
from helpers.persona.whatsapp import authors, parse_export

NOTEBOOK = "02_whatsapp_persona_chatbot"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR, PRECISION)
tracking_fields(REPORT_TO, ctx.output_dir / "trainer")  # a tracker that cannot run fails now, not before training
# A private chat's path and author can come from the environment, never written into this notebook.
CHAT_FILE = private_parameters().get("CHAT_FILE", CHAT_FILE)
AUTHOR = private_parameters().get("AUTHOR", AUTHOR)
written = papermill_injected(("CHAT_FILE", "AUTHOR"), globals().get("In"))
if written:
    print(f"Aviso: {' y '.join(written)} llegó con «papermill -p» y quedó escrito en la celda «Parameters» del "
          "cuaderno ejecutado. Para que no quede rastro, ejecútalo con `python -m helpers.notebook_runner` o "
          "run_notebook (los pasan por el entorno) o pon LLM_STUDIES_PRIVATE_PARAMETERS.")
if PERSONS not in ("ambas", "AUTHOR"):
    raise ValueError(f"PERSONS debe ser 'ambas' o 'AUTHOR', no {PERSONS!r}")
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
# The second persona: whoever else writes most (the only other one in a two-person chat).
PARTNER = pd.Series([m.author for m in messages if m.kind == "text" and m.author != AUTHOR]).value_counts().index[0]
people_studied = [AUTHOR, PARTNER]
trained = people_studied if PERSONS == "ambas" else [AUTHOR]
print(f"{len(people)} personas: {', '.join(people)}; adaptadores de: {', '.join(trained)}")
split = {}
for person in people_studied:
    person_examples, n_turns, dropped = chat_examples(chats, person, timedelta(minutes=GROUP_GAP_MINUTES),
                                                      timedelta(hours=SESSION_GAP_HOURS), MAX_CONTEXT_TURNS)
    split[person] = time_split(person_examples, TEST_SHARE)
    print(f"{person}: {len(split[person][0])} ejemplos para entrenar, {len(split[person][1])} reservados "
          f"(desde {split[person][1][0]['time'][:10]})")
print(f"Quitados: {dropped}; {n_turns} turnos")
train_examples, test_examples = split[AUTHOR]
if show_text:
    shown = train_examples[min(3, len(train_examples) - 1)]
    print("\nEjemplo:\n" + shown["context"] + f"\n→ {AUTHOR}: " + shown["reply"])

# %% [markdown]
# ## El modelo base y el formato
# Perfil local: Gemma 3 270M base, que no sabe chatear hasta que LoRA le enseña el formato.
# Perfil gpu: `DeepESP/gpt2-spanish` (o `HuggingFaceTB/SmolLM3-3B` con el modo de pensar apagado,
# `microsoft/Phi-3-mini-4k-instruct` con `GENERATOR_ROLE`). Un modelo sin plantilla de chat (GPT-2)
# recibe la conversación tal cual, «Nombre: texto», y la respuesta termina con su marca de fin de
# texto: el mismo formato al entrenar, al evaluar y al chatear.
#
# **Perplejidad.** Es la sorpresa media del modelo ante cada palabra (token) de la respuesta real:
# `exp` de la media de −log p(token | lo anterior). Una perplejidad de 20 equivale a dudar, en cada
# token, entre unas 20 opciones igual de probables; cuanto más baja, mejor predice el modelo ese
# texto. Aquí se mide solo sobre la respuesta, dado el contexto; como casi todo lo que baja al
# ajustar es aprender el formato del chat, la comparación que dice algo de la *persona* es la de
# dos adaptadores entrenados igual: el de la persona frente al de la otra, en las mismas respuestas.

# %%
generator = model_for(NOTEBOOK, GENERATOR_ROLE, PROFILE)
model, tokenizer = load_for_finetuning(generator, PROFILE, MAX_LENGTH)  # unsloth en GPU (perfil gpu)
rows = {p: {"train": [as_example(e, p, tokenizer) for e in split[p][0]],
            "eval": [as_example(e, p, tokenizer) for e in split[p][1][: N_EVAL or None]],
            "samples": [as_example(e, p, tokenizer) for e in split[p][1][:N_SAMPLES]]} for p in people_studied}
print(f"Formato: {'texto plano «Nombre: texto»' if is_plain(tokenizer) else 'plantilla de chat del modelo'}")
start = time.perf_counter()
nll = {("base", p): reply_nll(model, tokenizer, rows[p]["eval"], MAX_LENGTH) for p in people_studied}
generated = {("base", p): generate_replies(model, tokenizer, rows[p]["samples"], MAX_NEW_TOKENS, REPETITION_PENALTY)
             for p in people_studied}
print(f"Modelo base evaluado en {time.perf_counter() - start:.0f} s")

# %% [markdown]
# ## Un adaptador LoRA por persona (trl)
# Dos adaptadores con el **mismo presupuesto**: `MAX_STEPS` pasos de `BATCH_SIZE × GRAD_ACCUM`
# ejemplos, la misma tasa de aprendizaje, rango y semilla; cada uno ve solo las respuestas de su
# persona (y sus contextos). La pérdida cae solo sobre la respuesta. La precisión la decide
# `helpers/precision.py` (en GPU, bf16 desde la capacidad 8.0; en una T4, fp32 o 4 bits salvo GPT-2);
# con unsloth se entrena en un proceso aparte y el adaptador vuelve a un modelo de transformers para
# evaluar y chatear. Las curvas se guardan en `loss.png`.
#
# **Seguimiento (opcional).** `REPORT_TO = "wandb"` registra el entrenamiento en tu proyecto de
# Weights & Biases (`WANDB_PROJECT`, por defecto `llm-studies`); la clave sale de `WANDB_API_KEY`, de
# `wandb login` o del secreto de Colab `WANDB_API_KEY`, nunca de una celda. Sin red,
# `WANDB_MODE=offline` guarda en `<resultados>/trainer_1/wandb/` y `wandb sync` lo sube después.
# También `"tensorboard"` y `"trackio"` (local). Con un chat propio, W&B recibe cifras y ajustes, no
# el texto del chat (no actives `WANDB_LOG_MODEL`: subiría el adaptador, que ha aprendido de ese texto).
# wandb viene con `make setup`; tensorboard y trackio: `pip install -r requirements-tracking.txt`.

# %%
tuned, history, train_seconds = {}, {}, {}
# Every setting that shapes an adapter, and its training rows' content, key it: the same key reuses the
# saved adapter (seconds instead of minutes), another one trains anew. No private text is in the key.
adapter_settings = {"generator": generator, "steps": MAX_STEPS, "batch": [BATCH_SIZE, GRAD_ACCUM], "lr": LEARNING_RATE,
                    "lora_r": LORA_R, "max_length": MAX_LENGTH, "seed": SEED, "precision": ctx.precision,
                    "grouping": [GROUP_GAP_MINUTES, SESSION_GAP_HOURS, MAX_CONTEXT_TURNS, TEST_SHARE]}
for index, person in enumerate(trained, start=1):
    if index > 1:  # a fresh base: LoRA is injected into the model it trains
        # The previous adapter's scores and replies are taken; it is released (helpers.gpu_plan.release)
        # before the next base loads: two copies of a 3-4B model do not fit a T4. The chat reloads from disk.
        release(tuned[trained[index - 2]])
        model, tokenizer = load_for_finetuning(generator, PROFILE, MAX_LENGTH)
    adapter_dir, data = ctx.output_dir / f"adapter_{index}", json.dumps(rows[person]["train"]).encode()
    tuned[person] = saved_adapter(model, adapter_dir, adapter_settings, data)
    if tuned[person] is not None:
        history[person], train_seconds[person] = saved_loss_history(adapter_dir), saved_training_seconds(adapter_dir)
        print(f"Adaptador de {person}: el guardado en {adapter_dir.name}/ tiene estos mismos ajustes y datos: se reutiliza")
    else:
        config = sft_config(ctx.output_dir / f"trainer_{index}", MAX_STEPS, BATCH_SIZE, GRAD_ACCUM, LEARNING_RATE,
                            MAX_LENGTH, SEED, report_to=REPORT_TO, run_name=f"{NOTEBOOK}-{index}")
        start = time.perf_counter()
        tuned[person], history[person] = train_lora(model, tokenizer, rows[person]["train"], config,
                                                    lora_config(model, r=LORA_R, alpha=2 * LORA_R))
        train_seconds[person] = time.perf_counter() - start
        save_adapter(tuned[person], adapter_dir, adapter_settings, data, history=history[person],
                     seconds=train_seconds[person], tokenizer=tokenizer)
        print(f"Adaptador de {person}: {MAX_STEPS} pasos en {train_seconds[person]:.0f} s; pérdida "
              f"{history[person][0]['loss']:.2f} → {history[person][-1]['loss']:.2f}")
    for other in people_studied:
        nll[(person, other)] = reply_nll(tuned[person], tokenizer, rows[other]["eval"], MAX_LENGTH)
    generated[(person, person)] = generate_replies(tuned[person], tokenizer, rows[person]["samples"],
                                                   MAX_NEW_TOKENS, REPETITION_PENALTY)

fig, ax = plt.subplots(figsize=(7, 3.5))
for person in trained:
    ax.plot([h["step"] for h in history[person]], [h["loss"] for h in history[person]], label=f"adaptador de {person}")
ax.set(xlabel="paso", ylabel="pérdida (respuestas)", title="Entrenamiento LoRA, mismo presupuesto")
ax.legend()
save_figure(fig, ctx.output_dir / "loss.png")
plt.show()

# %% [markdown]
# ## La matriz cruzada de perplejidad
# Filas: el modelo base y cada adaptador; columnas: las respuestas reservadas de cada persona
# (las últimas en el tiempo). Entre corchetes, el intervalo bootstrap al 95 % sobre las respuestas.
# El **efecto persona** compara, en las mismas respuestas, el adaptador de la otra persona con el de
# la propia: diferencia de log-perplejidad por respuesta (emparejada) y su intervalo; si excluye el 0,
# el adaptador propio predice mejor a *su* persona, más allá del formato que ambos aprendieron.

# %%
model_names = {"base": "base", **{p: f"adaptador de {p}" for p in trained}}
matrix = {model_names[m]: {f"respuestas de {p}": perplexity_cell(*nll[(m, p)], SEED) for p in people_studied}
          for m in ["base", *trained]}
# The persona effect needs both adapters (PERSONS = "ambas"): the other's against the person's own.
effects = {p: persona_effect(nll[(p, p)][0], nll[(q, p)][0], nll[(p, p)][1], SEED)
           for p, q in [people_studied, people_studied[::-1]] if p in trained and q in trained}
if not effects:
    print("Efecto persona: necesita los dos adaptadores (PERSONS = 'ambas'); con uno solo, no se calcula")
pd.DataFrame({row: {col: f"{v[0]:.1f} [{v[1]:.1f}, {v[2]:.1f}]" for col, v in cells.items()}
              for row, cells in matrix.items()}).T

# %%
pd.DataFrame({f"respuestas de {p}": {"ajeno − propio (NLL por token)": f"{e['mean']:+.3f} [{e['low']:+.3f}, {e['high']:+.3f}]",
                                     "cociente de perplejidad": f"{e['perplexity_ratio']:.2f}",
                                     "separado de 0": "sí" if e["separated"] else "no", "respuestas": e["n"]}
              for p, e in effects.items()})

# %% [markdown]
# ## ¿Quién lo escribió? Atribución de estilo
# Un clasificador pequeño (n-gramas de caracteres + regresión logística, scikit-learn) aprende a
# distinguir a las dos personas con sus mensajes **de entrenamiento** reales. Después puntúa las
# respuestas reservadas reales (su techo: lo bien que distingue a las personas de verdad), las del
# modelo base y las de cada adaptador en los contextos de su persona: la fracción atribuida a la
# persona buscada, con su intervalo exacto (binomial de Clopper-Pearson: con 16 de 16 es [0,79, 1], no el
# [1, 1] de un bootstrap). El azar está en 0,5. El estilo (longitud, mensajes por turno,
# preguntas, emojis, minúsculas, distinct-n con la misma longitud) se mide en **todas** las
# respuestas reservadas reales y en todas las generadas.

# %%
attributor = fit_attributor([e["reply"] for e in split[AUTHOR][0]], [e["reply"] for e in split[PARTNER][0]], SEED)
real = {p: [e["reply"] for e in split[p][1]] for p in people_studied}
attribution = {}
for person in trained:
    to_a = person == AUTHOR
    attribution[person] = {"real (techo)": attributed_share(attributor, real[person], to_a),
                           "base": attributed_share(attributor, generated[("base", person)], to_a),
                           "adaptador propio": attributed_share(attributor, generated[(person, person)], to_a)}
pd.DataFrame({f"atribuidas a {p}": {k: f"{v[0]:.2f} [{v[1]:.2f}, {v[2]:.2f}]" for k, v in cells.items()}
              for p, cells in attribution.items()})

# %%
style = pd.DataFrame(style_table({f"{kind} · {p}": texts for p in people_studied for kind, texts in
                                  [("real", real[p]), ("base", generated[("base", p)])]
                                  + ([("adaptador", generated[(p, p)])] if p in trained else [])}, SEED))
fig, ax = plt.subplots(figsize=(10, 4))
(style / style.max(axis=1).replace(0, 1).values[:, None]).plot.bar(ax=ax)
ax.set_title("Estilo relativo (cada fila dividida por su máximo)")
ax.tick_params(axis="x", rotation=25)
ax.legend(fontsize=7, ncol=2)
fig.tight_layout()
save_figure(fig, ctx.output_dir / "style.png")
plt.show()
style.round(3).rename(index=STYLE_LABELS)

# %%
if show_text:
    samples = split[AUTHOR][1][:N_SAMPLES]
    display_table = pd.DataFrame({"contexto": [e["context"][-120:] for e in samples], "real": [e["reply"] for e in samples],
                                  "base": generated[("base", AUTHOR)], "ajustado": generated[(AUTHOR, AUTHOR)]})
else:
    display_table = pd.DataFrame({"respuestas generadas": [sum(map(len, generated.values()))],
                                  "texto": ["oculto (chat privado)"]})
display_table

# %% [markdown]
# ## Guardar el modelo ajustado y volver a cargarlo
# El original guarda el modelo ajustado y chatea con él. El adaptador de `AUTHOR` ya está en
# `adapter_1/` con su tokenizador: solo las matrices de LoRA, unos MB. Además guardamos una copia
# **fusionada** en `merged_1/`: el modelo base con el adaptador sumado a sus pesos, que se carga sin
# peft como cualquier modelo (en CPU, en float32, donde sumar el adaptador a los pesos es exacto). Las
# dos se vuelven a cargar desde disco y se comprueba que puntúan las respuestas reservadas como el
# modelo en memoria (el adaptador) y como el adaptador antes de fusionarlo (la copia fusionada). El chat de abajo usa
# el adaptador recargado. Antes se liberan los modelos entrenados: en una GPU de 15 GB no caben
# varias copias de un modelo de 3-4B.

# %%
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

adapter_dir, merged_dir = ctx.output_dir / "adapter_1", ctx.output_dir / "merged_1"
del model, tuned
free_memory()
check_rows = rows[AUTHOR]["eval"][:3]
base_again, _ = load_causal_lm(generator)
reloaded = PeftModel.from_pretrained(base_again, str(adapter_dir)).eval()
reloaded_tokenizer = AutoTokenizer.from_pretrained(adapter_dir)
reload_check = {"adapter_max_nll_difference": float(abs(
    reply_nll(reloaded, reloaded_tokenizer, check_rows, MAX_LENGTH)[0] - nll[(AUTHOR, AUTHOR)][0][:3]).max())}
if getattr(base_again, "hf_quantizer", None) is None:  # a 4-bit base cannot be merged without losing the adapter
    # On the CPU the merge is done in float32, where adding LoRA's product to the weights is exact; a
    # bf16 merge would round every weight. On a GPU it stays in the model's own dtype (memory).
    merge_source = PeftModel.from_pretrained(
        load_causal_lm(generator, dtype=torch.float32 if ctx.device.kind == "cpu" else None)[0], str(adapter_dir)).eval()
    before = reply_nll(merge_source, reloaded_tokenizer, check_rows, MAX_LENGTH)[0]
    with atomic_dir(merged_dir) as staged:
        merge_source.merge_and_unload().save_pretrained(staged)
        reloaded_tokenizer.save_pretrained(staged)
    del merge_source
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype="auto").eval()
    reload_check["merged_max_nll_difference"] = float(abs(
        reply_nll(merged, reloaded_tokenizer, check_rows, MAX_LENGTH)[0] - before).max())
    del merged
    free_memory()
print(f"Recargado desde {adapter_dir.name}/ (adaptador + tokenizador) y {merged_dir.name}/ (fusionado): diferencia "
      f"máxima de NLL por token en {len(check_rows)} respuestas: {reload_check}")
assert reload_check["adapter_max_nll_difference"] < 1e-3, "el adaptador recargado no puntúa como el entrenado"
assert reload_check.get("merged_max_nll_difference", 0) < 1e-3, "la copia fusionada no puntúa como el adaptador"
chat_model = {"model": reloaded, "tokenizer": reloaded_tokenizer}  # the chat below talks to the reloaded adapter

# %% [markdown]
# ## Chatear con el modelo ajustado
# Tú escribes como la otra persona (con la misma etiqueta que en el entrenamiento); la respuesta se
# corta donde el modelo empieza a escribir por otra persona y se parte por el separador en varios
# mensajes, como los mandaría la persona.

# %%
def chat(message: str, conversation: list[str]) -> list[str]:
    """The fine-tuned persona's reply to a message, as separate messages."""
    context = "\n".join(conversation[-MAX_CONTEXT_TURNS:] + [f"{PARTNER}: {message}"])
    row = as_example({"context": context, "reply": ""}, AUTHOR, chat_model["tokenizer"])
    reply = generate_replies(chat_model["model"], chat_model["tokenizer"], [row], MAX_NEW_TOKENS, REPETITION_PENALTY,
                             temperature=0.7)[0]
    conversation += [f"{PARTNER}: {message}", f"{AUTHOR}: {reply}"]
    return split_reply(reply)


conversation: list[str] = []
if INTERACTIVE:
    while (text := input("Tú (vacío para salir): ").strip()):
        for part in chat(text, conversation):
            print(f"{AUTHOR}: {part}")
else:
    for prompt in PREDEFINED_PROMPTS:
        demo_reply = chat(prompt, conversation)
        if show_text:
            print(f"{PARTNER} (tú): {prompt}\n" + "\n".join(f"{AUTHOR}: {part}" for part in demo_reply))
        else:
            print(f"Respuesta de {len(demo_reply)} mensaje(s), oculta: chat privado")

# %% [markdown]
# ## Los tres modelos del original (perfil gpu, `COMPARE_GENERATORS = True`)
# El original compara GPT-2 en español, SmolLM3-3B y Phi-3-mini. Cada uno se ajusta a `AUTHOR` con
# el mismo presupuesto de arriba y se mide en sus respuestas reservadas: perplejidad por token del
# modelo base y del ajustado (con intervalo) y la parte de sus respuestas que el clasificador de
# estilo atribuye a `AUTHOR`. Cada modelo se libera antes de cargar el siguiente.

# %%
comparison = None
if COMPARE_GENERATORS and PROFILE == "gpu":
    chat_model.clear()  # the chat's model goes first: the three others load one at a time
    del reloaded, base_again
    free_memory()
    compared = [model_for(NOTEBOOK, role, PROFILE) for role in ("generator", "generator_alt", "generator_alt2")]
    comparison = compare_generators(compared, split, AUTHOR, attributor, True, {
        "profile": PROFILE, "max_steps": MAX_STEPS, "batch_size": BATCH_SIZE, "grad_accum": GRAD_ACCUM,
        "learning_rate": LEARNING_RATE, "lora_r": LORA_R, "max_length": MAX_LENGTH, "max_new_tokens": MAX_NEW_TOKENS,
        "repetition_penalty": REPETITION_PENALTY, "n_eval": N_EVAL, "n_samples": N_SAMPLES,
        "output_dir": ctx.output_dir}, SEED)
    display(pd.DataFrame({name: {"perplejidad base": f"{r['base'][0]:.1f} [{r['base'][1]:.1f}, {r['base'][2]:.1f}]",
                                 "perplejidad ajustado": f"{r['tuned'][0]:.1f} [{r['tuned'][1]:.1f}, {r['tuned'][2]:.1f}]",
                                 f"atribuidas a {AUTHOR}": f"{r['attributed'][0]:.2f} [{r['attributed'][1]:.2f}, "
                                                           f"{r['attributed'][2]:.2f}]"}
                          for name, r in comparison.items()}).T)
    comparison = {name: {k: list(v) for k, v in r.items()} for name, r in comparison.items()}
elif COMPARE_GENERATORS:
    print("La comparación de los tres modelos es del perfil gpu: en local solo hay un generador empaquetado")

# %%
atomic_write_json(ctx.output_dir / "style.json", style.to_dict())
roles = {AUTHOR: "persona_1", PARTNER: "persona_2"}  # metrics name no one
metrics = {
    "profile": PROFILE,
    "generator": generator,
    "plain_format": is_plain(tokenizer),
    "private_chat": private,
    "chats": len(chats),
    "people": len(people),
    "messages": len(messages),
    "dropped": dropped,
    "turns": n_turns,
    "train_examples": {roles[p]: len(split[p][0]) for p in people_studied},
    "test_examples": {roles[p]: len(split[p][1]) for p in people_studied},
    "eval_replies": {roles[p]: len(rows[p]["eval"]) for p in people_studied},
    "generated_replies": {roles[p]: len(rows[p]["samples"]) for p in people_studied},
    "separator": SEPARATOR.strip(),
    "budget": {"max_steps": MAX_STEPS, "batch_size": BATCH_SIZE, "grad_accum": GRAD_ACCUM, "lora_r": LORA_R,
               "learning_rate": LEARNING_RATE, "max_length": MAX_LENGTH},
    "persons_trained": [roles[p] for p in trained],
    "train_seconds": {roles[p]: train_seconds[p] for p in trained},
    "loss": {roles[p]: [history[p][0]["loss"], history[p][-1]["loss"]] for p in trained},
    "perplexity_definition": "exp of the NLL pooled over every scored reply token",
    "perplexity": {("base" if m == "base" else roles[m]): {roles[p]: list(perplexity_cell(*nll[(m, p)], SEED))
                                                         for p in people_studied} for m in ["base", *trained]},
    "reload": reload_check,
    "generator_comparison": comparison,
    "persona_effect": {roles[p]: e for p, e in effects.items()},
    "attribution": {roles[p]: {k: list(v) for k, v in cells.items()} for p, cells in attribution.items()},
    "attribution_chance": 0.5,
    "style": {k.replace(AUTHOR, "persona_1").replace(PARTNER, "persona_2"): v for k, v in style.to_dict().items()},
}
print(save_metrics(metrics, ctx.output_dir))
