from django import forms
from django.utils.translation import gettext_lazy as _

from staff.forms import REASONS


class StatedReasonForm(forms.Form):
    """Why the staff member opens this pair: the stated-reason rule of the support look-up."""

    reason = forms.ChoiceField(choices=REASONS, widget=forms.RadioSelect)
    detail = forms.CharField(
        max_length=200, label="Ticket number or details", help_text="Required for “Other”."
    )

    def reason_text(self) -> str:
        return f"{self.cleaned_data['reason']}: {self.cleaned_data['detail']}"[:300]


class DecisionForm(forms.Form):
    ACTIONS = [
        ("not_same", "Not the same person"),
        ("keep_first", "Same person: keep the older account, retire the newer"),
        ("keep_second", "Same person: keep the newer account, retire the older"),
        ("verified_call", "The participant confirmed on a call I verified"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    ticket = forms.CharField(max_length=100, required=False, label="Call ticket number")

    def clean(self):
        data = super().clean()
        if data.get("action") == "verified_call" and not data.get("ticket", "").strip():
            self.add_error("ticket", "Give the ticket of the verified call.")
        return data


class OtherAccountForm(forms.Form):
    """The e-mail and password of the participant's other account."""

    email = forms.EmailField(label=_("E-mail address of your other account"))
    password = forms.CharField(
        label=_("Password of your other account"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
