"""“Who has seen my data”: the participant's view of the access log."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from participants.selectors import participant_required
from portal.models import AccessEvent
from portal.staff.roles import ROLE_LABELS


@participant_required
def access_log(request: HttpRequest) -> HttpResponse:
    events = list(
        AccessEvent.objects.filter(participant=request.participant)
        .select_related("staff__staff_profile__site")
        .prefetch_related("staff__groups")
        .order_by("-created", "-id")[:200]
    )
    rows = []
    for event in events:
        profile = getattr(event.staff, "staff_profile", None)
        roles = [g.name for g in event.staff.groups.all() if g.name in ROLE_LABELS]
        rows.append(
            {
                "when": event.created,
                "role": roles[0] if roles else "",
                "site": profile.site.name if profile and profile.site else "",
                "what": event.what,
                "reason": event.reason.split(":", 1)[0],
            }
        )
    return render(request, "participants/access_log.html", {"rows": rows})
