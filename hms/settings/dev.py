"""Local development: `make run` (SQLite, eager Celery unless a broker is configured)."""

from .base import *  # noqa: F403
from .base import env

# Off unless asked for (DEBUG=true): a wrong address shows the site's own 404 page, not
# Django's list of every URL. Static files are served by WhiteNoise either way.
DEBUG = env.bool("DEBUG", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
