"""The films app: the Movie model, its three management commands and the page to ask for films."""
