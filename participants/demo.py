"""Demo data for `make run`. Never loaded in production."""

from allauth.account.models import EmailAddress

from participants.models import User

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - public demo data only


def _demo_user(email: str, **extra: object) -> User:
    user, created = User.objects.get_or_create(email=email, defaults=extra)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed_demo() -> list[tuple[str, str, str]]:
    _demo_user("participant@example.org")
    return [("participant@example.org", DEMO_PASSWORD, "participant: /me/")]
