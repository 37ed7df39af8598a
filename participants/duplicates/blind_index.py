"""Keyed blind indexes of identifying fields, for finding one person's two accounts.

An index is HMAC-SHA256 under DUPLICATE_INDEX_KEY (never SECRET_KEY) of normalised
values, so equal people give equal digests while the table alone reveals nothing:
without the key, a digest cannot be tested against a guessed name and birth date.
The clear values are never stored; they are read from the encrypted profile only
while computing the digests.
"""

import datetime as dt
import hashlib
import hmac
import unicodedata

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NAME_DOB_ZIP = "name_dob_zip"
DOB_PHONE = "dob_phone"
# Part of every digest: a change of normalisation gets a new version, never old digests
# silently compared with new ones.
SCHEME = "v1"


def normalise_name(value: str | None) -> str:
    """Letters only, accents folded, case folded: “García-López ” → “garcialopez”."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in bare.casefold() if c.isalpha())


def normalise_zip(value: str | None) -> str:
    digits = "".join(c for c in (value or "") if c.isdigit())
    return digits[:5] if len(digits) >= 5 else ""


def normalise_phone(value: str | None) -> str:
    """The ten-digit US number: punctuation and a leading country code 1 dropped."""
    digits = "".join(c for c in (value or "") if c.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) == 10 else ""


def _key() -> bytes:
    key = settings.DUPLICATE_INDEX_KEY
    if not key:
        raise ImproperlyConfigured("DUPLICATE_INDEX_KEY is not set.")
    return key.encode()


def _digest(kind: str, *parts: str) -> str:
    message = "\x1f".join((SCHEME, kind, *parts)).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def blind_indexes(
    *,
    last_name: str | None,
    date_of_birth: dt.date | None,
    postal_code: str | None,
    phone: str | None,
) -> dict[str, str]:
    """{kind: digest} for each index whose parts are all present (a missing part: no index)."""
    found: dict[str, str] = {}
    if date_of_birth is None:
        return found
    dob = date_of_birth.isoformat()
    name, zip5, phone10 = (
        normalise_name(last_name),
        normalise_zip(postal_code),
        normalise_phone(phone),
    )
    if name and zip5:
        found[NAME_DOB_ZIP] = _digest(NAME_DOB_ZIP, name, dob, zip5)
    if phone10:
        found[DOB_PHONE] = _digest(DOB_PHONE, dob, phone10)
    return found
