"""Shared fixtures: a small organisation with one person per role.

    ntnu
    ├── nv (faculty)            leader_fac, hr_fac, lhvo_fac
    │   ├── ibi (institute)     leader_a, safety_a, deputy_a, coordinator_a
    │   │   └── ibi-lab (group)
    │   └── ikj (institute)     leader_b, safety_b
    └── hf (faculty)
        └── ifr (institute)     leader_c

Global: hse_staff, chief_safety, amu. `outsider` holds no role.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection

from tests.units.factories import RoleFactory, UnitFactory, UserFactory
from units.models import Role, Unit, User

REQUIRE_SERVICES = os.environ.get("HMS_REQUIRE_SERVICES") == "1"


def redis_reachable(url: str) -> bool:
    from urllib.parse import urlparse

    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2):
            return True
    except OSError:
        return False


@contextmanager
def celery_worker(env: dict[str, str], *arguments: str) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process (solo pool, quiet) with `env`, stopped on leaving;
    what it printed is shown when it did not stop cleanly."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hms", "worker", "--pool=solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=WARNING",
         *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if process.returncode not in (0, -15):
            print(output.decode(errors="replace"))


@pytest.fixture(scope="session", autouse=True)
def _required_services(django_db_setup, django_db_blocker) -> None:
    """With HMS_REQUIRE_SERVICES=1 (CI) a missing PostgreSQL or Redis fails the run."""
    if not REQUIRE_SERVICES:
        return
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", (
            "HMS_REQUIRE_SERVICES=1 but the tests do not run on PostgreSQL: set DATABASE_URL"
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert redis_reachable(settings.CELERY_BROKER_URL), (
        "HMS_REQUIRE_SERVICES=1 but Redis is not reachable: set CELERY_BROKER_URL"
    )


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections(django_db_setup, django_db_blocker):
    """At the end of the session, close what the live server's threads left connected to
    the test database, so that pytest-django can drop it ("is being accessed by other
    users" otherwise fails the last test of a worker)."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rate limits (allauth's, hms.lib.ratelimit's) count
    there, per process, and one test's requests must not count against the next."""
    from django.core.cache import cache

    cache.clear()


@dataclass
class Org:
    ntnu: Unit
    nv: Unit
    ibi: Unit
    ibi_lab: Unit
    ikj: Unit
    hf: Unit
    ifr: Unit
    leader_fac: User
    hr_fac: User
    lhvo_fac: User
    leader_a: User
    safety_a: User
    deputy_a: User
    coordinator_a: User
    leader_b: User
    safety_b: User
    leader_c: User
    hse_staff: User
    chief_safety: User
    amu: User
    outsider: User


def _person(name: str, role: str, unit: Unit | None) -> User:
    user = UserFactory(email=f"{name}@example.org", full_name=name.replace("_", " ").title())
    RoleFactory(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def org(db) -> Org:
    ntnu = UnitFactory(code="ntnu", kind="university", answers_self_report=False)
    nv = UnitFactory(code="nv", parent=ntnu, kind="faculty", answers_self_report=False)
    ibi = UnitFactory(code="ibi", parent=nv)
    ibi_lab = UnitFactory(code="ibi-lab", parent=ibi, kind="group", answers_self_report=False)
    ikj = UnitFactory(code="ikj", parent=nv)
    hf = UnitFactory(code="hf", parent=ntnu, kind="faculty", answers_self_report=False)
    ifr = UnitFactory(code="ifr", parent=hf)
    return Org(
        ntnu=ntnu,
        nv=nv,
        ibi=ibi,
        ibi_lab=ibi_lab,
        ikj=ikj,
        hf=hf,
        ifr=ifr,
        leader_fac=_person("leader_fac", Role.LEADER, nv),
        hr_fac=_person("hr_fac", Role.HR_HSE_CHIEF, nv),
        lhvo_fac=_person("lhvo_fac", Role.LOCAL_CHIEF_SAFETY_REP, nv),
        leader_a=_person("leader_a", Role.LEADER, ibi),
        safety_a=_person("safety_a", Role.SAFETY_REP, ibi),
        deputy_a=_person("deputy_a", Role.DEPUTY_SAFETY_REP, ibi),
        coordinator_a=_person("coordinator_a", Role.HSE_COORDINATOR, ibi),
        leader_b=_person("leader_b", Role.LEADER, ikj),
        safety_b=_person("safety_b", Role.SAFETY_REP, ikj),
        leader_c=_person("leader_c", Role.LEADER, ifr),
        hse_staff=_person("hse_staff", Role.HSE_STAFF, None),
        chief_safety=_person("chief_safety", Role.CHIEF_SAFETY_REP, None),
        amu=_person("amu", Role.AMU_MEMBER, None),
        outsider=UserFactory(email="outsider@example.org", full_name="Out Sider"),
    )


@pytest.fixture
def reporter(db) -> User:
    """Rita, an employee without a role, who reports deviations."""
    return UserFactory(email="reporter@example.org", full_name="Rita Reporter")


@pytest.fixture
def questionnaires(org) -> Org:
    """The organisation, with the questionnaires of 2023 and 2024 as NTNU asks them."""
    from reporting.demo import seed_questionnaires

    seed_questionnaires()
    return org


@pytest.fixture
def login(client):
    def _login(user: User):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture
def english(client):
    """English for this test: for code run outside a request (services raise their messages
    in the active language) and for the test client's requests (the language cookie)."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
