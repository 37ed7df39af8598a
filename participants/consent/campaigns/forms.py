from django import forms

from participants.consent.models import ConsentVersion, VersionStatus
from participants.models import Language
from portal.models import Site

MAX_ETHICS_BYTES = 20 * 1024 * 1024


class CampaignForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=ConsentVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related(
            "form"
        ),
        label="New version (published)",
    )
    from_version = forms.ModelChoiceField(
        queryset=ConsentVersion.objects.filter(status=VersionStatus.RETIRED).select_related("form"),
        label="Everyone whose signature is on",
    )
    site = forms.ModelChoiceField(queryset=Site.objects.all(), required=False, label="Only site")
    language = forms.ChoiceField(
        choices=[("", "Both languages"), *Language.choices], required=False, label="Only language"
    )
    ethics_number = forms.CharField(max_length=60, label="Ethics approval number")
    ethics_date = forms.DateField(
        label="Approval date", widget=forms.DateInput(attrs={"type": "date"})
    )
    ethics_document = forms.FileField(label="Approval letter (PDF)")
    policy = forms.ChoiceField(
        choices=[("continue", "Continue under the old version until they re-consent"),
                 ("pause", "Pause data use until they re-consent")],
        widget=forms.RadioSelect,
    )  # fmt: skip

    def clean_ethics_document(self):
        upload = self.cleaned_data["ethics_document"]
        if upload.size > MAX_ETHICS_BYTES:
            raise forms.ValidationError("The approval letter is over 20 MB.")
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-" or not upload.name.lower().endswith(".pdf"):
            raise forms.ValidationError("Upload the approval letter as a PDF.")
        return upload
