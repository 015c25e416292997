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
    "hms",
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
    "hms.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hms.middleware.NulRefusalMiddleware",  # a NUL anywhere in a request: 400, named
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
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
    "allauth.account.auth_backends.AuthenticationBackend",
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
SOCIALACCOUNT_PROVIDERS: dict = {}
if OIDC_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "feide",
                "name": OIDC_PROVIDER_NAME,
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {
                    "server_url": OIDC_SERVER_URL,
                    "token_auth_method": "client_secret_basic",
                    "scope": ["openid", "profile", "email", "userid-feide"],
                },
            }
        ],
    }

# Brute-force protection (django-axes): lock a login name after repeated failures.
# allauth's own per-process failed-login limit is merged into the defaults below and
# switched off, so the lockout is decided in one place, in the database, across workers.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
# Locked per login name, not per address: NTNU's users share a few NAT and proxy
# addresses, so locking an address would lock out a campus (hence axes.W006 silenced).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "units.adapters.login_name_for_axes"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked.html"


def axes_client_ip(request: object) -> None:
    """The client address django-axes records: none. Lockout is by login name only."""
    return None


# No IP address in records or logs: axes is given no client address (so AccessAttempt
# rows and axes' log lines hold none), and successful sign-ins are not logged at all
# (AccessLog would keep an address, a user agent and a session hash for each).
AXES_CLIENT_IP_CALLABLE = axes_client_ip
AXES_DISABLE_ACCESS_LOG = True

# --- Language, time --------------------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "hms_language"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
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
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 30 * 60}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Security headers ------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
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
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # axes is told no client address (AXES_CLIENT_IP_CALLABLE); its warnings name the
        # login only, masked (AXES_SENSITIVE_PARAMETERS).
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
# Below this share a unit "falls short" on a share-band question in the feedback.
HMS_FEEDBACK_MIN_SHARE = 75
# Invitations and reminders of open reporting rounds, sent by Celery beat each morning.
CELERY_BEAT_SCHEDULE = {
    "self-report-notices": {
        "task": "reporting.tasks.round_notices_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Overdue deviation cases, to their handlers (and leaders when long overdue), Mondays.
    "deviation-overdue-reminders": {
        "task": "deviations.case_tasks.overdue_reminders_task",
        "schedule": crontab(hour=7, minute=15, day_of_week="mon"),
    },
}
# Task modules beside each app's tasks.py that the worker must load.
CELERY_IMPORTS = ["deviations.case_tasks"]
