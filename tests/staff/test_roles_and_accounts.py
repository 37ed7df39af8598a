"""Roles, invitations, mass assignment, travel approvals, inactivity."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from participants.models import User
from portal.models import TravelException
from staff import services
from staff.roles import ROLES, roles_setup
from tests.staff.conftest import reauthenticated, staff_client

pytestmark = pytest.mark.django_db


def test_setup_roles_is_idempotent_and_least_privilege():
    roles_setup()
    roles_setup()
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    recruitment = set(
        Group.objects.get(name="recruitment").permissions.values_list("codename", flat=True)
    )
    assert recruitment == {"view_dashboards", "export_aggregates"}
    assert "support_lookup" not in set(
        Group.objects.get(name="administrator").permissions.values_list("codename", flat=True)
    )


def test_invite_creates_staff_without_password_and_mails_a_link(
    admin_user, site_a, django_capture_on_commit_callbacks
):
    client = reauthenticated(staff_client(admin_user))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff:staff_list"),
            {"email": "new.staff@example.org", "site": site_a.pk, "roles": ["support"]},
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.staff@example.org")
    assert user.is_staff and not user.has_usable_password()
    # Support reads participant data: it waits for a second administrator (issue 15).
    assert list(user.groups.values_list("name", flat=True)) == []
    assert list(user.role_grant_requests.values_list("roles", "state")) == [
        (["support"], "pending")
    ]
    invitation = [m for m in mail.outbox if m.to == ["new.staff@example.org"]]
    assert "/accounts/password/reset/key/" in invitation[-1].body


def test_non_admin_cannot_invite(recruiter):
    client = reauthenticated(staff_client(recruiter))
    response = client.post(
        reverse("staff:staff_list"), {"email": "x@example.org", "roles": ["administrator"]}
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="x@example.org").exists()


def test_mass_assignment_in_the_profile_form_is_ignored(participant_client, participant):
    other_site = participant.site.__class__.objects.create(code="zz", name="Z", state="CA")
    participant_client.post(
        reverse("participants:profile"),
        {"legal_first_name": "Ana", "legal_last_name": "García", "preferred_language": "en",
         "is_staff": "on", "is_superuser": "on", "site": other_site.pk, "state": "core",
         "us_state": "TX"},
    )  # fmt: skip
    participant.refresh_from_db()
    participant.user.refresh_from_db()
    assert not participant.user.is_staff and not participant.user.is_superuser
    assert participant.site.code == "site-a" and participant.state == "eligible"


def test_mass_assignment_in_staff_forms_is_ignored(supporter, participant):
    client = staff_client(supporter)
    client.post(
        reverse("staff:support_lookup"),
        {"participant_id": participant.participant_id, "reason": "other", "detail": "x",
         "is_staff": "on", "site": 999, "groups": "administrator"},
    )  # fmt: skip
    supporter.refresh_from_db()
    assert not supporter.groups.filter(name="administrator").exists()
    assert supporter.staff_profile.site.code == "site-a"


def test_travel_exception_cannot_be_approved_by_its_requester(make_staff):
    both = make_staff("administrator")
    today = timezone.now().date()
    travel = services.travel_request(
        user=both, country="CA", starts_on=today, ends_on=today, reason="conference"
    )
    with pytest.raises(PermissionDenied):
        services.travel_approve(actor=both, travel=travel)
    # Not even by writing the row directly: the database refuses.
    travel.approved_by = both
    with pytest.raises(IntegrityError), transaction.atomic():
        travel.save()
    # And the view does not offer it.
    client = reauthenticated(staff_client(both))
    assert client.post(reverse("staff:travel_approve", args=[travel.pk])).status_code == 404


def test_travel_exception_approved_by_someone_else(make_staff, admin_user):
    traveller = make_staff("recruitment")
    today = timezone.now().date()
    travel = services.travel_request(
        user=traveller, country="CA", starts_on=today, ends_on=today, reason="conference"
    )
    client = reauthenticated(staff_client(admin_user))
    assert client.post(reverse("staff:travel_approve", args=[travel.pk])).status_code == 302
    travel.refresh_from_db()
    assert travel.approved_by == admin_user


def test_travel_to_a_country_of_concern_cannot_even_be_requested(recruiter):
    from django.core.exceptions import ValidationError

    today = timezone.now().date()
    with pytest.raises(ValidationError):
        services.travel_request(
            user=recruiter, country="cn", starts_on=today, ends_on=today, reason="x"
        )
    assert not TravelException.objects.exists()


def test_inactive_staff_are_disabled_after_90_days(recruiter):
    recruiter.last_login = timezone.now() - dt.timedelta(days=91)
    recruiter.save()
    assert services.staff_disable_inactive(days=90) == [recruiter.pk]
    recruiter.refresh_from_db()
    assert not recruiter.is_active


def test_demo_staff_have_totp(db):
    from staff.dashboards.demo import seed_demo_staff

    logins = seed_demo_staff()
    again = seed_demo_staff()
    assert len(logins) == 7 and [x[2] for x in logins] == [x[2] for x in again]
    assert all("TOTP secret" in what for _e, _p, what in logins)
