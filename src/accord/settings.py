"""Accord settings: every value comes from the environment, with defaults that run on one laptop.

SQLite (WAL) unless DATABASE_URL names another database, e.g.
``postgres://user:password@host:5432/accord``.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ACCORD_DATA_DIR", BASE_DIR.parent.parent / "var"))


def _env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _env_flag("ACCORD_DEBUG", False)


def _secret_key() -> str:
    """ACCORD_SECRET_KEY, else a random key made once and kept in the data folder."""
    if os.environ.get("ACCORD_SECRET_KEY"):
        return os.environ["ACCORD_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = _env_list("ACCORD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = _env_list("ACCORD_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "accord.core",
    "accord.accounts",
    "accord.institutions",
    "accord.agreements",
    "accord.visits",
    "accord.exchanges",
    "accord.doctoral",
    "accord.reminders",
    "accord.ewp",
    "accord.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accord.core.middleware.RequestIdMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.core.context_processors.accord",
                "accord.reminders.context.unread",
            ],
        },
    },
]

_SQLITE_PATH = DATA_DIR / "accord.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{_SQLITE_PATH}",
        conn_max_age=int(os.environ.get("ACCORD_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer commits; IMMEDIATE avoids lock upgrades mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("uk", _("Ukrainian")), ("az", _("Azerbaijani"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("ACCORD_TIME_ZONE", "Europe/Kyiv")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("ACCORD_STATIC_ROOT", DATA_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("ACCORD_MEDIA_ROOT", DATA_DIR / "media"))
# Files waiting for a background job: never served, read by the worker.
ACCORD_UPLOAD_DIR = Path(os.environ.get("ACCORD_UPLOAD_DIR", DATA_DIR / "uploads"))
# Signed scans: given out only by views that check access, so never under MEDIA_ROOT.
ACCORD_PRIVATE_DIR = Path(os.environ.get("ACCORD_PRIVATE_DIR", DATA_DIR / "private"))
# The largest signed scan accepted, in megabytes.
ACCORD_MAX_UPLOAD_MB = int(os.environ.get("ACCORD_MAX_UPLOAD_MB", "20"))
# Largest file of people and mobilities the import page takes.
ACCORD_MAX_IMPORT_MB = int(os.environ.get("ACCORD_MAX_IMPORT_MB", "100"))

# Erasmus Without Paper: the folder of the specification's XSD files (with the
# schema-locations.json that maps their imports to local copies; see docs/ewp.md), the largest
# partner document read, and our private key that signs requests to partners.
EWP_SCHEMAS = Path(
    os.environ.get("ACCORD_EWP_SCHEMAS", BASE_DIR.parent.parent.parent / "shared" / "ewp")
)
EWP_MAX_DOCUMENT_MB = int(os.environ.get("ACCORD_EWP_MAX_DOCUMENT_MB", "50"))
EWP_KEY_FILE = Path(os.environ.get("ACCORD_EWP_KEY_FILE", DATA_DIR / "ewp" / "private-key.pem"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ACCORD_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# A file cache is shared by the web processes and the task workers (job progress).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("ACCORD_CACHE_DIR", str(DATA_DIR / "cache")),
    }
}

EMAIL_BACKEND = os.environ.get(
    "ACCORD_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("ACCORD_FROM_EMAIL", "accord@localhost")

SESSION_COOKIE_SECURE = _env_flag("ACCORD_SECURE_COOKIES", False)
if _env_flag("ACCORD_BEHIND_TLS_PROXY", False):
    # The proxy terminates TLS and says so in this header; trust it only behind such a proxy.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ACCORD_LOG_LEVEL", "WARNING")},
}

# Page size shared by the UI lists and the API.
ACCORD_PAGE_SIZE = 50

# Days before an agreement's end on which its expiry reminder is due, e.g. "180,90,30".
ACCORD_EXPIRY_REMINDER_DAYS = sorted(
    {int(days) for days in _env_list("ACCORD_EXPIRY_REMINDER_DAYS", "180,90,30")}, reverse=True
)
