"""The participant's side: confirming, from one account, that the other is theirs too."""

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from participants.decorators import participant_required
from participants.duplicates.forms import OtherAccountForm
from participants.duplicates.services import (
    DuplicateError,
    awaiting_flag_for,
    duplicate_confirm_by_sign_in,
)

# Tries at the other account's password, per signed-in account and hour.
MAX_TRIES = 5


@participant_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    flag = awaiting_flag_for(request.participant)
    if flag is None:
        raise Http404
    keeping = flag.keep_id == request.participant.pk
    other = flag.retire if keeping else flag.keep
    form = OtherAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        tries_key = f"duplicates:confirm-tries:{request.user.pk}"
        cache.add(tries_key, 0, timeout=3600)
        tries = cache.incr(tries_key)
        other_user = None
        if tries <= MAX_TRIES:
            other_user = authenticate(
                request,
                email=form.cleaned_data["email"].strip().lower(),
                password=form.cleaned_data["password"],
            )
        if other_user is None:
            form.add_error(
                None,
                _("Those details did not work. Check them, or call us and we will help.")
                if tries <= MAX_TRIES
                else _("Too many tries. Please call us, or try again in an hour."),
            )
        else:
            try:
                duplicate_confirm_by_sign_in(
                    flag=flag, signed_in=request.participant, other_user=other_user
                )
            except DuplicateError:
                form.add_error(
                    None, _("Those details did not work. Check them, or call us and we will help.")
                )
            else:
                messages.success(
                    request,
                    _("Thank you. Your two accounts are now one."),
                )
                if not keeping:
                    logout(request)
                    return redirect("account_login")
                return redirect("participants:home")
    return render(
        request,
        "duplicates/confirm.html",
        {"form": form, "keeping": keeping, "other_created": other.created},
    )
