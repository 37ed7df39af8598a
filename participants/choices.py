"""Answer codes stored for dashboards. Codes are stable; labels are translated."""

from django.utils.translation import gettext_lazy as _

RACE_ETHNICITY = [
    ("AIAN", _("American Indian or Alaska Native")),
    ("ASIAN", _("Asian")),
    ("BLACK", _("Black, African American, or African")),
    ("HISPANIC", _("Hispanic, Latino, or Spanish")),
    ("MENA", _("Middle Eastern or North African")),
    ("NHPI", _("Native Hawaiian or other Pacific Islander")),
    ("WHITE", _("White")),
    ("OTHER", _("Another race or ethnicity")),
    ("PNA", _("Prefer not to answer")),
]
SEX_AT_BIRTH = [
    ("", _("Choose one (optional)")),
    ("FEMALE", _("Female")),
    ("MALE", _("Male")),
    ("INTERSEX", _("Intersex")),
    ("OTHER", _("Something else")),
    ("PNA", _("Prefer not to answer")),
]
GENDER_IDENTITY = [
    ("", _("Choose one (optional)")),
    ("WOMAN", _("Woman")),
    ("MAN", _("Man")),
    ("NONBINARY", _("Non-binary")),
    ("TRANSGENDER", _("Transgender")),
    ("OTHER", _("Something else")),
    ("PNA", _("Prefer not to answer")),
]
RECRUITMENT_SOURCES = [
    ("", _("Choose one (optional)")),
    ("CLINIC", _("My doctor or clinic")),
    ("COMMUNITY", _("A community event or organisation")),
    ("FAMILY", _("Family or friends")),
    ("TV_RADIO", _("TV or radio")),
    ("NEWS", _("Newspaper or news website")),
    ("SOCIAL", _("Social media")),
    ("SEARCH", _("Searching online")),
    ("OTHER", _("Somewhere else")),
]
