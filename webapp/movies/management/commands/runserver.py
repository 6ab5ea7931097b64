"""Django's runserver, whose start-up check no longer creates a missing SQLite file."""

from django.core.management.commands.runserver import Command as RunserverCommand

from webapp.movies.search import database_problem


class Command(RunserverCommand):
    def check_migrations(self):
        # Django's own check connects, and connecting to a missing SQLite file creates it empty.
        problem = database_problem()
        if problem:
            self.stdout.write(self.style.WARNING(f"Aviso: {problem}; la página lo dirá hasta entonces."))
            return
        super().check_migrations()
