"""Production settings, docker-compose and the README agree with each other."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings
from django.urls import reverse

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


def test_compose_runs_the_six_services():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "proxy", "web", "worker", "beat"}
    assert "gunicorn hms.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A hms worker")
    assert "--max-tasks-per-child" in services["worker"]["command"]
    assert services["beat"]["command"].startswith("celery -A hms beat")
    for name in ("postgres", "redis", "proxy"):
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


# -- Behind the proxy (issue 9, finding 12) ---------------------------------------------------

NGINX = BASE / "deploy" / "nginx.conf"


def nginx_directives() -> list[list[str]]:
    """The directives of deploy/nginx.conf, comments left out, each as its words."""
    text = re.sub(r"#[^\n]*", "", NGINX.read_text())
    return [statement.split() for statement in re.split(r"[;{}]", text) if statement.strip()]


def test_the_app_is_reached_through_the_proxy_only():
    """Issue 9, finding 12: gunicorn was published directly, behind no proxy, so nothing
    set X-Forwarded-Proto and anybody could. Now the proxy is the only way in."""
    services = compose()["services"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert "443:443" in proxy["ports"]
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert "ports" not in services[name], f"{name} is published past the proxy"
    directives = nginx_directives()
    assert ["upstream", "hms_web"] in directives and ["server", "web:8000"] in directives
    assert ["proxy_pass", "http://hms_web"] in directives
    assert ["listen", "443", "ssl"] in directives


def test_the_proxy_sets_the_headers_the_app_trusts():
    directives = nginx_directives()
    # X-Forwarded-Proto, which production reads as the scheme
    assert ["proxy_set_header", "X-Forwarded-Proto", "$scheme"] in directives
    header, value = production_setting("SECURE_PROXY_SSL_HEADER")
    assert (header, value) == ("HTTP_X_FORWARDED_PROTO", "https")
    # X-Forwarded-For with the client's address last (hms.lib.clients reads the last entry)
    assert ["proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for"] in directives
    # the request body is limited before the app reads it: 55 MiB, as HMS_REQUEST_MAX_BYTES
    assert ["client_max_body_size", "55m"] in directives


def test_gunicorn_and_the_app_trust_the_proxy_only():
    data = compose()
    address = data["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    command = data["services"]["web"]["command"]
    gunicorn = next(line for line in command.splitlines() if "gunicorn hms.wsgi" in line)
    assert f"--forwarded-allow-ips {address}" in gunicorn
    environment = data["services"]["web"]["environment"]
    assert environment["HMS_TRUSTED_PROXIES"] == address
    # the fixed address lies outside the range the other containers are given
    import ipaddress

    (network,) = data["networks"]["default"]["ipam"]["config"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(network["subnet"])
    assert ipaddress.ip_address(address) not in ipaddress.ip_network(network["ip_range"])


def test_the_proxy_logs_no_client_address():
    directives = nginx_directives()
    formats = {d[1]: " ".join(d[2:]) for d in directives if d[0] == "log_format"}
    logs = [d for d in directives if d[0] == "access_log"]
    assert logs and all(len(d) == 3 and d[2] in formats for d in logs)
    assert not any("$remote_addr" in f or "forwarded_for" in f for f in formats.values())
    assert all(d[2] == "crit" for d in directives if d[0] == "error_log")


def test_compose_shares_a_redis_cache_for_the_rate_limits():
    environment = compose()["services"]["web"]["environment"]
    assert environment["CACHE_URL"].startswith("redis://redis:6379/")
    assert environment["CACHE_URL"] != environment["CELERY_BROKER_URL"]


def readme_configuration_variables() -> set[str]:
    readme = (BASE / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section, re.M))


def test_env_example_lists_every_variable_of_the_readme():
    """Issue 9, finding 12: there was no .env.example. It names every variable of the
    README's configuration table, and nothing else."""
    text = (BASE / ".env.example").read_text()
    listed = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, re.M))
    documented = readme_configuration_variables()
    assert documented >= variables_read_by_settings()
    assert listed - documented == set(), "in .env.example, not in README"
    assert documented - listed == set(), "in README, not in .env.example"


def test_every_variable_compose_reads_is_documented():
    text = (BASE / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", text))
    assert used - readme_configuration_variables() == set()


def test_secrets_stay_out_of_the_image():
    ignored = (BASE / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "deploy/certs", "db.sqlite3"} <= set(ignored)


def production_setting(name: str):
    code = f"from django.conf import settings; print(repr(settings.{name}))"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=BASE,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    import ast

    return ast.literal_eval(result.stdout.strip())


def test_the_cookies_are_same_site_lax_and_secure_in_production():
    """Issue 9, finding 12: the language cookie had no SameSite."""
    for cookie in ("LANGUAGE_COOKIE", "SESSION_COOKIE", "CSRF_COOKIE"):
        assert getattr(settings, f"{cookie}_SAMESITE") == "Lax", cookie
        assert production_setting(f"{cookie}_SECURE") is True, cookie
    assert settings.SESSION_COOKIE_HTTPONLY


def test_the_language_cookie_is_sent_with_samesite_lax(client, db):
    response = client.post(reverse("switch_language"), {"language": "en", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["samesite"] == "Lax"


def test_every_periodic_task_is_one_the_worker_knows():
    """Issue 10: a task module beside an app's tasks.py needed CELERY_IMPORTS; every task
    is in `<app>/tasks.py` now, found by autodiscovery, and each beat entry names one."""
    from hms.celery import app

    app.loader.import_default_modules()
    assert not getattr(settings, "CELERY_IMPORTS", None)
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: {entry['task']} is not registered"
