"""Build the local profile's demo chat: a real-format Android export (Spanish, 24 h) of two people,
from the Spanish conversations of chatterbot-corpus, with realistic timestamps and the lines real
exports hold (encryption notice, media placeholders, a deleted and an edited message)."""

import random
from datetime import datetime, timedelta
from pathlib import Path

AUTHORS = ("Ana", "Luis")


def _conversations(corpus_dir: Path) -> list[list[str]]:
    import yaml

    conversations = []
    for path in sorted(corpus_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for conversation in data.get("conversations", []):
            lines = [str(line).strip() for line in conversation if str(line).strip()]
            if len(lines) >= 2:
                conversations.append(lines)
    if not conversations:
        raise FileNotFoundError(f"no chatterbot conversations in {corpus_dir}: run `make setup`")
    return conversations


def build_chat(corpus_dir: Path, seed: int = 0) -> str:
    """The export text: one conversation per session, sessions hours or days apart."""
    rng = random.Random(seed)
    clock = datetime(2023, 3, 1, 9, 30)
    lines = [f"{clock:%d/%m/%y, %H:%M} - Los mensajes y las llamadas están cifrados de extremo a extremo. "
             "Nadie fuera de este chat, ni siquiera WhatsApp, puede leerlos ni escucharlos."]
    for number, conversation in enumerate(_conversations(corpus_dir)):
        clock += timedelta(hours=rng.uniform(3, 40))
        first = rng.randrange(2)
        for turn, utterance in enumerate(conversation):
            author = AUTHORS[(first + turn) % 2]
            clock += timedelta(seconds=rng.uniform(20, 400))
            # People split a turn into short messages: send sentences separately now and then.
            parts = [p.strip() for p in utterance.replace("? ", "?\n").replace(". ", ".\n").split("\n") if p.strip()]
            for part in parts if rng.random() < 0.6 else [utterance]:
                lines.append(f"{clock:%d/%m/%y, %H:%M} - {author}: {part}")
                clock += timedelta(seconds=rng.uniform(5, 50))
        if number % 17 == 5:
            lines.append(f"{clock:%d/%m/%y, %H:%M} - {AUTHORS[first]}: <Multimedia omitido>")
        if number % 41 == 7:
            lines.append(f"{clock:%d/%m/%y, %H:%M} - {AUTHORS[1 - first]}: Se eliminó este mensaje.")
        if number % 53 == 11:
            lines.append(f"{clock:%d/%m/%y, %H:%M} - {AUTHORS[first]}: perdona, quería decir eso <Se editó este mensaje.>")
    return "\n".join(lines) + "\n"


def build_into(folder: Path) -> None:
    """Setup hook: write folder/chat_demo.txt from the corpus files extracted beside it."""
    (folder / "chat_demo.txt").write_text(build_chat(folder), encoding="utf-8")
