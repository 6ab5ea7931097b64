"""Bad LLM-REDIAL files name the file and line; unknown targets are reported and left out of evaluation."""

import json

import pytest

from helpers.recommender.redial import RedialFormatError, load_redial

USER = {"history_interaction": ["1", "2"], "user_might_like": [],
        "Conversation": [{"conversation_10": {"user_likes": ["1"], "user_dislikes": [], "rec_item": ["3"]}}]}


def _write(folder, users, item_map=None, user_ids=None, transcript="10\nUser: hola\nAgent: Toy Story\n"):
    folder.mkdir(exist_ok=True)
    (folder / "final_data.jsonl").write_text("\n".join(json.dumps(u) for u in users) + "\n", encoding="utf-8")
    (folder / "item_map.json").write_text(json.dumps(item_map or {"1": "A", "2": "B", "3": "Toy Story"}))
    (folder / "user_ids.json").write_text(json.dumps(user_ids or {"u1": 0, "u2": 1}))
    (folder / "Conversation.txt").write_text(transcript, encoding="utf-8")
    return folder


def test_a_good_folder_loads(tmp_path):
    data = load_redial(_write(tmp_path / "ok", [{"u1": USER}]))
    assert list(data.dialogues) == ["10"] and data.unknown_targets == {} and data.evaluable(data.dialogues["10"])


@pytest.mark.parametrize("payload,match", [
    ({"u1": ["not", "an", "object"]}, r"line 2: user u1's value must be an object"),
    ({"u1": USER | {"history_interaction": "1,2"}}, r"line 2: history_interaction must be a list of item ids, got str"),
    ({"u1": USER | {"history_interaction": [1.5]}}, r"line 2: history_interaction must be a list"),
    ({"u1": USER | {"Conversation": {"conversation_11": {}}}}, r"line 2: 'Conversation' must be a list of objects"),
    ({"u1": USER | {"Conversation": [{"conversation_11": {"rec_item": "3"}}]}},
     r"line 2: conversation_11\.rec_item must be a list of item ids"),
    ({"u1": USER | {"Conversation": [{"conversation_11": []}]}}, r"line 2: conversation_11 must be an object"),
])
def test_wrong_json_types_name_the_file_and_line(tmp_path, payload, match):
    folder = _write(tmp_path / "bad", [{"u0": USER | {"Conversation": []}}, payload])
    with pytest.raises(RedialFormatError, match=r"final_data\.jsonl: " + match):
        load_redial(folder)


def test_wrong_encodings_name_the_file_and_line(tmp_path):
    folder = _write(tmp_path / "enc", [{"u1": USER}], transcript="10\nUser: hola\nAgent: qué tal\n")
    (folder / "Conversation.txt").write_bytes("10\nUser: hola\nAgent: qué tal\n".encode("latin-1"))
    with pytest.raises(RedialFormatError, match=r"Conversation\.txt: line 3: not UTF-8 text \(byte 0xe9\)"):
        load_redial(folder)
    folder = _write(tmp_path / "enc2", [{"u1": USER}])
    (folder / "final_data.jsonl").write_bytes(b'{"u0": {"history_interaction": [], "Conversation": []}}\n'
                                              + json.dumps({"u1": USER}).encode().replace(b'"1"', b'"\xff"'))
    with pytest.raises(RedialFormatError, match=r"final_data\.jsonl: line 2: not UTF-8"):
        load_redial(folder)
    folder = _write(tmp_path / "enc3", [{"u1": USER}])
    (folder / "item_map.json").write_bytes(b'{\n"1": "A",\n"2": "Am\xe9lie"}')
    with pytest.raises(RedialFormatError, match=r"item_map\.json: line 3: not UTF-8"):
        load_redial(folder)


@pytest.mark.parametrize("name,content,match", [
    ("item_map.json", '["A", "B"]', "expected an object of id -> str"),
    ("item_map.json", '{"1": 5}', "expected an object of id -> str"),
    ("user_ids.json", '{"u1": "zero"}', "expected an object of id -> int"),
])
def test_wrong_types_in_the_json_files(tmp_path, name, content, match):
    folder = _write(tmp_path / "types", [{"u1": USER}])
    (folder / name).write_text(content)
    with pytest.raises(RedialFormatError, match=rf"{name.replace('.', '[.]')}: line 1: {match}"):
        load_redial(folder)


def test_the_same_conversation_under_two_users_is_an_error(tmp_path):
    folder = _write(tmp_path / "dup", [{"u1": USER}, {"u2": USER}])
    with pytest.raises(RedialFormatError, match=r"line 2: conversation 10 of user u2 is already user u1's \(line 1\)"):
        load_redial(folder)


def test_targets_missing_from_item_map_are_reported_and_left_out(tmp_path):
    unknown = {"history_interaction": ["1"], "Conversation": [
        {"conversation_20": {"rec_item": ["98", "99"]}}, {"conversation_21": {"rec_item": ["99", "3"]}}]}
    data = load_redial(_write(tmp_path / "missing", [{"u1": USER}, {"u2": unknown}],
                              transcript="10\nUser: a\n20\nUser: b\n21\nUser: c\n"))
    assert data.unknown_targets == {"20": ["98", "99"]}  # 21 keeps one known target: still scored
    assert [d for d in data.dialogues.values() if data.evaluable(d)] == [data.dialogues["10"], data.dialogues["21"]]
    assert data.missing_items["rec_items"] == 3
    report = data.report()
    assert "3 ids ausentes" in report and "1 diálogos sin ningún objetivo" in report and ": 20;" in report
