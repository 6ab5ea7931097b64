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
# # 01 · Recomendador conversacional de películas con Gemma: zero-shot, few-shot y LoRA
#
# Reproducimos un estudio que recomienda películas a partir de la conversación de un usuario con
# un asistente (el original: Gemma-2B-it sobre los datos «Movie» de **LLM-REDIAL**): listas de 10
# películas en zero-shot con el historial del usuario, en few-shot con ejemplos de otros usuarios y
# tras un ajuste con LoRA; métricas Recall@k y NDCG@k con emparejamiento difuso de títulos, y un
# análisis de incertidumbre. Y vamos más allá: líneas base (popularidad y similitud entre
# películas), intervalos de confianza *bootstrap*, métricas con y sin las películas ya mencionadas
# y con y sin títulos fuera del catálogo, y concentración en películas populares.
#
# **Datos.** LLM-REDIAL se concede por correo para investigación y no se distribuye: si lo tienes,
# apunta `DATA_DIR` a la carpeta con `final_data.jsonl`, `Conversation.txt`, `user_ids.json` e
# `item_map.json`. El perfil local usa un conjunto **con el mismo formato construido en la
# instalación a partir de valoraciones reales** de MovieLens 100K (paquete `recbole`; términos de
# GroupLens) unidas al catálogo de `bokeh-sampledata` (géneros, director, reparto). El historial
# de cada usuario son sus valoraciones reales; **los diálogos están generados con plantillas** a
# partir de esas valoraciones: mencionan películas que el usuario puntuó alto (gustos) y bajo
# (disgustos), y el objetivo es una película que puntuó alto *más tarde* y que no se menciona.
#
# **Modelo.** Perfil local: Gemma 3 270M, un modelo **base** (no instruido): con instrucciones
# repite o divaga, así que zero-shot y few-shot usan *prompts de continuación* (el texto termina en
# «1.» y el modelo continúa la lista); tras LoRA, el modelo ajustado responde en formato chat.
# `MODEL_ROLE = "instruct"` cambia a Qwen2.5-Coder-0.5B-Instruct; el perfil gpu usa
# `google/gemma-2b-it`, como el original.

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

    prepare_colab("01_gemma_movie_recommender", "llm-studies")

# %% tags=["parameters"]
PROFILE = "local"  # "local": Gemma 3 270M empaquetado en CPU; "gpu": google/gemma-2b-it del Hub
SEED = 0  # semilla del reparto de usuarios, del muestreo y del entrenamiento
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/01_gemma_movie_recommender/
DATA_DIR = ""  # carpeta con los ficheros de LLM-REDIAL Movie; vacío: el conjunto local de MovieLens
MODEL_ROLE = "generator"  # "generator" (Gemma base) o "instruct" (Qwen instruido), papeles del registro
PROMPT_STYLE = "completion"  # "completion" (continuar una lista, para modelos base) o "chat"
MODE = "generate"  # "generate" (genera lo que falte y reanuda) o "load" (solo lee lo guardado)
N_TEST = 10  # diálogos de prueba muestreados con la semilla (en GPU, todos los de prueba: 93)
N_LISTS = 3  # listas por diálogo (temperatura TEMPERATURE)
N_RECS = 10  # películas por lista
TEMPERATURE = 0.7  # temperatura de muestreo de las listas
MAX_NEW_TOKENS = 120  # tokens por lista (10 títulos con año caben en ~110)
HISTORY_ITEMS = 20  # películas del historial que ve el modelo (las más recientes)
N_SHOT_USERS = 5  # usuarios de entrenamiento cuyos diálogos sirven de ejemplo few-shot
SHOT_HISTORY_ITEMS = 8  # películas del historial en cada ejemplo few-shot (acorta el prompt)
BATCH_DIALOGUES = 5  # diálogos por llamada de muestreo (cada uno con N_LISTS listas)
MAX_STEPS = 10  # pasos de LoRA (lote BATCH_SIZE x GRAD_ACCUM); en GPU, 100 o más
BATCH_SIZE = 4  # ejemplos por paso (el original: 4)
GRAD_ACCUM = 8  # acumulación de gradiente (el original: 8)
LEARNING_RATE = 2e-4  # tasa de aprendizaje de LoRA, programa coseno
LORA_R = 8  # rango de LoRA
REPORT_TO = "none"  # seguimiento del entrenamiento: "none", "wandb", "tensorboard" o "trackio"
MAX_LENGTH = 768  # tokens por ejemplo de entrenamiento
N_UNCERTAINTY = 5  # diálogos de prueba para el análisis de incertidumbre
BOOTSTRAP = 2000  # remuestreos para los intervalos del 95 %
MATCH_THRESHOLD = 80  # puntuación mínima de rapidfuzz para aceptar un título del catálogo

# %%
import random
import subprocess
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from tqdm.auto import tqdm

from helpers.env import set_up
from helpers.generation import generate, sample_lists
from helpers.io import atomic_write_csv, atomic_write_text, save_figure, save_session
from helpers.metrics import save_metrics
from helpers.models import free_memory, load_for_finetuning
from helpers.paths import data_dir
from helpers.recommender.recommend import (GenerationCache, ItemSimilarity, bootstrap_interval, completion_prompt, fine_tune_target,
                               instruction_prompt, most_popular, numbered, popularity, popularity_concentration,
                               ranked_lists, run_cached, score_list)
from helpers.recommender.redial import load_redial, split_users
from helpers.registry import model_for
from helpers.text import TitleIndex
from helpers.tracking import tracking_fields
from helpers.training import (lora_config, loss_figure, save_adapter, saved_adapter, saved_loss_history, sft_config,
                              train_lora)
from helpers.recommender.uncertainty import (PARAPHRASES, decompose, jaccard_consistency, next_token_distributions, reading,
                                             split_figure)

NOTEBOOK = "01_gemma_movie_recommender"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR)
tracking_fields(REPORT_TO, ctx.output_dir / "trainer")  # a tracker that cannot run fails now, not before training

# %% [markdown]
# ## Los datos: diálogos indexados por id y por usuario
# Una línea mal formada de `final_data.jsonl` se señala con el fichero y la línea; los ids que
# faltan en `item_map.json` se cuentan y se informan.

# %%
source = Path(DATA_DIR) if DATA_DIR else data_dir() / "movielens-100k" / "redial"
data = load_redial(source)
print(f"{source}: {len(data.dialogues)} diálogos de {len(data.history)} usuarios, {len(data.item_map)} películas")
print(data.report())
example = next(iter(data.dialogues.values()))
print(f"\nDiálogo {example.conversation_id} (usuario {example.user_id}):")
print("\n".join(f"{speaker}: {text}" for speaker, text in example.turns))
print(f"\nGustos: {data.titles(example.likes)}; disgustos: {data.titles(example.dislikes)}; "
      f"objetivo: {data.titles(example.rec_items)}")

# %% [markdown]
# ## Reparto por usuario (80/10/10) y muestra de prueba
# Ningún usuario está en dos partes: sus diálogos, su historial y su objetivo quedan en una sola.

# %%
splits = split_users(data.history, (0.8, 0.1, 0.1), SEED)
assert not (set(splits["train"]) & set(splits["test"]) or set(splits["train"]) & set(splits["validation"])
            or set(splits["validation"]) & set(splits["test"]))
# A dialogue whose targets are all missing from item_map.json cannot be scored: it is left out, and counted.
dialogues_of = {part: [d for u in users for d in data.by_user(u) if data.evaluable(d)] for part, users in splits.items()}
print(f"Diálogos sin objetivo conocido, fuera de la evaluación: {len(data.unknown_targets)}")
test_dialogues = random.Random(SEED).sample(dialogues_of["test"], min(N_TEST, len(dialogues_of["test"])))
print({part: f"{len(users)} usuarios, {len(dialogues_of[part])} diálogos" for part, users in splits.items()})
print(f"Diálogos de prueba evaluados: {len(test_dialogues)}")

popular_counts = popularity(data, splits["train"])
popular = [item for item, _ in popular_counts.most_common()]
popular_titles = data.titles(popular)
catalogue = TitleIndex(data.item_map.values())
print("Las 5 más populares en entrenamiento:", popular_titles[:5])

# %% [markdown]
# ## El modelo
# Las `N_LISTS` listas de un diálogo se muestrean en una sola llamada por lote de diálogos: el
# prompt se procesa una vez y su caché se comparte entre las listas, y cada token se sortea entre
# los 50 más probables (la misma distribución que `generate(do_sample=True)` con su `top_k=50`
# por defecto). `make bench` mide cuánto más rápido es que una llamada a `generate` por lista.

# %%
model_name = model_for(NOTEBOOK, MODEL_ROLE, PROFILE)
model, tokenizer = load_for_finetuning(model_name, PROFILE, MAX_LENGTH)  # unsloth en GPU (perfil gpu)
chat = PROMPT_STYLE == "chat"
print(f"{model_name} en {model.device}; prompts de tipo {'chat' if chat else 'continuación'}")


def make_generator(current_model, prompt_for, use_chat: bool):
    """A batch function for run_cached: N_LISTS sampled lists per dialogue, timed."""
    def generate_batch(ids):
        prompts = [prompt_for(data.dialogues[i]) for i in ids]
        output = sample_lists(current_model, tokenizer, prompts, N_LISTS, chat=use_chat, max_new_tokens=MAX_NEW_TOKENS,
                              temperature=TEMPERATURE)
        # A continuation starts after "1.": put the marker back, and stop where the model starts a new block.
        texts = [[t if use_chat else "1. " + t.split("\n\n")[0] for t in lists] for lists in output.texts]
        return texts, output.seconds, output.new_tokens
    return generate_batch


# Every setting that shapes the lists (and the data's content, hashed) keys the caches and the adapter:
# change one and they are generated again, into files of their own.
settings = {"model": model_name, "style": PROMPT_STYLE, "lists": N_LISTS, "recs": N_RECS, "temperature": TEMPERATURE,
            "max_new_tokens": MAX_NEW_TOKENS, "history": HISTORY_ITEMS, "seed": SEED, "batch": BATCH_DIALOGUES}
test_ids = [d.conversation_id for d in test_dialogues]
generations = {}

# %% [markdown]
# ## Zero-shot con el historial del usuario
# Cada ejecución se guarda en JSON tras cada lote: si se interrumpe, al repetir la celda se
# reanuda; con `MODE = "load"` se leen los resultados sin generar.

# %%
def zero_shot_prompt(dialogue):
    """The zero-shot prompt in the chosen style."""
    if chat:
        return instruction_prompt(data, dialogue, N_RECS, HISTORY_ITEMS)
    return completion_prompt(data, dialogue, N_RECS, HISTORY_ITEMS)


print(zero_shot_prompt(test_dialogues[0]))
start = time.perf_counter()
generations["zero-shot"] = run_cached(GenerationCache(ctx.output_dir / "generations_zero_shot.json", settings, source),
                                      test_ids, make_generator(model, zero_shot_prompt, chat), MODE, BATCH_DIALOGUES)
print(f"\n{time.perf_counter() - start:.0f} s en esta sesión. Ejemplo de salida:\n{generations['zero-shot'][test_ids[0]]['texts'][0]}")

# %% [markdown]
# ## Few-shot: ejemplos de 5 usuarios de entrenamiento
# Cada ejemplo lleva la conversación, el historial y la lista objetivo construida como la de
# entrenamiento (el objetivo real primero).

# %%
shot_rng = random.Random(SEED + 1)
shot_users = shot_rng.sample(splits["train"], N_SHOT_USERS)
shots = [(dialogue, data.titles(fine_tune_target(data, dialogue, popular, N_RECS)))
         for dialogue in (data.by_user(user)[0] for user in shot_users)]


def few_shot_prompt(dialogue):
    """The few-shot prompt: the examples, then the test dialogue."""
    if chat:
        examples = "\n\n".join(f"Ejemplo {k}:\n{instruction_prompt(data, d, N_RECS, SHOT_HISTORY_ITEMS)}\n{numbered(titles)}"
                               for k, (d, titles) in enumerate(shots, 1))
        return f"{examples}\n\nAhora tú:\n{instruction_prompt(data, dialogue, N_RECS, HISTORY_ITEMS)}"
    return completion_prompt(data, dialogue, N_RECS, SHOT_HISTORY_ITEMS, examples=shots)


print(f"Prompt few-shot: {len(tokenizer(few_shot_prompt(test_dialogues[0]))['input_ids'])} tokens")
shot_settings = settings | {"shots": shot_users, "shot_history": SHOT_HISTORY_ITEMS}
generations["few-shot"] = run_cached(GenerationCache(ctx.output_dir / "generations_few_shot.json", shot_settings, source),
                                     test_ids, make_generator(model, few_shot_prompt, chat), MODE, BATCH_DIALOGUES)

# %% [markdown]
# ## Ajuste con LoRA
# Para cada diálogo de entrenamiento, una lista objetivo de 10: el objetivo real, películas que
# el usuario valora y la conversación no menciona, su historial y, para completar, las 20 más
# populares. LoRA con trl: lote 4 x acumulación 8, lr 2e-4 coseno, `MAX_STEPS` pasos, bf16 en GPU.
# El modelo ajustado aprende a responder en formato chat. La curva de pérdida se guarda en `loss.png`.
#
# **Seguimiento (opcional).** `REPORT_TO = "wandb"` registra el entrenamiento en tu proyecto de
# Weights & Biases (`WANDB_PROJECT`, por defecto `llm-studies`). La clave se lee de la variable de
# entorno `WANDB_API_KEY`, de `wandb login` o, en Colab, del secreto `WANDB_API_KEY` (icono de la
# llave); nunca la escribas en una celda. Sin red, `WANDB_MODE=offline` guarda la ejecución en
# `<resultados>/trainer/wandb/` y `wandb sync <resultados>/trainer/wandb/offline-run-*` la sube
# después. `"tensorboard"` escribe en `<resultados>/trainer/runs/` (`tensorboard --logdir ...`) y
# `"trackio"` guarda en local (`trackio show`). Los paquetes no vienen con `make setup`:
# `pip install -r requirements-tracking.txt`.

# %%
train_rows = [{"prompt": [{"role": "user", "content": instruction_prompt(data, d, N_RECS, HISTORY_ITEMS)}],
               "completion": [{"role": "assistant", "content": numbered(data.titles(fine_tune_target(data, d, popular[:20], N_RECS)))}]}
              for d in dialogues_of["train"]]
print(f"{len(train_rows)} ejemplos de entrenamiento. Uno:\n{train_rows[0]['completion'][0]['content']}")
adapter_dir = ctx.output_dir / "adapter"
tuned_settings = settings | {"style": "chat", "steps": MAX_STEPS, "train_batch": [BATCH_SIZE, GRAD_ACCUM],
                             "lr": LEARNING_RATE, "lora_r": LORA_R, "lora_alpha": 2 * LORA_R, "max_length": MAX_LENGTH}
tuned_cache = GenerationCache(ctx.output_dir / "generations_lora.json", tuned_settings, source)
tuned, loss_history = saved_adapter(model, adapter_dir, tuned_settings, source), []
if tuned is not None:
    loss_history = saved_loss_history(adapter_dir)
    print(f"Adaptador de {adapter_dir} entrenado con estos mismos ajustes: se reutiliza, no se reentrena.")
elif MODE == "load" and not tuned_cache.missing(test_ids):
    print("No hay adaptador guardado: las listas LoRA se leen y la incertidumbre usará el modelo base.")
else:
    config = sft_config(ctx.output_dir / "trainer", MAX_STEPS, BATCH_SIZE, GRAD_ACCUM, LEARNING_RATE, MAX_LENGTH, SEED,
                        report_to=REPORT_TO, run_name=NOTEBOOK)
    start = time.perf_counter()
    tuned, loss_history = train_lora(model, tokenizer, train_rows, config, lora_config(model, r=LORA_R, alpha=2 * LORA_R))
    train_seconds = time.perf_counter() - start
    save_adapter(tuned, adapter_dir, tuned_settings, source, history=loss_history)
    print(f"{MAX_STEPS} pasos en {train_seconds:.0f} s; pérdida {loss_history[0]['loss']:.2f} → {loss_history[-1]['loss']:.2f}")
if loss_history:
    save_figure(loss_figure(loss_history), ctx.output_dir / "loss.png")
    plt.show()
generations["LoRA"] = run_cached(tuned_cache, test_ids,
                                 make_generator(tuned, lambda d: instruction_prompt(data, d, N_RECS, HISTORY_ITEMS), True),
                                 MODE, BATCH_DIALOGUES)
print(generations["LoRA"][test_ids[0]]["texts"][0])

# %% [markdown]
# ## Líneas base en el mismo reparto
# **Popularidad**: las más vistas por los usuarios de entrenamiento. **Similitud entre películas**:
# coseno de co-ocurrencia en los historiales de entrenamiento, sembrada con los gustos que el
# usuario menciona y su historial reciente. Ninguna repite lo que el usuario ya mencionó.

# %%
similarity = ItemSimilarity(data, splits["train"])


def baseline_recommendations(dialogue) -> dict[str, list[str]]:
    """The popularity and similarity lists (titles) for one dialogue."""
    mentioned = set(dialogue.likes) | set(dialogue.dislikes)
    seeds = dialogue.likes + data.history[dialogue.user_id][-5:]
    return {"popularidad": data.titles(most_popular(popular, mentioned, N_RECS)),
            "similitud": data.titles(similarity.recommend(seeds, mentioned, N_RECS))}


baseline_lists = {"popularidad": {}, "similitud": {}}
for dialogue in test_dialogues:
    for name, titles in baseline_recommendations(dialogue).items():
        baseline_lists[name][dialogue.conversation_id] = [titles]

# %% [markdown]
# Las líneas base cuestan milisegundos: las medimos también sobre **todos** los diálogos de
# prueba. Con más diálogos el intervalo se estrecha y se ve cuán difícil es la tarea en sí.

# %%
full_test_rows = [{"estrategia": name, **score_list(titles, set(data.titles(d.rec_items)),
                                                    set(data.titles(d.likes + d.dislikes)))}
                  for d in dialogues_of["test"] for name, titles in baseline_recommendations(d).items()]
full_test_baselines = {}
for name, group in pd.DataFrame(full_test_rows).groupby("estrategia"):
    full_test_baselines[name] = {"diálogos": len(group)}
    for metric in ["recall@10", "ndcg@10"]:
        mean, low, high = bootstrap_interval(group[metric], BOOTSTRAP, SEED)
        full_test_baselines[name] |= {metric: mean, f"{metric} IC": [low, high]}
display(pd.DataFrame(full_test_baselines).T)

# %% [markdown]
# ## Evaluación: Recall@k y NDCG@k con intervalos del 95 %
# Los títulos generados se extraen de texto libre (listas numeradas, viñetas, comillas, años,
# prosa), se normalizan y se emparejan con el catálogo con rapidfuzz (umbral 80). Cada lista se
# puntúa tres veces: tal cual (un título sin pareja ocupa su puesto y nunca acierta), sin las
# películas ya mencionadas en la conversación y sin los títulos fuera del catálogo. La métrica de
# un diálogo es la media de sus listas. También se mide qué parte de lo recomendado ya estaba en la
# conversación o en el historial que el modelo ve en el prompt: un modelo pequeño tiende a copiarlo.

# %%
rows, matched_lists = [], {}
for strategy in list(generations) + list(baseline_lists):
    matched_lists[strategy] = []
    for dialogue in test_dialogues:
        cid = dialogue.conversation_id
        if strategy in generations:
            lists = ranked_lists(generations[strategy][cid]["texts"], catalogue, N_RECS)
        else:
            lists = baseline_lists[strategy][cid]
        matched_lists[strategy] += lists
        relevant, mentioned = set(data.titles(dialogue.rec_items)), set(data.titles(dialogue.likes + dialogue.dislikes))
        shown = set(data.titles(data.history.get(dialogue.user_id, [])[-HISTORY_ITEMS:]))
        scores = pd.DataFrame([score_list(ranked, relevant, mentioned) for ranked in lists]).mean().to_dict()
        generated = sum(len(ranked) for ranked in lists)
        rows.append({"estrategia": strategy, "diálogo": cid, "usuario": dialogue.user_id, **scores,
                     "títulos": generated, "sin_pareja": sum(t is None for ranked in lists for t in ranked),
                     "mencionadas": sum(t in mentioned for ranked in lists for t in ranked),
                     "del_historial": sum(t in shown for ranked in lists for t in ranked)})
per_dialogue = pd.DataFrame(rows)
atomic_write_csv(ctx.output_dir / "per_dialogue.csv", per_dialogue)

metric_columns = [c for c in per_dialogue.columns if c.startswith(("recall@", "ndcg@"))]
summary_rows = []
for strategy, group in per_dialogue.groupby("estrategia", sort=False):
    row = {"estrategia": strategy, "diálogos": len(group)}
    for column in metric_columns:
        mean, low, high = bootstrap_interval(group[column], BOOTSTRAP, SEED)
        row[column] = mean
        row[f"{column} IC"] = f"[{low:.3f}, {high:.3f}]"
    title_count = max(group["títulos"].sum(), 1)
    row["fuera de catálogo"] = group["sin_pareja"].sum() / title_count
    row["concentración top-20"] = popularity_concentration(matched_lists[strategy], popular_titles, 20)
    # A small model tends to copy titles from its prompt: these shares show how much.
    row["ya mencionadas"] = group["mencionadas"].sum() / title_count
    row["del historial mostrado"] = group["del_historial"].sum() / title_count
    summary_rows.append(row)
summary = pd.DataFrame(summary_rows).set_index("estrategia")
display(summary[["diálogos", "recall@5", "recall@5 IC", "recall@10", "recall@10 IC", "ndcg@5", "ndcg@10",
                 "fuera de catálogo", "concentración top-20", "ya mencionadas", "del historial mostrado"]].round(3))
display(summary[[c for c in metric_columns if "|" in c]].round(3))

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
for axis, metric in zip(axes, ["recall@10", "ndcg@10"], strict=False):
    means, lows, highs = [], [], []
    for _, group in per_dialogue.groupby("estrategia", sort=False):
        mean, low, high = bootstrap_interval(group[metric], BOOTSTRAP, SEED)
        means.append(mean), lows.append(mean - low), highs.append(high - mean)
    names = list(per_dialogue["estrategia"].unique())
    axis.bar(names, means, yerr=[lows, highs], capsize=4, color=["C0", "C1", "C2", "grey", "silver"][:len(names)])
    axis.set_title(f"{metric} (IC 95 %, {len(test_dialogues)} diálogos)")
    axis.tick_params(axis="x", rotation=20)
plt.tight_layout()
save_figure(fig, ctx.output_dir / "strategies.png")
plt.show()

# %% [markdown]
# ## Incertidumbre: ensamblado de aclaraciones de la entrada
# La misma petición se formula con cinco paráfrasis. De los logits de salida tomamos la
# distribución del primer token de la primera película para cada paráfrasis y la descomponemos
# como Hou et al. (2024): **total** = entropía de la media; **epistémica** = media de las entropías
# (la duda que queda con la petición aclarada); **aleatoria** = total − epistémica = información
# mutua entre la salida y la aclaración (cuánto depende la respuesta de cómo se pide). La
# **consistencia** es el solapamiento (Jaccard) de las listas voraces entre paráfrasis. La figura
# `uncertainty.png` apila, por diálogo, la parte epistémica y la aleatoria: la altura es la total.

# %%
uncertainty_model = tuned if tuned is not None else model
uncertainty_rows = []
for dialogue in tqdm(test_dialogues[:N_UNCERTAINTY], desc="Incertidumbre", unit="diálogo"):
    prompts = [instruction_prompt(data, dialogue, N_RECS, HISTORY_ITEMS, request=p) for p in PARAPHRASES]
    figures = decompose(next_token_distributions(uncertainty_model, tokenizer, prompts, chat=True, progress=False))
    lists = generate(uncertainty_model, tokenizer, prompts, max_new_tokens=MAX_NEW_TOKENS, batch_size=len(prompts),
                     progress=False).texts
    matched = [{t for t in ranked if t} for ranked in ranked_lists(lists, catalogue, N_RECS)]
    uncertainty_rows.append({"diálogo": dialogue.conversation_id, **figures, "consistencia": jaccard_consistency(matched)})
uncertainty = pd.DataFrame(uncertainty_rows)
display(uncertainty.round(3))
save_figure(split_figure(uncertainty["diálogo"], uncertainty["epistemic"], uncertainty["aleatoric"]),
            ctx.output_dir / "uncertainty.png")
plt.show()
mean_uncertainty = uncertainty[["total", "aleatoric", "epistemic"]].mean().to_dict()
for line in reading(mean_uncertainty, uncertainty["consistencia"].mean(), len(tokenizer)):
    print("-", line)

# %% [markdown]
# ## Guardar la sesión (dill)
# Como el original, guardamos la sesión con `dill` para retomarla en otro kernel sin volver a
# generar. Guardamos los resultados con nombre, no los modelos (pesan gigas y se recargan desde la
# carpeta del adaptador): `dill.dump_module()` guardaría el kernel entero, modelos incluidos.

# %%
session_path = save_session(ctx.output_dir / "session.dill", {
    "settings": settings, "splits": splits, "test_ids": test_ids, "generations": generations,
    "baseline_lists": baseline_lists, "per_dialogue": per_dialogue, "summary": summary,
    "uncertainty": uncertainty, "adapter_dir": str(adapter_dir)})
print(session_path)
del model, tuned, uncertainty_model
free_memory()

# %% [markdown]
# ### Retomar la sesión en un kernel nuevo
# Tras reiniciar el kernel (o en otro cuaderno), sin cargar modelos ni generar nada:
# ```python
# from helpers.io import load_session
# load_session("outputs/01_gemma_movie_recommender/session.dill", into=globals())
# per_dialogue.groupby("estrategia")["recall@10"].mean()  # las variables guardadas vuelven a existir
# ```
# La celda siguiente lo hace de verdad en un proceso de Python nuevo y sigue desde ahí: recalcula
# Recall@10 por estrategia a partir de `per_dialogue` y lo compara con `summary`.

# %%
restore = f"""
from helpers.io import load_session
load_session({str(session_path)!r}, into=globals())
again = per_dialogue.groupby("estrategia", sort=False)["recall@10"].mean()
assert (again - summary["recall@10"]).abs().max() < 1e-12
print({{name: round(value, 3) for name, value in again.items()}})
"""
fresh = subprocess.run([sys.executable, "-c", restore], capture_output=True, text=True,
                       env=os.environ | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
if fresh.returncode != 0:
    raise RuntimeError(f"La sesión no se pudo retomar en un proceso nuevo:\n{fresh.stderr}")
print(f"Kernel nuevo, Recall@10 desde la sesión: {fresh.stdout.strip()}")

# %% [markdown]
# ## Conclusiones automáticas

# %%
best_baseline = max(["popularidad", "similitud"], key=lambda s: summary.loc[s, "recall@10"])
lines = []
for strategy in generations:
    value, floor = summary.loc[strategy, "recall@10"], summary.loc["popularidad", "recall@10"]
    verdict = "supera" if value > floor else "no supera"
    lines.append(f"- {strategy}: Recall@10 {value:.3f} {summary.loc[strategy, 'recall@10 IC']}, "
                 f"{verdict} a la popularidad ({floor:.3f}); {summary.loc[strategy, 'fuera de catálogo']:.0%} de títulos "
                 f"fuera de catálogo, {summary.loc[strategy, 'concentración top-20']:.0%} de las recomendaciones entre las 20 más populares "
                 f"y {summary.loc[strategy, 'del historial mostrado']:.0%} copiadas del historial que ve el modelo.")
lines.append(f"- La mejor línea base es {best_baseline} (Recall@10 {summary.loc[best_baseline, 'recall@10']:.3f}).")
lines.append("- Sobre todos los diálogos de prueba: " + "; ".join(
    f"{name} Recall@10 {f['recall@10']:.3f} [{f['recall@10 IC'][0]:.3f}, {f['recall@10 IC'][1]:.3f}] "
    f"({f['diálogos']} diálogos)" for name, f in full_test_baselines.items()) + ".")
lines.append(f"- Con {len(test_dialogues)} diálogos de prueba los intervalos son anchos: diferencias dentro de ellos no son concluyentes.")
print("\n".join(lines))
atomic_write_text(ctx.output_dir / "conclusions.md", "\n".join(lines) + "\n")

# %%
def finite(value):
    """A float, or None where a figure is undefined (no matched title, no pair to compare)."""
    return None if pd.isna(value) else float(value)


metrics = {
    "profile": PROFILE,
    "model": model_name,
    "prompt_style": PROMPT_STYLE,
    "data": "llm-redial" if DATA_DIR else "movielens-templates",
    "dialogues": len(data.dialogues),
    "users": {part: len(users) for part, users in splits.items()},
    "test_dialogues": len(test_dialogues),
    "lists_per_dialogue": N_LISTS,
    "missing_items": sum(data.missing_items.values()),
    "strategies": {strategy: {column: finite(summary.loc[strategy, column]) for column in metric_columns +
                              ["fuera de catálogo", "concentración top-20", "ya mencionadas", "del historial mostrado"]}
                   for strategy in summary.index},
    "seconds_per_dialogue": {s: float(np.mean([g["seconds"] for g in generations[s].values()])) for s in generations},
    "uncertainty": {**{k: finite(v) for k, v in mean_uncertainty.items()},
                    "consistency": finite(uncertainty["consistencia"].mean()), "dialogues": len(uncertainty)},
    "lora_steps": MAX_STEPS,
    "baselines_all_test_dialogues": full_test_baselines,
}
print(save_metrics(metrics, ctx.output_dir))
