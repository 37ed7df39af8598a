import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.consent.comprehension import Question
from participants.consent.models import ConsentForm, ConsentVersion
from participants.text_input import clean_person_name


class SignatureField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Type your full legal name to sign"))
        kwargs.setdefault(
            "help_text", _("First and last name, as in your details. Accents are optional.")
        )
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "name", "spellcheck": "false"})

    def clean(self, value):
        return clean_person_name(super().clean(value), max_length=200)


class SignForm(forms.Form):
    """The decision and signature; the hidden fields say exactly what was shown."""

    decision = forms.ChoiceField(widget=forms.RadioSelect)
    typed_name = SignatureField()
    version_id = forms.CharField(widget=forms.HiddenInput)
    language = forms.CharField(widget=forms.HiddenInput)
    text_sha256 = forms.CharField(widget=forms.HiddenInput)
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, consent_form: ConsentForm, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(c.value, c.label) for c in consent_form.choices]
        self.fields["decision"].label = _("Your decision")
        self.fields["decision"].error_messages["required"] = _("Please choose one of the answers.")
        self.fields["typed_name"].error_messages["required"] = _("Please type your name to sign.")


class WithdrawConsentForm(forms.Form):
    typed_name = SignatureField()
    language = forms.CharField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I understand and I want to withdraw this permission."), required=True
    )


class ComprehensionForm(forms.Form):
    def __init__(self, *args, questions: list[Question], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[question.code] = forms.ChoiceField(
                label=question.text,
                choices=[(o.code, o.label) for o in question.options],
                widget=forms.RadioSelect,
                error_messages={"required": _("Please choose an answer.")},
            )


class VersionDraftForm(forms.ModelForm):
    class Meta:
        model = ConsentVersion
        fields = [
            "text_en",
            "text_es",
            "change_summary_en",
            "change_summary_es",
            "effective_date",
            "valid_months",
        ]
        labels = {
            "text_en": _("Text in English (Markdown)"),
            "text_es": _("Text in Spanish (Markdown)"),
            "change_summary_en": _("What changed, for participants (English)"),
            "change_summary_es": _("What changed, for participants (Spanish)"),
            "effective_date": _("Effective date"),
            "valid_months": _("Months a signature stays valid (empty: no end date)"),
        }
        widgets = {
            "text_en": forms.Textarea(attrs={"rows": 20}),
            "text_es": forms.Textarea(attrs={"rows": 20}),
            "change_summary_en": forms.Textarea(attrs={"rows": 4}),
            "change_summary_es": forms.Textarea(attrs={"rows": 4}),
            "effective_date": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_effective_date(self) -> dt.date:
        value = self.cleaned_data["effective_date"]
        if value < timezone.localdate() - dt.timedelta(days=1):
            raise forms.ValidationError(_("The effective date cannot be in the past."))
        return value

    def clean(self):
        data = super().clean()
        for field in ("text_en", "text_es"):
            text = data.get(field, "")
            if text and not text.lstrip().startswith("# "):
                self.add_error(field, _("Start the text with its title, as a “# ” heading."))
        return data
