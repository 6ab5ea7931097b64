"""Read a WhatsApp export from disk: .txt in UTF-8, UTF-16 (BOM) or Latin-1, or a .zip from the phone."""

import re
import zipfile
import zlib
from pathlib import Path

# Chat file names inside an export zip: iOS writes _chat.txt, Android "WhatsApp Chat with X.txt"
# (localised: "Chat de WhatsApp con X.txt", "Conversa do WhatsApp com X.txt", ...).
CHAT_NAME = re.compile(r"^(?:_chat|.*whatsapp.*)\.txt$", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


class ExportFormatError(ValueError):
    """The input is not a WhatsApp export (or is empty)."""


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_export(data: bytes, name: str) -> str:
    """Text of an export's bytes: UTF-16 with BOM, UTF-8 (BOM or not), else Latin-1/Windows-1252."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ExportFormatError(f"{name}: a damaged UTF-16 file (byte {error.start})") from None
    if b"\x00" in data[:65536]:
        line = _line_of(data, data.index(b"\x00"))
        raise ExportFormatError(f"{name}, line {line}: a binary file, not a WhatsApp text export "
                                "(expected the .txt or .zip that 'Export chat' writes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad = error.start
    for encoding in ("cp1252", "latin-1"):  # phones and Windows editors that re-save an export
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        control = _CONTROL.search(text)
        if control is None:
            return text
        bad = len(text[:control.start()].encode(encoding, errors="replace"))
        break
    raise ExportFormatError(f"{name}, line {_line_of(data, bad)}: not UTF-8, UTF-16 or Latin-1 text "
                            f"(byte 0x{data[bad]:02x}); export the chat again from the phone")


def _chat_in_zip(path: Path, archive: zipfile.ZipFile, looks_like_chat) -> tuple[str, str]:
    texts = [n for n in archive.namelist() if n.lower().endswith(".txt") and not n.endswith("/")]
    if not texts:
        raise ExportFormatError(f"{path}: the zip holds no .txt chat (iOS exports hold _chat.txt)")
    named = sorted((n for n in texts if CHAT_NAME.match(Path(n).name)), key=lambda n: Path(n).name != "_chat.txt")
    # A with-media export may also carry shared .txt documents: prefer the chat's own name, then any
    # .txt whose text reads as an export.
    for candidate in [*named, *(n for n in texts if n not in named)]:
        text = decode_export(archive.read(candidate), f"{path}:{candidate}")
        if looks_like_chat(text) or len(texts) == 1:
            return text, f"{path}:{candidate}"
    raise ExportFormatError(f"{path}: none of its .txt files ({', '.join(texts[:5])}) is a WhatsApp chat")


def read_source(source, looks_like_chat) -> tuple[str, str]:
    """(text, name for errors) from a path to .txt/.zip, or the export text itself."""
    if not (isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and len(source) < 4096
                                         and Path(source).suffix.lower() in (".txt", ".zip"))):
        return str(source), "<texto>"
    path = Path(source)
    if path.is_dir():
        raise ExportFormatError(f"{path}: a folder; expected the exported .txt or .zip file")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    data = path.read_bytes()
    if path.suffix.lower() == ".zip" or data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as archive:
                return _chat_in_zip(path, archive, looks_like_chat)
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError, zlib.error) as error:
            raise ExportFormatError(f"{path}: a damaged or incomplete zip ({error}); export the chat again") from None
    return decode_export(data, str(path)), str(path)
