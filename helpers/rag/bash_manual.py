"""Study 4's corpora: the Spanish bash(1) man page and the English Bash Reference Manual,
cleaned and split into (section, subsection, text) with the headings kept for citations."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from helpers.paths import data_dir

BUILTINS_SECTION = "ÓRDENES NATIVAS DE LA SHELL"
_HEADING = re.compile(r"^[A-ZÁÉÍÓÚÑÜ][A-ZÁÉÍÓÚÑÜ ()/-]+$")
# Dot leaders of an index ("Redirection ......... 12"): three or more dots, spaces allowed between.
# Unlike the original's `(\.|\s*)+`, this cannot match the empty string, so it never corrupts text.
_DOT_LEADER = re.compile(r"(?:[ \t]*\.){3,}")


@dataclass(frozen=True)
class Section:
    """A piece of the manual under one heading (subsection: .SS heading or builtin name, or '')."""

    section: str
    subsection: str
    text: str

    @property
    def label(self) -> str:
        """'SECTION' or 'SECTION / subsection', as used by the labelled questions."""
        return f"{self.section} / {self.subsection}" if self.subsection else self.section


def clean_text(text: str) -> str:
    """Join words hyphenated at line ends, drop dot leaders, collapse white space."""
    text = re.sub(r"(\w)[‐-]\n\s*(\w)", r"\1\2", text)  # man's U+2010 line-break hyphens
    text = _DOT_LEADER.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _builtin_signatures(lines: list[str]) -> set[int]:
    """Indices of builtin signature lines: indent 7-8, a command-like first word, and a body
    (indent 14) or another signature below; wrapped signature tails ("quantum] [array]") are skipped."""
    signatures, following = set(), None
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if not line.strip():
            continue
        name = re.match(r"^\s{7,8}([a-z.:\[][\w.\[\]-]*),?(\s|$)", line)
        if name and name.group(1).endswith("]") and name.group(1)[0] != "[":
            continue  # the tail of a wrapped signature: look through it
        # A signature stacked above another (history -c, history -d ...) is syntax, not a sentence.
        stacked = following == "signature" and not line.rstrip().endswith(".") and (
            "[" in line or len(line.strip()) < 60)
        if _indent(line) in (7, 8) and name and (following == "body" or stacked):
            signatures.add(index)
            following = "signature"
        else:
            following = "body" if _indent(line) >= 14 else "other"
    return signatures


def parse_man_sections(text: str) -> list[Section]:
    """Split rendered man text by headings (col 0), subsections (indent 3) and builtins."""
    lines = [line for line in text.splitlines() if not re.match(r"^(BASH|GNU Bash)", line)]
    signatures = _builtin_signatures(lines)
    sections, current, buffer = [], ("", ""), []

    def flush():
        body = clean_text("\n".join(buffer))
        if body:
            sections.append(Section(current[0], current[1], body))
        buffer.clear()

    for index, line in enumerate(lines):
        if _HEADING.match(line):
            flush()
            current = (line.strip(), "")
        elif _indent(line) == 3 and line.strip():
            flush()
            current = (current[0], line.strip())
        elif current[0] == BUILTINS_SECTION and index in signatures and (index - 1) not in signatures:
            flush()
            current = (current[0], line.split()[0].rstrip(","))
            buffer.append(line)
        else:
            buffer.append(line)
    flush()
    return sections


class _HeadingSplitter(HTMLParser):
    """Collect text under <h2>/<h3>/<h4> headings of the Texinfo HTML manual."""

    def __init__(self):
        super().__init__()
        self.sections, self.section, self.subsection = [], "", ""
        self.heading_tag, self.heading, self.buffer, self.skip = None, [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in ("h2", "h3", "h4"):
            self._flush()
            self.heading_tag, self.heading = tag, []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        elif tag == self.heading_tag:
            title = re.sub(r"^[\d.]+\s*", "", clean_text(" ".join(self.heading)))
            if tag == "h2":
                self.section, self.subsection = title, ""
            else:
                self.subsection = title
            self.heading_tag = None

    def handle_data(self, data):
        if not self.skip:
            (self.heading if self.heading_tag else self.buffer).append(data)

    def _flush(self):
        body = clean_text(" ".join(self.buffer))
        if body and self.section:
            self.sections.append(Section(self.section, self.subsection, body))
        self.buffer = []


def parse_html_sections(html: str) -> list[Section]:
    """Split the Bash Reference Manual HTML into sections by its headings."""
    parser = _HeadingSplitter()
    parser.feed(html)
    parser._flush()
    return parser.sections


def load_manual(lang: str = "es") -> list[Section]:
    """The Spanish man page ('es') or the English reference manual ('en'), as sections."""
    files = {"es": ("bash-manual-es", "bash_es.txt"), "en": ("bash-manual-en", "bashref.html")}
    if lang not in files:
        raise ValueError(f"lang must be 'es' or 'en', got {lang!r}")
    path = data_dir() / files[lang][0] / files[lang][1]
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make setup` to fetch the Bash manuals")
    raw = path.read_text(encoding="utf-8")
    return parse_man_sections(raw) if lang == "es" else parse_html_sections(raw)
