"""Production settings, docker-compose and the README agree with each other."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

BASE = Path(settings.BASE_DIR)
SETTINGS_FILES = sorted((BASE / "hms" / "settings").glob("*.py"))
ENV_READ = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def variables_read_by_settings() -> set[str]:
    names = set()
    for path in SETTINGS_FILES:
        names |= set(ENV_READ.findall(path.read_text()))
    return names | {"DJANGO_SETTINGS_MODULE"}


def production_env(**extra: str) -> dict[str, str]:
    # a production server runs without the test-only async escape hatch the browser
    # tests set
    dropped = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "hms.settings.production",
            "SECRET_KEY": "a-production-secret-" + "x" * 50,
            "ALLOWED_HOSTS": "hms.example.org",
        }
    )
    env.update(extra)
    return env


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def compose() -> dict:
    return yaml.safe_load((BASE / "docker-compose.yml").read_text())


def test_compose_runs_the_five_services():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert "gunicorn hms.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A hms worker")
    assert "--max-tasks-per-child" in services["worker"]["command"]
    assert services["beat"]["command"].startswith("celery -A hms beat")
    for name in ("postgres", "redis"):
        assert "image" in services[name] and "build" not in services[name]
    for name in ("web", "worker", "beat"):
        assert services[name]["build"] == "."
    assert (BASE / "Dockerfile").is_file()


def test_compose_variables_are_the_ones_settings_read():
    data = compose()
    environment = data["services"]["web"]["environment"]
    for name in ("worker", "beat"):
        assert data["services"][name]["environment"] == environment
    unknown = set(environment) - variables_read_by_settings()
    assert not unknown, f"compose sets variables no setting reads: {unknown}"
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"} <= set(environment)
    assert environment["DJANGO_SETTINGS_MODULE"] == "hms.settings.production"
    # the URLs point at the compose services by name
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379")
    postgres = data["services"]["postgres"]["environment"]
    assert environment["DATABASE_URL"].endswith("/" + postgres["POSTGRES_DB"])


def test_readme_documents_every_environment_variable():
    readme = (BASE / "README.md").read_text()
    missing = sorted(name for name in variables_read_by_settings() if f"`{name}`" not in readme)
    assert not missing, f"README.md does not document: {missing}"


def test_readme_opens_with_the_two_commands():
    readme = (BASE / "README.md").read_text()
    first_commands = re.findall(r"^make \w+", readme, re.M)[:2]
    assert first_commands == ["make run", "make test"]


def test_celery_runs_in_oslo_time_and_eagerly_without_a_broker():
    assert settings.CELERY_TIMEZONE == "Europe/Oslo"
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert (
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        > settings.CELERY_TASK_TIME_LIMIT
    )
    assert (not settings.CELERY_BROKER_URL) == settings.CELERY_TASK_ALWAYS_EAGER


def test_health_check_answers_without_sign_in(client, db):
    response = client.get("/healthz/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["broker"] == ("eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok")
