from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from units.access import Purpose, scope_for_request


def navigation(request: HttpRequest) -> dict:
    """The navigation by role: the user's own units one click away, and the sections the
    user's roles open."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}

    def lazy_nav() -> dict:
        scope = scope_for_request(request)
        return {
            "own_units": scope.own_units,
            "can_browse_units": scope.can_any(Purpose.READ_UNIT),
            "is_hse_staff": scope.reaches_all(Purpose.MANAGE_HSE_WORK),
            "reads_deviations": scope.can_any(Purpose.READ_DEVIATIONS),
            "reads_deviation_statistics": scope.can_any(Purpose.READ_DEVIATION_STATISTICS),
        }

    return {"nav": SimpleLazyObject(lazy_nav)}
