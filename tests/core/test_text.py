import pytest

from helpers.text import normalize_title, strip_accents, year_in


@pytest.mark.parametrize("raw,expected", [
    ("Vertigo (film)", "vertigo"),
    ("Breathless (1960 film)", "breathless"),
    ("Toy Story (1995)", "toy story"),
    ('"Godfather, The"', "the godfather"),
    ("**Rashômon**", "rashomon"),
    ("Amélie [2001]", "amelie"),
    ("Beauty & the Beast", "beauty and the beast"),
    ("  Star Wars:   Episode IV  ", "star wars episode iv"),
    ("2001: A Space Odyssey", "2001 a space odyssey"),
])
def test_normalize_title(raw, expected):
    assert normalize_title(raw) == expected


def test_strip_accents_and_year():
    assert strip_accents("Ñandú árbol") == "Nandu arbol"
    assert year_in("Vertigo is a 1958 American film") == 1958
    assert year_in("no year here") is None
