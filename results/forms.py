from django import forms
from django.utils.translation import gettext_lazy as _

from results.models import Choice, CounsellingContact, QcDecision

HELP = {
    "pgx": _("How your genes may change the way some medicines work for you."),
    "disease_risk": _(
        "Whether you carry a change in one of a small list of genes linked to serious "
        "conditions that doctors can act on. If we find one, a genetic counsellor talks "
        "with you first."
    ),
    "traits": _("A few traits, such as how you may taste bitter foods. Just for interest."),
}


class ResultsPreferenceForm(forms.Form):
    pgx = forms.ChoiceField(
        label=_("Medicines and your genes"),
        choices=Choice.choices,
        widget=forms.RadioSelect,
        help_text=HELP["pgx"],
    )
    disease_risk = forms.ChoiceField(
        label=_("Health risks you can act on"),
        choices=Choice.choices,
        widget=forms.RadioSelect,
        help_text=HELP["disease_risk"],
    )
    traits = forms.ChoiceField(
        label=_("Traits"),
        choices=Choice.choices,
        widget=forms.RadioSelect,
        help_text=HELP["traits"],
    )


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ManifestForm(forms.Form):
    manifest = forms.FileField(
        label="Manifest (CSV: research_id, sample_id, vcf, sex; optional lab_name, "
        "clia_number, cap_number, absent_is_reference, sequencing, outside_calls, "
        "array_genotypes)"
    )
    files = MultipleFileField(
        label="VCF files (.vcf.gz or .vcf) and any outside-call / array files (.tsv, .txt)",
        required=False,
        widget=MultipleFileInput(),
    )
    lab_name = forms.CharField(label="Sequencing laboratory", required=False, max_length=200)
    clia_number = forms.RegexField(
        label="CLIA number", required=False, max_length=20, regex=r"^[A-Za-z0-9-]*$"
    )
    cap_number = forms.RegexField(
        label="CAP number", required=False, max_length=20, regex=r"^[A-Za-z0-9-]*$"
    )
    absent_is_reference = forms.BooleanField(
        label="The lab attests that positions with no record in these VCFs are reference",
        required=False,
    )
    folder = forms.CharField(
        label="…or a folder on the server holding the VCF files",
        required=False,
        max_length=500,
        help_text="Only folders inside the configured import folders are accepted.",
    )


class ReviewForm(forms.Form):
    note = forms.CharField(label="Review note", widget=forms.Textarea, max_length=5000)


class ContactForm(forms.Form):
    status = forms.ChoiceField(label="Contact", choices=CounsellingContact.Status.choices)
    scheduled_for = forms.DateTimeField(
        label="Date and time (for a scheduled contact)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    note = forms.CharField(label="Note", widget=forms.Textarea, required=False, max_length=5000)


class QcDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=QcDecision.choices)
    reason = forms.CharField(label="Reason", min_length=5, max_length=500)


class ConfirmationForm(forms.Form):
    lab = forms.CharField(label="CLIA laboratory (name and CLIA number)", max_length=200)
    accession = forms.CharField(label="Accession number", max_length=64)
    confirmed_on = forms.DateField(
        label="Date of the confirming test", widget=forms.DateInput(attrs={"type": "date"})
    )
