import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from participants.models import User
from portal.settings import base


def test_production_hashes_with_argon2id_at_owasp_parameters(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    encoded = make_password("a-Long-pass-123")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_staff_need_fifteen_characters_participants_ten(settings):
    settings.AUTH_PASSWORD_VALIDATORS = base.AUTH_PASSWORD_VALIDATORS
    staff = User(email="staff@example.org", is_staff=True)
    volunteer = User(email="v@example.org")
    validate_password("kettle-Orbit-9", user=volunteer)
    with pytest.raises(ValidationError):
        validate_password("kettle-Orbit-9", user=staff)  # 14 characters
    validate_password("kettle-Orbit-93-lamp", user=staff)
    with pytest.raises(ValidationError):
        validate_password("password123", user=volunteer)  # common password
