"""Validation of free text people type about themselves (names, addresses)."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Bidirectional overrides and invisible characters can make a name display
# differently from what is stored (e.g. U+202E reverses the text that follows).
_INVISIBLE = {
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
}  # fmt: skip
_NAME_PUNCTUATION = {" ", "'", "’", "-", ".", ","}


def clean_person_name(value: str, *, max_length: int = 100) -> str:
    """NFC-normalises a name and refuses what cannot be part of one.

    Letters of any script with their accents (combining marks compose under
    NFC) are welcome; digits, emoji, control and invisible characters are not.
    """
    value = unicodedata.normalize("NFC", value or "").strip()
    value = " ".join(value.split())
    if len(value) > max_length:
        raise ValidationError(
            _("Please use at most %(max)d characters."), params={"max": max_length}, code="long"
        )
    for char in value:
        if char in _INVISIBLE or unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs", "Cn"}:
            raise ValidationError(
                _("This contains an invisible or control character. Please type it again."),
                code="invisible",
            )
        if not (unicodedata.category(char).startswith(("L", "M")) or char in _NAME_PUNCTUATION):
            raise ValidationError(
                _("Names can have letters, spaces, apostrophes, hyphens and periods only."),
                code="characters",
            )
    return value


def clean_plain_text(value: str, *, max_length: int) -> str:
    """Address lines and similar: printable text, no control or invisible characters."""
    value = unicodedata.normalize("NFC", value or "").strip()
    if len(value) > max_length:
        raise ValidationError(
            _("Please use at most %(max)d characters."), params={"max": max_length}, code="long"
        )
    for char in value:
        if char in _INVISIBLE or unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs", "Cn"}:
            raise ValidationError(
                _("This contains an invisible or control character. Please type it again."),
                code="invisible",
            )
        if unicodedata.category(char) == "So":
            raise ValidationError(_("Please do not use emoji or symbols here."), code="symbols")
    return value
