"""LLM-REDIAL "Movie" files: read (with line-precise errors), write, index, split users without leakage.

Layout, as the LLM-REDIAL release ships it:
- final_data.jsonl: one line per user, {user_id: {"history_interaction": [item ids], "user_might_like":
  [item ids], "Conversation": [{"conversation_<id>": {"user_likes": [...], "user_dislikes": [...],
  "rec_item": [...]}}, ...]}}
- Conversation.txt: each dialogue starts with a line holding only its numeric id, then "User: ..." and
  "Agent: ..." turns (blank lines between turns; other lines continue the previous turn).
- user_ids.json: {user_id: dense index}; item_map.json: {item_id: title}.
"""

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from helpers.io import atomic_write_json, atomic_write_text
from helpers.text import normalize_title

FILES = ("final_data.jsonl", "Conversation.txt", "user_ids.json", "item_map.json")


class RedialFormatError(ValueError):
    """A file that does not follow the LLM-REDIAL layout, naming the file and line."""


@dataclass
class Dialogue:
    """One conversation with its user's stated likes, dislikes and the recommended target(s)."""

    conversation_id: str
    user_id: str
    turns: list[tuple[str, str]]  # (speaker, text), speaker "User" or "Agent"
    likes: list[str]  # item ids
    dislikes: list[str]
    rec_items: list[str]

    def context(self, item_map: dict[str, str]) -> str:
        """The turns before the agent first names a target: what a recommender may see."""
        targets = [normalize_title(item_map[i]) for i in self.rec_items if i in item_map]
        kept = []
        for speaker, text in self.turns:
            if speaker == "Agent" and any(t and t in normalize_title(text) for t in targets):
                break
            kept.append(f"{speaker}: {text}")
        return "\n".join(kept)


@dataclass
class RedialData:
    """Dialogues, per-user histories and the item map, indexed by conversation and by user."""

    dialogues: dict[str, Dialogue]
    history: dict[str, list[str]]  # user id -> item ids in the order given
    might_like: dict[str, list[str]]
    user_index: dict[str, int]
    item_map: dict[str, str]
    missing_items: Counter = field(default_factory=Counter)  # ids absent from item_map, by file section
    missing_transcripts: list[str] = field(default_factory=list)
    unknown_targets: dict[str, list[str]] = field(default_factory=dict)  # dialogue -> its targets, none in item_map

    def evaluable(self, dialogue: Dialogue) -> bool:
        """True when at least one of the dialogue's targets is in item_map (else no recall can be scored)."""
        return any(i in self.item_map for i in dialogue.rec_items)

    def report(self) -> str:
        """One line on what the files lack: ids absent from item_map and dialogues left out of evaluation."""
        absent = sum(self.missing_items.values())
        line = f"{absent} ids ausentes de item_map.json ({dict(self.missing_items)})"
        if self.unknown_targets:
            shown = ", ".join(list(self.unknown_targets)[:5]) + (", ..." if len(self.unknown_targets) > 5 else "")
            line += (f"; {len(self.unknown_targets)} diálogos sin ningún objetivo en item_map.json se excluyen "
                     f"de la evaluación: {shown}")
        return line + f"; diálogos sin transcripción: {len(self.missing_transcripts)}"

    def by_user(self, user_id: str) -> list[Dialogue]:
        """All dialogues of one user."""
        return [d for d in self.dialogues.values() if d.user_id == user_id]

    def titles(self, item_ids) -> list[str]:
        """Titles of the ids that item_map knows, in order."""
        return [self.item_map[i] for i in item_ids if i in self.item_map]


def _decode(data: bytes, path: Path, first_line: int = 1) -> str:
    """UTF-8 text, or an error naming the file and the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = first_line + data.count(b"\n", 0, error.start)
        raise RedialFormatError(f"{path}: line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}); "
                                "LLM-REDIAL files are UTF-8: convert the file (e.g. iconv -t UTF-8)") from None


def _read_json(path: Path, value_type: type):
    try:
        loaded = json.loads(_decode(path.read_bytes(), path))
    except json.JSONDecodeError as error:
        raise RedialFormatError(f"{path}: line {error.lineno}: not valid JSON ({error.msg})") from None
    if not isinstance(loaded, dict) or not all(isinstance(v, value_type) for v in loaded.values()):
        raise RedialFormatError(f"{path}: line 1: expected an object of id -> {value_type.__name__}")
    return loaded


def _ids(value, path: Path, number: int, what: str) -> list[str]:
    """A list of item ids as strings, or an error naming the file, line and field."""
    if not isinstance(value, list) or not all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in value):
        raise RedialFormatError(f"{path}: line {number}: {what} must be a list of item ids, got {type(value).__name__}")
    return [str(i) for i in value]


def read_transcripts(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Conversation.txt as {conversation id: [(speaker, text), ...]}."""
    transcripts: dict[str, list[tuple[str, str]]] = {}
    current = None
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            text = _decode(raw, path, number).strip()
            if re.fullmatch(r"\d+", text):
                current = transcripts.setdefault(text, [])
                continue
            if not text:
                continue
            if current is None:
                raise RedialFormatError(f"{path}: line {number}: text before the first conversation id")
            speaker = re.match(r"^(User|Agent)\s*:\s*(.*)$", text)
            if speaker:
                current.append((speaker.group(1), speaker.group(2)))
            elif current:
                current[-1] = (current[-1][0], f"{current[-1][1]} {text}")
            else:
                raise RedialFormatError(f"{path}: line {number}: expected 'User:' or 'Agent:', got {text[:40]!r}")
    return transcripts


def load_redial(data_dir: str | Path) -> RedialData:
    """Read the four LLM-REDIAL Movie files from a folder."""
    folder = Path(data_dir)
    absent = [name for name in FILES if not (folder / name).exists()]
    if absent:
        raise FileNotFoundError(f"{folder}: missing {absent}; an LLM-REDIAL Movie folder holds {list(FILES)}")
    item_map = {str(k): v for k, v in _read_json(folder / "item_map.json", str).items()}
    user_index = _read_json(folder / "user_ids.json", int)
    transcripts = read_transcripts(folder / "Conversation.txt")
    data = RedialData({}, {}, {}, user_index, item_map)
    path = folder / "final_data.jsonl"
    owner: dict[str, tuple[str, int]] = {}  # conversation id -> (user, line): each belongs to one user
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            line = _decode(raw, path, number)
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise RedialFormatError(f"{path}: line {number}: not valid JSON ({error.msg})") from None
            if not isinstance(record, dict) or len(record) != 1:
                raise RedialFormatError(f"{path}: line {number}: expected one {{user_id: {{...}}}} object")
            (user_id, payload), = record.items()
            if not isinstance(payload, dict):
                raise RedialFormatError(f"{path}: line {number}: user {user_id}'s value must be an object")
            for key in ("history_interaction", "Conversation"):
                if key not in payload:
                    raise RedialFormatError(f"{path}: line {number}: user {user_id} has no {key!r}")
            data.history[user_id] = _ids(payload["history_interaction"], path, number, "history_interaction")
            data.might_like[user_id] = _ids(payload.get("user_might_like", []), path, number, "user_might_like")
            conversations = payload["Conversation"]
            if not isinstance(conversations, list) or not all(isinstance(e, dict) for e in conversations):
                raise RedialFormatError(f"{path}: line {number}: 'Conversation' must be a list of objects")
            for entry in conversations:
                for key, inner in entry.items():
                    conversation_id = key.removeprefix("conversation_")
                    if conversation_id in owner:
                        other, line_of = owner[conversation_id]
                        raise RedialFormatError(f"{path}: line {number}: conversation {conversation_id} of user {user_id}"
                                                f" is already user {other}'s (line {line_of}); each belongs to one user")
                    owner[conversation_id] = (user_id, number)
                    if not isinstance(inner, dict):
                        raise RedialFormatError(f"{path}: line {number}: {key} must be an object")
                    if conversation_id not in transcripts:
                        data.missing_transcripts.append(conversation_id)
                    data.dialogues[conversation_id] = Dialogue(
                        conversation_id, user_id, transcripts.get(conversation_id, []),
                        *[_ids(inner.get(part, []), path, number, f"{key}.{part}")
                          for part in ("user_likes", "user_dislikes", "rec_item")])
            for section, ids in [("history", data.history[user_id]), ("might_like", data.might_like[user_id])]:
                data.missing_items[section] += sum(i not in item_map for i in ids)
    for dialogue in data.dialogues.values():
        for section in ("likes", "dislikes", "rec_items"):
            data.missing_items[section] += sum(i not in item_map for i in getattr(dialogue, section))
        if dialogue.rec_items and not data.evaluable(dialogue):
            data.unknown_targets[dialogue.conversation_id] = dialogue.rec_items
    return data


def write_redial(folder: str | Path, data: RedialData) -> None:
    """Write the four files in the LLM-REDIAL layout (each atomically)."""
    folder = Path(folder)
    lines, transcript = [], []
    for user_id, history in data.history.items():
        conversations = [{f"conversation_{d.conversation_id}": {"user_likes": d.likes, "user_dislikes": d.dislikes,
                                                                 "rec_item": d.rec_items}} for d in data.by_user(user_id)]
        lines.append(json.dumps({user_id: {"history_interaction": history, "user_might_like": data.might_like[user_id],
                                           "Conversation": conversations}}, ensure_ascii=False))
    for dialogue in data.dialogues.values():
        transcript.append(dialogue.conversation_id)
        transcript += [f"{speaker}: {text}\n" for speaker, text in dialogue.turns]
    atomic_write_text(folder / "final_data.jsonl", "\n".join(lines) + "\n")
    atomic_write_text(folder / "Conversation.txt", "\n".join(transcript) + "\n")
    atomic_write_json(folder / "user_ids.json", data.user_index)
    atomic_write_json(folder / "item_map.json", data.item_map)


def split_users(user_ids, shares=(0.8, 0.1, 0.1), seed: int = 0) -> dict[str, list[str]]:
    """Users shuffled by seed into train/validation/test; no user is in two parts."""
    users = sorted(set(user_ids))
    random.Random(seed).shuffle(users)
    n_train, n_validation = round(shares[0] * len(users)), round(shares[1] * len(users))
    return {"train": users[:n_train], "validation": users[n_train:n_train + n_validation],
            "test": users[n_train + n_validation:]}
