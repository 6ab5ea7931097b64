"""One page: the form that asks for films."""

from django.urls import path

from webapp.movies.views import ask

urlpatterns = [path("", ask, name="ask")]
