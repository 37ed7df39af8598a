"""Recruitment dashboard and aggregate exports (staff; aggregates only)."""

import csv
import io

from allauth.account.decorators import reauthentication_required
from django import forms
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
from portal.disclosure import SUPPRESSED_TEXT, csv_safe, suppress_matrix
from portal.models import Site
from staff.dashboards.charts import FUNNEL_ROW, funnel_bars, state_tiles, week_bars
from staff.dashboards.figures import (
    STAGE_LABELS,
    Filters,
    dashboard_figures,
    enrolled_atoms,
)


class FilterForm(forms.Form):
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.order_by("name"), required=False, empty_label="All sites"
    )
    language = forms.ChoiceField(
        required=False, choices=[("", "All languages"), ("en", "English"), ("es", "Spanish")]
    )

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            site_id=data["site"].pk if data["site"] else None,
            language=data["language"],
        )


EXPORT_TABLES = [
    ("funnel", "Funnel: participants who reached each stage"),
    ("weekly", "Enrollments per week and site"),
    ("by_site", "Stages by site"),
    ("by_state", "Enrollments by state"),
    ("diversity", "Enrollments by race/ethnicity, age, source, sex"),
]


class ExportForm(FilterForm):
    table = forms.ChoiceField(choices=EXPORT_TABLES)
    rows = forms.IntegerField(
        min_value=1,
        label="At most this many rows",
        help_text=f"Exports are capped at {settings.STAFF_EXPORT_MAX_ROWS:,} rows.",
        initial=settings.STAFF_EXPORT_MAX_ROWS,
    )

    def clean_rows(self) -> int:
        rows = self.cleaned_data["rows"]
        if rows > settings.STAFF_EXPORT_MAX_ROWS:
            raise forms.ValidationError(
                f"Exports are capped at {settings.STAFF_EXPORT_MAX_ROWS:,} rows; you asked for "
                f"{rows:,}. Participant-level data is never exported: choose an aggregate "
                "table or a shorter date range."
            )
        return rows


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


def _cell(value: int | None) -> str:
    return SUPPRESSED_TEXT if value is None else str(value)


def export_rows(table: str, filters: Filters) -> list[list[object]]:
    """Header + rows of one aggregate table, suppressed. Never participant-level."""
    if table == "weekly":
        # Sums of atom cells (week x site x language) of 20 or more: see figures.py.
        counts: dict[tuple, int] = {}
        trues: dict[tuple, int] = {}
        for week, site_id, _language, kept, true in enrolled_atoms(filters):
            counts[week, site_id] = counts.get((week, site_id), 0) + kept
            trues[week, site_id] = trues.get((week, site_id), 0) + true
        sites = {s.pk: s.name for s in Site.objects.all()} | {0: "No site yet"}
        site_ids = sorted({s for _w, s in counts})
        weeks = sorted({w for w, _s in counts})
        matrix = [[counts.get((w, s), 0) for s in site_ids] for w in weeks]
        hidden = suppress_matrix(matrix) if matrix else []
        header = ["week starting", *[sites.get(s, str(s)) for s in site_ids]]
        return [header] + [
            [
                w.isoformat(),
                *[
                    _cell(None if v == 0 and trues.get((w, s), 0) else v)
                    for s, v in zip(site_ids, row, strict=True)
                ],
            ]
            for w, row in zip(weeks, hidden, strict=True)
        ]
    fig = dashboard_figures(filters)
    if table == "funnel":
        return [["stage", "participants"]] + [[c.label, _cell(c.value)] for c in fig.funnel]
    if table == "by_site":
        header = ["site", *[STAGE_LABELS[s] for s in ORDER], "enrolled in period"]
        return [header] + [[r["site"], *[_cell(v) for v in r["values"]]] for r in fig.by_site]
    if table == "by_state":
        return [["state", "enrolled"]] + [[c.label, _cell(c.value)] for c in fig.by_state]
    rows: list[list[object]] = [["breakdown", "group", "enrolled"]]
    for name, cells in fig.breakdowns.items():
        rows += [[name, c.label, _cell(c.value)] for c in cells]
    return rows


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
