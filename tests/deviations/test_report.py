"""Reporting a deviation: the service (reference, handler, deadline, anonymity, bad input),
the receipt code, the closed e-mail, and the pages (new, thanks, mine, receipt, photo)."""

from __future__ import annotations

import datetime
import gc
import hashlib
import io
import os
import struct
import weakref
import zlib

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image, ImageFile

from deviations.models import Deviation, Identity, Kind, Photo, Status
from deviations.services import reports
from deviations.services.reports import (
    DEVIATION_DAYS_TO_CLOSE,
    deviation_receipt_lookup,
    reporter_notice_write,
)
from hms.lib.outbox import notices_send
from tests.deviations.factories import CategoryFactory, CategorySchemeFactory, report
from tests.units.factories import RoleFactory, UnitFactory, UserFactory
from units.models import Role

# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_cache_and_language(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def schemes(db):
    """An expired scheme (to 30 June 2024) and the one in force (from 1 July 2024): a main
    category with two subcategories, and one without."""
    old = CategorySchemeFactory(
        name_nb="Old", valid_from=datetime.date(2015, 1, 1), valid_to=datetime.date(2024, 6, 30)
    )
    new = CategorySchemeFactory(name_nb="New", valid_from=datetime.date(2024, 7, 1))
    expired = CategoryFactory(scheme=old, code="hms", name_nb="HMS", name_en="HSE")
    fire = CategoryFactory(
        scheme=new, code="fire", name_nb="Brann", name_en="Fire, spill and evacuation", order=1
    )
    alarm = CategoryFactory(
        scheme=new, parent=fire, code="alarm", name_nb="Brannalarm", name_en="Fire alarm"
    )
    spill = CategoryFactory(
        scheme=new, parent=fire, code="spill", name_nb="Utslipp", name_en="Spill"
    )
    building = CategoryFactory(
        scheme=new, code="building", name_nb="Bygg", name_en="Buildings and material", order=2
    )
    return {"expired": expired, "fire": fire, "alarm": alarm, "spill": spill, "building": building}


def image_file(
    name: str = "photo.jpg", image_format: str = "JPEG", size=(40, 30), artist: str = ""
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    options = {}
    if artist:
        exif = Image.Exif()
        exif[0x013B] = artist  # Artist
        options["exif"] = exif
    image.save(buffer, format=image_format, **options)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}.get(
        image_format, "application/octet-stream"
    )
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


# --- the service ---------------------------------------------------------------------------


def test_named_report_gets_reference_handler_deadline_and_history(org, schemes):
    # given / when
    first, code = report(org.outsider, org.ibi, categories=[schemes["alarm"], schemes["building"]])
    second, _ = report(org.leader_b, org.ikj)

    # then
    year = timezone.localdate().year
    assert code is None
    assert first.reference == f"{year}-00001"
    assert second.reference == f"{year}-00002"
    assert first.reporter == org.outsider
    assert first.status == Status.NEW
    assert first.handler == org.coordinator_a
    assert first.deadline == timezone.localdate() + datetime.timedelta(days=DEVIATION_DAYS_TO_CLOSE)
    assert first.reported_at.date() == timezone.now().date()
    assert set(first.categories.all()) == {schemes["alarm"], schemes["building"]}
    history = list(first.history.all())
    assert [h.history_user_id for h in history] == [org.outsider.pk]


def test_reference_continues_after_the_years_highest(org):
    year = timezone.localdate().year
    earlier, _ = report(org.outsider, org.ibi)
    earlier.reference = f"{year}-00041"
    earlier.save(update_fields=["reference"])
    # an imported reference of another shape does not disturb the sequence
    imported, _ = report(org.outsider, org.ibi)
    imported.reference = "AVVIK-99999"
    imported.save(update_fields=["reference"])

    deviation, _ = report(org.outsider, org.ibi)

    assert deviation.reference == f"{year}-00042"


def test_reference_taken_meanwhile_is_retried(org, monkeypatch):
    # given: another report takes the reference between reading the last one and saving
    first, _ = report(org.outsider, org.ibi)
    real_next = reports._reference_next
    calls = []

    def racing_next(year: int) -> str:
        calls.append(year)
        return first.reference if len(calls) == 1 else real_next(year)

    monkeypatch.setattr(reports, "_reference_next", racing_next)

    # when
    second, _ = report(org.outsider, org.ibi)

    # then: the unique reference refused the first try, the second got the next number
    assert len(calls) == 2
    assert second.reference == f"{timezone.localdate().year}-00002"
    assert Deviation.objects.count() == 2


def test_handler_is_the_coordinator_of_the_nearest_unit_above(org):
    # ibi-lab has no coordinator: ibi's handles it
    lab, _ = report(org.outsider, org.ibi_lab)
    assert lab.handler == org.coordinator_a
    # neither ikj nor nv has one: nobody yet
    nobody, _ = report(org.outsider, org.ikj)
    assert nobody.handler is None
    # an expired coordinator at nv does not count, a current one does
    RoleFactory(
        role=Role.HSE_COORDINATOR,
        unit=org.nv,
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )
    current = UserFactory(email="nv-coordinator@example.org")
    RoleFactory(user=current, role=Role.HSE_COORDINATOR, unit=org.nv)
    ikj, _ = report(org.outsider, org.ikj)
    assert ikj.handler == current


def test_anonymous_report_stores_no_identity_anywhere(org, rf):
    # given: a request whose user the history middleware would otherwise record
    from simple_history.models import HistoricalRecords

    request = rf.post("/deviations/new/")
    request.user = org.safety_a
    HistoricalRecords.context.request = request
    try:
        named, _ = report(org.leader_a, org.ibi)
        deviation, code = report(
            org.safety_a,
            org.ibi,
            identity=Identity.ANONYMOUS,
            photos=[image_file(name="safety_a-photo.jpg", artist="Safety A")],
        )
    finally:
        del HistoricalRecords.context.request

    # then: no reporter, only the hash of the code, no user in the history
    assert code is not None and len(code.replace("-", "")) == 12
    deviation.refresh_from_db()
    assert deviation.reporter_id is None
    assert deviation.identity == Identity.ANONYMOUS
    assert code not in deviation.receipt_hash
    assert deviation.receipt_hash == hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    rows = list(Deviation.history.filter(id=deviation.pk).values())
    assert rows and all(row["history_user_id"] is None for row in rows)
    assert all("reporter_id" not in row and "receipt_hash" not in row for row in rows)
    # the named report made in the same request does record its reporter
    assert named.history.get().history_user_id == org.leader_a.pk
    # the reference is the next in the one sequence: it tells nothing about the reporter
    assert deviation.reference == f"{timezone.localdate().year}-00002"
    # no trace of the person in the record, its history or the photo (name nor EXIF)
    person = {org.safety_a.email, org.safety_a.full_name, "Safety A", "safety_a"}
    texts = [str(v) for v in Deviation.objects.filter(pk=deviation.pk).values().get().values()]
    texts += [str(v) for row in rows for v in row.values()]
    photo = deviation.photos.get()
    texts.append(photo.file.name)
    assert not any(p in text for p in person for text in texts)
    with Image.open(photo.file.path) as stored:
        assert 0x013B not in stored.getexif()
    with open(photo.file.path, "rb") as stored_file:
        assert b"Safety A" not in stored_file.read()


def test_receipt_lookup(org):
    deviation, code = report(org.outsider, org.ibi, identity=Identity.ANONYMOUS)
    named, _ = report(org.outsider, org.ibi)

    assert deviation_receipt_lookup(code=code) == deviation
    assert deviation_receipt_lookup(code=code.lower().replace("-", " ")) == deviation
    assert deviation_receipt_lookup(code="AAAA-BBBB-CCCC") is None
    assert deviation_receipt_lookup(code="") is None
    assert deviation_receipt_lookup(code="--") is None
    assert named.receipt_hash == ""


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"occurred_at": timezone.now() + datetime.timedelta(days=1)}, "occurred_at"),
        ({"description": "   "}, "description"),
        ({"unit": None}, "unit"),
        ({"kind": "complaint"}, "kind"),
        ({"identity": "secret"}, "identity"),
        ({"actual_people": 7}, "actual_people"),
    ],
    ids=["future", "no-description", "no-unit", "kind", "identity", "severity"],
)
def test_bad_input_saves_nothing(org, overrides, field):
    with pytest.raises(ValidationError) as error:
        report(org.outsider, org.ibi, **overrides)
    assert field in error.value.message_dict
    assert not Deviation.objects.exists()


def test_closed_unit_is_refused(org):
    closed = UnitFactory(
        code="closed", parent=org.nv, valid_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as error:
        report(org.outsider, closed)
    assert "unit" in error.value.message_dict
    assert not Deviation.objects.exists()


def test_category_of_an_expired_scheme_is_refused(org, schemes):
    with pytest.raises(ValidationError) as error:
        report(org.outsider, org.ibi, categories=[schemes["alarm"], schemes["expired"]])
    assert "not in force" in error.value.message_dict["categories"][0]
    assert not Deviation.objects.exists()


def test_photos_not_images_too_large_or_too_many_are_refused(org, monkeypatch):
    not_image = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", "image/jpeg")
    gif = image_file("anim.gif", "GIF")
    for photos in ([not_image], [gif]):
        with pytest.raises(ValidationError) as error:
            report(org.outsider, org.ibi, photos=photos)
        assert "is not a JPEG, PNG or WebP image" in error.value.message_dict["photos"][0]

    big = image_file("big.png", "PNG", size=(300, 300))
    monkeypatch.setattr(reports, "PHOTO_MAX_BYTES", big.size - 1)
    with pytest.raises(ValidationError) as error:
        report(org.outsider, org.ibi, photos=[big])
    assert "big.png is larger than" in error.value.message_dict["photos"][0]
    monkeypatch.undo()

    with pytest.raises(ValidationError) as error:
        report(org.outsider, org.ibi, photos=[image_file(f"{i}.jpg") for i in range(6)])
    assert "At most 5 photos" in error.value.message_dict["photos"][0]
    assert not Deviation.objects.exists()
    assert not Photo.objects.exists()


def test_photos_are_kept_as_images(org):
    deviation, _ = report(
        org.outsider, org.ibi, photos=[image_file("a.jpg"), image_file("b.png", "PNG")]
    )
    stored = sorted(p.file.name.rsplit(".", 1)[1] for p in deviation.photos.all())
    assert stored == ["jpg", "png"]


def _close(deviation: Deviation, *, lesson: str = "", shared: bool = False) -> Deviation:
    deviation.status = Status.CLOSED
    deviation.closed_at = timezone.now()
    deviation.lesson = lesson
    deviation.lesson_shared = shared
    deviation.save(update_fields=["status", "closed_at", "lesson", "lesson_shared"])
    return deviation


def test_closed_notify_mails_the_reporter_once_in_their_language(org):
    org.outsider.preferred_language = "en"
    org.outsider.save(update_fields=["preferred_language"])
    deviation, _ = report(org.outsider, org.ibi, identity=Identity.CONFIDENTIAL)
    # the handler's notice of the new report, out of the way
    assert notices_send().sent == 1
    mail.outbox.clear()
    # not closed yet: nothing
    assert reporter_notice_write(deviation=deviation) is None
    _close(deviation, lesson="Keep the spill kit by the door.", shared=True)

    assert reporter_notice_write(deviation=deviation) is not None
    assert notices_send().sent == 1
    assert notices_send().sent == 0  # safe to run twice

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [org.outsider.email]
    assert message.subject == f"Your report {deviation.reference} is closed"
    assert "Keep the spill kit by the door." in message.body
    assert reverse("deviations:mine") in message.body


def test_closed_notify_never_mails_for_an_anonymous_report(org):
    deviation, _ = report(org.outsider, org.ibi, identity=Identity.ANONYMOUS)
    _close(deviation)
    assert reporter_notice_write(deviation=deviation) is None
    assert notices_send().sent == 0
    assert mail.outbox == []


# --- pages ---------------------------------------------------------------------------------

PAGES = ["deviations:new", "deviations:mine", "deviations:receipt"]


# the form and the receipt page are open to the signed-out (tests/deviations/
# test_report_signed_out.py); a reporter's own reports are not
@pytest.mark.parametrize("name", ["deviations:mine"])
def test_pages_send_the_signed_out_to_the_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", PAGES)
def test_any_signed_in_user_opens_the_pages(org, login, name):
    assert login(org.outsider).get(reverse(name)).status_code == 200


def _form_data(unit, /, **overrides):
    data = {
        "kind": Kind.EVENT,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "unit": unit.pk,
        "campus": "trondheim",
        "location": "Stairs by the entrance",
        "description": "Slippery stairs after washing.",
        "building": "",
        "room": "",
        "immediate_action": "",
        "actual_people": "",
        "actual_environment": "",
        "actual_material": "",
        "identity": Identity.NAMED,
    }
    data.update(overrides)
    return data


def test_a_user_without_any_role_reports_with_a_photo(org, login, schemes):
    client = login(org.outsider)
    data = _form_data(org.ibi, categories=[schemes["alarm"].pk], photos=[image_file()])

    response = client.post(reverse("deviations:new"), data)

    deviation = Deviation.objects.get()
    assert response.status_code == 200  # the thank-you page answers the POST itself
    assert response.context["receipt_code"] is None
    assert deviation.reporter == org.outsider
    assert deviation.unit == org.ibi
    assert list(deviation.categories.all()) == [schemes["alarm"]]
    assert deviation.photos.count() == 1
    assert deviation.reference in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_own_unit_is_suggested(org, login, schemes):
    page = login(org.coordinator_a).get(reverse("deviations:new")).content.decode()
    assert f'<option value="{org.ibi.pk}" selected>' in page
    assert 'id="unit-search"' not in page
    # categories of the scheme in force only, grouped under their main category
    group = page.split('<legend class="fs-6 fw-semibold mb-1">Brann</legend>')[1].split(
        "</fieldset>"
    )[0]
    assert "Brannalarm" in group and "Utslipp" in group and "Bygg" not in group
    assert f'name="categories" value="{schemes["expired"].pk}"' not in page
    assert f'name="categories" value="{schemes["building"].pk}"' in page

    without = login(org.outsider).get(reverse("deviations:new")).content.decode()
    assert f'value="{org.ibi.pk}" selected' not in without
    assert 'id="unit-search"' in without
    assert 'accept="image/*"' in without and 'capture="environment"' in without
    assert "multiple" in without.split('name="photos"')[1].split(">")[0]


def test_bad_input_on_the_page_keeps_what_was_typed(org, login, schemes):
    client = login(org.outsider)
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = _form_data(
        org.ibi,
        occurred_at=future,
        description="The door to the lab does not close.",
        categories=[schemes["expired"].pk],
        photos=[SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")],
    )

    response = client.post(reverse("deviations:new"), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert not Deviation.objects.exists()
    assert "The door to the lab does not close." in page
    assert future in page
    form = response.context["form"]
    assert "occurred_at" in form.errors
    assert "categories" in form.errors
    assert "photos" in form.errors
    assert 'aria-invalid="true"' in page


def test_unknown_unit_on_the_page(org, login):
    response = login(org.outsider).post(reverse("deviations:new"), _form_data(org.ibi, unit=999999))
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert not Deviation.objects.exists()


def test_anonymous_report_on_the_page_shows_the_code_once_and_keeps_nothing(org, login):
    client = login(org.safety_a)

    response = client.post(
        reverse("deviations:new"), _form_data(org.ibi, identity=Identity.ANONYMOUS)
    )

    deviation = Deviation.objects.get()
    code = response.context["receipt_code"]
    assert response.status_code == 200  # the answer to the POST itself: nothing to redirect to
    assert code in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert deviation.reporter_id is None
    assert [h.history_user_id for h in deviation.history.all()] == [None]
    session = client.session
    assert not any(code in str(v) or deviation.reference in str(v) for v in session.values())
    # the reporter does not find it among their own reports; the code does
    assert deviation.reference not in client.get(reverse("deviations:mine")).content.decode()
    assert deviation_receipt_lookup(code=code) == deviation


def test_an_anonymous_report_keeps_no_time_that_matches_the_sign_in(org, client, monkeypatch):
    """Issue 9, finding 7: an anonymous report's `reported_at` matched the reporter's
    `last_login` and session expiry to the second. Its times are now the hour it came in
    (the record, its history, its photos and their files), while the time it happened is
    the reporter's own; the report touches neither `last_login` nor the session; and the
    answer to it looks like that to a named report in an access log."""
    from django.contrib.sessions.models import Session

    signed_in = client.post(
        reverse("account_login"), {"login": org.safety_a.email, "password": "demo"}
    )
    assert signed_in.status_code == 302
    org.safety_a.refresh_from_db()
    last_login = org.safety_a.last_login
    session = Session.objects.get()
    # the report comes in at 10:47:13 the next day, about something that happened at 9:55
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    came_in = tomorrow.replace(hour=10, minute=47, second=13, microsecond=512)
    happened = came_in.replace(hour=9, minute=55, second=0, microsecond=0)
    the_hour = came_in.replace(minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: came_in)
    data = _form_data(org.ibi, identity=Identity.ANONYMOUS, photos=[image_file()])
    data["occurred_at"] = happened.strftime("%Y-%m-%dT%H:%M")

    answer = client.post(reverse("deviations:new"), data)

    assert answer.status_code == 200
    deviation = Deviation.objects.get()
    assert deviation.reported_at == the_hour
    assert deviation.occurred_at == happened
    assert [h.history_date for h in deviation.history.all()] == [the_hour]
    photo = deviation.photos.get()
    assert photo.uploaded_at == the_hour
    assert os.stat(photo.file.path).st_mtime == the_hour.timestamp()
    org.safety_a.refresh_from_db()
    assert org.safety_a.last_login == last_login
    assert Session.objects.get().expire_date == session.expire_date
    assert Session.objects.get().session_data == session.session_data

    # the form's own "now" as the time it happened tells no more than the hour either
    again = _form_data(org.ibi, identity=Identity.ANONYMOUS)
    again["occurred_at"] = came_in.strftime("%Y-%m-%dT%H:%M")
    assert client.post(reverse("deviations:new"), again).status_code == 200
    latest = Deviation.objects.filter(identity=Identity.ANONYMOUS).latest("pk")
    assert (latest.occurred_at, latest.reported_at) == (the_hour, the_hour)

    # a named report answers at the same address with the same status, and keeps its time
    named = client.post(reverse("deviations:new"), _form_data(org.ibi))
    assert (named.status_code, named.request["PATH_INFO"]) == (200, answer.request["PATH_INFO"])
    assert not named.has_header("Location")
    assert Deviation.objects.get(identity=Identity.NAMED).reported_at == came_in


def test_mine_shows_only_own_named_and_confidential_reports(org, login):
    own, _ = report(org.outsider, org.ibi, description="Mine, named")
    confidential, _ = report(
        org.outsider, org.ikj, description="Mine, confidential", identity=Identity.CONFIDENTIAL
    )
    anonymous, _ = report(
        org.outsider, org.ibi, description="Mine, anonymous", identity=Identity.ANONYMOUS
    )
    other, _ = report(org.leader_a, org.ibi, description="Not mine")

    page = login(org.outsider).get(reverse("deviations:mine")).content.decode()

    assert own.reference in page and confidential.reference in page
    assert anonymous.reference not in page and other.reference not in page
    # each links to its case page, which the reporter may read
    detail = reverse("deviations:detail", args=[own.reference])
    assert f'href="{detail}"' in page
    assert login(org.outsider).get(detail).status_code == 200
    # the coordinator sees the unit's cases elsewhere, but here only their own (none)
    coordinator_page = login(org.coordinator_a).get(reverse("deviations:mine")).content.decode()
    assert own.reference not in coordinator_page


def test_receipt_page_shows_status_dates_and_shared_lesson_only(org, login):
    deviation, code = report(
        org.outsider, org.ibi, identity=Identity.ANONYMOUS, description="Secret details"
    )
    _close(deviation, lesson="Mark wet floors.", shared=True)
    client = login(org.leader_b)

    found = client.post(reverse("deviations:receipt"), {"code": code.lower()})
    missing = client.post(reverse("deviations:receipt"), {"code": "AAAA-BBBB-CCCC"})

    page = found.content.decode()
    assert found.status_code == 200
    assert "Mark wet floors." in page
    assert "Secret details" not in page
    assert org.ibi.name_nb not in page and org.ibi.name_en not in page
    assert missing.status_code == 404
    assert "Mark wet floors." not in missing.content.decode()


def test_receipt_page_hides_an_unshared_lesson(org, login):
    deviation, code = report(org.outsider, org.ibi, identity=Identity.ANONYMOUS)
    _close(deviation, lesson="Internal lesson", shared=False)
    page = login(org.outsider).post(reverse("deviations:receipt"), {"code": code})
    assert page.status_code == 200
    assert "Internal lesson" not in page.content.decode()


def test_photo_is_served_to_those_who_see_the_case(org, login, client):
    deviation, _ = report(org.outsider, org.ibi, photos=[image_file()])
    photo = deviation.photos.get()
    url = reverse("deviations:photo", args=[deviation.reference, photo.pk])

    for insider in (org.outsider, org.coordinator_a, org.safety_a, org.leader_fac, org.hse_staff):
        response = login(insider).get(url)
        assert response.status_code == 200, insider
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
        # close the file, not the response: response.close() ends the test's DB connection
        for closer in response._resource_closers:
            closer()
    for outsider in (org.leader_b, org.leader_c, org.amu):
        assert login(outsider).get(url).status_code == 404, outsider
    wrong = reverse("deviations:photo", args=[deviation.reference, photo.pk + 1000])
    assert login(org.outsider).get(wrong).status_code == 404


# --- query counts --------------------------------------------------------------------------


def _more_data(org, schemes, n: int) -> None:
    for i in range(n):
        scheme = schemes["fire"].scheme
        main = CategoryFactory(
            scheme=scheme, code=f"main-{i}", name_nb=f"Hoved {i}", name_en=f"Main {i}"
        )
        CategoryFactory(
            scheme=scheme, parent=main, code=f"sub-{i}", name_nb=f"Under {i}", name_en=f"Sub {i}"
        )
        UnitFactory(code=f"extra-{i}", parent=org.nv)
        report(
            org.coordinator_a,
            org.ibi,
            categories=[main],
            photos=[image_file()] if i == 0 else [],
        )


@pytest.mark.parametrize("more", [0, 6], ids=["little", "more"])
def test_new_page_query_count(org, login, schemes, django_assert_num_queries, more):
    _more_data(org, schemes, more)
    client = login(org.coordinator_a)
    # session, user, the user's role assignments (scope), the categories in force, the unit
    # tree (the navigation asks whether the user may browse units), the valid units of the
    # select
    with django_assert_num_queries(6):
        response = client.get(reverse("deviations:new"))
    assert response.status_code == 200


@pytest.mark.parametrize("more", [0, 6], ids=["little", "more"])
def test_mine_page_query_count(org, login, schemes, django_assert_num_queries, more):
    report(org.coordinator_a, org.ibi)
    _more_data(org, schemes, more)
    client = login(org.coordinator_a)
    # session, user, the user's role assignments (scope), the unit tree (the
    # coordinator's subtree), the count (the list is paginated), a page's reports with
    # their units
    with django_assert_num_queries(6):
        response = client.get(reverse("deviations:mine"))
    assert response.context["page"].paginator.count == more + 1


def test_the_overdue_reminders_run_weekly_and_the_worker_knows_the_task():
    from django.conf import settings as django_settings

    from hms.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["deviation-overdue-reminders"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"].day_of_week == {1}


def test_mine_says_a_closed_report_is_closed_not_closed_down(org, login):
    deviation, _ = report(org.outsider, org.ibi, description="Wet floor")
    _close(deviation)
    page = login(org.outsider).get(reverse("deviations:mine")).content.decode()
    assert "· lukket " in page and "nedlagt" not in page  # "nedlagt" is a closed-down unit


# --- photos to choose again, all errors in one round ----------------------------------------

# "The photos you chose were not kept: choose them again before you send the report."
PHOTOS_AGAIN = "Bildene du valgte, ble ikke tatt vare på"


def _error_summary(page: str) -> str:
    return page.split('id="report-errors"')[1].split("</div>")[0]


def test_photos_sent_with_another_error_are_asked_for_again(org, login):
    client = login(org.outsider)

    # given: photos that are fine, and a report that says nothing about what happened
    response = client.post(
        reverse("deviations:new"), _form_data(org.ibi, description="", photos=[image_file()])
    )

    # then: the photos are not kept, and the page says so in the error summary (read
    # first by a screen reader) and by the photo input, which the notice describes
    page = response.content.decode()
    assert response.status_code == 400
    assert not Deviation.objects.exists() and not Photo.objects.exists()
    assert set(response.context["form"].errors) == {"description"}
    assert PHOTOS_AGAIN in _error_summary(page)
    assert 'href="#id_photos"' in _error_summary(page)
    assert 'id="id_photos_again"' in page
    photo_input = page.split('name="photos"')[1].split(">")[0]
    assert "id_photos_again" in photo_input

    # without photos, nothing to choose again
    response = client.post(reverse("deviations:new"), _form_data(org.ibi, description=""))
    assert response.status_code == 400
    assert PHOTOS_AGAIN not in response.content.decode()


def test_every_error_shows_after_one_submit(org, login, schemes):
    client = login(org.outsider)
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = _form_data(
        org.ibi,
        description="",
        occurred_at=future,
        categories=[schemes["expired"].pk],
        photos=[SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")],
    )

    response = client.post(reverse("deviations:new"), data)

    # the form's own error (no description) and the service's checks (time, category
    # scheme, photo) at once, with the service's messages
    errors = response.context["form"].errors
    assert response.status_code == 400
    assert set(errors) == {"description", "occurred_at", "categories", "photos"}
    with translation.override("nb"):
        assert errors["photos"] == ["x.jpg er ikke et JPEG-, PNG- eller WebP-bilde."]
    assert not Deviation.objects.exists()


def test_each_bad_photo_gets_its_own_message(org):
    photos = [
        SimpleUploadedFile("a.jpg", b"not an image", "image/jpeg"),
        image_file("fine.jpg"),
        image_file("anim.gif", "GIF"),
    ]
    with pytest.raises(ValidationError) as error:
        report(org.outsider, org.ibi, photos=photos)
    messages = error.value.message_dict["photos"]
    assert len(messages) == 2
    assert messages[0].startswith("a.jpg ") and messages[1].startswith("anim.gif ")


# --- decompression bombs ---------------------------------------------------------------------


def png_bomb(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of `width` × `height` pixels: a few tens of KB on disk,
    a byte a pixel once decoded (13000 × 13000: 20 KB, 169 MB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.fixture
def no_decoding(monkeypatch):
    """Records every image Pillow decodes."""
    decoded = []
    load = ImageFile.ImageFile.load

    def recording_load(image):
        decoded.append(image.size)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    return decoded


def test_a_decompression_bomb_is_refused_before_it_is_decoded(org, no_decoding):
    bomb = SimpleUploadedFile("bomb.png", png_bomb(13000, 13000), "image/png")

    with pytest.raises(ValidationError) as error:
        report(org.outsider, org.ibi, photos=[bomb])

    assert error.value.message_dict["photos"] == [
        "bomb.png has more than 60 megapixels. Choose a smaller photo."
    ]
    assert no_decoding == []
    assert not Deviation.objects.exists()


def test_a_decompression_bomb_on_the_page(org, login, no_decoding):
    bomb = SimpleUploadedFile("bomb.png", png_bomb(13000, 13000), "image/png")

    response = login(org.outsider).post(
        reverse("deviations:new"), _form_data(org.ibi, photos=[bomb])
    )

    assert response.status_code == 400
    with translation.override("nb"):
        assert response.context["form"].errors["photos"] == [
            "bomb.png har mer enn 60 megapiksler. Velg et mindre bilde."
        ]
    assert no_decoding == []
    assert not Deviation.objects.exists()


def test_the_pixel_limit_is_a_setting(org, settings):
    settings.HMS_DEVIATION_PHOTO_MAX_PIXELS = 1200
    deviation, _ = report(org.outsider, org.ibi, photos=[image_file(size=(40, 30))])
    assert deviation.photos.count() == 1

    settings.HMS_DEVIATION_PHOTO_MAX_PIXELS = 1199
    with pytest.raises(ValidationError) as error:
        report(org.outsider, org.ibi, photos=[image_file("big.jpg", size=(40, 30))])
    assert "big.jpg has more than 0.001199 megapixels" in error.value.message_dict["photos"][0]


# --- the unit suggested to a user without a role ----------------------------------------------


def _selected_unit(page: str) -> str | None:
    select = page.split('name="unit"')[1].split("</select>")[0]
    if " selected>" not in select:
        return None
    return select.split(" selected>")[0].rsplit('value="', 1)[1].split('"')[0] or None


def test_a_user_without_a_role_gets_the_unit_of_their_latest_report(org, login):
    client = login(org.outsider)
    url = reverse("deviations:new")
    assert _selected_unit(client.get(url).content.decode()) is None

    # given: a named report, then a confidential one
    report(org.outsider, org.ikj)
    report(org.outsider, org.ibi, identity=Identity.CONFIDENTIAL)
    # an anonymous report stores no reporter: it never counts, however recent
    report(org.outsider, org.ibi_lab, identity=Identity.ANONYMOUS)
    # nor does somebody else's
    report(org.leader_c, org.ifr)

    page = client.get(url).content.decode()

    assert _selected_unit(page) == str(org.ibi.pk)
    assert "Enheten fra den siste meldingen din er foreslått." in page
    assert 'id="unit-search"' in page  # another unit is still easy to find
    # a unit closed since is not suggested: the latest report's in a unit that exists is
    org.ibi.valid_to = timezone.localdate() - datetime.timedelta(days=1)
    org.ibi.save(update_fields=["valid_to"])
    assert _selected_unit(client.get(url).content.decode()) == str(org.ikj.pk)


def test_a_user_with_a_role_gets_their_own_unit_not_their_latest_report(org, login):
    report(org.coordinator_a, org.ikj)
    page = login(org.coordinator_a).get(reverse("deviations:new")).content.decode()
    assert _selected_unit(page) == str(org.ibi.pk)
    assert "Enheten fra den siste meldingen din er foreslått." not in page


# --- a form sent twice makes one report --------------------------------------------------------


def _token(client) -> str:
    response = client.get(reverse("deviations:new"))
    token = response.context["form"]["submission_token"].value()
    assert f'type="hidden" name="submission_token" value="{token}"' in response.content.decode()
    return token


def test_an_anonymous_form_sent_twice_makes_one_report_and_shows_the_same_code(org, login):
    client = login(org.safety_a)
    token = _token(client)
    data = _form_data(org.ibi, identity=Identity.ANONYMOUS, submission_token=token)

    # when: the thank-you page (the answer to the POST) is reloaded, which sends it again
    first = client.post(reverse("deviations:new"), data)
    again = client.post(reverse("deviations:new"), data)

    # then: one report, and the same reference and receipt code on both pages
    deviation = Deviation.objects.get()
    code = first.context["receipt_code"]
    assert first.status_code == again.status_code == 200
    assert again.context["receipt_code"] == code
    assert again.context["deviation"] == deviation
    for response in (first, again):
        assert code in response.content.decode()
        assert deviation.reference in response.content.decode()
    assert deviation_receipt_lookup(code=code) == deviation
    # only the token's hash is kept, and not in the history; nothing ties it to the person
    assert deviation.submission_hash == hashlib.sha256(token.encode()).hexdigest()
    rows = list(Deviation.history.filter(id=deviation.pk).values())
    assert len(rows) == 1 and "submission_hash" not in rows[0]
    assert deviation.reporter_id is None
    # a new form has a new token: a second report, with another code
    other = client.post(
        reverse("deviations:new"),
        _form_data(org.ibi, identity=Identity.ANONYMOUS, submission_token=_token(client)),
    )
    assert Deviation.objects.count() == 2
    assert other.context["receipt_code"] != code


def test_a_named_form_sent_twice_makes_one_report(org, login):
    client = login(org.outsider)
    data = _form_data(org.ibi, submission_token=_token(client), photos=[image_file()])

    first = client.post(reverse("deviations:new"), data)
    data["photos"] = [image_file()]  # the browser sends the file again
    again = client.post(reverse("deviations:new"), data)

    deviation = Deviation.objects.get()
    assert first.status_code == again.status_code == 200
    assert first.context["deviation"] == again.context["deviation"] == deviation
    assert deviation.photos.count() == 1


def test_a_form_without_a_valid_token_still_reports(org, login):
    client = login(org.outsider)
    for token in ("", "short", "<script>" * 10):
        response = client.post(
            reverse("deviations:new"), _form_data(org.ibi, submission_token=token)
        )
        assert response.status_code == 200
    assert Deviation.objects.count() == 3
    assert set(Deviation.objects.values_list("submission_hash", flat=True)) != {""}


def _sent_form() -> dict:
    """What one anonymous form sends, again and again."""
    return {
        "identity": Identity.ANONYMOUS,
        "submission_token": reports.submission_token_new(),
        "occurred_at": timezone.now() - datetime.timedelta(hours=1),
    }


def test_the_same_form_sent_twice_at_once_makes_one_report(org, monkeypatch):
    # given: the other request saved the report after this one looked for it
    form = _sent_form()
    first, code = report(org.outsider, org.ibi, **form)
    real = reports._report_submission
    calls = []

    def not_yet_saved(**kwargs):
        calls.append(kwargs)
        return (kwargs["token"], None) if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(reports, "_report_submission", not_yet_saved)

    # when
    second, second_code = report(org.outsider, org.ibi, **form)

    # then: the unique submission hash refused the second, which returns the first
    assert len(calls) == 2
    assert (second, second_code) == (first, code)
    assert Deviation.objects.count() == 1


def test_a_sent_form_filled_in_anew_is_a_new_report(org, login):
    """A browser may restore the sent form, token and all, when one goes back to it: what
    is then written and sent is another report, not to be dropped."""
    client = login(org.safety_a)
    token = _token(client)
    url = reverse("deviations:new")
    sent = _form_data(org.ibi, identity=Identity.ANONYMOUS, submission_token=token)
    anew = {**sent, "description": "The fire door is blocked again."}

    first = client.post(url, sent)
    second = client.post(url, anew)
    # a reload of either answer finds its own report
    first_again = client.post(url, sent)
    second_again = client.post(url, anew)

    assert Deviation.objects.count() == 2
    one, other = first.context["deviation"], second.context["deviation"]
    assert one != other
    assert other.description == "The fire door is blocked again."
    assert first.context["receipt_code"] != second.context["receipt_code"]
    for response, again in ((first, first_again), (second, second_again)):
        assert again.context["deviation"] == response.context["deviation"]
        assert again.context["receipt_code"] == response.context["receipt_code"]
        assert (
            deviation_receipt_lookup(code=again.context["receipt_code"])
            == (response.context["deviation"])
        )


def test_the_receipt_code_is_shown_again_after_the_secret_key_is_rotated(org, settings):
    form = _sent_form()
    settings.SECRET_KEY = "old-key-" + "x" * 50
    deviation, code = report(org.outsider, org.ibi, **form)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "new-key-" + "y" * 50

    assert report(org.outsider, org.ibi, **form) == (deviation, code)
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ValidationError, match=deviation.reference):
        report(org.outsider, org.ibi, **form)
    assert Deviation.objects.count() == 1


def test_the_pixel_limit_is_read_from_the_environment():
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    def pixel_limit(value: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from django.conf import settings; "
                "print(settings.HMS_DEVIATION_PHOTO_MAX_PIXELS)",
            ],
            cwd=django_settings.BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "hms.settings.test",
                "HMS_DEVIATION_PHOTO_MAX_PIXELS": value,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert pixel_limit("24000000").stdout.strip() == "24000000"
    assert pixel_limit("many").returncode != 0  # a bad value fails loudly


# --- issue 9, finding 8: photos re-encoded from their pixels alone, within a budget ---------

SECRET = "Kari Nordmann, Stolen laptop"


def _srgb_profile() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x013B] = SECRET  # Artist
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to show it
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (63.0, 25.0, 8.0)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (10.0, 23.0, 48.0)  # GPSLongitudeRef, GPSLongitude
    return exif


def jpeg_with_everything(name: str = "phone.jpg") -> SimpleUploadedFile:
    """A JPEG with a COM comment, EXIF with the owner's name, GPS and an orientation, and
    an ICC profile."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(
        buffer, format="JPEG", comment=SECRET, exif=_gps_exif(), icc_profile=_srgb_profile()
    )
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


def png_with_everything(name: str = "screen.png") -> SimpleUploadedFile:
    """A PNG with tEXt, zTXt and iTXt chunks, EXIF (eXIf) and an ICC profile (iCCP)."""
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Author", SECRET)
    text.add_text("Comment", SECRET, zip=True)
    text.add_itxt("Description", SECRET)
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 30), (30, 200, 30, 255)).save(
        buffer, format="PNG", pnginfo=text, exif=_gps_exif(), icc_profile=_srgb_profile()
    )
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def _stored(deviation: Deviation) -> list[bytes]:
    stored = []
    for photo in deviation.photos.order_by("pk"):
        with photo.file.open("rb") as file:
            stored.append(file.read())
    return stored


@pytest.mark.parametrize("anonymous", [False, True])
def test_a_photo_is_kept_as_its_pixels_alone(org, anonymous):
    """Issue 9, finding 8: a JPEG's comment survived the clean-up (Pillow writes the
    image's comment again unless told otherwise), and so did a PNG's colour profile; each
    photo is saved anew from a fresh image of its pixels: no comment, EXIF, GPS, text
    chunks or colour profile, turned upright."""
    identity = Identity.ANONYMOUS if anonymous else Identity.NAMED
    deviation, _ = report(
        org.outsider,
        org.ibi,
        identity=identity,
        photos=[jpeg_with_everything(), png_with_everything()],
    )

    jpeg, png = _stored(deviation)
    for data in (jpeg, png):
        for trace in (SECRET.encode(), b"Kari", b"Exif", b"GPS", b"ICC_PROFILE"):
            assert trace not in data
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"):
        assert chunk not in png
    for data, image_format in ((jpeg, "JPEG"), (png, "PNG")):
        with Image.open(io.BytesIO(data)) as stored:
            assert stored.format == image_format
            assert stored.size == (30, 40)  # upright: the orientation was applied
            assert not set(stored.info) & {"comment", "exif", "icc_profile", "Author"}
            assert not stored.getexif()
            red, green, _blue = stored.convert("RGB").getpixel((15, 20))
            assert (red > 150) is (image_format == "JPEG") and (green > 150) is (
                image_format == "PNG"
            )


def test_a_photo_with_a_colour_profile_is_converted_to_srgb(org, monkeypatch):
    """Issue 9, finding 8: a photo with a colour profile keeps its colours, in sRGB, and
    no profile; a CMYK JPEG is kept as RGB."""
    from hms.lib import images

    converted = []
    real = images.ImageCms.profileToProfile

    def recording(image, source, target, **kwargs):
        converted.append((image.mode, kwargs.get("outputMode")))
        return real(image, source, target, **kwargs)

    monkeypatch.setattr(images.ImageCms, "profileToProfile", recording)
    cmyk = io.BytesIO()
    Image.new("CMYK", (20, 10), (0, 255, 255, 0)).save(cmyk, format="JPEG")

    deviation, _ = report(
        org.outsider,
        org.ibi,
        photos=[jpeg_with_everything(), SimpleUploadedFile("print.jpg", cmyk.getvalue())],
    )

    assert converted == [("RGB", "RGB")]
    for data in _stored(deviation):
        with Image.open(io.BytesIO(data)) as stored:
            assert stored.mode == "RGB" and "icc_profile" not in stored.info


def mpo_file(name: str = "phone.jpg") -> SimpleUploadedFile:
    """A phone's JPEG with a second, smaller image appended (Pillow's format "MPO")."""
    buffer = io.BytesIO()
    first = Image.new("RGB", (40, 30), (200, 30, 30))
    first.save(
        buffer,
        format="MPO",
        save_all=True,
        append_images=[Image.new("RGB", (8, 6), (0, 0, 255))],
        comment=SECRET,
    )
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:
        assert (check.format, check.n_frames) == ("MPO", 2)
    return SimpleUploadedFile(name, data, "image/jpeg")


def test_a_phones_mpo_jpeg_is_kept_as_the_jpeg_of_its_first_image(org, login):
    """Issue 9, finding 8: a phone's MPO (a JPEG with a second image) was refused as "not
    a JPEG, PNG or WebP image"; it is a JPEG, kept as its first image, on the page too."""
    response = login(org.outsider).post(
        reverse("deviations:new"), _form_data(org.ibi, photos=[mpo_file()])
    )

    assert response.status_code == 200  # the thank-you page
    (photo,) = Deviation.objects.get().photos.all()
    assert photo.file.name.endswith(".jpg")
    (data,) = _stored(photo.deviation)
    with Image.open(io.BytesIO(data)) as stored:
        assert (stored.format, stored.size, getattr(stored, "n_frames", 1)) == ("JPEG", (40, 30), 1)
        assert "comment" not in stored.info


def test_five_60_megapixel_pngs_are_refused_before_any_is_decoded(org, no_decoding):
    """Issue 9, finding 8: five 60-megapixel PNGs of under 1 MB each, each within the
    limit of one photo, took 13 s and 700 MB of a worker's memory. All the photos of a
    report together are held to a budget in pixels (100 MP), read from their headers."""
    photos = [
        SimpleUploadedFile(f"plan-{i}.png", png_bomb(7745, 7745), "image/png") for i in range(5)
    ]
    assert all(p.size < 1024 * 1024 for p in photos)

    with pytest.raises(ValidationError) as error:
        report(org.outsider, org.ibi, photos=photos)

    assert error.value.message_dict["photos"] == [
        "Together the photos have more than 100 megapixels. Send fewer photos, or smaller ones."
    ]
    assert no_decoding == []
    assert not Deviation.objects.exists()


def test_the_budget_in_pixels_of_a_report_is_a_setting(org, settings, login):
    """Issue 9, finding 8: `HMS_DEVIATION_PHOTOS_MAX_PIXELS_PER_REQUEST`, on the page too,
    in the user's language."""
    settings.HMS_DEVIATION_PHOTOS_MAX_PIXELS_PER_REQUEST = 3 * 1200
    deviation, _ = report(org.outsider, org.ibi, photos=[image_file(f"{i}.jpg") for i in range(3)])
    assert deviation.photos.count() == 3

    response = login(org.outsider).post(
        reverse("deviations:new"),
        _form_data(org.ibi, photos=[image_file(f"{i}.jpg") for i in range(4)]),
    )

    assert response.status_code == 400
    with translation.override("nb"):
        assert response.context["form"].errors["photos"] == [
            "Bildene har til sammen mer enn 0,0036 megapiksler. Send færre eller mindre bilder."
        ]
    assert Deviation.objects.count() == 1


@pytest.fixture
def loads(monkeypatch):
    """For each image Pillow decodes: how many other decoded images (pixels in memory:
    a decoded file, or a copy of one turned, converted or made anew) are still there."""
    decoding: list = []
    others: list[int] = []
    load = ImageFile.ImageFile.load
    core = type(Image.new("L", (1, 1)).im)

    def decoded_images() -> list[Image.Image]:
        gc.collect()
        # by the type itself: isinstance() would ask a lazy object (an earlier request's
        # CSP nonce, which raises once its response is written) for its __class__
        return [
            o
            for o in gc.get_objects()
            if issubclass(type(o), Image.Image) and isinstance(getattr(o, "_im", None), core)
        ]

    before = [weakref.ref(i) for i in decoded_images()]  # earlier tests' leftovers

    def recording_load(image):
        if not any(ref() is image for ref in decoding):  # its first load: decoded now
            earlier = {id(ref()) for ref in before if ref() is not None}
            others.append(
                sum(1 for i in decoded_images() if i is not image and id(i) not in earlier)
            )
            decoding.append(weakref.ref(image))
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    return others


def test_photos_are_decoded_one_at_a_time(org, loads):
    """Issue 9, finding 8: each photo is decoded, re-encoded and freed before the next."""
    report(org.outsider, org.ibi, photos=[image_file(f"{i}.jpg") for i in range(3)])
    assert loads == [0, 0, 0]


def test_a_hostile_or_broken_photo_is_refused_or_kept_never_a_crash(org):
    """Issue 9, finding 8: a header that reads well over pixels that do not decode is
    refused with the usual message; an EXIF orientation that is not a number is ignored."""
    whole = image_file("whole.jpg", size=(400, 300)).read()
    truncated = SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2], "image/jpeg")
    with pytest.raises(ValidationError) as error:
        report(org.outsider, org.ibi, photos=[truncated])
    assert error.value.message_dict["photos"] == ["cut.jpg is not a JPEG, PNG or WebP image."]

    # EXIF (big-endian TIFF) with one entry: Orientation (0x0112) as 4 bytes of text
    exif = (
        b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"
        + struct.pack(">H", 1)
        + struct.pack(">HHI", 0x0112, 2, 4)
        + b"abc\x00"
        + struct.pack(">I", 0)
    )
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30)).save(buffer, format="JPEG", exif=exif)
    odd = SimpleUploadedFile("odd.jpg", buffer.getvalue(), "image/jpeg")
    deviation, _ = report(org.outsider, org.ibi, photos=[odd])
    (data,) = _stored(deviation)
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.size == (40, 30)


def test_receipt_page_shows_the_reference_and_the_handlers_feedback(org, login):
    # before: the page showed neither the report's reference nor any word from the handler
    deviation, code = report(org.outsider, org.ibi, identity=Identity.ANONYMOUS)
    Deviation.objects.filter(pk=deviation.pk).update(
        reporter_feedback="We have anchored the shelves."
    )
    page = login(org.outsider).post(reverse("deviations:receipt"), {"code": code})
    assert page.status_code == 200
    body = page.content.decode()
    assert f'id="receipt-reference">{deviation.reference}<' in body
    assert "We have anchored the shelves." in body
