import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.choices import GENDER_IDENTITY, RACE_ETHNICITY, RECRUITMENT_SOURCES, SEX_AT_BIRTH
from participants.enrollment import US_STATES, age_on
from participants.models import Language, WithdrawalTier
from participants.text_input import clean_person_name, clean_plain_text

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _state_choices(*, outside: bool) -> list[tuple[str, str]]:
    choices = [("", _("Choose one")), *sorted(US_STATES.items(), key=lambda kv: kv[1])]
    if outside:
        choices.append(("OUTSIDE", _("I live outside the United States")))
    return choices


class ScreenerForm(forms.Form):
    is_adult = forms.ChoiceField(
        label=_("Are you 18 years old or older?"), choices=YES_NO, widget=forms.RadioSelect
    )
    us_state = forms.ChoiceField(
        label=_("Where do you live?"),
        help_text=_("The 50 states, DC, Puerto Rico and the U.S. territories can take part."),
        choices=_state_choices(outside=True),
    )
    can_consent = forms.ChoiceField(
        label=_("Can you decide for yourself whether to take part?"),
        help_text=_("For example, nobody else (such as a guardian) makes legal decisions for you."),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )


class ProfileForm(forms.Form):
    legal_first_name = forms.CharField(label=_("Legal first name"), max_length=10_000)
    legal_last_name = forms.CharField(label=_("Legal last name"), max_length=10_000)
    preferred_name = forms.CharField(
        label=_("Name you like to be called"),
        required=False,
        max_length=10_000,
        help_text=_("Optional. We use it when we write to you."),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For example: 1958-03-27"),
    )
    address_line1 = forms.CharField(label=_("Street address"), max_length=10_000)
    address_line2 = forms.CharField(
        label=_("Apartment, unit, etc."), required=False, max_length=10_000
    )
    city = forms.CharField(label=_("City or town"), max_length=10_000)
    us_state = forms.ChoiceField(
        label=_("State or territory"), choices=_state_choices(outside=False)
    )
    postal_code = forms.RegexField(
        label=_("ZIP code"),
        regex=r"^\d{5}(-\d{4})?$",
        error_messages={"invalid": _("Enter a 5-digit ZIP code, like 78701.")},
    )
    phone = forms.RegexField(
        label=_("Phone number"),
        required=False,
        regex=r"^[0-9 ()+.-]{7,20}$",
        help_text=_("Optional. For example: (512) 555-0134"),
        error_messages={"invalid": _("Enter a phone number with digits, like (512) 555-0134.")},
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for our messages"), choices=Language.choices, widget=forms.RadioSelect
    )
    contact_email = forms.BooleanField(label=_("E-mail"), required=False)
    contact_sms = forms.BooleanField(label=_("Text message (SMS)"), required=False)
    contact_mail = forms.BooleanField(label=_("Postal mail"), required=False)
    recruitment_source = forms.ChoiceField(
        label=_("How did you hear about the program?"),
        choices=RECRUITMENT_SOURCES,
        required=False,
    )
    race_ethnicity = forms.MultipleChoiceField(
        label=_("Which of these describe you? Choose all that apply."),
        choices=RACE_ETHNICITY,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional. This helps us make sure the program includes everyone."),
    )
    sex_at_birth = forms.ChoiceField(
        label=_("Sex assigned at birth"), choices=SEX_AT_BIRTH, required=False
    )
    gender_identity = forms.ChoiceField(
        label=_("Gender identity"), choices=GENDER_IDENTITY, required=False
    )

    def clean_legal_first_name(self) -> str:
        return clean_person_name(self.cleaned_data["legal_first_name"])

    def clean_legal_last_name(self) -> str:
        return clean_person_name(self.cleaned_data["legal_last_name"])

    def clean_preferred_name(self) -> str:
        return clean_person_name(self.cleaned_data["preferred_name"])

    def clean_address_line1(self) -> str:
        return clean_plain_text(self.cleaned_data["address_line1"], max_length=200)

    def clean_address_line2(self) -> str:
        return clean_plain_text(self.cleaned_data["address_line2"], max_length=200)

    def clean_city(self) -> str:
        return clean_plain_text(self.cleaned_data["city"], max_length=100)

    def clean_date_of_birth(self) -> dt.date:
        value = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(_("This date is in the future. Please check the year."))
        if value.year < 1900:
            raise forms.ValidationError(_("Please check the year: it must be 1900 or later."))
        if age_on(value, today) < 18:
            raise forms.ValidationError(
                _("You must be 18 or older to join. Thank you for your interest.")
            )
        return value

    def clean_race_ethnicity(self) -> list[str]:
        codes = self.cleaned_data["race_ethnicity"]
        if "PNA" in codes and len(codes) > 1:
            raise forms.ValidationError(
                _("“Prefer not to answer” cannot be combined with other choices.")
            )
        return codes


class WithdrawForm(forms.Form):
    tier = forms.TypedChoiceField(
        label=_("What would you like to happen?"),
        choices=WithdrawalTier.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Would you tell us why? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I understand what this means and I want to withdraw."), required=True
    )
