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


_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}\s*[.)\-:]|[-*•·]|\(\d{1,2}\))\s*")


def parse_recommendations(text: str, limit: int = 10) -> list[str]:
    """Film titles out of free model text: numbered, bulleted or quoted lists, with years or
    prose around them; one title per line, duplicates (by normalised title) dropped."""
    titles, seen = [], set()
    for line in text.splitlines():
        if not _LIST_MARKER.match(line) and not re.match(r"^\s*[\"“«*]", line):
            continue
        title = _LIST_MARKER.sub("", line).strip()
        quoted = re.match(r"^[\"“«*_]+(.+?)[\"”»*_]+", title)
        # Cut trailing prose: " - comment", "(original title)", or ": comment" when it starts in
        # lower case (so "Star Wars: A New Hope" keeps its subtitle).
        title = quoted.group(1) if quoted else re.split(r"\s+[-–—]\s+|\s*\((?!\d{4}\))|:\s+(?=[a-záéíóúñ])", title)[0]
        title = _TRAILING_YEAR.sub("", title).strip(" .,;\"'*_«»“”")
        key = normalize_title(title)
        if key and key not in seen:
            seen.add(key)
            titles.append(title)
        if len(titles) == limit:
            break
    return titles


def match_title(candidate: str, catalogue, threshold: float = 80) -> str | None:
    """The catalogue title that best matches candidate (rapidfuzz WRatio on normalised titles,
    score >= threshold), or None. catalogue: a list of titles or a TitleIndex."""
    index = catalogue if isinstance(catalogue, TitleIndex) else TitleIndex(catalogue)
    return index.match(candidate, threshold)


class TitleIndex:
    """Normalised catalogue titles prepared once, so matching many candidates stays vectorised."""

    def __init__(self, titles):
        self.titles = list(titles)
        self.keys = [normalize_title(t) for t in self.titles]
        self.exact = {key: title for key, title in zip(self.keys, self.titles, strict=True)}

    def match(self, candidate: str, threshold: float = 80) -> str | None:
        """The best catalogue title for one candidate, or None under the threshold."""
        return self.match_many([candidate], threshold)[0]

    def match_many(self, candidates: list[str], threshold: float = 80) -> list[str | None]:
        """Best catalogue title per candidate: exact normalised hits first, then one cdist call over
        the distinct remaining keys (generated lists repeat the same films many times)."""
        from rapidfuzz import fuzz, process

        keys = [normalize_title(c) for c in candidates]
        pending = sorted({key for key in keys if key and key not in self.exact})
        found = dict(self.exact)
        if pending and self.keys:
            scores = process.cdist(pending, self.keys, scorer=fuzz.WRatio, score_cutoff=threshold, workers=-1)
            best = scores.argmax(axis=1)
            for row, key in enumerate(pending):
                found[key] = self.titles[best[row]] if scores[row, best[row]] >= threshold else None
        return [found.get(key) for key in keys]


# The most frequent function words of each language: enough to tell a paragraph's language apart.
SPANISH_WORDS = {"el", "la", "los", "las", "que", "de", "una", "por", "para", "con", "se", "del", "es", "si"}
ENGLISH_WORDS = {"the", "of", "is", "to", "and", "if", "a", "are", "for", "with", "be", "by", "that", "an"}


def is_english(text: str) -> bool:
    """True when the text holds more English function words than Spanish ones (ties: Spanish)."""
    tokens = re.findall(r"\w+", text.lower())
    return sum(t in ENGLISH_WORDS for t in tokens) > sum(t in SPANISH_WORDS for t in tokens)
