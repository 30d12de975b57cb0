"""The one settings module (healthchecks style): everything from environment variables.

BOINV_DATA_DIR      data directory: embedded database, pseudonymisation key, logs (default ./data)
BOINV_DATABASE_URL  e.g. postgresql://user:pass@host:5432/name — PostgreSQL instead of SQLite
BOINV_SECRET_KEY    Django secret key (default: generated and kept in the data directory)
BOINV_DEBUG         "1" for development
BOINV_ALLOWED_HOSTS comma separated
BOINV_PRODUCTION    "1" behind HTTPS: secure cookies, HSTS, SSL redirect (off for `boinv serve` on loopback)
BOINV_BEHIND_PROXY  "1" when a reverse proxy terminates TLS and sets X-Forwarded-Proto
BOINV_CSRF_TRUSTED_ORIGINS  comma separated, e.g. https://boinv.kommun.se
BOINV_REMOTE_USER_HEADER    SSO: request header set by the reverse proxy, e.g. HTTP_X_REMOTE_USER
BOINV_MAX_UPLOAD_MB size limit for uploaded extracts (default 500)
BOINV_DISCLOSURE_METHOD  "suppression" (default) or "cellkey"; BOINV_CELLKEY_D / _V / _JS tune the noise
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


DATA_DIR = Path(os.environ.get("BOINV_DATA_DIR", "data")).resolve()


def _secret_key() -> str:
    if os.environ.get("BOINV_SECRET_KEY"):
        return os.environ["BOINV_SECRET_KEY"]
    path = DATA_DIR / "django-secret.txt"
    if path.exists():
        return path.read_text().strip()
    if DATA_DIR.exists():
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
    # No data directory yet (e.g. `boinv init` about to create it): a throwaway key is fine.
    return secrets.token_urlsafe(50)


def _database() -> dict:
    url = os.environ.get("BOINV_DATABASE_URL", "")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "boinv.sqlite3"),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30,
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
            # Keep each server thread's connection: opening one per request, and closing it (the
            # last close of a WAL database checkpoints it), was most of a page's time under load.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise RuntimeError(f"BOINV_DATABASE_URL: only postgresql:// is supported, got {parsed.scheme}://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
    }


SECRET_KEY = _secret_key()
DEBUG = _env_bool("BOINV_DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("BOINV_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "boendeinventering.inventory",
    "boendeinventering.organisation",
    "boendeinventering.reporting",
    "boendeinventering.web",
    "axes",
    "auditlog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "boendeinventering.web.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "boendeinventering.web.middleware.SwedishByDefaultLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # last, as django-axes requires
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "boendeinventering.urls"
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
                "boendeinventering.web.context.navigation",
            ]
        },
    }
]
WSGI_APPLICATION = "boendeinventering.wsgi.application"

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
# English catalogue for the web interface (reports and exports stay Swedish).
LOCALE_PATHS = [str(Path(__file__).resolve().parent / "locale")]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("BOINV_STATIC_ROOT", str(DATA_DIR / "static"))
# WhiteNoise serves static files from the apps too, so `boinv serve` works without collectstatic.
WHITENOISE_USE_FINDERS = True

# --- Sign-in, sessions, lock-out (django-axes), audit (django-auditlog) ---
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours: 5 failed sign-ins lock the account for 30 minutes
# Username and address together: a colleague mistyping cannot lock out everyone at one office.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "boinv/lockout.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "boendeinventering.web.access.axes_username"  # masks a personnummer typed as name
SESSION_COOKIE_AGE = 8 * 3600  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Security headers; HTTPS-only settings in production ---
PRODUCTION = _env_bool("BOINV_PRODUCTION")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
BOINV_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("BOINV_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
if _env_bool("BOINV_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# SSO: a reverse proxy that has authenticated the user puts the user name in this header.
# Only safe when the proxy strips the header from client requests (see docs/drift.md).
BOINV_REMOTE_USER_HEADER = os.environ.get("BOINV_REMOTE_USER_HEADER", "")
if BOINV_REMOTE_USER_HEADER:
    MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                      "boendeinventering.web.sso.HeaderRemoteUserMiddleware")
    AUTHENTICATION_BACKENDS.append("boendeinventering.web.sso.ExistingRemoteUserBackend")

# --- Uploads: extracts of 100 MB+ stream to a temporary file in the data directory ---
BOINV_MAX_UPLOAD_MB = int(os.environ.get("BOINV_MAX_UPLOAD_MB", "500"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger files go to disk, never whole into memory
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp") if DATA_DIR.exists() else None
FILE_UPLOAD_PERMISSIONS = 0o600
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760  # form fields only (file content is not counted)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000  # the mapping editor posts one field per local name
USE_THOUSAND_SEPARATOR = True
# Background imports run in a thread; tests set this to run them in the request.
BOINV_TASKS_SYNC = False

# Disclosure control (SPEC 7); settings, shown in every output's method note.
BOINV_SUPPRESSION_THRESHOLD = int(os.environ.get("BOINV_SUPPRESSION_THRESHOLD", "5"))
BOINV_SUPPRESSION_WIDTH = int(os.environ.get("BOINV_SUPPRESSION_WIDTH", "5"))
# Retention (docs/gallring.md): pseudonymised rows of the N latest years are kept, older ones
# shredded by `boinv retention apply`. Flows need 3 years (Y, Y-1, Y-2), trends 5.
BOINV_RETENTION_YEARS = int(os.environ.get("BOINV_RETENTION_YEARS", "5"))
# Disclosure control of counts: "suppression" (default, SPEC 7) or "cellkey" (noise of at most
# BOINV_CELLKEY_D, variance BOINV_CELLKEY_V, no published 1..BOINV_CELLKEY_JS); docs/disclosure.md.
BOINV_DISCLOSURE_METHOD = os.environ.get("BOINV_DISCLOSURE_METHOD", "suppression").strip().lower()
BOINV_CELLKEY_D = int(os.environ.get("BOINV_CELLKEY_D", "2"))
BOINV_CELLKEY_V = float(os.environ.get("BOINV_CELLKEY_V", "1"))
BOINV_CELLKEY_JS = int(os.environ.get("BOINV_CELLKEY_JS", "1"))
# Largest extract file accepted (bytes); a large city's year is about 100 MB as CSV.
BOINV_MAX_FILE_BYTES = int(os.environ.get("BOINV_MAX_FILE_BYTES", str(2_000_000_000)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"mask_pnr": {"()": "boendeinventering.logging_filters.MaskPersonnummer"}},
    # The console shows warnings only (users read the command's own Swedish output); the log file
    # below keeps the INFO trail of imports and exports.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_pnr"],
                             "level": os.environ.get("BOINV_LOG_LEVEL", "WARNING")}},
    "root": {"handlers": ["console"], "level": os.environ.get("BOINV_LOG_LEVEL", "WARNING")},
}
try:
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    (DATA_DIR / "tmp").mkdir(mode=0o700, exist_ok=True)
    (DATA_DIR / "logs").mkdir(mode=0o700, exist_ok=True)
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    _file_logging = True
except OSError:  # read-only location: log to the console only
    _file_logging = False
if _file_logging:
    LOGGING["handlers"]["file"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": str(DATA_DIR / "logs" / "boinv.log"),
        "maxBytes": 10_000_000,
        "backupCount": 5,
        "formatter": "plain",
        "filters": ["mask_pnr"],
        "encoding": "utf-8",
    }
    LOGGING["loggers"] = {"boendeinventering": {"handlers": ["file"], "level": "INFO"}}
