"""What the three film commands share: short argument errors, a readable database first, and every
user mistake as one line (CommandError), never a traceback."""

import argparse

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from helpers.films.vector_store import StoreError
from webapp.movies.search import MAX_PROMPT, READ_ERRORS, database_problem, one_line


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"debe ser un número entero de al menos 1, no {text!r}")
    return int(text)


def prompt_text(text: str) -> str:
    """argparse type: a request with something in it, of reasonable length."""
    if not text.strip():
        raise argparse.ArgumentTypeError("la consulta está vacía: escribe qué película buscas")
    if len(text) > MAX_PROMPT:
        raise argparse.ArgumentTypeError(f"la consulta tiene {len(text)} caracteres; el máximo es {MAX_PROMPT}")
    return text.strip()


class FilmCommand(BaseCommand):
    """A film command: checks the database, then run(**options); mistakes end in one line."""

    interrupted = "interrumpido: no se escribió nada"

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message):  # argparse's usage block wraps over many lines: two are enough
            if not parser.called_from_command_line:
                raise CommandError(f"Error: {message}")
            parser.exit(2, f"{parser.prog}: error: {message}\n(python manage.py {subcommand} --help)\n")

        parser.error = error
        return parser

    def handle(self, *args, **options):
        problem = database_problem()
        if problem:
            raise CommandError(problem, returncode=2)
        try:
            self.run(**options)
        except (StoreError, *READ_ERRORS) as error:
            raise CommandError(one_line(error), returncode=2) from None
        except DatabaseError as error:
            raise CommandError(f"la base de datos falló: {one_line(error)}", returncode=2) from None
        except KeyboardInterrupt:
            raise CommandError(self.interrupted, returncode=130) from None

    def run(self, **options) -> None:
        raise NotImplementedError
