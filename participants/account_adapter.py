"""Every allauth customisation lives here (house style: one adapter module)."""

import unicodedata

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import gettext as _


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Participants sign up; staff are invited by an administrator.
        return True

    def clean_email(self, email: str) -> str:
        email = unicodedata.normalize("NFKC", email).strip()
        # Look-alike letters from other scripts (Cyrillic "а" for Latin "a")
        # would let two people hold addresses that read the same: refuse them.
        if not email.isascii():
            raise forms.ValidationError(
                _("Please use an e-mail address with plain letters (a to z), digits and symbols.")
            )
        return super().clean_email(email.lower())
