"""/staff/operations/: kit and duplicate figures next to the recruitment dashboard.

Aggregates only, with the dashboards' small-cell rule; the same permission as the
dashboard. Kept apart from the dashboard view so its pinned query count is unchanged.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from participants.duplicates.selectors import duplicate_figures
from participants.kits.selectors import kit_figures


@login_required
def operations(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff or not request.user.has_perm("portal.view_dashboards"):
        raise PermissionDenied
    return render(
        request,
        "operations/figures.html",
        {"kits": kit_figures(), "duplicates": duplicate_figures()},
    )
