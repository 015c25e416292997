"""The real services: PostgreSQL through psycopg 3, and a task sent through Redis to a
real Celery worker process. With HMS_REQUIRE_SERVICES=1 (CI) these cannot be skipped."""

import os
import uuid

import pytest
from django.conf import settings
from django.db import connection

from hms.lib.tasks import health_check_task
from tests.conftest import REQUIRE_SERVICES, celery_worker, redis_reachable

pytestmark = pytest.mark.services


def need(condition: bool, what: str) -> None:
    if not condition:
        if REQUIRE_SERVICES:
            pytest.fail(f"{what} is required (HMS_REQUIRE_SERVICES=1) but not available")
        pytest.skip(f"{what} not configured; CI runs this with HMS_REQUIRE_SERVICES=1")


@pytest.mark.django_db
def test_database_is_postgresql_through_psycopg3():
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    import psycopg

    assert connection.Database is psycopg
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        assert cursor.fetchone()[0] >= 130000


@pytest.fixture
def worker():
    need(
        bool(settings.CELERY_BROKER_URL) and redis_reachable(settings.CELERY_BROKER_URL),
        "Redis (CELERY_BROKER_URL)",
    )
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hms.settings.test"}
    with celery_worker(env, "-Q", queue):
        yield queue


def test_a_task_runs_in_a_real_worker_through_redis(worker):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    token = uuid.uuid4().hex
    result = health_check_task.apply_async(args=[token], queue=worker)
    answer = result.get(timeout=90)
    assert answer["token"] == token
    # the worker read the same database configuration as this process
    assert answer["database"] == connection.vendor
    assert result.successful()
