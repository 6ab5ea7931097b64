"""DATABASE_URL -> Django's DATABASES entry: SQLite by default, PostgreSQL when the URL names it."""

from pathlib import Path
from urllib.parse import unquote, urlsplit

EXPECTED = ("sqlite:///relative/file.sqlite3, sqlite:////absolute/file.sqlite3 or "
            "postgresql://user[:password]@host[:port]/database")


class DatabaseUrlError(ValueError):
    """A DATABASE_URL this app cannot use, with the forms it accepts."""


def database_from_url(url: str, cwd: Path) -> dict:
    """The DATABASES['default'] entry for url; a relative SQLite path is taken from cwd."""
    parts = urlsplit(url.strip())
    if parts.scheme == "sqlite":
        path = unquote(parts.path)[1:]  # sqlite:///rel -> "rel"; sqlite:////abs -> "/abs"
        if parts.netloc or not path:
            raise DatabaseUrlError(f"DATABASE_URL {url!r} names no SQLite file; expected {EXPECTED}")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": cwd / path}
    if parts.scheme in ("postgresql", "postgres"):
        try:
            port = parts.port
        except ValueError:
            raise DatabaseUrlError(f"DATABASE_URL {url!r} has a port that is not a number") from None
        name = unquote(parts.path.lstrip("/"))
        if not parts.hostname or not name:
            raise DatabaseUrlError(f"DATABASE_URL {url!r} lacks a host or a database name; expected {EXPECTED}")
        return {"ENGINE": "django.db.backends.postgresql", "NAME": name, "USER": unquote(parts.username or ""),
                "PASSWORD": unquote(parts.password or ""), "HOST": parts.hostname, "PORT": str(port or ""),
                "OPTIONS": {"connect_timeout": 5},  # a server that is down answers in seconds, not minutes
                # Reading every vector through a WITH HOLD server cursor cost more than the seed's loop.
                "DISABLE_SERVER_SIDE_CURSORS": True}
    raise DatabaseUrlError(f"DATABASE_URL {url!r}: the scheme {parts.scheme!r} is not supported; expected {EXPECTED}")


def database_label(entry: dict) -> str:
    """The database for messages, without its password."""
    if entry["ENGINE"].endswith("sqlite3"):
        return f"SQLite {entry['NAME']}"
    port = f":{entry['PORT']}" if entry.get("PORT") else ""
    user = f"{entry['USER']}@" if entry.get("USER") else ""
    return f"PostgreSQL {user}{entry['HOST']}{port}/{entry['NAME']}"
