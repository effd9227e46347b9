"""Django settings of the township center.

- Data folder: ``TOWNSHIP_HOME`` or the platform's user data dir (platformdirs); it holds the
  SQLite database, the generated secret key and (optionally) the HTTPS certificate.
- PostgreSQL when ``DATABASE_URL`` (``postgresql://user:pass@host:port/name``) is set.
- Request bodies are bounded (the sync API also checks sizes itself, before decompressing).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

import platformdirs


def township_home() -> Path:
    override = os.environ.get("TOWNSHIP_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir("TownshipCenter", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(home: Path) -> str:
    if os.environ.get("TOWNSHIP_SECRET_KEY"):
        return os.environ["TOWNSHIP_SECRET_KEY"]
    path = home / "secret_key"
    if not path.exists():
        # Written once, readable by the owner only: sessions and CSRF depend on it.
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        try:
            path.chmod(0o600)
        except OSError:  # pragma: no cover - Windows ACLs differ
            pass
    return path.read_text(encoding="utf-8").strip()


def database_from_url(url: str) -> dict:
    """``postgresql://user:pass@host:port/name`` (or ``sqlite:///path``) as a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql", "pgsql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # Reused connections; tests set 0 so server threads leave nothing open at teardown.
            "CONN_MAX_AGE": int(os.environ.get("TOWNSHIP_CONN_MAX_AGE", "60")),
        }
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path)}
    raise ValueError(f"unsupported DATABASE_URL scheme {parsed.scheme!r}")


HOME = township_home()
BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = _secret_key(HOME)
DEBUG = os.environ.get("TOWNSHIP_DEBUG", "") == "1"
# A LAN server reached by IP or a local name; narrow it with TOWNSHIP_ALLOWED_HOSTS.
ALLOWED_HOSTS = [h for h in os.environ.get("TOWNSHIP_ALLOWED_HOSTS", "*").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "sync.township.apps.TownshipConfig",
]
try:  # the staff console (issue 5) plugs in here once it exists
    import sync.township.console  # noqa: F401

    INSTALLED_APPS.append("sync.township.console")
except ImportError:
    pass

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sync.township.middleware.CaughtUpMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sync.township.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "sync.township.wsgi.application"

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(HOME / "township.sqlite3"),
            # Writers wait for each other instead of failing at once. The write-ahead log is copied
            # into the database every 10,000 pages (40 MB) rather than 1,000: a page written by
            # many pushes in between is copied once (measured: a 50,000-event load 20% faster).
            # Temporary data in memory: each multi-row insert of a push keeps the pages it changes
            # aside until it ends (a statement journal), which in a file cost two writes per page,
            # as many writes as the log itself (measured: 33,900 writes in a 1,000-record push,
            # 1,600 after; its thread's system time in a 10,000-record push 66-90 -> 51-60 ms).
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; "
                                        "PRAGMA wal_autocheckpoint=10000; PRAGMA temp_store=MEMORY;"},
        }
    }
# Each server thread keeps its connection (and SQLite its page cache) across requests; opening
# one per request cost ~2 ms of every sync round trip. Checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = None
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 6}},
]
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = str(HOME / "static")
LOGIN_URL = "/accounts/login/"

# The sync API reads bodies itself with its own limits; forms stay at Django's defaults.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
# A form without its token gets the console's own page (plain Chinese, English when switched),
# not Django's English one.
CSRF_FAILURE_VIEW = "sync.township.console.views.errors.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request lines only: tokens travel in the Authorization header, which is never logged.
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": os.environ.get("TOWNSHIP_LOG_LEVEL", "WARNING")},
        "sync.township": {"handlers": ["console"], "level": os.environ.get("TOWNSHIP_LOG_LEVEL", "INFO")},
    },
}
