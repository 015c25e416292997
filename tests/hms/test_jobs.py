"""Job rows (hms.lib.jobs): work a user waits for, written as a row, enqueued on commit
without blocking, claimed once, its file kept, its page polled and its file sent to the
requester alone; the sweep enqueues what no worker took, gives up what a dead worker held
and deletes old jobs with their files.

The tests call the work directly (`job_run`, or the app's task as a function), as
test_outbox does for notices: with CI's broker configured no worker runs here, and a
test's transaction never commits."""

from __future__ import annotations

import datetime
import logging
import time
from decimal import Decimal

import pytest
from celery import shared_task
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation

from hms.lib import broker, jobs
from hms.lib.exports import Download, Table, table_export
from hms.lib.models import Job
from hms.lib.tasks import jobs_sweep_task
from tests.hms.test_outbox import broker_url as broker_url  # a fixture
from tests.hms.test_outbox import closed_port
from tests.units.factories import UserFactory

CALLS: list[str] = []


def hello_work(job: Job) -> Download:
    CALLS.append(str(job.pk))
    return Download(
        content=f"hei {job.params['name']}".encode(),
        file_name="hilsen.txt",
        content_type="text/plain; charset=utf-8",
    )


@shared_task(name="tests.hms.test_jobs.hello_task")
def hello_task(job_id: str) -> str:
    return jobs.job_run(job_id, work=hello_work)


@pytest.fixture(autouse=True)
def _calls():
    """No work done yet, and Norwegian, the default, active (an earlier test's request
    may have left English on)."""
    CALLS.clear()
    with translation.override("nb"):
        yield


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@example.org", full_name="Alice")


@pytest.fixture
def bob(db):
    return UserFactory(email="bob@example.org", full_name="Bob")


def start(user, **overrides) -> Job:
    args = {
        "task": hello_task,
        "title": "Hilsen",
        "requester_id": user.pk,
        "params": {"name": "Kari"},
    }
    return jobs.job_start(**(args | overrides))


def content(job: Job) -> bytes:
    with job.file.open("rb") as file:
        return file.read()


def closed(response):
    """The file a FileResponse holds, closed (closing the response itself would end the
    test's database connection: it sends request_finished)."""
    for closer in getattr(response, "_resource_closers", []):
        closer()
    return response


def test_a_job_is_a_row_enqueued_when_its_transaction_commits(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued = []
    monkeypatch.setattr(broker, "enqueue", lambda task, *args: enqueued.append((task, args)))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        job = start(alice, back_url="/deviations/?unit=ibi")
        assert enqueued == []
    assert enqueued == [(hello_task, (str(job.pk),))]
    job.refresh_from_db()
    assert (job.kind, job.status, job.language) == (
        "tests.hms.test_jobs.hello_task",
        "pending",
        "en",
    )
    assert job.requester == alice and job.params == {"name": "Kari"}
    assert job.back_url == "/deviations/?unit=ibi"
    assert job.started_at is None and job.finished_at is None and not job.file


def test_only_a_local_address_is_kept_to_lead_back_to(alice):
    assert start(alice, back_url="https://evil.example/").back_url == ""
    assert start(alice, back_url="//evil.example/").back_url == ""


def test_the_work_runs_once_and_its_file_is_kept(alice):
    job = start(alice)
    assert hello_task(str(job.pk)) == "done"
    # a redelivered task, or one the sweep sent again, finds the job claimed
    assert hello_task(str(job.pk)) == "skipped"
    assert [str(job.pk)] == CALLS
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == ("done", 100, "")
    assert job.started_at <= job.finished_at
    assert (job.file_name, job.content_type) == ("hilsen.txt", "text/plain; charset=utf-8")
    assert job.file.name.startswith(f"jobs/{job.pk}/")
    assert content(job) == b"hei Kari"


def test_a_job_that_is_gone_is_skipped(db):
    import uuid

    assert jobs.job_run(str(uuid.uuid4()), work=hello_work) == "skipped"
    assert CALLS == []


def test_an_expected_failure_tells_the_requester_why(alice):
    def refused(job: Job) -> Download:
        raise jobs.JobFailed("Du har ikke lenger tilgang.")

    job = start(alice)
    assert jobs.job_run(str(job.pk), work=refused) == "failed"
    job.refresh_from_db()
    assert (job.status, job.error, bool(job.file)) == (
        "failed",
        "Du har ikke lenger tilgang.",
        False,
    )


def test_an_unexpected_failure_is_logged_and_told_in_general_words(alice, caplog):
    def broken(job: Job) -> Download:
        raise KeyError("the secret internals")

    job = start(alice)  # requested in Norwegian
    with caplog.at_level(logging.ERROR, logger="hms.lib.jobs"):
        assert jobs.job_run(str(job.pk), work=broken) == "failed"
    job.refresh_from_db()
    assert job.error.startswith("Noe gikk galt") and "secret" not in job.error
    assert any("the secret internals" in r.exc_text for r in caplog.records if r.exc_text)


def test_the_work_runs_in_the_requesters_language(alice):
    def language(job: Job) -> Download:
        return Download(
            content=translation.get_language().encode(), file_name="l", content_type="t"
        )

    with translation.override("en"):
        job = start(alice)
    jobs.job_run(str(job.pk), work=language)
    job.refresh_from_db()
    assert content(job) == b"en"


@pytest.mark.parametrize(("language", "line"), [("nb", b"12,5"), ("en", b"12.5")])
def test_a_csv_made_by_a_job_has_the_decimal_separator_of_the_requesters_ui(alice, language, line):
    """Issue 11 item 11: the export's numbers follow the UI language it was asked in, also
    when a worker makes the file (in the default language, Norwegian)."""

    def export(job: Job) -> Download:
        return table_export(Table(headers=["x"], rows=[[Decimal("12.5")]]), fmt="csv", name="x")

    with translation.override(language):
        job = start(alice)
    jobs.job_run(str(job.pk), work=export)
    job.refresh_from_db()
    assert content(job).split(b"\r\n")[1] == line


def test_progress_is_written_when_the_percent_changes(alice, django_assert_num_queries):
    job = start(alice)
    Job.objects.filter(pk=job.pk).update(status="running")
    # steps 0-9 of 300 are 0, 1, 2 and 3 %: four updates, not ten
    with django_assert_num_queries(4):
        for done in range(10):
            jobs.job_progress(job, done, 300)
    assert Job.objects.get(pk=job.pk).progress == 3


# -- the page and the file ----------------------------------------------------------------


def done_job(user) -> Job:
    job = start(user)
    hello_task(str(job.pk))
    job.refresh_from_db()
    return job


def test_the_requester_follows_a_job_and_htmx_asks_again_while_it_waits(alice, login):
    job = start(alice)
    client = login(alice)
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1" in html and "Hilsen" in html
    assert f'hx-get="/jobs/{job.pk}/" hx-trigger="every 2s"' in html
    assert "no-store" in page["Cache-Control"]
    fragment = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<div id="job-status"')
    assert "<html" not in fragment.content.decode() and "HX-Request" in fragment["Vary"]
    # while it waits there is no file
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404


def test_a_done_job_offers_its_file_and_asks_no_more(alice, login):
    job = done_job(alice)
    client = login(alice)
    html = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in html
    assert reverse("job_file", args=[job.pk]) in html and "hilsen.txt" in html
    response = client.get(reverse("job_file", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hei Kari"
    closed(response)
    assert response["Content-Disposition"] == 'attachment; filename="hilsen.txt"'
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"]


def test_a_failed_job_says_why(alice, login):
    job = start(alice)
    Job.objects.filter(pk=job.pk).update(status="failed", error="Filen ble ikke laget.")
    html = login(alice).get(job.get_absolute_url()).content.decode()
    assert "Filen ble ikke laget." in html and "hx-trigger" not in html


def test_only_the_requester_and_superusers_see_a_job(alice, bob, login, client):
    job = done_job(alice)
    urls = [job.get_absolute_url(), reverse("job_file", args=[job.pk])]
    for url in urls:
        assert login(bob).get(url).status_code == 404
    admin = UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    for url in urls:
        assert closed(login(admin).get(url)).status_code == 200
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "no-store" in response["Cache-Control"]
    assert client.get("/jobs/not-a-uuid/").status_code == 404


# -- the sweep ----------------------------------------------------------------------------


def test_the_sweep_enqueues_what_no_worker_took_and_not_too_often(alice, monkeypatch):
    enqueued = []
    monkeypatch.setattr(jobs, "enqueue", lambda task, *args: enqueued.append(args) or True)
    job = start(alice)
    now = timezone.now()
    assert jobs.jobs_sweep(now=now)["enqueued"] == 0  # just requested: its own task may come
    later = now + jobs.ENQUEUE_AGAIN_AFTER + datetime.timedelta(seconds=1)
    assert jobs.jobs_sweep(now=later)["enqueued"] == 1
    assert enqueued == [(str(job.pk),)]
    job.refresh_from_db()
    assert job.enqueued_at == later
    assert jobs.jobs_sweep(now=later + datetime.timedelta(minutes=1))["enqueued"] == 0
    assert jobs.jobs_sweep(now=later + jobs.ENQUEUE_AGAIN_EVERY * 2)["enqueued"] == 1
    # once a worker took it, the sweep leaves it
    hello_task(str(job.pk))
    assert jobs.jobs_sweep(now=later + jobs.ENQUEUE_AGAIN_EVERY * 4)["enqueued"] == 0


def test_the_sweep_gives_up_a_job_whose_task_is_unknown(alice):
    job = start(alice, task=hello_task)
    Job.objects.filter(pk=job.pk).update(kind="nowhere.tasks.gone_task")
    result = jobs.jobs_sweep(now=timezone.now() + datetime.timedelta(minutes=2))
    job.refresh_from_db()
    assert result["given_up"] == 1 and job.status == "failed" and job.error


def test_the_sweep_gives_up_a_job_whose_worker_is_gone(alice, settings):
    job = start(alice)
    started = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    Job.objects.filter(pk=job.pk).update(status="running", started_at=started)
    assert jobs.jobs_sweep()["given_up"] == 0  # it may still be running
    Job.objects.filter(pk=job.pk).update(started_at=started - jobs.RUNNING_GRACE)
    assert jobs_sweep_task()["given_up"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith("Arbeidet ble avbrutt")
    # the worker, should it come back, does not overwrite that
    assert jobs._finish(job, Job.Status.DONE) == "skipped"


def test_the_sweep_deletes_old_jobs_with_their_files(alice, settings):
    old, recent = done_job(alice), done_job(alice)
    name = old.file.name
    assert default_storage.exists(name)
    keep = datetime.timedelta(hours=settings.HMS_JOB_KEEP_HOURS)
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - keep - datetime.timedelta(1))
    assert jobs.jobs_sweep()["deleted"] == 1
    assert list(Job.objects.all()) == [recent]
    assert not default_storage.exists(name)


def test_a_finished_job_given_up_meanwhile_leaves_no_file(alice):
    job = start(alice)
    Job.objects.filter(pk=job.pk).update(status="running")
    name = default_storage.save(f"jobs/{job.pk}/x.txt", ContentFile(b"x"))
    assert jobs._finish(job, Job.Status.FAILED) == "failed"
    assert jobs._finish(job, Job.Status.DONE, file=name) == "skipped"
    assert not default_storage.exists(name)


# -- the broker ----------------------------------------------------------------------------


def test_with_the_broker_down_a_job_starts_at_once_and_waits_for_the_sweep(
    alice,
    broker_url,
    django_capture_on_commit_callbacks,
):
    broker_url(f"redis://127.0.0.1:{closed_port()}/0")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        job = start(alice)
    assert time.monotonic() - started < 5  # a second's connect limit, retried once
    job.refresh_from_db()
    assert job.status == "pending"  # the row waits; the sweep enqueues it later


def test_without_a_broker_the_job_runs_at_once(alice, settings, django_capture_on_commit_callbacks):
    """With no broker configured (`make run`), tasks run eagerly: the job is done once its
    request commits."""
    from hms.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job = start(alice)
    finally:
        app.conf.task_always_eager = eager
    job.refresh_from_db()
    assert job.status == "done" and content(job) == b"hei Kari"
