"""The whole life of a deviation, through the pages only: an employee of ibi (its safety
representative) reports an undesired event on a phone (390 × 844, Norwegian); the unit's
HSE coordinator handles it on a desktop (English): takes it, sets the potential
consequence, writes the cause analysis, adds a corrective measure and closes the case; and
the reporter, back on the phone, sees the report closed under "My reports", gets the
closing e-mail, and can only read the case.

Closing writes the reporter's notice to the outbox and enqueues its sending on commit. The
tests' broker is Redis with no worker listening, so this test runs the Celery app eagerly:
the real task sends the e-mail in the live server's thread, into the test's `mailoutbox`."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from deviations.models import Category, Deviation, Identity, Kind, Status
from hms.celery import app as celery_app
from hms.lib.models import Notice
from riskassessment.models import Measure, MeasureStatus
from tests.browser.conftest import (
    PHONE,
    accessibility_violations,
    no_horizontal_scroll,
    shot,
    sign_in,
)
from tests.deviations.factories import CategoryFactory, CategorySchemeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chemical_spill(db) -> Category:
    """A category whose cases cannot be closed without a cause analysis and a measure."""
    scheme = CategorySchemeFactory(name_nb="2024 H2", valid_from=datetime.date(2024, 7, 1))
    fire = CategoryFactory(
        scheme=scheme, code="fire", name_nb="Brann, utslipp og evakuering", name_en="Fire"
    )
    return CategoryFactory(
        scheme=scheme,
        parent=fire,
        code="spill",
        name_nb="Kjemikalieutslipp",
        name_en="Chemical spill",
        requires_cause_and_measure=True,
    )


@pytest.fixture
def celery_eager():
    """Tasks run where they are sent (the live server's thread) for this test only."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def open_menu_item(page, href: str) -> None:
    """Follow a link in the "Deviations" menu of the navigation bar, through the collapsed
    menu on a phone."""
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    item = page.locator(f"#main-nav .dropdown-menu a[href='{href}']")
    item.locator("xpath=ancestor::li[contains(@class, 'dropdown')]").locator(
        "a.dropdown-toggle"
    ).click()
    item.click()
    page.wait_for_url(f"**{href}")


def open_section(page, name: str) -> None:
    """Open a handling form's accordion item on the case page by its title, and wait until
    it has finished opening (a click during Bootstrap's transition can miss)."""
    button = page.get_by_role("button", name=name, exact=True)
    if button.get_attribute("aria-expanded") != "true":
        button.click()
    page.locator(f"#{button.get_attribute('aria-controls')}.collapse.show").wait_for()
    page.wait_for_function("() => !document.querySelector('.collapsing')")


def submit(page, button) -> None:
    """Click a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        button.click()


def test_a_deviation_from_phone_report_to_closure(
    page_at, live_server, org, chemical_spill, celery_eager, mailoutbox
):
    reporter = org.safety_a
    coordinator = org.coordinator_a

    # -- the reporter, on a phone, reports an undesired event with a category -----------
    phone = page_at(PHONE)
    sign_in(phone, live_server, reporter.email)
    phone.wait_for_url(f"{live_server.url}/")
    open_menu_item(phone, "/deviations/new/")
    assert phone.locator("select[name=unit]").input_value() == str(org.ibi.pk)
    phone.locator("label[for=id_kind_0]").click()
    assert phone.locator(f"input[name=kind][value={Kind.EVENT}]").is_checked()
    phone.locator("textarea[name=description]").fill(
        "Saltsyre sølt på benken i labben; ingen hadde verneutstyr."
    )
    phone.locator("input[name=location]").fill("Lab 2 i kjelleren")
    phone.locator("details.report-details summary").click()
    phone.get_by_label("Kjemikalieutslipp").check()
    phone.locator("select[name=actual_people]").select_option("1")
    assert phone.locator(f"input[name=identity][value={Identity.NAMED}]").is_checked()
    assert no_horizontal_scroll(phone)
    shot(phone, "deviation-journey-1-phone-report")
    phone.locator("button[type=submit].report-submit").click()

    phone.get_by_role("heading", name="Takk for at du meldte fra").wait_for()
    deviation = Deviation.objects.get()
    reference = deviation.reference
    assert reference in phone.locator("main").inner_text()
    assert (deviation.kind, deviation.status, deviation.reporter) == (
        Kind.EVENT,
        Status.NEW,
        reporter,
    )
    assert (deviation.unit, deviation.handler) == (org.ibi, coordinator)
    assert list(deviation.categories.all()) == [chemical_spill]
    assert deviation.closed_at is None
    shot(phone, "deviation-journey-2-phone-thanks")

    # -- the coordinator finds the case in the case list, on a desktop ------------------
    desk = page_at(language="en")
    sign_in(desk, live_server, coordinator.email)
    desk.wait_for_url(f"{live_server.url}/")
    open_menu_item(desk, "/deviations/")
    row = desk.locator("table.case-table tbody tr", has_text=reference)
    assert row.count() == 1
    assert "New" in row.locator(".case-status").inner_text()
    shot(desk, "deviation-journey-3-case-list")
    row.get_by_role("link", name=reference).click()
    desk.wait_for_url(f"**/deviations/{reference}/")

    assert desk.locator("#case-status").inner_text() == "New"
    assert desk.locator("#reporter").inner_text() == reporter.full_name
    # the category asks for a cause analysis and a measure before the case can be closed
    assert desk.locator("#close-blockers li").count() == 2
    assert accessibility_violations(desk) == []
    shot(desk, "deviation-journey-4-case-new")

    # takes the case: it is already theirs (the unit's coordinator gets it); in progress,
    # with the potential consequence for people
    open_section(desk, "Assign the case")
    assert desk.locator("#id_assign-handler").input_value() == coordinator.email
    open_section(desk, "Status, cause, consequence, deadline")
    form = desk.locator("#form-update form")
    form.locator("#id_update-status").select_option(Status.IN_PROGRESS)
    form.locator("#id_update-potential_people").select_option("4")
    assert form.get_by_label("Fire › Chemical spill").is_checked()
    submit(desk, form.get_by_role("button", name="Save"))
    assert desk.locator("#case-status").inner_text() == "In progress"
    assert "The case is saved." in desk.locator("main").inner_text()
    deviation.refresh_from_db()
    assert (deviation.status, deviation.potential_people) == (Status.IN_PROGRESS, 4)

    # closing now is refused: the cause analysis and the measure are still missing
    open_section(desk, "Close the case")
    desk.once("dialog", lambda dialog: dialog.accept())
    submit(desk, desk.locator("#form-close form").get_by_role("button", name="Close"))
    errors = desk.locator("#form-close").inner_text()
    assert "requires a cause analysis" in errors and "requires at least one measure" in errors
    deviation.refresh_from_db()
    assert (deviation.status, deviation.closed_at) == (Status.IN_PROGRESS, None)
    shot(desk, "deviation-journey-5-close-refused")

    # the cause analysis
    open_section(desk, "Status, cause, consequence, deadline")
    form = desk.locator("#form-update form")
    assert form.locator("#id_update-status").input_value() == Status.IN_PROGRESS
    assert form.locator("#id_update-potential_people").input_value() == "4"
    form.locator("#id_update-cause").fill(
        "Flasken sto uten sekundærbeholder, og verneutstyret var låst inne."
    )
    submit(desk, form.get_by_role("button", name="Save"))
    assert "The case is saved." in desk.locator("main").inner_text()
    assert desk.locator("#close-blockers li").count() == 1
    deviation.refresh_from_db()
    assert deviation.cause.startswith("Flasken sto uten sekundærbeholder")

    # a corrective measure, done
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    open_section(desk, "Add a measure")
    form = desk.locator("#form-measure form")
    form.locator("#id_measure-title").fill("Sekundærbeholdere og verneutstyr ved benken")
    form.locator("#id_measure-responsible").fill(org.leader_a.email)
    form.locator("#id_measure-deadline").fill(deadline.isoformat())
    form.locator("#id_measure-status").select_option(MeasureStatus.DONE)
    submit(desk, form.get_by_role("button", name="Add"))
    assert "The measure is added." in desk.locator("main").inner_text()
    measure_row = desk.locator("#measures tbody tr")
    assert measure_row.count() == 1
    assert "Sekundærbeholdere" in measure_row.inner_text()
    assert "Done" in measure_row.inner_text()
    assert desk.locator("#close-blockers").count() == 0
    measure = Measure.objects.get(deviation=deviation)
    assert (measure.responsible, measure.deadline, measure.status, measure.unit) == (
        org.leader_a,
        deadline,
        MeasureStatus.DONE,
        org.ibi,
    )
    # the coordinator was told of the new report, the leader of the measure given them;
    # nothing is told the reporter before the case is closed
    assert [m.to for m in mailoutbox] == [[coordinator.email], [org.leader_a.email]]
    assert reference in mailoutbox[0].subject and reporter.full_name not in mailoutbox[0].body

    # closes the case, confirming the question the page asks
    open_section(desk, "Close the case")
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept()

    desk.once("dialog", answer)
    submit(desk, desk.locator("#form-close form").get_by_role("button", name="Close"))
    assert questions == ["Close the case?"]
    assert desk.locator("#case-status").inner_text() == "Closed"
    assert "The case is closed." in desk.locator("main").inner_text()
    assert desk.locator("#form-close").count() == 0  # no closing of a closed case
    deviation.refresh_from_db()
    assert deviation.status == Status.CLOSED
    assert deviation.closed_at is not None
    assert Notice.objects.get(kind="deviations.reporter_closed").sent_at is not None
    assert accessibility_violations(desk) == []
    shot(desk, "deviation-journey-6-case-closed")

    # -- the closing e-mail went to the reporter, once, in their language ---------------
    assert len(mailoutbox) == 3
    mail = mailoutbox[-1]
    assert mail.to == [reporter.email]
    assert mail.subject == f"Meldingen din {reference} er lukket"
    assert "/deviations/mine/" in mail.body

    # -- the reporter, back on the phone, sees it closed under "My reports" -------------
    open_menu_item(phone, "/deviations/mine/")
    item = phone.locator(".report-list li", has_text=reference)
    assert item.count() == 1
    status = item.locator(".report-status")
    assert status.inner_text() == "Lukket"
    assert "report-status-closed" in (status.get_attribute("class") or "")
    assert timezone.localtime(deviation.closed_at).strftime("%d.%m.%Y") in item.inner_text()
    assert no_horizontal_scroll(phone)
    assert accessibility_violations(phone) == []
    shot(phone, "deviation-journey-7-phone-mine-closed")

    # -- the closed case is read-only for the reporter ----------------------------------
    phone.goto(f"{live_server.url}/deviations/{reference}/")
    assert phone.locator("#case-status").inner_text() == "Lukket"
    handling = phone.locator("section[aria-labelledby=h-handling]").inner_text()
    assert "Flasken sto uten sekundærbeholder" in handling
    assert "Sekundærbeholdere" in phone.locator("#measures").inner_text()
    assert phone.locator("#handling").count() == 0
    assert phone.locator("main form").count() == 0
    assert no_horizontal_scroll(phone)
    assert accessibility_violations(phone) == []
    shot(phone, "deviation-journey-8-phone-case-read-only")
    # and the server agrees: a handling post from the reporter is forbidden
    token = next(c["value"] for c in phone.context.cookies() if c["name"] == "csrftoken")
    response = phone.request.post(
        f"{live_server.url}/deviations/{reference}/update/",
        form={
            "update-version": str(deviation.version),
            "update-status": Status.IN_PROGRESS,
            "update-cause": "",
        },
        headers={"X-CSRFToken": token, "Referer": f"{live_server.url}/deviations/{reference}/"},
    )
    assert response.status == 403
    assert "Ingen tilgang" in response.text()  # refused for the role, not for the CSRF token
    deviation.refresh_from_db()
    assert deviation.status == Status.CLOSED
    assert len(mailoutbox) == 3  # nothing more was sent
