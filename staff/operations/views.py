"""/staff/operations/: kit and duplicate figures next to the recruitment dashboard.

Aggregates only, with the dashboards' small-cell rule; the same permission as the
dashboard. Kept apart from the dashboard view so its pinned query count is unchanged.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from participants.duplicates.selectors import duplicate_figures
from participants.kits.selectors import kit_figures
from portal.decorators import staff_permission_required


@staff_permission_required("portal.view_dashboards")
def operations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "operations/figures.html",
        {"kits": kit_figures(), "duplicates": duplicate_figures()},
    )
