"""Self-report figures: saving one answer, alone and under concurrent load, and the CSV
export of ten years of results.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms .venv/bin/python benchmarks/self_report.py

Needs PostgreSQL (the load test runs gunicorn against the same database) and the demo
(`seed_demo`, run if needed). What it adds is removed at the end: the ten years are built
in a transaction that is rolled back, and the responses the load test starts are deleted.

- save one answer: the Django test client, median server time and SQL queries of
  `POST /reporting/2025/units/<code>/answer/` over repeated saves;
- under load: gunicorn with 2 workers (the machine's 2 cores) and THREADS client threads
  for DURATION seconds, each thread a unit's leader saving answers in its own draft, and
  pairs of threads on the same response (leader and safety rep) so the response lock is
  contended; throughput, median and 95th percentile of the round trip, failures;
- ten years of results as CSV: 2015–2024 with 73 responses each, every year with the year
  before, all of NTNU.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from simple_history.utils import get_history_model_for_model  # noqa: E402

from reporting import demo  # noqa: E402
from reporting.appendix_2024 import APPENDIX  # noqa: E402
from reporting.models import Answer, Questionnaire, Response, ResponseStatus  # noqa: E402
from reporting.questionnaire_2024 import QUESTIONS_2024, SECTIONS  # noqa: E402
from reporting.selectors.results import results, results_csv  # noqa: E402
from reporting.services.imports import responses_import  # noqa: E402
from reporting.services.questionnaires import questionnaire_create_from_specs  # noqa: E402
from units.models import Role, RoleAssignment  # noqa: E402

YEAR = demo.IN_PROGRESS_YEAR
THREADS = 8
DURATION = 20.0
KEYS = ["q02", "q03", "q05", "q09", "q10", "q11", "q15", "q16", "q27", "q28"]
VERSION = re.compile(r'value="(\d+)" id="a-(q\d+)-version"')
ANSWER_ID = re.compile(r'value="(\d*)" id="a-(q\d+)-answer"')


def _draft_units(count: int) -> tuple[list[tuple[int, str]], list[int]]:
    """(unit id, code) of `count` units in the round, each with a draft response, and the
    ids of the responses this run started (to delete at the end)."""
    questionnaire = Questionnaire.objects.get(year=YEAR)
    units = list(questionnaire.round.units.order_by("code"))
    started = []
    chosen = []
    for unit in units:
        response = Response.objects.filter(questionnaire=questionnaire, unit=unit).first()
        if response is None:
            response = Response.objects.create(questionnaire=questionnaire, unit=unit)
            started.append(response.pk)
        if response.status == ResponseStatus.DRAFT:
            chosen.append((unit.pk, unit.code))
        if len(chosen) == count:
            break
    return chosen, started


def _cleanup(started: list[int]) -> None:
    history = get_history_model_for_model(Answer)
    history.objects.filter(response_id__in=started).delete()
    Response.objects.filter(pk__in=started).delete()


def save_alone(unit_id: int, code: str) -> tuple[float, int]:
    leader = RoleAssignment.objects.get(unit_id=unit_id, role=Role.LEADER).user
    client = Client()
    client.force_login(leader, backend="django.contrib.auth.backends.ModelBackend")
    url = f"/reporting/{YEAR}/units/{code}/answer/"
    versions = dict.fromkeys(KEYS, 0)
    answer_ids: dict[str, int | str] = dict.fromkeys(KEYS, "")
    for key, answer_id, version in Answer.objects.filter(
        response__unit_id=unit_id, response__questionnaire__year=YEAR, question__key__in=KEYS
    ).values_list("question__key", "pk", "version"):
        versions[key], answer_ids[key] = version, answer_id
    times, queries = [], 0
    for n in range(60):
        key = KEYS[n % len(KEYS)]
        value = "yes" if (n // len(KEYS)) % 2 else "no"
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            answer = client.post(
                url,
                {
                    "question": key,
                    "row": "",
                    "value": value,
                    "answer": answer_ids[key],
                    "version": versions[key],
                },
                HTTP_HX_REQUEST="true",
                HTTP_HOST="127.0.0.1",
            )
            times.append(time.perf_counter() - start)
        assert answer.status_code == 200, answer.status_code
        for version, saved in VERSION.findall(answer.content.decode()):
            versions[saved] = int(version)
        for answer_id, saved in ANSWER_ID.findall(answer.content.decode()):
            answer_ids[saved] = answer_id
        queries = len(ctx.captured_queries)
    return statistics.median(times[5:]) * 1000, queries


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session(user) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def under_load() -> dict[str, float]:
    units, started = _draft_units(THREADS // 2)
    try:
        return _load(units)
    finally:
        _cleanup(started)


def _load(units: list[tuple[int, str]]) -> dict[str, float]:
    port = _free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="hms.settings.dev", DEBUG="false")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "hms.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        people = []
        for unit_id, code in units:
            for role in (Role.LEADER, Role.SAFETY_REP):
                user = RoleAssignment.objects.filter(unit_id=unit_id, role=role).first()
                if user is not None:
                    people.append((code, _session(user.user)))
        latencies: list[float] = []
        failures = [0]
        conflicts = [0]
        lock = threading.Lock()
        stop = time.perf_counter() + DURATION

        def worker(index: int, code: str, session: str) -> None:
            token = _get_new_csrf_string()
            cookie = f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={token}"
            url = f"http://127.0.0.1:{port}/reporting/{YEAR}/units/{code}/answer/"
            versions = dict.fromkeys(KEYS, 0)
            answer_ids: dict[str, str] = dict.fromkeys(KEYS, "")
            n = index
            while time.perf_counter() < stop:
                key = KEYS[n % len(KEYS)]
                value = ("yes", "no", "dont_know")[n % 3]
                body = urllib.parse.urlencode(
                    {
                        "question": key,
                        "row": "",
                        "value": value,
                        "answer": answer_ids[key],
                        "version": versions[key],
                    }
                ).encode()
                request = urllib.request.Request(
                    url,
                    data=body,
                    method="POST",
                    headers={
                        "Cookie": cookie,
                        "X-CSRFToken": token,
                        "HX-Request": "true",
                        "Referer": f"http://127.0.0.1:{port}/",
                        "Host": "127.0.0.1",
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                )
                start = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                        text = answer.read().decode()
                    ok = True
                except urllib.error.HTTPError as error:
                    text = error.read().decode()
                    ok = error.code == 409  # a conflict is a correct, refused save
                    with lock:
                        conflicts[0] += error.code == 409
                except OSError:
                    text, ok = "", False
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    failures[0] += not ok
                for version, saved in VERSION.findall(text):
                    versions[saved] = int(version)
                for answer_id, saved in ANSWER_ID.findall(text):
                    answer_ids[saved] = answer_id
                n += 1

        threads = [
            threading.Thread(target=worker, args=(i, code, session))
            for i, (code, session) in enumerate(people[:THREADS])
        ]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=10)
    latencies.sort()
    return {
        "threads": len(threads),
        "requests": len(latencies),
        "per_second": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95)] * 1000,
        "failures": failures[0],
        "conflicts": conflicts[0],
    }


def ten_years() -> tuple[float, int, int]:
    """Median time of the CSV export of 2015–2024 (73 responses a year), SQL queries and
    rows, in a transaction that is rolled back."""
    with transaction.atomic():
        codes = list(demo.reporting_units(year=2024).values_list("code", flat=True))
        for year in range(2015, 2023):
            questionnaire_create_from_specs(
                year=year,
                title_nb=f"{year}",
                title_en=f"{year}",
                sections=SECTIONS,
                questions=QUESTIONS_2024,
                changes=None,
            )
            APPENDIX.setdefault(year, APPENDIX[2024])
            responses_import(
                year=year,
                text=demo.appendix_responses_csv(year=year, unit_codes=codes),
                source="benchmark",
            )
        times, queries, lines = [], 0, 0
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                text = "".join(results_csv(results(year=y)) for y in range(2015, 2025))
                times.append(time.perf_counter() - start)
            queries, lines = len(ctx.captured_queries), text.count("\n")
        transaction.set_rollback(True)
    return statistics.median(times) * 1000, queries, lines


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the load test needs one.")
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    units, started = _draft_units(1)
    try:
        ms, q = save_alone(*units[0])
    finally:
        _cleanup(started)
    load = under_load()
    export_ms, export_q, export_rows = ten_years()
    print("| measure | figure |")
    print("|---|---|")
    print(
        f"| save one answer, server time (test client, median of 55) "
        f"| {ms:.1f} ms, {q} SQL queries |"
    )
    print(
        f"| save answers under load: gunicorn 2 workers, {load['threads']} people on "
        f"{load['threads'] // 2} responses, {DURATION:.0f} s | {load['per_second']:.0f} saves/s, "
        f"median {load['p50']:.1f} ms, 95th percentile {load['p95']:.1f} ms, "
        f"{load['failures']} failed, {load['conflicts']} refused as conflicts |"
    )
    print(
        f"| results of ten years (2015–2024, 73 responses a year) as CSV | {export_ms:.0f} ms, "
        f"{export_q} SQL queries, {export_rows} lines |"
    )


if __name__ == "__main__":
    main()
