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
BOINV_MAX_ROWS, BOINV_MAX_UNPACKED_MB, BOINV_MAX_ZIP_RATIO, BOINV_MAX_AMOUNT  limits per import (docs/drift.md)
BOINV_IMPORT_SLICE_ROWS  records a CSV import reads, validates and stores at a time (default 200 000)
BOINV_DISCLOSURE_METHOD  "suppression" (default) or "cellkey"; BOINV_CELLKEY_D / _V / _JS tune the noise
BOINV_WORKER_SEPARATE    "1" when a `boinv worker` runs beside the web server (`boinv serve` sets it itself)
BOINV_JOB_HEARTBEAT_SECONDS / BOINV_JOB_STALE_SECONDS / BOINV_SWEEP_SECONDS  background imports (docs/drift.md)

Settings are strict: a boolean or number that cannot be read (BOINV_PRODUCTION=ture) stops the
program at start with one line naming the variable, never a silent default. Relations between
settings are Django system checks (boendeinventering/checks.py, ids boinv.E001 …).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = ("1", "true", "yes", "on", "ja", "sant")
_FALSE = ("0", "false", "no", "off", "nej", "falskt")
# Every unreadable variable, reported together at the end of this module.
_SETTING_ERRORS: list[str] = []


def _env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    _SETTING_ERRORS.append(f"{name}={raw!r} är inget giltigt ja/nej-värde; använd 1 eller 0 "
                           f"(is not a valid boolean: use 1 or 0)")
    return default


def _env_number(name: str, default, kind=int, minimum=None, maximum=None):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        _SETTING_ERRORS.append(f"{name}={raw!r} är inget {'heltal' if kind is int else 'tal'} "
                               f"(is not a valid {'integer' if kind is int else 'number'})")
        return default
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f"{minimum}–{maximum}" if maximum is not None else f"minst {minimum}"
        _SETTING_ERRORS.append(f"{name}={raw!r} ligger utanför det tillåtna ({bounds}) (out of range)")
        return default
    return value


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw.lower() in choices:
        return raw.lower()
    _SETTING_ERRORS.append(f"{name}={raw!r}: välj en av {', '.join(choices)} (choose one of them)")
    return default


DATA_DIR = Path(os.environ.get("BOINV_DATA_DIR", "data")).resolve()
# The data directory first: the secret key, the temporary upload directory and the log file live
# in it, and each of them used to be skipped quietly when it did not exist yet.
try:
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    (DATA_DIR / "tmp").mkdir(mode=0o700, exist_ok=True)
    (DATA_DIR / "logs").mkdir(mode=0o700, exist_ok=True)
    _data_dir_writable = True
except OSError:  # read-only location: reported by the system check boinv.E001
    _data_dir_writable = False


def _secret_key() -> str:
    if os.environ.get("BOINV_SECRET_KEY"):
        return os.environ["BOINV_SECRET_KEY"]
    path = DATA_DIR / "django-secret.txt"
    if path.exists():
        return path.read_text().strip()
    if _data_dir_writable:
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
    # Data directory not writable: a throwaway key (sessions end with the process); boinv.E001 says why.
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
        _SETTING_ERRORS.append(f"BOINV_DATABASE_URL: bara postgresql:// stöds, inte {parsed.scheme}:// "
                               "(only postgresql:// is supported)")
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
    # Without the automatic discovery of admin modules at setup (auditlog's and axes' admin
    # classes pull in the admin's forms and filters): every `boinv` command paid for them.
    # urls.py runs admin.autodiscover() when the web application loads its URLs.
    "django.contrib.admin.apps.SimpleAdminConfig",
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
    # before any view or the CSRF check parses a body: size and role (uploads reach the disk)
    "boendeinventering.web.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # refuses every page while the pseudonymisation key is missing or not the database's own
    "boendeinventering.web.keyguard.KeyGuardMiddleware",
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

# Passwords of local accounts (single sign-on users have none): the users reach personal data
# and its key-holding service, so a password is at least 12 characters, not common, not only
# digits and not the user's own name. Checked when a user is created or a password is changed.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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
AXES_COOLOFF_TIME = 0.5  # hours: a lock lasts 30 minutes
# By user name OR by address (password spraying: one address, many user names), each with its own
# limit: 5 failures for a user name, 20 from one address, so a colleague's typos do not lock out
# everyone at an office behind one address (web/throttle.py).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "boendeinventering.web.throttle.failure_limit"
BOINV_LOGIN_USER_LIMIT = 5
BOINV_LOGIN_ADDRESS_LIMIT = 20
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
BOINV_MAX_UPLOAD_MB = _env_number("BOINV_MAX_UPLOAD_MB", 500, minimum=1, maximum=100_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger files go to disk, never whole into memory
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp") if _data_dir_writable else None
FILE_UPLOAD_PERMISSIONS = 0o600
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760  # form fields only (file content is not counted)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000  # the mapping editor posts one field per local name
USE_THOUSAND_SEPARATOR = True
# Background imports (services/tasks.py): queued in the database and run by a worker. Tests set
# BOINV_TASKS_SYNC to run them in the request. BOINV_WORKER_SEPARATE: a `boinv worker` runs
# beside the web server (`boinv serve` starts one); otherwise the web process that queued a job
# runs it in a background thread.
BOINV_TASKS_SYNC = False
BOINV_WORKER_SEPARATE = _env_bool("BOINV_WORKER_SEPARATE")
BOINV_JOB_HEARTBEAT_SECONDS = _env_number("BOINV_JOB_HEARTBEAT_SECONDS", 10, kind=float, minimum=0.1)
# A running job whose heartbeat is older is failed; leftover uploads older are removed.
BOINV_JOB_STALE_SECONDS = _env_number("BOINV_JOB_STALE_SECONDS", 300, kind=float, minimum=1)
BOINV_SWEEP_SECONDS = _env_number("BOINV_SWEEP_SECONDS", 60, kind=float, minimum=1)

# Disclosure control (SPEC 7); settings, shown in every output's method note.
BOINV_SUPPRESSION_THRESHOLD = _env_number("BOINV_SUPPRESSION_THRESHOLD", 5, minimum=1)
BOINV_SUPPRESSION_WIDTH = _env_number("BOINV_SUPPRESSION_WIDTH", 5, minimum=1)
# Retention (docs/gallring.md): pseudonymised rows of the N latest years are kept, older ones
# shredded by `boinv retention apply`. Flows need 3 years (Y, Y-1, Y-2), trends 5.
BOINV_RETENTION_YEARS = _env_number("BOINV_RETENTION_YEARS", 5, minimum=1)
# Disclosure control of counts: "suppression" (default, SPEC 7) or "cellkey" (noise of at most
# BOINV_CELLKEY_D, variance BOINV_CELLKEY_V, no published 1..BOINV_CELLKEY_JS); docs/disclosure.md.
BOINV_DISCLOSURE_METHOD = _env_choice("BOINV_DISCLOSURE_METHOD", "suppression", ("suppression", "cellkey"))
BOINV_CELLKEY_D = _env_number("BOINV_CELLKEY_D", 2, minimum=1)
BOINV_CELLKEY_V = _env_number("BOINV_CELLKEY_V", 1.0, kind=float, minimum=0)
BOINV_CELLKEY_JS = _env_number("BOINV_CELLKEY_JS", 1, minimum=0)
# Largest extract file accepted (bytes); a large city's year is about 100 MB as CSV, every
# municipality's payments together (issue 12) about 1 GB. A CSV is read, validated and stored
# BOINV_IMPORT_SLICE_ROWS records at a time, so an import needs about twice the file in memory plus
# 0.4 GB (scripts/bench_memory.py, docs/benchmarks.md); a CSV with quotes inside fields is read
# whole (7-9 times the file) and refused above 250 MB, an .xlsx is bounded by BOINV_MAX_UNPACKED_MB.
BOINV_MAX_FILE_BYTES = _env_number("BOINV_MAX_FILE_BYTES", 1_000_000_000, minimum=1)
BOINV_IMPORT_SLICE_ROWS = _env_number("BOINV_IMPORT_SLICE_ROWS", 200_000, minimum=1)
# What one import may cost (issue 8: zip bombs, memory): rows per file, an .xlsx unpacked, how many
# times larger a part of an .xlsx may unpack, and the largest kostnad/belopp on one row (kronor).
BOINV_MAX_ROWS = _env_number("BOINV_MAX_ROWS", 12_000_000, minimum=1)
BOINV_MAX_UNPACKED_MB = _env_number("BOINV_MAX_UNPACKED_MB", 600, minimum=1)
BOINV_MAX_ZIP_RATIO = _env_number("BOINV_MAX_ZIP_RATIO", 100.0, kind=float, minimum=1)
BOINV_MAX_AMOUNT = _env_number("BOINV_MAX_AMOUNT", 10_000_000.0, kind=float, minimum=1)
# Needs signals in the report (core/signals.py, docs/rapporten.md): the rules' thresholds.
BOINV_SIGNAL_CHILDREN_CODES = tuple(
    c.strip() for c in os.environ.get("BOINV_SIGNAL_CHILDREN_CODES", "hotell,vandrarhem,campingstuga").split(",")
    if c.strip())
BOINV_SIGNAL_CHILDREN_MIN = _env_number("BOINV_SIGNAL_CHILDREN_MIN", 1, minimum=0)
BOINV_SIGNAL_LONG_STAY_NIGHTS = _env_number("BOINV_SIGNAL_LONG_STAY_NIGHTS", 90, minimum=0)
BOINV_SIGNAL_ELDERLY_MIN = _env_number("BOINV_SIGNAL_ELDERLY_MIN", 1, minimum=0)
BOINV_SIGNAL_OCCUPANCY_HIGH = _env_number("BOINV_SIGNAL_OCCUPANCY_HIGH", 95.0, kind=float, minimum=0)
BOINV_SIGNAL_OCCUPANCY_LOW = _env_number("BOINV_SIGNAL_OCCUPANCY_LOW", 60.0, kind=float, minimum=0)
BOINV_SIGNAL_DISCHARGE_MIN = _env_number("BOINV_SIGNAL_DISCHARGE_MIN", 5, minimum=0)
BOINV_SIGNAL_EVICTION_CHILDREN_MIN = _env_number("BOINV_SIGNAL_EVICTION_CHILDREN_MIN", 1, minimum=0)
BOINV_SIGNAL_RENT_ARREARS_MIN = _env_number("BOINV_SIGNAL_RENT_ARREARS_MIN", 10, minimum=0)
BOINV_SIGNAL_BME_GAP_PERCENT = _env_number("BOINV_SIGNAL_BME_GAP_PERCENT", 20.0, kind=float, minimum=0)
BOINV_SIGNAL_ROUGH_SLEEPERS_MIN = _env_number("BOINV_SIGNAL_ROUGH_SLEEPERS_MIN", 1, minimum=0)

_LOG_LEVEL = _env_choice("BOINV_LOG_LEVEL", "warning", ("debug", "info", "warning", "error", "critical")).upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"mask_pnr": {"()": "boendeinventering.logging_filters.MaskPersonnummer"}},
    # The console shows warnings only (users read the command's own Swedish output); the log file
    # below keeps the INFO trail of imports and exports.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_pnr"],
                             "level": _LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
}
try:
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
except OSError:
    pass  # WhiteNoise serves from the apps (WHITENOISE_USE_FINDERS); nothing needs it at run time
_file_logging = _data_dir_writable  # read-only location: log to the console only
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

if _SETTING_ERRORS:
    # One line, before anything runs: a mistyped BOINV_PRODUCTION must not quietly mean "off".
    raise ImproperlyConfigured("Ogiltiga inställningar (invalid settings): " + "; ".join(_SETTING_ERRORS))
