#!/usr/bin/env python
"""Django's command line for the study 06 app: migrate, add_embeddings_db, check_embeddings_db,
check_rec_sys, runserver. DATABASE_URL picks the database (SQLite by default)."""

import os
import sys
from pathlib import Path


def main() -> None:
    """Run a management command with the repository (webapp and helpers) importable."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    from django.core.management import execute_from_command_line

    from webapp.database import DatabaseUrlError

    try:
        execute_from_command_line(sys.argv)
    except DatabaseUrlError as error:  # raised while the settings load: one line, no traceback
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
