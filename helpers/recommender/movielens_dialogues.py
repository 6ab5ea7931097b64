"""The local study-1 data: LLM-REDIAL-format files built from real MovieLens 100K ratings.

Histories are each user's real ratings in time order; the Spanish dialogues are written from
templates and mention films the user really rated high (likes) and low (dislikes); the target is a
film the user rated highly *later* and never mentioned. The stated wishes (genres, decade, director
or lead actor) describe the *target*, as a real seeker's request would. Only the wording is invented.
"""

import random
import sqlite3
from collections import defaultdict
from pathlib import Path

from helpers.io import atomic_write_json
from helpers.paths import data_dir
from helpers.recommender.redial import Dialogue, RedialData, write_redial
from helpers.text import normalize_title

DATASET = "movielens-dialogues-v2"  # setup asset (and cache folder); bump the version when the templates change
CUT = 0.7  # share of a user's ratings (in time order) that forms the history the dialogue draws on
LIKED, DISLIKED = 4, 2  # ratings >= LIKED are likes, <= DISLIKED dislikes

OPENINGS = ["Hola, busco una película para ver esta noche.", "Buenas, ¿me recomiendas algo para el fin de semana?",
            "Hola. Me apetece ver una peli y no sé cuál elegir.", "¡Hola! Necesito ideas de películas."]
LIKE_LINES = ["Me encantó {title}.", "Hace poco vi {title} y me gustó muchísimo.", "{title} es de mis favoritas.",
              "Disfruté mucho con {title}."]
GENRE_LINES = ["Me apetece algo de {genre}.", "Busco una película de {genre}.", "Tengo ganas de {genre}."]
DECADE_LINES = ["Mejor si es de los {decade}.", "Me van las películas de los {decade}."]
PERSON_LINES = {"director": ["Me gusta cómo dirige {name}.", "Algo de {name} estaría bien."],
                "actor": ["Cualquier cosa con {name} me vale.", "Me encanta {name} como actor o actriz."]}
DISLIKE_LINES = ["En cambio, {title} no me gustó nada.", "Eso sí, {title} me aburrió.",
                 "No me recomiendes algo como {title}, no la soporté."]
AGENT_QUESTIONS = ["¿Qué fue lo que más te gustó?", "¡Buena elección! ¿Hay algo que no te guste?",
                   "Entendido. ¿Prefieres algo parecido o algo distinto?"]
AGENT_RECOMMENDATIONS = ["Entonces te recomiendo {title}. Creo que encaja con lo que buscas.",
                         "Prueba con {title}; por lo que cuentas, te va a gustar.",
                         "Mi sugerencia es {title}."]


def display_title(title: str, year: str) -> str:
    """'Usual Suspects, The' + 1995 -> 'The Usual Suspects (1995)'."""
    head, _, article = title.rpartition(", ")
    if article in ("The", "A", "An", "La", "Le", "Il", "Les", "El", "Das", "Die"):
        title = f"{article} {head}"
    return f"{title} ({year})" if year else title


def read_table(path: Path) -> list[dict]:
    """A recbole atomic file (tab-separated, 'name:type' headers) as dictionaries."""
    lines = path.read_text(encoding="latin-1").splitlines()
    header = [column.split(":")[0] for column in lines[0].split("\t")]
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:] if line.strip()]


def film_details(catalogue_db: Path) -> dict[tuple[str, int], dict]:
    """(normalised title, year) -> genre, director, cast from the bokeh film database."""
    details = {}
    with sqlite3.connect(f"file:{catalogue_db}?mode=ro", uri=True) as connection:
        for title, year, genre, director, cast in connection.execute(
                "SELECT Title, Year, Genre, Director, \"Cast\" FROM omdb"):
            clean = [part.strip() for part in (genre or "").split(",") if part.strip() not in ("", "N/A")]
            details[(normalize_title(title), year)] = {"genres": clean, "director": director if director != "N/A" else "",
                                                       "cast": [c.strip() for c in (cast or "").split(",") if c.strip()][:3]}
    return details


def _details_for(details, title: str, year: str) -> dict:
    key = normalize_title(title)
    for delta in (0, 1, -1):
        if year.isdigit() and (key, int(year) + delta) in details:
            return details[(key, int(year) + delta)]
    return {}


ML_GENRES = {"Children's": "Family", "Film-Noir": "Crime"}  # MovieLens genre names the catalogue spells otherwise
SPANISH_GENRES = {"Drama": "drama", "Comedy": "comedia", "Action": "acción", "Thriller": "suspense",
                  "Romance": "romance", "Adventure": "aventuras", "Crime": "crimen", "Sci-Fi": "ciencia ficción",
                  "Horror": "terror", "Animation": "animación", "Family": "cine familiar", "Fantasy": "fantasía",
                  "Mystery": "misterio", "War": "cine bélico", "Western": "wéstern", "Musical": "musicales",
                  "Documentary": "documentales"}


def wishes(rng: random.Random, info: dict, year: str) -> list[str]:
    """What the seeker asks for, read off the target film: one or two genres, its decade, its director
    or a lead actor (where the catalogue has them); at least one cue whenever any is known."""
    cues = []
    genres = [SPANISH_GENRES[g] for g in info.get("genres", []) if g in SPANISH_GENRES]
    if genres:
        picked = rng.sample(genres, min(len(genres), rng.choice([1, 2])))
        cues.append(rng.choice(GENRE_LINES).format(genre=" y ".join(picked)))
    if year.isdigit() and rng.random() < 0.6:
        cues.append(rng.choice(DECADE_LINES).format(decade=f"{year[2]}0" if year < "2000" else f"{year[:3]}0"))
    people = [("director", info["director"].split(",")[0].strip())] if info.get("director") else []
    people += [("actor", info["cast"][0])] if info.get("cast") else []
    if people and rng.random() < 0.6:
        role, name = rng.choice(people)
        cues.append(rng.choice(PERSON_LINES[role]).format(name=name))
    return cues


def write_dialogue(rng: random.Random, likes: list[str], dislikes: list[str], target: str, cues: list[str]) -> list:
    """Template turns: likes first, then wishes that describe the target, dislikes, and the recommendation."""
    first = f"{rng.choice(OPENINGS)} {rng.choice(LIKE_LINES).format(title=likes[0])}"
    turns = [("User", first), ("Agent", rng.choice(AGENT_QUESTIONS))]
    details = list(cues)
    more = [rng.choice(LIKE_LINES).format(title=title) for title in likes[1:]]
    hates = [rng.choice(DISLIKE_LINES).format(title=title) for title in dislikes]
    turns.append(("User", " ".join(details + more + hates) or "Me gusta casi todo."))
    turns.append(("Agent", rng.choice(AGENT_RECOMMENDATIONS).format(title=target)))
    turns.append(("User", "¡Gracias! La apunto."))
    return turns


def build(folder: Path, catalogue_db: Path, seed: int = 0) -> tuple[RedialData, dict]:
    """(RedialData, item id -> genres/director/cast/year) from the MovieLens files and the catalogue
    (MovieLens' own genres where the catalogue has none)."""
    rng = random.Random(seed)
    items = {row["item_id"]: row for row in read_table(folder / "ml-100k.item")}
    item_map = {i: display_title(row["movie_title"], row["release_year"]) for i, row in items.items()}
    details = film_details(catalogue_db)
    info = {i: _details_for(details, row["movie_title"], row["release_year"]) or {} for i, row in items.items()}
    for i, row in items.items():
        own = [ML_GENRES.get(g, g) for g in row.get("class", "").split()]
        info[i] = {"genres": info[i].get("genres") or own, "director": info[i].get("director", ""),
                   "cast": info[i].get("cast", []), "year": row["release_year"]}
    ratings = defaultdict(list)
    for row in read_table(folder / "ml-100k.inter"):
        ratings[row["user_id"]].append((float(row["timestamp"]), row["item_id"], float(row["rating"])))
    data = RedialData({}, {}, {}, {}, item_map)
    for user in sorted(ratings, key=int):
        events = sorted(ratings[user])  # time order (ties by item id: stable and reproducible)
        cut = int(CUT * len(events))
        past, future = events[:cut], events[cut:]
        liked = [item for _, item, score in past if score >= LIKED]
        disliked = [item for _, item, score in past if score <= DISLIKED]
        later = [item for _, item, score in future if score >= LIKED and item not in set(liked)]
        if len(liked) < 2 or not later:
            continue
        likes = rng.sample(liked, min(len(liked), rng.choice([2, 3])))
        dislikes = rng.sample(disliked, min(len(disliked), rng.choice([0, 1, 1, 2])))
        target = later[0]  # the first film rated highly after the conversation's point in time
        user_id = f"ml{user}"
        conversation_id = str(len(data.dialogues))
        cues = wishes(rng, info[target], info[target]["year"])
        turns = write_dialogue(rng, [item_map[i] for i in likes], [item_map[i] for i in dislikes], item_map[target], cues)
        data.dialogues[conversation_id] = Dialogue(conversation_id, user_id, turns, likes, dislikes, [target])
        data.history[user_id] = [item for _, item, _ in past]
        data.might_like[user_id] = [item for item in later[1:]]
        data.user_index[user_id] = len(data.user_index)
    return data, info


def build_into(staged: Path) -> None:
    """Set-up hook: write the LLM-REDIAL-format folder redial/ next to the MovieLens files."""
    catalogue = data_dir() / "film-catalogue" / "movies.db"
    if not catalogue.exists():
        raise FileNotFoundError(f"{catalogue} is missing: prepare film-catalogue before {DATASET}")
    data, item_details = build(staged, catalogue)
    write_redial(staged / "redial", data)
    atomic_write_json(staged / "redial" / "item_details.json", item_details)
