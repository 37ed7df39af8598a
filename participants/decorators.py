"""View decorators for participant pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.utils import timezone

from participants.selectors import participant_for_user
from participants.time_zones import time_zone_for_state


def participant_required(view):
    """Logged in and a participant: sets `request.participant`, else 404."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        request.participant = participant_for_user(request.user)
        # Times in the zone of the participant's state (also for a session that began
        # before the log-in remembered it); portal.middleware.TimeZoneMiddleware resets it.
        zone = time_zone_for_state(request.participant.us_state)
        if zone:
            timezone.activate(zone)
        return view(request, *args, **kwargs)

    return wrapped
