"""Settings of the study 06 app: SQLite by default, PostgreSQL when DATABASE_URL names one."""

import os
from pathlib import Path

from webapp.database import database_from_url

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = REPO_ROOT / "outputs" / "webapp" / "movies.sqlite3"

# Served on 127.0.0.1 only, with no accounts, sessions or forms that write: the key signs nothing.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "llm-studies-films-local-only")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = ["webapp.movies"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "webapp.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"], Path.cwd())}
else:
    DEFAULT_DATABASE.parent.mkdir(parents=True, exist_ok=True)  # migrate creates the file, not its folder
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DEFAULT_DATABASE}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "es"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

FILMS_TOP_K = 5  # films the page shows for a request
FILMS_NEIGHBOURS = 3  # nearest films shown under each of them
