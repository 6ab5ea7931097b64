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

    def by_user(self, user_id: str) -> list[Dialogue]:
        """All dialogues of one user."""
        return [d for d in self.dialogues.values() if d.user_id == user_id]

    def titles(self, item_ids) -> list[str]:
        """Titles of the ids that item_map knows, in order."""
        return [self.item_map[i] for i in item_ids if i in self.item_map]


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise RedialFormatError(f"{path}: line {error.lineno}: not valid JSON ({error.msg})") from None


def read_transcripts(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Conversation.txt as {conversation id: [(speaker, text), ...]}."""
    transcripts: dict[str, list[tuple[str, str]]] = {}
    current = None
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            text = line.strip()
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
    item_map = {str(k): v for k, v in _read_json(folder / "item_map.json").items()}
    user_index = _read_json(folder / "user_ids.json")
    transcripts = read_transcripts(folder / "Conversation.txt")
    data = RedialData({}, {}, {}, user_index, item_map)
    path = folder / "final_data.jsonl"
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise RedialFormatError(f"{path}: line {number}: not valid JSON ({error.msg})") from None
            if not isinstance(record, dict) or len(record) != 1:
                raise RedialFormatError(f"{path}: line {number}: expected one {{user_id: {{...}}}} object")
            (user_id, payload), = record.items()
            for key in ("history_interaction", "Conversation"):
                if key not in payload:
                    raise RedialFormatError(f"{path}: line {number}: user {user_id} has no {key!r}")
            data.history[user_id] = [str(i) for i in payload["history_interaction"]]
            data.might_like[user_id] = [str(i) for i in payload.get("user_might_like", [])]
            for entry in payload["Conversation"]:
                for key, inner in entry.items():
                    conversation_id = key.removeprefix("conversation_")
                    if conversation_id not in transcripts:
                        data.missing_transcripts.append(conversation_id)
                    data.dialogues[conversation_id] = Dialogue(
                        conversation_id, user_id, transcripts.get(conversation_id, []),
                        *[[str(i) for i in inner.get(part, [])] for part in ("user_likes", "user_dislikes", "rec_item")])
            for section, ids in [("history", data.history[user_id]), ("might_like", data.might_like[user_id])]:
                data.missing_items[section] += sum(i not in item_map for i in ids)
    for dialogue in data.dialogues.values():
        for section in ("likes", "dislikes", "rec_items"):
            data.missing_items[section] += sum(i not in item_map for i in getattr(dialogue, section))
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
