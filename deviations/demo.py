"""Demo data for deviations: the category schemes, ten years of reports with injuries, and
the hours worked each year.

`seed_categories()` is idempotent and cheap: tests may call it. `seed_deviations()` adds
the reports once (it does nothing when reports already exist).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .models import Category, CategoryScheme

# --- categories -------------------------------------------------------------------------

OLD_SCHEME = ("NTNU avvikskategorier (til 30.06.2024)", "NTNU deviation categories (to 30/06/2024)")
NEW_SCHEME = (
    "NTNU avvikskategorier (fra 01.07.2024)",
    "NTNU deviation categories (from 01/07/2024)",
)
OLD_VALID_FROM = datetime.date(2010, 1, 1)
OLD_VALID_TO = datetime.date(2024, 6, 30)
NEW_VALID_FROM = datetime.date(2024, 7, 1)

# (code, Norwegian, English, requires cause and measure)
Row = tuple[str, str, str, bool]

# The one-level scheme in force until 30 June 2024 (figure 3 of the 2024 annual report; its
# category names are not in the report's text, so these are the EQS categories as NTNU's
# earlier reports and the NV faculty's figures name them, with "annet" last).
OLD_CATEGORIES: list[Row] = [
    ("personskade", "Personskade", "Personal injury", True),
    ("brann", "Brann og branntilløp", "Fire and near fire", True),
    ("romningsvei", "Rømningsvei", "Escape routes", False),
    ("kjemikalier", "Kjemikalier og gasser", "Chemicals and gases", True),
    ("biologisk", "Biologisk materiale", "Biological material", True),
    ("straling", "Stråling", "Radiation", True),
    ("utslipp", "Utslipp", "Spill and emission", True),
    ("materiell", "Materielle skader", "Material damage", False),
    ("inneklima", "Inneklima", "Indoor climate", False),
    ("psykososialt", "Psykososialt arbeidsmiljø", "Psychosocial working environment", False),
    ("vold-trusler", "Vold og trusler", "Violence and threats", True),
    ("tyveri-innbrudd", "Tyveri og innbrudd", "Theft and burglary", False),
    ("annet", "Annet", "Other", False),
]

# The two-level scheme from 1 July 2024: the four main categories the report names (first)
# and the others a university needs. Information security is not HSE and is left out.
NEW_CATEGORIES: list[tuple[Row, list[Row]]] = [
    (
        ("tilsiktet", "Tilsiktet hendelse", "Intentional event", False),
        [
            ("tilsiktet-brudd", "Brudd på retningslinjer", "Breach of guidelines", False),
            ("tilsiktet-tyveri", "Tyveri og innbrudd", "Theft and burglary", False),
            ("tilsiktet-haerverk", "Hærverk", "Vandalism", False),
            ("tilsiktet-vold", "Vold og trusler om vold", "Violence and threats", True),
        ],
    ),
    (
        ("bygning", "Bygning og materiell", "Buildings and material", False),
        [
            ("bygning-vvs", "VVS og vannlekkasje", "Plumbing, heating and leaks", False),
            ("bygning-elektro", "Elektro", "Electrical installations", False),
            ("bygning-infrastruktur", "Teknisk infrastruktur", "Technical infrastructure", False),
            ("bygning-inneklima", "Inneklima", "Indoor climate", False),
            ("bygning-konstruksjon", "Bygning og konstruksjon", "Building and structure", False),
            ("bygning-utstyr", "Utstyr og maskiner", "Equipment and machines", False),
        ],
    ),
    (
        ("brann", "Brann, utslipp og evakuering", "Fire, spill and evacuation", False),
        [
            ("brann-romningsvei", "Blokkert rømningsvei", "Blocked escape route", False),
            ("brann-alarm", "Unødig alarm", "Unnecessary alarm", False),
            ("brann-brann", "Brann og branntilløp", "Fire and near fire", True),
            ("brann-utslipp", "Utslipp og søl", "Spill and emission", True),
            ("brann-evakuering", "Evakuering", "Evacuation", False),
        ],
    ),
    (
        (
            "arbeidsplass",
            "Arbeidsplass og personskade/-sykdom",
            "Workplace and personal injury/illness",
            False,
        ),
        [
            ("arbeidsplass-kjemikalier", "Kjemikalier og gasser", "Chemicals and gases", True),
            ("arbeidsplass-biologisk", "Biologiske faktorer", "Biological factors", True),
            ("arbeidsplass-straling", "Strålekilder", "Radiation sources", True),
            ("arbeidsplass-personskade", "Person-/yrkesskade", "Personal injury", True),
            ("arbeidsplass-sykdom", "Arbeidsrelatert sykdom", "Work-related illness", True),
            ("arbeidsplass-ergonomi", "Ergonomi og belastning", "Ergonomics and strain", False),
            ("arbeidsplass-fall", "Fall, snubling og kutt", "Falls, trips and cuts", False),
        ],
    ),
    (
        (
            "psykososialt",
            "Psykososialt og organisatorisk arbeidsmiljø",
            "Psychosocial and organisational working environment",
            False,
        ),
        [
            ("psykososialt-belastning", "Arbeidsbelastning", "Workload", False),
            ("psykososialt-konflikt", "Konflikt og samarbeid", "Conflict and cooperation", False),
            (
                "psykososialt-trakassering",
                "Trakassering og utilbørlig opptreden",
                "Harassment and improper conduct",
                True,
            ),
            ("psykososialt-omstilling", "Omstilling", "Reorganisation", False),
        ],
    ),
    (
        ("ytre-miljo", "Ytre miljø", "External environment", False),
        [
            ("ytre-miljo-avfall", "Avfall og farlig avfall", "Waste and hazardous waste", False),
            ("ytre-miljo-forurensning", "Forurensning", "Pollution", True),
        ],
    ),
    (
        ("feltarbeid", "Feltarbeid, tokt og reise", "Fieldwork, cruises and travel", False),
        [
            ("feltarbeid-felt", "Feltarbeid", "Fieldwork", False),
            ("feltarbeid-tokt", "Tokt og dykking", "Cruises and diving", True),
            ("feltarbeid-reise", "Tjenestereise", "Business travel", False),
        ],
    ),
    (
        ("annet", "Annet", "Other", False),
        [("annet-annet", "Annet", "Other", False)],
    ),
]


@dataclass
class Schemes:
    old: CategoryScheme
    new: CategoryScheme


def _scheme(
    names: tuple[str, str], valid_from: datetime.date, valid_to: datetime.date | None
) -> CategoryScheme:
    name_nb, name_en = names
    scheme, _ = CategoryScheme.objects.update_or_create(
        name_nb=name_nb,
        defaults={"name_en": name_en, "valid_from": valid_from, "valid_to": valid_to},
    )
    return scheme


def _category(scheme: CategoryScheme, row: Row, order: int, parent: Category | None) -> Category:
    code, name_nb, name_en, requires = row
    category, _ = Category.objects.update_or_create(
        scheme=scheme,
        code=code,
        defaults={
            "parent": parent,
            "name_nb": name_nb,
            "name_en": name_en,
            "order": order,
            "requires_cause_and_measure": requires,
        },
    )
    return category


@transaction.atomic
def seed_categories() -> Schemes:
    """The scheme in force until 30 June 2024 (one level) and the one from 1 July 2024
    (main and subcategories). Safe to run again: updates by scheme name and code."""
    old = _scheme(OLD_SCHEME, OLD_VALID_FROM, OLD_VALID_TO)
    for order, row in enumerate(OLD_CATEGORIES, start=1):
        _category(old, row, order * 10, None)
    new = _scheme(NEW_SCHEME, NEW_VALID_FROM, None)
    for order, (main_row, subs) in enumerate(NEW_CATEGORIES, start=1):
        main = _category(new, main_row, order * 10, None)
        for sub_order, sub_row in enumerate(subs, start=1):
            _category(new, sub_row, sub_order, main)
    return Schemes(old=old, new=new)


# --- reports ----------------------------------------------------------------------------

# Undesired events and deviations, and improvement suggestions, per year (figure 1 of the
# 2024 annual report shows 2014–2024 but prints no numbers). Printed figures: 2021, 885
# deviations (2021 report, "HMS-avvik"); 2024, 994 events and 97 suggestions (table 1).
# Everything else is an ESTIMATE: a smooth trend rising to 2023 (the 2024 report speaks of
# a fall from 2023; the NV faculty had 279 reports in 2022 and 305 in 2023, +9 %), a dip in
# 2020 (campus closed), suggestions about 9 % of events. Later years: about 2024's volume.
VOLUMES: dict[int, tuple[int, int]] = {
    2014: (760, 62),  # estimate
    2015: (800, 66),  # estimate
    2016: (845, 70),  # estimate
    2017: (890, 76),  # estimate
    2018: (940, 82),  # estimate
    2019: (985, 88),  # estimate
    2020: (800, 70),  # estimate (pandemic)
    2021: (885, 80),  # events printed; suggestions an estimate
    2022: (1020, 92),  # estimate
    2023: (1110, 101),  # estimate
    2024: (994, 97),  # printed (table 1)
}
LATER_YEARS = (1000, 95)  # estimate, per whole year
# Closed of the year's reports by the annual report (late January): 2024 printed (742 and
# 65, table 1), 2021 printed (722 of 885); other past years an estimate of 92 %. Those still
# open then are closed in the year after (from February, within 300 days) or rejected, so no
# old case stays open. This year's close as cases do: most within three weeks, a fifth
# within two months, a quarter take longer (measures to carry out), up to a year.
CLOSED: dict[int, tuple[int, int]] = {2024: (742, 65), 2021: (722, 73)}
CLOSED_SHARE_PAST = 0.92
CLOSING_DAYS = ((0.55, 1, 20), (0.20, 21, 60), (0.25, 61, 365))  # share, fewest, most days

# Injuries: (minor not reported to NAV, NAV with absence ≤ 3 days, > 3 days, unknown,
# without absence). 2024 exactly table 2; 2021's 29 NAV reports printed (2021 report),
# their split and all other years ESTIMATES near 2024's.
INJURIES: dict[int, tuple[int, int, int, int, int]] = {
    2021: (70, 14, 6, 1, 8),
    2024: (77, 18, 6, 0, 9),
}
INJURIES_OTHER = (72, 15, 6, 1, 8)

# Hours worked for all of NTNU: 2024 printed (12 760 814,98, the H1 of the report);
# the other years ESTIMATES following the growth in full-time equivalents.
HOURS: dict[int, Decimal] = {
    2014: Decimal("11280000.00"),
    2015: Decimal("11410000.00"),
    2016: Decimal("11590000.00"),
    2017: Decimal("11720000.00"),
    2018: Decimal("11880000.00"),
    2019: Decimal("12050000.00"),
    2020: Decimal("12180000.00"),
    2021: Decimal("12390000.00"),
    2022: Decimal("12580000.00"),
    2023: Decimal("12720000.00"),
    2024: Decimal("12760814.98"),
}

FIRST_YEAR = 2014
DEMO_SOURCE = "demo"
# potential severity 1–5 of assessed reports (2024: 11 catastrophic of ~1 000)
SEVERITY_WEIGHTS = (48, 34, 12, 5, 1)
IDENTITIES = ("named", "confidential", "anonymous")
IDENTITY_WEIGHTS = (80, 8, 12)

OLD_WEIGHTS = {
    "romningsvei": 14,
    "annet": 19,
    "materiell": 10,
    "inneklima": 9,
    "kjemikalier": 9,
    "brann": 6,
    "biologisk": 3,
    "straling": 2,
    "utslipp": 4,
    "psykososialt": 5,
    "vold-trusler": 2,
    "tyveri-innbrudd": 5,
}
NEW_WEIGHTS = {
    "tilsiktet-brudd": 3,
    "tilsiktet-tyveri": 2,
    "tilsiktet-haerverk": 1,
    "tilsiktet-vold": 1,
    "bygning-vvs": 6,
    "bygning-elektro": 4,
    "bygning-infrastruktur": 4,
    "bygning-inneklima": 7,
    "bygning-konstruksjon": 3,
    "bygning-utstyr": 4,
    "brann-romningsvei": 12,
    "brann-alarm": 6,
    "brann-brann": 2,
    "brann-utslipp": 3,
    "brann-evakuering": 1,
    "arbeidsplass-kjemikalier": 8,
    "arbeidsplass-biologisk": 3,
    "arbeidsplass-straling": 2,
    "arbeidsplass-ergonomi": 3,
    "arbeidsplass-fall": 3,
    "psykososialt-belastning": 3,
    "psykososialt-konflikt": 2,
    "psykososialt-trakassering": 1,
    "ytre-miljo-avfall": 2,
    "feltarbeid-felt": 2,
    "feltarbeid-tokt": 1,
    "annet-annet": 3,
}

EVENT_TEXTS = (
    "Rømningsvei blokkert av paller og esker.",
    "Søl av løsemiddel i avtrekksskap, ryddet opp med absorbent.",
    "Lekkasje fra tak over kontorgang.",
    "Brannalarm utløst av damp fra kjøkken.",
    "Manglende merking av kjemikalieflasker på lab.",
    "Student kuttet seg på glass under labøvelse.",
    "Trapp glatt etter vask, nesten fall.",
    "Dårlig inneklima i møterom, hodepine hos flere.",
    "Sykkel stjålet fra låst sykkelrom.",
    "Gassflaske ikke sikret med kjetting.",
)
SUGGESTION_TEXTS = (
    "Foreslår bedre skilting til nødutgang i kjelleren.",
    "Ønsker øyedusj nærmere syrebenken.",
    "Forslag om fast rutine for rydding av korridorer.",
    "Bedre belysning på gangveien til parkeringen.",
)
INJURY_TEXTS = ("kutt i finger", "fall på glatt gulv", "klemskade", "kjemikalieeksponering")
# What a handler learned from each kind of event, shared now and then with all of NTNU.
LESSONS = {
    EVENT_TEXTS[0]: "Rømningsveier er ikke lager: vaktmester går nå runde hver fredag, "
    "og leveranser har fått en egen oppstillingsplass.",
    EVENT_TEXTS[1]: "Absorbent og verneutstyr må stå ved avtrekket, ikke i lageret: "
    "alle avtrekk har nå eget sølsett.",
    EVENT_TEXTS[3]: "Kjøkkenet lå for nær en røykdetektor: detektoren er byttet til "
    "varmedetektor etter avtale med brannvernleder.",
    EVENT_TEXTS[4]: "Ubemerkede flasker kom fra omfylling: all omfylling merkes nå med "
    "etiketter fra stoffkartoteket før flasken forlater benken.",
    EVENT_TEXTS[5]: "Glassavfall ble samlet i vanlige søppelbøtter: labøvelsene har nå "
    "egne glassbokser og en gjennomgang ved oppstart.",
    EVENT_TEXTS[6]: "Renholdet vasker trappene før arbeidstid og setter ut skilt; "
    "rutinen er tatt inn i renholdsavtalen.",
    EVENT_TEXTS[9]: "Gassflasker sikres med kjetting før de kobles til; sjekken er lagt "
    "inn i HMS-runden for laboratoriene.",
}


@dataclass
class DeviationSeed:
    deviations: int = 0
    injuries: int = 0
    years: list[int] = field(default_factory=list)


def _closing_days(rng: random.Random) -> int:
    """How many days a case of this year takes to close (CLOSING_DAYS)."""
    shares = [share for share, _, _ in CLOSING_DAYS]
    _, fewest, most = rng.choices(CLOSING_DAYS, shares)[0]
    return rng.randint(fewest, most)


def _volumes(year: int, today: datetime.date) -> tuple[int, int, float]:
    """Events, suggestions and the share of the year passed."""
    events, suggestions = VOLUMES.get(year, LATER_YEARS)
    if year < today.year:
        return events, suggestions, 1.0
    share = (today - datetime.date(year, 1, 1)).days / 365
    return round(events * share), round(suggestions * share), share


def seed_deviations(*, today: datetime.date | None = None) -> DeviationSeed:
    """Reports from 2014 to `today` at the annual reports' volumes, with categories of the
    scheme in force, potential severities, statuses, handlers and injuries, and the hours
    worked of each past year. Once: does nothing when the demo's hours worked are there."""
    from simple_history.utils import bulk_create_with_history

    from deviations.services.reports import deviations_history_create, receipt_hash
    from units.demo_organisation import person_name
    from units.models import (
        KeyFigure,
        KeyFigureImport,
        KeyFigureKind,
        Role,
        RoleAssignment,
        Unit,
        User,
    )
    from units.selectors.tree import unit_tree

    from .models import Deviation, Identity, InjuredKind, Injury, Kind, Status

    today = today or timezone.localdate()
    seed = DeviationSeed()
    if KeyFigureImport.objects.filter(source=DEMO_SOURCE).exists():
        return seed
    schemes = seed_categories()
    rng = random.Random(2024)
    categories = {
        (c.scheme_id, c.code): c
        for c in Category.objects.filter(scheme__in=[schemes.old, schemes.new])
    }
    units = list(Unit.objects.filter(level__gte=2).order_by("code"))
    if not units:
        return seed
    tree = unit_tree()
    weights = [rng.choice((1, 2, 3, 5, 8)) for _ in units]
    coordinators: dict[int, int] = {}
    for a in RoleAssignment.objects.filter(role=Role.HSE_COORDINATOR, unit__isnull=False).order_by(
        "id"
    ):
        coordinators.setdefault(a.unit_id, a.user_id)  # type: ignore[arg-type]

    def handler_of(unit_id: int | None) -> int | None:
        if unit_id is None:
            return None
        return coordinators.get(tree.climb(unit_id, until=lambda u: u in coordinators))

    people = list(User.objects.filter(is_active=True).values_list("id", flat=True)[:400])
    # Reporters are people of the unit (its role holders, or those of the nearest unit
    # above that has any), so that nobody follows reports from across the university.
    members: dict[int, list[int]] = {}
    for unit_id, user_id in (
        RoleAssignment.objects.filter(unit__isnull=False, user__is_active=True)
        .order_by("id")
        .values_list("unit_id", "user_id")
    ):
        members.setdefault(unit_id, []).append(user_id)

    # and now and then an employee without roles (the demo's `employee@` and `researcher@`),
    # drawn by a generator of its own so the rest of the demo stays as it was
    without_roles = list(
        User.objects.filter(is_active=True, role_assignments__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    now_and_then = random.Random(5)
    # and lessons learned on some closed cases, by a generator of their own too
    lessons_rng = random.Random(7)

    def reporters_of(unit_id: int | None) -> list[int]:
        if without_roles and now_and_then.random() < 0.03:
            return without_roles
        if unit_id is None:
            return people
        return members.get(tree.climb(unit_id, until=lambda u: u in members), people)

    taken = set(Deviation.objects.values_list("reference", flat=True))
    old_codes, old_w = list(OLD_WEIGHTS), list(OLD_WEIGHTS.values())
    new_codes, new_w = list(NEW_WEIGHTS), list(NEW_WEIGHTS.values())
    # the moment the demo is seeded as of: now, or noon of an earlier `today`
    now = (
        timezone.now()
        if today >= timezone.localdate()
        else timezone.make_aware(datetime.datetime.combine(today, datetime.time(12, 0)))
    )

    with transaction.atomic():
        batch = KeyFigureImport.objects.create(
            kind=KeyFigureKind.HOURS_WORKED, source=DEMO_SOURCE, rows=0
        )
        figures = [
            KeyFigure(kind=KeyFigureKind.HOURS_WORKED, year=y, value=v, source=batch)
            for y, v in HOURS.items()
            if y < today.year
            and not KeyFigure.objects.filter(
                kind=KeyFigureKind.HOURS_WORKED, year=y, unit=None
            ).exists()
        ]
        KeyFigure.objects.bulk_create(figures)
        batch.rows = len(figures)
        batch.save(update_fields=["rows"])

        deviations: list[Deviation] = []
        links: list[tuple[str, Category]] = []
        injuries: list[tuple[str, Injury]] = []
        for year in range(FIRST_YEAR, today.year + 1):
            events, suggestions, share = _volumes(year, today)
            if events + suggestions == 0:
                continue
            seed.years.append(year)
            closed_events, closed_suggestions = CLOSED.get(
                year, (round(events * CLOSED_SHARE_PAST), round(suggestions * CLOSED_SHARE_PAST))
            )
            if year == today.year:  # each case closes after its own time (CLOSING_DAYS)
                closed_events, closed_suggestions = events, suggestions
            after_the_report = timezone.make_aware(datetime.datetime(year + 1, 2, 1, 10, 0))
            table = INJURIES.get(year, INJURIES_OTHER)
            injury_kinds: list[tuple[str, bool]] = []
            for count, absence, nav in zip(
                table,
                ("none", "le3", "gt3", "unknown", "none"),
                (False, True, True, True, True),
                strict=True,
            ):
                injury_kinds += [(absence, nav)] * round(count * share)
            year_end = min(datetime.date(year, 12, 31), today - datetime.timedelta(days=1))
            span = (year_end - datetime.date(year, 1, 1)).days
            number = 0
            for kind, count, closed in (
                (Kind.EVENT, events, closed_events),
                (Kind.SUGGESTION, suggestions, closed_suggestions),
            ):
                closed_flags = [True] * closed + [False] * (count - closed)
                rng.shuffle(closed_flags)
                for i in range(count):
                    number += 1
                    reference = f"{year}-{number:05d}"
                    while reference in taken:
                        number += 1
                        reference = f"{year}-{number:05d}"
                    day = datetime.date(year, 1, 1) + datetime.timedelta(
                        days=rng.randint(0, max(span, 0))
                    )
                    reported = timezone.make_aware(
                        datetime.datetime.combine(
                            day, datetime.time(rng.randint(7, 17), rng.randint(0, 59))
                        )
                    )
                    unit = rng.choices(units, weights)[0]
                    identity = rng.choices(IDENTITIES, IDENTITY_WEIGHTS)[0]
                    injury_here = kind == Kind.EVENT and i < len(injury_kinds)
                    rejected = False
                    if year == today.year:
                        closes = reported + datetime.timedelta(days=_closing_days(rng))
                    elif closed_flags[i]:  # closed by the annual report
                        closes = min(reported + datetime.timedelta(days=rng.randint(1, 70)), now)
                    else:  # open at the annual report: rejected, or closed later
                        rejected = rng.random() < 0.15
                        closes = after_the_report + datetime.timedelta(days=rng.randint(0, 300))
                    is_closed = not rejected and closes <= now
                    if is_closed:
                        status = Status.CLOSED
                    elif rejected:
                        status = Status.REJECTED
                    else:
                        status = rng.choice((Status.NEW, Status.IN_PROGRESS, Status.MEASURES))
                    assessed = status not in (Status.NEW,) and rng.random() < 0.93
                    closed_at = closes if is_closed else None
                    deviation = Deviation(
                        reference=reference,
                        kind=kind,
                        occurred_at=reported - datetime.timedelta(hours=rng.randint(0, 48)),
                        reported_at=reported,
                        unit=unit,
                        description=rng.choice(
                            SUGGESTION_TEXTS if kind == Kind.SUGGESTION else EVENT_TEXTS
                        ),
                        identity=identity,
                        reporter_id=rng.choice(reporters_of(unit.pk))
                        if identity != Identity.ANONYMOUS and people
                        else None,
                        receipt_hash=receipt_hash(f"demo{reference}")
                        if identity == Identity.ANONYMOUS
                        else "",
                        status=status,
                        handler_id=handler_of(unit.pk) if status != Status.NEW else None,
                        deadline=day + datetime.timedelta(days=30),
                        cause="Gjennomgått med verneombud." if is_closed else "",
                        rejection_reason="Ikke et HMS-avvik." if status == Status.REJECTED else "",
                        closed_at=closed_at,
                        potential_people=rng.choices((1, 2, 3, 4, 5), SEVERITY_WEIGHTS)[0]
                        if assessed
                        else None,
                        potential_material=rng.choice((None, 1, 2)) if assessed else None,
                    )
                    lesson = LESSONS.get(deviation.description, "")
                    if is_closed and lesson and lessons_rng.random() < 0.03:
                        deviation.lesson = lesson
                        deviation.lesson_shared = lessons_rng.random() < 0.6
                    deviations.append(deviation)
                    taken.add(reference)
                    if injury_here:
                        absence, nav = injury_kinds[i]
                        injuries.append(
                            (
                                reference,
                                Injury(
                                    injured_kind=rng.choices(
                                        (
                                            InjuredKind.EMPLOYEE,
                                            InjuredKind.STUDENT,
                                            InjuredKind.OTHER,
                                        ),
                                        (70, 25, 5),
                                    )[0],
                                    # a name like those of the demo's people
                                    injured_name=person_name(1000 + len(injuries)),
                                    injury=rng.choice(INJURY_TEXTS),
                                    absence=absence,
                                    nav_reported=nav,
                                    nav_reported_on=day + datetime.timedelta(days=3)
                                    if nav
                                    else None,
                                    medical_treatment=nav and rng.random() < 0.6,
                                ),
                            )
                        )
                    # categories of the scheme in force; an open report may be uncategorised
                    if not (not is_closed and rng.random() < 0.3):
                        if day <= OLD_VALID_TO:
                            code = (
                                "personskade" if injury_here else rng.choices(old_codes, old_w)[0]
                            )
                            links.append((reference, categories[(schemes.old.pk, code)]))
                        else:
                            code = (
                                "arbeidsplass-personskade"
                                if injury_here
                                else rng.choices(new_codes, new_w)[0]
                            )
                            links.append((reference, categories[(schemes.new.pk, code)]))
        # PostgreSQL and SQLite give bulk-created rows their ids.
        created = Deviation.objects.bulk_create(deviations, batch_size=2000)
        ids = {d.reference: d.pk for d in created}
        for d in created:  # the history as of the closing, or of the report if still open
            d._history_date = d.closed_at or d.reported_at  # type: ignore[attr-defined]
        through = Deviation.categories.through
        saved_links = through.objects.bulk_create(
            (through(deviation_id=ids[ref], category_id=c.pk) for ref, c in links), batch_size=5000
        )
        # each report's history record, with its categories
        deviations_history_create(created, saved_links, batch_size=2000)
        for ref, injury in injuries:
            injury.deviation_id = ids[ref]
        bulk_create_with_history([i for _, i in injuries], Injury, batch_size=2000)
    seed.deviations = len(created)
    seed.injuries = len(injuries)
    return seed
