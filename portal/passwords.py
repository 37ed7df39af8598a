from django.contrib.auth.password_validation import MinimumLengthValidator


class StaffMinimumLengthValidator(MinimumLengthValidator):
    """Longer passwords for staff accounts; participants keep the general minimum."""

    def validate(self, password, user=None):
        if user is not None and getattr(user, "is_staff", False):
            super().validate(password, user)

    def get_help_text(self):
        return ""
