"""Writes of deviations: reporting one, following it with a receipt code, and telling the
reporter when it is closed.

Anonymous means nothing stored: no reporter, no user in the history, no name in the photo
files (they are re-encoded without their metadata and get random names), and the receipt
code only as a SHA-256 hash.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from units.models import Role, RoleAssignment, Unit

from .models import Category, Deviation, Identity, Kind, Photo, Status

if TYPE_CHECKING:
    from units.models import User

# A case should be closed within this many days of being reported.
DEVIATION_DAYS_TO_CLOSE = 30
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_COUNT = 5
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# A phone's clock may run a little ahead of the server's.
FUTURE_GRACE = datetime.timedelta(minutes=5)
# Receipt codes: 12 characters without look-alikes (0/O, 1/I/L), about 60 bits.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 12
REFERENCE_ATTEMPTS = 5
_IMAGE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
)


def receipt_hash(code: str) -> str:
    """The stored form of a receipt code: SHA-256 of the code without spaces, dashes or
    case, so "abcd-efgh-jkmn" finds "ABCDEFGHJKMN"."""
    normal = re.sub(r"[^0-9A-Z]", "", code.upper())
    return hashlib.sha256(normal.encode()).hexdigest()


def receipt_code_new() -> str:
    """A fresh receipt code, grouped in fours for reading aloud."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def categories_in_force(day: datetime.date) -> list[Category]:
    """The categories of the scheme(s) in force on `day`, main categories before their
    subcategories. One query."""
    return list(
        Category.objects.filter(
            Q(scheme__valid_from__lte=day)
            & (Q(scheme__valid_to__isnull=True) | Q(scheme__valid_to__gte=day))
        )
        .select_related("parent")
        .order_by("scheme_id", "order", "code")
    )


def coordinator_for(unit: Unit, *, on: datetime.date) -> User | None:
    """The HSE coordinator of `unit` on day `on`, else of the nearest unit above it."""
    chain: list[int] = []
    current: Unit | None = unit
    seen: set[int] = set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        chain.append(current.pk)
        current = current.parent
    assignments = (
        RoleAssignment.objects.valid_on(on)
        .filter(role=Role.HSE_COORDINATOR, unit_id__in=chain, user__is_active=True)
        .select_related("user")
        .order_by("valid_from", "pk")
    )
    by_unit: dict[int, User] = {}
    for assignment in assignments:
        if assignment.unit_id is not None:
            by_unit.setdefault(assignment.unit_id, assignment.user)
    for unit_id in chain:
        if unit_id in by_unit:
            return by_unit[unit_id]
    return None


def _clean_photos(photos: Sequence[UploadedFile]) -> list[tuple[bytes, str]]:
    """Each photo verified by Pillow and re-encoded without its metadata (EXIF may hold
    the owner's name and the GPS position). Raises ValidationError on `photos`."""
    if len(photos) > PHOTO_MAX_COUNT:
        raise ValidationError(
            {"photos": _("At most %(count)d photos per report.") % {"count": PHOTO_MAX_COUNT}}
        )
    cleaned = []
    for photo in photos:
        name = photo.name or _("(unnamed file)")
        if photo.size is not None and photo.size > PHOTO_MAX_BYTES:
            raise ValidationError(
                {
                    "photos": _("%(name)s is larger than %(mb)d MB.")
                    % {"name": name, "mb": PHOTO_MAX_BYTES // (1024 * 1024)}
                }
            )
        try:
            photo.seek(0)
            data = photo.read()
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                probe.verify()
            if image_format not in PHOTO_FORMATS:
                raise UnidentifiedImageError(image_format)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
                    upright = upright.convert("RGB")
                out = io.BytesIO()
                options: dict[str, object] = {"quality": 90} if image_format != "PNG" else {}
                upright.save(out, format=image_format, **options)
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombError,
        ):
            raise ValidationError(
                {"photos": _("%(name)s is not a JPEG, PNG or WebP image.") % {"name": name}}
            ) from None
        cleaned.append((out.getvalue(), PHOTO_FORMATS[image_format]))
    return cleaned


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
    user: User,
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
) -> tuple[Deviation, str | None]:
    """Record a report made by `user`. Returns the report and, for an anonymous one, the
    receipt code (shown once; only its hash is kept), else None.

    Raises ValidationError (with field names) on bad input; nothing is saved then."""
    now = timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, str] = {}
    if kind not in Kind.values:
        errors["kind"] = _("Choose what you are reporting.")
    if identity not in Identity.values:
        errors["identity"] = _("Choose how your name is to be stored.")
    if occurred_at is None:
        errors["occurred_at"] = _("Say when it happened.")
    elif occurred_at > now + FUTURE_GRACE:
        errors["occurred_at"] = _("The time it happened cannot be in the future.")
    if unit is None or not unit.is_valid_on(today):
        errors["unit"] = _("Choose a unit that exists today.")
    if not (description or "").strip():
        errors["description"] = _("Say what happened.")
    for field, value in (
        ("actual_people", actual_people),
        ("actual_environment", actual_environment),
        ("actual_material", actual_material),
    ):
        if value is not None and not 1 <= value <= 5:
            errors[field] = _("Choose a consequence from 1 to 5.")
    chosen = list(categories)
    allowed = {c.pk for c in categories_in_force(today)}
    if any(c.pk not in allowed for c in chosen):
        errors["categories"] = _(
            "A category belongs to a scheme that is not in force today. Choose from the list."
        )
    try:
        cleaned_photos = _clean_photos(photos)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    assert unit is not None

    anonymous = identity == Identity.ANONYMOUS
    code = receipt_code_new() if anonymous else None
    handler = coordinator_for(unit, on=today)
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                deviation = Deviation(
                    reference=_reference_next(today.year),
                    kind=kind,
                    occurred_at=occurred_at,
                    reported_at=now,
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
                    status=Status.NEW,
                    handler=handler,
                    deadline=today + datetime.timedelta(days=DEVIATION_DAYS_TO_CLOSE),
                )
                # Never the request's user for an anonymous report (the history
                # middleware would record it otherwise).
                deviation._history_user = None if anonymous else user  # type: ignore[attr-defined]
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
                    Photo.objects.create(
                        deviation=deviation,
                        file=ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}"),
                    )
                return deviation, code
        except IntegrityError:
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


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
    is the deviation's `_history_user`, else none."""
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


def deviation_closed_notify(*, deviation: Deviation) -> bool:
    """E-mail the named or confidential reporter that their report is closed, in their
    language. Returns whether an e-mail was sent. Sends once per closing (a second call
    for the same closing does nothing)."""
    reporter = deviation.reporter
    if (
        deviation.status != Status.CLOSED
        or deviation.identity == Identity.ANONYMOUS
        or reporter is None
        or not reporter.email
        or not reporter.is_active
    ):
        return False
    with transaction.atomic():
        # Claim the e-mail on the row: a second run, or a second worker, finds it claimed.
        # A delivery marker, not a change by a person, so it is not in the case's history.
        claimed = Deviation.objects.filter(
            pk=deviation.pk, status=Status.CLOSED, reporter_notified_at__isnull=True
        ).update(reporter_notified_at=timezone.now())
        if not claimed:
            return False
        language = reporter.preferred_language or settings.LANGUAGE_CODE
        with translation.override(language):
            context = {
                "deviation": deviation,
                "reporter": reporter,
                "link": settings.SITE_URL + reverse("deviations:mine"),
                "lesson": deviation.lesson if deviation.lesson_shared else "",
            }
            subject = render_to_string("deviations/report/email/closed_subject.txt", context)
            body = render_to_string("deviations/report/email/closed_body.txt", context)
        # A failed send rolls the claim back, so a retry sends it.
        EmailMessage(
            subject=" ".join(subject.split()),
            body=body.strip() + "\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[reporter.email],
        ).send()
    return True
