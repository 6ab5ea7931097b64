"""Text normalisation shared by the studies: titles, accents, white space."""

import re
import unicodedata

_DISAMBIGUATION = re.compile(r"\s*\((?:\d{4}\s*)?(?:[a-z ]*\s)?(?:film|movie|pel[ií]cula)\)\s*$", re.I)
_TRAILING_YEAR = re.compile(r"\s*[\(\[]\s*(1[89]\d\d|20\d\d)\s*[\)\]]\s*$")
_TRAILING_ARTICLE = re.compile(r"^(.*),\s*(the|a|an|el|la|los|las|le|les|il|der|die|das)$", re.I)


def strip_accents(text: str) -> str:
    """Remove diacritics (á -> a, ñ -> n) keeping the base letters."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize_title(title: str) -> str:
    """A comparable form of a film title: no year, disambiguation, accents, case or punctuation."""
    text = unicodedata.normalize("NFKC", str(title)).strip().strip("\"'«»“”*_ ")
    text = _DISAMBIGUATION.sub("", text)
    text = _TRAILING_YEAR.sub("", text)
    match = _TRAILING_ARTICLE.match(text)
    if match:  # "Godfather, The" -> "The Godfather"
        text = f"{match.group(2)} {match.group(1)}"
    text = strip_accents(text).lower().replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def year_in(text: str) -> int | None:
    """The first plausible film year (1880-2099) mentioned in a text, or None."""
    match = re.search(r"\b(18[89]\d|19\d\d|20\d\d)\b", text)
    return int(match.group(1)) if match else None
