"""Speed and size figures at demo volume (NTNU: 73 reporting units, ~270 people).

    .venv/bin/python benchmarks/run.py            # uses DATABASE_URL, else SQLite

Seeds the demo if needed (idempotent), then measures the pages and the scoping module
with Django's test client: median wall time over repeated requests and the number of
SQL queries. Prints a Markdown table for the README.
"""

from __future__ import annotations

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
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from units.access import Purpose, scope_for  # noqa: E402
from units.models import User  # noqa: E402

REPEAT = 30


def timed(fn, repeat: int = REPEAT) -> tuple[float, int]:
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


def page(email: str, url: str):
    client = Client()
    client.force_login(
        User.objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend"
    )

    def get() -> None:
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)

    return get


def main() -> None:
    start = time.perf_counter()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    seed_seconds = time.perf_counter() - start
    rows = [("seed_demo (re-run on a seeded database)", f"{seed_seconds:.1f} s", "–")]
    staff = User.objects.get(email="hse.staff@example.org")

    def all_scopes() -> None:
        for user in User.objects.all():
            scope_for(user).unit_ids(Purpose.READ_UNIT)

    ms, q = timed(all_scopes, repeat=3)
    rows.append((f"scope of every user ({User.objects.count()} users)", f"{ms:.0f} ms", str(q)))
    for label, email, url in [
        ("unit list, HSE staff (all units)", staff.email, "/units/"),
        ("unit list, dean of NV", "leader.nv@example.org", "/units/"),
        ("unit page, NV/IKJ, as its leader", "leader.nv-ikj@example.org", "/units/nv-ikj/"),
        ("overview page, dean of NV", "leader.nv@example.org", "/"),
        (
            "self-report form 2024, NV/IKJ, as its leader",
            "leader.nv-ikj@example.org",
            "/reporting/2024/units/nv-ikj/",
        ),
        ("self-report results page 2024, all of NTNU", staff.email, "/reporting/2024/results/"),
        (
            "self-report response rates 2025, all of NTNU",
            staff.email,
            "/reporting/2025/round/progress/",
        ),
    ]:
        ms, q = timed(page(email, url))
        rows.append((label, f"{ms:.1f} ms", str(q)))
    from reporting.selectors.results import results, results_csv

    ms, q = timed(lambda: results_csv(results(year=2024)), repeat=10)
    rows.append(("self-report results 2024 with 2023, all of NTNU, as CSV", f"{ms:.0f} ms", str(q)))
    reset_queries()
    print(f"database: {connection.vendor}")
    print("| measure | median time | SQL queries |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")


if __name__ == "__main__":
    main()
