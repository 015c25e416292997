"""A large export in the browser: HSE staff export the case list, larger than a request
may take; the page offers to make it in the background, the job's page follows it (htmx
asks every two seconds, under the strict CSP) and offers the file once a worker made it.

The tests' broker is Redis with no worker listening, so the job waits until the test runs
its task here, as the worker would; the page then shows the download by itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deviations.models import Deviation
from deviations.tasks import cases_export_task
from hms.lib.models import Job
from tests.browser.conftest import accessibility_violations, shot, sign_in
from tests.deviations.factories import DeviationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_large_export_is_made_as_a_job_and_offered_when_done(org, page_at, live_server, settings):
    settings.HMS_EXPORT_INLINE_MAX_ROWS = 2
    for n in range(3):
        DeviationFactory(unit=org.ibi, description=f"Hylla falt ned ({n})")
    page = page_at()
    sign_in(page, live_server, org.hse_staff.email)
    page.goto(f"{live_server.url}{reverse('deviations:list')}")
    page.get_by_role("link", name="Eksporter Excel").click()

    # more rows than a request may take: offered as a job
    page.get_by_role("button", name="Lag filen").wait_for()
    assert "mer enn 2 rader" in page.locator("main").inner_text()
    shot(page, "job-offer")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Lag filen").click()
    page.wait_for_url("**/jobs/*/")
    job = Job.objects.get()
    assert page.get_by_role("heading", level=1).inner_text() == "Eksport av sakslisten (XLSX)"
    if job.status == "pending":  # no worker here: the page waits for one
        assert "Venter på at en ledig arbeider skal starte." in page.locator("main").inner_text()
        shot(page, "job-waiting")
        assert accessibility_violations(page) == []
        # the worker's turn (the task, run here)
        assert cases_export_task(str(job.pk)) == "done"

    # htmx asks again within two seconds and shows the file
    download_link = page.get_by_role("link", name="Last ned")
    download_link.wait_for(timeout=10_000)
    assert "Filen er klar." in page.locator("main").inner_text()
    shot(page, "job-done")
    assert accessibility_violations(page) == []
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.startswith("deviations-")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert Deviation.objects.count() == 3
