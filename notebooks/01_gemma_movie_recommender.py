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
# [![Abrir en Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-studies/llm-studies/blob/main/notebooks/01_gemma_movie_recommender.ipynb)
#
# Reproducimos un estudio que recomienda películas a partir de la conversación de un usuario con
# un asistente (el original: Gemma-2B-it sobre los datos «Movie» de **LLM-REDIAL**): zero-shot con
# el historial del usuario, few-shot con ejemplos de otros usuarios y tras un ajuste con LoRA. Y
# vamos más allá: **dos protocolos de evaluación** (listas generadas y *ranking* de candidatos con
# un nivel de azar conocido), líneas base (popularidad y similitud entre películas) puntuadas sobre
# los mismos candidatos, **diferencias emparejadas** con intervalos *bootstrap* del 95 % y la
# incertidumbre por ensamblado de aclaraciones de la petición (Hou et al., 2024).
#
# **Datos.** LLM-REDIAL se concede por correo para investigación y no se distribuye: si lo tienes,
# apunta `DATA_DIR` a la carpeta con `final_data.jsonl`, `Conversation.txt`, `user_ids.json` e
# `item_map.json`. El perfil local usa un conjunto **con el mismo formato construido en la
# instalación a partir de valoraciones reales** de MovieLens 100K (paquete `recbole`; términos de
# GroupLens) unidas al catálogo de `bokeh-sampledata` (géneros, director, reparto). El historial
# y los gustos y disgustos son valoraciones reales; **el texto de los diálogos está generado con
# plantillas**: el usuario menciona películas que puntuó alto y bajo, y pide lo que describe a la
# película objetivo (uno o dos de sus géneros, su década, su director o un actor principal), como
# haría alguien que busca algo concreto. El objetivo es una película que puntuó alto *más tarde* y
# que no se menciona.
#
# **Modelo y prompt.** Perfil local: Gemma 3 270M, un modelo **base**. Todas las estrategias de una
# ejecución usan el mismo formato (`PROMPT_STYLE`: «completion», un texto que termina en «1.» y el
# modelo continúa, o «chat») y la misma longitud de historial: así una diferencia entre zero-shot,
# few-shot y LoRA no mezcla el formato del prompt con el ajuste. `MODEL_ROLE = "instruct"` cambia a
# Qwen2.5-Coder-0.5B-Instruct; el perfil gpu usa `google/gemma-2b-it`, como el original.

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
SEED = 0  # semilla del reparto de usuarios, de los negativos, del muestreo y del entrenamiento
PRECISION = "auto"  # CPU: "auto" es bf16 donde la CPU lo ejecuta en hardware (AVX512-BF16 o AMX) y float32 en otra; o "float32" / "bfloat16"
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/01_gemma_movie_recommender/
DATA_DIR = ""  # carpeta con los ficheros de LLM-REDIAL Movie; vacío: el conjunto local de MovieLens
MODEL_ROLE = "generator"  # "generator" (Gemma base) o "instruct" (Qwen instruido), papeles del registro
PROMPT_STYLE = "completion"  # el mismo para todas las estrategias: "completion" (modelos base) o "chat"
MODE = "generate"  # "generate" (calcula lo que falte y reanuda) o "load" (solo lee lo guardado)
N_TEST = 0  # diálogos de prueba evaluados; 0: todos los de la parte de prueba (93 en local)
N_GENERATE = 0  # de ellos, cuántos con listas generadas (protocolo generativo); 0: todos, como el original
N_NEGATIVES = 19  # negativos por diálogo en el ranking de candidatos (con el objetivo, 20 candidatos)
N_LISTS = 5  # listas generadas por diálogo a temperatura TEMPERATURE (el original, 20; en CPU, 5 caben en 45 min)
N_RECS = 10  # películas por lista
TEMPERATURE = 0.7  # temperatura de muestreo de las listas
MAX_NEW_TOKENS = 100  # tokens por lista (10 títulos con año caben en ~90)
HISTORY_ITEMS = 8  # películas del historial en TODOS los prompts (prueba, ejemplos few-shot y LoRA)
N_SHOT_USERS = 5  # usuarios de entrenamiento cuyos diálogos sirven de ejemplo few-shot (los 5 del original)
BATCH_DIALOGUES = 8  # diálogos por llamada de generación
MAX_STEPS = 100  # pasos de LoRA (local: 100 x 4 ejemplos, unos 10 min en 2 núcleos con bf16; el original, 500 x 32 en GPU)
BATCH_SIZE = 4  # ejemplos por paso
GRAD_ACCUM = 1  # acumulación de gradiente
LEARNING_RATE = 1e-3  # tasa de aprendizaje de LoRA, programa coseno (alta: el presupuesto local es corto)
LORA_R = 8  # rango de LoRA; alfa, el doble del rango
LORA_DROPOUT = 0.05  # dropout de LoRA
REPORT_TO = "none"  # seguimiento del entrenamiento: "none", "wandb", "tensorboard" o "trackio"
MAX_LENGTH = 384  # tokens por ejemplo de entrenamiento (los más largos se truncan)
N_UNCERTAINTY = 10  # diálogos de prueba para el análisis de incertidumbre
BOOTSTRAP = 2000  # remuestreos para los intervalos del 95 %
CONSTRAINED = True  # además, listas de LoRA restringidas al catálogo (trie de títulos tokenizados)
MATCH_THRESHOLD = 80  # puntuación mínima de rapidfuzz para aceptar un título generado como del catálogo

# %%
import random
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from helpers.env import set_up
from helpers.generation import sample_lists
from helpers.io import atomic_write_csv, atomic_write_text, save_figure, save_session
from helpers.metrics import save_metrics
from helpers.models import free_memory, load_for_finetuning
from helpers.paths import data_dir
from helpers.recommender.constrained import TitleTrie, constrained_lists
from helpers.recommender.movielens_dialogues import DATASET
from helpers.recommender.ranking import (candidate_distribution, candidates_for, chance_metrics, expected_rank_metrics,
                                         prefill_shared_prefix, score_titles)
from helpers.recommender.recommend import (GenerationCache, ItemSimilarity, fine_tune_target, numbered, popularity,
                                           popularity_concentration, ranked_lists, run_cached, score_list,
                                           styled_prompt)
from helpers.recommender.tables import paired, summarise, table
from helpers.recommender.redial import load_redial, split_users
from helpers.recommender.uncertainty import CLARIFICATIONS, decompose, difference_figure, reading, split_figure
from helpers.registry import model_for
from helpers.text import TitleIndex
from helpers.tracking import tracking_fields
from helpers.training import (lora_config, loss_figure, loss_flattening, save_adapter, saved_adapter, saved_loss_history,
                              saved_training_seconds, sft_config, train_lora)

NOTEBOOK = "01_gemma_movie_recommender"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR, PRECISION)
tracking_fields(REPORT_TO, ctx.output_dir / "trainer")  # a tracker that cannot run fails now, not before training
run_start = time.perf_counter()

# %% [markdown]
# ## Los datos: diálogos indexados por id y por usuario
# Una línea mal formada de `final_data.jsonl` se señala con el fichero y la línea; los ids que
# faltan en `item_map.json` se cuentan y se informan.

# %%
source = Path(DATA_DIR) if DATA_DIR else data_dir() / DATASET / "redial"
data = load_redial(source)
print(f"{source}: {len(data.dialogues)} diálogos de {len(data.history)} usuarios, {len(data.item_map)} películas")
print(data.report())
example = next(iter(data.dialogues.values()))
print(f"\nDiálogo {example.conversation_id} (usuario {example.user_id}):")
print("\n".join(f"{speaker}: {text}" for speaker, text in example.turns))
print(f"\nGustos: {data.titles(example.likes)}; disgustos: {data.titles(example.dislikes)}; "
      f"objetivo: {data.titles(example.rec_items)}")

# %% [markdown]
# ## Reparto por usuario (80/10/10)
# Ningún usuario está en dos partes: sus diálogos, su historial y su objetivo quedan en una sola.

# %%
splits = split_users(data.history, (0.8, 0.1, 0.1), SEED)
assert not (set(splits["train"]) & set(splits["test"]) or set(splits["train"]) & set(splits["validation"])
            or set(splits["validation"]) & set(splits["test"]))
# A dialogue whose targets are all missing from item_map.json cannot be scored: it is left out, and counted.
dialogues_of = {part: [d for u in users for d in data.by_user(u) if data.evaluable(d)] for part, users in splits.items()}
print(f"Diálogos sin objetivo conocido, fuera de la evaluación: {len(data.unknown_targets)}")
test_dialogues = dialogues_of["test"]
if N_TEST:
    test_dialogues = random.Random(SEED).sample(test_dialogues, min(N_TEST, len(test_dialogues)))
generate_dialogues = test_dialogues[:N_GENERATE] if N_GENERATE else test_dialogues
test_ids = [d.conversation_id for d in test_dialogues]
print({part: f"{len(users)} usuarios, {len(dialogues_of[part])} diálogos" for part, users in splits.items()})
print(f"Diálogos de prueba: {len(test_dialogues)} (ranking), {len(generate_dialogues)} (listas generadas)")

popular_counts = popularity(data, splits["train"])
ranked_items = sorted(data.item_map, key=lambda i: (-popular_counts[i], int(i) if i.isdigit() else 0, i))
popular = ranked_items[:50]
popular_titles = data.titles(ranked_items)
catalogue = TitleIndex(data.item_map.values())
print("Las 5 más populares en entrenamiento:", popular_titles[:5])

# %% [markdown]
# ## Candidatos: el objetivo y 19 negativos de popularidad parecida
# Los negativos son películas que el usuario no ha visto ni mencionado, muestreadas entre las de
# popularidad (en entrenamiento) cercana a la del objetivo: así ni la popularidad ni una lista de
# éxitos bastan para acertar. Con 20 candidatos en orden aleatorio, el objetivo cae entre los 10
# primeros la mitad de las veces: **el azar da Recall@10 = 0,5**.

# %%
candidates = {d.conversation_id: candidates_for(data, d, ranked_items, SEED, N_NEGATIVES) for d in test_dialogues}
chance = chance_metrics(N_NEGATIVES + 1)
print(f"Azar: {chance}")
print("Candidatos del primer diálogo:", data.titles(candidates[test_ids[0]][:6]), "...")

# %% [markdown]
# ## El modelo y los prompts
# El mismo `PROMPT_STYLE`, el mismo historial (`HISTORY_ITEMS`) y la misma petición para zero-shot,
# few-shot y LoRA. La puntuación de un candidato es la log-probabilidad media por token de su título
# justo después del prompt («1.»): el prompt se procesa **una vez** por diálogo y su caché se
# comparte entre los 20 títulos, que se puntúan en una sola pasada (`make bench` lo compara con una
# pasada completa por candidato). Lo que repiten todos los prompts (los ejemplos de few-shot) se
# procesa una sola vez por ejecución, y su caché se copia para cada diálogo.

# %%
model_name = model_for(NOTEBOOK, MODEL_ROLE, PROFILE)
model, tokenizer = load_for_finetuning(model_name, PROFILE, MAX_LENGTH)  # unsloth en GPU (perfil gpu)
print(f"{model_name} en {model.device}; prompts de tipo {PROMPT_STYLE}")
shot_users = random.Random(SEED + 1).sample(splits["train"], N_SHOT_USERS)
shots = [(dialogue, data.titles(fine_tune_target(data, dialogue, popular, N_RECS)))
         for dialogue in (data.by_user(user)[0] for user in shot_users)]
prompt_makers = {
    "zero-shot": lambda d, request=None: styled_prompt(tokenizer, data, d, PROMPT_STYLE, N_RECS, HISTORY_ITEMS,
                                                       **({"request": request} if request else {})),
    "few-shot": lambda d, request=None: styled_prompt(tokenizer, data, d, PROMPT_STYLE, N_RECS, HISTORY_ITEMS, shots,
                                                      **({"request": request} if request else {})),
}
prompt_makers["LoRA"] = prompt_makers["zero-shot"]  # the tuned model gets the zero-shot prompt
print(prompt_makers["few-shot"](test_dialogues[0]))
print(f"\nTokens del prompt: zero-shot {len(tokenizer(prompt_makers['zero-shot'](test_dialogues[0]))['input_ids'])}, "
      f"few-shot {len(tokenizer(prompt_makers['few-shot'](test_dialogues[0]))['input_ids'])}")

# Every setting that shapes a result (and the data's content, hashed) keys its cache and the adapter:
# change one and it is computed again, into a file of its own; the same settings resume.
settings = {"model": model_name, "style": PROMPT_STYLE, "recs": N_RECS, "history": HISTORY_ITEMS, "seed": SEED,
            "shots": shot_users, "precision": ctx.precision}
rank_settings = settings | {"negatives": N_NEGATIVES}
gen_settings = settings | {"lists": N_LISTS, "temperature": TEMPERATURE, "max_new_tokens": MAX_NEW_TOKENS,
                           "batch": BATCH_DIALOGUES}
lora_settings = settings | {"steps": MAX_STEPS, "train_batch": [BATCH_SIZE, GRAD_ACCUM], "lr": LEARNING_RATE,
                            "lora_r": LORA_R, "lora_alpha": 2 * LORA_R, "lora_dropout": LORA_DROPOUT,
                            "max_length": MAX_LENGTH}


def scorer(current_model, prompt_for):
    """A batch function for run_cached: each dialogue's candidate scores (stored under 'texts')."""
    shared = {}

    def score_batch(ids):
        start = time.perf_counter()
        if "prefix" not in shared:  # what every prompt repeats (few-shot's examples) is prefilled once per run
            shared["prefix"] = prefill_shared_prefix(current_model, tokenizer, [prompt_for(d) for d in test_dialogues[:2]])
        scores = [score_titles(current_model, tokenizer, prompt_for(data.dialogues[i]), data.titles(candidates[i]),
                               shared["prefix"]).tolist() for i in ids]
        return scores, time.perf_counter() - start, 0
    return score_batch


def generator(current_model, prompt_for):
    """A batch function for run_cached: N_LISTS sampled lists per dialogue, timed."""
    def generate_batch(ids):
        prompts = [prompt_for(data.dialogues[i]) for i in ids]
        output = sample_lists(current_model, tokenizer, prompts, N_LISTS, chat=False, max_new_tokens=MAX_NEW_TOKENS,
                              temperature=TEMPERATURE)
        # Every prompt ends in "1.": put the marker back, and stop where the model starts a new block.
        return [["1. " + t.split("\n\n")[0] for t in lists] for lists in output.texts], output.seconds, output.new_tokens
    return generate_batch


scores, generations = {}, {}
generate_ids = [d.conversation_id for d in generate_dialogues]


def evaluate(name, current_model, key_settings):
    """Candidate scores for every test dialogue, then generated lists: cached, resumable."""
    scores[name] = run_cached(GenerationCache(ctx.output_dir / f"scores_{name}.json", key_settings | rank_settings, source),
                              test_ids, scorer(current_model, prompt_makers[name]), MODE, BATCH_DIALOGUES)
    generations[name] = run_cached(GenerationCache(ctx.output_dir / f"generations_{name}.json", key_settings | gen_settings,
                                                   source), generate_ids, generator(current_model, prompt_makers[name]),
                                   MODE, BATCH_DIALOGUES)


# %% [markdown]
# ## Zero-shot y few-shot
# Few-shot antepone `N_SHOT_USERS` diálogos de entrenamiento con su lista objetivo (la misma
# construcción que en LoRA): los 5 del original caben de sobra en el contexto de Gemma (la celda de
# los prompts imprime sus tokens). Todo se guarda tras cada lote: si se interrumpe, se reanuda; con
# `MODE = "load"` se lee sin calcular.

# %%
start = time.perf_counter()
evaluate("zero-shot", model, {"strategy": "zero-shot"})
evaluate("few-shot", model, {"strategy": "few-shot"})
print(f"{time.perf_counter() - start:.0f} s en esta sesión. Lista zero-shot de ejemplo:\n"
      f"{generations['zero-shot'][generate_ids[0]]['texts'][0]}")

# %% [markdown]
# ## Ajuste con LoRA
# Cada diálogo de entrenamiento da un ejemplo: el prompt de zero-shot y, como respuesta, una lista
# de 10 con el objetivo real primero, luego películas que el usuario valoró bien más tarde y,
# para completar, populares. **Ninguna está en su historial ni en la conversación**: el ajuste
# nunca premia copiar el prompt. **Presupuesto**: `MAX_STEPS` pasos de `BATCH_SIZE` x `GRAD_ACCUM`
# ejemplos de hasta `MAX_LENGTH` tokens, lr `LEARNING_RATE` coseno; la curva se guarda en `loss.png`.
# En el perfil local son 100 pasos de 4 ejemplos (400 de los 745; cada ejemplo, ~325 tokens, de los
# que ~120 son la lista, los únicos que pasan por la cabeza de salida): con bf16 y la cabeza solo
# donde hay etiqueta, un paso cuesta unos segundos en 2 núcleos. El original entrena 500 pasos de 32
# en GPU: en Colab, sube `MAX_STEPS` y `BATCH_SIZE`. La celda imprime el tiempo medido y si la curva
# se ha aplanado: la pérdida media del último cuarto de los pasos frente al cuarto anterior (plana si
# baja menos de un 5 %).
#
# **Seguimiento (opcional).** `REPORT_TO = "wandb"` registra el entrenamiento en tu proyecto de
# Weights & Biases (`WANDB_PROJECT`, por defecto `llm-studies`). La clave se lee de la variable de
# entorno `WANDB_API_KEY`, de `wandb login` o, en Colab, del secreto `WANDB_API_KEY`; nunca la
# escribas en una celda. `"tensorboard"` escribe en `<resultados>/trainer/runs/` y `"trackio"`
# guarda en local. wandb viene con `make setup`; tensorboard y trackio: `pip install -r requirements-tracking.txt`.

# %%
train_rows = []
for d in dialogues_of["train"]:
    titles = data.titles(fine_tune_target(data, d, popular, N_RECS))
    train_rows.append({"prompt": prompt_makers["zero-shot"](d), "completion": " " + numbered(titles)[3:] + "\n\n"})
random.Random(SEED).shuffle(train_rows)
print(f"{len(train_rows)} ejemplos de entrenamiento; {MAX_STEPS * BATCH_SIZE * GRAD_ACCUM} vistos en el ajuste. Uno:\n"
      f"{train_rows[0]['completion']}")
adapter_dir = ctx.output_dir / "adapter"
tuned, loss_history, train_seconds = saved_adapter(model, adapter_dir, lora_settings, source), [], None
if tuned is not None:
    loss_history, train_seconds = saved_loss_history(adapter_dir), saved_training_seconds(adapter_dir)
    print(f"Adaptador de {adapter_dir} entrenado con estos mismos ajustes: se reutiliza, no se reentrena.")
elif MODE == "load":
    raise RuntimeError(f"No hay adaptador en {adapter_dir} con estos ajustes: ejecuta con MODE='generate'")
else:
    config = sft_config(ctx.output_dir / "trainer", MAX_STEPS, BATCH_SIZE, GRAD_ACCUM, LEARNING_RATE, MAX_LENGTH, SEED,
                        report_to=REPORT_TO, run_name=NOTEBOOK)
    start = time.perf_counter()
    tuned, loss_history = train_lora(model, tokenizer, train_rows, config,
                                     lora_config(model, r=LORA_R, alpha=2 * LORA_R, dropout=LORA_DROPOUT))
    train_seconds = time.perf_counter() - start
    save_adapter(tuned, adapter_dir, lora_settings, source, history=loss_history, seconds=train_seconds)
    print(f"Presupuesto: {MAX_STEPS} pasos x {BATCH_SIZE * GRAD_ACCUM} ejemplos ≤ {MAX_LENGTH} tokens en "
          f"{train_seconds:.0f} s ({train_seconds / MAX_STEPS:.1f} s/paso); pérdida {loss_history[0]['loss']:.2f} → {loss_history[-1]['loss']:.2f}")
flattening = loss_flattening(loss_history) if len(loss_history) >= 4 else None
if flattening:
    print(f"Pérdida media, penúltimo cuarto {flattening['previous_mean']:.3f} → último cuarto {flattening['last_mean']:.3f} "
          f"({-flattening['relative_drop']:+.1%}): {'la curva se ha aplanado' if flattening['flat'] else 'aún baja'}")
save_figure(loss_figure(loss_history), ctx.output_dir / "loss.png")
plt.show()
evaluate("LoRA", tuned, {"strategy": "LoRA", "adapter": lora_settings})

# %% [markdown]
# ### Más allá: generación restringida al catálogo
# Con `CONSTRAINED = True`, el modelo ajustado genera también listas en las que cada título sale de
# un *trie* de prefijos sobre los títulos tokenizados del catálogo (un `LogitsProcessor` deja
# solo los tokens que continúan algún título aún no recomendado y fuerza el número siguiente): todo
# título existe y ninguno se repite. Se compara abajo, en el protocolo generativo, con LoRA libre.

# %%
if CONSTRAINED:
    trie = TitleTrie(tokenizer, list(data.item_map.values()))

    def constrained_batch(ids, current=tuned):
        """A batch function for run_cached: one constrained list per dialogue."""
        texts, seconds, tokens = constrained_lists(current, tokenizer, trie, [prompt_makers["LoRA"](data.dialogues[i])
                                                                               for i in ids], N_RECS, MAX_NEW_TOKENS,
                                                   TEMPERATURE)
        return [[t.split("\n\n")[0]] for t in texts], seconds, tokens

    generations["LoRA restringida"] = run_cached(GenerationCache(
        ctx.output_dir / "generations_constrained.json", gen_settings | {"adapter": lora_settings, "constrained": "trie"},
        source), generate_ids, constrained_batch, MODE, BATCH_DIALOGUES)
    print(generations["LoRA restringida"][generate_ids[0]]["texts"][0])

# %% [markdown]
# ## Líneas base sobre los mismos candidatos y las mismas listas
# **Popularidad**: cuántos usuarios de entrenamiento vieron cada película. **Similitud entre
# películas**: coseno de co-ocurrencia en los historiales de entrenamiento, sembrada con los gustos
# mencionados y el historial reciente (el mismo que ve el modelo). En el ranking puntúan los mismos
# 20 candidatos; en el protocolo generativo dan su lista de 10 sin películas mencionadas.

# %%
similarity = ItemSimilarity(data, splits["train"])
for d in test_dialogues:
    cid = d.conversation_id
    seeds = d.likes + data.history[d.user_id][-HISTORY_ITEMS:]  # the likes and the history the model is shown
    scores.setdefault("popularidad", {})[cid] = {"texts": [float(popular_counts[i]) for i in candidates[cid]]}
    scores.setdefault("similitud", {})[cid] = {"texts": similarity.scores(seeds, candidates[cid])}
baseline_lists = {"popularidad": {}, "similitud": {}}
for d in generate_dialogues:
    mentioned = set(d.likes) | set(d.dislikes)
    seeds = d.likes + data.history[d.user_id][-HISTORY_ITEMS:]
    baseline_lists["popularidad"][d.conversation_id] = [data.titles([i for i in ranked_items if i not in mentioned][:N_RECS])]
    baseline_lists["similitud"][d.conversation_id] = [data.titles(similarity.recommend(seeds, mentioned, N_RECS))]

# %% [markdown]
# ## Protocolo 1: ranking de candidatos
# El puesto del objetivo entre los 20 candidatos da Recall@5, Recall@10 y NDCG@10 por diálogo. Un
# empate con el objetivo no es ni acierto ni fallo: cada métrica es su **valor esperado** sobre los
# puestos que el objetivo puede ocupar entre sus empatados (exacto, sin azar). Importa en las líneas
# base: la popularidad son recuentos enteros y la similitud vale 0 para muchas películas. Los
# intervalos son *bootstrap* del 95 % sobre diálogos.

# %%
strategies = ["zero-shot", "few-shot", "LoRA", "popularidad", "similitud"]
metric_names = ["recall@5", "recall@10", "ndcg@10"]
rank_rows = [{"estrategia": s, "diálogo": cid, **expected_rank_metrics(scores[s][cid]["texts"])}
             for s in strategies for cid in test_ids]
ranking = pd.DataFrame(rank_rows)
atomic_write_csv(ctx.output_dir / "per_dialogue_ranking.csv", ranking)


ranking_summary = summarise(ranking, metric_names, BOOTSTRAP, SEED)
ranking_paired = paired(ranking, metric_names, BOOTSTRAP, SEED)
display(table(ranking_summary, metric_names))
print(f"Azar: {', '.join(f'{k} {v:.3f}' for k, v in chance.items())}")
save_figure(difference_figure(ranking_paired, "recall@10", "Ranking de candidatos: diferencias emparejadas de Recall@10"),
            ctx.output_dir / "paired_ranking.png")
plt.show()

# %% [markdown]
# ## Protocolo 2: listas generadas
# Los títulos se extraen del texto, se normalizan y se emparejan con el catálogo con rapidfuzz
# (umbral `MATCH_THRESHOLD`). Cada lista se puntúa tal cual (un título sin pareja ocupa su puesto y
# nunca acierta); también medimos qué parte está fuera del catálogo, ya mencionada o copiada del
# historial que ve el modelo (el mismo `HISTORY_ITEMS` para todas las estrategias).

# %%
rows, matched_lists = [], {}
for strategy in strategies + (["LoRA restringida"] if CONSTRAINED else []):
    matched_lists[strategy] = []
    for d in generate_dialogues:
        cid = d.conversation_id
        lists = (ranked_lists(generations[strategy][cid]["texts"], catalogue, N_RECS, MATCH_THRESHOLD)
                 if strategy in generations else baseline_lists[strategy][cid])
        matched_lists[strategy] += lists
        relevant, mentioned = set(data.titles(d.rec_items)), set(data.titles(d.likes + d.dislikes))
        shown = set(data.titles(data.history.get(d.user_id, [])[-HISTORY_ITEMS:]))
        figures = pd.DataFrame([score_list(r, relevant, mentioned) for r in lists]).mean().to_dict()
        rows.append({"estrategia": strategy, "diálogo": cid, **{m: figures[m] for m in metric_names},
                     "títulos": sum(len(r) for r in lists), "sin_pareja": sum(t is None for r in lists for t in r),
                     "mencionadas": sum(t in mentioned for r in lists for t in r),
                     "del_historial": sum(t in shown for r in lists for t in r)})
generative = pd.DataFrame(rows)
atomic_write_csv(ctx.output_dir / "per_dialogue_generative.csv", generative)
generative_summary = summarise(generative, metric_names, BOOTSTRAP, SEED)
generative_paired = paired(generative, metric_names, BOOTSTRAP, SEED)


def finite(value):
    """A float, or None where a figure is undefined (no matched title at all)."""
    return None if pd.isna(value) else float(value)


for strategy, group in generative.groupby("estrategia", sort=False):
    count = max(group["títulos"].sum(), 1)
    generative_summary[strategy] |= {"out_of_catalogue": group["sin_pareja"].sum() / count,
                                     "mentioned": group["mencionadas"].sum() / count,
                                     "from_shown_history": group["del_historial"].sum() / count,
                                     "top20_concentration": finite(popularity_concentration(matched_lists[strategy],
                                                                                            popular_titles, 20))}
shares = pd.DataFrame({s: {k: v[k] for k in ("out_of_catalogue", "mentioned", "from_shown_history", "top20_concentration")}
                       for s, v in generative_summary.items()}).T
display(table(generative_summary, metric_names).join(shares.round(3).rename(columns={
    "out_of_catalogue": "fuera del catálogo", "mentioned": "ya mencionadas", "from_shown_history": "del historial mostrado",
    "top20_concentration": "en las 20 más populares"})))
save_figure(difference_figure(generative_paired, "recall@10", "Listas generadas: diferencias emparejadas de Recall@10"),
            ctx.output_dir / "paired_generative.png")
plt.show()

# %% [markdown]
# ## Incertidumbre: ensamblado de aclaraciones de la entrada (Hou et al., 2024)
# Cada **aclaración** reescribe la *petición* con una lectura plausible distinta de lo que el
# usuario quiere (parecidas a sus gustos, lo que pide en la conversación, acorde a su historial,
# algo nuevo). Para cada una, la distribución es sobre las **20 películas candidatas** (softmax de
# sus puntuaciones con el modelo ajustado). **Total** = entropía de la distribución media;
# **aleatoria** = información mutua entre la predicción y la aclaración (total − epistémica);
# **epistémica** = media de las entropías de las predicciones aclaradas. El máximo es ln 20 ≈ 3,0 nats.

# %%
def clarified_scores(ids, current=tuned):
    """A batch function for run_cached: each dialogue's candidate scores under every clarification."""
    start = time.perf_counter()
    rows = []
    for i in ids:
        prompts = [prompt_makers["LoRA"](data.dialogues[i], c) for c in CLARIFICATIONS]
        prefix = prefill_shared_prefix(current, tokenizer, prompts)  # conversation and history: once per dialogue
        rows.append([score_titles(current, tokenizer, p, data.titles(candidates[i]), prefix).tolist() for p in prompts])
    return rows, time.perf_counter() - start, 0


uncertainty_ids = test_ids[:N_UNCERTAINTY]
clarified = run_cached(GenerationCache(ctx.output_dir / "scores_clarified.json", rank_settings | {
    "adapter": lora_settings, "clarifications": CLARIFICATIONS}, source), uncertainty_ids, clarified_scores, MODE,
    BATCH_DIALOGUES)
uncertainty_rows = []
for cid in uncertainty_ids:
    distributions = candidate_distribution(np.array(clarified[cid]["texts"]))
    uncertainty_rows.append({"diálogo": cid, **decompose(distributions),
                             "objetivo_primero": bool(distributions.mean(axis=0).argmax() == 0)})
uncertainty = pd.DataFrame(uncertainty_rows)
atomic_write_csv(ctx.output_dir / "uncertainty.csv", uncertainty)
display(uncertainty.round(3).rename(columns={"total": "total", "aleatoric": "aleatoria", "epistemic": "epistémica",
                                             "objetivo_primero": "objetivo primero"}))
save_figure(split_figure(uncertainty["diálogo"], uncertainty["epistemic"], uncertainty["aleatoric"],
                         uncertainty["objetivo_primero"]), ctx.output_dir / "uncertainty.png")
plt.show()
by_first = uncertainty.groupby("objetivo_primero")["total"].mean().to_dict()
for line in reading(uncertainty, N_NEGATIVES + 1):
    print("-", line)

# %% [markdown]
# ## Guardar la sesión (dill)
# Guardamos los resultados con nombre, no los modelos (se recargan desde la carpeta del adaptador).

# %%
session_path = save_session(ctx.output_dir / "session.dill", {
    "settings": lora_settings, "splits": splits, "test_ids": test_ids, "candidates": candidates, "scores": scores,
    "generations": generations, "ranking": ranking, "generative": generative, "uncertainty": uncertainty,
    "adapter_dir": str(adapter_dir)})
print(session_path)
del model, tuned
free_memory()

# %% [markdown]
# ### Retomar la sesión en un kernel nuevo
# ```python
# from helpers.io import load_session
# load_session("outputs/01_gemma_movie_recommender/session.dill", into=globals())
# ranking.groupby("estrategia")["recall@10"].mean()
# ```
# La celda siguiente lo hace de verdad en un proceso de Python nuevo y compara con el resumen.

# %%
restore = f"""
from helpers.io import load_session
load_session({str(session_path)!r}, into=globals())
print({{k: round(v, 3) for k, v in ranking.groupby("estrategia", sort=False)["recall@10"].mean().items()}})
"""
fresh = subprocess.run([sys.executable, "-c", restore], capture_output=True, text=True,
                       env=os.environ | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
if fresh.returncode != 0:
    raise RuntimeError(f"La sesión no se pudo retomar en un proceso nuevo:\n{fresh.stderr}")
again = eval(fresh.stdout.strip())  # noqa: S307  (our own subprocess's printed dict)
assert all(abs(again[s] - ranking_summary[s]["recall@10"]["mean"]) < 1e-3 for s in again)
print(f"Kernel nuevo, Recall@10 (ranking) desde la sesión: {again}")

# %% [markdown]
# ## Conclusiones automáticas

# %%
lines = []
for protocol, summary, differences in [("ranking", ranking_summary, ranking_paired),
                                       ("generativo", generative_summary, generative_paired)]:
    for strategy in ["zero-shot", "few-shot", "LoRA"]:
        diff = differences[f"{strategy} - similitud"]["recall@10"]
        verdict = ("supera a" if diff["separated"] and diff["mean"] > 0 else
                   "queda por debajo de" if diff["separated"] else "no se distingue de")
        lines.append(f"- {protocol}, {strategy}: Recall@10 {summary[strategy]['recall@10']['mean']:.3f}; {verdict} la "
                     f"similitud entre películas (diferencia {diff['mean']:+.3f}, IC 95 % [{diff['low']:+.3f}, {diff['high']:+.3f}]).")
if CONSTRAINED:
    free, fixed = generative_summary["LoRA"], generative_summary["LoRA restringida"]
    diff = generative_paired["LoRA - LoRA restringida"]["recall@10"]
    lines.append(f"- Restringir LoRA al catálogo: títulos fuera de catálogo {free['out_of_catalogue']:.0%} → "
                 f"{fixed['out_of_catalogue']:.0%}; Recall@10 {free['recall@10']['mean']:.3f} → {fixed['recall@10']['mean']:.3f} "
                 f"(libre − restringida {diff['mean']:+.3f}, IC 95 % [{diff['low']:+.3f}, {diff['high']:+.3f}]).")
lines.append(f"- Azar en el ranking: Recall@10 {chance['recall@10']:.2f}, NDCG@10 {chance['ndcg@10']:.3f}; "
             f"{len(test_dialogues)} diálogos de prueba.")
print("\n".join(lines))
atomic_write_text(ctx.output_dir / "conclusions.md", "\n".join(lines) + "\n")

# %%
metrics = {
    "profile": PROFILE,
    "model": model_name,
    "prompt_style": PROMPT_STYLE,
    "data": "llm-redial" if DATA_DIR else "movielens-templates",
    "dialogues": len(data.dialogues),
    "users": {part: len(users) for part, users in splits.items()},
    "test_dialogues": len(test_dialogues),
    "missing_items": sum(data.missing_items.values()),
    "history_items": HISTORY_ITEMS,
    "protocols": {
        "ranking": {"candidates": N_NEGATIVES + 1, "chance": chance, "test_dialogues": len(test_dialogues),
                    "strategies": ranking_summary, "paired_differences": ranking_paired},
        "generative": {"lists_per_dialogue": N_LISTS, "match_threshold": MATCH_THRESHOLD,
                       "test_dialogues": len(generate_dialogues), "strategies": generative_summary,
                       "paired_differences": generative_paired},
    },
    "seconds_per_dialogue": {f"{kind}/{s}": float(np.mean([g["seconds"] for g in results[s].values()]))
                             for kind, results in [("ranking", scores), ("generative", generations)]
                             for s in results if s not in ("popularidad", "similitud")},
    "uncertainty": {**{k: float(uncertainty[k].mean()) for k in ("total", "aleatoric", "epistemic")},
                    "dialogues": len(uncertainty), "target_first_share": float(uncertainty["objetivo_primero"].mean()),
                    "total_when_target_first": {str(k): float(v) for k, v in by_first.items()}},
    "lora": {"steps": MAX_STEPS, "examples_per_step": BATCH_SIZE * GRAD_ACCUM, "max_length": MAX_LENGTH,
             "seconds": train_seconds, "first_loss": loss_history[0]["loss"], "last_loss": loss_history[-1]["loss"],
             "flattening": flattening},
    "run_seconds": time.perf_counter() - run_start,
}
print(save_metrics(metrics, ctx.output_dir))
