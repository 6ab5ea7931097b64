"""Parse WhatsApp chat exports (Android and iOS, 12/24-hour, Spanish and English) into messages.

whatstk (PyPI) parses exports into a DataFrame of date, username and message, and the tests use it
as a cross-check on the formats it reads the same way (Android 24 h and English 12 h, iOS). It is
not the parser here because, measured on tests/fixtures/whatsapp with whatstk 0.9.1: it reads the
Spanish 12-hour clock written with narrow no-break spaces ("9:05 p. m.") as a morning time and
drops a line of that file; it gives no line kind (media placeholder, deleted, system) nor the edited
marker; and it drops Android system lines while filing iOS ones under the group's name as an author.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from helpers.persona import export_dates
from helpers.persona.export_file import ExportFormatError, read_source

__all__ = ["ExportFormatError", "Message", "authors", "check_author", "parse_export"]

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
QUOTES = "\"“”«»"


@dataclass(frozen=True)
class Message:
    """One message: when, who (None for system lines), what, and its kind."""

    timestamp: datetime
    author: str | None
    text: str
    kind: str  # "text", "media", "system" or "deleted"
    edited: bool = False


@lru_cache(maxsize=65536)  # exports repeat the same dates and times thousands of times
def _date(date: str, layout: export_dates.DateLayout) -> tuple[int, int, int] | None:
    return layout.read(date)


@lru_cache(maxsize=65536)
def _clock(time: str, ampm: str | None) -> tuple[int, int, int] | None:
    clock = [int(p) for p in export_dates.FIELDS.split(time)]
    hour, minute, second = clock[0], clock[1], clock[2] if len(clock) > 2 else 0
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.lower().lstrip()[0] == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
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


def _looks_like_chat(text: str) -> bool:
    """True when one of the first non-blank lines is a message header."""
    lines = [line for line in text.splitlines()[:20] if line.strip(_BLANK)]
    return any(HEADER.match(line) for line in lines[:5])


def _split_author(rest: str) -> tuple[str | None, str]:
    """(author, body); None for a system line, even one whose text holds ": " (a group renamed
    to "Plan: viernes")."""
    author, separator, body = rest.partition(": ")
    author = author.strip(_BLANK)
    if not separator or not author or any(q in author for q in QUOTES) or SYSTEM_PHRASES.search(author):
        return None, rest
    return author, body


def parse_export(source) -> list[Message]:
    """Messages of a WhatsApp export, in order; source is a path (.txt, .zip) or the text."""
    text, name = read_source(source, _looks_like_chat)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise ExportFormatError(f"{name}: the export is empty")
    raw: list[list] = []  # [line number, date, time, ampm, text of the header line, continuation lines]
    match_header = HEADER.match
    for number, line in enumerate(lines, start=1):
        match = match_header(line)
        if match:
            _, date, time, ampm, rest = match.groups()
            raw.append([number, date, time, ampm, rest, None])
        elif raw:  # a continuation line of a multi-line message
            raw[-1][5] = [line] if raw[-1][5] is None else [*raw[-1][5], line]
        elif line.strip(_BLANK):
            raise ExportFormatError(
                f"{name}, line {number}: not a WhatsApp export; expected lines like "
                "'15/01/23, 21:05 - Ana: hola' (Android) or '[15/01/23, 21:05:10] Ana: hola' (iOS)")
    if not raw:
        raise ExportFormatError(f"{name}: no WhatsApp message header found")
    layout = export_dates.infer_layout(list(dict.fromkeys(r[1] for r in raw)))  # unique dates, in order
    messages = []
    for number, date, time, ampm, rest, more in raw:
        author, body = _split_author(rest)
        if more:
            body = "\n".join([body, *more])
        day, clock = _date(date, layout), _clock(time, ampm)
        if day is None or clock is None:
            what = (f"date {date!r} (read as {layout}, the layout of the rest of the file)" if day is None
                    else f"time {time}{ampm or ''}")
            raise ExportFormatError(f"{name}, line {number}: impossible {what}; the file may have been edited")
        messages.append(Message(datetime(*day, *clock), *_classify(author, body)))
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
