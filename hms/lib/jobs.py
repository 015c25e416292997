"""Jobs: work a user waits for, as a row (`hms.lib.models.Job`), in the style of pretix's
AsyncAction. A request that would take too long (the case export of all of NTNU over ten
years took 49 s, past gunicorn's timeout) starts a job instead and shows its page.

- `job_start` writes the row and enqueues the app's Celery task once the transaction
  commits (`hms.lib.broker.enqueue_on_commit`: the request never waits for the broker).
  With the broker away the row waits; `jobs_sweep` (Celery beat, every minute) enqueues
  pending jobs that no worker took.
- The app's task is thin: `job_run(job_id, work=<a plain function of the app>)`, e.g.
  `deviations.tasks.cases_export_task`. `job_run` claims the job with a conditional
  UPDATE (pending to running), so a redelivered task, or one the sweep sent again, does
  nothing; runs the work in the requester's language; keeps the file it returns; and
  records the end. A `JobFailed` from the work is an expected failure whose message the
  requester reads; anything else is logged and reported to them in general words.
- `job_for_user` is the one way to a job from a request: its requester (and superusers)
  see it, everyone else gets 404.
- A job that ran longer than a task may (the worker was killed) is marked failed by the
  sweep; finished jobs are deleted with their files after `HMS_JOB_KEEP_HOURS`, since an
  export may hold health data.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .broker import enqueue, enqueue_on_commit
from .exports import Download, file_name_safe
from .models import Job

logger = logging.getLogger(__name__)

# A pending job not taken this long after it was requested (or last enqueued) is sent again.
ENQUEUE_AGAIN_AFTER = datetime.timedelta(minutes=1)
ENQUEUE_AGAIN_EVERY = datetime.timedelta(minutes=5)
# A running job's worker is gone when it runs this much longer than a task may.
RUNNING_GRACE = datetime.timedelta(minutes=5)
SWEEP_BATCH = 100

Work = Callable[[Job], Download]


class JobFailed(Exception):
    """An expected failure of a job's work: `message` (translated) is what the requester
    reads on the job's page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def job_start(
    *,
    task: Task,
    title: str,
    requester_id: int,
    params: dict[str, Any] | None = None,
    back_url: str = "",
) -> Job:
    """A job for `requester_id`, done by `task` (called with the job's id once the
    caller's transaction commits); `title` says what it makes, in the active language,
    which the work runs in too; `params` are what the work needs (JSON)."""
    job = Job.objects.create(
        kind=task.name,
        title=title[:200],
        requester_id=requester_id,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        params=params or {},
        back_url=back_url if back_url.startswith("/") and not back_url.startswith("//") else "",
    )
    enqueue_on_commit(task, str(job.pk))
    return job


def job_run(job_id: str, *, work: Work) -> str:
    """Do the job `job_id` with `work`, unless another run has claimed it (or it is gone):
    returns the status it ended in, or "skipped". Safe to run twice and in parallel."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), progress=None
    )
    if not claimed:
        return "skipped"
    job = Job.objects.select_related("requester").get(pk=job_id)
    try:
        with translation.override(job.language):
            download = work(job)
            file = ContentFile(download.content, name=file_name_safe(download.file_name))
            job.file.save(file.name, file, save=False)
    except JobFailed as failed:
        return _finish(job, Job.Status.FAILED, error=failed.message)
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        with translation.override(job.language):
            error = _(
                "Something went wrong, and the file was not made. The error has been "
                "logged; try again later."
            )
        return _finish(job, Job.Status.FAILED, error=error)
    return _finish(
        job,
        Job.Status.DONE,
        file=job.file.name,
        file_name=file_name_safe(download.file_name),
        content_type=download.content_type,
        progress=100,
    )


def _finish(job: Job, status: str, **fields: Any) -> str:
    """The end of a running job, unless the sweep gave it up meanwhile."""
    ended = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=status, finished_at=timezone.now(), **fields
    )
    if not ended:
        logger.warning("Job %s ended after it was given up", job.pk)
        if fields.get("file"):
            job.file.storage.delete(fields["file"])
        return "skipped"
    return status


def job_progress(job: Job, done: int, total: int) -> None:
    """Tell the job's page how far the work is: `done` of `total` steps. Writes only when
    the whole percent changes (at most a hundred small updates)."""
    percent = min(100, done * 100 // total) if total else 0
    if percent != job.progress:
        job.progress = percent
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(progress=percent)


def job_for_user(request: HttpRequest, pk: uuid.UUID) -> Job:
    """The job `pk` if the current user requested it (or is a superuser); 404 otherwise,
    so that nobody learns whose jobs exist."""
    job = Job.objects.filter(pk=pk).first()
    user = request.user
    if job is None or not user.is_authenticated:
        raise Http404
    if job.requester_id != user.pk and not user.is_superuser:
        raise Http404
    return job


def jobs_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every minute (Celery beat): enqueue again the pending jobs no worker took (the
    broker was away when they were requested, or a queue lost them); give up the running
    jobs whose worker is gone; delete finished jobs, with their files, older than
    `HMS_JOB_KEEP_HOURS`."""
    now = now or timezone.now()
    result = {"enqueued": 0, "given_up": 0, "deleted": 0}
    waiting = Job.objects.filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - ENQUEUE_AGAIN_EVERY),
        status=Job.Status.PENDING,
        created_at__lt=now - ENQUEUE_AGAIN_AFTER,
    ).order_by("created_at")[:SWEEP_BATCH]
    for job in waiting:
        task = current_app.tasks.get(job.kind)
        if task is None:
            logger.error("Job %s: no task %s", job.pk, job.kind)
            Job.objects.filter(pk=job.pk, status=Job.Status.PENDING).update(
                status=Job.Status.FAILED, finished_at=now, error=_gone_error(job)
            )
            result["given_up"] += 1
            continue
        if enqueue(task, str(job.pk)):
            Job.objects.filter(pk=job.pk).update(enqueued_at=now)
            result["enqueued"] += 1
    limit = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + RUNNING_GRACE
    for job in Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=now - limit):
        logger.error("Job %s (%s) given up: its worker is gone", job.pk, job.kind)
        result["given_up"] += Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED, finished_at=now, error=_gone_error(job)
        )
    keep = datetime.timedelta(hours=settings.HMS_JOB_KEEP_HOURS)
    for job in Job.objects.filter(finished_at__lt=now - keep)[:SWEEP_BATCH]:
        if job.file:
            job.file.delete(save=False)
        job.delete()
        result["deleted"] += 1
    return result


def _gone_error(job: Job) -> str:
    with translation.override(job.language):
        return _("The work was interrupted before the file was made. Start it again.")
