"""The annual self-report: questionnaires as data, one per year.

A question keeps its `key` from year to year while its wording may change; a new question
gets a new key; a retired question is simply absent from later years' questionnaires and
keeps its history in the years it was asked. A retired matrix row stays in the
questionnaire of the year it was retired, marked `retired`, so the year-before comparison
can show it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hms.lib import bounds


class QuestionType(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no")
    YES_NO_DK = "yes_no_dk", _("Yes / no / don't know")
    YES_NO_NA = "yes_no_na", _("Yes / no / not applicable")
    DEGREE4 = "degree4", _("Degree 1–4 with don't know")
    SHARE_BAND = "share_band", _("Share bands")
    TEXT = "text", _("Free text")
    NUMBER = "number", _("Number")
    MATRIX = "matrix", _("Matrix (rows × columns)")


class Questionnaire(models.Model):
    """The annual self-report questionnaire of one year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title_nb = models.CharField(_("title (Norwegian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-year"]
        constraints = [bounds.year_constraint("questionnaire")]

    def __str__(self) -> str:
        return f"{self.year}"

    @property
    def title(self) -> str:
        return self.title_en if get_language() == "en" else self.title_nb


class Section(models.Model):
    """A heading that groups questions."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title_nb = models.CharField(_("title (Norwegian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.title_en if get_language() == "en" else self.title_nb


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    key = models.SlugField(_("key"), max_length=40)
    number = models.CharField(_("number"), max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(_("order"))
    type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    text_nb = models.TextField(_("text (Norwegian)"))
    text_en = models.TextField(_("text (English)"))
    help_nb = models.TextField(_("help text (Norwegian)"), blank=True)
    help_en = models.TextField(_("help text (English)"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    # A follow-up is shown only when its parent's answer is one of `show_when`.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    show_when = models.JSONField(_("shown when the parent's answer is"), default=list, blank=True)
    matrix_columns = models.JSONField(_("matrix columns"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="unique_question_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.text}"

    @property
    def text(self) -> str:
        return self.text_en if get_language() == "en" else self.text_nb

    @property
    def answer_rows(self) -> list[str]:
        """The row keys this question is answered in: each matrix row, or "" once.
        Uses the prefetched rows."""
        return [r.key for r in self.rows.all()] if self.type == "matrix" else [""]


class MatrixRow(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="rows")
    key = models.SlugField(_("key"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))
    text_nb = models.TextField(_("text (Norwegian)"))
    text_en = models.TextField(_("text (English)"))
    retired = models.BooleanField(_("retired"), default=False)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("matrix row")
        verbose_name_plural = _("matrix rows")
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="unique_matrix_row_key"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def text(self) -> str:
        return self.text_en if get_language() == "en" else self.text_nb


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Response(models.Model):
    """One unit's answer to one year's questionnaire, given by its leader and safety rep
    together (or imported from the old form tool)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(
        _("status"), max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The safety rep confirms what the leader submitted.
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_from = models.CharField(_("imported from"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "unit"], name="one_response_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.year} {self.unit.code}"

    @property
    def is_draft(self) -> bool:
        return self.status == ResponseStatus.DRAFT


class Answer(models.Model):
    """The answer to one question (or one matrix row) of a response: an answer code, or
    text for free-text questions. Who gave it and when is kept, with its history."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    row = models.ForeignKey(
        MatrixRow, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    value = models.TextField(_("answer"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=models.Q(row__isnull=True),
                name="one_answer_per_question",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "row"],
                condition=models.Q(row__isnull=False),
                name="one_answer_per_matrix_row",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.key}={self.value}"

    @property
    def who(self) -> str:
        """The name of the person who gave the answer ("" when imported)."""
        user = self.answered_by
        return (user.full_name or user.email) if user is not None else ""


class Reopening(models.Model):
    """HSE staff reopened a submitted response; the reason is kept."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="reopenings")
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened_at = models.DateTimeField(_("reopened"), auto_now_add=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("reopening")
        verbose_name_plural = _("reopenings")
        ordering = ["-reopened_at"]

    def __str__(self) -> str:
        return f"{self.response} reopened {self.reopened_at:%Y-%m-%d}"


class AttachmentKind(models.TextChoices):
    HSE_GOALS = "hse_goals", _("HSE goals")
    ACTION_PLAN = "action_plan", _("HSE action plan")
    OTHER = "other", _("Other")


class Attachment(models.Model):
    """A document uploaded with a response: the unit's HSE goals, its action plan."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to="attachments/%Y/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.name


# The reminder of a round goes at most this many days before its deadline.
REMIND_DAYS_MAX = 60


class ReportingRound(models.Model):
    """The round of one year's self-report: which units answer, from when, by when.
    Each unit's leader and safety rep get the invitation on the opening date and
    reminders `remind_days_before` days before the deadline and on the day after it."""

    questionnaire = models.OneToOneField(
        Questionnaire, on_delete=models.PROTECT, related_name="round"
    )
    opens_on = models.DateField(_("opening date"))
    deadline = models.DateField(_("deadline"))
    remind_days_before = models.PositiveSmallIntegerField(
        _("reminder, days before the deadline"), default=3
    )
    units = models.ManyToManyField("units.Unit", related_name="reporting_rounds")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(m2m_fields=[units])

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("opens_on")),
                name="round_deadline_not_before_opening",
            ),
            bounds.date_constraint("reporting_round", "opens_on"),
            bounds.date_constraint("reporting_round", "deadline"),
            bounds.in_range_constraint(
                "reporting_round",
                "remind_days_before",
                earliest=0,
                latest=REMIND_DAYS_MAX,
                latest_included=True,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.year}"


class NoticeKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    REMINDER = "reminder", _("Reminder before the deadline")
    OVERDUE = "overdue", _("Reminder after the deadline")


class RoundNotice(models.Model):
    """An e-mail sent to one unit in a round; at most one of each kind, so a task that
    runs twice sends nothing twice."""

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="notices")
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    recipients = models.TextField(_("recipients"), blank=True)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit", "kind"], name="one_notice_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.unit_id} {self.kind}"
