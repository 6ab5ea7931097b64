"""The film catalogue of study 6: Wikipedia summaries joined to genres from the bokeh film database."""

import json
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass

from helpers.paths import data_dir
from helpers.text import normalize_title, year_in


@dataclass(frozen=True)
class Film:
    """One film: display title, Wikipedia page title, year, summary and genres (may be empty)."""

    title: str
    wiki_title: str
    year: int | None
    description: str
    genres: tuple[str, ...]


def _require(path):
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make setup` to fetch the film data")
    return path


def display_title(wiki_title: str) -> str:
    """'Vertigo (film)' -> 'Vertigo'; 'Breathless (1960 film)' -> 'Breathless (1960)'."""
    title = re.sub(r"\s*\(film\)$", "", wiki_title)
    return re.sub(r"\((\d{4}) film\)$", r"(\1)", title)


def wikipedia_url(wiki_title: str) -> str:
    """The English Wikipedia page a film's summary comes from."""
    from urllib.parse import quote

    return "https://en.wikipedia.org/wiki/" + quote(wiki_title.replace(" ", "_"), safe="()_,:'!")


def load_genre_index() -> dict[str, list[tuple[int | None, tuple[str, ...]]]]:
    """Normalised title -> [(year, genres)] from the bokeh-sampledata OMDb table."""
    path = _require(data_dir() / "film-catalogue" / "movies.db")
    index = defaultdict(list)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        for title, year, genre in connection.execute("SELECT Title, Year, Genre FROM omdb"):
            genres = tuple(g.strip() for g in (genre or "").split(",") if g.strip() and g.strip() != "N/A")
            index[normalize_title(title)].append((year, genres))
    return index


def _genres_for(index, title: str, year: int | None) -> tuple[str, ...]:
    candidates = [c for c in index.get(normalize_title(title), []) if c[1]]
    if year is not None:
        candidates = [c for c in candidates if c[0] is not None and abs(c[0] - year) <= 1]
    return candidates[0][1] if len(candidates) == 1 else ()  # ambiguous remakes stay unlabelled


def shared_description_losers(summaries: dict[str, str]) -> set[str]:
    """Titles whose summary is another film's text (the package's Wikipedia look-up went wrong).

    Of the titles sharing one text, the one named in its first sentence keeps it."""
    by_text = defaultdict(list)
    for wiki_title, text in summaries.items():
        by_text[text.strip()].append(wiki_title)
    losers = set()
    for text, wiki_titles in by_text.items():
        if len(wiki_titles) < 2:
            continue
        opening = normalize_title(text[:200])
        owners = [t for t in wiki_titles if normalize_title(display_title(t)) in opening][:1]
        losers.update(t for t in wiki_titles if t not in owners)
    return losers


@dataclass(frozen=True)
class Catalogue:
    """The films kept, and the titles dropped because their summary belongs to another film."""

    films: list[Film]
    dropped: list[str]


def load_catalogue(limit: int | None = None) -> Catalogue:
    """The summarised films (the first `limit` kept), with genres where title and year match."""
    path = _require(data_dir() / "film-summaries" / "movie_summaries.json")
    summaries = json.loads(path.read_text(encoding="utf-8"))
    losers = shared_description_losers(summaries)
    index = load_genre_index()
    films = []
    for wiki_title, description in summaries.items():
        if wiki_title in losers:
            continue
        title = display_title(wiki_title)
        year_match = re.search(r"\((\d{4}) film\)$", wiki_title)
        # "X is a 1958 American film": the year after "is a" beats one inside the title (2001: ...).
        stated = re.search(r"\b(?:is|was) (?:an?|the) (\d{4})\b", description[:400])
        found = year_match or stated
        year = int(found.group(1)) if found else year_in(description[:400])
        films.append(Film(title, wiki_title, year, description.strip(), _genres_for(index, title, year)))
    return Catalogue(films[:limit], sorted(losers))
