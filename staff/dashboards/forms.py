"""The dashboard's filter form and the aggregate export form."""

from django import forms
from django.conf import settings

from portal.models import Site
from staff.dashboards.figures import Filters


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
