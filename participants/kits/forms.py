from django import forms
from django.utils.translation import gettext_lazy as _

from participants.enrollment import US_STATES
from participants.kits.models import PartnerSite, RejectionReason


class KitOrderForm(forms.Form):
    CHOICES = [
        ("mail_profile", _("Mail a saliva kit to my address")),
        ("mail_other", _("Mail a saliva kit to a different address, for this kit only")),
        ("site", _("Give a blood sample at a partner site")),
    ]
    option = forms.ChoiceField(
        choices=CHOICES,
        widget=forms.RadioSelect,
        label=_("How would you like to give your sample?"),
    )
    line1 = forms.CharField(max_length=200, required=False, label=_("Street address"))
    line2 = forms.CharField(max_length=200, required=False, label=_("Apartment, unit, etc."))
    city = forms.CharField(max_length=100, required=False, label=_("City or town"))
    state = forms.ChoiceField(
        choices=[("", "—"), *sorted(US_STATES.items(), key=lambda kv: kv[1])],
        required=False,
        label=_("State or territory"),
    )
    postal_code = forms.RegexField(
        regex=r"^\d{5}(-\d{4})?$", max_length=10, required=False, label=_("ZIP code")
    )
    site = forms.ModelChoiceField(
        queryset=PartnerSite.objects.filter(active=True),
        required=False,
        label=_("Partner site"),
        empty_label="—",
    )

    def clean(self):
        data = super().clean()
        option = data.get("option")
        if option == "mail_other":
            for name in ("line1", "city", "state", "postal_code"):
                if not data.get(name):
                    self.add_error(name, _("Please fill this in."))
        if option == "site" and not data.get("site"):
            self.add_error("site", _("Please choose a site."))
        return data

    def address(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(k) or "" for k in
                ("line1", "line2", "city", "state", "postal_code")}  # fmt: skip


class ScanForm(forms.Form):
    barcode = forms.CharField(max_length=64, label="Scan or type the kit barcode")


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(choices=[("USPS", "USPS"), ("UPS", "UPS"), ("FedEx", "FedEx")])
    tracking_number = forms.RegexField(
        regex=r"^[A-Za-z0-9]{8,40}$", max_length=40, label="Tracking number"
    )


class RejectForm(forms.Form):
    reason = forms.ChoiceField(choices=RejectionReason.choices, widget=forms.RadioSelect)
