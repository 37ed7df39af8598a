"""Staff pages: support look-up, staff accounts, travel exceptions.

Every view checks its own permission; the middleware has already checked the
location, MFA and session age. Objects outside the user's scope are 404.
"""

import time

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from participants.identifiers import is_valid_participant_id
from participants.models import User
from portal.access_log import access_record
from portal.decorators import staff_permission_required
from portal.models import RoleGrantRequest, TravelException
from staff import services
from staff.forms import DeactivateForm, InviteForm, LookupForm, RolesForm, TravelForm
from staff.roles import ROLE_LABELS
from staff.visibility import SUPPORT, staff_participant_or_404

# A stated reason opens one participant for this long.
REASON_SECONDS = 15 * 60
_REASONS_KEY = "staff_lookup_reasons"


# --- support ------------------------------------------------------------------------------
@staff_permission_required("portal.support_lookup")
@require_http_methods(["GET", "POST"])
def support_lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None, initial={"participant_id": request.GET.get("id", "")})
    if request.method == "POST" and form.is_valid():
        pid = form.cleaned_data["participant_id"]
        reasons = request.session.get(_REASONS_KEY, {})
        reasons[pid] = {"reason": form.reason_text(), "at": time.time()}
        request.session[_REASONS_KEY] = reasons
        return redirect("staff:participant", participant_id=pid)
    return render(request, "staff/lookup.html", {"form": form})


@staff_permission_required("portal.support_lookup")
def participant_detail(request: HttpRequest, participant_id: str) -> HttpResponse:
    """One participant of the staff member's own site; another site's is a 404."""
    if not is_valid_participant_id(participant_id):
        raise Http404  # a malformed id (even one PostgreSQL cannot hold, like NUL) is not found
    # Own site, not withdrawn from further use (R30): the one visibility rule.
    participant = staff_participant_or_404(
        request.user, purpose=SUPPORT, participant_id=participant_id
    )
    stated = request.session.get(_REASONS_KEY, {}).get(participant_id)
    if not stated or time.time() - stated["at"] > REASON_SECONDS:
        messages.info(request, "State why you need this record first.")
        return redirect(f"{reverse('staff:support_lookup')}?{urlencode({'id': participant_id})}")
    access_record(
        staff=request.user,
        participant=participant,
        what="support.profile",
        reason=stated["reason"],
        request=request,
    )
    return render(request, "staff/participant.html", {"p": participant})


# --- staff accounts (administrators) -------------------------------------------------------
@staff_permission_required("portal.manage_staff")
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def staff_list(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_invite(
                actor=request.user,
                email=form.cleaned_data["email"],
                site=form.cleaned_data["site"],
                roles=form.cleaned_data["roles"],
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(request, "Invitation sent.")
            return redirect("staff:staff_list")
    staff = (
        User.objects.filter(is_staff=True)
        .prefetch_related("groups")
        .select_related("staff_profile__site")
        .order_by("email")
    )
    pending = RoleGrantRequest.objects.filter(state=RoleGrantRequest.State.PENDING).select_related(
        "user", "requested_by"
    )
    return render(
        request,
        "staff/staff_list.html",
        {"form": form, "staff": staff, "labels": ROLE_LABELS, "pending": pending},
    )


def _staff_user(request: HttpRequest, user_id: int) -> User:
    # One's own account is not offered: nobody changes their own roles (R29).
    return get_object_or_404(User.objects.exclude(pk=request.user.pk), pk=user_id, is_staff=True)


@staff_permission_required("portal.manage_staff")
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def role_grant_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A second administrator approves or refuses a privileged grant. The requester and
    the grantee are not offered the page (404); an approver who is not independent of
    the requester is refused with the reason."""
    grant = get_object_or_404(
        RoleGrantRequest.objects.exclude(requested_by=request.user)
        .exclude(user=request.user)
        .select_related("user", "requested_by"),
        pk=pk,
        state=RoleGrantRequest.State.PENDING,
    )
    problem = services.independent_approver_problem(
        approver=request.user, requester=grant.requested_by, since=grant.created
    )
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "refuse":
                services.role_grant_refuse(actor=request.user, grant=grant)
                messages.success(request, "Request refused.")
            else:
                services.role_grant_approve(actor=request.user, grant=grant)
                messages.success(request, "Roles granted.")
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return render(
                request,
                "staff/role_grant.html",
                {"grant": grant, "problem": problem or str(exc)},
                status=403,
            )
        return redirect("staff:staff_list")
    return render(request, "staff/role_grant.html", {"grant": grant, "problem": problem})


@staff_permission_required("portal.manage_staff")
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def staff_roles(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _staff_user(request, user_id)
    form = RolesForm(
        request.POST or None, initial={"roles": list(member.groups.values_list("name", flat=True))}
    )
    deactivate = DeactivateForm(prefix="off")
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.staff_roles_set(
                actor=request.user, user=member, roles=form.cleaned_data["roles"]
            )
        except ValidationError as exc:
            form.add_error("roles", exc)
        else:
            if grant is not None:
                messages.success(
                    request,
                    "Saved. The privileged roles wait for a second administrator's approval.",
                )
            else:
                messages.success(request, "Roles saved.")
            return redirect("staff:staff_list")
    return render(
        request,
        "staff/staff_roles.html",
        {"member": member, "form": form, "deactivate": deactivate},
    )


@staff_permission_required("portal.manage_staff")
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def staff_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _staff_user(request, user_id)
    form = DeactivateForm(request.POST or None, prefix="off")
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_deactivate(
                actor=request.user, user=member, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Account deactivated; its sessions have ended.")
            return redirect("staff:staff_list")
    return render(
        request,
        "staff/staff_roles.html",
        {"member": member, "form": RolesForm(), "deactivate": form},
    )


# --- travel exceptions ------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def travel(request: HttpRequest) -> HttpResponse:
    form = TravelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.travel_request(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Request sent to the administrators.")
            return redirect("staff:travel")
    mine = TravelException.objects.filter(user=request.user)
    pending = []
    if request.user.has_perm("portal.approve_travel"):
        pending = (
            TravelException.objects.filter(approved_by__isnull=True)
            .exclude(user=request.user)
            .select_related("user")
        )
    return render(request, "staff/travel.html", {"form": form, "mine": mine, "pending": pending})


@staff_permission_required("portal.approve_travel")
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def travel_approve(request: HttpRequest, pk: int) -> HttpResponse:
    # Someone else's pending request; one's own is not offered (and the service refuses it).
    request_ = get_object_or_404(
        TravelException.objects.exclude(user=request.user).select_related("user"), pk=pk
    )
    problem = services.travel_approver_problem(approver=request.user, travel=request_)
    if request.method == "POST":
        try:
            services.travel_approve(actor=request.user, travel=request_)
        except PermissionDenied as exc:
            return render(
                request,
                "staff/travel_approve.html",
                {"t": request_, "problem": problem or str(exc)},
                status=403,
            )
        messages.success(request, "Travel exception approved.")
        return redirect("staff:travel")
    return render(request, "staff/travel_approve.html", {"t": request_, "problem": problem})
