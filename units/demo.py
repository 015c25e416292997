"""The demo organisation, people and HSE work behind `manage.py seed_demo`.

Idempotent: units and people are found by code and e-mail and brought to the state
below; activity (goals, delegations, meetings) is only generated for units that have
none, so a second run changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from units.services import hse_work, roles, units

from .demo_organisation import (
    CAMPUS_MAIN_AREAS,
    FA_MAIN_AREAS,
    FACULTIES,
    LEVEL4,
    DemoUnit,
    person_name,
)
from .models import (
    HseGoal,
    MainSafetyArea,
    Role,
    RoleAssignment,
    SafetyArea,
    SafetyMeeting,
    Unit,
    User,
)

NTNU_FOUNDED = datetime.date(2016, 1, 1)  # the merged NTNU
DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo password, example.org addresses only
DEMO_DOMAIN = "example.org"

GLOBAL_PEOPLE = (
    ("hse.staff", "Hilde Sæther", Role.HSE_STAFF),
    ("hse.staff2", "Rune Aasen", Role.HSE_STAFF),
    ("chief.safety", "Gunnar Vik", Role.CHIEF_SAFETY_REP),
    ("amu.member", "Berit Lunde", Role.AMU_MEMBER),
    ("amu.member2", "Tor Aune", Role.AMU_MEMBER),
)


@dataclass
class SeedReport:
    units: int = 0
    users: int = 0
    roles: int = 0
    goals: int = 0
    delegations: int = 0
    meetings: int = 0


class _People:
    """Creates demo users with one pre-computed password hash (hashing the same password
    hundreds of times would take minutes)."""

    def __init__(self, report: SeedReport) -> None:
        self.password = make_password(DEMO_PASSWORD)
        self.report = report
        self.index = 0

    def get(self, local_part: str, name: str | None = None, language: str = "nb") -> User:
        email = f"{local_part}@{DEMO_DOMAIN}"
        self.index += 1
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create(
                email=email,
                full_name=name or person_name(self.index),
                password=self.password,
                preferred_language=language,
            )
            self.report.users += 1
        return user


def _assign(
    report: SeedReport,
    user: User,
    role: str,
    unit: Unit | None,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
) -> None:
    exists = RoleAssignment.objects.filter(
        user=user, role=role, unit=unit, valid_from=valid_from
    ).exists()
    if not exists:
        roles.role_assign(user=user, role=role, unit=unit, valid_from=valid_from, valid_to=valid_to)
        report.roles += 1


def _unit(
    report: SeedReport,
    *,
    code: str,
    parent: Unit | None,
    kind: str,
    name_nb: str,
    name_en: str,
    short_name: str,
    campus: str = "trondheim",
    reports: bool = False,
    safety_area: SafetyArea | None = None,
) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        unit = units.unit_create(
            code=code,
            name_nb=name_nb,
            name_en=name_en,
            kind=kind,
            parent=parent,
            valid_from=NTNU_FOUNDED,
            campus=campus,
            answers_self_report=reports,
            short_name=short_name,
            safety_area=safety_area,
        )
        report.units += 1
    return unit


def _main_area(code: str, name_nb: str, name_en: str) -> MainSafetyArea:
    area, _ = MainSafetyArea.objects.get_or_create(
        code=code, defaults={"name_nb": name_nb, "name_en": name_en}
    )
    return area


def _safety_area(
    demo: DemoUnit, faculty_code: str, faculty_name_nb: str, faculty_name_en: str
) -> SafetyArea:
    if demo.campus in CAMPUS_MAIN_AREAS:
        main = _main_area(*CAMPUS_MAIN_AREAS[demo.campus])
    elif demo.code in FA_MAIN_AREAS:
        main_code = FA_MAIN_AREAS[demo.code][0]
        first = next(v for v in FA_MAIN_AREAS.values() if v[0] == main_code and v[1])
        main = _main_area(*first)
    else:
        main = _main_area(f"hvo-{faculty_code}", faculty_name_nb, faculty_name_en)
    area, _ = SafetyArea.objects.get_or_create(
        code=f"vo-{demo.code}",
        defaults={
            "name_nb": f"Verneområde {demo.short_name}",
            "name_en": f"Safety area {demo.short_name}",
            "main_area": main,
        },
    )
    return area


@transaction.atomic
def seed_organisation() -> SeedReport:
    report = SeedReport()
    people = _People(report)
    ntnu = _unit(
        report,
        code="ntnu",
        parent=None,
        kind="university",
        short_name="NTNU",
        name_nb="Norges teknisk-naturvitenskapelige universitet",
        name_en="Norwegian University of Science and Technology",
    )
    _assign(report, people.get("leader.ntnu", "Tor Grande"), Role.LEADER, ntnu, NTNU_FOUNDED)
    hse_section = hse_section_group()
    for local, name, role in GLOBAL_PEOPLE:
        person = people.get(local, name)
        _assign(report, person, role, None, NTNU_FOUNDED)
        if role == Role.HSE_STAFF and not person.is_staff:
            # the HSE section maintains the unit tree, safety areas and roles in the admin
            person.is_staff = True
            person.save(update_fields=["is_staff"])
            person.groups.add(hse_section)
    people.get("employee", "Eva Ansatt")  # signs in, holds no role
    people.get("researcher", "Rahul Sharma", language="en")  # international, no role

    for faculty in FACULTIES:
        top = _unit(
            report,
            code=faculty.code,
            parent=ntnu,
            kind=faculty.kind,
            name_nb=faculty.name_nb,
            name_en=faculty.name_en,
            short_name=faculty.short_name,
        )
        _assign(report, people.get(f"leader.{faculty.code}"), Role.LEADER, top, NTNU_FOUNDED)
        _assign(report, people.get(f"hrhse.{faculty.code}"), Role.HR_HSE_CHIEF, top, NTNU_FOUNDED)
        _assign(
            report,
            people.get(f"lhvo.{faculty.code}"),
            Role.LOCAL_CHIEF_SAFETY_REP,
            top,
            datetime.date(2025, 1, 1),
        )
        for demo in faculty.units:
            area = _safety_area(demo, faculty.code, faculty.name_nb, faculty.name_en)
            unit = _unit(
                report,
                code=demo.code,
                parent=top,
                kind=demo.kind,
                name_nb=demo.name_nb,
                name_en=demo.name_en,
                short_name=demo.short_name,
                campus=demo.campus,
                reports=demo.reports,
                safety_area=area,
            )
            _staff_unit(report, people, unit)
    for parent_code, demo in LEVEL4:
        parent = Unit.objects.get(code=parent_code)
        unit = _unit(
            report,
            code=demo.code,
            parent=parent,
            kind=demo.kind,
            name_nb=demo.name_nb,
            name_en=demo.name_en,
            short_name=demo.short_name,
            reports=False,
        )
        _assign(report, people.get(f"leader.{demo.code}"), Role.LEADER, unit, NTNU_FOUNDED)
    _close_merged_units()
    return report


HSE_SECTION_GROUP = "HSE section"
HSE_SECTION_MODELS = {
    "units": ("unit", "unitsuccession", "safetyarea", "mainsafetyarea", "roleassignment", "user"),
    "deviations": ("categoryscheme", "category"),
}


def hse_section_group() -> Group:
    """The admin permissions of HSE section staff: view, add and change the organisation,
    its people and the deviation category schemes (nothing is deleted: units close, roles
    end, schemes are given an end date)."""
    group, _ = Group.objects.get_or_create(name=HSE_SECTION_GROUP)
    models = Q()
    for app, names in HSE_SECTION_MODELS.items():
        models |= Q(content_type__app_label=app, content_type__model__in=names)
    group.permissions.set(Permission.objects.filter(models, codename__regex=r"^(view|add|change)_"))
    return group


def _staff_unit(report: SeedReport, people: _People, unit: Unit) -> None:
    _assign(report, people.get(f"leader.{unit.code}"), Role.LEADER, unit, NTNU_FOUNDED)
    # Safety reps are elected for two years; the current term began in 2025.
    _assign(
        report,
        people.get(f"safety.{unit.code}"),
        Role.SAFETY_REP,
        unit,
        datetime.date(2025, 1, 1),
        datetime.date(2026, 12, 31),
    )
    _assign(
        report, people.get(f"coordinator.{unit.code}"), Role.HSE_COORDINATOR, unit, NTNU_FOUNDED
    )
    if unit.code.endswith(("-ikj", "-ibi", "-idi")):
        _assign(
            report,
            people.get(f"deputy.{unit.code}"),
            Role.DEPUTY_SAFETY_REP,
            unit,
            datetime.date(2025, 1, 1),
            datetime.date(2026, 12, 31),
        )


def _close_merged_units() -> None:
    for faculty in FACULTIES:
        for demo in faculty.units:
            if not demo.valid_to:
                continue
            unit = Unit.objects.get(code=demo.code)
            if unit.valid_to is not None:
                continue
            successors = [Unit.objects.get(code=demo.merged_into)] if demo.merged_into else []
            units.unit_close(
                unit=unit,
                last_day=datetime.date.fromisoformat(demo.valid_to),
                successors=successors,
            )


# --- Activity: goals, delegations, meetings --------------------------------------------

GOALS = (
    (
        "Alle ansatte skal kjenne til hvordan de melder avvik",
        "Informasjon på allmøte og i introduksjonen for nyansatte.",
    ),
    (
        "Risikovurdering av psykososialt arbeidsmiljø i alle grupper",
        "Gjennomføres innen utgangen av andre kvartal.",
    ),
    ("Minst én HMS-runde i alle laboratorier og verksteder", ""),
    ("Oppfølging av arbeidsmiljøundersøkelsen (ARK)", "Tiltak besluttes i ledergruppen."),
)
TOPICS = (
    "Gjennomgang av HMS-avvik siden forrige møte",
    "Status for HMS-handlingsplanen",
    "Planlegging av HMS-runde",
    "Oppfølging av sykefravær og arbeidsbelastning",
    "Risikovurdering i forbindelse med omstilling",
    "Resultater fra HMS-årsrapporteringen",
)


def seed_hse_work(*, today: datetime.date | None = None) -> SeedReport:
    """Goals, delegations and meetings for every reporting unit without any. The number
    of meetings varies by unit, so some units show fewer than four in a year."""
    report = SeedReport()
    today = today or timezone.localdate()
    units = list(Unit.objects.valid_on(today).filter(answers_self_report=True).order_by("code"))
    people = {
        (a.unit_id, a.role): a.user
        for a in RoleAssignment.objects.valid_on(today)
        .filter(unit__in=units, role__in=[Role.LEADER, Role.SAFETY_REP, Role.HSE_COORDINATOR])
        .select_related("user")
    }
    has_activity = set(HseGoal.objects.values_list("unit_id", flat=True)) | set(
        SafetyMeeting.objects.values_list("unit_id", flat=True)
    )
    for index, unit in enumerate(units):
        if unit.pk in has_activity:
            continue
        leader = people.get((unit.pk, Role.LEADER))
        rep = people.get((unit.pk, Role.SAFETY_REP))
        coordinator = people.get((unit.pk, Role.HSE_COORDINATOR))
        if not (leader and rep and coordinator):
            continue
        with transaction.atomic():
            _seed_unit_work(report, unit, index, today, leader, rep, coordinator)
    return report


def _seed_unit_work(
    report: SeedReport,
    unit: Unit,
    index: int,
    today: datetime.date,
    leader: User,
    rep: User,
    coordinator: User,
) -> None:
    for year in (today.year - 2, today.year - 1, today.year):
        for g in range(2 + (index + year) % 2):
            title, description = GOALS[(index + g + year) % len(GOALS)]
            hse_work.goal_create(
                unit=unit, year=year, title=title, description=description, actor=leader
            )
            report.goals += 1
        # Past years: 3–6 meetings; this year: 0–6 so far, some below the four expected.
        count = 3 + (index + year) % 4 if year < today.year else index % 7
        for m in range(count):
            month = 1 + m * 2 if year < today.year else 1 + (m * (today.month - 1)) // max(count, 1)
            day = datetime.date(year, min(month, 12), 10 + (index % 15))
            if day > today:
                continue
            hse_work.meeting_create(
                unit=unit,
                date=day,
                participants=[leader, rep],
                topics="\n".join(TOPICS[(index + m + k) % len(TOPICS)] for k in range(2)),
                minutes="Referat arkivert i ePhorte.",
                actor=leader,
            )
            report.meetings += 1
    hse_work.delegation_create(
        unit=unit,
        task="Saksbehandling av HMS-avvik",
        delegated_to=coordinator,
        delegated_by=leader,
        valid_from=datetime.date(today.year - 2, 1, 1),
        valid_to=None,
        actor=leader,
    )
    hse_work.delegation_create(
        unit=unit,
        task="Oppfølging av stoffkartotek og sikkerhetsdatablad",
        delegated_to=coordinator,
        delegated_by=leader,
        valid_from=datetime.date(today.year, 1, 1),
        valid_to=datetime.date(today.year, 12, 31),
        actor=leader,
    )
    report.delegations += 2
