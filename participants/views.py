from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from participants.account_adapter import SCREENER_SESSION_KEY
from participants.decorators import participant_required
from participants.enrollment import (
    participant_pause,
    participant_resume,
    participant_screener_pass,
    participant_withdraw,
    profile_update,
    reminders_opt_out,
    screener_evaluate,
)
from participants.forms import ProfileForm, ScreenerForm, WithdrawForm
from participants.models import JourneyState, Participant
from participants.notifications import participant_from_unsubscribe_token
from participants.selectors import journey_steps, next_step
from participants.time_zones import remember_time_zone
from portal import hooks


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "participants/landing.html")


@require_http_methods(["GET", "POST"])
def screener(request: HttpRequest) -> HttpResponse:
    participant = None
    if request.user.is_authenticated:
        # Only a signed-up participant who has not passed it yet (an older account)
        # still has this step to do; everyone else has nothing to do here.
        participant = Participant.objects.filter(
            user=request.user, state=JourneyState.REGISTERED
        ).first()
        if participant is None:
            return redirect("participants:home")
    form = ScreenerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = screener_evaluate(
            is_adult=form.cleaned_data["is_adult"] == "yes",
            us_state=form.cleaned_data["us_state"],
            can_consent=form.cleaned_data["can_consent"] == "yes",
        )
        if not result.eligible:
            # Nothing identifying is kept: not the answers, not the session.
            request.session.pop(SCREENER_SESSION_KEY, None)
            return render(
                request, "participants/screener_ineligible.html", {"reasons": result.reasons}
            )
        if participant is not None:
            participant_screener_pass(participant=participant, actor=request.user)
            return redirect("participants:home")
        request.session[SCREENER_SESSION_KEY] = {
            "eligible": True,
            "at": timezone.now().isoformat(),
        }
        return redirect("account_signup")
    return render(request, "participants/screener.html", {"form": form})


@participant_required
def home(request: HttpRequest) -> HttpResponse:
    participant = request.participant
    # Sign-up is over: the screener flag has done its job.
    request.session.pop(SCREENER_SESSION_KEY, None)
    steps = journey_steps(participant)
    following = next_step(steps) if participant.is_active else None
    panels = hooks.home_panels(request, participant)
    return render(
        request,
        "participants/home.html",
        {
            "participant": participant,
            "steps": steps,
            "next": following,
            "next_progress": _survey_in_progress(following, panels),
            "paused": participant.state == JourneyState.PAUSED,
            "withdrawn": participant.state == JourneyState.WITHDRAWN,
            # A new participant's page leads with the one next step; the rest waits
            # until there is something to show (the first survey reached).
            "newcomer": following is not None and following.code in NEWCOMER_STEPS,
            **panels,
        },
    )


NEWCOMER_STEPS = {"eligible", "profile", "consent"}


def _survey_in_progress(step, panels: dict):
    """The half-answered survey behind the next step, for "Continue (3 of 9)"."""
    if step is None or step.code not in {"basics", "core"}:
        return None
    surveys = (panels.get("survey_panel") or {}).get("surveys", [])
    for survey in surveys:
        if survey.status != "in_progress":
            continue
        if step.code == "core" or survey.code == "the_basics":
            return survey
    return None


def _profile_initial(participant) -> dict:
    initial = {f: getattr(participant, f) for f in ProfileForm.base_fields}
    if participant.profile_completed_at is None:
        # First time: offer the language they are reading the site in.
        initial["preferred_language"] = (get_language() or participant.preferred_language)[:2]
    return initial


@participant_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    participant = request.participant
    if participant.state == JourneyState.WITHDRAWN:
        return redirect("participants:home")
    form = ProfileForm(request.POST or None, initial=_profile_initial(participant))
    if request.method == "POST" and form.is_valid():
        participant = profile_update(
            participant=participant, actor=request.user, data=form.cleaned_data
        )
        remember_time_zone(request, participant)
        messages.success(request, _("Your details are saved."))
        return redirect("participants:home")
    return render(request, "participants/profile.html", {"form": form})


@participant_required
@require_http_methods(["GET", "POST"])
def pause(request: HttpRequest) -> HttpResponse:
    participant = request.participant
    if request.method == "POST":
        if participant.state == JourneyState.PAUSED:
            participant_resume(participant=participant, actor=request.user)
            messages.success(request, _("Welcome back. We can contact you again."))
        elif participant.is_active:
            participant_pause(participant=participant, actor=request.user)
            messages.success(request, _("You are paused. We will not contact you."))
        return redirect("participants:home")
    return render(request, "participants/pause.html", {"participant": participant})


@participant_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest) -> HttpResponse:
    participant = request.participant
    if participant.state == JourneyState.WITHDRAWN:
        return redirect("participants:home")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        participant_withdraw(
            participant=participant,
            actor=request.user,
            tier=form.cleaned_data["tier"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("You have withdrawn. We sent you an e-mail to confirm."))
        return redirect("participants:home")
    return render(request, "participants/withdraw.html", {"form": form})


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Works without logging in: the signed token is the proof."""
    participant = participant_from_unsubscribe_token(token)
    if participant is None:
        return render(request, "participants/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        reminders_opt_out(participant=participant)
        done = True
    return render(request, "participants/unsubscribe.html", {"done": done, "invalid": False})
