"""Demo staff accounts for `make run` (public demo data; never in production)."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.db import transaction

from participants.models import User
from portal.models import StaffProfile
from portal.staff.roles import (
    ADMINISTRATOR,
    BIOBANK,
    COUNSELLOR,
    DATA_MANAGER,
    RECRUITMENT,
    SUPPORT,
    roles_setup,
)  # fmt: skip

DEMO_STAFF_PASSWORD = "demo-staff-password-2026"  # noqa: S105 - public demo data only
DEMO_STAFF = [
    ("recruitment@example.org", RECRUITMENT, "recruitment dashboards: /staff/"),
    ("support@example.org", SUPPORT, "participant support (site A): /staff/participants/"),
    ("counsellor@example.org", COUNSELLOR, "genetic counsellor: /staff/results/"),
    ("counsellor2@example.org", COUNSELLOR, "second genetic counsellor: /staff/results/"),
    ("datamanager@example.org", DATA_MANAGER, "data manager: /staff/results/"),
    ("admin@example.org", ADMINISTRATOR, "administrator: /staff/accounts/"),
    ("biobank@example.org", BIOBANK, "biobank (kits): /staff/kits/"),
]


@transaction.atomic
def seed_demo_staff(site=None) -> list[tuple[str, str, str]]:
    """Creates the demo staff (idempotent); each description carries its TOTP secret."""
    from django.contrib.auth.models import Group

    roles_setup()
    logins = []
    for email, role, what in DEMO_STAFF:
        user, created = User.objects.get_or_create(email=email, defaults={"is_staff": True})
        if created:
            user.set_password(DEMO_STAFF_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        StaffProfile.objects.get_or_create(user=user, defaults={"site": site})
        user.groups.add(Group.objects.get(name=role))
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if totp is None:
            totp = TOTP.activate(user, generate_totp_secret()).instance
        secret = decrypt(totp.data["secret"])
        logins.append((email, DEMO_STAFF_PASSWORD, f"{what} — TOTP secret {secret}"))
    return logins
