"""“Who has seen my data”: the participant's view of the access log."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from participants.dashboards.access_wording import access_wording
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
    own_user = request.participant.user_id
    for event in events:
        profile = getattr(event.staff, "staff_profile", None)
        roles = [g.name for g in event.staff.groups.all() if g.name in ROLE_LABELS]
        wording = access_wording(
            what=event.what,
            reason=event.reason,
            role=roles[0] if roles else "",
            by_participant=event.staff_id == own_user,
        )
        rows.append(
            {
                "when": event.created,
                "sentence": wording.sentence,
                "site": profile.site.name if profile and profile.site else "",
            }
        )
    return render(request, "participants/access_log.html", {"rows": rows})
