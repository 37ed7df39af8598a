"""Recruitment dashboard and aggregate exports (staff; aggregates only)."""

import csv
import io

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from participants.journey import ORDER
from portal.audit import audit_record
from portal.db_router import replica_reads
from portal.decorators import staff_permission_required
from portal.disclosure import SUPPRESSED_TEXT, csv_safe
from staff.dashboards.charts import FUNNEL_ROW, funnel_bars, state_tiles, week_bars
from staff.dashboards.figures import (
    STAGE_LABELS,
    Filters,
    dashboard_figures,
)
from staff.dashboards.forms import ExportForm, FilterForm
from staff.dashboards.selectors import export_rows


def _staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The staff landing page (/staff/): the dashboard for those who may see it, else the
    menu of the pages their roles open. Not a refusal: every staff member lands here."""
    if not request.user.has_perm("portal.view_dashboards"):
        return _staff_home(request)
    form = FilterForm(request.GET or None)
    filters = form.filters()
    with replica_reads():  # aggregates: a replica's few seconds of lag are fine
        figures = dashboard_figures(filters)
    if filters != Filters():
        # Filtered views are what a differencing attempt is made of: keep a trail of them
        # (who, which filters), as exports do. The unfiltered page writes nothing. Written
        # after the figures are read, so the read can still go to the replica.
        audit_record(
            action="staff.dashboard_filter",
            actor=request.user,
            data={"filters": {k: str(v) for k, v in filters.__dict__.items() if v}},
        )
    return render(
        request,
        "staff/dashboard.html",
        {
            "form": form,
            "fig": figures,
            "funnel_bars": funnel_bars(figures.funnel),
            "funnel_height": FUNNEL_ROW * len(figures.funnel) + 4,
            "week_chart": week_bars(figures.weeks),
            "tiles": state_tiles(figures.by_state),
            "stage_labels": [STAGE_LABELS[s] for s in ORDER],
            "suppressed_text": SUPPRESSED_TEXT,
            "goals_config": settings.DASHBOARD_DIVERSITY_GOALS,
            "small_cell_max": settings.STAFF_SMALL_CELL_MAX,
        },
    )


@staff_permission_required("portal.export_aggregates")
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        filters = form.filters()
        with replica_reads():
            rows = export_rows(form.cleaned_data["table"], filters)
        if len(rows) - 1 > form.cleaned_data["rows"]:
            form.add_error(
                None,
                f"This export would have {len(rows) - 1:,} rows, more than the "
                f"{form.cleaned_data['rows']:,} you allowed. Narrow the dates or the site.",
            )
        else:
            audit_record(
                action="staff.export",
                actor=request.user,
                data={
                    "table": form.cleaned_data["table"],
                    "rows": len(rows) - 1,
                    "filters": {k: str(v) for k, v in form.filters().__dict__.items()},
                },
            )
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in rows:
                writer.writerow([csv_safe(v) for v in row])
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
            stamp = timezone.now().strftime("%Y%m%d")
            response["Content-Disposition"] = (
                f'attachment; filename="{form.cleaned_data["table"]}-{stamp}.csv"'
            )
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/export.html", {"form": form}, status=status)
