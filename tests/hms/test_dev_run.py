"""`make run` runs what a user needs: beside the development server, a Celery worker with
its beat schedule, through a broker that needs no service (kombu's files)."""

import os
import shutil
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from tests.conftest import celery_worker

SEND = """
import sys
import django
django.setup()
from hms.celery import app  # noqa: F401
from hms.lib.tasks import health_check_task
print(health_check_task.delay(sys.argv[1]).get(timeout=60)["token"])
"""


def test_make_run_starts_a_worker_with_beat_beside_the_server():
    if not shutil.which("make"):
        pytest.fail("make is needed")
    plan = subprocess.run(
        ["make", "-n", "run"], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    ).stdout
    worker = next(line for line in plan.splitlines() if "celery -A hms worker" in line)
    assert "--beat" in worker
    assert "filesystem://" in plan
    assert "runserver" in plan


def test_a_task_goes_through_the_file_broker_to_a_real_worker(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hms.settings.test",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FOLDER": str(tmp_path),
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    token = uuid.uuid4().hex
    with celery_worker(env):
        sent = subprocess.run(
            [sys.executable, "-c", SEND, token],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == token
    # the broker's messages live in the folder given, not in a service
    assert (tmp_path / "messages").is_dir()
