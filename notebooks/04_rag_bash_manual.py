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
# # 04 · RAG sobre el manual de Bash en español, medido
#
# [![Abrir en Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-studies/llm-studies/blob/main/notebooks/04_rag_bash_manual.ipynb)
#
# Reproducimos un estudio que responde preguntas sobre Bash con *retrieval-augmented generation*
# (RAG) a partir del manual de Bash en español: trocear el manual, convertir los trozos en
# embeddings, recuperar los más parecidos a la pregunta y pedir a un modelo que responda **solo**
# con ellos, citándolos. El original comparaba tamaños de trozo, dos modelos de embeddings,
# similitud coseno frente a euclídea y dos generadores, mirando las respuestas a ojo.
#
# Aquí además **medimos**: 48 preguntas etiquetadas con la sección del manual que las responde,
# hit@k y MRR con intervalos de confianza para cada configuración (troceado × embedder × similitud,
# más BM25 y un híbrido) frente al azar de cada troceado, y una comprobación automática de que cada
# cita de cada respuesta está **apoyada** por un fragmento de la sección correcta.
#
# **Corpus.** La página `bash(1)` en español de Debian (`manpages-es`, GPL-3+), convertida a texto
# en `make setup`. Ojo: la traducción está incompleta y **una parte del manual sigue en inglés**
# (lo medimos abajo; la sección de órdenes internas, `cd` incluida, está casi toda en inglés). El
# segundo corpus es el *Bash Reference Manual* en inglés (`bash-doc`, GNU FDL).

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

    prepare_colab("04_rag_bash_manual", "llm-studies")

# %% tags=["parameters"]
PROFILE = "local"  # "local": modelos empaquetados en CPU; "gpu": modelos del Hub (Colab)
SEED = 0  # semilla de los intervalos bootstrap
PRECISION = "auto"  # CPU: "auto" es bf16 donde la CPU lo ejecuta en hardware (AVX512-BF16 o AMX) y float32 en otra; o "float32" / "bfloat16"
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/04_rag_bash_manual/
CHUNKINGS = {"palabras 300/100": ["palabras", 300, 100], "palabras 500/200": ["palabras", 500, 200], "secciones ≤300": ["secciones", 300, 0], "tokens 250/50": ["tokens", 250, 50]}  # [tipo, tamaño, solape]; "tokens": en tokens del primer embedder
EMBEDDER_ROLES = ["embedder", "embedder_alt"]  # papeles del registro: dos modelos de embeddings
TRUST_REMOTE_CODE = False  # jina-embeddings (perfil gpu) ejecuta código del Hub: sin esto se omite
N_QUESTIONS = 0  # preguntas etiquetadas a evaluar y responder; 0: las 48
N_OUTSIDE = 0  # preguntas ajenas al manual a responder; 0: las 12
SCORING = "majority"  # acierto de un trozo: "majority" (su sección mayoritaria es la esperada), "share" o "any"
RETRIEVAL_KS = [1, 3, 5, 7, 10, 20]  # hit@k; 7, 10 y 20 son los top_k del original
TOP_K = 3  # fragmentos que recibe el generador (los mismos para los dos generadores)
FRAGMENT_WORDS = 120  # palabras de cada fragmento que ve el generador (presupuesto de CPU)
GENERATORS = [["generator", 0], ["generator_alt", 4]]  # [papel del registro, bits: 0 precisión completa, 4 u 8]
MAX_NEW_TOKENS = 250  # longitud máxima de cada respuesta (la del original)
TEMPERATURE = 0.0  # 0: voraz (determinista); 1.0: muestreo como el original (top-k 50 de generate)
BATCH_SIZE = 4  # preguntas por lote de generación
SUPPORT_THRESHOLD = 0.5  # proporción mínima de palabras de la respuesta que debe estar en el fragmento citado

# %%
import re
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.embeddings import encode_cached, load_embedder
from helpers.env import set_up
from helpers.io import atomic_write_csv, atomic_write_json, save_figure, settings_key
from helpers.metrics import bootstrap_interval, format_interval, paired_difference, save_metrics
from helpers.models import load_causal_lm
from helpers.rag.answers import OUTCOMES, SYSTEM_PROMPT, build_prompt, judge_answer, show_prompt
from helpers.rag.bash_manual import clean_text, load_manual
from helpers.rag.evaluation import (answer_set, first_relevant_ranks, is_relevant, load_questions, per_question,
                                    random_baseline, separated_winner, with_intervals)
from helpers.rag.runs import ENGLISH_ONLY_EMBEDDERS, answer_questions, judge_all, outcome_summary, plot_outcomes, remote_code_refusal
from helpers.registry import model_for
from helpers.retrieval import Retriever, chunk_by_sections, chunk_labelled_tokens, chunk_labelled_words
from helpers.text import is_english

NOTEBOOK = "04_rag_bash_manual"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR, PRECISION)
pd.set_option("display.max_colwidth", 100)
notebook_start = time.perf_counter()

# %% [markdown]
# ## El corpus y cuánto sigue en inglés

# %%
sections = load_manual("es")
words = sum(len(s.text.split()) for s in sections)
english_words = sum(len(s.text.split()) for s in sections if is_english(s.text))
builtins = [s for s in sections if s.section.startswith("ÓRDENES NATIVAS")]
english_share = english_words / words
builtins_english = sum(len(s.text.split()) for s in builtins if is_english(s.text)) / sum(len(s.text.split()) for s in builtins)
print(f"{len(sections)} secciones y subsecciones, {words} palabras")
print(f"En inglés: {english_share:.0%} del manual; {builtins_english:.0%} de las órdenes internas")

# %% [markdown]
# ### Limpieza que no rompe el texto
# El original limpiaba con la expresión `(\.|\s*)+`, que **también casa con la cadena vacía**:
# inserta el reemplazo entre cada par de letras. `clean_text` une las palabras cortadas con guion
# al final de línea, quita las líneas de puntos de los índices y colapsa los espacios.

# %%
sample = "cd  [-L]  dir\nCambia el direc‐\n       torio de trabajo ........ 12"
print("original:", repr(re.sub(r"(\.|\s*)+", " ", sample)[:60]))
print("clean_text:", repr(clean_text(sample)))

# %% [markdown]
# ## Los embedders
# En el perfil gpu, jina-embeddings necesita ejecutar código del Hub: sin `TRUST_REMOTE_CODE = True`
# se cargaría en silencio como un BERT con capas aleatorias, así que se omite con una explicación.

# %%
embedders = {}
for role in EMBEDDER_ROLES:
    name = model_for(NOTEBOOK, role, PROFILE)
    refusal = remote_code_refusal(name, TRUST_REMOTE_CODE)
    if refusal:
        print("Omitido:", refusal)
        continue
    embedders[name] = load_embedder(name, trust_remote_code=TRUST_REMOTE_CODE)
print("Embedders:", list(embedders))

# %% [markdown]
# ## Troceado
# Por palabras con solape (`len_chunks` / `remember_words` del original: 300/100 y 500/200), por
# secciones y frases, y **por tokens del propio embedder** (el primero que tenga tokenizador): así
# ningún trozo supera lo que el modelo lee. Cada trozo guarda las secciones que cubre y cuántas de
# sus palabras hay en cada una.

# %%
token_embedder = next((e for e in embedders.values() if e.tokenizer is not None), None)


def count_word_tokens(words_list):
    return [len(ids) for ids in token_embedder.tokenizer(list(words_list), add_special_tokens=False)["input_ids"]]


chunkings = {}
for name, (kind, size, overlap) in CHUNKINGS.items():
    if kind == "secciones":
        chunkings[name] = chunk_by_sections(sections, size)
    elif kind == "palabras":
        chunkings[name] = chunk_labelled_words(sections, size, overlap)
    elif kind == "tokens" and token_embedder is not None:
        chunkings[f"{name} ({token_embedder.name})"] = chunk_labelled_tokens(sections, count_word_tokens, size, overlap)
    elif kind == "tokens":
        print(f"Sin tokenizador entre los embedders: se omite «{name}»")
    else:
        raise ValueError(f"CHUNKINGS[{name!r}]: tipo {kind!r} desconocido (palabras, secciones o tokens)")
pd.DataFrame([{"troceado": name, "trozos": len(chunks), "palabras medias": np.mean([len(c.text.split()) for c in chunks]),
               "secciones por trozo": np.mean([len(c.labels) for c in chunks]),
               "palabras en su sección mayoritaria": np.mean([max(c.shares) for c in chunks])}
              for name, chunks in chunkings.items()]).round(2)

# %% [markdown]
# ### ¿Cabe cada trozo en lo que lee el modelo?
# Muchos codificadores de frases leen 128-384 tokens y **cortan el resto en silencio**: un trozo
# de 500 palabras se representa solo por su principio. El troceado por tokens no corta nada.

# %%
truncation_rows = []
for name, embedder in embedders.items():
    for chunk_name, chunks in chunkings.items():
        if embedder.max_tokens is None:
            truncation_rows.append({"modelo": name, "troceado": chunk_name, "límite": "sin límite"})
            continue
        counts = np.array(embedder.count_tokens([c.text for c in chunks]))
        cut = np.clip(counts - embedder.max_tokens, 0, None)
        truncation_rows.append({"modelo": name, "troceado": chunk_name, "límite": embedder.max_tokens,
                                "trozos cortados": f"{(cut > 0).mean():.0%}", "texto perdido": f"{cut.sum() / counts.sum():.0%}"})
pd.DataFrame(truncation_rows)

# %% [markdown]
# ## Embeddings calculados una vez y guardados en disco
# El original volvía a calcular los embeddings de todo el manual para cada pregunta. Aquí se
# guardan por modelo y texto exacto: la segunda vez es leer un fichero.

# %%
vectors, embed_seconds = {}, {}
for name, embedder in embedders.items():
    for chunk_name, chunks in chunkings.items():
        start = time.perf_counter()
        vectors[name, chunk_name] = encode_cached(embedder, [c.text for c in chunks])
        embed_seconds[name, chunk_name] = time.perf_counter() - start
start = time.perf_counter()
for (name, chunk_name), cached in vectors.items():
    assert np.array_equal(encode_cached(embedders[name], [c.text for c in chunkings[chunk_name]]), cached)
print(f"Primera vez (o desde caché de otra ejecución): {sum(embed_seconds.values()):.1f} s; "
      f"desde la caché: {time.perf_counter() - start:.2f} s")

# %% [markdown]
# ## Coseno frente a euclídea (una sola vez)
# Estos modelos devuelven vectores de **longitud 1**. Para vectores unitarios
# ‖a − b‖² = 2 − 2·cos(a, b): la distancia euclídea es una función decreciente del coseno y las dos
# ordenan igual. Lo comprobamos en todas las configuraciones, por eso la tabla de resultados no
# repite filas euclídeas; después mostramos un caso en que difieren: vectores **sin normalizar**
# (cada vector multiplicado por la longitud de su trozo, como haría una suma de embeddings de
# palabras), donde la euclídea premia la longitud y no solo la dirección.

# %%
questions_data = load_questions()
questions = questions_data["questions"][: N_QUESTIONS or None]
question_vectors = {name: e.encode([q["question"] for q in questions]) for name, e in embedders.items()}
same = []
for (name, chunk_name), chunk_vectors in vectors.items():
    chunks = chunkings[chunk_name]
    cos_r = Retriever(chunks, embedders[name], "cosine", vectors=chunk_vectors)
    euc_r = Retriever(chunks, embedders[name], "euclidean", vectors=chunk_vectors)
    same += [[i for i, _ in cos_r.search(q["question"], 10, v)] == [i for i, _ in euc_r.search(q["question"], 10, v)]
             for q, v in zip(questions, question_vectors[name], strict=True)]
same_ranking_share = float(np.mean(same))
print(f"Mismo top-10 con coseno y euclídea en el {same_ranking_share:.0%} de {len(same)} búsquedas")

first_model, first_chunking = next(iter(embedders)), next(iter(chunkings))
chunks, chunk_vectors = chunkings[first_chunking], vectors[first_model, first_chunking]
scaled = chunk_vectors * np.array([len(c.text.split()) / 100 for c in chunks])[:, None]
cos_s = Retriever(chunks, embedders[first_model], "cosine", vectors=scaled)
euc_s = Retriever(chunks, embedders[first_model], "euclidean", vectors=scaled)
q_first = question_vectors[first_model]
differ = [[i for i, _ in cos_s.search(q["question"], 5, v)] != [i for i, _ in euc_s.search(q["question"], 5, v)]
          for q, v in zip(questions, q_first, strict=True)]
example_index = int(np.argmax(differ))
example = questions[example_index]["question"]
unnormalised_differ_share = float(np.mean(differ))
print(f"Sin normalizar difieren en el {unnormalised_differ_share:.0%} de las preguntas. Ejemplo: {example}")
pd.DataFrame({"coseno": [chunks[i].majority for i, _ in cos_s.search(example, 3, q_first[example_index])],
              "euclídea": [chunks[i].majority for i, _ in euc_s.search(example, 3, q_first[example_index])],
              "palabras (euclídea)": [len(chunks[i].text.split()) for i, _ in euc_s.search(example, 3, q_first[example_index])]})

# %% [markdown]
# ## Evaluación de la recuperación, justa con los trozos largos
# Un trozo de 500 palabras toca de media más de dos secciones: si bastara con **tocar** una sección
# esperada, los trozos largos acertarían por tamaño. Aquí un trozo acierta si **la sección que tiene
# la mayoría de sus palabras** es una de las esperadas (`SCORING`). hit@k: proporción de preguntas
# con algún acierto entre los k primeros (7, 10 y 20 son los `top_k` del original); MRR: media de
# 1/puesto del primer acierto entre los 10 primeros. Cada cifra lleva su **intervalo bootstrap del
# 95 %** sobre preguntas, y cada troceado su **azar** (valor esperado exacto de un orden aleatorio).
# Para comparar, la última columna es el MRR con la regla antigua («toca una sección»).

# %%
DEPTH = max(RETRIEVAL_KS + [10])
retrievers = {}
for chunk_name, chunks in chunkings.items():
    retrievers[chunk_name, "BM25"] = (Retriever(chunks, similarity="bm25"), None)
    for name, embedder in embedders.items():
        for similarity in ["cosine", "hybrid"]:
            retrievers[chunk_name, f"{name} · {similarity}"] = (
                Retriever(chunks, embedder, similarity, vectors=vectors[name, chunk_name]), question_vectors[name])


rows, per_config, baselines = [], {}, {}
for chunk_name, chunks in chunkings.items():
    baselines[chunk_name] = random_baseline(chunks, questions, RETRIEVAL_KS, depth=10, scoring=SCORING)
    rows.append({"troceado": chunk_name, "método": "azar (esperado)",
                 **{key: f"{value:.2f}" for key, value in baselines[chunk_name].items()}})
for (chunk_name, method), (retriever, q_vectors) in retrievers.items():
    chunks = chunkings[chunk_name]
    ranks = first_relevant_ranks(retriever, chunks, questions, DEPTH, q_vectors, SCORING)
    values = per_question(np.where(ranks > 10, 0, ranks), [k for k in RETRIEVAL_KS if k <= 10])
    values |= {f"hit@{k}": per_question(ranks, [k])[f"hit@{k}"] for k in RETRIEVAL_KS if k > 10}
    per_config[chunk_name, method] = values
    loose = first_relevant_ranks(retriever, chunks, questions, 10, q_vectors, "any")
    rows.append({"troceado": chunk_name, "método": method,
                 **{key: format_interval(interval) for key, interval in with_intervals(values, SEED).items()},
                 "MRR (toca una sección)": f"{per_question(loose)['mrr'].mean():.2f}"})
retrieval_table = pd.DataFrame(rows)
atomic_write_csv(ctx.output_dir / "retrieval.csv", retrieval_table)
retrieval_table

# %% [markdown]
# ### ¿Hay un ganador?
# Solo si el intervalo de la diferencia pareada (por pregunta) entre el mejor y el segundo excluye
# el cero.

# %%
mrr_by_config = {f"{c} | {m}": v["mrr"] for (c, m), v in per_config.items()}
best_name, winner, best_gap = separated_winner(mrr_by_config, SEED)
best_key = next(key for key in per_config if f"{key[0]} | {key[1]}" == best_name)
if winner:
    print(f"Ganador por MRR: {winner} (diferencia con {best_gap['runner_up']}: {best_gap['mean']:+.2f} "
          f"[{best_gap['low']:+.2f}, {best_gap['high']:+.2f}])")
else:
    print(f"Mejor MRR medio: {best_name}, pero su diferencia con {best_gap['runner_up']} es {best_gap['mean']:+.2f} "
          f"[{best_gap['low']:+.2f}, {best_gap['high']:+.2f}]: los intervalos no separan, no hay ganador.")
bm25_vs_cosine = {}
for chunk_name in chunkings:
    for name in embedders:
        bm25_vs_cosine[f"{chunk_name} | BM25 − {name} · coseno"] = paired_difference(
            per_config[chunk_name, "BM25"]["mrr"], per_config[chunk_name, f"{name} · cosine"]["mrr"], seed=SEED)
pd.DataFrame(bm25_vs_cosine).T.round(3).rename(columns={"mean": "diferencia media", "low": "IC 95 % inferior",
                                                     "high": "IC 95 % superior", "n": "preguntas", "separated": "separa del 0"})

# %% [markdown]
# ### La comparación que importa: el embedder multilingüe frente a BM25
# El manual y las preguntas están en español. `all-MiniLM-L6-v2` (y `all-mpnet-base-v2`) se
# entrenaron en inglés: sus filas son una referencia débil, no un rival. La comparación principal es
# el embedder **multilingüe** (Universal Sentence Encoder multilingüe en local) frente a BM25, con el
# mismo troceado (el del mejor recuperador), en MRR por pregunta emparejado.

# %%
multilingual_name = next((n for n in embedders if n not in ENGLISH_ONLY_EMBEDDERS), None)
headline = None
if multilingual_name is not None:
    headline_chunking = best_key[0]
    headline = {"chunking": headline_chunking, "embedder": multilingual_name, **paired_difference(
        per_config[headline_chunking, f"{multilingual_name} · cosine"]["mrr"], per_config[headline_chunking, "BM25"]["mrr"],
        seed=SEED)}
    verdict = ("gana el multilingüe" if headline["separated"] and headline["mean"] > 0 else
               "gana BM25" if headline["separated"] else "no se separan: inconcluso")
    print(f"MRR, {multilingual_name} · coseno − BM25 ({headline_chunking}): {headline['mean']:+.3f} "
          f"[{headline['low']:+.3f}, {headline['high']:+.3f}] sobre {headline['n']} preguntas: {verdict}")
english_only = [n for n in embedders if n in ENGLISH_ONLY_EMBEDDERS]
if english_only:
    print(f"Solo inglés (referencia débil en un manual en español): {', '.join(english_only)}")

# %%
mrr_means = {key: float(v["mrr"].mean()) for key, v in per_config.items()}
order = sorted(mrr_means, key=mrr_means.get)
intervals = [bootstrap_interval(per_config[key]["mrr"], seed=SEED) for key in order]
fig, ax = plt.subplots(figsize=(10, 0.32 * len(order) + 1.2))
labels = [f"{c} | {m}" for c, m in order]
ax.errorbar([i[0] for i in intervals], labels, xerr=[[i[0] - i[1] for i in intervals], [i[2] - i[0] for i in intervals]],
            fmt="o", color="tab:blue", label="MRR (IC 95 %)")
ax.scatter([baselines[c]["mrr"] for c, _ in order], labels, marker="|", s=200, color="tab:red", label="azar")
ax.set_xlim(0, 1)
ax.set_title(f"Recuperación sobre {len(questions)} preguntas (acierto: sección mayoritaria)")
ax.legend(loc="lower right")
fig.tight_layout()
save_figure(fig, ctx.output_dir / "retrieval.png")
plt.show()

# %% [markdown]
# ## El prompt
# Cada generador recibe los `TOP_K` fragmentos numerados del mejor recuperador por MRR medio
# (elegido sobre estas mismas preguntas: su recuperación está ligeramente sobreestimada) y debe
# citarlos como `[Contexto N]` o decir exactamente «No encuentro esa información en los
# fragmentos». El ejemplo de cita del prompt es `[Contexto N]`, no un número que se pueda copiar.

# %%
best_retriever, best_q_vectors = retrievers[best_key]
best_chunks = chunkings[best_key[0]]
items = [q for q in answer_set(questions_data) if q["in_manual"]][: N_QUESTIONS or None]
outside_items = [q for q in answer_set(questions_data) if not q["in_manual"]][: N_OUTSIDE or None]
items += outside_items
item_vectors = None
if best_q_vectors is not None:
    item_vectors = embedders[best_key[1].split(" · ")[0]].encode([q["question"] for q in items])
fragments, gold = {}, {}
for index, q in enumerate(items):
    hits = best_retriever.search(q["question"], TOP_K, None if item_vectors is None else item_vectors[index])
    shown = [best_chunks[i].head(FRAGMENT_WORDS) for i, _ in hits]  # what the generator reads of each chunk
    fragments[q["question"]] = [chunk.text for chunk in shown]
    # Relevance judged on the words shown, not on the whole chunk: a chunk whose answer lies past its
    # first FRAGMENT_WORDS words gives the generator nothing to cite.
    gold[q["question"]] = [is_relevant(chunk, q["sections"], SCORING) if q["in_manual"] else False for chunk in shown]
print(show_prompt(build_prompt(items[0]["question"], fragments[items[0]["question"]])))

# %% [markdown]
# ## Las respuestas de los dos generadores, con los mismos fragmentos
# Se responden **todas** las preguntas etiquetadas y las ajenas al manual. Presupuesto en CPU:
# `TOP_K` fragmentos de hasta `FRAGMENT_WORDS` palabras, respuestas de hasta `MAX_NEW_TOKENS`
# tokens, en lotes de `BATCH_SIZE`; el mismo para los dos generadores. Perfil local: solo hay un
# modelo empaquetado que sigue instrucciones en español (Qwen2.5-Coder-0.5B), así que el segundo
# generador es **el mismo modelo en 4 bits: esa fila compara precisión, no modelos**. Perfil gpu:
# Qwen2.5-1.5B-Instruct frente a Phi-3.5-mini-instruct. Cada lote se guarda: si se interrumpe,
# se retoma donde se quedó (la caché va con todos los ajustes en su nombre).

# %%
print(f"Presupuesto: {len(items)} preguntas ({len(items) - len(outside_items)} del manual, {len(outside_items)} ajenas) "
      f"× {len(GENERATORS)} generadores × ≤{MAX_NEW_TOKENS} tokens, {TOP_K} fragmentos de ≤{FRAGMENT_WORDS} palabras")
judged, speed, labels = {}, {}, {}
for role, bits in GENERATORS:
    generator = model_for(NOTEBOOK, role, PROFILE)
    same_model = sum(model_for(NOTEBOOK, r, PROFILE) == generator for r, _ in GENERATORS) > 1
    label = f"{generator} ({f'{bits} bits' if bits else 'completa'})" + (" · compara precisión" if same_model and bits else "")
    key = settings_key({"generator": generator, "bits": bits, "top_k": TOP_K, "fragment_words": FRAGMENT_WORDS,
                        "max_new_tokens": MAX_NEW_TOKENS, "temperature": TEMPERATURE, "seed": SEED,
                        "retriever": best_name, "system": SYSTEM_PROMPT,
                        "batch_size": BATCH_SIZE, "fragments": fragments, "precision": ctx.precision})
    model, tokenizer = load_causal_lm(generator, bits=bits or None)
    answers, spent = answer_questions(model, tokenizer, items, fragments, ctx.output_dir / f"answers_{key}.json",
                                      MAX_NEW_TOKENS, BATCH_SIZE, label=f"Respuestas RAG · {label}",
                                      temperature=TEMPERATURE)
    del model
    judged[label] = judge_all(answers, items, fragments, gold, SUPPORT_THRESHOLD)
    speed[label] = spent["tokens"] / spent["seconds"] if spent["seconds"] else None
    print(f"{label}: {spent['tokens']} tokens en {spent['seconds']:.0f} s "
          f"({speed[label] or 0:.1f} tokens/s en esta o en una ejecución anterior)")
atomic_write_json(ctx.output_dir / "answers.json", judged)
pd.DataFrame([{"generador": g, "pregunta": r["question"], "respuesta": r["answer"], "veredicto": r["outcome"]}
              for g, rows_ in judged.items() for r in rows_[:3] + rows_[-2:]])

# %% [markdown]
# ## ¿Están apoyadas las citas?
# Una cita `[Contexto N]` está **apoyada** cuando el fragmento N es de una sección esperada para la
# pregunta (su sección mayoritaria) y al menos el `SUPPORT_THRESHOLD` de las palabras de contenido
# de la respuesta (raíces de 6 letras, sin tildes) están en él. Cifras separadas, con intervalo:
# - sobre las preguntas del manual: cita apoyada, cita sin apoyo, sin cita;
# - los rechazos de preguntas del manual, separados por si **algún fragmento mostrado tenía la
#   respuesta** (según lo que el generador vio de él): **rechazo indebido** sobre las preguntas con
#   un fragmento correcto en el prompt, y **rechazo justificado** sobre las que no lo tenían (ahí
#   rechazar es lo correcto: el fallo es de la recuperación, no del generador);
# - sobre las ajenas: **rechazo correcto** (la frase de rechazo y ninguna cita; un rechazo que cita
#   un fragmento no cuenta);
# - el número total de citas sin apoyo (a un fragmento de otra sección, sin palabras en común o
#   a un número que no existe).
# Límite conocido: las órdenes internas del manual están en inglés y las respuestas en español, así
# que una respuesta correcta traducida puede quedar «sin apoyo» por palabras: la cifra es una cota
# inferior de lo apoyado, no una nota de calidad. Cada proporción lleva su intervalo exacto
# (Clopper-Pearson), que no se colapsa en 0 o 1 como un bootstrap con 12 de 12.

# %%
summaries = {label: outcome_summary(rows_) for label, rows_ in judged.items()}
citation_table = pd.DataFrame({label: {
    "cita apoyada (manual)": format_interval(s["supported"]), "cita sin apoyo (manual)": format_interval(s["unsupported"]),
    "sin cita (manual)": format_interval(s["no_citation"]),
    f"rechazo indebido (con la respuesta en el prompt, {s['gold_shown']})":
        format_interval(s["wrong_refusal"]) if s["wrong_refusal"] else "–",
    f"rechazo justificado (sin ella, {s['gold_missing']})":
        format_interval(s["justified_refusal"]) if s["justified_refusal"] else "–",
    "rechazo correcto (ajenas)": format_interval(s["correct_refusal"]) if s["correct_refusal"] else "–",
    "citas sin apoyo (total)": s["unsupported_citations"],
    "tokens/s": f"{speed[label] or 0:.1f}"} for label, s in summaries.items()}).T
citation_table

# %%
counts = {label: {o: sum(r["outcome"] == o for r in rows_) for o in OUTCOMES} for label, rows_ in judged.items()}
plot_outcomes(counts, ctx.output_dir / "citations.png",
              f"Veredicto de {len(items)} respuestas ({len(items) - len(outside_items)} del manual, {len(outside_items)} ajenas)")
labels_list = list(judged)
generator_difference = None
if len(labels_list) == 2:
    generator_difference = paired_difference([r["outcome"] == "supported" for r in judged[labels_list[0]] if r["in_manual"]],
                                             [r["outcome"] == "supported" for r in judged[labels_list[1]] if r["in_manual"]], seed=SEED)
    print(f"Cita apoyada, {labels_list[0]} − {labels_list[1]}: {generator_difference['mean']:+.2f} "
          f"[{generator_difference['low']:+.2f}, {generator_difference['high']:+.2f}]"
          + ("" if generator_difference["separated"] else ": no separa"))

# %% [markdown]
# ### El juez, puesto a prueba con respuestas fabricadas
# Sobre los fragmentos de una pregunta real, tomando el primero como el de la sección correcta y el
# segundo como el de otra: tres respuestas que **deben** rechazarse (un rechazo con cita, una cita a
# un fragmento de otra sección, una respuesta ajena que cita el fragmento correcto) y una que debe
# aceptarse (una frase copiada del fragmento correcto).

# %%
probe = items[0]
probe_fragments, probe_gold = fragments[probe["question"]][:2], [True, False]
probes = {"rechazo con cita": "No encuentro esa información en los fragmentos [Contexto 1]",
          "cita de otra sección": " ".join(probe_fragments[1].split()[:25]) + " [Contexto 2]",
          "respuesta ajena con cita real": "grep busca patrones en archivos de texto línea a línea [Contexto 1]",
          "frase copiada del fragmento": " ".join(probe_fragments[0].split()[:25]) + " [Contexto 1]"}
probe_table = pd.DataFrame([{"respuesta fabricada": name, "veredicto": judge_answer(
    text, probe_fragments, probe_gold, True, SUPPORT_THRESHOLD)["outcome"]} for name, text in probes.items()])
judge_passes = list(probe_table["veredicto"]) == ["wrong_refusal", "unsupported", "unsupported", "supported"]
print("Pregunta:", probe["question"], "| el juez acierta en las cuatro:", judge_passes)
probe_table

# %% [markdown]
# ## El segundo corpus: el manual de referencia en inglés
# Con el embedder multilingüe, las preguntas del original en español recuperan del manual en inglés.

# %%
english_sections = load_manual("en")
english_chunks = chunk_labelled_words(english_sections, 300, 100)
multilingual = embedders[multilingual_name or list(embedders)[-1]]
english_retriever = Retriever(english_chunks, multilingual, "cosine")
originals = questions_data["original_questions"]
pd.DataFrame([{"pregunta": q["question"], "secciones del manual inglés": [english_chunks[i].majority for i, _ in
               english_retriever.search(q["question"], 3)]} for q in originals])

# %%
first_label = labels_list[0]
metrics = {
    "profile": PROFILE,
    "manual_words": words,
    "manual_english_share": english_share,
    "questions": len(questions),
    "scoring": SCORING,
    "chunkings": list(chunkings),
    "configurations": len(per_config),
    "retrieval": {f"{c} | {m}": {k: list(with_intervals({k: v[k]}, SEED)[k]) for k in ("hit@1", "hit@5", "mrr")}
                  for (c, m), v in per_config.items()},
    "random_baseline": baselines,
    "best_configuration": best_name,
    "best_mrr": float(per_config[best_key]["mrr"].mean()),
    "winner": winner,
    "best_gap": best_gap,
    "headline_multilingual_minus_bm25": headline,
    "english_only_embedders": english_only,
    "cosine_euclidean_same_ranking": same_ranking_share,
    "unnormalised_differ_share": unnormalised_differ_share,
    "answered_in_manual": len(items) - len(outside_items),
    "answered_outside": len(outside_items),
    "generators": labels_list,
    "citation_outcomes": {label: {k: (list(v) if isinstance(v, tuple) else v) for k, v in s.items()}
                          for label, s in summaries.items()},
    "tokens_per_second": speed,
    "generator_supported_difference": generator_difference,
    "judge_probes_pass": judge_passes,
    "english_chunks": len(english_chunks),
    "seconds": time.perf_counter() - notebook_start,
}
print(save_metrics(metrics, ctx.output_dir))
