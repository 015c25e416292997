"""The 2024 annual self-report questionnaire (appendix 5.1 of NTNU's annual HSE report
2024), with the stable keys of ../shared/QUESTIONNAIRE-KEYS.md. Loaded by `seed_demo`;
the 2023 questionnaire is derived from it (`QUESTIONNAIRE_2023_CHANGES`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowSpec:
    key: str
    text_nb: str
    text_en: str
    retired: bool = False


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    number: str
    type: str
    text_nb: str
    text_en: str
    section: int
    parent: str | None = None
    show_when: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[RowSpec, ...] = ()
    required: bool = True
    help_nb: str = ""
    help_en: str = ""


SECTIONS: tuple[tuple[str, str], ...] = (
    ("Samarbeid, mål og planer", "Cooperation, goals and plans"),
    ("Risikovurdering og omstilling", "Risk assessment and reorganisation"),
    ("Medvirkning, delegering og opplæring", "Participation, delegation and training"),
    ("Sykefravær og medarbeidersamtaler", "Sickness absence and appraisal interviews"),
    ("Fysisk, kjemisk og biologisk arbeidsmiljø", "Physical, chemical and biological environment"),
    ("Hjemmekontor", "Home office"),
)

ROUTINES_NB = "Oppfølgingsspørsmål: Har enheten rutiner som sørger for at:"
ROUTINES_EN = "Follow-up: does the unit have routines that ensure that:"
ROOM_NB = (
    "det oppnevnes romansvarlig, som sørger for oppdaterte romkort og annen nødvendig "
    "merking på rom med særlige farer?"
)
ROOM_EN = (
    "a person responsible for each room is appointed, keeping room cards and other "
    "necessary marking of rooms with special hazards up to date?"
)
HEALTH_NB = (
    "UTGÅTT: det gjennomføres målrettet helseundersøkelse av medarbeidere hvor lovkrav "
    "utløser dette?"
)
HEALTH_EN = "RETIRED: targeted health examinations of employees are held where the law requires?"

Q = QuestionSpec
QUESTIONS_2024: tuple[QuestionSpec, ...] = (
    Q(
        "q01",
        "1",
        "yes_no",
        "Er kartleggingskjemaet fylt ut av enhetens leder og verneombud i samarbeid?",
        "Has the form been filled in by the unit's leader and safety representative together?",
        0,
    ),
    Q(
        "q02",
        "2",
        "yes_no_dk",
        "Har enheten fastsatt egne HMS-/arbeidsmiljømål?",
        "Has the unit set its own HSE / working environment goals?",
        0,
    ),
    Q(
        "q03",
        "3",
        "yes_no_dk",
        "Har enheten utarbeidet en HMS-handlingsplan?",
        "Has the unit drawn up an HSE action plan?",
        0,
    ),
    Q(
        "q04",
        "4",
        "degree4",
        "I hvilken grad har enheten oppdaterte risikovurderinger for "
        "aktiviteter som kan innebære en arbeidsmiljørisiko for arbeidstakerne?",
        "To what degree does the unit have up-to-date risk assessments of activities that may "
        "pose a working environment risk to employees?",
        1,
    ),
    Q(
        "q05",
        "5",
        "yes_no_dk",
        "Inkluderes organisatorisk og psykososialt arbeidsmiljø i "
        "aktuelle risikovurderinger ved enheten?",
        "Are the organisational and psychosocial "
        "working environment included in the unit's risk assessments?",
        1,
    ),
    Q(
        "q06",
        "6",
        "yes_no_dk",
        "Er det planlagt/ igangsatt risikovurdering av trakassering, vold og trusler?",
        "Has a risk assessment of harassment, violence and threats been planned or started?",
        1,
    ),
    Q(
        "q07",
        "7",
        "yes_no_dk",
        "Har enheten vært involvert i en eller flere omstillingsprosesser i år?",
        "Has the unit been involved in one or more reorganisations this year?",
        1,
    ),
    Q(
        "q07a",
        "7 a",
        "yes_no_dk",
        "Oppfølgingsspørsmål: Er risikovurdering av arbeidsmiljø i "
        "omstillingsprosessen gjennomført og dokumentert?",
        "Follow-up: has a risk assessment of "
        "the working environment in the reorganisation been done and documented?",
        1,
        parent="q07",
        show_when=("yes",),
    ),
    Q(
        "q07b",
        "7 b",
        "yes_no_na",
        "Oppfølgingsspm: Omfatter risikovurderingen for omstilling "
        "enhetenes aktivitet i Gjøvik eller Ålesund?",
        "Follow-up: does that risk assessment cover the unit's activity in Gjøvik or Ålesund?",
        1,
        parent="q07a",
        show_when=("yes",),
    ),
    Q(
        "q08",
        "8",
        "yes_no_dk",
        "Har enheten utarbeidet tiltak på bakgrunn av arbeidsmiljøundersøkelsen?",
        "Has the unit made measures following the working environment survey?",
        1,
    ),
    Q(
        "q09",
        "9",
        "yes_no_dk",
        "Er medarbeiderne gjort kjent med hvordan man sier fra om uønskede "
        "hendelser, HMS-avvik og andre forhold vedrørende arbeidsmiljøet?",
        "Do employees know how "
        "to report undesired events, HSE deviations and other working environment matters?",
        1,
    ),
    Q(
        "q10",
        "10",
        "yes_no_dk",
        "Er det gjennomført eller planlagt HMS-runde ved enheten i år?",
        "Has an HSE round been done or planned at the unit this year?",
        1,
    ),
    Q(
        "q11",
        "11",
        "yes_no_dk",
        "Er det utarbeidet en skriftlig oversikt som viser delegering av HMS-oppgaver ved enheten?",
        "Is there a written overview of the HSE tasks delegated at the unit?",
        2,
    ),
    Q(
        "q12",
        "12",
        "text",
        "Beskriv kort hvordan linjeleder holder seg løpende oppdatert om "
        "status på de HMS-oppgavene som er delegert videre.",
        "Describe briefly how the leader keeps up to date on the HSE tasks delegated to others.",
        2,
        required=False,
    ),
    Q(
        "q13",
        "13",
        "degree4",
        "I hvilken grad er verneombud involvert i planlegging og "
        "gjennomføring av tiltak som har betydning for arbeidsmiljøet?",
        "To what degree is the "
        "safety representative involved in planning and carrying out measures that matter to the "
        "working environment?",
        2,
    ),
    Q(
        "q14",
        "14",
        "degree4",
        "I hvilken grad har verneombud tilstrekkelig opplæring til å utføre vervet?",
        "To what degree has the safety representative enough training for the role?",
        2,
    ),
    Q(
        "q15",
        "15",
        "yes_no_dk",
        "Har enhetens verneombud i løpet av siste 3 årene deltatt på "
        "Grunnkurs i arbeidsmiljø (2-dagers kurs)?",
        "Has the unit's safety representative taken "
        "the 2-day basic course in working environment in the last 3 years?",
        2,
    ),
    Q(
        "q16",
        "16",
        "yes_no_dk",
        "Har leder i løpet av de siste 3 årene deltatt på Grunnkurs i "
        "arbeidsmiljø (2-dagers kurs), eller tilsvarende opplæring?",
        "Has the leader taken the "
        "2-day basic course in working environment, or equivalent training, in the last 3 years?",
        2,
    ),
    Q(
        "q17",
        "17",
        "degree4",
        "I hvilken grad involveres medarbeidere i planlegging og "
        "gjennomføring av tiltak som har betydning for arbeidsmiljøet?",
        "To what degree are "
        "employees involved in planning and carrying out measures that matter to the working "
        "environment?",
        2,
    ),
    Q(
        "q18",
        "18",
        "degree4",
        "Har enheten rutiner som sikrer at medarbeidere har tilstrekkelig "
        "kompetanse til å utføre arbeidet trygt og forsvarlig?",
        "Does the unit have routines that ensure employees are competent to work safely?",
        2,
    ),
    Q(
        "q19",
        "19",
        "yes_no_dk",
        "Utfører ansatte ved enheten arbeid i samme lokaler/områder som eksterne virksomheter?",
        "Do the unit's employees work in premises shared with external employers?",
        2,
    ),
    Q(
        "q19a",
        "19 a",
        "yes_no_dk",
        "Oppfølgingsspørsmål: Er det utarbeidet samordningsavtale(r)?",
        "Follow-up: has a coordination agreement (or several) been made?",
        2,
        parent="q19",
        show_when=("yes",),
    ),
    Q(
        "q20",
        "20",
        "degree4",
        "I hvor stor grad har leder oversikt over arbeidsrelatert sykefravær på enheten?",
        "To what degree does the leader have an overview of "
        "work-related sickness absence at the unit?",
        3,
    ),
    Q(
        "q21",
        "21",
        "degree4",
        "I hvilken grad har ledere fått nødvendig opplæring i oppfølging "
        "av sykmeldte arbeidstakere?",
        "To what degree have leaders been trained in following up sick-listed employees?",
        3,
    ),
    Q(
        "q22",
        "22",
        "share_band",
        "Omtrent hvor stor andel av de ansatte har gjennomført medarbeidersamtale i løpet av året?",
        "About what share of the employees have had an appraisal interview this year?",
        3,
    ),
    Q(
        "q23",
        "23",
        "degree4",
        "Er medarbeidere ved enheten gjort kjent med NTNUs retningslinjer for rus og avhengighet?",
        "Do the unit's employees know NTNU's guidelines on alcohol, drugs and addiction?",
        3,
    ),
    Q(
        "q24",
        "24",
        "yes_no_dk",
        "Har enheten strålekilder?",
        "Does the unit have radiation sources?",
        4,
    ),
    Q(
        "q24a",
        "24 a",
        "matrix",
        ROUTINES_NB,
        ROUTINES_EN,
        4,
        parent="q24",
        show_when=("yes",),
        columns=("yes", "not_applicable", "no"),
        rows=(
            RowSpec(
                "risk_assessment",
                "det gjennomføres risikovurdering av sikkerhet og helsefare "
                "ved bruk av strålekilder?",
                "risk assessments of safety and health hazards "
                "are made for the use of radiation sources?",
            ),
            RowSpec("health_examination", HEALTH_NB, HEALTH_EN, retired=True),
            RowSpec(
                "exposure_register",
                "det føres register over medarbeidere som arbeider med ioniserende stråling?",
                "a register is kept of employees who work with ionising radiation?",
            ),
            RowSpec("room_responsible", ROOM_NB, ROOM_EN),
            RowSpec(
                "reported_to_authority",
                "alle meldepliktige strålekilder ved enheten meldes i "
                "Direktoratet for strålevern og atomsikkerhet sitt meldesystem?",
                "all "
                "notifiable radiation sources are reported to the Norwegian Radiation and "
                "Nuclear Safety Authority?",
            ),
            RowSpec(
                "radioactive_waste",
                "avhending av radioaktivt avfall skjer i henhold til NTNUs retningslinjer?",
                "radioactive waste is disposed of according to NTNU's guidelines?",
            ),
        ),
    ),
    Q(
        "q25",
        "25",
        "yes_no_dk",
        "Håndteres eller brukes det kjemikalier og/eller gasser ved enheten?",
        "Are chemicals or gases handled or used at the unit?",
        4,
    ),
    Q(
        "q26",
        "26",
        "yes_no_dk",
        "Håndteres eller brukes det biologiske faktorer ved enheten?",
        "Are biological factors handled or used at the unit?",
        4,
    ),
    Q(
        "q26a",
        "26 a",
        "matrix",
        ROUTINES_NB,
        ROUTINES_EN,
        4,
        parent="q26",
        show_when=("yes",),
        columns=("yes", "dont_know", "no"),
        rows=(
            RowSpec("health_examination", HEALTH_NB, HEALTH_EN, retired=True),
            RowSpec(
                "risk_assessment",
                "det gjennomføres risikovurdering ved bruk og håndtering av biologiske faktorer?",
                "risk assessments are made for the use and handling of biological factors?",
            ),
            RowSpec(
                "register",
                "det føres register av medarbeidere som arbeider med "
                "registreringspliktige biologiske faktorer?",
                "a register is kept of employees "
                "who work with biological factors that must be registered?",
            ),
            RowSpec(
                "vaccination",
                "aktuelle medarbeidere tilbys vaksinasjon ved avdekket behov?",
                "employees concerned are offered vaccination when a need is found?",
            ),
            RowSpec("room_responsible", ROOM_NB, ROOM_EN),
            RowSpec(
                "infectious_waste",
                "avhending av smittefarlig avfall skjer i henhold til NTNUs retningslinjer?",
                "infectious waste is disposed of according to NTNU's guidelines?",
            ),
        ),
    ),
    Q(
        "q27",
        "27",
        "yes_no_dk",
        "Har enheten rutiner som sørger for at medarbeidere får opplæring "
        "og informasjon om risikofaktorer for arbeidsrelaterte muskel- og skjelettplager, og "
        "hvordan disse kan unngås?",
        "Does the unit have routines that give employees training "
        "and information on risk factors for work-related musculoskeletal disorders and how to "
        "avoid them?",
        4,
    ),
    Q(
        "q28",
        "28",
        "yes_no_dk",
        "Har enheten rutiner som sørger for at medarbeidere får tilgang "
        "til spesielt tilpasset utstyr ved avdekket behov?",
        "Does the unit have routines that "
        "give employees access to specially adapted equipment when a need is found?",
        4,
    ),
    Q(
        "q29",
        "29",
        "degree4",
        "I hvor stor grad praktiseres hjemmekontor ved enheten?",
        "To what degree is home office practised at the unit?",
        5,
    ),
    Q(
        "q30",
        "30",
        "yes_no_dk",
        "Er ansatte gjort kjent med NTNUs retningslinjer for hjemmekontor?",
        "Do employees know NTNU's guidelines for home office?",
        5,
    ),
    Q(
        "q30a",
        "30 a",
        "degree4",
        "Oppfølgingsspørsmål: I hvor stor grad oppleves det at retningslinjen følges?",
        "Follow-up: to what degree is the guideline felt to be followed?",
        5,
        parent="q30",
        show_when=("yes",),
    ),
)


@dataclass(frozen=True)
class YearChanges:
    """How an earlier year's questionnaire differs from 2024's."""

    absent_questions: frozenset[str]
    absent_rows: frozenset[tuple[str, str]] = frozenset()
    active_rows: frozenset[tuple[str, str]] = field(default_factory=frozenset)


# 2023: without q06, q07b, q08, q20, q21, q30, q30a; the health_examination rows of q24a
# and q26a still active; q26a's risk_assessment row new only in 2024.
QUESTIONNAIRE_2023_CHANGES = YearChanges(
    absent_questions=frozenset({"q06", "q07b", "q08", "q20", "q21", "q30", "q30a"}),
    absent_rows=frozenset({("q26a", "risk_assessment")}),
    active_rows=frozenset({("q24a", "health_examination"), ("q26a", "health_examination")}),
)
