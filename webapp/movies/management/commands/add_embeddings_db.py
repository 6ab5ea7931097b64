"""`python manage.py add_embeddings_db`: embed the catalogue into the Movie table (resumable)."""

import sys

from django.core.management.base import CommandError

from helpers.films.catalogue import load_catalogue
from helpers.films.recommender import index_films, web_model
from helpers.films.vectors import check_compatible
from webapp.movies.management.commands._common import FilmCommand, positive_int
from webapp.movies.search import embedder, one_line
from webapp.movies.store import DjangoMovieStore


class Command(FilmCommand):
    help = ("Guarda en la base el embedding de cada película del catálogo: solo calcula las que faltan "
            "(o cuyo resumen cambió), en lotes que se confirman uno a uno.")
    interrupted = "interrumpido: los lotes ya guardados se quedan; repite la orden para seguir"

    def add_arguments(self, parser):
        parser.add_argument("--model", help=f"embedder (alias o id del Hub); por defecto el de la base, "
                                            f"o {web_model()} si está vacía")
        parser.add_argument("--limit", type=positive_int, help="solo las primeras N películas")
        parser.add_argument("--commit-every", type=positive_int, default=64, help="películas por transacción")

    def run(self, model=None, limit=None, commit_every=64, **_):
        from helpers.models import ModelNotAvailableError

        store = DjangoMovieStore()
        stored_model, stored_dimension = store.stored()
        name = model or stored_model or web_model()
        check_compatible(stored_model, stored_dimension, name, None, store.where)  # refused before loading it
        try:
            film_embedder = embedder(name)
        except (ModelNotAvailableError, KeyError, OSError, ValueError) as error:
            raise CommandError(f"no se puede cargar el modelo {name!r}: {one_line(error)}", returncode=2) from None
        films = load_catalogue(limit).films
        report, seconds = index_films(store, films, film_embedder, commit_every=commit_every,
                                      progress=sys.stderr.isatty())
        self.stdout.write(f"{report.describe(seconds)}; {store.where}, modelo {film_embedder.name}")
