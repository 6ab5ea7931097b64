"""Study 2: which exports to read (one, a list, a folder), read them apart, pick the author, and
keep a private chat's names and file names out of error messages."""

import hashlib
import re
from pathlib import Path

from helpers.io import atomic_write_bytes
from helpers.paths import REPO_ROOT
from helpers.persona.whatsapp import ExportFormatError, Message, authors, parse_export

EXPORT_SUFFIXES = (".txt", ".zip")
PERSONA = re.compile(r"Persona (\d+)")


def private_dir() -> Path:
    """The repository's data/private/ (git-ignored), wherever the notebook runs from."""
    return REPO_ROOT / "data" / "private"


def chat_paths(chat_file) -> list[Path]:
    """The exports CHAT_FILE names: a path, a folder of .txt/.zip exports, or a list of either."""
    items = chat_file if isinstance(chat_file, (list, tuple)) else [chat_file]
    paths: list[Path] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, (str, Path)) or not str(item).strip():
            raise ValueError(f"CHAT_FILE item {number}: expected the path of an export (.txt/.zip) or a folder, "
                             f"got {type(item).__name__}")
        path = Path(item).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in EXPORT_SUFFIXES and p.is_file())
            if not found:
                raise FileNotFoundError(f"CHAT_FILE item {number}: a folder without .txt or .zip exports")
            paths += found
        elif not path.exists():
            raise FileNotFoundError(f"CHAT_FILE item {number}: no such file (name not shown: private chat)")
        else:
            paths.append(path)
    return paths


def redact(message: str, path: Path, label: str) -> str:
    """An error message with the export's path, file name and the names inside a zip replaced by label."""
    for secret in sorted({str(path), str(path.resolve()), path.name, path.stem}, key=len, reverse=True):
        message = message.replace(secret, label)
    # Files inside a zip are often named after the contact: any name ending in .txt goes too.
    return re.sub(r"[^:,()<>\n]*\.txt\b", "<archivo>", message)


def read_chats(paths: list[Path], private: bool) -> list[list[Message]]:
    """Each export parsed on its own (a chat boundary is never crossed later); in a private run, the
    errors name the export by its position, not by its file name."""
    chats = []
    for number, path in enumerate(paths, start=1):
        try:
            chats.append(parse_export(path))
        except (ExportFormatError, FileNotFoundError) as error:
            if not private:
                raise
            raise type(error)(redact(str(error), path, f"<chat privado {number}>")) from None
    return chats


def resolve_author(messages: list[Message], author: str, private: bool) -> str:
    """The author as written in the export, from its name or 'Persona N' (order of first message).
    A private chat's error lists how many people write, never their names."""
    found = authors(messages)
    if author in found:
        return author
    match = PERSONA.fullmatch(author.strip())
    if match and 1 <= int(match.group(1)) <= len(found):
        return found[int(match.group(1)) - 1]
    if private:
        raise ValueError(f"AUTHOR is not one of the {len(found)} people in this chat (names not shown: private "
                         f"chat); write the name as the export does, or 'Persona 1' to 'Persona {len(found)}' "
                         "in order of first message")
    raise ValueError(f"author {author!r} is not in this chat; authors found: {', '.join(found) or 'none'}")


def save_upload(name: str, content: bytes) -> Path:
    """An uploaded export saved under data/private/uploads/ (never into the working directory)."""
    suffix = Path(name).suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise ValueError(f"expected a .txt (Android) or .zip (iOS) export, got a {suffix or 'nameless'} file")
    # Android names the file after the contact: the saved copy is named by its content instead.
    return atomic_write_bytes(private_dir() / "uploads" / f"chat_{hashlib.sha256(content).hexdigest()[:12]}{suffix}",
                              content)
