"""Support pages for possible duplicate pairs: own site only, after stating why.

Every view and every decision is written to both participants' access logs with
the stated reason; the services write the audit rows.
"""

import time
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from participants.duplicates import services
from participants.duplicates.forms import DecisionForm, StatedReasonForm
from participants.duplicates.selectors import duplicate_figures, flag_for_site, flags_for_site
from portal.access_log import access_record
from portal.decorators import staff_permission_required
from staff.services import staff_site

REASON_SECONDS = 15 * 60
# Every access-log `what` these pages write (opening a pair, each decision); each has its
# own plain words for the participant (participants/access_wording.py).
ACCESS_PAIR = "duplicate.pair"
ACCESS_ACTIONS = (ACCESS_PAIR, *(f"duplicate.{action}" for action, _label in DecisionForm.ACTIONS))
_REASONS_KEY = "staff_duplicate_reasons"


@staff_permission_required(services.SUPPORT_PERMISSION)
def queue(request: HttpRequest) -> HttpResponse:
    site = staff_site(request.user)
    return render(
        request,
        "duplicates/staff_queue.html",
        {"flags": flags_for_site(site), "figures": duplicate_figures(site=site), "site": site},
    )


def _stated_reason(request: HttpRequest, key: str) -> str | None:
    stated = request.session.get(_REASONS_KEY, {}).get(key)
    if not stated or time.time() - stated["at"] > REASON_SECONDS:
        return None
    return stated["reason"]


def _record_access(request: HttpRequest, flag, *, what: str, reason: str) -> None:
    for person in (flag.first, flag.second):
        access_record(
            staff=request.user, participant=person, what=what, reason=reason, request=request
        )


@staff_permission_required(services.SUPPORT_PERMISSION)
@require_http_methods(["GET", "POST"])
def pair(request: HttpRequest, flag_id: uuid.UUID) -> HttpResponse:
    site = staff_site(request.user)
    flag = flag_for_site(site, flag_id, staff=request.user)
    if flag is None:
        raise Http404
    key = str(flag.public_id)
    reason = _stated_reason(request, key)
    if reason is None:
        form = StatedReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reasons = request.session.get(_REASONS_KEY, {})
            reasons[key] = {"reason": form.reason_text(), "at": time.time()}
            request.session[_REASONS_KEY] = reasons
            return redirect("staff_duplicates:pair", flag_id=flag.public_id)
        return render(request, "duplicates/staff_reason.html", {"form": form, "flag": flag})

    decision = DecisionForm(request.POST or None)
    if request.method == "POST" and decision.is_valid():
        action = decision.cleaned_data["action"]
        try:
            if action == "not_same":
                services.duplicate_decide_not_same(flag=flag, actor=request.user)
            elif action in {"keep_first", "keep_second"}:
                keep = flag.first if action == "keep_first" else flag.second
                services.duplicate_decide_same(flag=flag, actor=request.user, keep=keep)
            else:
                services.duplicate_confirm_by_call(
                    flag=flag, actor=request.user, ticket=decision.cleaned_data["ticket"]
                )
        except services.DuplicateError as exc:
            messages.error(request, str(exc))
        else:
            _record_access(request, flag, what=f"duplicate.{action}", reason=reason)
            messages.success(request, "Saved. Both participants' access logs show this step.")
        return redirect("staff_duplicates:pair", flag_id=flag.public_id)
    _record_access(request, flag, what=ACCESS_PAIR, reason=reason)
    return render(request, "duplicates/staff_pair.html", {"flag": flag, "form": decision})
