"""`python manage.py check_embeddings_db`: read every vector back with its dtype; write nothing."""

import json

from webapp.movies.management.commands._common import FilmCommand
from webapp.movies.store import DjangoMovieStore


class Command(FilmCommand):
    help = ("Lee de la base cada embedding con su dtype y su dimensión y resume lo guardado "
            "(películas, modelo, normas, primeros valores); no escribe nada.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="el resumen en JSON")

    def run(self, as_json=False, **_):
        stats = DjangoMovieStore().stats()
        if as_json:
            self.stdout.write(json.dumps(stats, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{stats['database']}: {stats['movies']} películas con embedding, "
                          f"{stats['without_embedding']} sin él")
        if not stats["movies"]:
            self.stdout.write("llénala con `python manage.py add_embeddings_db`")
            return
        for group in stats["groups"]:
            self.stdout.write(f"  {group['count']} de {group['model']}: {group['dimension']} valores "
                              f"{group['dtype']} por película")
        self.stdout.write(f"normas entre {stats['norm_min']:.4f} y {stats['norm_max']:.4f}; "
                          f"{stats['without_genre']} sin género")
        self.stdout.write(f"{stats['sample'][0]}: {stats['first_values']} ... ; muestra: {', '.join(stats['sample'])}")

