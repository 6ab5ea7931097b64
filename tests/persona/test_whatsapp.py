import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from helpers.persona.chat_data import (
    SEPARATOR,
    anonymise,
    as_chat_example,
    clean,
    group_turns,
    own_turn,
    split_reply,
    style_stats,
    time_split,
    training_examples,
)
from helpers.persona.whatsapp import ExportFormatError, Message, authors, check_author, parse_export

FIXTURES = Path(__file__).parent / "fixtures" / "whatsapp"


def kinds(messages):
    return [m.kind for m in messages]


def test_android_spanish_24h_with_everything_real_exports_hold():
    messages = parse_export(FIXTURES / "android_es_24h.txt")
    assert kinds(messages) == ["system", "system", "system", "text", "text", "media", "deleted", "text", "text", "system"]
    assert messages[4].text == "mañana cenamos?\nllevo la tarta\ny las velas 🎂"  # multi-line message
    assert messages[5].author == "+34 612 34 56 78" and messages[6].author == "Luis 😎"
    assert messages[7].text == "vale, a las 9 en casa de Ana" and messages[7].edited
    assert messages[3].timestamp == datetime(2023, 1, 15, 21, 5)
    assert authors(messages) == ["Ana", "+34 612 34 56 78", "Luis 😎"]


def test_android_english_12h_month_first():
    messages = parse_export(FIXTURES / "android_en_12h.txt")
    assert kinds(messages) == ["system", "text", "media", "deleted", "text", "text"]
    assert messages[4].timestamp == datetime(2023, 1, 15, 23, 59) and messages[4].edited
    assert messages[5].timestamp == datetime(2023, 1, 16, 0, 10)  # 12:10 AM is just after midnight


def test_android_spanish_12h_narrow_spaces_and_four_digit_years():
    stamps = [m.timestamp for m in parse_export(FIXTURES / "android_es_12h.txt")]
    assert stamps == [datetime(2023, 1, 15, 21, 5), datetime(2023, 1, 15, 23, 30),
                      datetime(2023, 1, 16, 0, 15), datetime(2023, 1, 16, 12, 0)]


def test_ios_spanish_marks_zero_width_and_system_lines():
    messages = parse_export(FIXTURES / "ios_es.txt")
    assert kinds(messages) == ["system", "system", "text", "media", "deleted", "text", "text"]
    assert messages[0].author is None and messages[1].author is None  # filed under the group name by iOS
    assert messages[5].author == "Ana" and messages[5].text == "dos líneas\nsegunda línea"
    assert messages[6].text == "vale" and messages[6].edited
    assert messages[2].timestamp == datetime(2023, 1, 15, 21, 5, 12)


def test_ios_english_12h_from_the_zip(tmp_path):
    archive = tmp_path / "WhatsApp Chat - Bob.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("_chat.txt", (FIXTURES / "ios_en_12h.txt").read_text(encoding="utf-8"))
        zipped.writestr("00000001-PHOTO.jpg", b"\xff\xd8")
    messages = parse_export(archive)
    assert kinds(messages) == ["text", "media", "deleted", "text"]
    assert messages[0].timestamp == datetime(2023, 1, 15, 21, 5, 10)


@pytest.mark.parametrize("name,first", [("ambiguous_day_first.txt", datetime(2023, 1, 12, 10)),
                                        ("ambiguous_month_first.txt", datetime(2023, 1, 12, 10))])
def test_day_or_month_first_inferred_from_the_file_when_no_date_decides(name, first):
    messages = parse_export(FIXTURES / name)
    assert messages[0].timestamp == first
    assert [m.timestamp for m in messages] == sorted(m.timestamp for m in messages)


def test_text_source_and_bom():
    messages = parse_export("\ufeff15/01/23, 21:05 - Ana: hola\n")
    assert messages == [Message(datetime(2023, 1, 15, 21, 5), "Ana", "hola", "text")]


def test_empty_and_foreign_files_are_refused_clearly(tmp_path):
    empty = tmp_path / "chat.txt"
    empty.write_text("\n\n")
    with pytest.raises(ExportFormatError, match="empty"):
        parse_export(empty)
    csv = tmp_path / "notes.txt"
    csv.write_text("name,age\nAna,30\n")
    with pytest.raises(ExportFormatError, match=r"notes\.txt, line 1: not a WhatsApp export.*Android"):
        parse_export(csv)
    bare_zip = tmp_path / "photos.zip"
    with zipfile.ZipFile(bare_zip, "w") as zipped:
        zipped.writestr("a.jpg", b"x")
    with pytest.raises(ExportFormatError, match="no .txt"):
        parse_export(bare_zip)


def test_unknown_author_lists_the_authors_found():
    messages = parse_export(FIXTURES / "android_en_12h.txt")
    assert check_author(messages, "Ana") == "Ana"
    with pytest.raises(ValueError, match="authors found: Ana, Bob"):
        check_author(messages, "Carlos")


@pytest.mark.parametrize("name", ["android_es_24h.txt", "android_en_12h.txt", "ios_es.txt", "ios_en_12h.txt"])
def test_agrees_with_whatstk_where_whatstk_reads_the_format(name):
    from whatstk import WhatsAppChat

    frame = WhatsAppChat.from_source(filepath=str(FIXTURES / name)).df
    ours = [m for m in parse_export(FIXTURES / name) if m.author is not None]
    theirs = [(row.date.to_pydatetime(), row.username) for row in frame.itertuples() if row.username in authors(ours)]
    assert [(m.timestamp, m.author) for m in ours] == theirs


def test_clean_counts_what_it_drops():
    texts, dropped = clean(parse_export(FIXTURES / "android_es_24h.txt"))
    assert dropped == {"media": 1, "system": 4, "deleted": 1} and all(m.kind == "text" for m in texts)


def test_anonymise_replaces_names_and_phones_consistently():
    messages = parse_export(FIXTURES / "android_es_24h.txt")
    anonymous, mapping = anonymise(messages, keep="Luis 😎")
    assert mapping == {"Ana": "Persona 1", "+34 612 34 56 78": "Persona 2", "Luis 😎": "Luis 😎"}
    assert anonymous[7].text == "vale, a las 9 en casa de Persona 1"
    assert anonymous[8].text == "llámame al [teléfono]"
    assert anonymous[2].text == "Persona 1 añadió a [teléfono]"
    assert {m.author for m in anonymous} == {None, "Persona 1", "Persona 2", "Luis 😎"}


def _msg(minute, author, text):
    return Message(datetime(2023, 1, 1, 12, 0) + timedelta(minutes=minute), author, text, "text")


def test_grouping_blocks_and_examples():
    messages = [_msg(0, "Ana", "hola"), _msg(1, "Ana", "¿vienes?"), _msg(2, "Luis", "sí"),
                _msg(30, "Luis", "¿a qué hora?"), _msg(31, "Ana", "a las 9"), _msg(400, "Ana", "otro día")]
    turns = group_turns(messages, timedelta(minutes=5))
    assert [(t.author, t.text, t.messages) for t in turns] == [
        ("Ana", f"hola{SEPARATOR}¿vienes?", 2), ("Luis", "sí", 1), ("Luis", "¿a qué hora?", 1),
        ("Ana", "a las 9", 1), ("Ana", "otro día", 1)]
    examples = training_examples(turns, "Ana", session_gap=timedelta(hours=2), max_context=2)
    assert len(examples) == 1  # the first turn opens the chat; "otro día" opens a new session
    assert examples[0]["context"] == "Luis: sí\nLuis: ¿a qué hora?" and examples[0]["reply"] == "a las 9"
    train, test = time_split([{"time": f"2023-01-0{d}"} for d in range(1, 6)], 0.2)
    assert len(train) == 4 and test == [{"time": "2023-01-05"}]
    chat = as_chat_example(examples[0], "Ana")
    assert chat["completion"] == [{"role": "assistant", "content": "a las 9"}] and "Ana" in chat["prompt"][0]["content"]


def test_style_stats_and_split_reply():
    stats = style_stats([f"hola 😀{SEPARATOR}¿qué tal?", "Bien"])
    assert stats["messages_per_turn"] == 1.5 and stats["emoji_rate"] == pytest.approx(1 / 3)
    assert stats["question_rate"] == pytest.approx(1 / 3) and stats["lowercase_rate"] == pytest.approx(2 / 3)
    assert split_reply(f"uno{SEPARATOR}dos <SEP>  ") == ["uno", "dos"]
    assert own_turn("vale, nos vemos\ny llevo pan\nPersona 2: genial\nAna: ok") == "vale, nos vemos\ny llevo pan"
