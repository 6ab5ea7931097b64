"""The films app's configuration."""

from django.apps import AppConfig


class MoviesConfig(AppConfig):
    """Labelled 'movies' as in the seed: its table is movies_movie."""

    name = "webapp.movies"
    label = "movies"
    default_auto_field = "django.db.models.BigAutoField"
