"""Every export format whatstk writes parses; every bad export ends in one error naming file and line."""

import importlib.util
import zipfile
from datetime import datetime, timedelta

import pytest

from helpers.persona.chat_data import ChatTooShortError, time_split
from helpers.persona.whatsapp import ExportFormatError, authors, parse_export

CHAT = "15/01/23, 21:05 - Ana: hola señor\n16/01/23, 09:10 - Bob: qué tal\n"


def _chat_frame():
    """whatstk's own generator when its extra (python-lorem) is installed, else the same kind of frame."""
    if importlib.util.find_spec("lorem") is not None:
        from whatstk.whatsapp.generation import ChatGenerator

        return ChatGenerator(size=600, seed=7).generate(last_timestamp=datetime(2023, 3, 9, 18, 0)).df
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    gaps = rng.exponential(3 * 3600, 600).cumsum()  # about 75 days of messages
    last = datetime(2023, 3, 9, 18, 0)
    return pd.DataFrame({"date": [last - timedelta(seconds=float(gaps[-1] - g)) for g in gaps],
                         "username": rng.choice(["John", "Mary", "Giuseppe", "+1 123 456 789"], len(gaps)),
                         "message": [f"Lorem ipsum {i} dolor sit" for i in range(len(gaps))]})


@pytest.fixture(scope="module")
def frame():
    pytest.importorskip("whatstk")
    return _chat_frame()


def _formats():
    pytest.importorskip("whatstk")
    from whatstk.whatsapp.hformat import get_supported_hformats_as_list

    return get_supported_hformats_as_list()


@pytest.mark.parametrize("hformat", _formats())
def test_every_whatstk_header_format_parses_to_the_generated_chat(tmp_path, frame, hformat):
    from whatstk.whatsapp.objects import WhatsAppChat

    path = tmp_path / "chat.txt"
    WhatsAppChat(frame).to_txt(str(path), hformat=hformat)
    keep = {"second": 0} if "%S" not in hformat else {}
    expected = [(stamp.to_pydatetime().replace(microsecond=0, **keep), str(user), text.strip())
                for stamp, user, text in frame[["date", "username", "message"]].itertuples(index=False)]
    assert [(m.timestamp, m.author, m.text) for m in parse_export(path)] == expected


def test_utf16_and_latin1_exports_parse(tmp_path):
    for encoding in ("utf-16", "latin-1", "cp1252"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(CHAT.encode(encoding))
        messages = parse_export(path)
        assert [m.text for m in messages] == ["hola señor", "qué tal"], encoding


@pytest.mark.parametrize("data,match", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"bin\.txt, line 3: a binary file"),
    (b"15/01/23, 21:05 - Ana: hola\n" + b"\x81\x8d\x90 \x01\x02\n", r"bin\.txt, line 2: not UTF-8"),
])
def test_binary_and_unknown_encodings_name_the_file_and_line(tmp_path, data, match):
    path = tmp_path / "bin.txt"
    path.write_bytes(data)
    with pytest.raises(ExportFormatError, match=match):
        parse_export(path)


@pytest.mark.parametrize("bad,what", [("31/02/23, 10:00", "impossible date '31/02/23'"),
                                      ("15/01/23, 25:10", "impossible time 25:10"),
                                      ("15/01/23, 10:61", "impossible time 10:61")])
def test_impossible_date_or_hour_deep_in_a_file_names_the_line(tmp_path, bad, what):
    start = datetime(2023, 1, 1, 10)
    lines = [f"{start + timedelta(hours=8 * i):%d/%m/%y, %H:%M} - Ana: mensaje {i}" for i in range(1100)]
    lines[1000] = f"{bad} - Ana: roto"
    path = tmp_path / "chat.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ExportFormatError, match=rf"chat\.txt, line 1001: {what}"):
        parse_export(path)


@pytest.mark.parametrize("lines,bad_line,layout", [
    # The case: two dates, one corrupt; year-first would read both (2001-03-23, 2031-02-23).
    (["01/03/23, 09:30 - Ana: hola", "31/02/23, 10:00 - Ana: roto"], 2, "day/month/year with a 2-digit year"),
    # A day-first March whose days, read year-first, would be the years 2001..2028, all in order.
    ([f"{d:02d}/03/23, 09:30 - Ana: día {d}" for d in range(1, 29)] + ["31/02/23, 10:00 - Ana: roto"], 29,
     "day/month/year with a 2-digit year"),
    # One line with a 2-digit year in a 4-digit file is not read in another order.
    (["15/01/2023, 09:30 - Ana: hola", "16/01/2023, 09:30 - Ana: sigo", "17/01/23, 09:30 - Ana: raro"], 3,
     "day/month/year with a 4-digit year"),
])
def test_a_line_is_never_read_in_another_date_layout_than_its_file(tmp_path, lines, bad_line, layout):
    path = tmp_path / "chat.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match=rf"chat\.txt, line {bad_line}: impossible date .*read as {layout}"):
        parse_export(path)


def test_the_layout_is_the_files_and_a_two_digit_year_first_file_still_parses():
    from helpers.persona.export_dates import infer_layout

    year_first = [f"23-01-{d:02d}" for d in range(10, 28)]  # whatstk's '%y-%m-%d': ambiguous field by field
    assert infer_layout(year_first).order == "y-m-d"
    assert str(infer_layout(["15/01/2023", "16/01/2023", "17/01/23"])) == "day/month/year with a 4-digit year"
    assert infer_layout(["01/03/23", "31/02/23"]).order == "d-m-y"


def test_corrupt_and_truncated_zips_are_named(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("_chat.txt", CHAT * 200)
    truncated = tmp_path / "cut.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ExportFormatError, match=r"cut\.zip: a damaged or incomplete zip"):
        parse_export(truncated)
    flipped = bytearray(good.read_bytes())
    flipped[60] ^= 0xFF  # inside the compressed chat: a CRC or inflate error
    (tmp_path / "bad.zip").write_bytes(bytes(flipped))
    with pytest.raises(ExportFormatError, match=r"bad\.zip"):
        parse_export(tmp_path / "bad.zip")


@pytest.mark.parametrize("chat_name", ["WhatsApp Chat with Bob.txt", "_chat.txt", "Chat de WhatsApp con Bob.txt"])
def test_with_media_zip_holding_another_txt_parses_the_chat(tmp_path, chat_name):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("apuntes compartidos.txt", "Lista de la compra\nleche: 2\n")  # sorts first
        zipped.writestr("IMG-2023-WA0001.jpg", b"\xff\xd8")
        zipped.writestr(chat_name, CHAT)
    assert authors(parse_export(archive)) == ["Ana", "Bob"]
    only_notes = tmp_path / "notes.zip"
    with zipfile.ZipFile(only_notes, "w") as zipped:
        zipped.writestr("a.txt", "uno\n")
        zipped.writestr("b.txt", "dos\n")
    with pytest.raises(ExportFormatError, match="none of its .txt files"):
        parse_export(only_notes)


@pytest.mark.parametrize("line", ['Ana changed the subject from "Cena" to "Plan: viernes"',
                                  'Ana cambió el asunto de "Cena" a "Plan: viernes"',
                                  "Ana cambió el asunto a “Viaje: junio”"])
def test_system_line_with_colon_is_not_an_author(line):
    messages = parse_export(f"15/01/23, 21:05 - {line}\n15/01/23, 21:06 - Bob: hola\n")
    assert messages[0].author is None and messages[0].kind == "system"
    assert authors(messages) == ["Bob"]


def test_a_chat_too_short_says_how_many_examples_it_has_and_needs():
    with pytest.raises(ChatTooShortError, match="1 example.*at least 2"):
        time_split([{"time": "2023-01-01T10:00:00", "context": "a", "reply": "b"}])
    with pytest.raises(ChatTooShortError, match="0 examples"):
        time_split([])
    train, test = time_split([{"time": f"2023-01-0{i}T10:00:00"} for i in range(1, 3)])
    assert len(train) == 1 and len(test) == 1


def test_year_first_within_one_month_is_read_by_the_shortest_span():
    # Read day-first, these dates would run from 2005 to 2020 in order: only the span tells them apart.
    text = "".join(f"23-03-{day:02d}, 10:00 - Ana: día {day}\n" for day in range(5, 21))
    messages = parse_export(text)
    assert messages[0].timestamp == datetime(2023, 3, 5, 10) and messages[-1].timestamp == datetime(2023, 3, 20, 10)
