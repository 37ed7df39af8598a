"""Staff account services: invite, roles, deactivation, travel exceptions."""

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
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from participants.models import User
from portal.audit import audit_record
from portal.models import Site, StaffProfile, TravelException
from portal.staff.roles import ROLES
from portal.staff_security import COUNTRIES_OF_CONCERN


@transaction.atomic
def staff_invite(*, actor: User, email: str, site: Site | None, roles: list[str]) -> User:
    """Creates a staff account without a usable password and e-mails a set-password link."""
    if not actor.has_perm("portal.manage_staff"):
        raise PermissionDenied
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("An account with this e-mail address already exists.")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValidationError(f"Unknown roles: {sorted(unknown)}")
    user = User(email=email, is_staff=True, is_active=True)
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    StaffProfile.objects.create(user=user, site=site, invited_by=actor)
    user.groups.set(Group.objects.filter(name__in=roles))
    audit_record(
        action="staff.invite",
        actor=actor,
        target=user,
        data={"roles": sorted(roles), "site": site.code if site else ""},
    )
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key}
    )
    link = f"{settings.SITE_URL.rstrip('/')}{path}"
    transaction.on_commit(
        lambda: send_mail(
            "Your Cohort Portal staff account",
            "An administrator created a staff account for you.\n\n"
            f"Choose a password (15 characters or more) here:\n{link}\n\n"
            "After that you will be asked to set up an authenticator app.",
            None,
            [email],
        )
    )
    return user


@transaction.atomic
def staff_roles_set(*, actor: User, user: User, roles: list[str]) -> None:
    if not actor.has_perm("portal.manage_staff"):
        raise PermissionDenied
    if not user.is_staff:
        raise ValidationError("Roles are for staff accounts only.")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValidationError(f"Unknown roles: {sorted(unknown)}")
    before = sorted(user.groups.values_list("name", flat=True))
    user.groups.set(Group.objects.filter(name__in=roles))
    audit_record(
        action="staff.roles_set",
        actor=actor,
        target=user,
        data={"before": before, "after": sorted(roles)},
    )


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
    return travel


@transaction.atomic
def travel_approve(*, actor: User, travel: TravelException) -> TravelException:
    """Approves someone else's request; the requester can never approve their own."""
    if not actor.has_perm("portal.approve_travel"):
        raise PermissionDenied
    locked = TravelException.objects.select_for_update().get(pk=travel.pk)
    if locked.user_id == actor.pk:
        raise PermissionDenied("A travel exception needs an approver other than the traveller.")
    if locked.country in COUNTRIES_OF_CONCERN:
        raise PermissionDenied("Access from this country is never allowed.")
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
