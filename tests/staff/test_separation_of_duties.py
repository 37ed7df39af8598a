"""Issue 15, high 1: one administrator acting alone defeats nothing (R29, NIST AC-5).

The attacks of the probe: an administrator gives themselves `support`; an administrator
invites a second administrator account they control and has it approve their own travel
exception. Each path, and the variants a careful attacker tries next, is refused.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from participants.models import User
from portal.access_log import access_log_verify
from portal.models import AccessEvent, RoleGrantRequest, TravelException
from staff import services
from tests.staff.conftest import ip_in, reauthenticated, staff_client

pytestmark = pytest.mark.django_db


def _roles(user) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


@pytest.fixture
def second_admin(make_staff):
    """An administrator who existed before anything below was asked, invited by nobody."""
    return make_staff("administrator")


def _travel(user, country="DE") -> TravelException:
    today = timezone.now().date()
    return services.travel_request(
        user=user, country=country, starts_on=today, ends_on=today, reason="conference"
    )


def _fresh(user):
    return User.objects.get(pk=user.pk)  # a fresh permission cache


# --- nobody changes their own roles -------------------------------------------------------
def test_admin_granting_themselves_support_is_refused(admin_user):
    with pytest.raises(PermissionDenied):
        services.staff_roles_set(actor=admin_user, user=admin_user, roles=["support"])
    client = reauthenticated(staff_client(admin_user))
    url = reverse("staff:staff_roles", args=[admin_user.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"roles": ["administrator", "support"]}).status_code == 404
    assert _roles(admin_user) == {"administrator"}
    assert not RoleGrantRequest.objects.exists()


def test_admin_cannot_drop_their_own_roles_either(admin_user):
    with pytest.raises(PermissionDenied):
        services.staff_roles_set(actor=admin_user, user=admin_user, roles=[])
    assert _roles(admin_user) == {"administrator"}


def test_a_grant_to_oneself_cannot_even_be_stored(admin_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrantRequest.objects.create(user=admin_user, requested_by=admin_user, roles=["support"])


# --- privileged grants wait for a second, pre-existing administrator ------------------------
@pytest.mark.parametrize("role", ["administrator", "support", "genetic_counsellor", "data_manager"])
def test_privileged_grant_waits_for_a_second_administrator(
    role, admin_user, second_admin, make_staff
):
    colleague = make_staff("recruitment")
    grant = services.staff_roles_set(actor=admin_user, user=colleague, roles=["recruitment", role])
    assert grant is not None and grant.state == "pending"
    assert _roles(colleague) == {"recruitment"}  # not yet
    # The requester cannot approve it (service, and the page is not offered).
    with pytest.raises(PermissionDenied):
        services.role_grant_approve(actor=_fresh(admin_user), grant=grant)
    client = reauthenticated(staff_client(admin_user))
    assert client.post(reverse("staff:role_grant", args=[grant.pk])).status_code == 404
    assert _roles(colleague) == {"recruitment"}
    # A second, pre-existing administrator can.
    second = reauthenticated(staff_client(second_admin))
    response = second.post(reverse("staff:role_grant", args=[grant.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert _roles(colleague) == {"recruitment", role}


def test_non_privileged_roles_apply_at_once(admin_user, make_staff):
    colleague = make_staff()
    assert services.staff_roles_set(actor=admin_user, user=colleague, roles=["recruitment"]) is None
    assert _roles(colleague) == {"recruitment"}


def test_the_grantee_cannot_approve_their_own_grant(admin_user, make_staff):
    # Even an administrator asking for an extra data role... which is refused anyway.
    other_admin = make_staff("administrator")
    grant = RoleGrantRequest.objects.create(
        user=other_admin, requested_by=admin_user, roles=["support"]
    )
    with pytest.raises(PermissionDenied):
        services.role_grant_approve(actor=other_admin, grant=grant)
    client = reauthenticated(staff_client(other_admin))
    assert client.get(reverse("staff:role_grant", args=[grant.pk])).status_code == 404


# --- the sock puppet ----------------------------------------------------------------------
def test_sock_puppet_administrator_cannot_approve_its_creators_travel(
    admin_user, second_admin, django_capture_on_commit_callbacks
):
    """The probe's path: invite a second administrator account, have it approve the travel
    exception, read identities from Germany. Every step is refused."""
    puppet = services.staff_invite(
        actor=admin_user, email="puppet@example.org", site=None, roles=["administrator"]
    )
    assert _roles(puppet) == set()  # the administrator role waits for approval
    travel = _travel(admin_user)
    # Without the role, the puppet cannot approve anything.
    with pytest.raises(PermissionDenied):
        services.travel_approve(actor=_fresh(puppet), travel=travel)
    # Suppose a busy second administrator approves the puppet's role...
    grant = RoleGrantRequest.objects.get(user=puppet)
    services.role_grant_approve(actor=_fresh(second_admin), grant=grant)
    assert _roles(puppet) == {"administrator"}
    # ...the puppet still cannot approve its creator's travel: it was created by them,
    # granted at their request, and is newer than the request.
    with pytest.raises(PermissionDenied, match="created by the requester"):
        services.travel_approve(actor=_fresh(puppet), travel=travel)
    travel.refresh_from_db()
    assert travel.approved_by is None
    # So the administrator in Germany is refused.
    response = staff_client(admin_user, ip=ip_in("DE")).get(reverse("staff:dashboard"))
    assert response.status_code == 403


def test_puppet_given_the_group_behind_the_services_back_still_cannot_approve(admin_user):
    """Even if the group were added by raw SQL, the puppet's account history betrays it."""
    puppet = services.staff_invite(
        actor=admin_user, email="puppet2@example.org", site=None, roles=[]
    )
    puppet.groups.add(Group.objects.get(name="administrator"))
    travel = _travel(admin_user)
    with pytest.raises(PermissionDenied):
        services.travel_approve(actor=_fresh(puppet), travel=travel)
    client = reauthenticated(staff_client(_fresh(puppet)))
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(puppet, generate_totp_secret())
    response = client.post(reverse("staff:travel_approve", args=[travel.pk]))
    assert response.status_code == 403
    assert TravelException.objects.get(pk=travel.pk).approved_by is None


def test_an_administrator_newer_than_the_request_cannot_approve_it(admin_user, make_staff):
    travel = _travel(admin_user)
    TravelException.objects.filter(pk=travel.pk).update(
        created=timezone.now() - dt.timedelta(minutes=5)
    )
    newcomer = make_staff("administrator")  # joined after the request
    with pytest.raises(PermissionDenied, match="newer than the request"):
        services.travel_approve(actor=newcomer, travel=TravelException.objects.get(pk=travel.pk))


def test_an_administrator_granted_a_role_by_the_requester_cannot_approve(
    admin_user, second_admin, make_staff
):
    friend = make_staff("recruitment")
    grant = services.staff_roles_set(
        actor=admin_user, user=friend, roles=["recruitment", "administrator"]
    )
    services.role_grant_approve(actor=_fresh(second_admin), grant=grant)
    travel = _travel(admin_user)
    with pytest.raises(PermissionDenied, match="granted a role by the requester"):
        services.travel_approve(actor=_fresh(friend), travel=travel)
    # The independent administrator can.
    services.travel_approve(actor=_fresh(second_admin), travel=travel)
    assert TravelException.objects.get(pk=travel.pk).approved_by == second_admin


def test_self_approval_of_travel_still_refused(admin_user):
    travel = _travel(admin_user)
    with pytest.raises(PermissionDenied):
        services.travel_approve(actor=admin_user, travel=travel)


# --- administrator is exclusive of the roles that read participant data ---------------------
@pytest.mark.parametrize("data_role", ["support", "genetic_counsellor", "data_manager"])
def test_administrator_cannot_also_read_participant_data(
    data_role, admin_user, second_admin, make_staff
):
    colleague = make_staff("recruitment")
    with pytest.raises(ValidationError):
        services.staff_roles_set(
            actor=admin_user, user=colleague, roles=["administrator", data_role]
        )
    with pytest.raises(ValidationError):
        services.staff_invite(
            actor=admin_user,
            email="both@example.org",
            site=None,
            roles=["administrator", data_role],
        )
    # Two requests that each look fine cannot add up to both.
    reader = make_staff(data_role)
    grant = RoleGrantRequest.objects.create(
        user=reader, requested_by=admin_user, roles=["administrator"]
    )
    with pytest.raises(ValidationError):
        services.role_grant_approve(actor=_fresh(second_admin), grant=grant)
    assert _roles(reader) == {data_role}


# --- every change alerts every administrator and lands in the access log ----------------------
def test_every_role_change_and_approval_alerts_admins_and_is_in_the_access_log(
    admin_user, second_admin, make_staff, django_capture_on_commit_callbacks
):
    colleague = make_staff("recruitment")
    with django_capture_on_commit_callbacks(execute=True):
        grant = services.staff_roles_set(actor=admin_user, user=colleague, roles=["support"])
    with django_capture_on_commit_callbacks(execute=True):
        services.role_grant_approve(actor=_fresh(second_admin), grant=grant)
    events = list(AccessEvent.objects.filter(subject_staff=colleague).order_by("id"))
    assert [e.what for e in events] == [
        "staff.roles_set",  # recruitment removed at once
        "staff.role_grant_requested",
        "staff.role_grant_approved",
    ]
    assert [e.staff for e in events] == [admin_user, admin_user, second_admin]
    assert all(e.participant is None and e.format == 2 for e in events)
    assert events[-1].roles == "administrator"  # the approver's roles, frozen
    assert access_log_verify() == (3, None)
    alerts = [m for m in mail.outbox if m.subject.startswith("[staff alert] staff.role_grant")]
    assert len(alerts) == 2
    assert all(set(m.to) == {admin_user.email, second_admin.email} for m in alerts)


def test_an_administrator_holding_support_behind_the_services_back_reads_nobody(
    make_staff, participant
):
    both = make_staff("administrator", "support")  # written straight into the groups table
    client = staff_client(both)
    client.post(
        reverse("staff:support_lookup"),
        {"participant_id": participant.participant_id, "reason": "other", "detail": "x"},
    )
    response = client.get(reverse("staff:participant", args=[participant.participant_id]))
    assert response.status_code == 404
    assert not AccessEvent.objects.exists()


def test_an_administrator_cannot_approve_travel_for_an_account_they_created(
    admin_user, second_admin
):
    """The reverse sock puppet: the puppet travels, its creator approves."""
    puppet = services.staff_invite(
        actor=admin_user, email="traveller@example.org", site=None, roles=["recruitment"]
    )
    travel = _travel(puppet)
    with pytest.raises(PermissionDenied, match="created the traveller's account"):
        services.travel_approve(actor=_fresh(admin_user), travel=travel)
    services.travel_approve(actor=_fresh(second_admin), travel=travel)
    assert TravelException.objects.get(pk=travel.pk).approved_by == second_admin


def test_an_administrator_made_after_the_request_cannot_approve_it(
    admin_user, second_admin, make_staff
):
    """An old account promoted to administrator after the request is not pre-existing."""
    old_colleague = make_staff("recruitment")
    third_admin = make_staff("administrator")
    travel = _travel(admin_user)
    grant = RoleGrantRequest.objects.create(
        user=old_colleague, requested_by=second_admin, roles=["administrator"]
    )
    services.role_grant_approve(actor=_fresh(third_admin), grant=grant)
    with pytest.raises(PermissionDenied, match="became administrator after the request"):
        services.travel_approve(actor=_fresh(old_colleague), travel=travel)


def test_the_accounts_page_offers_a_pending_grant_only_to_a_second_administrator(
    admin_user, second_admin, make_staff
):
    colleague = make_staff("recruitment")
    grant = services.staff_roles_set(actor=admin_user, user=colleague, roles=["support"])
    link = reverse("staff:role_grant", args=[grant.pk])
    mine = reauthenticated(staff_client(admin_user)).get(reverse("staff:staff_list"))
    theirs = reauthenticated(staff_client(second_admin)).get(reverse("staff:staff_list"))
    assert mine.status_code == theirs.status_code == 200
    assert link not in mine.content.decode() and "another administrator decides" in (
        mine.content.decode()
    )
    assert link in theirs.content.decode()
    # One's own row offers no roles link.
    assert reverse("staff:staff_roles", args=[admin_user.pk]) not in mine.content.decode()
