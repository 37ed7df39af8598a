import datetime as dt

from django.test import TestCase

from participants.duplicates.models import DuplicateFlag
from participants.enrollment import profile_update
from tests.factories import ParticipantFactory


def register(
    *,
    email: str,
    last_name: str = "García",
    dob=dt.date(1956, 4, 2),
    postal_code: str = "78701",
    phone: str = "(512) 555-0134",
    site=None,
):
    """A new account that completes its profile through the real service."""
    extra = {"site": site} if site is not None else {}
    person = ParticipantFactory(
        user__email=email,
        profile_completed_at=None,
        legal_last_name="",
        date_of_birth=None,
        postal_code="",
        phone="",
        **extra,
    )
    # The duplicate check is queued through the outbox: run it as a commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return profile_update(
            participant=person,
            actor=person.user,
            data={
                "legal_last_name": last_name,
                "date_of_birth": dob,
                "postal_code": postal_code,
                "phone": phone,
            },
        )


def pair_of(a, b) -> DuplicateFlag:
    first, second = sorted((a, b), key=lambda p: p.pk)
    return DuplicateFlag.objects.get(first=first, second=second)
