"""View decorators for participant pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.utils import timezone

from participants.models import Participant
from participants.selectors import participant_for_user
from participants.time_zones import time_zone_for_state


def participant_required(view):
    """Logged in and a participant: sets `request.participant`, else 404."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        participant_activate(request, participant_for_user(request.user))
        return view(request, *args, **kwargs)

    return wrapped


def participant_activate(request: HttpRequest, participant: Participant) -> None:
    """What `participant_required` does once it has the participant, for a login-required
    view that finds the participant with its own owner-scoped query (the report page)."""
    request.participant = participant
    # Times in the zone of the participant's state (also for a session that began
    # before the log-in remembered it); portal.middleware.TimeZoneMiddleware resets it.
    zone = time_zone_for_state(participant.us_state)
    if zone:
        timezone.activate(zone)
