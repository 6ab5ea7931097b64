"""Study 2: several exports stay apart; the author is chosen without leaking names; uploads go private."""

import zipfile
from datetime import timedelta

import pytest

from helpers.notebook_runner import PRIVATE_ENV, private_parameters, run_notebook
from helpers.persona.chat_data import chat_examples, group_turns
from helpers.persona.personas_demo import build_personas_chat
from helpers.persona.sources import chat_paths, private_dir, read_chats, redact, resolve_author, save_upload
from helpers.persona.whatsapp import ExportFormatError, parse_export

CHAT_A = "01/02/24, 10:00 - Ana: hola\n01/02/24, 10:01 - Luis: ¿qué tal?\n01/02/24, 10:02 - Ana: bien\n"
# A second chat exported later but overlapping in time: Ana's message a minute after chat A's end.
CHAT_B = "01/02/24, 10:03 - Ana: otra cosa\n01/02/24, 10:04 - Marta: dime\n01/02/24, 10:05 - Ana: nada\n"
MINUTES = timedelta(minutes=5), timedelta(hours=2)


def test_contexts_and_turns_never_cross_a_chat_boundary():
    chats = [parse_export(CHAT_A), parse_export(CHAT_B)]
    examples, turns, _ = chat_examples(chats, "Ana", *MINUTES, max_context=6)
    assert turns == 6 and len(examples) == 2
    assert examples[0] == {"context": "Ana: hola\nLuis: ¿qué tal?", "reply": "bien", "time": "2024-02-01T10:02:00",
                           "chat": 0}
    assert examples[1]["context"] == "Ana: otra cosa\nMarta: dime" and examples[1]["chat"] == 1  # no line of chat A
    # The old behaviour (one merged file) fails this: chat B's first message joins chat A's last turn,
    # and the context of Ana's last reply would hold Luis's line from the other chat.
    merged = group_turns(chats[0] + chats[1], MINUTES[0])
    assert merged[2].text == "bien <SEP> otra cosa"
    from helpers.persona.chat_data import training_examples

    assert "Luis" in training_examples(merged, "Ana", MINUTES[1], 6)[-1]["context"]


def test_chat_paths_accepts_a_file_a_list_and_a_folder(tmp_path):
    (tmp_path / "b.zip").write_bytes(b"")
    (tmp_path / "a.txt").write_text(CHAT_A, encoding="utf-8")
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    assert chat_paths(str(tmp_path / "a.txt")) == [tmp_path / "a.txt"]
    assert chat_paths(str(tmp_path)) == [tmp_path / "a.txt", tmp_path / "b.zip"]
    assert chat_paths([str(tmp_path / "a.txt"), tmp_path]) == [tmp_path / "a.txt", tmp_path / "a.txt", tmp_path / "b.zip"]


@pytest.mark.parametrize("bad, error, match", [
    (["ok.txt", 3], ValueError, "item 2: expected the path"),
    ([""], ValueError, "item 1"),
    ("Chat de WhatsApp con Xiomara.txt", FileNotFoundError, "item 1: no such file"),
])
def test_chat_paths_rejects_wrong_items_without_naming_the_file(tmp_path, bad, error, match):
    (tmp_path / "ok.txt").write_text(CHAT_A, encoding="utf-8")
    bad = [str(tmp_path / b) if isinstance(b, str) and b else b for b in bad] if isinstance(bad, list) else str(tmp_path / bad)
    with pytest.raises(error, match=match) as caught:
        chat_paths(bad)
    assert "Xiomara" not in str(caught.value)


def test_an_empty_folder_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="without .txt or .zip"):
        chat_paths(str(tmp_path))


def test_errors_about_a_private_export_hide_its_name_and_zip_member(tmp_path):
    bad = tmp_path / "Chat de WhatsApp con Xiomara Quintanilla.txt"
    bad.write_text("esto no es un chat\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match="<chat privado 1>, line 1") as caught:
        read_chats([bad], private=True)
    assert "Xiomara" not in str(caught.value) and str(tmp_path) not in str(caught.value)
    with pytest.raises(ExportFormatError, match="Xiomara"):  # a public file keeps its name in the error
        read_chats([bad], private=False)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("WhatsApp Chat with Xiomara.txt", "nada de chat\n")
        z.writestr("notas de Xiomara.txt", "tampoco\n")
    with pytest.raises(ExportFormatError) as caught:
        read_chats([archive], private=True)
    assert "Xiomara" not in str(caught.value), str(caught.value)
    assert "Xiomara" not in redact("x.zip:WhatsApp Chat with Xiomara.txt, line 2", archive, "<chat>")


def test_resolve_author_by_name_or_position_and_private_errors_name_nobody():
    messages = parse_export(CHAT_A)
    assert resolve_author(messages, "Luis", private=True) == "Luis"
    assert resolve_author(messages, "Persona 2", private=True) == "Luis"
    for wrong in ("Carlos", "Persona 3", "Persona 0", "luis"):
        with pytest.raises(ValueError, match="one of the 2 people") as caught:
            resolve_author(messages, wrong, private=True)
        assert "Ana" not in str(caught.value) and "Luis" not in str(caught.value)
    with pytest.raises(ValueError, match="authors found: Ana, Luis"):
        resolve_author(messages, "Carlos", private=False)


def test_an_upload_goes_to_the_repository_data_private_named_by_content(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # whatever the working directory
    saved = save_upload("WhatsApp Chat with Xiomara.txt", CHAT_A.encode())
    try:
        assert saved.parent == private_dir() / "uploads" and "Xiomara" not in saved.name
        assert saved.read_text(encoding="utf-8") == CHAT_A and not list(tmp_path.iterdir())
    finally:
        saved.unlink()
    for wrong in ("chat.pdf", "chat"):
        with pytest.raises(ValueError, match="expected a .txt"):
            save_upload(wrong, b"x")


def test_private_parameters_travel_in_the_environment_and_clash_with_plain_ones(monkeypatch, tmp_path):
    monkeypatch.delenv(PRIVATE_ENV, raising=False)
    assert private_parameters() == {}
    monkeypatch.setenv(PRIVATE_ENV, '{"CHAT_FILE": "x.txt"}')
    assert private_parameters() == {"CHAT_FILE": "x.txt"}
    with pytest.raises(ValueError, match="CHAT_FILE given both"):
        run_notebook("02_whatsapp_persona_chatbot", tmp_path, {"CHAT_FILE": "a"}, private={"CHAT_FILE": "b"})


def test_demo_personas_have_distinct_consistent_styles():
    from helpers.persona.chat_data import style_stats

    chat = parse_export(build_personas_chat(conversations=60))
    assert build_personas_chat(conversations=60) == build_personas_chat(conversations=60)  # deterministic
    examples = {a: chat_examples([chat], a, *MINUTES, max_context=6)[0] for a in ("Ana", "Luis")}
    ana, luis = (style_stats([e["reply"] for e in examples[a]]) for a in ("Ana", "Luis"))
    assert ana["lowercase_rate"] > 0.9 and luis["lowercase_rate"] < 0.05
    assert ana["emoji_rate"] > 0.1 and luis["emoji_rate"] == 0
    assert ana["messages_per_turn"] > 1.8 and luis["messages_per_turn"] == 1
    assert luis["chars_per_message"] > 2 * ana["chars_per_message"]
