"""Settings shared by every environment.

Every value that differs between machines is read from the environment through
``env`` (django-environ), which fails loudly on a malformed value.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "django_tables2",
    "django_celery_beat",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "csp",
    "hms.lib",
    "units",
    "reporting",
    "deviations",
    "riskassessment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hms.lib.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hms.lib.middleware.NulRefusalMiddleware",  # a NUL anywhere in a request: 400, named
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that what it refuses still gets the headers of those above; nothing above
    # reads the body before it (Django's CSRF check reads it after every middleware).
    "hms.lib.middleware.RequestSizeLimitMiddleware",
]

ROOT_URLCONF = "hms.urls"
WSGI_APPLICATION = "hms.wsgi.application"
ASGI_APPLICATION = "hms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hms.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# PostgreSQL (psycopg 3) when DATABASE_URL is set; the embedded SQLite otherwise, so that
# `make run` works on a bare machine.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and sign-in -----------------------------------------------------------------
AUTH_USER_MODEL = "units.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    # allauth's, by the account's own address only (never by an EmailAddress row)
    "units.adapters.EmailAuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "units.adapters.AccountAdapter"
# A person's address is User.email, kept by the HSE section or given by Feide: the password
# reset, like the sign-in, finds the account by that address only.
ACCOUNT_FORMS = {"reset_password": "units.forms.ResetPasswordForm"}
ACCOUNT_PREVENT_ENUMERATION = True
# Local sign-up is closed: accounts come from Feide or from the HSE section.
HMS_LOCAL_SIGNUP = env.bool("HMS_LOCAL_SIGNUP", default=False)

SOCIALACCOUNT_ADAPTER = "units.adapters.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
# Feide sends email_verified=false: never authenticate or connect accounts by e-mail.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False

OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SERVER_URL = env.str("OIDC_SERVER_URL", default="https://auth.dataporten.no")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="Feide")


def openid_connect_providers(*, client_id: str, secret: str, server_url: str, name: str) -> dict:
    """allauth's SOCIALACCOUNT_PROVIDERS for Feide (OpenID Connect) at server_url; the
    tests point it at their own provider (tests/browser/test_feide.py)."""
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "feide",
                    "name": name,
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {
                        "server_url": server_url,
                        "token_auth_method": "client_secret_basic",
                        "scope": ["openid", "profile", "email", "userid-feide"],
                    },
                }
            ],
        }
    }


SOCIALACCOUNT_PROVIDERS: dict = (
    openid_connect_providers(
        client_id=OIDC_CLIENT_ID,
        secret=OIDC_CLIENT_SECRET,
        server_url=OIDC_SERVER_URL,
        name=OIDC_PROVIDER_NAME,
    )
    if OIDC_CLIENT_ID
    else {}
)

# --- Clients --------------------------------------------------------------------------
# The proxies whose X-Forwarded-For names the client (its last entry, the one the proxy
# adds): in docker-compose the nginx service's fixed address. Empty: the connection's own
# address is the client's. Only a keyed hash of it is ever kept (hms.lib.clients).
HMS_TRUSTED_PROXIES = env.list("HMS_TRUSTED_PROXIES", default=[])

# Brute-force protection (django-axes): failed local sign-ins are counted per login name
# and client address together, and per address alone (units.adapters.AxesHandler).
#  - A login name is locked from one address after AXES_FAILURE_LIMIT failures: guessing
#    one person's password stops, but the person still signs in from anywhere else, so a
#    stranger cannot lock them out.
#  - An address is locked after AXES_ADDRESS_FAILURE_LIMIT failures, whatever the names:
#    one password tried against every account stops. Campus NAT and proxies put hundreds
#    of people behind one address, each mistyping now and then (and a success clears only
#    that person's failures), so the limit is ten times the one per name.
# The cool-off ends a lockout and bounds how long a failure is counted and kept (axes
# removes older attempts). Feide sign-in is not counted and not locked.
# allauth's own per-process failed-login limit is merged into the defaults below and
# switched off, so the lockout is decided in one place, in the database, across workers.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "units.adapters.AxesHandler"
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "units.adapters.login_name_for_axes"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked.html"
# No IP address in records or logs: axes is given a keyed hash of the address in its
# place (so AccessAttempt rows and axes' log lines hold none), and successful sign-ins are
# not logged at all (AccessLog would keep a user agent and a session hash for each).
AXES_CLIENT_IP_CALLABLE = "hms.lib.clients.client_pseudonym"
AXES_DISABLE_ACCESS_LOG = True

# --- Cache -----------------------------------------------------------------------------
# Rate limits (allauth's and hms.lib.ratelimit's) count in the cache, which the workers must
# share in production: CACHE_URL=redis://redis:6379/1 (docker-compose). Local memory by
# default (one count per process). Redis is given short timeouts and, when it is down,
# acts as an empty cache instead of failing the page (hms.lib.cache_backends).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "hms.lib.cache_backends.RedisCache"
    CACHES["default"]["OPTIONS"] = {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
        **CACHES["default"].get("OPTIONS", {}),
    }

# Requests per client address in a fixed window of seconds (hms.lib.ratelimit): receipt-code
# lookups of anonymous reports. A person looks their code up a few times at most; a
# campus NAT shares the limit, so it is generous.
HMS_RATE_LIMITS = {
    "receipt": (
        env.int("HMS_RECEIPT_RATE_LIMIT", default=30),
        env.int("HMS_RECEIPT_RATE_WINDOW", default=600),
    ),
    # reports sent by people who are not signed in (anonymous only): a visitor reports a
    # few things at most; everyone behind one campus address shares the count
    "report": (
        env.int("HMS_REPORT_RATE_LIMIT", default=20),
        env.int("HMS_REPORT_RATE_WINDOW", default=3600),
    ),
}

# --- Language, time --------------------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "hms_language"
# Sent with top-level navigation to the site, not with requests other sites make (like the
# session and CSRF cookies); Secure in production.
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
# English dates day first, as in Britain (hms/formats/en); Norwegian as Django has it.
FORMAT_MODULE_PATH = ["hms.formats"]
# Off: years and codes must never be grouped ("2 026"); large numbers use |intcomma.
USE_THOUSAND_SEPARATOR = False

# --- Static files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# --- Celery ----------------------------------------------------------------------------
# With no broker configured, tasks run eagerly in the calling process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/Oslo"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# The hard time limit stays below Redis' visibility timeout, so a task is never
# redelivered while it still runs.
#
# A request never waits for the broker (hms.lib.broker): connecting gives up after a second,
# publishing is retried once, and no task keeps a result but those that ask for one
# (a result backend that is down retried 20 times a second apart: closing a case with
# Redis away took 20 s). The work itself is a row (the outbox), swept up later.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 30 * 60,
    "socket_connect_timeout": 1,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 10
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# `make run` without a broker of its own: `filesystem://`, kombu's broker in files under
# CELERY_FOLDER, which needs no service. Its worker (with beat) runs beside the development
# server, so invitations, reminders and notices reach the console as they would the mail.
if CELERY_BROKER_URL == "filesystem://":
    CELERY_FOLDER = Path(env.str("CELERY_FOLDER", default=str(BASE_DIR / "var" / "celery")))
    for folder in ("messages", "results"):
        (CELERY_FOLDER / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FOLDER / "messages"),
        "data_folder_out": str(CELERY_FOLDER / "messages"),
    }
    CELERY_RESULT_BACKEND = env.str(
        "CELERY_RESULT_BACKEND", default=f"file://{CELERY_FOLDER / 'results'}"
    )
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Security headers ------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Lax, and Secure in production; not HttpOnly: the self-report's script reads the token
# from it for its autosave requests (static/js/answering.js).
CSRF_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", OIDC_SERVER_URL],
        "base-uri": ["'self'"],
    },
}

# --- Logging ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A 403 or 404 is logged once, as one line (hms.lib.logs).
    "filters": {
        "refusal_without_traceback": {"()": "hms.lib.logs.RefusalWithoutTraceback"},
        "refusal_logged_elsewhere": {"()": "hms.lib.logs.RefusalLoggedElsewhere"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"filters": ["refusal_without_traceback"]},
        "django.server": {
            "handlers": ["console"],
            "filters": ["refusal_logged_elsewhere"],
            "propagate": False,
        },
        # axes is told no client address, only a keyed hash of it (AXES_CLIENT_IP_CALLABLE),
        # and masks both that and the login in its warnings (AXES_SENSITIVE_PARAMETERS).
        "axes": {"level": "WARNING"},
    },
}
AXES_VERBOSE = False

# --- Application -----------------------------------------------------------------------
# Fewer leader–safety-rep meetings than this in a year is flagged on the unit page
# ("19 points" of systematic HSE work, point 5).
HMS_MIN_SAFETY_MEETINGS_PER_YEAR = 4
# Photos of a deviation report larger than this many pixels are refused, read from the
# file's header before anything is decoded (a 640 KB PNG can claim 13000 × 13000 pixels and
# take 1.4 GB to decode). 60 MP admits a phone's full-resolution photo (48 MP: 8064 × 6048;
# 50 MP: up to 8192 × 6144) with room to spare, and bounds a decoded photo to about 180 MB
# in RGB (twice that while it is turned upright and re-encoded). Their size in bytes is
# limited in deviations.services (PHOTO_MAX_BYTES).
HMS_DEVIATION_PHOTO_MAX_PIXELS = env.int("HMS_DEVIATION_PHOTO_MAX_PIXELS", default=60_000_000)
# All the photos of one report together, in pixels, read from their headers before any is
# decoded; they are then decoded one at a time. 100 MP takes five 20 MP photos, or one at
# the limit above and a few phone photos, and bounds the work of one report (five 60 MP
# PNGs of under 1 MB each took 13 s and 700 MB of a worker's memory).
HMS_DEVIATION_PHOTOS_MAX_PIXELS_PER_REQUEST = env.int(
    "HMS_DEVIATION_PHOTOS_MAX_PIXELS_PER_REQUEST", default=100_000_000
)

# --- Request size ----------------------------------------------------------------------
# A request with a larger body is refused (413, `hms.lib.middleware.RequestSizeLimitMiddleware`)
# from its Content-Length, before the body is read: 55 MiB is the five photos of a
# deviation report at their limit of 10 MB each, and the form. The proxy in front of the
# app (docker-compose) refuses larger bodies first, with the same limit.
HMS_REQUEST_MAX_BYTES = env.int("HMS_REQUEST_MAX_BYTES", default=55 * 1024 * 1024)
# The form fields of a request, without its files, that Django holds in memory while it
# reads them (urlencoded: the whole body). Set above what a text field may hold (128 KiB
# and the rest of the form reach the form, which names the field that is too long) and
# well below Django's 2.5 MB; more answers 413 with a page that says so (hms.views).
DATA_UPLOAD_MAX_MEMORY_SIZE = 192 * 1024

# --- Exports and jobs --------------------------------------------------------------------
# An export of more rows than this is made by a worker, as a job the user waits for on its
# page (hms.lib.jobs), not inside the request: the case export of all of NTNU over ten years
# (13 000 cases) took 49 s, past gunicorn's timeout. Smaller exports are sent at once.
HMS_EXPORT_INLINE_MAX_ROWS = env.int("HMS_EXPORT_INLINE_MAX_ROWS", default=2000)
# A finished job and its file (an export may hold the names of the injured) are deleted
# this many hours after it finished.
HMS_JOB_KEEP_HOURS = env.int("HMS_JOB_KEEP_HOURS", default=24)

# --- E-mail ----------------------------------------------------------------------------
# EMAIL_URL as django-environ reads it, e.g. smtp+tls://user:password@smtp.example.org:587;
# by default mail is written to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="HMS NTNU <hms@example.org>")
# The address links in e-mails point to (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- The annual self-report -------------------------------------------------------------
# Attachments to a response (HSE goals, action plan): these types, up to this size.
HMS_ATTACHMENT_MAX_BYTES = env.int("HMS_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
HMS_ATTACHMENT_EXTENSIONS = ["pdf", "docx", "xlsx", "png", "jpg", "jpeg"]
# An open self-report asks this often (seconds) for the answers the other person gave
# meanwhile; 0: it does not ask (each sees the other's answers on a reload or a 409).
HMS_SELF_REPORT_POLL_SECONDS = env.int("HMS_SELF_REPORT_POLL_SECONDS", default=10)
# Below this share a unit "falls short" on a share-band question in the feedback.
HMS_FEEDBACK_MIN_SHARE = 75
# Periodic tasks, run by the one Celery beat process.
CELERY_BEAT_SCHEDULE = {
    # The outbox: e-mail notices not sent when they were written (hms.lib.outbox).
    "notices-sweep": {
        "task": "hms.lib.tasks.notices_sweep_task",
        "schedule": crontab(minute="*/2"),
    },
    # Jobs users wait for (hms.lib.jobs): enqueue those no worker took, give up those whose
    # worker is gone, delete old ones with their files.
    "jobs-sweep": {
        "task": "hms.lib.tasks.jobs_sweep_task",
        "schedule": crontab(minute="*"),
    },
    # Invitations and reminders of open reporting rounds, each morning.
    "self-report-notices": {
        "task": "reporting.tasks.round_notices_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Overdue deviation cases, to their handlers (and leaders when long overdue), Mondays.
    "deviation-overdue-reminders": {
        "task": "deviations.tasks.overdue_reminders_task",
        "schedule": crontab(hour=7, minute=15, day_of_week="mon"),
    },
}
