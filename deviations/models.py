"""Deviations, undesired events and improvement suggestions: reports, their case handling,
injuries (the injury register of the Working Environment Act § 5-1) and categories.

A report's reporter is named, confidential (stored, shown only to HSE section staff) or
anonymous: then no identity is stored at all, and the reporter follows the case with a
receipt code of which only a hash is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hms.lib import bounds
from units.models import Campus

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    StrOrPromise = str | _StrPromise


class CategoryScheme(models.Model):
    """A two-level category scheme, valid for a period. A report is categorised in the
    scheme in force on the day it was reported, and counted in it."""

    name_nb = models.CharField(_("name (Norwegian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("category scheme")
        verbose_name_plural = _("category schemes")
        ordering = ["-valid_from"]
        constraints = [
            bounds.date_constraint(
                "category_scheme", "valid_from", earliest=bounds.DB_ORGANISATION_EARLIEST
            ),
            bounds.date_constraint(
                "category_scheme", "valid_to", null=True, earliest=bounds.DB_ORGANISATION_EARLIEST
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name_nb

    def clean(self) -> None:
        """A period that ends after it starts and overlaps no other scheme, so that one
        scheme is in force on any day."""
        if self.valid_from is None:
            return  # the field's own error says so
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The scheme cannot end before it starts.")})
        overlapping = CategoryScheme.objects.exclude(pk=self.pk).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=self.valid_from)
        )
        if self.valid_to is not None:
            overlapping = overlapping.filter(valid_from__lte=self.valid_to)
        other = overlapping.first()
        if other is not None:
            raise ValidationError(
                _("The period overlaps that of %(scheme)s: end that scheme first.")
                % {"scheme": other.name}
            )


class Category(models.Model):
    """A main category (no parent) or a subcategory of one."""

    scheme = models.ForeignKey(CategoryScheme, on_delete=models.CASCADE, related_name="categories")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.SlugField(_("code"), max_length=60)
    name_nb = models.CharField(_("name (Norwegian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Closing a case in this category needs a cause analysis and at least one measure.
    requires_cause_and_measure = models.BooleanField(
        _("closing needs a cause and a measure"), default=False
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["scheme", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="unique_category_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_nb

    def clean(self) -> None:
        """Two levels: a subcategory's parent is a main category of the same scheme."""
        if self.parent_id is None:
            return
        parent = self.parent
        assert parent is not None
        if parent.scheme_id != self.scheme_id:
            raise ValidationError(
                {"parent": _("The main category must belong to the same scheme.")}
            )
        if parent.parent_id is not None:
            raise ValidationError(
                {"parent": _("Choose a main category: subcategories have no subcategories.")}
            )
        if self.pk is not None and self.children.exists():
            raise ValidationError(
                {"parent": _("This category has subcategories, so it must stay a main category.")}
            )


class Kind(models.TextChoices):
    EVENT = "event", _("Undesired event or deviation")
    SUGGESTION = "suggestion", _("Improvement suggestion")


class Identity(models.TextChoices):
    NAMED = "named", _("With my name")
    CONFIDENTIAL = "confidential", _("Confidential: my name is shown only to the HSE section")
    ANONYMOUS = "anonymous", _("Anonymous: my identity is not stored")


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    MEASURES = "measures", _("Measures")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.MEASURES)


class Severity(models.IntegerChoices):
    """The consequence scale shared with risk assessments."""

    INSIGNIFICANT = 1, _("1 insignificant")
    MINOR = 2, _("2 minor")
    SERIOUS = 3, _("3 serious")
    VERY_SERIOUS = 4, _("4 very serious")
    CATASTROPHIC = 5, _("5 catastrophic")


def _severity(label: StrOrPromise) -> models.PositiveSmallIntegerField:  # type: ignore[type-arg]
    return models.PositiveSmallIntegerField(label, choices=Severity.choices, null=True, blank=True)


SEVERITY_FIELDS = (
    "actual_people",
    "actual_environment",
    "actual_material",
    "potential_people",
    "potential_environment",
    "potential_material",
)


class Deviation(models.Model):
    """A report of an undesired event or deviation, or an improvement suggestion, and its
    case."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"))
    reported_at = models.DateTimeField(_("reported"))
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="deviations")
    campus = models.CharField(_("campus"), max_length=20, blank=True, choices=Campus.choices)
    building = models.CharField(_("building"), max_length=200, blank=True)
    room = models.CharField(_("room"), max_length=100, blank=True)
    location = models.CharField(_("where, in your words"), max_length=300, blank=True)
    description = models.TextField(_("what happened"))
    # The description as reported, kept for HSE staff when a handler redacts personal details.
    description_original = models.TextField(blank=True)
    immediate_action = models.TextField(_("what was done at once"), blank=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="deviations")

    actual_people = _severity(_("actual consequence for people"))
    actual_environment = _severity(_("actual consequence for the external environment"))
    actual_material = _severity(_("actual consequence for material"))
    potential_people = _severity(_("potential consequence for people"))
    potential_environment = _severity(_("potential consequence for the external environment"))
    potential_material = _severity(_("potential consequence for material"))

    identity = models.CharField(_("reported"), max_length=20, choices=Identity.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_deviations",
    )
    receipt_hash = models.CharField(max_length=128, blank=True)  # anonymous follow-up
    # SHA-256 of the report form's one-time token: a resubmission finds this report.
    submission_hash = models.CharField(max_length=64, blank=True, editable=False)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_deviations",
    )
    deadline = models.DateField(_("closing deadline"), null=True, blank=True)
    cause = models.TextField(_("cause analysis"), blank=True)
    rejection_reason = models.TextField(_("reason for rejecting"), blank=True)
    lesson = models.TextField(_("lesson learned"), blank=True)
    lesson_shared = models.BooleanField(_("share the lesson learned"), default=False)
    # What the handler tells the reporter: shown on "My reports", the receipt-code page and
    # in the closing e-mail.
    reporter_feedback = models.TextField(_("feedback to the reporter"), blank=True)
    # Why the case was last reopened after it was closed or rejected (each reason is kept
    # in the case's history).
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    imported_from = models.CharField(_("imported from"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    # The categories are in the history too (`HistoricalDeviation.categories`: the rows of
    # the categories at each record). A write that changes them makes one record in all,
    # not one for each category removed and added: see `services.deviation_report` and
    # `deviations_history_create`, and `cases.case_update`.
    history = HistoricalRecords(
        excluded_fields=["reporter", "receipt_hash", "submission_hash"],
        m2m_fields=["categories"],
    )

    class Meta:
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["reported_at"]),
            models.Index(fields=["unit", "reported_at"]),
            models.Index(fields=["status", "deadline"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_hash"],
                condition=~models.Q(submission_hash=""),
                name="unique_deviation_submission",
            ),
            # what the forms and the import let through is kept in bounds (`hms.lib.bounds`):
            # a timestamp before year 1 cannot even be read back
            bounds.moment_constraint("deviation", "occurred_at"),
            bounds.moment_constraint("deviation", "reported_at"),
            bounds.moment_constraint("deviation", "closed_at", null=True),
            bounds.date_constraint("deviation", "deadline", null=True),
            *(
                bounds.in_range_constraint(
                    "deviation", name, earliest=1, latest=5, latest_included=True, null=True
                )
                for name in SEVERITY_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Photo(models.Model):
    deviation = models.ForeignKey(Deviation, on_delete=models.CASCADE, related_name="photos")
    file = models.ImageField(_("photo"), upload_to="deviations/%Y/")
    # An anonymous report's photos take its time, the hour it came in (not auto_now_add).
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.file.name


class ReminderRun(models.Model):
    """One day's run of the overdue reminders, claimed before the e-mails go out, so that
    a second run on the same day (a retried or duplicated task) sends nothing again."""

    day = models.DateField(_("day"), unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    cases = models.PositiveIntegerField(default=0)
    emails = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("run of the overdue reminders")
        verbose_name_plural = _("runs of the overdue reminders")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.emails} e-mails"


class InjuredKind(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    STUDENT = "student", _("Student")
    OTHER = "other", _("Other")


class Absence(models.TextChoices):
    NONE = "none", _("No absence")
    LE3 = "le3", _("Absence of 3 days or less")
    GT3 = "gt3", _("Absence of more than 3 days")
    UNKNOWN = "unknown", _("Absence of unknown length")


class Injury(models.Model):
    """A personal injury, as the injury register of the Working Environment Act § 5-1 asks.
    Only the case handler, the unit's leader and HSE staff see who was injured; each view
    of the injured person's details is logged (`InjuryView`). Diagnosis and medical detail
    only with the injured person's recorded consent, and gone from the history too when it
    is withdrawn."""

    deviation = models.OneToOneField(Deviation, on_delete=models.CASCADE, related_name="injury")
    injured_kind = models.CharField(
        _("who was injured"), max_length=20, choices=InjuredKind.choices
    )
    injured_name = models.CharField(_("name of the injured"), max_length=200, blank=True)
    work = models.CharField(_("what work was being done"), max_length=300, blank=True)
    course_of_events = models.TextField(_("course of events"), blank=True)
    causes = models.TextField(_("causes"), blank=True)
    injury = models.CharField(_("the injury"), max_length=300, blank=True)
    # blank: not yet assessed (an injury reported with the report, until its handler
    # completes the register); counted as no lost-time injury until then
    absence = models.CharField(_("absence"), max_length=20, choices=Absence.choices, blank=True)
    medical_treatment = models.BooleanField(_("needed medical treatment"), default=False)
    alternative_work = models.BooleanField(_("needed alternative work"), default=False)
    fatal = models.BooleanField(_("fatal"), default=False)
    nav_reported = models.BooleanField(_("reported to NAV"), default=False)
    nav_reported_on = models.DateField(_("reported to NAV on"), null=True, blank=True)
    medical_consent = models.BooleanField(
        _("the injured person consents to medical details being recorded"), default=False
    )
    medical_details = models.TextField(_("diagnosis and medical details"), blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("injury")
        verbose_name_plural = _("injuries")
        constraints = [bounds.date_constraint("injury", "nav_reported_on", null=True)]

    def __str__(self) -> str:
        return f"{self.deviation.reference} injury"


class InjuryView(models.Model):
    """Who saw an injured person's details, when."""

    injury = models.ForeignKey(Injury, on_delete=models.CASCADE, related_name="views")
    viewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("view of injury details")
        verbose_name_plural = _("views of injury details")
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.injury_id} {self.viewed_at:%Y-%m-%d %H:%M}"
