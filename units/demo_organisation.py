"""NTNU's organisation as the 2024 annual HSE report shows it, for the demo.

73 units answer the self-report in 2024: the faculty administrations, the institutes,
the University Museum's administration and institutes, and the departments of the
central administration. In 2023 there were 74: the Department of Adult Learning and
Counselling (SU) closed at the end of 2023 and merged into the Department of
Education and Lifelong Learning.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUnit:
    code: str
    short_name: str
    name_nb: str
    name_en: str
    kind: str = "institute"
    campus: str = "trondheim"
    reports: bool = True
    valid_to: str | None = None
    merged_into: str | None = None


@dataclass(frozen=True)
class DemoFaculty:
    code: str
    short_name: str
    name_nb: str
    name_en: str
    kind: str
    units: tuple[DemoUnit, ...]


def _adm(faculty: str, short: str, nb: str, en: str) -> DemoUnit:
    return DemoUnit(
        f"{faculty}-adm",
        f"{short} adm",
        f"Fakultetsadministrasjonen {nb}",
        f"Faculty administration, {en}",
        kind="faculty_administration",
    )


D = DemoUnit

FACULTIES: tuple[DemoFaculty, ...] = (
    DemoFaculty(
        "ad",
        "AD",
        "Fakultet for arkitektur og design",
        "Faculty of Architecture and Design",
        "faculty",
        (
            _adm("ad", "AD", "AD", "AD"),
            D(
                "ad-iap",
                "IAP",
                "Institutt for arkitektur og planlegging",
                "Department of Architecture and Planning",
            ),
            D(
                "ad-iat",
                "IAT",
                "Institutt for arkitektur og teknologi",
                "Department of Architecture and Technology",
            ),
            D("ad-id", "ID", "Institutt for design", "Department of Design"),
            D("ad-kit", "KiT", "Kunstakademiet i Trondheim", "Trondheim Academy of Fine Art"),
        ),
    ),
    DemoFaculty(
        "hf",
        "HF",
        "Det humanistiske fakultet",
        "Faculty of Humanities",
        "faculty",
        (
            _adm("hf", "HF", "HF", "HF"),
            D(
                "hf-ifr",
                "IFR",
                "Institutt for filosofi og religionsvitenskap",
                "Department of Philosophy and Religious Studies",
            ),
            D(
                "hf-ihk",
                "IHK",
                "Institutt for historiske og klassiske studier",
                "Department of Historical and Classical Studies",
            ),
            D(
                "hf-ikm",
                "IKM",
                "Institutt for kunst- og medievitenskap",
                "Department of Art and Media Studies",
            ),
            D("hf-imu", "IMU", "Institutt for musikk", "Department of Music"),
            D(
                "hf-isl",
                "ISL",
                "Institutt for språk og litteratur",
                "Department of Language and Literature",
            ),
            D(
                "hf-kult",
                "KULT",
                "Institutt for tverrfaglige kulturstudier",
                "Department of Interdisciplinary Studies of Culture",
            ),
        ),
    ),
    DemoFaculty(
        "ie",
        "IE",
        "Fakultet for informasjonsteknologi og elektroteknikk",
        "Faculty of Information Technology and Electrical Engineering",
        "faculty",
        (
            _adm("ie", "IE", "IE", "IE"),
            D(
                "ie-idi",
                "IDI",
                "Institutt for datateknologi og informatikk",
                "Department of Computer Science",
            ),
            D(
                "ie-ies",
                "IES",
                "Institutt for elektroniske systemer",
                "Department of Electronic Systems",
            ),
            D("ie-iel", "IEL", "Institutt for elkraftteknikk", "Department of Electric Energy"),
            D(
                "ie-iik",
                "IIK",
                "Institutt for informasjonssikkerhet og kommunikasjonsteknologi",
                "Department of Information Security and Communication Technology",
                campus="gjovik",
            ),
            D(
                "ie-itk",
                "ITK",
                "Institutt for teknisk kybernetikk",
                "Department of Engineering Cybernetics",
            ),
            D(
                "ie-imf",
                "IMF",
                "Institutt for matematiske fag",
                "Department of Mathematical Sciences",
            ),
            D(
                "ie-iir",
                "IIR",
                "Institutt for IKT og realfag",
                "Department of ICT and Natural Sciences",
                campus="alesund",
            ),
        ),
    ),
    DemoFaculty(
        "iv",
        "IV",
        "Fakultet for ingeniørvitenskap",
        "Faculty of Engineering",
        "faculty",
        (
            _adm("iv", "IV", "IV", "IV"),
            D(
                "iv-ibm",
                "IBM",
                "Institutt for bygg- og miljøteknikk",
                "Department of Civil and Environmental Engineering",
            ),
            D(
                "iv-ept",
                "EPT",
                "Institutt for energi- og prosessteknikk",
                "Department of Energy and Process Engineering",
            ),
            D(
                "iv-igp",
                "IGP",
                "Institutt for geovitenskap og petroleum",
                "Department of Geoscience and Petroleum",
            ),
            D(
                "iv-kt",
                "KT",
                "Institutt for konstruksjonsteknikk",
                "Department of Structural Engineering",
            ),
            D(
                "iv-mtp",
                "MTP",
                "Institutt for maskinteknikk og produksjon",
                "Department of Mechanical and Industrial Engineering",
            ),
            D("iv-imt", "IMT", "Institutt for marin teknikk", "Department of Marine Technology"),
            D(
                "iv-ihb",
                "IHB",
                "Institutt for havromsoperasjoner og byggteknikk",
                "Department of Ocean Operations and Civil Engineering",
                campus="alesund",
            ),
            D(
                "iv-ivb",
                "IVB",
                "Institutt for vareproduksjon og byggteknikk",
                "Department of Manufacturing and Civil Engineering",
                campus="gjovik",
            ),
        ),
    ),
    DemoFaculty(
        "mh",
        "MH",
        "Fakultet for medisin og helsevitenskap",
        "Faculty of Medicine and Health Sciences",
        "faculty",
        (
            _adm("mh", "MH", "MH", "MH"),
            D(
                "mh-ikom",
                "IKOM",
                "Institutt for klinisk og molekylær medisin",
                "Department of Clinical and Molecular Medicine",
            ),
            D(
                "mh-inb",
                "INB",
                "Institutt for nevromedisin og bevegelsesvitenskap",
                "Department of Neuromedicine and Movement Science",
            ),
            D("mh-iph", "IPH", "Institutt for psykisk helse", "Department of Mental Health"),
            D(
                "mh-ism",
                "ISM",
                "Institutt for samfunnsmedisin og sykepleie",
                "Department of Public Health and Nursing",
            ),
            D(
                "mh-isb",
                "ISB",
                "Institutt for sirkulasjon og bildediagnostikk",
                "Department of Circulation and Medical Imaging",
            ),
            D(
                "mh-ihg",
                "IHG",
                "Institutt for helsevitenskap i Gjøvik",
                "Department of Health Sciences in Gjøvik",
                campus="gjovik",
            ),
            D(
                "mh-iha",
                "IHA",
                "Institutt for helsevitenskap i Ålesund",
                "Department of Health Sciences in Ålesund",
                campus="alesund",
            ),
            D(
                "mh-kavli",
                "KI",
                "Kavliinstitutt for nevrovitenskap",
                "Kavli Institute for Systems Neuroscience",
            ),
        ),
    ),
    DemoFaculty(
        "nv",
        "NV",
        "Fakultet for naturvitenskap",
        "Faculty of Natural Sciences",
        "faculty",
        (
            _adm("nv", "NV", "NV", "NV"),
            D("nv-ibi", "IBI", "Institutt for biologi", "Department of Biology"),
            D(
                "nv-ibt",
                "IBT",
                "Institutt for bioteknologi og matvitenskap",
                "Department of Biotechnology and Food Science",
            ),
            D("nv-ify", "IFY", "Institutt for fysikk", "Department of Physics"),
            D("nv-ikj", "IKJ", "Institutt for kjemi", "Department of Chemistry"),
            D(
                "nv-ikp",
                "IKP",
                "Institutt for kjemisk prosessteknologi",
                "Department of Chemical Engineering",
            ),
            D(
                "nv-ima",
                "IMA",
                "Institutt for materialteknologi",
                "Department of Materials Science and Engineering",
            ),
            D(
                "nv-iba",
                "IBA",
                "Institutt for biologiske fag Ålesund",
                "Department of Biological Sciences Ålesund",
                campus="alesund",
            ),
        ),
    ),
    DemoFaculty(
        "su",
        "SU",
        "Fakultet for samfunns- og utdanningsvitenskap",
        "Faculty of Social and Educational Sciences",
        "faculty",
        (
            _adm("su", "SU", "SU", "SU"),
            D("su-igs", "IGS", "Institutt for geografi", "Department of Geography"),
            D("su-ilu", "ILU", "Institutt for lærerutdanning", "Department of Teacher Education"),
            D(
                "su-ipl",
                "IPL",
                "Institutt for pedagogikk og livslang læring",
                "Department of Education and Lifelong Learning",
            ),
            D("su-ips", "IPS", "Institutt for psykologi", "Department of Psychology"),
            D(
                "su-isa",
                "ISA",
                "Institutt for sosialantropologi",
                "Department of Social Anthropology",
            ),
            D("su-isv", "ISV", "Institutt for sosialt arbeid", "Department of Social Work"),
            D(
                "su-iss",
                "ISS",
                "Institutt for sosiologi og statsvitenskap",
                "Department of Sociology and Political Science",
            ),
            D(
                "su-ivr",
                "IVR",
                "Institutt for voksnes læring og rådgivningsvitenskap",
                "Department of Adult Learning and Counselling",
                valid_to="2023-12-31",
                merged_into="su-ipl",
            ),
        ),
    ),
    DemoFaculty(
        "ok",
        "ØK",
        "Fakultet for økonomi",
        "Faculty of Economics and Management",
        "faculty",
        (
            _adm("ok", "ØK", "ØK", "ØK"),
            D("ok-hhs", "HHS", "Handelshøyskolen", "NTNU Business School"),
            D(
                "ok-iot",
                "IØT",
                "Institutt for industriell økonomi og teknologiledelse",
                "Department of Industrial Economics and Technology Management",
            ),
            D(
                "ok-iif",
                "IIF",
                "Institutt for internasjonal forretningsdrift",
                "Department of International Business",
                campus="alesund",
            ),
            D("ok-iso", "ISØ", "Institutt for samfunnsøkonomi", "Department of Economics"),
        ),
    ),
    DemoFaculty(
        "vm",
        "VM",
        "NTNU Vitenskapsmuseet",
        "NTNU University Museum",
        "museum",
        (
            D(
                "vm-adm",
                "VM adm",
                "Museumsadministrasjonen",
                "Museum administration",
                kind="faculty_administration",
            ),
            D(
                "vm-iak",
                "IAK",
                "Institutt for arkeologi og kulturhistorie",
                "Department of Archaeology and Cultural History",
            ),
            D("vm-inh", "INH", "Institutt for naturhistorie", "Department of Natural History"),
        ),
    ),
    DemoFaculty(
        "fa",
        "FA",
        "Fellesadministrasjonen",
        "Central administration",
        "administration",
        (
            D(
                "fa-hr",
                "HR/HMS",
                "HR- og HMS-avdelingen",
                "Human Resources and HSE Division",
                kind="department",
            ),
            D(
                "fa-ovs",
                "ØVS",
                "Økonomi- og virksomhetsstyringsavdelingen",
                "Division of Finance and Corporate Governance",
                kind="department",
            ),
            D(
                "fa-uk",
                "AU",
                "Avdeling for utdanningskvalitet",
                "Division of Education Quality",
                kind="department",
            ),
            D(
                "fa-fi",
                "AFI",
                "Avdeling for forskning og innovasjon",
                "Division of Research and Innovation",
                kind="department",
            ),
            D(
                "fa-kom",
                "KOM",
                "Kommunikasjonsavdelingen",
                "Communication Division",
                kind="department",
            ),
            D(
                "fa-dt",
                "DT",
                "Avdeling for digital transformasjon",
                "Division of Digital Transformation",
                kind="department",
            ),
            D("fa-eiend", "EA", "Eiendomsavdelingen", "Property Division", kind="department"),
            D(
                "fa-cu",
                "ACU",
                "Avdeling for campusutvikling",
                "Campus Development Division",
                kind="department",
            ),
            D("fa-cs", "CS", "Campusservice", "Campus Services", kind="department"),
            D(
                "fa-ub",
                "UB",
                "Universitetsbiblioteket",
                "NTNU University Library",
                kind="department",
            ),
            D("fa-rs", "RS", "Rektors stab", "Rector's Office", kind="department"),
        ),
    ),
)

# Level 4: groups and sections below a level-3 unit. They do not answer the self-report.
LEVEL4: tuple[tuple[str, DemoUnit], ...] = (
    (
        "fa-hr",
        D("fa-hr-hms", "HMS", "Seksjon for HMS", "HSE Section", kind="section", reports=False),
    ),
    (
        "fa-hr",
        D(
            "fa-hr-bht",
            "BHT",
            "Bedriftshelsetjenesten",
            "Occupational Health Service",
            kind="section",
            reports=False,
        ),
    ),
    (
        "nv-ikj",
        D(
            "nv-ikj-lab",
            "IKJ lab",
            "Laboratoriedrift kjemi",
            "Chemistry laboratories",
            kind="group",
            reports=False,
        ),
    ),
)

# Main safety areas: the 8 faculties, the museum, 5 areas of the central administration,
# and campus Gjøvik and Ålesund (16 in all, as in the 2024 report).
FA_MAIN_AREAS = {
    "fa-hr": (
        "hvo-fa-1",
        "Fellesadministrasjonen: HR, økonomi og stab",
        "Central administration: HR, finance and staff",
    ),
    "fa-ovs": ("hvo-fa-1", "", ""),
    "fa-rs": ("hvo-fa-1", "", ""),
    "fa-uk": (
        "hvo-fa-2",
        "Fellesadministrasjonen: utdanning og forskning",
        "Central administration: education and research",
    ),
    "fa-fi": ("hvo-fa-2", "", ""),
    "fa-eiend": (
        "hvo-fa-3",
        "Fellesadministrasjonen: eiendom og campus",
        "Central administration: property and campus",
    ),
    "fa-cu": ("hvo-fa-3", "", ""),
    "fa-cs": (
        "hvo-fa-4",
        "Fellesadministrasjonen: campusservice",
        "Central administration: campus services",
    ),
    "fa-dt": (
        "hvo-fa-5",
        "Fellesadministrasjonen: digitalisering, bibliotek og kommunikasjon",
        "Central administration: digitalisation, library and communication",
    ),
    "fa-ub": ("hvo-fa-5", "", ""),
    "fa-kom": ("hvo-fa-5", "", ""),
}
CAMPUS_MAIN_AREAS = {
    "gjovik": ("hvo-gjovik", "Campus Gjøvik", "Campus Gjøvik"),
    "alesund": ("hvo-alesund", "Campus Ålesund", "Campus Ålesund"),
}

FIRST_NAMES = (
    "Kari",
    "Ola",
    "Ingrid",
    "Lars",
    "Sigrid",
    "Ole",
    "Anne",
    "Jon",
    "Marit",
    "Per",
    "Hanne",
    "Bjørn",
    "Liv",
    "Knut",
    "Solveig",
    "Erik",
    "Ragnhild",
    "Thomas",
    "Silje",
    "Anders",
    "Tone",
    "Magnus",
    "Camilla",
    "Henrik",
    "Nora",
    "Espen",
    "Ida",
    "Håkon",
    "Maria",
    "Arne",
    "Priya",
    "Chen",
    "Fatima",
    "Lukas",
    "Sofia",
    "Ahmed",
    "Elena",
    "Jonas",
    "Emma",
    "Mehdi",
)
LAST_NAMES = (
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Jakobsen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Svendsen",
    "Eide",
    "Knutsen",
    "Martinsen",
    "Paulsen",
    "Bakken",
    "Kristoffersen",
    "Mathisen",
    "Lie",
)


def person_name(index: int) -> str:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index * 7 + index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first} {last}"
