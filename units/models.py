"""The organisation: units with their history, safety areas, people, roles, and each
unit's systematic HSE work (goals, delegated tasks, leader–safety-rep meetings)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hms.lib import bounds

# Units, roles and successions may start long before the records of this system.
ORGANISATION_EARLIEST = bounds.DB_ORGANISATION_EARLIEST


class LanguageChoice(models.TextChoices):
    NB = "nb", _("Norwegian bokmål")
    EN = "en", _("English")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person at NTNU. Signs in with e-mail and password or through Feide."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=200)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=2,
        choices=LanguageChoice.choices,
        default=LanguageChoice.NB,
    )
    # Feide's stable identifier (eduPersonPrincipalName, e.g. "ola@ntnu.no"). Users from
    # Feide are matched on this or on the OIDC `sub`, never on the e-mail address.
    feide_id = models.CharField(_("Feide id"), max_length=200, unique=True, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [
            # One address, one account: "Kari@ntnu.no" and "kari@ntnu.no" are one address.
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ignoring_case",
                violation_error_message=_("Another account has this e-mail address."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Campus(models.TextChoices):
    TRONDHEIM = "trondheim", _("Trondheim")
    GJOVIK = "gjovik", _("Gjøvik")
    ALESUND = "alesund", _("Ålesund")


class UnitKind(models.TextChoices):
    UNIVERSITY = "university", _("University")
    FACULTY = "faculty", _("Faculty")
    MUSEUM = "museum", _("Museum")
    ADMINISTRATION = "administration", _("Central administration")
    FACULTY_ADMINISTRATION = "faculty_administration", _("Faculty administration")
    INSTITUTE = "institute", _("Institute")
    DEPARTMENT = "department", _("Department")
    SECTION = "section", _("Section")
    GROUP = "group", _("Group")


def valid_on_q(day: datetime.date) -> Q:
    """Rows whose `valid_from` / `valid_to` (inclusive) period contains `day`."""
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def period_constraint(name: str) -> models.CheckConstraint:
    """An open period, or one that ends on or after it starts."""
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")), name=name
    )


class ValidityQuerySet(models.QuerySet):
    """Rows with a `valid_from` / `valid_to` (inclusive) period."""

    def valid_on(self, day: datetime.date) -> ValidityQuerySet:
        return self.filter(valid_on_q(day))


class Unit(models.Model):
    """An organisational unit: NTNU (level 1), faculty / museum / central administration
    (level 2), institute / department / section (level 3), group (level 4).

    A unit is never deleted: it is closed (`valid_to`) and may be succeeded by other
    units through `UnitSuccession`, so records of earlier years stay where they were.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nb = models.CharField(_("name (Norwegian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    level = models.PositiveSmallIntegerField(_("level"))
    campus = models.CharField(
        _("campus"), max_length=20, choices=Campus.choices, default=Campus.TRONDHEIM
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    answers_self_report = models.BooleanField(_("answers the annual self-report"), default=False)
    safety_area = models.ForeignKey(
        "SafetyArea",
        verbose_name=_("safety area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
    )
    version = models.PositiveIntegerField(default=1)

    objects = ValidityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["level", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4), name="unit_level_1_to_4"
            ),
            period_constraint("unit_valid_to_after_from"),
            bounds.date_constraint("unit", "valid_from", earliest=ORGANISATION_EARLIEST),
            bounds.date_constraint("unit", "valid_to", null=True, earliest=ORGANISATION_EARLIEST),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_nb

    @property
    def label(self) -> str:
        return self.short_name or self.code.upper()

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class SuccessionKind(models.TextChoices):
    MERGER = "merger", _("Merged into")
    SPLIT = "split", _("Split into")
    RENAME = "rename", _("Renamed / replaced by")


class UnitSuccession(models.Model):
    """`predecessor` was (partly) continued by `successor` from `date`. Several rows with
    one predecessor are a split; several with one successor are a merger."""

    predecessor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="successions")
    successor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="predecessions")
    kind = models.CharField(_("kind"), max_length=10, choices=SuccessionKind.choices)
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unique_succession"),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="succession_not_self"
            ),
            bounds.date_constraint("unit_succession", "date", earliest=ORGANISATION_EARLIEST),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor.code} → {self.successor.code} ({self.date})"


class MainSafetyArea(models.Model):
    """Hovedverneområde: a faculty, the museum, an area of the central administration, or
    a campus. Each has a local chief safety representative."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nb = models.CharField(_("name (Norwegian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("main safety area")
        verbose_name_plural = _("main safety areas")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" else self.name_nb


class SafetyArea(models.Model):
    """Verneområde: the area a safety representative covers."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nb = models.CharField(_("name (Norwegian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    main_area = models.ForeignKey(
        MainSafetyArea,
        verbose_name=_("main safety area"),
        on_delete=models.PROTECT,
        related_name="areas",
    )

    class Meta:
        verbose_name = _("safety area")
        verbose_name_plural = _("safety areas")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" else self.name_nb


class Role(models.TextChoices):
    # Held in a unit
    LEADER = "leader", _("Unit leader")
    SAFETY_REP = "safety_rep", _("Safety representative")
    DEPUTY_SAFETY_REP = "deputy_safety_rep", _("Deputy safety representative")
    LOCAL_CHIEF_SAFETY_REP = "local_chief_safety_rep", _("Local chief safety representative")
    HSE_COORDINATOR = "hse_coordinator", _("HSE coordinator")
    HR_HSE_CHIEF = "hr_hse_chief", _("HR/HSE chief")
    # Held across NTNU
    HSE_STAFF = "hse_staff", _("HSE section staff")
    AMU_MEMBER = "amu_member", _("AMU member")
    CHIEF_SAFETY_REP = "chief_safety_rep", _("Chief safety representative")


GLOBAL_ROLES = frozenset({Role.HSE_STAFF, Role.AMU_MEMBER, Role.CHIEF_SAFETY_REP})
UNIT_ROLES = frozenset(set(Role) - GLOBAL_ROLES)
# Who is a unit's safety representative: the safety rep or the deputy (the self-report is
# answered by the leader with one of them, and confirmed by one of them).
SAFETY_ROLES = frozenset({Role.SAFETY_REP, Role.DEPUTY_SAFETY_REP})


class RoleAssignment(models.Model):
    """A person holds a role, in a unit (unit roles) or across NTNU (global roles), for
    a period. Reorganisations end assignments; they are never rewritten."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ValidityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["unit__code", "role", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=sorted(GLOBAL_ROLES), unit__isnull=True)
                    | (~Q(role__in=sorted(GLOBAL_ROLES)) & Q(unit__isnull=False))
                ),
                name="role_unit_matches_role_kind",
            ),
            period_constraint("role_valid_to_after_from"),
            bounds.date_constraint("role_assignment", "valid_from", earliest=ORGANISATION_EARLIEST),
            bounds.date_constraint(
                "role_assignment", "valid_to", null=True, earliest=ORGANISATION_EARLIEST
            ),
        ]
        indexes = [models.Index(fields=["user", "valid_from"])]

    def __str__(self) -> str:
        where = self.unit.code if self.unit is not None else "NTNU"
        return f"{self.user} – {self.get_role_display()} ({where})"


class HseGoal(models.Model):
    """One of a unit's HSE goals for a year."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="hse_goals")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("goal"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("HSE goal")
        verbose_name_plural = _("HSE goals")
        ordering = ["-year", "id"]
        constraints = [bounds.year_constraint("hse_goal")]

    def __str__(self) -> str:
        return self.title


class TaskDelegation(models.Model):
    """A written delegation of an HSE task (never of the responsibility)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="task_delegations")
    task = models.CharField(_("task"), max_length=300)
    delegated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegated to"),
        on_delete=models.PROTECT,
        related_name="delegated_tasks",
    )
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ValidityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegated HSE task")
        verbose_name_plural = _("delegated HSE tasks")
        ordering = ["-valid_from", "id"]
        constraints = [
            period_constraint("delegation_valid_to_after_from"),
            bounds.date_constraint("delegation", "valid_from"),
            bounds.date_constraint("delegation", "valid_to", null=True),
        ]

    def __str__(self) -> str:
        return self.task


class SafetyMeeting(models.Model):
    """A meeting between the unit leader and the safety representative."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="safety_meetings")
    date = models.DateField(_("date"))
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("participants"), related_name="safety_meetings"
    )
    topics = models.TextField(_("topics"))
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        verbose_name = _("leader–safety-rep meeting")
        verbose_name_plural = _("leader–safety-rep meetings")
        ordering = ["-date", "-id"]
        constraints = [bounds.date_constraint("safety_meeting", "date")]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.date}"


# --- Key figures: yearly numbers from outside (hours worked, ...), imported with their source


class KeyFigureKind(models.TextChoices):
    HOURS_WORKED = "hours_worked", _("Hours worked")


class KeyFigureImport(models.Model):
    """One imported file of yearly key figures: where it came from and who imported it."""

    kind = models.CharField(_("kind"), max_length=40, choices=KeyFigureKind.choices)
    source = models.CharField(_("file"), max_length=300)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the operating-system login that ran `manage.py import_key_figures`, so that an
    # import without --user still says who ran it
    imported_by_login = models.CharField(_("imported by (login)"), max_length=150, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("key figure import")
        verbose_name_plural = _("key figure imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        who = self.imported_by_login or (str(self.imported_by) if self.imported_by_id else "")
        return f"{self.kind} {self.source}" + (f" ({who})" if who else "")


class KeyFigure(models.Model):
    """A yearly figure from outside (hours worked, ...), for all of NTNU (`unit` empty) or
    a unit, with the import it came from."""

    kind = models.CharField(_("kind"), max_length=40, choices=KeyFigureKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    source = models.ForeignKey(KeyFigureImport, on_delete=models.PROTECT, related_name="figures")

    class Meta:
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year"],
                condition=models.Q(unit__isnull=True),
                name="key_figure_one_for_ntnu_per_kind_and_year",
            ),
            models.UniqueConstraint(
                fields=["kind", "year", "unit"],
                condition=models.Q(unit__isnull=False),
                name="key_figure_one_per_unit_kind_and_year",
            ),
            bounds.year_constraint("unit_key_figure"),
            bounds.in_range_constraint("unit_key_figure", "value", earliest=0),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.value}"
