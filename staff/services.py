"""Staff account services: invite, roles, deactivation, travel exceptions.

Separation of duties (R29, issue 15; docs/staff-security.md):
- nobody changes their own roles;
- a privileged role (administrator, support, genetic counsellor, data manager) and a
  travel exception take effect only when a second administrator approves, one who is
  *pre-existing*: their account is older than the request, and it was neither created
  (invited) nor granted any role by the requester;
- administrator is never held with a role that reads participant data;
- every change and approval alerts the administrators and is written to the access log.
"""

import datetime as dt
from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from participants.models import User
from portal.access_log import access_record_staff_change, top_viewers
from portal.audit import audit_record
from portal.models import RoleGrantRequest, Site, StaffProfile, TravelException
from portal.outbox import outbox_enqueue
from portal.staff_security import COUNTRIES_OF_CONCERN, staff_alert_admins
from staff.roles import ADMINISTRATOR, DATA_READING, PRIVILEGED, ROLES


def _check_roles(roles: set[str]) -> None:
    unknown = roles - set(ROLES)
    if unknown:
        raise ValidationError(f"Unknown roles: {sorted(unknown)}")
    if ADMINISTRATOR in roles and roles & DATA_READING:
        raise ValidationError(
            "Administrator cannot be combined with a role that reads participant data "
            f"({', '.join(sorted(roles & DATA_READING))}): use two accounts held by two people."
        )


def _record_change(*, actor: User, subject: User, what: str, reason: str) -> None:
    """The access-log row and the administrators' alert every change of powers gets."""

    access_record_staff_change(actor=actor, subject=subject, what=what, reason=reason)
    staff_alert_admins(
        subject=f"{what}: {subject.email}",
        body=(
            f"{actor.email} (user id {actor.pk}): {reason}\n"
            f"Account concerned: {subject.email} (user id {subject.pk}).\n"
            "If you did not expect this, deactivate the accounts concerned and call security."
        ),
    )


def _grant_request(*, actor: User, user: User, roles: set[str]) -> RoleGrantRequest:
    grant = RoleGrantRequest.objects.create(user=user, roles=sorted(roles), requested_by=actor)
    audit_record(
        action="staff.role_grant_requested",
        actor=actor,
        target=user,
        data={"roles": sorted(roles), "request": grant.pk},
    )
    _record_change(
        actor=actor,
        subject=user,
        what="staff.role_grant_requested",
        reason=f"asks for {', '.join(sorted(roles))}; request {grant.pk} needs a second "
        "administrator",
    )
    return grant


def independent_approver_problem(*, approver: User, requester: User, since: dt.datetime) -> str:
    """Why `approver` may not approve what `requester` asked for at `since` ("" = may).

    The approver must be an active administrator other than the requester, whose account
    existed before the request and was not invited by the requester, who received no role
    from the requester (as asker or approver), and who was already administrator then.
    """
    if approver.pk == requester.pk:
        return "the requester cannot approve their own request"
    if not approver.is_active or not approver.groups.filter(name=ADMINISTRATOR).exists():
        return "only an administrator can approve"
    if approver.date_joined >= since:
        return "the approver's account is newer than the request"
    profile = StaffProfile.objects.filter(user=approver).first()
    if profile is not None and profile.invited_by_id == requester.pk:
        return "the approver's account was created by the requester"
    grants = RoleGrantRequest.objects.filter(user=approver, state=RoleGrantRequest.State.APPROVED)
    if (
        grants.filter(requested_by=requester).exists()
        or grants.filter(decided_by=requester).exists()
    ):
        return "the approver was granted a role by the requester"
    # (Roles checked in Python: JSON "contains" is not available on SQLite, the demo's.)
    late = grants.filter(decided_at__gte=since).values_list("roles", flat=True)
    if any(ADMINISTRATOR in roles for roles in late):
        return "the approver became administrator after the request"
    return ""


def _invite_mail(user: User, email: str) -> None:
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key}
    )
    link = f"{settings.SITE_URL.rstrip('/')}{path}"
    # Through the outbox: an SMTP outage delays the invitation, never fails the page.
    outbox_enqueue(
        task_name="portal.tasks.send_staff_mail",
        args=[
            "Your Cohort Portal staff account",
            "An administrator created a staff account for you.\n\n"
            f"Choose a password (15 characters or more) here:\n{link}\n\n"
            "After that you will be asked to set up an authenticator app.",
            [email],
        ],
    )


@transaction.atomic
def staff_invite(*, actor: User, email: str, site: Site | None, roles: list[str]) -> User:
    """Creates a staff account without a usable password and e-mails a set-password link.

    Non-privileged roles apply at once; privileged ones wait in a RoleGrantRequest for a
    second administrator.
    """
    if not actor.has_perm("portal.manage_staff"):
        raise PermissionDenied
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("An account with this e-mail address already exists.")
    wanted = set(roles)
    _check_roles(wanted)
    user = User(email=email, is_staff=True, is_active=True)
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    StaffProfile.objects.create(user=user, site=site, invited_by=actor)
    now_roles = wanted - PRIVILEGED
    user.groups.set(Group.objects.filter(name__in=now_roles))
    audit_record(
        action="staff.invite",
        actor=actor,
        target=user,
        data={
            "roles": sorted(now_roles),
            "pending": sorted(wanted & PRIVILEGED),
            "site": site.code if site else "",
        },
    )
    _record_change(
        actor=actor,
        subject=user,
        what="staff.invite",
        reason=f"invited with roles {', '.join(sorted(now_roles)) or 'none'}",
    )
    if wanted & PRIVILEGED:
        _grant_request(actor=actor, user=user, roles=wanted & PRIVILEGED)
    _invite_mail(user, email)
    return user


@transaction.atomic
def staff_roles_set(*, actor: User, user: User, roles: list[str]) -> RoleGrantRequest | None:
    """Sets `user`'s roles. Removals and non-privileged roles apply at once; privileged
    additions become a RoleGrantRequest (returned) for a second administrator."""
    if not actor.has_perm("portal.manage_staff"):
        raise PermissionDenied
    if actor.pk == user.pk:
        raise PermissionDenied("Nobody changes their own roles.")
    if not user.is_staff:
        raise ValidationError("Roles are for staff accounts only.")
    wanted = set(roles)
    _check_roles(wanted)
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = set(locked.groups.values_list("name", flat=True))
    pending = (wanted - before) & PRIVILEGED
    now_roles = wanted - pending
    if now_roles != before:
        locked.groups.set(Group.objects.filter(name__in=now_roles))
        audit_record(
            action="staff.roles_set",
            actor=actor,
            target=user,
            data={"before": sorted(before), "after": sorted(now_roles)},
        )
        _record_change(
            actor=actor,
            subject=user,
            what="staff.roles_set",
            reason=f"roles {', '.join(sorted(before)) or 'none'} -> "
            f"{', '.join(sorted(now_roles)) or 'none'}",
        )
    if pending:
        return _grant_request(actor=actor, user=user, roles=pending)
    return None


@transaction.atomic
def role_grant_approve(*, actor: User, grant: RoleGrantRequest) -> RoleGrantRequest:
    """A second, pre-existing administrator approves a privileged grant."""
    if not actor.has_perm("portal.manage_staff"):
        raise PermissionDenied
    locked = RoleGrantRequest.objects.select_for_update().get(pk=grant.pk)
    if locked.state != RoleGrantRequest.State.PENDING:
        return locked
    if locked.user_id == actor.pk:
        raise PermissionDenied("Nobody approves a role for themselves.")
    problem = independent_approver_problem(
        approver=actor, requester=locked.requested_by, since=locked.created
    )
    if problem:
        raise PermissionDenied(problem)
    user = User.objects.select_for_update().get(pk=locked.user_id)
    if not user.is_active:
        raise ValidationError("The account has been deactivated since the request.")
    current = set(user.groups.values_list("name", flat=True))
    after = current | set(locked.roles)
    _check_roles(after)
    user.groups.set(Group.objects.filter(name__in=after))
    locked.state = RoleGrantRequest.State.APPROVED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        action="staff.role_grant_approved",
        actor=actor,
        target=user,
        data={"roles": locked.roles, "request": locked.pk, "requested_by": locked.requested_by_id},
    )
    _record_change(
        actor=actor,
        subject=user,
        what="staff.role_grant_approved",
        reason=f"approved {', '.join(locked.roles)} asked by user {locked.requested_by_id} "
        f"(request {locked.pk})",
    )
    return locked


@transaction.atomic
def role_grant_refuse(*, actor: User, grant: RoleGrantRequest) -> RoleGrantRequest:
    if not actor.has_perm("portal.manage_staff"):
        raise PermissionDenied
    locked = RoleGrantRequest.objects.select_for_update().get(pk=grant.pk)
    if locked.state != RoleGrantRequest.State.PENDING:
        return locked
    if actor.pk in (locked.user_id, locked.requested_by_id):
        raise PermissionDenied("A second administrator decides.")
    locked.state = RoleGrantRequest.State.REFUSED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        action="staff.role_grant_refused",
        actor=actor,
        target=locked.user,
        data={"roles": locked.roles, "request": locked.pk},
    )
    _record_change(
        actor=actor,
        subject=locked.user,
        what="staff.role_grant_refused",
        reason=f"refused {', '.join(locked.roles)} (request {locked.pk})",
    )
    return locked


def sessions_end_for(user: User) -> int:
    """Ends every session of `user` now (allauth.usersessions rows and raw sessions)."""
    ended = 0
    for user_session in UserSession.objects.filter(user=user):
        user_session.end()
        ended += 1
    # Sessions allauth did not track (e.g. opened before usersessions was installed).
    # Staff are few and this runs rarely, so scanning unexpired sessions is fine.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def staff_deactivate(*, actor: User, user: User, reason: str) -> None:
    if not actor.has_perm("portal.manage_staff"):
        raise PermissionDenied
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate your own account.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.groups.clear()
    ended = sessions_end_for(user)
    audit_record(
        action="staff.deactivate",
        actor=actor,
        target=user,
        data={"reason": reason[:200], "sessions_ended": ended},
    )
    _record_change(
        actor=actor, subject=user, what="staff.deactivate", reason=f"deactivated: {reason[:200]}"
    )


@transaction.atomic
def travel_request(
    *, user: User, country: str, starts_on: dt.date, ends_on: dt.date, reason: str
) -> TravelException:
    country = country.upper()
    if country in COUNTRIES_OF_CONCERN:
        raise ValidationError("Access from this country is never allowed.")
    if ends_on < starts_on:
        raise ValidationError("The end date is before the start date.")
    if (ends_on - starts_on).days > settings.STAFF_TRAVEL_MAX_DAYS:
        raise ValidationError(f"At most {settings.STAFF_TRAVEL_MAX_DAYS} days.")
    travel = TravelException.objects.create(
        user=user, country=country, starts_on=starts_on, ends_on=ends_on, reason=reason[:300]
    )
    audit_record(action="travel.request", actor=user, target=travel, data={"country": country})
    staff_alert_admins(
        subject=f"travel exception requested: {user.email}",
        body=f"{user.email} asks to work from {country} {starts_on}..{ends_on}: {reason[:300]}\n"
        "A second administrator (not the traveller, not created by them) must approve it.",
    )
    return travel


def travel_approver_problem(*, approver: User, travel: TravelException) -> str:
    """Why `approver` may not approve `travel` ("" = may): the independence rules, both
    ways - nor may the approver have created the traveller's account (a sock puppet
    travelling on its creator's approval)."""
    problem = independent_approver_problem(
        approver=approver, requester=travel.user, since=travel.created
    )
    if problem:
        return problem
    if StaffProfile.objects.filter(user_id=travel.user_id, invited_by=approver).exists():
        return "the approver created the traveller's account"
    return ""


@transaction.atomic
def travel_approve(*, actor: User, travel: TravelException) -> TravelException:
    """A second, pre-existing administrator approves someone else's request (R29)."""
    if not actor.has_perm("portal.approve_travel"):
        raise PermissionDenied
    locked = TravelException.objects.select_for_update().select_related("user").get(pk=travel.pk)
    if locked.user_id == actor.pk:
        raise PermissionDenied("A travel exception needs an approver other than the traveller.")
    if locked.country in COUNTRIES_OF_CONCERN:
        raise PermissionDenied("Access from this country is never allowed.")
    problem = travel_approver_problem(approver=actor, travel=locked)
    if problem:
        raise PermissionDenied(problem)
    if locked.approved_by_id is None:
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.save(update_fields=["approved_by", "approved_at"])
        audit_record(
            action="travel.approve",
            actor=actor,
            target=locked,
            data={"country": locked.country, "user": locked.user_id},
        )
        _record_change(
            actor=actor,
            subject=locked.user,
            what="staff.travel_approved",
            reason=f"travel exception {locked.pk}: {locked.country} "
            f"{locked.starts_on}..{locked.ends_on}",
        )
    return locked


def staff_site(user: Any) -> Site | None:
    profile = StaffProfile.objects.filter(user=user).select_related("site").first()
    return profile.site if profile else None


@transaction.atomic
def staff_disable_inactive(*, days: int = 90) -> list[int]:
    """R10: disables staff accounts not used for `days` days; returns their ids."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    stale = list(
        User.objects.filter(is_staff=True, is_active=True, last_login__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for user in User.objects.filter(pk__in=stale):
        user.is_active = False
        user.save(update_fields=["is_active"])
        sessions_end_for(user)
        audit_record(action="staff.disable_inactive", target=user, data={"days": days})
    return stale


def staff_top_viewers_report(*, days: int = 7) -> int:
    """E-mails the administrators who read the most participants' records this week."""

    rows = top_viewers(days=days)
    lines = [f"{n:>6}  {email} (user id {pk})" for pk, email, n in rows] or ["No reads."]
    with transaction.atomic():
        audit_record(action="staff.top_viewers_report", data={"rows": len(rows), "days": days})
        staff_alert_admins(
            subject=f"weekly report: top record viewers, last {days} days",
            body="Distinct participants whose records each staff member opened:\n\n"
            + "\n".join(lines)
            + "\n\nAsk anyone whose number surprises you; the access log has every read.",
        )
    return len(rows)
