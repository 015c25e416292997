"""Project-level pages: home and the language switch. (The health check and the error
pages are the shared package's: `hms.lib.views`.)"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from deviations.selectors.cases import my_open_cases
from units.access import scope_for_request
from units.selectors.units import own_units_with_meeting_counts
from units.services.people import user_set_language

# The open cases a handler is shown on their home page, a page at a time.
MY_CASES_PAGE_SIZE = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for_request(request)
    today = timezone.localdate()
    year = today.year
    my_cases = Paginator(my_open_cases(scope.user_id, today), MY_CASES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    units = own_units_with_meeting_counts(scope=scope, year=year)
    roles_by_unit: dict[int, list[str]] = {}
    for a in scope.assignments:
        if a.unit_id is not None:
            roles_by_unit.setdefault(a.unit_id, []).append(str(a.get_role_display()))
    cards = [{"unit": u, "roles": roles_by_unit.get(u.pk, [])} for u in units]
    global_roles = [str(a.get_role_display()) for a in scope.assignments if a.unit_id is None]
    return render(
        request,
        "home.html",
        {
            "cards": cards,
            "global_roles": global_roles,
            "year": year,
            "my_cases": my_cases,
        },
    )


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, remembering the choice on the signed-in user too."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if language in {"nb", "en"} and request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    return response
