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
# Reproducimos un estudio que responde preguntas sobre Bash con *retrieval-augmented generation*
# (RAG) a partir del manual de Bash en español: trocear el manual, convertir los trozos en
# embeddings, recuperar los más parecidos a la pregunta y pedir a un modelo que responda **solo**
# con ellos, citándolos. El original comparaba tamaños de trozo, dos modelos de embeddings,
# similitud coseno frente a euclídea y dos generadores, mirando las respuestas a ojo.
#
# Aquí además **medimos**: 48 preguntas etiquetadas con la sección del manual que las responde,
# hit@1/3/5 y MRR para cada configuración (troceado × embedder × similitud, más BM25 y un híbrido),
# y una comprobación automática de las citas de cada respuesta.
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
SEED = 0  # semilla de la generación
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/04_rag_bash_manual/
CHUNKINGS = {"palabras 300/100": [300, 100], "palabras 500/200": [500, 200], "secciones ≤300": [0, 300]}  # [tamaño, solape]; tamaño 0: por secciones y frases
EMBEDDER_ROLES = ["embedder", "embedder_alt"]  # papeles del registro: dos modelos de embeddings
TRUST_REMOTE_CODE = False  # jina-embeddings (perfil gpu) ejecuta código del Hub: actívalo solo si confías
N_QUESTIONS = 0  # preguntas etiquetadas a evaluar; 0: las 48
TOP_K = 3  # fragmentos que recibe el generador
GENERATORS = [["generator", 0], ["generator_alt", 4]]  # [papel del registro, bits: 0 precisión completa, 4 u 8]
N_ORIGINAL_QUESTIONS = 0  # preguntas del estudio original a responder; 0: las 8
MAX_NEW_TOKENS = 120  # longitud máxima de cada respuesta

# %%
import re
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.rag.bash_manual import clean_text, load_manual
from helpers.embeddings import encode_cached, load_embedder
from helpers.env import set_up
from helpers.generation import generate
from helpers.io import atomic_write_json
from helpers.metrics import save_metrics
from helpers.models import load_causal_lm
from helpers.rag.answers import build_prompt, check_citations, show_prompt
from helpers.rag.evaluation import evaluate_retrieval, load_questions
from helpers.registry import model_for
from helpers.retrieval import Retriever, chunk_by_sections, chunk_labelled_words

NOTEBOOK = "04_rag_bash_manual"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR)
pd.set_option("display.max_colwidth", 100)

# %% [markdown]
# ## El corpus y cuánto sigue en inglés

# %%
sections = load_manual("es")
words = sum(len(s.text.split()) for s in sections)
SPANISH = {"el", "la", "los", "las", "que", "de", "una", "por", "para", "con", "se", "del", "es", "si"}
ENGLISH = {"the", "of", "is", "to", "and", "if", "a", "are", "for", "with", "be", "by", "that", "an"}


def is_english(text: str) -> bool:
    tokens = re.findall(r"\w+", text.lower())
    return sum(t in ENGLISH for t in tokens) > sum(t in SPANISH for t in tokens)


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
# ## Troceado
# Por palabras con solape (`len_chunks` / `remember_words` del original: 300/100 y 500/200) y por
# secciones y frases. Cada trozo guarda las secciones que cubre, para citar y para evaluar.

# %%
chunkings = {}
for name, (size, overlap) in CHUNKINGS.items():
    chunkings[name] = chunk_by_sections(sections, overlap) if size == 0 else chunk_labelled_words(sections, size, overlap)
pd.DataFrame([{"troceado": name, "trozos": len(chunks), "palabras medias": np.mean([len(c.text.split()) for c in chunks])}
              for name, chunks in chunkings.items()])

# %% [markdown]
# ### ¿Cabe cada trozo en lo que lee el modelo?
# Muchos codificadores de frases leen 128-384 tokens y **cortan el resto en silencio**: un trozo
# de 500 palabras se representa solo por su principio.

# %%
embedders = {}
for role in EMBEDDER_ROLES:
    name = model_for(NOTEBOOK, role, PROFILE)
    embedders[name] = load_embedder(name, trust_remote_code=TRUST_REMOTE_CODE)
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
        if (cut > 0).any():
            print(f"AVISO: {name} corta el {(cut > 0).mean():.0%} de los trozos «{chunk_name}»")
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
# ## Coseno frente a euclídea
# Estos modelos devuelven vectores de **longitud 1**. Para vectores unitarios
# ‖a − b‖² = 2 − 2·cos(a, b): la distancia euclídea es una función decreciente del coseno y las dos
# ordenan igual. Lo comprobamos, y después mostramos un caso en que difieren: vectores **sin
# normalizar** (aquí, cada vector multiplicado por la longitud de su trozo, como haría una suma de
# embeddings de palabras), donde la euclídea premia la longitud y no solo la dirección.

# %%
questions_data = load_questions()
questions = questions_data["questions"][: N_QUESTIONS or None]
first_model, first_chunking = next(iter(embedders)), next(iter(chunkings))
chunks, chunk_vectors = chunkings[first_chunking], vectors[first_model, first_chunking]
query_vectors = embedders[first_model].encode([q["question"] for q in questions])
norms = np.linalg.norm(chunk_vectors, axis=1)
print(f"Normas de los vectores de {first_model}: de {norms.min():.3f} a {norms.max():.3f}")
cos_r = Retriever(chunks, embedders[first_model], "cosine", vectors=chunk_vectors)
euc_r = Retriever(chunks, embedders[first_model], "euclidean", vectors=chunk_vectors)
same = [[i for i, _ in cos_r.search(q["question"], 5, v)] == [i for i, _ in euc_r.search(q["question"], 5, v)]
        for q, v in zip(questions, query_vectors, strict=True)]
same_ranking_share = float(np.mean(same))
print(f"Mismo top-5 con coseno y euclídea en el {same_ranking_share:.0%} de {len(same)} preguntas")

scaled = chunk_vectors * np.array([len(c.text.split()) / 100 for c in chunks])[:, None]
cos_s = Retriever(chunks, embedders[first_model], "cosine", vectors=scaled)
euc_s = Retriever(chunks, embedders[first_model], "euclidean", vectors=scaled)
differ = [[i for i, _ in cos_s.search(q["question"], 5, v)] != [i for i, _ in euc_s.search(q["question"], 5, v)]
          for q, v in zip(questions, query_vectors, strict=True)]
example = questions[int(np.argmax(differ))]["question"]
print(f"Sin normalizar difieren en el {np.mean(differ):.0%} de las preguntas. Ejemplo: {example}")
pd.DataFrame({"coseno": [chunks[i].labels[0] for i, _ in cos_s.search(example, 3)],
              "euclídea": [chunks[i].labels[0] for i, _ in euc_s.search(example, 3)]})

# %% [markdown]
# ## Evaluación de la recuperación
# Para cada pregunta etiquetada, un trozo acierta si cubre una de las secciones esperadas.
# hit@k: proporción de preguntas con algún acierto entre los k primeros; MRR: media de 1/puesto
# del primer acierto. BM25 (léxico, con `bm25s`) y el híbrido (fusión por rango recíproco de
# coseno y BM25) completan la comparación.

# %%
rows = []
for chunk_name, chunks in chunkings.items():
    rows.append({"troceado": chunk_name, "método": "BM25",
                 **evaluate_retrieval(Retriever(chunks, similarity="bm25"), chunks, questions)})
    for name, embedder in embedders.items():
        q_vectors = embedder.encode([q["question"] for q in questions])
        for similarity in ["cosine", "euclidean", "hybrid"]:
            retriever = Retriever(chunks, embedder, similarity, vectors=vectors[name, chunk_name])
            rows.append({"troceado": chunk_name, "método": f"{name} · {similarity}",
                         **evaluate_retrieval(retriever, chunks, questions, query_vectors=q_vectors)})
retrieval_table = pd.DataFrame(rows).sort_values("mrr", ascending=False).reset_index(drop=True)
retrieval_table.to_csv(ctx.output_dir / "retrieval.csv", index=False)
retrieval_table.round(3)

# %%
fig, ax = plt.subplots(figsize=(10, 0.32 * len(retrieval_table) + 1))
labels = retrieval_table["troceado"] + " | " + retrieval_table["método"]
ax.barh(labels, retrieval_table["mrr"], color="tab:blue", label="MRR")
ax.scatter(retrieval_table["hit@5"], labels, color="tab:orange", zorder=3, label="hit@5")
ax.invert_yaxis()
ax.set_xlim(0, 1)
ax.set_title(f"Recuperación sobre {len(questions)} preguntas etiquetadas")
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig(ctx.output_dir / "retrieval.png", dpi=120)
plt.show()

best = retrieval_table.iloc[0]
print(f"Recomendación (por MRR): {best['troceado']} con {best['método']} — MRR {best['mrr']:.2f}, "
      f"hit@1 {best['hit@1']:.2f}, hit@5 {best['hit@5']:.2f}")

# %% [markdown]
# ## El prompt
# El generador recibe los `TOP_K` fragmentos numerados, debe citarlos como `[Contexto N]` y, si la
# respuesta no está, decir exactamente «No encuentro esa información en los fragmentos».

# %%
best_chunks = chunkings[best["troceado"]]
if best["método"] == "BM25":
    best_retriever = Retriever(best_chunks, similarity="bm25")
else:
    best_model, best_similarity = best["método"].split(" · ")
    best_retriever = Retriever(best_chunks, embedders[best_model], best_similarity,
                               vectors=vectors[best_model, best["troceado"]])
originals = questions_data["original_questions"][: N_ORIGINAL_QUESTIONS or None] + [questions_data["outside_question"]]
retrieved = {q["question"]: [best_chunks[i] for i, _ in best_retriever.search(q["question"], TOP_K)] for q in originals}
first = originals[0]["question"]
print(show_prompt(build_prompt(first, [c.text[:300] + " [...]" for c in retrieved[first]])))

# %% [markdown]
# ## Las preguntas del original, respondidas por cada generador
# Perfil local: Qwen2.5-Coder-0.5B-Instruct en precisión completa y en 4 bits (bitsandbytes en
# CPU). Perfil gpu: Qwen2.5-1.5B-Instruct y Phi-3.5-mini-instruct en 4 bits.

# %%
answers, check_rows = [], []
for role, bits in GENERATORS:
    generator = model_for(NOTEBOOK, role, PROFILE)
    model, tokenizer = load_causal_lm(generator, bits=bits or None)
    prompts = [build_prompt(q["question"], [c.text for c in retrieved[q["question"]]]) for q in originals]
    output = generate(model, tokenizer, prompts, max_new_tokens=MAX_NEW_TOKENS, batch_size=4)
    label = f"{generator} ({bits or 'completa'}{' bits' if bits else ''})"
    for q, answer in zip(originals, output.texts, strict=True):
        fragments = [c.text for c in retrieved[q["question"]]]
        check = check_citations(answer, fragments)
        answers.append({"generador": label, "pregunta": q["question"], "en_el_manual": q["in_manual"],
                        "secciones": [c.labels for c in retrieved[q["question"]]], "respuesta": answer, **check})
        check_rows.append({"generador": label, "en el manual": q["in_manual"], **check})
    print(f"{label}: {output.new_tokens} tokens en {output.seconds:.0f} s ({output.tokens_per_second:.1f} tokens/s)")
    del model
atomic_write_json(ctx.output_dir / "answers.json", answers)
pd.DataFrame(answers)[["generador", "pregunta", "respuesta"]]

# %% [markdown]
# ## Comprobación automática de las citas
# - **cita válida**: cita al menos un `[Contexto N]` que existe entre los recuperados;
# - **apoyo**: proporción de palabras de contenido de la respuesta que aparecen en lo que cita
#   (una respuesta inventada con una cita válida tiene poco apoyo);
# - **rechaza fuera del manual**: ante preguntas cuya respuesta no está en el manual (grep, awk,
#   sed, la paella), la única respuesta correcta es la frase de rechazo.

# %%
checks = pd.DataFrame(check_rows)
citation_table = checks.groupby("generador").agg(
    cita_válida=("has_valid_citation", "mean"),
    citas_inexistentes=("invalid", lambda col: float(np.mean([bool(v) for v in col]))),
    apoyo_medio=("grounding", lambda col: float(pd.Series(col).dropna().mean()) if col.notna().any() else float("nan")),
)
outside = checks[~checks["en el manual"]].groupby("generador")["refused"].mean()
inside = checks[checks["en el manual"]].groupby("generador")["refused"].mean()
citation_table["rechaza_fuera_del_manual"] = outside
citation_table["rechaza_dentro_del_manual"] = inside
citation_table.round(2)

# %% [markdown]
# ## El segundo corpus: el manual de referencia en inglés
# Con el embedder multilingüe, las mismas preguntas en español recuperan del manual en inglés.

# %%
english_sections = load_manual("en")
english_chunks = chunk_labelled_words(english_sections, 300, 100)
multilingual = embedders[list(embedders)[-1]]
english_retriever = Retriever(english_chunks, multilingual, "cosine")
pd.DataFrame([{"pregunta": q["question"], "secciones del manual inglés": [english_chunks[i].labels[0] for i, _ in
               english_retriever.search(q["question"], 3)]} for q in originals])

# %%
best_row = retrieval_table.iloc[0]
metrics = {
    "profile": PROFILE,
    "manual_words": words,
    "manual_english_share": english_share,
    "questions": len(questions),
    "configurations": len(retrieval_table),
    "best_configuration": f"{best_row['troceado']} | {best_row['método']}",
    "best_mrr": float(best_row["mrr"]),
    "best_hit_at_1": float(best_row["hit@1"]),
    "best_hit_at_5": float(best_row["hit@5"]),
    "bm25_best_mrr": float(retrieval_table[retrieval_table["método"] == "BM25"]["mrr"].max()),
    "cosine_euclidean_same_ranking": same_ranking_share,
    "answers": len(answers),
    "valid_citation_share": float(checks["has_valid_citation"].mean()),
    "outside_refusal_share": float(checks[~checks["en el manual"]]["refused"].mean()),
    "english_chunks": len(english_chunks),
}
print(save_metrics(metrics, ctx.output_dir))
