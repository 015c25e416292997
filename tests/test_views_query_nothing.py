"""Views parse, authorise, call one selector or service, and render: no view module queries
a model itself (docs/architecture.md). A query written in a view fails here, naming where."""

import ast
from pathlib import Path

from django.conf import settings

# QuerySet and manager methods that run or build a query; `.all()` is left out (it reads
# what a selector prefetched), and so is `.values()` (a dict's, as often as a queryset's).
QUERY_METHODS = {
    "filter", "exclude", "exists", "count", "select_related", "prefetch_related",
    "annotate", "aggregate", "order_by", "values_list", "in_bulk", "first", "last",
    "get_or_create", "update_or_create", "bulk_create", "bulk_update", "raw",
}  # fmt: skip
QUERY_FUNCTIONS = {"get_object_or_404", "get_list_or_404"}


def view_modules() -> list[Path]:
    base = Path(settings.BASE_DIR)
    found = [base / "hms" / "views.py", base / "hms" / "lib" / "views.py"]
    for app in ("units", "riskassessment", "deviations", "reporting"):
        found += [base / app / "views.py", *sorted((base / app / "views").glob("*.py"))]
    return [path for path in found if path.exists()]


def queries_in(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append((node.lineno, ".objects"))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in QUERY_METHODS:
                found.append((node.lineno, f".{func.attr}()"))
            elif isinstance(func, ast.Name) and func.id in QUERY_FUNCTIONS:
                found.append((node.lineno, f"{func.id}()"))
    return sorted(found)


def test_no_view_queries_a_model():
    modules = view_modules()
    assert len(modules) > 10  # the views are where the test looks
    offending = [
        f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}"
        for path in modules
        for line, what in queries_in(path.read_text())
    ]
    assert offending == [], "move these into a selector or access helper:\n" + "\n".join(offending)


def test_the_check_finds_a_query_written_in_a_view():
    written = (
        "def detail(request, pk):\n"
        "    case = Deviation.objects.get(pk=pk)\n"
        "    photos = case.photos.filter(kind='x')\n"
        "    unit = get_object_or_404(Unit, code='ibi')\n"
        "    return render(request, 't.html', {'n': len(request.GET.values())})\n"
    )
    assert queries_in(written) == [(2, ".objects"), (3, ".filter()"), (4, "get_object_or_404()")]
