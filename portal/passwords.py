from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.password_validation import MinimumLengthValidator


class StaffMinimumLengthValidator(MinimumLengthValidator):
    """Longer passwords for staff accounts; participants keep the general minimum."""

    def validate(self, password, user=None):
        if user is not None and getattr(user, "is_staff", False):
            super().validate(password, user)

    def get_help_text(self):
        return ""


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).

    Django's defaults (100 MiB, 8 lanes) cost ~130 ms of CPU per hash on these
    2-core machines, which makes an enrollment surge a hashing queue; these
    parameters cost ~28 ms and are still memory-hard. Existing hashes with other
    parameters are upgraded at the next log-in (Django's must_update).
    """

    time_cost = 2
    memory_cost = 19_456
    parallelism = 1
