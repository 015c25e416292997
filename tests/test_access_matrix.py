"""Who may open which page: every URL pattern of this project against every kind of
person, and the status each one gets. The one authorisation matrix (issue 10).

The people (`ROLES`) are those of the organisation in tests/conftest.py, and Rita, who
holds no role and reported case A. The objects of an entry belong to ibi unless it says
otherwise, so `leader_b` (ikj) is "another unit's leader" and `leader_fac` "the leader
above":

    ntnu ── nv ── ibi ── ibi-lab     leader_fac, hr_fac, lhvo_fac in nv; leader_a,
         │     └─ ikj                safety_a, coordinator_a in ibi; leader_b in ikj
         └─ hf ── ifr                hse_staff, chief_safety, amu: all of NTNU

What each may do follows the table of purposes and reaches in units/access.py, and the
rule of STYLE.md: 404 to whoever may not know an object exists, 403 to whoever may see it
but not act on it (and for a page that is not for them at all: the case list, the
editor), 302 to the sign-in page for whoever is signed out.

An entry names a URL (its arguments made from the `World`), GET or POST (with data), and
a row of statuses, one per person in the order of `ROLES`; more entries of one URL are
variants (another unit's record at this unit's address, a year without a questionnaire).
A POST entry says how to tell that it did its write: a refusal writes nothing, a success
writes. Some entries check what the page shows too (which cases a list holds, whose names
it shows). The deviations' own matrix and the units', results', feedback's, rounds',
exports' and editor's access lists live here now.

A named URL of ours without an entry fails `test_every_url_of_ours_has_an_entry`, and an
entry of a URL that is gone fails `test_every_entry_names_a_url_that_exists`: a new page
comes with its row in `ENTRIES`. The admin's and allauth's pages are not ours
(`NOT_OURS`); allauth's that we turn off are.

Each cell is one request, in a savepoint rolled back after it, so that what one person
posts does not change what the next one finds; the objects are made once per entry, only
those its URL names.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone

from deviations.models import Deviation, Injury, InjuryView, Photo, Status
from hms.lib.models import Job
from reporting.models import (
    Answer,
    Attachment,
    MatrixRow,
    Question,
    Questionnaire,
    Response,
    Section,
)
from riskassessment.models import Measure
from tests.deviations.factories import DeviationFactory, InjuryFactory, PhotoFactory
from tests.reporting.factories import (
    PDF,
    AnswerFactory,
    AttachmentFactory,
    MatrixQuestionFactory,
    MatrixRowFactory,
    QuestionFactory,
    QuestionnaireFactory,
    ReportingRoundFactory,
    ResponseFactory,
    SectionFactory,
)
from tests.riskassessment.factories import MeasureFactory
from tests.units.factories import (
    HseGoalFactory,
    SafetyMeetingFactory,
    TaskDelegationFactory,
)
from units.models import HseGoal, SafetyMeeting, TaskDelegation

User = get_user_model()

# The people, in the order of each entry's statuses, with their column's heading.
ROLES = (
    "anon",  # ano: not signed in
    "outsider",  # out: signed in, no role
    "reporter",  # rep: Rita, no role, reported case A
    "safety_a",  # saf: ibi's safety rep
    "coordinator_a",  # coo: ibi's HSE coordinator, case A's handler
    "leader_a",  # lea: ibi's leader
    "leader_fac",  # fac: the leader of nv, ibi's faculty
    "hr_fac",  # hr: nv's HR/HSE chief
    "lhvo_fac",  # lhv: nv's local chief safety rep
    "leader_b",  # oth: ikj's leader, of another unit
    "hse_staff",  # hse: the HSE section, all of NTNU
    "chief_safety",  # chf: the chief safety rep, all of NTNU
    "amu",  # amu: a member of the working environment committee
)
HEADING = "ano out rep saf coo lea fac hr  lhv oth hse chf amu"

# Pages that are not ours to test here: their own tests say who may open them.
NOT_OURS = {
    "namespace admin": "Django's admin site, for HSE staff with admin access "
    "(tests/units/test_admin.py)",
    "module allauth": "django-allauth's pages: signing in, out, and with Feide "
    "(tests/hms/test_sign_in.py)",
}

NAME = "Kari Skadet"  # the injured person of case A
IBI = {"A", "LAB"}
ALL = {"A", "LAB", "B", "C"}


class World:
    """The objects the entries' URLs name, made when first asked for, so that each entry
    makes only its own."""

    def __init__(self, org: Any, reporter: User) -> None:
        self.org = org
        self.people: dict[str, User | None] = {
            role: None if role == "anon" else getattr(org, role, None) for role in ROLES
        }
        self.people["reporter"] = reporter

    # -- the shared package: jobs --------------------------------------------------------

    @cached_property
    def job(self) -> Job:
        """A finished export of coordinator_a's, with its file."""
        job = Job.objects.create(
            kind="deviations.tasks.cases_export_task",
            title="Saker",
            requester=self.people["coordinator_a"],
            language="nb",
            status=Job.Status.DONE,
            file_name="saker.csv",
            content_type="text/csv",
        )
        job.file.save("saker.csv", ContentFile(b"\xef\xbb\xbfreference\r\n"))
        return job

    # -- deviations ---------------------------------------------------------------------

    @cached_property
    def cases(self) -> dict[str, Deviation]:
        """Four overdue cases: A (ibi, reported by Rita, handled by coordinator_a, with an
        injury of Kari Skadet), LAB (ibi-lab, below ibi), B (ikj) and C (ifr)."""
        org = self.org
        late = timezone.localdate() - datetime.timedelta(days=3)
        cases = {
            "A": DeviationFactory(
                unit=org.ibi,
                reporter=self.people["reporter"],
                handler=org.coordinator_a,
                deadline=late,
            ),
            "LAB": DeviationFactory(unit=org.ibi_lab, deadline=late),
            "B": DeviationFactory(unit=org.ikj, deadline=late),
            "C": DeviationFactory(unit=org.ifr, deadline=late),
        }
        InjuryFactory(deviation=cases["A"], injured_name=NAME, absence="le3")
        return cases

    @property
    def a(self) -> Deviation:
        return self.cases["A"]

    @property
    def lab(self) -> Deviation:
        return self.cases["LAB"]

    @cached_property
    def closed_lab(self) -> Deviation:
        """A closed case of ibi-lab, to be reopened."""
        return DeviationFactory(
            unit=self.org.ibi_lab, status=Status.CLOSED, closed_at=timezone.now()
        )

    @cached_property
    def photo(self) -> Photo:
        return PhotoFactory(deviation=self.a)

    @cached_property
    def measure(self) -> Measure:
        """A measure of the LAB case."""
        return MeasureFactory(deviation=self.lab, title="Anchor it")

    @cached_property
    def photo_of_b(self) -> Photo:
        return PhotoFactory(deviation=self.cases["B"])

    @cached_property
    def measure_of_b(self) -> Measure:
        return MeasureFactory(deviation=self.cases["B"], title="Anchor it")

    @property
    def year(self) -> dict[str, int]:
        """The year of the cases, for the register and the statistics."""
        return {"year": self.a.reported_at.year}

    # -- units ----------------------------------------------------------------------------

    @cached_property
    def goal(self) -> HseGoal:
        return HseGoalFactory(unit=self.org.ibi, created_by=self.org.leader_a)

    @cached_property
    def delegation(self) -> TaskDelegation:
        org = self.org
        return TaskDelegationFactory(
            unit=org.ibi, delegated_to=org.coordinator_a, delegated_by=org.leader_a
        )

    @cached_property
    def meeting(self) -> SafetyMeeting:
        org = self.org
        return SafetyMeetingFactory(unit=org.ibi, participants=[org.leader_a, org.safety_a])

    @cached_property
    def goal_of_ikj(self) -> HseGoal:
        return HseGoalFactory(unit=self.org.ikj, created_by=self.org.leader_b)

    # -- the self-report ------------------------------------------------------------------

    @cached_property
    def questionnaire(self) -> Questionnaire:
        """2024's, in a round of ibi and ikj that opened on 4 November 2024 (its section,
        a yes/no question and a matrix question of two rows come with `section`,
        `question` and `row`)."""
        questionnaire = QuestionnaireFactory(year=2024)
        ReportingRoundFactory(questionnaire=questionnaire, units=[self.org.ibi, self.org.ikj])
        return questionnaire

    @cached_property
    def section(self) -> Section:
        return SectionFactory(questionnaire=self.questionnaire)

    @cached_property
    def question(self) -> Question:
        return QuestionFactory(questionnaire=self.questionnaire)

    @cached_property
    def row(self) -> MatrixRow:
        """The first of the two rows of a matrix question (one may be retired)."""
        question = MatrixQuestionFactory(questionnaire=self.questionnaire)
        first = MatrixRowFactory(question=question)
        MatrixRowFactory(question=question)
        return first

    @cached_property
    def without_round(self) -> Questionnaire:
        """2023's questionnaire, of a year without a round."""
        return QuestionnaireFactory(year=2023)

    def _response(self, **traits: bool) -> Response:
        response = ResponseFactory(questionnaire=self.questionnaire, unit=self.org.ibi, **traits)
        AnswerFactory(response=response, question=self.question)
        for row in self.row.question.rows.all():
            AnswerFactory(response=response, question=row.question, row=row)
        return response

    @cached_property
    def draft(self) -> Response:
        """ibi's response of 2024, every question answered, not yet submitted."""
        return self._response()

    @cached_property
    def submitted(self) -> Response:
        """ibi's response of 2024, submitted by its leader."""
        return self._response(submitted=True)

    @cached_property
    def attachment(self) -> Attachment:
        return AttachmentFactory(response=self.draft)

    @cached_property
    def attachment_of_ikj(self) -> Attachment:
        ikj = ResponseFactory(questionnaire=self.questionnaire, unit=self.org.ikj)
        return AttachmentFactory(response=ikj)

    @cached_property
    def section_of_2023(self) -> Section:
        return SectionFactory(questionnaire=self.without_round)

    @property
    def answer(self) -> Answer:
        return self.draft.answers.get(question=self.question)


@dataclass(frozen=True)
class Entry:
    """One URL (of one variant of its arguments), one method, a status per person."""

    name: str  # the URL's name; for a pattern without one, its route (`path`)
    statuses: str  # one per person of ROLES, in their order
    args: Callable[[World], list[Any]] = field(default=lambda w: [])
    method: str = "GET"
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    query: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    variant: str = ""  # what tells this entry from the URL's others
    # POST: whether the request did its write (asked in its savepoint, after it)
    written: Callable[[World], bool] | None = None
    # what the page shows needs made before the cells (the cases of a list, say)
    given: Callable[[World], Any] = field(default=lambda w: None)
    # what a page the person may open shows them (an AssertionError if it is wrong)
    shows: Callable[[World, str, HttpResponse], None] | None = None
    public: bool = False  # open to the signed-out: their 302 is not to the sign-in page
    signed_out_write: bool = False  # a POST the signed-out make too (an anonymous report)
    path: bool = False  # `name` is the route of a pattern without a name

    @property
    def expected(self) -> dict[str, int]:
        statuses = [int(s) for s in self.statuses.split()]
        assert len(statuses) == len(ROLES), f"{self.name}: {len(statuses)} statuses"
        return dict(zip(ROLES, statuses, strict=True))

    @property
    def id(self) -> str:
        return " ".join(part for part in (self.method, self.name, self.variant) if part)

    def url(self, world: World) -> str:
        if self.path:
            return "/" + self.name.lstrip("^")
        return reverse(self.name, args=self.args(world))


# -- what some pages show: folded in from the deviations' matrix ----------------------------


def cases_in(world: World, text: str) -> set[str]:
    return {key for key, case in world.cases.items() if case.reference in text}


def lists(expected: dict[str, set[str]]) -> Callable[[World, str, HttpResponse], None]:
    """The page lists these of the four cases to each person who may open it."""

    def check(world: World, role: str, response: HttpResponse) -> None:
        listed = cases_in(world, response.content.decode())
        assert listed == expected[role], f"lists {sorted(listed)}"

    return check


# person -> the cases of the case list and the overdue list (all four are overdue)
LISTED = {
    "safety_a": IBI,  # the safety rep's area takes in the lab below the unit
    "coordinator_a": IBI,
    "leader_a": IBI,
    "leader_fac": {"A", "LAB", "B"},
    "hr_fac": {"A", "LAB", "B"},
    "lhvo_fac": {"A", "LAB", "B"},
    "leader_b": {"B"},
    "hse_staff": ALL,
    "chief_safety": ALL,
}
# who sees the name of the injured: the case's handler, the unit's leader, HSE staff
NAMED = {"coordinator_a", "leader_a", "hse_staff"}


def rows_of(response: HttpResponse) -> list[list[str]]:
    if response["Content-Type"].startswith("text/csv"):
        text = response.content.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text), delimiter=";"))  # the exports' dialect
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[str(c or "") for c in row] for row in sheet.iter_rows(values_only=True)]


def exports_cases(world: World, role: str, response: HttpResponse) -> None:
    """The export holds the cases of the list; the injured's name only for those who see
    it, and each name exported is logged as a view of the injury."""
    rows = rows_of(response)
    exported = cases_in(world, "\n".join(r[0] for r in rows[1:]))
    assert exported == LISTED[role], f"exports {sorted(exported)}"
    named = role in NAMED
    assert any(NAME in row for row in rows) is named, f"the injured's name exported: {not named}"
    viewed = InjuryView.objects.filter(viewed_by=world.people[role]).exists()
    assert viewed is named, f"a view of the injury logged: {viewed}"


# person -> whether case A is in the injury register (all but ikj's leader read ibi's)
# AMU reads the register in aggregate: case A counted under ibi, not listed (no row)
IN_REGISTER = {role: role not in ("leader_b", "amu") for role in ROLES}


def registers_injuries(world: World, role: str, response: HttpResponse) -> None:
    """The register holds case A's injury for those who read ibi, with the name only for
    those who see it, and each name shown is logged."""
    named = role in NAMED
    if response["Content-Type"].startswith("text/html"):
        body = response.content.decode()
        listed, shown = world.a.reference in body, NAME in body
        counted = 'id="register-counts"' in body
        assert counted is (role == "amu"), f"counts per unit and category: {counted}"
    else:
        rows = rows_of(response)
        listed = world.a.reference in [r[0] for r in rows[1:]]
        shown = any(NAME in r for r in rows)
        viewed = InjuryView.objects.filter(viewed_by=world.people[role]).exists()
        assert viewed is named, f"a view of the injury logged: {viewed}"
    assert listed is IN_REGISTER[role], f"case A in the register: {listed}"
    assert shown is named, f"the injured's name shown: {shown}"


def opens_injury(world: World, role: str, response: HttpResponse) -> None:
    """The injury page names the injured to those who see names; every opening of it is
    logged, with the name or without."""
    shown = NAME in response.content.decode()
    assert shown is (role in NAMED), f"the injured's name shown: {shown}"
    assert InjuryView.objects.filter(viewed_by=world.people[role]).exists(), "no view logged"


# person -> the reports counted in their statistics (of ibi 2, of nv 3, of all 4)
COUNTED = {
    "safety_a": 2,
    "coordinator_a": 2,
    "leader_a": 2,
    "leader_fac": 3,
    "hr_fac": 3,
    "lhvo_fac": 3,
    "leader_b": 1,
    "hse_staff": 4,
    "chief_safety": 4,
    "amu": 4,
}


def counts(world: World, role: str, response: HttpResponse) -> None:
    """The statistics count the reports the person reaches, and name nobody."""
    total = response.context["stats"].registered.total
    assert total == COUNTED[role], f"counts {total} reports"
    assert NAME not in response.content.decode(), "names the injured"


def own_reports(world: World, role: str, response: HttpResponse) -> None:
    """My reports: Rita's case A for Rita, nothing for the others."""
    listed = cases_in(world, response.content.decode())
    assert listed == ({"A"} if role == "reporter" else set()), f"lists {sorted(listed)}"


# -- the writes POST entries make ------------------------------------------------------


def case_changed(key: str, **values: Any) -> Callable[[World], bool]:
    def written(world: World) -> bool:
        case = Deviation.objects.get(pk=world.cases[key].pk)
        return all(getattr(case, name) == value for name, value in values.items())

    return written


REPORTED = "A ladder slipped in the workshop."


def report_form(world: World, identity: str) -> dict[str, Any]:
    """The report form, filled in for ibi, to be sent with `identity`."""
    return {
        "kind": "event",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "unit": world.org.ibi.pk,
        "description": REPORTED,
        "identity": identity,
    }


def reported(world: World) -> bool:
    return Deviation.objects.filter(description=REPORTED).exists()


def handling(prefix: str, **data: str) -> Callable[[World], dict[str, Any]]:
    """A handling form of the LAB case, valid, as loaded with the case's version."""
    return lambda w: {f"{prefix}-version": w.lab.version, **data}


def _injury_post(world: World) -> dict[str, Any]:
    return {
        "version": world.a.injury.version,
        "injured_kind": "employee",
        "injured_name": NAME,
        "injury": "A cut on the hand",
        "absence": "le3",
    }


def _answer_post(world: World) -> dict[str, Any]:
    answer = world.answer
    return {
        "question": world.question.key,
        "row": "",
        "value": "no",
        "answer": answer.pk,
        "version": answer.version,
    }


def _ibi_2024(world: World) -> list[Any]:
    return [world.questionnaire.year, "ibi"]


def _draft_2024(world: World) -> list[Any]:
    return [world.draft.questionnaire.year, "ibi"]


def _submitted_2024(world: World) -> list[Any]:
    return [world.submitted.questionnaire.year, "ibi"]


def _year(world: World) -> list[Any]:
    return [world.questionnaire.year]


def _lab(world: World) -> list[Any]:
    return [world.lab.reference]


# fmt: off
ENTRIES = [
    # -- the project's pages: for everyone signed in ---------------------------------------
    #               ano out rep saf coo lea fac hr  lhv oth hse chf amu
    Entry("home",
          statuses="302 200 200 200 200 200 200 200 200 200 200 200 200"),
    Entry("healthz", public=True,
          statuses="200 200 200 200 200 200 200 200 200 200 200 200 200"),
    # a job's page and its file: its requester's alone (404 to everyone else)
    Entry("job", args=lambda w: [w.job.pk],
          statuses="302 404 404 404 200 404 404 404 404 404 404 404 404"),
    Entry("job_file", args=lambda w: [w.job.pk],
          statuses="302 404 404 404 200 404 404 404 404 404 404 404 404"),
    Entry("switch_language", public=True,
          method="POST", data=lambda w: {"language": "en", "next": "/"},
          written=lambda w: User.objects.filter(preferred_language="en").exists(),
          statuses="302 302 302 302 302 302 302 302 302 302 302 302 302"),
    # allauth's pages that are not offered (the HSE section and Feide keep the addresses)
    Entry("accounts/email/", path=True, public=True,
          statuses="404 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("^accounts/confirm-email/", path=True, public=True,
          statuses="404 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("accounts/3rdparty/signup/", path=True, public=True,
          statuses="404 404 404 404 404 404 404 404 404 404 404 404 404"),
    # Feide's callback (units/feide.py), open to the signed-out as allauth's is: with no
    # Feide configured here, nobody reaches a provider (its journeys: tests/browser/test_feide.py)
    Entry("feide_callback", args=lambda w: ["feide"], public=True,
          statuses="404 404 404 404 404 404 404 404 404 404 404 404 404"),

    # -- units: read by the unit's people and those above it; goals and delegations are
    # managed by leaders, HR/HSE chiefs and coordinators; meetings recorded by leaders,
    # coordinators and safety reps
    #               ano out rep saf coo lea fac hr  lhv oth hse chf amu
    Entry("units:list",
          statuses="302 403 403 200 200 200 200 200 200 200 200 200 403"),
    Entry("units:detail", args=lambda w: ["ibi"],
          statuses="302 404 404 200 200 200 200 200 200 404 200 200 404"),
    Entry("units:detail", args=lambda w: ["nope"], variant="no such unit",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("units:record_new", args=lambda w: ["ibi", "goals"], variant="goal",
          statuses="302 404 404 403 200 200 200 200 403 404 200 403 404"),
    Entry("units:record_new", args=lambda w: ["ibi", "delegations"], variant="delegation",
          statuses="302 404 404 403 200 200 200 200 403 404 200 403 404"),
    Entry("units:record_new", args=lambda w: ["ibi", "meetings"], variant="meeting",
          statuses="302 404 404 200 200 200 200 403 403 404 200 403 404"),
    Entry("units:record_edit", args=lambda w: ["ibi", "goals", w.goal.pk], variant="goal",
          statuses="302 404 404 403 200 200 200 200 403 404 200 403 404"),
    Entry("units:record_edit", args=lambda w: ["ibi", "delegations", w.delegation.pk],
          variant="delegation",
          statuses="302 404 404 403 200 200 200 200 403 404 200 403 404"),
    Entry("units:record_edit", args=lambda w: ["ibi", "meetings", w.meeting.pk],
          variant="meeting",
          statuses="302 404 404 200 200 200 200 403 403 404 200 403 404"),
    # another unit's record is not found through this unit's address
    Entry("units:record_edit", args=lambda w: ["ibi", "goals", w.goal_of_ikj.pk],
          variant="ikj's goal at ibi's address",
          statuses="302 404 404 403 404 404 404 404 403 404 404 403 404"),

    # -- the self-report: answered by the unit's leader and safety rep together, read by
    # those who read the unit; results read as far as each reaches (AMU: all of them)
    #               ano out rep saf coo lea fac hr  lhv oth hse chf amu
    Entry("reporting:index",
          statuses="302 200 200 200 200 200 200 200 200 200 200 200 200"),
    Entry("reporting:response", args=_draft_2024,
          statuses="302 404 404 200 200 200 200 200 200 404 200 200 404"),
    Entry("reporting:response", args=lambda w: [1999, "ibi"],
          variant="a year without a questionnaire",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("reporting:answer_save", args=_draft_2024, method="POST", data=_answer_post,
          written=lambda w: Answer.objects.get(pk=w.answer.pk).value == "no",
          statuses="302 404 404 302 403 302 403 403 403 404 403 403 404"),
    # the form's poll for the other person's answers: read as the form is
    Entry("reporting:answers_changed", args=_draft_2024,
          statuses="302 404 404 200 200 200 200 200 200 404 200 200 404"),
    Entry("reporting:response_submit", args=_draft_2024, method="POST",
          written=lambda w: Response.objects.get(pk=w.draft.pk).status == "submitted",
          statuses="302 404 404 403 403 302 403 403 403 404 403 403 404"),
    Entry("reporting:response_confirm", args=_submitted_2024, method="POST",
          written=lambda w: Response.objects.get(pk=w.submitted.pk).confirmed_at is not None,
          statuses="302 404 404 302 403 403 403 403 403 404 403 403 404"),
    Entry("reporting:response_reopen", args=_submitted_2024, method="POST",
          data=lambda w: {"reason": "An answer was wrong"},
          written=lambda w: Response.objects.get(pk=w.submitted.pk).status == "draft",
          statuses="302 404 404 403 403 403 403 403 403 404 302 403 404"),
    Entry("reporting:attachment_upload", args=_draft_2024, method="POST",
          data=lambda w: {
              "kind": "action_plan",
              "file": SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
          },
          written=lambda w: w.draft.attachments.filter(name="plan.pdf").exists(),
          statuses="302 404 404 302 403 302 403 403 403 404 403 403 404"),
    Entry("reporting:attachment_download",
          args=lambda w: [*_draft_2024(w), w.attachment.pk],
          statuses="302 404 404 200 200 200 200 200 200 404 200 200 404"),
    Entry("reporting:attachment_download",
          args=lambda w: [*_draft_2024(w), w.attachment_of_ikj.pk],
          variant="ikj's file at ibi's address",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("reporting:attachment_delete",
          args=lambda w: [*_draft_2024(w), w.attachment.pk], method="POST",
          written=lambda w: not Attachment.objects.filter(pk=w.attachment.pk).exists(),
          statuses="302 404 404 302 403 302 403 403 403 404 403 403 404"),
    Entry("reporting:attachment_delete",
          args=lambda w: [*_draft_2024(w), w.attachment_of_ikj.pk], method="POST",
          variant="ikj's file at ibi's address",
          written=lambda w: not Attachment.objects.filter(pk=w.attachment_of_ikj.pk).exists(),
          statuses="302 404 404 404 403 404 403 403 403 404 403 403 404"),
    Entry("reporting:results", args=_year,
          statuses="302 403 403 403 403 403 403 403 403 403 200 200 200"),
    Entry("reporting:results", args=lambda w: [1999], variant="a year without a questionnaire",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("reporting:results_export", args=lambda w: [str(w.questionnaire.year), "csv"],
          statuses="302 403 403 403 403 403 403 403 403 403 200 200 200"),
    Entry("reporting:results_export", args=lambda w: ["1999", "csv"],
          variant="a year without a questionnaire",
          statuses="302 403 403 403 403 403 403 403 403 403 404 404 404"),
    Entry("reporting:results_unit", args=_ibi_2024,
          statuses="302 404 404 200 200 200 200 200 200 404 200 200 200"),
    Entry("reporting:results_unit", args=lambda w: [w.questionnaire.year, "nv"],
          variant="a faculty",
          statuses="302 404 404 404 404 404 200 200 200 404 200 200 200"),
    # all of NTNU's results have a page of their own
    Entry("reporting:results_unit", args=lambda w: [w.questionnaire.year, "ntnu"],
          variant="all of NTNU",
          statuses="302 404 404 404 404 404 404 404 404 404 302 302 302"),
    Entry("reporting:results_unit", args=lambda w: [1999, "ibi"],
          variant="a year without a questionnaire",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("reporting:results_unit", args=lambda w: [w.questionnaire.year, "nope"],
          variant="no such unit",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("reporting:results_unit_export",
          args=lambda w: [str(w.questionnaire.year), "ibi", "csv"],
          statuses="302 404 404 200 200 200 200 200 200 404 200 200 200"),
    Entry("reporting:results_unit_export",
          args=lambda w: [str(w.questionnaire.year), "nv", "xlsx"], variant="a faculty",
          statuses="302 404 404 404 404 404 200 200 200 404 200 200 200"),
    Entry("reporting:results_unit_export",
          args=lambda w: [str(w.questionnaire.year), "nope", "csv"], variant="no such unit",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("reporting:feedback", args=_ibi_2024,
          statuses="302 404 404 200 200 200 200 200 200 404 200 200 200"),
    Entry("reporting:feedback", args=lambda w: [w.questionnaire.year, "nv"],
          variant="a faculty",
          statuses="302 404 404 404 404 404 200 200 200 404 200 200 200"),
    Entry("reporting:feedback", args=lambda w: [w.questionnaire.year, "nope"],
          variant="no such unit",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    # the round: opened and changed by HSE staff, its progress followed by those who read
    # the results of a faculty (or all of them)
    Entry("reporting:round_edit", args=_year,
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:round_edit", args=lambda w: [2019], variant="no questionnaire",
          statuses="302 403 403 403 403 403 403 403 403 403 404 403 403"),
    Entry("reporting:round_progress", args=_year,
          statuses="302 403 403 403 403 403 200 200 200 403 200 200 200"),
    Entry("reporting:round_progress", args=lambda w: [2019], variant="no questionnaire",
          statuses="302 403 403 403 403 403 404 404 404 403 404 404 404"),
    Entry("reporting:round_progress_unit", args=lambda w: [w.questionnaire.year, "nv"],
          statuses="302 404 404 404 404 404 200 200 200 404 200 200 200"),
    Entry("reporting:round_progress_unit", args=lambda w: [w.questionnaire.year, "hf"],
          variant="another faculty",
          statuses="302 404 404 404 404 404 404 404 404 404 200 200 200"),
    Entry("reporting:round_progress_unit", args=_ibi_2024, variant="not a faculty",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("reporting:round_progress_unit", args=lambda w: [w.without_round.year, "nv"],
          variant="a year without a round",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    # the questionnaire editor and the import of earlier years: HSE staff only
    #               ano out rep saf coo lea fac hr  lhv oth hse chf amu
    Entry("reporting:questionnaires",
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:questionnaire_edit", args=_year,
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:questionnaire_title", args=_year,
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:section_new", args=_year,
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:section_edit", args=lambda w: [*_year(w), w.section.pk],
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:section_edit", args=lambda w: [*_year(w), w.section_of_2023.pk],
          variant="2023's section at 2024's address",
          statuses="302 403 403 403 403 403 403 403 403 403 404 403 403"),
    Entry("reporting:section_remove", args=lambda w: [*_year(w), w.section.pk],
          method="POST",
          written=lambda w: not Section.objects.filter(pk=w.section.pk).exists(),
          statuses="302 403 403 403 403 403 403 403 403 403 302 403 403"),
    Entry("reporting:question_new", args=_year,
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:question_edit", args=lambda w: [*_year(w), w.question.pk],
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:question_remove", args=lambda w: [*_year(w), w.question.pk],
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:matrix_row_new", args=lambda w: [*_year(w), w.row.question_id],
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:matrix_row_new", args=lambda w: [*_year(w), w.question.pk],
          variant="a question that is not a matrix",
          statuses="302 403 403 403 403 403 403 403 403 403 404 403 403"),
    Entry("reporting:matrix_row_edit",
          args=lambda w: [*_year(w), w.row.question_id, w.row.pk],
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:matrix_row_retire",
          args=lambda w: [*_year(w), w.row.question_id, w.row.pk], method="POST",
          data=lambda w: {"retired": "1", "version": w.row.version},
          written=lambda w: MatrixRow.objects.get(pk=w.row.pk).retired,
          statuses="302 403 403 403 403 403 403 403 403 403 302 403 403"),
    Entry("reporting:responses_import_page", args=_year,
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),
    Entry("reporting:responses_import_template", args=_year,
          statuses="302 403 403 403 403 403 403 403 403 403 200 403 403"),

    # -- deviations: reported by everyone; a case is read by those who read its unit, its
    # handler and its reporter, and handled by its handler, the unit's coordinator (and
    # the units below), its leader (that unit only) and HSE staff
    #               ano out rep saf coo lea fac hr  lhv oth hse chf amu
    # the form and the receipt lookup are open to the signed-out too (issue 11 item 3),
    # who report anonymously only; every other page of a deviation needs signing in
    Entry("deviations:new", public=True,
          statuses="200 200 200 200 200 200 200 200 200 200 200 200 200"),
    Entry("deviations:new", method="POST", public=True, signed_out_write=True,
          variant="anonymous",
          data=lambda w: report_form(w, "anonymous"), written=reported,
          statuses="200 200 200 200 200 200 200 200 200 200 200 200 200"),
    Entry("deviations:new", method="POST", public=True, signed_out_write=True,
          variant="named",
          data=lambda w: report_form(w, "named"), written=reported,
          statuses="400 200 200 200 200 200 200 200 200 200 200 200 200"),
    Entry("deviations:mine", given=lambda w: w.cases, shows=own_reports,
          statuses="302 200 200 200 200 200 200 200 200 200 200 200 200"),
    Entry("deviations:receipt", public=True,
          statuses="200 200 200 200 200 200 200 200 200 200 200 200 200"),
    Entry("deviations:receipt", method="POST", public=True, variant="a code of no report",
          data=lambda w: {"code": "AAAA-BBBB-CCCC"},
          statuses="404 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("deviations:lessons",
          statuses="302 200 200 200 200 200 200 200 200 200 200 200 200"),
    Entry("deviations:list", given=lambda w: w.cases, shows=lists(LISTED),
          statuses="302 403 403 200 200 200 200 200 200 200 200 200 403"),
    Entry("deviations:overdue", given=lambda w: w.cases, shows=lists(LISTED),
          statuses="302 403 403 200 200 200 200 200 200 200 200 200 403"),
    Entry("deviations:export", args=lambda w: ["csv"], given=lambda w: w.cases,
          shows=exports_cases,
          statuses="302 403 403 200 200 200 200 200 200 200 200 200 403"),
    Entry("deviations:detail", args=lambda w: [w.a.reference], variant="case A",
          statuses="302 404 200 200 200 200 200 200 200 404 200 200 404"),
    Entry("deviations:detail", args=lambda w: ["AV-1999-00001"], variant="no such case",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("deviations:photo", args=lambda w: [w.a.reference, w.photo.pk],
          statuses="302 404 200 200 200 200 200 200 200 404 200 200 404"),
    Entry("deviations:photo", args=lambda w: [w.a.reference, w.photo_of_b.pk],
          variant="case B's photo at case A's address",
          statuses="302 404 404 404 404 404 404 404 404 404 404 404 404"),
    Entry("deviations:update", args=lambda w: [w.a.reference], variant="case A",
          method="POST",
          data=lambda w: {
              "update-version": w.a.version,
              "update-status": "in_progress",
              "update-cause": "Bolts",
          },
          written=case_changed("A", cause="Bolts"),
          statuses="302 404 403 403 302 302 403 403 403 404 302 403 404"),
    # the LAB case (ibi-lab, below ibi): its coordinator's reach takes in the lab; the
    # institute's leader reads the lab's cases while its coordinator handles them
    Entry("deviations:update", args=_lab, variant="case LAB", method="POST",
          data=handling("update", **{"update-status": "in_progress"}),
          written=case_changed("LAB", status=Status.IN_PROGRESS),
          statuses="302 404 404 403 302 403 403 403 403 404 302 403 404"),
    Entry("deviations:assign", args=_lab, variant="case LAB", method="POST",
          data=handling(
              "assign",
              **{"assign-handler": "coordinator_a@example.org", "assign-unit": "ibi-lab"},
          ),
          written=lambda w: Deviation.objects.get(pk=w.lab.pk).handler == w.org.coordinator_a,
          statuses="302 404 404 403 302 403 403 403 403 404 302 403 404"),
    Entry("deviations:reject", args=_lab, variant="case LAB", method="POST",
          data=handling("reject", **{"reject-reason": "A duplicate"}),
          written=case_changed("LAB", status=Status.REJECTED),
          statuses="302 404 404 403 302 403 403 403 403 404 302 403 404"),
    Entry("deviations:close", args=_lab, variant="case LAB", method="POST",
          data=handling("close"),
          written=case_changed("LAB", status=Status.CLOSED),
          statuses="302 404 404 403 302 403 403 403 403 404 302 403 404"),
    Entry("deviations:reopen", args=lambda w: [w.closed_lab.reference],
          variant="closed case LAB", method="POST",
          data=lambda w: {"reopen-version": w.closed_lab.version, "reopen-reason": "Not fixed"},
          written=lambda w: Deviation.objects.get(pk=w.closed_lab.pk).status
          == Status.IN_PROGRESS,
          statuses="302 404 404 403 302 403 403 403 403 404 302 403 404"),
    Entry("deviations:redact", args=_lab, variant="case LAB", method="POST",
          data=handling("redact", **{"redact-description": "Something fell."}),
          written=case_changed("LAB", description="Something fell."),
          statuses="302 404 404 403 302 403 403 403 403 404 302 403 404"),
    Entry("deviations:measure_new", args=_lab, variant="case LAB", method="POST",
          data=handling("measure", **{"measure-title": "Anchor it", "measure-status": "planned"}),
          written=lambda w: Measure.objects.filter(deviation=w.lab, title="Anchor it").exists(),
          statuses="302 404 404 403 302 403 403 403 403 404 302 403 404"),
    Entry("deviations:measure_edit", args=lambda w: [w.lab.reference, w.measure.pk],
          variant="case LAB", method="POST",
          data=lambda w: {
              f"measure-{w.measure.pk}-version": w.measure.version,
              f"measure-{w.measure.pk}-title": "Anchor it well",
              f"measure-{w.measure.pk}-status": "done",
          },
          written=lambda w: Measure.objects.get(pk=w.measure.pk).title == "Anchor it well",
          statuses="302 404 404 403 302 403 403 403 403 404 302 403 404"),
    Entry("deviations:measure_edit", args=lambda w: [w.lab.reference, w.measure_of_b.pk],
          variant="case B's measure at case LAB's address", method="POST",
          data=lambda w: {
              f"measure-{w.measure_of_b.pk}-version": w.measure_of_b.version,
              f"measure-{w.measure_of_b.pk}-title": "Anchor it well",
              f"measure-{w.measure_of_b.pk}-status": "done",
          },
          written=lambda w: Measure.objects.get(pk=w.measure_of_b.pk).title == "Anchor it well",
          statuses="302 404 404 403 404 403 403 403 403 404 404 403 404"),
    # the injury register and the statistics: without names for those who read a unit's
    # reports or statistics (AMU: all of NTNU's); names for the unit's leader, the case's
    # handler and HSE staff
    #               ano out rep saf coo lea fac hr  lhv oth hse chf amu
    Entry("deviations:statistics", query=lambda w: w.year, shows=counts,
          statuses="302 403 403 200 200 200 200 200 200 200 200 200 200"),
    Entry("deviations:injuries", query=lambda w: w.year, shows=registers_injuries,
          statuses="302 403 403 200 200 200 200 200 200 200 200 200 200"),
    Entry("deviations:injuries_export", args=lambda w: ["csv"], variant="csv",
          query=lambda w: w.year, shows=registers_injuries,
          statuses="302 403 403 200 200 200 200 200 200 200 200 200 200"),
    Entry("deviations:injuries_export", args=lambda w: ["xlsx"], variant="xlsx",
          query=lambda w: w.year, shows=registers_injuries,
          statuses="302 403 403 200 200 200 200 200 200 200 200 200 200"),
    # one report's injury: opened by the handler and those who read the unit's reports,
    # not by the reporter as such; recorded by the handler and HSE staff
    Entry("deviations:injury", args=lambda w: [w.a.reference], variant="case A",
          shows=opens_injury,
          statuses="302 404 404 200 200 200 200 200 200 404 200 200 404"),
    Entry("deviations:injury", args=lambda w: [w.a.reference], variant="case A",
          method="POST", data=_injury_post,
          written=lambda w: Injury.objects.get(pk=w.a.injury.pk).injury == "A cut on the hand",
          statuses="302 404 404 403 302 403 403 403 403 404 302 403 404"),
]
# fmt: on


# -- the URLs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the route of a pattern without a name
    owner: str  # a key of NOT_OURS, or "" for ours


def _owner(namespace: str, module: str | None) -> str:
    if namespace.split(":")[0] == "admin":
        return "namespace admin"
    if module is not None and module.split(".")[0] == "allauth":
        return "module allauth"
    return ""


def url_patterns(urlconf: str | None = None) -> list[Pattern]:
    """Every pattern the resolver knows, through every include: named by its namespaced
    name, or by its route when it has no name; owned by the module first included."""
    found: list[Pattern] = []

    def walk(patterns: list[Any], prefix: str, namespace: str, module: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                included = pattern.urlconf_name  # a module, its name, or a list (the admin's)
                inner = (
                    included if isinstance(included, str) else getattr(included, "__name__", None)
                )
                walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    ":".join(n for n in (namespace, pattern.namespace) if n),
                    module or inner,
                )
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    key = f"{namespace}:{pattern.name}" if namespace else pattern.name
                else:
                    key = prefix + str(pattern.pattern)
                found.append(Pattern(key=key, owner=_owner(namespace, module)))

    walk(get_resolver(urlconf).url_patterns, "", "", None)
    return found


def ours(patterns: list[Pattern]) -> set[str]:
    return {p.key for p in patterns if not p.owner}


ENTRY_KEYS = {entry.name for entry in ENTRIES}


def test_every_url_of_ours_has_an_entry():
    missing = ours(url_patterns()) - ENTRY_KEYS
    assert not missing, f"Say in ENTRIES who may open {sorted(missing)}"


def test_every_entry_names_a_url_that_exists():
    gone = ENTRY_KEYS - ours(url_patterns())
    assert not gone, f"These URLs are gone: take their entries out of ENTRIES: {sorted(gone)}"


def test_the_signed_out_open_only_the_report_form_and_the_receipt_lookup():
    """Issue 11 item 3: reporting anonymously and following a receipt code need no
    account; every other page of ours (but the health check, the language switch and
    allauth's own) still sends the signed-out to the sign-in page."""
    opened = {e.name for e in ENTRIES if e.expected["anon"] != 302}
    assert {n for n in opened if n.startswith("deviations:")} == {
        "deviations:new",
        "deviations:receipt",
    }
    assert {n for n in opened if ":" in n and not n.startswith("deviations:")} == set()


def test_what_is_not_ours_is_said_and_is_there():
    owners = {p.owner for p in url_patterns()} - {""}
    assert owners == set(NOT_OURS)


def _unlisted(request: Any) -> HttpResponse:
    return HttpResponse("A page nobody wrote a row for")


# The project's URLs and one more: the URLconf of the next test.
urlpatterns = [
    *get_resolver().url_patterns,
    path("unlisted/", _unlisted, name="unlisted"),
]


def test_a_new_url_without_an_entry_is_found():
    assert ours(url_patterns(__name__)) - ENTRY_KEYS == {"unlisted"}


# -- the matrix -----------------------------------------------------------------------------


@pytest.fixture
def world(org, reporter, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    return World(org, reporter)


def _close(response: HttpResponse) -> None:
    """Close a file the response streams (not the response: that would end the test's
    database connection)."""
    for closer in getattr(response, "_resource_closers", []):
        closer()


def _request(world: World, entry: Entry, role: str, url: str) -> tuple[int, str]:
    """One person's request, in a savepoint rolled back after it: the status, and what is
    wrong besides ("" when nothing is)."""
    person = world.people[role]
    signed_in = person is not None
    cache.clear()  # the rate limits count there
    with transaction.atomic():
        client = Client(raise_request_exception=False)
        if signed_in:
            client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
        if entry.method == "POST":
            response = client.post(url, entry.data(world))
        else:
            response = client.get(url, entry.query(world))
        _close(response)
        status = response.status_code
        problem = ""
        try:
            if status == 302 and not entry.public:
                to_sign_in = response["Location"].startswith(reverse("account_login"))
                assert to_sign_in is not signed_in, f"sent to {response['Location']}"
            if entry.written is not None:
                done = entry.written(world)
                writes = signed_in or entry.signed_out_write
                assert done is (writes and status < 400), f"written: {done}"
            if entry.shows is not None and status == 200:
                entry.shows(world, role, response)
        except AssertionError as error:
            problem = str(error).split("\n")[0] or "the page shows the wrong thing"
        transaction.set_rollback(True)
    return status, problem


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.id)
def test_who_may_do_what(world, entry):
    # given what the URL names and its page shows (made once, outside the savepoints)
    url = entry.url(world)
    entry.given(world)
    entry.data(world)
    entry.query(world)
    # when each person asks for it
    got: dict[str, int] = {}
    problems: list[str] = []
    for role in ROLES:
        got[role], problem = _request(world, entry, role, url)
        if problem:
            problems.append(f"{role}: {problem}")
    # then each gets the status of their cell, and sees what they may
    row = " ".join(str(got[role]) for role in ROLES)
    expected = " ".join(str(entry.expected[role]) for role in ROLES)
    assert row == expected, "\n".join(
        [f"         {HEADING}", f"expected {expected}", f"got      {row}"]
    )
    assert not problems, problems


POST_ONLY = sorted(
    {e.name for e in ENTRIES if e.method == "POST"} - {e.name for e in ENTRIES if e.method == "GET"}
)


@pytest.mark.parametrize("name", POST_ONLY)
def test_a_page_that_only_takes_a_post_refuses_a_get(world, login, name):
    entry = next(e for e in ENTRIES if e.name == name)
    response = login(world.org.hse_staff).get(entry.url(world))
    assert response.status_code == 405
