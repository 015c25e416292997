"""Issue 11, item 2: injuries can be reported. The report form has a "someone was injured"
part: who was hurt (employee, student, other), what the injury is, whether they got
medical treatment. The report makes the injury of the register with those fields, its
absence not yet assessed; the case page always links the injury page of an event (to
record one where none is), and the handler completes the register's fields. Health
details keep the consent rule and the logged reads."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from deviations.models import Deviation, Identity, Injury, InjuryView, Kind
from deviations.selectors.statistics import deviation_statistics
from deviations.services.reports import ReportedInjury, deviation_report
from hms.lib.models import Notice


@pytest.fixture(autouse=True)
def _media_cache_and_language(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


def _form_data(unit, /, **overrides):
    data = {
        "kind": Kind.EVENT,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "unit": unit.pk,
        "description": "Fell on the icy steps.",
        "identity": Identity.ANONYMOUS,
        "injured": "on",
        "injured_kind": "student",
        "injury": "A sprained wrist",
        "medical_treatment": "on",
    }
    data.update(overrides)
    return data


def _report(user, unit, **overrides):
    values = {
        "user": user,
        "kind": Kind.EVENT,
        "occurred_at": timezone.now() - datetime.timedelta(hours=1),
        "unit": unit,
        "description": "Fell on the icy steps.",
        "identity": Identity.NAMED,
    }
    values.update(overrides)
    return deviation_report(**values)


# --- the service ---------------------------------------------------------------------------


def test_a_report_with_an_injury_records_it_for_the_register(org):
    deviation, _code = _report(
        org.outsider,
        org.ibi,
        injury=ReportedInjury(injured_kind="employee", injury="Cut finger", medical_treatment=True),
    )

    injury = Injury.objects.get(deviation=deviation)
    assert injury.injured_kind == "employee"
    assert injury.injury == "Cut finger"
    assert injury.medical_treatment is True
    # what the reporter cannot know is left for the handler
    assert injury.absence == ""
    assert injury.injured_name == ""
    assert injury.medical_consent is False
    assert injury.medical_details == ""
    assert [h.history_user_id for h in injury.history.all()] == [org.outsider.pk]


def test_an_anonymous_report_with_an_injury_keeps_no_identity_or_exact_time(org):
    deviation, _code = _report(
        None,
        org.ibi,
        identity=Identity.ANONYMOUS,
        injury=ReportedInjury(injured_kind="other", injury="Bruised knee"),
    )

    injury = Injury.objects.get(deviation=deviation)
    records = list(injury.history.all())
    assert [h.history_user_id for h in records] == [None]
    # the hour the report came in, as the report's own times
    assert records[0].history_date == deviation.reported_at
    assert records[0].history_date.minute == 0


def test_a_report_without_an_injury_records_none(org):
    deviation, _code = _report(org.outsider, org.ibi)
    assert not Injury.objects.filter(deviation=deviation).exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"injury": ReportedInjury(injured_kind="robot", injury="")}, "injured_kind"),
        ({"injury": ReportedInjury(injured_kind="student", injury="x" * 301)}, "injury"),
        (
            {"kind": Kind.SUGGESTION, "injury": ReportedInjury(injured_kind="student")},
            "injured",
        ),
    ],
    ids=["unknown kind of person", "too long", "a suggestion"],
)
def test_a_bad_injury_saves_nothing(org, overrides, field):
    with pytest.raises(ValidationError) as error:
        _report(org.outsider, org.ibi, **overrides)
    assert field in error.value.message_dict
    assert not Deviation.objects.exists()
    assert not Injury.objects.exists()


def test_an_injury_not_yet_assessed_is_no_lost_time_injury(org):
    _report(org.outsider, org.ibi, injury=ReportedInjury(injured_kind="student", injury="Cut"))

    stats = deviation_statistics(year=timezone.localdate().year)

    assert stats.injuries.total == 1
    assert stats.injuries.lost_time == 0
    assert stats.injuries.treated_without_absence == 0


# --- the form ----------------------------------------------------------------------------


def test_the_signed_out_report_an_injury(org):
    visitor = Client(REMOTE_ADDR="203.0.113.5")

    page = visitor.get(reverse("deviations:new"))
    response = visitor.post(reverse("deviations:new"), _form_data(org.ibi))

    body = page.content.decode()
    assert 'name="injured"' in body and 'name="injured_kind"' in body
    assert 'name="medical_treatment"' in body
    assert "medical_details" not in body  # no health details from the reporter
    assert response.status_code == 200
    injury = Injury.objects.get()
    assert (injury.injured_kind, injury.injury, injury.medical_treatment) == (
        "student",
        "A sprained wrist",
        True,
    )
    assert injury.deviation.reporter_id is None
    # the thank-you page tells nothing of the injury back
    assert "A sprained wrist" not in response.content.decode()


def test_a_named_reporter_reports_an_injury(org, login):
    response = login(org.outsider).post(
        reverse("deviations:new"),
        _form_data(org.ibi, identity=Identity.NAMED, medical_treatment=""),
    )
    assert response.status_code == 200
    injury = Injury.objects.get()
    assert injury.deviation.reporter == org.outsider
    assert injury.medical_treatment is False


def test_injury_fields_without_the_tick_record_no_injury(org, login):
    response = login(org.outsider).post(
        reverse("deviations:new"), _form_data(org.ibi, identity=Identity.NAMED, injured="")
    )
    assert response.status_code == 200
    assert not Injury.objects.exists()


def test_an_injury_without_who_was_hurt_is_refused_and_keeps_what_was_typed(org, login):
    response = login(org.outsider).post(
        reverse("deviations:new"), _form_data(org.ibi, injured_kind="")
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "injured_kind" in form.errors
    assert form["injury"].value() == "A sprained wrist"
    assert form["description"].value() == "Fell on the icy steps."
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Deviation.objects.exists()


def test_a_suggestion_with_an_injury_is_refused(org, login):
    response = login(org.outsider).post(
        reverse("deviations:new"), _form_data(org.ibi, kind=Kind.SUGGESTION)
    )
    assert response.status_code == 400
    assert "injured" in response.context["form"].errors
    assert not Deviation.objects.exists()


# --- the case page and the handler -------------------------------------------------------


def test_the_case_page_links_the_injury_page_of_an_event_always(org, login):
    with_injury, _ = _report(
        org.outsider, org.ibi, injury=ReportedInjury(injured_kind="student", injury="Cut")
    )
    without, _ = _report(org.outsider, org.ibi, description="No one hurt.")
    suggestion, _ = _report(org.outsider, org.ibi, kind=Kind.SUGGESTION, description="Idea")
    org.coordinator_a.preferred_language = "en"
    org.coordinator_a.save()
    handler = login(org.coordinator_a)

    def injury_part(deviation):
        page = handler.get(reverse("deviations:detail", args=[deviation.reference]))
        assert page.status_code == 200
        return page.content.decode()

    url = reverse("deviations:injury", args=[with_injury.reference])
    assert f'href="{url}"' in injury_part(with_injury)
    assert "Complete the injury register" in injury_part(with_injury)
    none_url = reverse("deviations:injury", args=[without.reference])
    body = injury_part(without)
    assert f'href="{none_url}"' in body and "Record an injury" in body
    assert reverse("deviations:injury", args=[suggestion.reference]) not in injury_part(suggestion)


def test_the_handler_completes_the_reported_injury(org, login):
    deviation, _ = _report(
        None,
        org.ibi,
        identity=Identity.ANONYMOUS,
        injury=ReportedInjury(injured_kind="student", injury="A sprained wrist"),
    )
    injury = Injury.objects.get()
    handler = login(org.coordinator_a)
    url = reverse("deviations:injury", args=[deviation.reference])

    page = handler.get(url)
    assert page.status_code == 200
    assert "A sprained wrist" in page.content.decode()
    assert InjuryView.objects.filter(injury=injury, viewed_by=org.coordinator_a).count() == 1

    # the absence must be chosen: the register needs it
    data = {
        "version": injury.version,
        "injured_kind": "student",
        "injured_name": "Ola Student",
        "injury": "A sprained wrist",
        "absence": "",
        "medical_treatment": "on",
        "medical_details": "",
    }
    refused = handler.post(url, data)
    assert refused.status_code == 400
    assert "absence" in refused.context["form"].errors

    # medical details only with consent
    refused = handler.post(url, {**data, "absence": "le3", "medical_details": "Fracture"})
    assert refused.status_code == 400
    assert Injury.objects.get().medical_details == ""

    saved = handler.post(url, {**data, "absence": "le3"})
    assert saved.status_code == 302
    injury.refresh_from_db()
    assert (injury.absence, injury.injured_name) == ("le3", "Ola Student")


def test_the_register_shows_an_injury_not_yet_assessed(org, login):
    _report(org.outsider, org.ibi, injury=ReportedInjury(injured_kind="student", injury="Cut"))

    org.hse_staff.preferred_language = "en"
    org.hse_staff.save()
    page = login(org.hse_staff).get(
        reverse("deviations:injuries"), {"year": timezone.localdate().year}
    )

    assert "Not yet assessed" in page.content.decode()


# --- the handler is told -------------------------------------------------------------------


def test_the_handler_is_told_of_a_reported_injury_in_their_language(org):
    org.coordinator_a.preferred_language = "en"
    org.coordinator_a.save()

    deviation, _ = _report(
        None,
        org.ibi,
        identity=Identity.ANONYMOUS,
        injury=ReportedInjury(injured_kind="student", injury="A sprained wrist"),
    )
    _report(org.outsider, org.ibi, description="No one hurt.")

    # one e-mail for the report, which says an injury came with it
    (notice,) = Notice.objects.filter(
        kind="deviations.handler_new", body__contains=deviation.reference
    )
    other = Notice.objects.get(kind="deviations.handler_new", pk__gt=notice.pk)
    assert "injury register" not in other.body
    assert notice.recipients == [org.coordinator_a.email]
    assert notice.language == "en"
    assert deviation.reference in notice.subject
    assert reverse("deviations:injury", args=[deviation.reference]) in notice.body
    assert "Complete the injury register" in notice.body
    # nothing of the injury itself in an e-mail
    assert "sprained" not in notice.body


def test_a_refused_report_tells_nobody(org):
    with pytest.raises(ValidationError):
        _report(org.outsider, org.ibi, injury=ReportedInjury(injured_kind="robot"))
    assert not Notice.objects.exists()
