"""Reads of reporting: the units and categories the report form offers, the unit it
suggests, the reporter's own reports, and a report's photo."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from deviations.models import Category, Deviation, Identity, Photo
from deviations.selectors.cases import schemes_in_force, visible_deviations
from hms.lib.images import image_thumbnail
from units.access import Scope
from units.models import Unit, User


def report_units(day: datetime.date) -> QuerySet[Unit]:
    """The units a report may be made for: those that exist on `day`, top down."""
    return Unit.objects.valid_on(day).order_by("level", "name_nb")


def categories_in_force(day: datetime.date) -> list[Category]:
    """The categories of the scheme(s) in force on `day`, main categories before their
    subcategories. One query."""
    return list(
        Category.objects.filter(scheme__in=schemes_in_force(day))
        .select_related("parent")
        .order_by("scheme_id", "order", "code")
    )


def report_unit_suggested(*, user: User, day: datetime.date) -> Unit | None:
    """The unit the report form suggests to a user who holds no role in a unit: that of
    their latest named or confidential report, if the unit exists on `day`. Anonymous
    reports store no reporter and never count. One query."""
    latest = (
        Deviation.objects.filter(reporter_id=user.pk, unit__in=Unit.objects.valid_on(day))
        .exclude(identity=Identity.ANONYMOUS)
        .select_related("unit")
        .order_by("-reported_at", "-pk")
        .first()
    )
    return latest.unit if latest is not None else None


def reports_of(scope: Scope, *, user_id: int | None) -> QuerySet[Deviation]:
    """The named and confidential reports `user_id` made ("My reports"), among those the
    scope's user may see, newest first (to be paginated: a count and a page's rows).
    Anonymous reports store no reporter."""
    return (
        visible_deviations(scope)
        .filter(reporter_id=user_id)
        .exclude(identity=Identity.ANONYMOUS)
        .select_related("unit")
        .order_by("-reported_at", "-pk")
    )


def report_photo_thumbnail(photo: Photo) -> tuple[bytes, str]:
    """A thumbnail of the report's photo (`hms.lib.images.image_thumbnail`) and its media
    type. Raises one of `IMAGE_ERRORS` where the stored file is no longer an image."""
    with photo.file.open("rb") as file:
        # the formats a photo is kept in (`deviations.services.reports.PHOTO_FORMATS`)
        data, image_format = image_thumbnail(file, formats=("JPEG", "PNG", "WEBP"))
    return data, f"image/{image_format.lower()}"


def report_photo_of(deviation: Deviation, pk: int) -> Photo | None:
    """The photo `pk` of the report, or None where it has none of that id."""
    return deviation.photos.filter(pk=pk).first()
