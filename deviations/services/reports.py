"""Writes of deviations: reporting one, following it with a receipt code, and telling the
reporter when it is closed (a notice in the outbox, `hms.lib.outbox`).

Anonymous means nothing stored: no reporter, no user in the history, no name in the photo
files (they are re-encoded from their pixels alone and get random names), and the receipt
code only as a SHA-256 hash.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from PIL import Image

from deviations.models import (
    Category,
    Deviation,
    Identity,
    InjuredKind,
    Injury,
    Kind,
    Photo,
    Status,
)
from deviations.selectors.reports import categories_in_force
from deviations.services.notices import handler_notice_write
from hms.lib import bounds
from hms.lib.history import saved_by
from hms.lib.images import IMAGE_ERRORS, ImageHeader, image_header, image_reencode, megapixels
from hms.lib.models import Notice
from hms.lib.outbox import notice_write
from units.models import Role, Unit
from units.selectors.people import nearest_role_holders

if TYPE_CHECKING:
    from units.models import User

# A case should be closed within this many days of being reported.
DEVIATION_DAYS_TO_CLOSE = 30
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_COUNT = 5
# The formats a photo is kept in, with their extensions; a phone's MPO opens as a JPEG
# and is kept as the JPEG of its first image (`hms.lib.images`).
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# A phone's clock may run a little ahead of the server's.
FUTURE_GRACE = datetime.timedelta(minutes=5)
# Receipt codes: 12 characters without look-alikes (0/O, 1/I/L), about 60 bits.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 12
REFERENCE_ATTEMPTS = 5


@dataclass(frozen=True)
class ReportedInjury:
    """What a reporter says of a person hurt: who (an employee, a student, somebody
    else), what the injury is, and whether they got medical treatment. No name and no
    health details: the case's handler completes the register (`services.injuries`),
    medical details only with the injured person's consent."""

    injured_kind: str
    injury: str = ""
    medical_treatment: bool = False


def reported_injury_errors(kind: str, injury: ReportedInjury) -> dict[str, str | list[str]]:
    """What is wrong with a reported injury, by field (`injured`: the tick itself), run by
    the report form and by `deviation_report`."""
    errors: dict[str, str | list[str]] = {}
    if kind != Kind.EVENT:
        errors["injured"] = _(
            "An improvement suggestion has no injury: choose “Undesired event or "
            "deviation”, or untick “Someone was injured”."
        )
    if injury.injured_kind not in InjuredKind.values:
        errors["injured_kind"] = _("Say who was injured.")
    texts = bounds.FieldErrors()
    texts.text("injury", injury.injury, max_length=bounds.max_length_of(Injury, "injury"))
    errors.update(texts.errors)
    return errors


def receipt_hash(code: str) -> str:
    """The stored form of a receipt code: SHA-256 of the code without spaces, dashes or
    case, so "abcd-efgh-jkmn" finds "ABCDEFGHJKMN"."""
    normal = re.sub(r"[^0-9A-Z]", "", code.upper())
    return hashlib.sha256(normal.encode()).hexdigest()


def submission_token_new() -> str:
    """A one-time token for one filling-in of the report form (a hidden field): random,
    made by the server, tied to no user or session. A resubmission of the same form (a
    reload of the answer to the POST) carries the same token, so it finds the report
    instead of making a second one. Only its hash is stored."""
    return secrets.token_urlsafe(32)


def submission_hash(token: str) -> str:
    """The stored form of a submission token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def receipt_code_for(token: str, *, secret: str | None = None) -> str:
    """The receipt code of the anonymous report sent with submission token `token`: an
    HMAC of the token with the SECRET_KEY (or `secret`), about 60 bits in the receipt
    alphabet, grouped in fours for reading aloud. The same token gives the same code, so
    a resubmission shows the code again, while neither stored hash reveals it."""
    digest = salted_hmac(
        "deviations.receipt_code", token, secret=secret, algorithm="sha256"
    ).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _position in range(RECEIPT_LENGTH):
        number, index = divmod(number, len(RECEIPT_ALPHABET))
        chars.append(RECEIPT_ALPHABET[index])
    raw = "".join(chars)
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def coordinator_for(unit: Unit, *, on: datetime.date) -> User | None:
    """The HSE coordinator of `unit` on day `on`, else of the nearest unit above it."""
    holders = nearest_role_holders(role=Role.HSE_COORDINATOR, unit_ids={unit.pk}, on=on)
    return holders[unit.pk][0] if holders[unit.pk] else None


def _photos_probe(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str, ImageHeader]]:
    """Each photo with its name and header, after the checks that need no decoding: how
    many, how large in bytes and in pixels, each and all of them together, and the image
    type, from each file's header, so that a decompression bomb, or a handful of photos
    that would take a worker's memory together, is refused before anything is decoded.
    Raises ValidationError with one message per bad photo."""
    if len(photos) > PHOTO_MAX_COUNT:
        raise ValidationError(
            _("At most %(count)d photos per report.") % {"count": PHOTO_MAX_COUNT},
            code="too_many",
        )
    max_pixels: int = settings.HMS_DEVIATION_PHOTO_MAX_PIXELS
    probed = []
    errors = []
    for photo in photos:
        name = photo.name or _("(unnamed file)")
        if photo.size is not None and photo.size > PHOTO_MAX_BYTES:
            errors.append(
                ValidationError(
                    _("%(name)s is larger than %(mb)d MB.")
                    % {"name": name, "mb": PHOTO_MAX_BYTES // (1024 * 1024)},
                    code="too_large",
                )
            )
            continue
        too_many_pixels = ValidationError(
            _("%(name)s has more than %(max)s megapixels. Choose a smaller photo.")
            % {"name": name, "max": megapixels(max_pixels)},
            code="too_many_pixels",
        )
        try:
            header = image_header(photo, formats=PHOTO_FORMATS)
        except Image.DecompressionBombError:  # beyond even Pillow's own limit
            errors.append(too_many_pixels)
        except IMAGE_ERRORS:
            errors.append(
                ValidationError(
                    _("%(name)s is not a JPEG, PNG or WebP image.") % {"name": name},
                    code="not_image",
                )
            )
        else:
            if header.pixels > max_pixels:
                errors.append(too_many_pixels)
            else:
                probed.append((photo, name, header))
    budget: int = settings.HMS_DEVIATION_PHOTOS_MAX_PIXELS_PER_REQUEST
    if sum(header.pixels for _photo, _name, header in probed) > budget:
        errors.append(
            ValidationError(
                _(
                    "Together the photos have more than %(max)s megapixels. Send fewer "
                    "photos, or smaller ones."
                )
                % {"max": megapixels(budget)},
                code="too_many_pixels_together",
            )
        )
    if errors:
        raise ValidationError(errors)
    return probed


def report_photos_validate(photos: Sequence[UploadedFile]) -> None:
    """The checks of a report's photos that need no decoding (see `_photos_probe`): run by
    the report form, so that one submit shows every error, and by `deviation_report`.
    Raises ValidationError."""
    _photos_probe(photos)


def report_occurred_at_validate(
    occurred_at: datetime.datetime, *, now: datetime.datetime | None = None
) -> None:
    """Refuses a time in the future, beyond a phone clock's lead, and one before 2000
    (`hms.lib.bounds`: year 1 is a BC timestamp to PostgreSQL, which breaks every page that
    lists the report). Run by the report form and by `deviation_report`. Raises
    ValidationError."""
    now = now or timezone.now()
    if occurred_at > now + FUTURE_GRACE:
        raise ValidationError(_("The time it happened cannot be in the future."), code="future")
    bounds.event_check(occurred_at, latest=timezone.localdate(now + FUTURE_GRACE))


def report_categories_validate(categories: Iterable[Category], *, day: datetime.date) -> None:
    """Refuses a category of a scheme not in force on `day`. Run by the report form and by
    `deviation_report`. Raises ValidationError."""
    allowed = {c.pk for c in categories_in_force(day)}
    if any(c.pk not in allowed for c in categories):
        raise ValidationError(
            _("A category belongs to a scheme that is not in force today. Choose from the list."),
            code="not_in_force",
        )


def _clean_photos(photos: Sequence[UploadedFile]) -> list[tuple[bytes, str]]:
    """Each photo checked (`_photos_probe`), then decoded and re-encoded from its pixels
    alone (`hms.lib.images.image_reencode`: EXIF may hold the owner's name and the GPS
    position, a comment or colour profile anything at all), one at a time. Raises
    ValidationError on `photos`."""
    try:
        probed = _photos_probe(photos)
    except ValidationError as error:
        raise ValidationError({"photos": error.error_list}) from None
    cleaned = []
    for photo, name, header in probed:
        try:
            data = image_reencode(photo, header=header)
        except IMAGE_ERRORS:
            raise ValidationError(
                {"photos": _("%(name)s is not a JPEG, PNG or WebP image.") % {"name": name}}
            ) from None
        cleaned.append((data, PHOTO_FORMATS[header.format]))
    return cleaned


def anonymous_time(moment: datetime.datetime) -> datetime.datetime:
    """The time an anonymous report is stored with: the hour it came in (local time).
    The time it happened is the reporter's own, kept as they give it, but for a time in
    that same hour (which would tell the minute of the report): that is kept as the hour."""
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def _file_time_set(file: FieldFile, moment: datetime.datetime) -> None:
    """Give a stored file the time `moment` (its modification and access times), where
    the storage keeps files on a disk."""
    try:
        path = file.path
    except NotImplementedError:  # a storage without local paths keeps no such times
        return
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def _reference_next(year: int) -> str:
    """The next free reference of `year`, e.g. 2026-00123. Locks the year's last report
    so that concurrent reports wait their turn; the unique constraint catches the rest."""
    prefix = f"{year}-"
    last = (
        Deviation.objects.select_for_update()
        .filter(reference__regex=rf"^{year}-[0-9]{{5,}}$")
        .annotate(ref_len=Length("reference"))
        .order_by("-ref_len", "-reference")
        .only("reference")
        .first()
    )
    number = int(last.reference[len(prefix) :]) + 1 if last is not None else 1
    return f"{prefix}{number:05d}"


def deviation_report(
    *,
    user: User | None,
    kind: str,
    occurred_at: datetime.datetime,
    unit: Unit | None,
    campus: str = "",
    building: str = "",
    room: str = "",
    location: str = "",
    description: str,
    immediate_action: str = "",
    categories: Iterable[Category] = (),
    actual_people: int | None = None,
    actual_environment: int | None = None,
    actual_material: int | None = None,
    identity: str,
    photos: Sequence[UploadedFile] = (),
    submission_token: str = "",
    injury: ReportedInjury | None = None,
) -> tuple[Deviation, str | None]:
    """Record a report made by `user` (None: somebody not signed in, who reports
    anonymously only). Returns the report and, for an anonymous one, the receipt code
    (only its hash is kept), else None.

    `submission_token` is the report form's one-time token (`submission_token_new`): the
    same form sent again (same token, same content) makes no second report but returns
    the first, with the same receipt code (derived from the token); see
    `_report_submission`. Without a token every call makes a report.

    `injury`: somebody was hurt; the report's injury is recorded for the register with
    what the reporter says, its absence not yet assessed (the handler completes it).

    Raises ValidationError (with field names) on bad input; nothing is saved then. The
    report form runs the same checks first; these are the last line of defence."""
    form_token = submission_token or submission_token_new()
    content = _report_content(
        kind=kind,
        identity=identity,
        unit_id=unit.pk if unit is not None else None,
        occurred_at=occurred_at,
        description=description,
    )
    token, resubmitted = _report_submission(token=form_token, content=content)
    if resubmitted is not None:
        return resubmitted
    now = timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, str | list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = _("Choose what you are reporting.")
    if identity not in Identity.values:
        errors["identity"] = _("Choose how your name is to be stored.")
    elif user is None and identity != Identity.ANONYMOUS:
        errors["identity"] = _(
            "Without signing in you can only report anonymously. Sign in to report with your name."
        )
    if occurred_at is None:
        errors["occurred_at"] = _("Say when it happened.")
    else:
        try:
            report_occurred_at_validate(occurred_at, now=now)
        except ValidationError as error:
            errors["occurred_at"] = error.messages
    if unit is None or not unit.is_valid_on(today):
        errors["unit"] = _("Choose a unit that exists today.")
    if not (description or "").strip():
        errors["description"] = _("Say what happened.")
    texts = bounds.FieldErrors()
    texts.text("description", description)
    texts.text("immediate_action", immediate_action)
    for name, text in (("location", location), ("building", building), ("room", room)):
        texts.text(name, text, max_length=bounds.max_length_of(Deviation, name))
    for name, messages in texts.errors.items():
        errors.setdefault(name, messages)
    for field, value in (
        ("actual_people", actual_people),
        ("actual_environment", actual_environment),
        ("actual_material", actual_material),
    ):
        if value is not None and not 1 <= value <= 5:
            errors[field] = _("Choose a consequence from 1 to 5.")
    chosen = list(categories)
    try:
        report_categories_validate(chosen, day=today)
    except ValidationError as error:
        errors["categories"] = error.messages
    try:
        cleaned_photos = _clean_photos(photos)
    except ValidationError as error:
        errors.update(error.message_dict)
    if injury is not None:
        for name, problem in reported_injury_errors(kind, injury).items():
            errors.setdefault(name, problem)
    if errors:
        raise ValidationError(errors)
    assert unit is not None

    anonymous = identity == Identity.ANONYMOUS
    # An anonymous report's own times are the hour it came in: to the second they would
    # match the reporter's sign-in, session and the server's logs.
    stamped = anonymous_time(now) if anonymous else now
    if anonymous and occurred_at > stamped:
        # Within the hour it came in (the form's own "now", say), the time it happened
        # would tell the minute it was reported: it is kept as that hour too.
        occurred_at = stamped
    handler = coordinator_for(unit, on=today)
    for attempt in range(REFERENCE_ATTEMPTS):
        code = receipt_code_for(token) if anonymous else None
        try:
            with transaction.atomic():
                deviation = Deviation(
                    reference=_reference_next(today.year),
                    kind=kind,
                    occurred_at=occurred_at,
                    reported_at=stamped,
                    unit=unit,
                    campus=campus or "",
                    building=building.strip(),
                    room=room.strip(),
                    location=location.strip(),
                    description=description.strip(),
                    immediate_action=immediate_action.strip(),
                    actual_people=actual_people,
                    actual_environment=actual_environment,
                    actual_material=actual_material,
                    identity=identity,
                    reporter=None if anonymous else user,
                    receipt_hash=receipt_hash(code) if code else "",
                    submission_hash=submission_hash(token),
                    status=Status.NEW,
                    handler=handler,
                    deadline=today + datetime.timedelta(days=DEVIATION_DAYS_TO_CLOSE),
                )
                # Never the request's user for an anonymous report (the history
                # middleware would record it otherwise).
                saved_by(deviation, None if anonymous else user)
                deviation._history_date = stamped  # type: ignore[attr-defined]
                # One history record for the report and its categories, made below.
                deviation.skip_history_when_saving = True  # type: ignore[attr-defined]
                deviation.save()
                del deviation.skip_history_when_saving  # type: ignore[attr-defined]
                through = Deviation.categories.through
                links = through.objects.bulk_create(
                    [
                        through(deviation_id=deviation.pk, category_id=pk)
                        for pk in dict.fromkeys(c.pk for c in chosen)  # once each
                    ]
                )
                deviations_history_create([deviation], links)
                for data, extension in cleaned_photos:
                    photo = Photo.objects.create(
                        deviation=deviation,
                        file=ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}"),
                        uploaded_at=stamped,
                    )
                    if anonymous:
                        _file_time_set(photo.file, stamped)
                if injury is not None:
                    _reported_injury_create(
                        deviation, injury, user=None if anonymous else user, at=stamped
                    )
                # one e-mail to the handler, which says so when an injury came with it
                handler_notice_write(
                    deviation=deviation, reassigned=False, injury=injury is not None
                )
                return deviation, code
        except IntegrityError:
            # The same form sent twice at once: the other request saved it.
            token, resubmitted = _report_submission(token=form_token, content=content)
            if resubmitted is not None:
                return resubmitted
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _reported_injury_create(
    deviation: Deviation, reported: ReportedInjury, *, user: User | None, at: datetime.datetime
) -> Injury:
    """The report's injury as the reporter told it; its history record by the reporter
    (none for an anonymous report) at the report's own time."""
    injury = Injury(
        deviation=deviation,
        injured_kind=reported.injured_kind,
        injury=reported.injury.strip(),
        medical_treatment=reported.medical_treatment,
        absence="",  # not yet assessed
    )
    saved_by(injury, user)
    injury._history_date = at  # type: ignore[attr-defined]
    injury.save()
    return injury


def _report_content(
    *,
    kind: str,
    identity: str,
    unit_id: int | None,
    occurred_at: datetime.datetime | None,
    description: str,
) -> str:
    """A digest of what a report says, to tell the same form sent again from a form that
    was filled in anew. An anonymous report's time of happening counts by its hour: the
    hour it came in is what is kept of a time within it (`deviation_report`)."""
    if occurred_at is not None and identity == Identity.ANONYMOUS:
        occurred_at = anonymous_time(occurred_at)
    parts = [
        kind,
        identity,
        str(unit_id or ""),
        str(occurred_at.timestamp()) if occurred_at is not None else "",
        (description or "").strip(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _report_submission(
    *, token: str, content: str
) -> tuple[str, tuple[Deviation, str | None] | None]:
    """The submission token to make a report with, and the report (with its receipt code)
    already made by the same form with the same `content`, if there is one.

    A reload of the answer to the POST sends the same form again: same token, same
    content, so the report it made is found. A browser may also restore a sent form's
    token when one goes back to it, and the form is then filled in anew: same token,
    other content. That is a new report, not to be dropped: it is made under a token
    derived from both, which a reload of its own answer finds in turn."""
    first = Deviation.objects.filter(submission_hash=submission_hash(token)).first()
    if first is None:
        return token, None
    first_content = _report_content(
        kind=first.kind,
        identity=first.identity,
        unit_id=first.unit_id,
        occurred_at=first.occurred_at,
        description=first.description_original or first.description,
    )
    if first_content == content:
        return token, (first, _receipt_code_again(first, token))
    derived = f"{token}.{content}"
    again = Deviation.objects.filter(submission_hash=submission_hash(derived)).first()
    if again is None:
        return derived, None
    return derived, (again, _receipt_code_again(again, derived))


def _receipt_code_again(deviation: Deviation, token: str) -> str | None:
    """The receipt code of `deviation`, sent with `token`, if it is anonymous, else None.
    Derived from the token again, also with a SECRET_KEY since rotated
    (SECRET_KEY_FALLBACKS)."""
    if deviation.identity != Identity.ANONYMOUS:
        return None
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        code = receipt_code_for(token, secret=secret)
        if receipt_hash(code) == deviation.receipt_hash:
            return code
    raise ValidationError(
        _("This report has already been sent, with reference %(reference)s.")
        % {"reference": deviation.reference}
    )


def deviations_history_create(
    deviations: Sequence[Deviation],
    links: Iterable[models.Model] = (),
    *,
    batch_size: int | None = None,
) -> None:
    """The creation record in the history of each of `deviations`, with its categories:
    `links`, the saved rows of `Deviation.categories.through` of these deviations.

    For reports saved without the history's signals (`bulk_create`, or `save()` with
    `skip_history_when_saving`) and given their categories through the through table:
    simple_history's signals would make a second record for the categories, and
    `bulk_create_with_history` leaves them out. Two INSERTs a batch. The user of a record
    is the deviation's `_history_user`, else none; its time the deviation's
    `_history_date`, else now."""
    records = Deviation.history.bulk_history_create(deviations, batch_size=batch_size)
    if not records:  # none asked for, or history turned off
        return
    record_of = {record.id: record.history_id for record in records}
    snapshot = apps.get_model("deviations", "HistoricalDeviation_categories")
    snapshot.objects.bulk_create(
        [
            snapshot(
                history_id=record_of[link.deviation_id],  # type: ignore[attr-defined]
                id=link.pk,
                deviation_id=link.deviation_id,  # type: ignore[attr-defined]
                category_id=link.category_id,  # type: ignore[attr-defined]
            )
            for link in links
        ],
        batch_size=batch_size,
    )


def deviation_receipt_lookup(*, code: str) -> Deviation | None:
    """The anonymous report whose receipt code is `code`, or None."""
    if not code or not re.sub(r"[^0-9A-Za-z]", "", code):
        return None
    return (
        Deviation.objects.filter(identity=Identity.ANONYMOUS, receipt_hash=receipt_hash(code))
        .exclude(receipt_hash="")
        .first()
    )


# A reporter is told when their report reaches one of these.
ENDED_STATUSES = (Status.CLOSED, Status.REJECTED)


def reporter_notice_write(*, deviation: Deviation) -> Notice | None:
    """Write to the outbox the e-mail that tells the named or confidential reporter that
    their report is closed, or rejected with the reason, in their language; call it in the
    transaction that closes or rejects the case, so the notice is sent once that commits
    and never when it does not. None when nobody is to be told (an anonymous report, a
    reporter without an address or no longer at NTNU)."""
    reporter = deviation.reporter
    if (
        deviation.status not in ENDED_STATUSES
        or deviation.identity == Identity.ANONYMOUS
        or reporter is None
        or not reporter.email
        or not reporter.is_active
    ):
        return None
    return notice_write(
        kind="deviations.reporter_closed",
        to=[reporter.email],
        language=reporter.preferred_language,
        subject_template="deviations/report/email/closed_subject.txt",
        body_template="deviations/report/email/closed_body.txt",
        context={
            "deviation": deviation,
            "reporter": reporter,
            "link": settings.SITE_URL + reverse("deviations:mine"),
            "lesson": deviation.lesson if deviation.lesson_shared else "",
        },
    )
