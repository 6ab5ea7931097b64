"""Study 2's privacy: anonymise every name part, number and address; scan outputs for leaks."""

from datetime import datetime, timedelta

import pytest

from helpers.persona.privacy import anonymise, find_leaks, scrub_numbers
from helpers.persona.whatsapp import Message


def _chat(*lines):
    start = datetime(2024, 5, 1, 10, 0)
    return [Message(start + timedelta(minutes=i), author, text, "text") for i, (author, text) in enumerate(lines)]


def test_every_part_of_a_name_in_any_case_and_without_accents():
    chat = _chat(("Luis Pérez", "hola"), ("Marta", "Luis, luis, LUIS, Pérez, perez y PÉREZ: Luis Pérez"))
    anonymous, mapping = anonymise(chat)
    assert mapping == {"Luis Pérez": "Persona 1", "Marta": "Persona 2"}
    text = anonymous[1].text
    assert text == "Persona 1, Persona 1, Persona 1, Persona 1, Persona 1 y Persona 1: Persona 1"
    for leaked in ("luis", "pérez", "perez"):
        assert leaked not in text.lower()


def test_name_parts_are_words_not_substrings_and_particles_stay():
    chat = _chat(("María de la Cruz", "hola"), ("Ana", "la cruzada de María y Mariano"))
    text = anonymise(chat)[0][1].text
    assert text == "la cruzada de Persona 1 y Mariano"  # 'la', 'de' are particles; 'cruzada' is not 'Cruz'


def test_a_part_two_people_share_is_not_attributed_to_either():
    chat = _chat(("Luis Gómez", "a"), ("Ana Gómez", "los Gómez vienen"))
    assert anonymise(chat)[0][1].text == "los [nombre] vienen"


def test_keep_stays_and_its_parts_too():
    chat = _chat(("Luis", "hola"), ("Ana Ruiz", "hola Luis, soy Ana Ruiz"))
    anonymous, mapping = anonymise(chat, keep="Luis")
    assert mapping["Luis"] == "Luis" and anonymous[1].text == "hola Luis, soy Persona 2"


@pytest.mark.parametrize("text, expected", [
    ("escríbeme a luis.perez@gmail.com", "escríbeme a [correo]"),
    ("o a LUIS_P+chat@correo.com.mx ya", "o a [correo] ya"),
    ("mi IBAN es ES91 2100 0418 4502 0005 1332", "mi IBAN es [IBAN]"),
    ("IBAN: ES9121000418450200051332.", "IBAN: [IBAN]."),
    ("la tarjeta 4111 1111 1111 1111 caduca", "la tarjeta [tarjeta] caduca"),
    ("llámame al +34 612 34 56 78", "llámame al [teléfono]"),
    ("o al 612345678 o al 0034 612-345-678", "o al [teléfono] o al [teléfono]"),
    ("México: +52 1 55 1234 5678", "México: [teléfono]"),
    ("Argentina +54 9 11 1234-5678", "Argentina [teléfono]"),
    ("CDMX (55) 1234-5678", "CDMX [teléfono]"),
    ("Chile +56 9 1234 5678", "Chile [teléfono]"),
])
def test_numbers_and_addresses_get_their_own_labels(text, expected):
    assert scrub_numbers(text) == expected


@pytest.mark.parametrize("text", ["a las 21:05", "el 12-03-2023", "somos 150 personas", "cuesta 1.250 €",
                                  "el 12/03/2023 a las 9"])
def test_dates_times_and_small_numbers_are_not_phones(text):
    assert scrub_numbers(text) == text


def test_an_iban_is_not_half_a_phone():
    out = scrub_numbers("ES91 2100 0418 4502 0005 1332")
    assert out == "[IBAN]" and "teléfono" not in out


def test_find_leaks_catches_a_planted_leak_anywhere(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "metrics.json").write_text('{"a": 1}', encoding="utf-8")
    (tmp_path / "sub" / "log.txt").write_text("nada", encoding="utf-8")
    secrets = ["Xiomara", "+34 611 22 33 44", "chat con xiomara.txt"]
    assert find_leaks(tmp_path, secrets) == []
    # JSON escapes non-ASCII text: the scan reads the strings, and ignores case and accents.
    (tmp_path / "nb.ipynb").write_text('{"cells": ["hola XIOMÁRA"]}', encoding="utf-8")
    (tmp_path / "sub" / "log.txt").write_text("ruta /x/Chat con Xiomara.txt", encoding="utf-8")
    (tmp_path / "w.bin").write_bytes(b"\x00\x01+34 611 22 33 44\xff")
    leaks = find_leaks(tmp_path, secrets)
    assert "nb.ipynb: 'Xiomara'" in leaks and "w.bin: '+34 611 22 33 44'" in leaks
    assert "sub/log.txt: 'chat con xiomara.txt'" in leaks


def test_find_leaks_refuses_short_secrets_and_a_missing_or_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no output folder"):
        find_leaks(tmp_path, ["Xiomara"])
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="shorter than 4"):
        find_leaks(tmp_path, ["Xiomara", "ok"])
    with pytest.raises(FileNotFoundError):
        find_leaks(tmp_path / "missing", ["Xiomara"])


def test_a_safetensors_header_is_scanned_and_its_numbers_are_not(tmp_path):
    """A name in a weights file's metadata is caught; the tensors' bytes are numbers, not text."""
    import json
    import struct

    header = json.dumps({"__metadata__": {"trained_on": "chat con Xiomara"}}).encode()
    (tmp_path / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + b"Xiomara" * 10)
    assert find_leaks(tmp_path, ["Xiomara"]) == ["model.safetensors: 'Xiomara'"]
    clean = json.dumps({"__metadata__": {"format": "pt"}}).encode()
    (tmp_path / "model.safetensors").write_bytes(struct.pack("<Q", len(clean)) + clean + b"Xiomara" * 10)
    assert find_leaks(tmp_path, ["Xiomara"]) == []  # past the header: tensor bytes, never decoded as text
