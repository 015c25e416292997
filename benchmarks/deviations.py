"""Deviation statistics and pages at NTNU's volume: 11 years × about 1 100 reports
(2014–2024, and the current year to date), with injuries and hours worked. Target: under
300 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms .venv/bin/python benchmarks/deviations.py

Seeds the demo if needed (`seed_demo`, then `deviations.demo.seed_deviations`, both
idempotent), then measures with Django's test client the statistics page (HSE staff: all
of NTNU; the dean of NV: the faculty) and `manage.py deviation_stats`: median wall time over
repeated runs and the number of SQL queries; and the case list, the overdue list, a case
page and the shared lessons. Prints a Markdown table for the README.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from deviations.demo import seed_deviations  # noqa: E402
from deviations.models import Deviation, Injury  # noqa: E402
from units.models import User  # noqa: E402

REPEAT = 15
TARGET_MS = 300


def timed(fn, repeat: int = REPEAT) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    fn()  # warm up
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries


def page(email: str, url: str):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(
        User.objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend"
    )

    def get() -> None:
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)

    return get


def _a_handled_case() -> tuple[str, str]:
    """The e-mail of a handler and the address of a closed case of theirs with measures
    or a history, the busiest page a handler opens."""
    case = (
        Deviation.objects.filter(handler__isnull=False, status="closed")
        .select_related("handler")
        .order_by("-reported_at")
        .first()
    )
    assert case is not None and case.handler is not None
    return case.handler.email, f"/deviations/{case.reference}/"


def main() -> None:
    start = time.perf_counter()
    call_command("seed_demo", stdout=io.StringIO())
    seed_deviations()
    seed_seconds = time.perf_counter() - start
    rows = [("seed (re-run on a seeded database)", f"{seed_seconds:.1f} s", "–")]
    staff = User.objects.get(email="hse.staff@example.org")
    for label, email, url in [
        (
            "statistics page 2024, all of NTNU, HSE staff",
            staff.email,
            "/deviations/statistics/?year=2024",
        ),
        (
            "statistics page 2024, NV, its dean",
            "leader.nv@example.org",
            "/deviations/statistics/?year=2024",
        ),
        (
            "injury register 2024, HSE staff (names, logged)",
            staff.email,
            "/deviations/injuries/?year=2024",
        ),
        ("case list, all of NTNU, HSE staff (first page of 50)", staff.email, "/deviations/"),
        (
            "overdue cases, NV, its dean (first page of 50)",
            "leader.nv@example.org",
            "/deviations/overdue/",
        ),
        ("a case page, its handler", *_a_handled_case()),
        ("shared lessons learned (first page of 50)", staff.email, "/deviations/lessons/"),
    ]:
        ms, q = timed(page(email, url))
        rows.append((label, f"{ms:.1f} ms", str(q)))

    def stats() -> None:
        call_command("deviation_stats", "--year", "2024", stdout=io.StringIO())

    ms, q = timed(stats)
    rows.append(("`deviation_stats --year 2024`", f"{ms:.1f} ms", str(q)))

    def stats_unit() -> None:
        call_command("deviation_stats", "--year", "2024", "--unit", "nv", stdout=io.StringIO())

    ms, q = timed(stats_unit)
    rows.append(("`deviation_stats --year 2024 --unit nv`", f"{ms:.1f} ms", str(q)))
    print(
        f"database: {connection.vendor}; {Deviation.objects.count()} reports, "
        f"{Injury.objects.count()} injuries; target under {TARGET_MS} ms"
    )
    print("| measure | median time | SQL queries |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")


if __name__ == "__main__":
    main()
