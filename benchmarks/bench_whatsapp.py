"""Study 2: parsing a 150,000-line export, against a naive parser that tries every header format."""

import re
import time
from datetime import datetime, timedelta

from helpers.persona.whatsapp import parse_export

LINES = 150_000  # the size of the original study's export
NAIVE_FORMATS = [  # one pattern per known header, each tried in turn on every line
    (re.compile(r"^(\d{1,2}/\d{1,2}/\d{2}), (\d{1,2}:\d{2}) - (.*)$"), "%d/%m/%y %H:%M"),
    (re.compile(r"^(\d{1,2}/\d{1,2}/\d{4}), (\d{1,2}:\d{2}) - (.*)$"), "%d/%m/%Y %H:%M"),
    (re.compile(r"^(\d{1,2}/\d{1,2}/\d{2}), (\d{1,2}:\d{2} [AP]M) - (.*)$"), "%m/%d/%y %I:%M %p"),
    (re.compile(r"^\[(\d{1,2}/\d{1,2}/\d{2}), (\d{1,2}:\d{2}:\d{2})\] (.*)$"), "%d/%m/%y %H:%M:%S"),
    (re.compile(r"^\[(\d{1,2}/\d{1,2}/\d{2}), (\d{1,2}:\d{2}:\d{2} [AP]M)\] (.*)$"), "%m/%d/%y %I:%M:%S %p"),
    (re.compile(r"^(\d{1,2}/\d{1,2}/\d{2}), (\d{1,2}:\d{2}) ([ap]\. m\.) - (.*)$"), None),
]


def naive_parse(text: str) -> list[tuple]:
    """Line by line, every header pattern in turn, strptime per header."""
    messages = []
    for line in text.splitlines():
        for pattern, date_format in NAIVE_FORMATS:
            match = pattern.match(line)
            if match:
                stamp = datetime.strptime(f"{match.group(1)} {match.group(2)}", date_format) if date_format else None
                author, _, body = match.groups()[-1].partition(": ")
                messages.append((stamp, author, body))
                break
        else:
            if messages:
                messages[-1] = (*messages[-1][:2], messages[-1][2] + "\n" + line)
    return messages


def synthetic_export(lines: int = LINES) -> str:
    """An Android export (Spanish, 24 h) of `lines` lines: messages, continuations, media, system."""
    clock, out = datetime(2021, 1, 1, 8, 0), []
    for index in range(lines):
        clock += timedelta(minutes=index % 7)
        if index % 50 == 49:
            out.append("y esto va en otra línea del mismo mensaje")
        elif index % 97 == 0:
            out.append(f"{clock:%d/%m/%y, %H:%M} - Ana: <Multimedia omitido>")
        else:
            out.append(f"{clock:%d/%m/%y, %H:%M} - {'Ana' if index % 3 else 'Luis 😎'}: mensaje número {index}")
    return "\n".join(out)


def parse_150k() -> dict:
    """Seconds to parse the 150,000-line export: helpers.persona.whatsapp against the naive parser."""
    text = synthetic_export()
    start = time.perf_counter()
    messages = parse_export(text)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    naive = naive_parse(text)
    baseline = time.perf_counter() - start
    assert len(naive) == len(messages), (len(naive), len(messages))
    return {"whatsapp_parse_150k": {"unit": "s", "baseline": baseline, "candidate": ours, "ratio": baseline / ours,
                                    "target": None, "under_3_s": ours < 3.0, "lines": LINES, "messages": len(messages)}}
