"""Log filters: a refusal (403, 404) is one line, not a traceback.

Django logs a refused request twice, on `django.request` ("Forbidden: /path", with the
exception's traceback) and, under the development server, on `django.server` (the request
line). A refusal is the system working as meant, so one line says it: `django.request`
keeps its line without the traceback, and `django.server` leaves 403 and 404 to it.
"""

from __future__ import annotations

import logging

REFUSALS = {403, 404}


def _status(record: logging.LogRecord) -> int | None:
    status = getattr(record, "status_code", None)
    if status is None:
        response = getattr(record, "response", None)
        status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


class RefusalWithoutTraceback(logging.Filter):
    """On `django.request`: a 403 or 404 is logged without its exception."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _status(record) in REFUSALS:
            record.exc_info = None
            record.exc_text = None
        return True


class RefusalLoggedElsewhere(logging.Filter):
    """On `django.server`: a 403 or 404 is not logged again (`django.request` has it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _status(record) not in REFUSALS
