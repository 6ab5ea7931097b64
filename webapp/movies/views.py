"""The page: a form where a user writes what film they want, and the films that answer it."""

from django.conf import settings
from django.db import DatabaseError
from django.shortcuts import render

from helpers.films.recommender import HEADLINE_PROMPT
from webapp.movies.search import MAX_PROMPT, READ_ERRORS, database_problem, one_line
from webapp.movies.search import ask as find_films


def ask(request):
    """GET /?q=...: the form, and for a request its top films, each with its nearest films."""
    prompt = request.GET.get("q", "")
    context = {"prompt": prompt, "example": HEADLINE_PROMPT, "max_prompt": MAX_PROMPT}
    status = 200
    if "q" in request.GET:
        problem = database_problem()
        if problem:
            context["error"], status = f"La página no puede buscar todavía: {problem}.", 503
        elif not prompt.strip():
            context["error"], status = "Escribe qué película buscas, por ejemplo «" + HEADLINE_PROMPT + "».", 400
        elif len(prompt) > MAX_PROMPT:
            context["error"], status = f"La consulta tiene {len(prompt)} caracteres; el máximo es {MAX_PROMPT}.", 400
        else:
            try:
                context["found"] = find_films(prompt.strip(), settings.FILMS_TOP_K, settings.FILMS_NEIGHBOURS)
            except READ_ERRORS as error:
                context["error"], status = f"La página no puede buscar: {one_line(error)}.", 503
            except DatabaseError as error:
                context["error"], status = f"La base de datos falló: {one_line(error)}.", 503
    return render(request, "movies/ask.html", context, status=status)
