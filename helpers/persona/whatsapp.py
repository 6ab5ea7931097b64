"""Parse WhatsApp chat exports (Android and iOS, 12/24-hour, Spanish and English) into messages.

whatstk (PyPI) parses exports into a DataFrame of date, username and message, and the tests use it
as a cross-check on the formats it reads the same way (Android 24 h and English 12 h, iOS). It is
not the parser here because, measured on tests/fixtures/whatsapp with whatstk 0.9.1: it reads the
Spanish 12-hour clock written with narrow no-break spaces ("9:05 p. m.") as a morning time and
drops a line of that file; it gives no line kind (media placeholder, deleted, system) nor the edited
marker; and it drops Android system lines while filing iOS ones under the group's name as an author.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

# Direction marks, zero-width characters and the BOM that exports scatter through lines.
INVISIBLE = "\u200e\u200f\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e"
_SPACES = " \u00a0\u202f\u2009"  # phones write narrow no-break spaces before "p. m."
_BLANK = INVISIBLE + " "
HEADER = re.compile(
    rf"^[{INVISIBLE}]*(?P<bracket>\[)?(?P<date>\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}}),?[{_SPACES}]"
    rf"(?P<time>\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?)"
    rf"(?:[{_SPACES}]?(?P<ampm>[AaPp]\.?[{_SPACES}]?[Mm]\.?))?"
    rf"(?(bracket)\][{_SPACES}]?|[{_SPACES}]?-[{_SPACES}])(?P<rest>.*)$"
)
MEDIA = re.compile(
    r"^<?(?:multimedia omitido|media omitted|(?:imagen|image|video|audio|sticker|gif|documento|document|"
    r"contact card|tarjeta de contacto|ubicación|location) omitid[oa]?|(?:image|video|audio|sticker|gif|"
    r"document|contact card) omitted)>?$|\((?:archivo adjunto|file attached)\)$", re.I)
DELETED = re.compile(r"^(?:se eliminó este mensaje|eliminaste este mensaje|este mensaje fue eliminado|"
                     r"this message was deleted|you deleted this message)\.?$", re.I)
EDITED = re.compile(r"\s*<(?:se editó este mensaje|this message was edited)\.?>\s*$", re.I)
SYSTEM_PHRASES = re.compile(
    r"cifrados de extremo a extremo|end-to-end encrypted|creó el grupo|created group|añadió|added|"
    r"salió del grupo|\bleft$|cambió (?:el asunto|la descripción|el ícono|la imagen|tu código)|changed (?:the "
    r"subject|this group|the group|their phone number)|código de seguridad|security code|se unió|joined using|"
    r"eliminó a|removed|ahora es admin|now an admin|mensajes temporales|disappearing messages", re.I)


class ExportFormatError(ValueError):
    """The input is not a WhatsApp export (or is empty)."""


@dataclass(frozen=True)
class Message:
    """One message: when, who (None for system lines), what, and its kind."""

    timestamp: datetime
    author: str | None
    text: str
    kind: str  # "text", "media", "system" or "deleted"
    edited: bool = False


def _read_source(source) -> tuple[str, str]:
    """(text, name for errors) from a path to .txt/.zip, or the export text itself."""
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and len(source) < 4096
                                    and Path(source).suffix.lower() in (".txt", ".zip")):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file")
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                texts = [n for n in archive.namelist() if n.lower().endswith(".txt")]
                if not texts:
                    raise ExportFormatError(f"{path}: the zip holds no .txt chat (iOS exports hold _chat.txt)")
                chosen = "_chat.txt" if "_chat.txt" in texts else texts[0]
                return io.TextIOWrapper(archive.open(chosen), encoding="utf-8-sig").read(), f"{path}:{chosen}"
        return path.read_text(encoding="utf-8-sig"), str(path)
    return str(source), "<texto>"


def _infer_day_first(dates: list[tuple[str, str, str]]) -> bool:
    """A first field above 12 proves day-first, a second above 12 month-first; when no date
    decides, the reading whose timestamps go backwards less often wins (ties: day-first)."""
    if any(int(first) > 12 for first, _, _ in dates):
        return True
    if any(int(second) > 12 for _, second, _ in dates):
        return False

    def backwards(day_first: bool) -> int:
        keys = [(int(y), int(b), int(a)) if day_first else (int(y), int(a), int(b)) for a, b, y in dates]
        return sum(later < earlier for earlier, later in zip(keys, keys[1:], strict=False))

    return backwards(True) <= backwards(False)


_FIELDS = re.compile(r"[./:-]")


@lru_cache(maxsize=65536)  # exports repeat the same dates and times thousands of times
def _date(date: str, day_first: bool, year_first: bool) -> tuple[int, int, int]:
    parts = [int(p) for p in _FIELDS.split(date)]
    if year_first:
        year, month, day = parts
    else:
        day, month, year = parts if day_first else (parts[1], parts[0], parts[2])
    return year + (2000 if year < 100 else 0), month, day


@lru_cache(maxsize=65536)
def _clock(time: str, ampm: str | None) -> tuple[int, int, int]:
    clock = [int(p) for p in _FIELDS.split(time)]
    hour, minute, second = clock[0], clock[1], clock[2] if len(clock) > 2 else 0
    if ampm:
        hour = hour % 12 + (12 if ampm.lower().lstrip()[0] == "p" else 0)
    return hour, minute, second


def _classify(author: str | None, body: str) -> tuple[str | None, str, str, bool]:
    """(author, text, kind, edited) for a message body."""
    edited = body.rstrip().endswith(">") and EDITED.search(body) is not None
    text = EDITED.sub("", body).strip() if edited else body.strip()
    visible = text.strip(_BLANK)
    if author is None:
        return None, visible, "system", False
    lowered = visible[-40:].lower()  # placeholders are short: test the regexes only when plausible
    if ("omit" in lowered or "adjunto" in lowered or "attached" in lowered) and MEDIA.search(visible):
        return author, visible, "media", edited
    if len(visible) < 40 and ("elimin" in lowered or "delete" in lowered) and DELETED.match(visible):
        return author, visible, "deleted", False
    # iOS writes system events under the group's name, the text opening with a direction mark.
    if text[:1] in INVISIBLE and SYSTEM_PHRASES.search(visible):
        return None, visible, "system", False
    return author, visible, "text", edited


def parse_export(source) -> list[Message]:
    """Messages of a WhatsApp export, in order; source is a path (.txt, iOS .zip) or the text."""
    text, name = _read_source(source)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise ExportFormatError(f"{name}: the export is empty")
    raw: list[list] = []  # [date, time, ampm, text of the header line, continuation lines]
    match_header = HEADER.match
    for number, line in enumerate(lines, start=1):
        match = match_header(line)
        if match:
            _, date, time, ampm, rest = match.groups()
            raw.append([date, time, ampm, rest, None])
        elif raw:  # a continuation line of a multi-line message
            raw[-1][4] = [line] if raw[-1][4] is None else [*raw[-1][4], line]
        elif line.strip(_BLANK):
            raise ExportFormatError(
                f"{name}, line {number}: not a WhatsApp export; expected lines like "
                "'15/01/23, 21:05 - Ana: hola' (Android) or '[15/01/23, 21:05:10] Ana: hola' (iOS)")
    if not raw:
        raise ExportFormatError(f"{name}: no WhatsApp message header found")
    fields = [_FIELDS.split(date) for date in dict.fromkeys(r[0] for r in raw)]  # unique dates, in order
    year_first = all(len(f[0]) == 4 for f in fields)
    day_first = False if year_first else _infer_day_first([(f[0], f[1], f[2]) for f in fields])
    messages = []
    for date, time, ampm, rest, more in raw:
        author, separator, body = rest.partition(": ")
        if not separator:  # no "Name: " -> a system line
            author, body = None, rest
        else:
            author = author.strip(_BLANK) or None
        if more:
            body = "\n".join([body, *more])
        stamp = datetime(*_date(date, day_first, year_first), *_clock(time, ampm))
        messages.append(Message(stamp, *_classify(author, body)))
    return messages


def authors(messages: list[Message]) -> list[str]:
    """Authors in order of first appearance (system lines excluded)."""
    return list(dict.fromkeys(m.author for m in messages if m.author is not None and m.kind != "system"))


def check_author(messages: list[Message], author: str) -> str:
    """The author if present; otherwise a clear error listing the authors found."""
    found = authors(messages)
    if author not in found:
        raise ValueError(f"author {author!r} is not in this chat; authors found: {', '.join(found) or 'none'}")
    return author
