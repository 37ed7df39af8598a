import datetime as dt

from django import forms
from django.utils import timezone

from participants.account_adapter import clean_plain_email
from participants.identifiers import is_valid_participant_id
from portal.models import Site
from staff.roles import ROLE_LABELS

REASONS = [
    ("participant_request", "The participant asked for help (call, e-mail, chat)"),
    ("data_correction", "Correcting data the participant reported as wrong"),
    ("safety", "Participant safety or a complaint"),
    ("other", "Other (explain below)"),
]


class LookupForm(forms.Form):
    """One participant id and why: no names, no search, no lists."""

    participant_id = forms.CharField(
        max_length=10, label="Participant id", help_text="P followed by 9 digits."
    )
    reason = forms.ChoiceField(choices=REASONS, widget=forms.RadioSelect)
    detail = forms.CharField(
        max_length=200, label="Ticket number or details", help_text="Required for “Other”."
    )

    def clean_participant_id(self) -> str:
        value = self.cleaned_data["participant_id"].strip().upper()
        if not is_valid_participant_id(value):
            raise forms.ValidationError("That is not a valid participant id (check the digits).")
        return value

    def reason_text(self) -> str:
        return f"{self.cleaned_data['reason']}: {self.cleaned_data['detail']}"[:300]


class InviteForm(forms.Form):
    email = forms.EmailField()
    site = forms.ModelChoiceField(queryset=Site.objects.order_by("name"), required=False)
    roles = forms.MultipleChoiceField(
        choices=list(ROLE_LABELS.items()), widget=forms.CheckboxSelectMultiple
    )

    def clean_email(self) -> str:
        # The rules of participant sign-up: no look-alike staff account, no cut address.
        return clean_plain_email(self.cleaned_data["email"])


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=list(ROLE_LABELS.items()), widget=forms.CheckboxSelectMultiple, required=False
    )


class DeactivateForm(forms.Form):
    reason = forms.CharField(max_length=200)


class TravelForm(forms.Form):
    country = forms.RegexField(
        regex=r"^[A-Za-z]{2}$", label="Country (two-letter code, e.g. CA, MX, GB)"
    )
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=300)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise forms.ValidationError("The end date is before the start date.")
        if starts and starts < timezone.now().date() - dt.timedelta(days=1):
            raise forms.ValidationError("Travel exceptions cannot start in the past.")
        return data
