"""Demo staff accounts for `make run` (public demo data; never in production)."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction

from participants.demo import SITES
from participants.models import Participant, User
from portal.access_log import access_record
from portal.models import AccessEvent, Site, StaffProfile
from staff.dashboards.seeding import synthetic_participants_count
from staff.roles import (
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


def seed_demo_staff_accounts() -> list[tuple[str, str, str]]:
    """The demo staff, at the first demo site (participants.demo.SITES)."""
    return seed_demo_staff(site=Site.objects.get(code=SITES[0][0]))


def seed_demo_access_events() -> list:
    """A few staff reads for core@ so "Who has seen my data" has something to explain."""
    participant = Participant.objects.filter(user__email="core@example.org").first()
    support = User.objects.filter(email="support@example.org").first()
    counsellor = User.objects.filter(email="counsellor@example.org").first()
    if participant is None or AccessEvent.objects.filter(participant=participant).exists():
        return []
    if support is not None:
        access_record(
            staff=support,
            participant=participant,
            what="support.profile",
            reason="participant_request: called about a letter",
            request=None,
        )
    if counsellor is not None:
        access_record(
            staff=counsellor,
            participant=participant,
            what="results.report",
            reason="review:demo",
            request=None,
        )
    return []


def seed_demo_cohort(*, participants: int, stdout) -> None:
    """Adds the synthetic participants missing to reach `participants`."""
    missing = participants - synthetic_participants_count()
    if missing > 0:
        call_command("seed_participants", participants=missing, stdout=stdout)
