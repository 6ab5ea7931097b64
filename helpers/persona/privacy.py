"""Study 2: pseudonymise a chat (names in any case, phones, e-mails, IBANs, cards) and scan a run's
outputs for anything private that leaked."""

import json
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from helpers.persona.whatsapp import Message, authors

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# IBAN: country, check digits, 11-30 more characters in groups of four (spaces or dashes optional).
IBAN = re.compile(r"(?<!\w)[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){3,7}(?:[ -]?[A-Z0-9]{1,3})?(?!\w)", re.I)
CARD = re.compile(r"(?<![\w+])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?!\w)")  # 13-19 digits
# Spanish and Latin American phones: +34 612 34 56 78, 0034..., (55) 1234-5678, +54 9 11 1234-5678.
PHONE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d \-().\u00a0\u202f]{5,}\d(?!\w)")
_DATE_LIKE = re.compile(r"\d{1,4}[-.]\d{1,2}[-.]\d{1,4}")
# Name parts that are also everyday words (María de la Cruz): never replaced on their own.
PARTICLES = {"de", "del", "la", "las", "los", "el", "y", "e", "da", "do", "dos", "das", "van", "von", "der",
             "di", "du", "le", "san", "mc"}
_FOLD = ["aáàâäã", "eéèêë", "iíìîï", "oóòôöõ", "uúùûü", "nñ", "cç"]
LABELS = {"email": "[correo]", "iban": "[IBAN]", "card": "[tarjeta]", "phone": "[teléfono]"}


def _phone(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if not 8 <= digits <= 15 or _DATE_LIKE.fullmatch(text):
        return text
    return LABELS["phone"]


def scrub_numbers(text: str) -> str:
    """E-mails, IBANs, card numbers and phone numbers replaced by their labels (in that order)."""
    text = EMAIL.sub(LABELS["email"], text)
    text = IBAN.sub(LABELS["iban"], text)
    text = CARD.sub(LABELS["card"], text)
    return PHONE.sub(_phone, text)


def _fold(char: str) -> str:
    base = unicodedata.normalize("NFD", char.lower())[0]
    family = next((f for f in _FOLD if base in f), None)
    return f"[{family}]" if family else re.escape(char)


def name_pattern(name: str) -> str:
    """A regex for a name in any case, with or without accents (Pérez, PEREZ, perez)."""
    return "".join(_fold(c) if c.isalpha() else re.escape(c) for c in name)


def name_parts(name: str) -> list[str]:
    """The words of a name that identify someone (no particles, no digits or emoji)."""
    return [p for p in re.findall(r"[^\W\d_]{2,}", name) if p.lower() not in PARTICLES]


def anonymise(messages: list[Message], keep: str | None = None) -> tuple[list[Message], dict[str, str]]:
    """Authors become 'Persona N' (keep stays as is); their full names and each name part, in any
    case, become that label in texts too (a part two people share becomes '[nombre]'); e-mails,
    IBANs, cards and phones get their labels. The mapping is for display only: never save it."""
    mapping = {name: name if name == keep else f"Persona {index}"
               for index, name in enumerate(authors(messages), start=1)}
    replacements: dict[str, str] = {}
    for name, label in mapping.items():
        if name == keep or PHONE.fullmatch(name.strip()):
            continue
        replacements[name.strip().lower()] = label
        for part in name_parts(name):
            key = part.lower()
            replacements[key] = label if replacements.get(key, label) == label else "[nombre]"
    kept = {p.lower() for p in name_parts(keep or "")}
    keys = sorted((k for k in replacements if k not in kept), key=len, reverse=True)
    pattern = (re.compile(r"(?<!\w)(?:" + "|".join(name_pattern(k) for k in keys) + r")(?!\w)", re.I)
               if keys else None)
    lookup = {_plain(k): v for k, v in replacements.items()}

    def scrub(text: str) -> str:
        text = scrub_numbers(text)
        return pattern.sub(lambda m: lookup.get(_plain(m.group(0)), "[nombre]"), text) if pattern else text

    return [replace(m, author=mapping.get(m.author, m.author), text=scrub(m.text)) for m in messages], mapping


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _readable(path: Path) -> str:
    """A file's text as a search target: JSON strings unescaped, binary files as their bytes' text; of
    a .safetensors file its header (names, shapes, metadata), the only part that can hold text: the
    rest are the tensors' numbers (a merged model's gigabyte of them would take minutes to decode)."""
    if path.suffix == ".safetensors":
        with open(path, "rb") as handle:
            size = int.from_bytes(handle.read(8), "little")
            return handle.read(min(size, 100_000_000)).decode("utf-8", errors="ignore")
    data = path.read_bytes()
    text = data.decode("utf-8", errors="ignore")
    if path.suffix in (".json", ".ipynb"):
        try:
            text += "\n" + "\n".join(_strings(json.loads(text)))
        except json.JSONDecodeError:
            pass
    return text


def find_leaks(folder: Path, secrets: list[str], min_length: int = 4) -> list[str]:
    """'file: secret' for every secret (case- and accent-insensitive) found in a file under folder.
    Secrets shorter than min_length are refused: they would match by chance."""
    short = [s for s in secrets if len(s.strip()) < min_length]
    if short:
        raise ValueError(f"{len(short)} secret(s) shorter than {min_length} characters: they would match by chance")
    folder = Path(folder)
    if not folder.is_dir() or not any(folder.rglob("*")):
        raise FileNotFoundError(f"{folder}: no output folder to scan (or it is empty)")
    targets = {s: _plain(s.strip()) for s in secrets}
    leaks = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = _plain(_readable(path))
        leaks += [f"{path.relative_to(folder)}: {s!r}" for s, plain in targets.items() if plain in text]
    return leaks
