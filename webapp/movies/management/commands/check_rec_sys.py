"""`python manage.py check_rec_sys --prompt "..."`: the films most similar to a request; writes nothing."""

import json

from helpers.films.recommender import HEADLINE_PROMPT
from webapp.movies.management.commands._common import FilmCommand, positive_int, prompt_text
from webapp.movies.search import ask


class Command(FilmCommand):
    help = "Recomienda películas para una consulta: similitud coseno con cada película de la base."

    def add_arguments(self, parser):
        parser.add_argument("--prompt", type=prompt_text, default=HEADLINE_PROMPT,
                            help=f"qué película buscas (por defecto «{HEADLINE_PROMPT}»)")
        parser.add_argument("--top-k", type=positive_int, default=5, help="cuántas películas")
        parser.add_argument("--json", action="store_true", dest="as_json", help="las películas y sus similitudes en JSON")

    def run(self, prompt=HEADLINE_PROMPT, top_k=5, as_json=False, **_):
        found = ask(prompt, top_k, neighbours=0)
        if as_json:
            rows = [{"title": f["title"], "similarity": f["similarity"]} for f in found["films"]]
            self.stdout.write(json.dumps({"prompt": prompt, "model": found["model"], "films": rows}, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"«{prompt}» ({found['model']}, coseno con {found['movies']} películas):")
        for film in found["films"]:
            year = f" ({film['shown_year']})" if film["shown_year"] else ""
            self.stdout.write(f"  {film['similarity']:.3f}  {film['title']}{year}")

