"""Study 2: from parsed WhatsApp messages to training examples, anonymised, and style statistics."""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from helpers.persona.privacy import anonymise  # noqa: F401 (its home before privacy.py)
from helpers.persona.whatsapp import Message

SEPARATOR = " <SEP> "  # joins the short messages of one turn; the chat cell splits on it again
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")


def clean(messages: list[Message]) -> tuple[list[Message], dict]:
    """Keep only text messages; count what was dropped by kind."""
    dropped = Counter(m.kind for m in messages if m.kind != "text")
    return [m for m in messages if m.kind == "text"], {k: dropped.get(k, 0) for k in ("media", "system", "deleted")}


@dataclass(frozen=True)
class Turn:
    """Consecutive messages of one author, joined by SEPARATOR."""

    author: str
    start: datetime
    end: datetime
    text: str
    messages: int


def group_turns(messages: list[Message], max_gap: timedelta = timedelta(minutes=5)) -> list[Turn]:
    """Merge consecutive messages of one author sent within max_gap of each other into one turn."""
    turns: list[Turn] = []
    for m in messages:
        last = turns[-1] if turns else None
        if last and last.author == m.author and m.timestamp - last.end <= max_gap:
            turns[-1] = Turn(last.author, last.start, m.timestamp, last.text + SEPARATOR + m.text, last.messages + 1)
        else:
            turns.append(Turn(m.author, m.timestamp, m.timestamp, m.text, 1))
    return turns


def training_examples(turns: list[Turn], author: str, session_gap: timedelta = timedelta(hours=2),
                      max_context: int = 6) -> list[dict]:
    """One example per turn of `author` that follows something: the previous turns of the same
    session (a gap longer than session_gap starts a new one), at most max_context, and the reply."""
    examples, session = [], []
    for turn in turns:
        if session and turn.start - session[-1].end > session_gap:
            session = []
        if turn.author == author and session:
            context = session[-max_context:]
            examples.append({"context": "\n".join(f"{t.author}: {t.text}" for t in context),
                             "reply": turn.text, "time": turn.start.isoformat()})
        session.append(turn)
    return examples


def chat_examples(chats: list[list[Message]], author: str, group_gap: timedelta, session_gap: timedelta,
                  max_context: int) -> tuple[list[dict], int, dict]:
    """(examples, turns, dropped) of several exports, each cleaned, grouped and turned into examples
    on its own: no merged turn and no context spans two chats, whatever their times."""
    examples, turns, dropped = [], 0, Counter()
    for number, chat in enumerate(chats):
        texts, chat_dropped = clean(chat)
        chat_turns = group_turns(texts, group_gap)
        for example in training_examples(chat_turns, author, session_gap, max_context):
            examples.append({**example, "chat": number})
        turns += len(chat_turns)
        dropped.update(chat_dropped)
    return examples, turns, {k: dropped.get(k, 0) for k in ("media", "system", "deleted")}


def as_chat_example(example: dict, author: str) -> dict:
    """A prompt-completion example in chat format: the loss falls on the reply only."""
    instruction = f"Continúa esta conversación de WhatsApp respondiendo como {author}.\n\n{example['context']}"
    return {"prompt": [{"role": "user", "content": instruction}],
            "completion": [{"role": "assistant", "content": example["reply"]}]}


class ChatTooShortError(ValueError):
    """The chat holds too few replies of the author for a training and an evaluation split."""


def time_split(examples: list[dict], test_share: float = 0.2) -> tuple[list[dict], list[dict]]:
    """Earlier examples for training, the last test_share (in time) held out (at least one each)."""
    if len(examples) < 2:
        raise ChatTooShortError(
            f"this chat gives {len(examples)} example{'s' if len(examples) != 1 else ''} (replies of the author "
            "after someone else wrote); at least 2 are needed, 1 to train and 1 to evaluate: export a longer chat "
            "or choose the author who writes most")
    ordered = sorted(examples, key=lambda e: e["time"])
    cut = min(len(ordered) - 1, max(1, int(round(len(ordered) * (1 - test_share)))))
    return ordered[:cut], ordered[cut:]


def reply_tokens(turn_texts: list[str]) -> list[str]:
    """Lower-cased word tokens of the replies' messages, in order."""
    return [w.lower() for turn in turn_texts for m in split_reply(turn) for w in re.findall(r"\w+", m)]


def _distinct(tokens: list[str], n: int) -> float:
    grams = list(zip(*(tokens[i:] for i in range(n)), strict=False))
    return len(set(grams)) / len(grams) if grams else 0.0


def style_stats(turn_texts: list[str], token_limit: int | None = None) -> dict:
    """Length, messages per turn, emoji, lowercase and question rates, distinct-1/2 of replies
    (distinct-n on the first `token_limit` tokens, so sets of different size compare fairly)."""
    messages = [message for turn in turn_texts for message in split_reply(turn)]
    count = max(1, len(messages))
    tokens = reply_tokens(turn_texts)[:token_limit]
    return {
        "chars_per_message": sum(map(len, messages)) / count,
        "messages_per_turn": len(messages) / max(1, len(turn_texts)),
        "emoji_rate": sum(bool(EMOJI.search(m)) for m in messages) / count,
        "lowercase_rate": sum(m == m.lower() for m in messages) / count,
        "question_rate": sum("?" in m for m in messages) / count,
        "distinct_1": _distinct(tokens, 1),
        "distinct_2": _distinct(tokens, 2),
    }


SPEAKER_LINE = re.compile(r"\n\s*[^\n:]{1,30}:\s")


def own_turn(text: str) -> str:
    """A generated reply cut where the model starts writing the next speaker's line ("\nLuis: ...")."""
    return SPEAKER_LINE.split(text, maxsplit=1)[0].strip()


def split_reply(text: str) -> list[str]:
    """A generated turn back into the separate messages it stands for."""
    return [part.strip() for part in text.split(SEPARATOR.strip()) if part.strip()]
