"""Helpers shared by the consent tests."""

import uuid

from participants.consent.models import ComprehensionAttempt


def pass_comprehension(participant) -> None:
    ComprehensionAttempt.objects.create(
        participant=participant,
        language="en",
        answers={},
        results={},
        passed=True,
        questions_sha256="x" * 64,
    )


def sign(participant, version, **overrides):
    from participants.consent.services import consent_sign

    language = overrides.pop("language", "en")
    kwargs = {
        "participant": participant,
        "form_code": version.form.code,
        "version_id": version.pk,
        "decision": "yes" if version.form.code == "gror" else "agree",
        "typed_name": "Ana García",
        "language": language,
        "text_sha256": version.sha256(language),
        "submission_token": uuid.uuid4(),
        "ip_address": "203.0.113.7",
        "user_agent": "pytest",
        "actor": participant.user,
    }
    kwargs.update(overrides)
    return consent_sign(**kwargs)


def make_staff(*, perms=(), is_staff=True):
    """A staff account that passes the staff-area middleware: TOTP enrolled."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    user = UserFactory(is_staff=is_staff)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user
