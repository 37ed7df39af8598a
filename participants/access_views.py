"""“Who has seen my data”: the participant's view of the access log."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from participants.access_wording import access_wording
from participants.decorators import participant_required
from portal.models import AccessEvent, Site
from staff.roles import COUNSELLOR, DATA_MANAGER, ROLE_LABELS, SUPPORT

# The role that explains a read, when the reader held several.
READER_ROLES = (COUNSELLOR, SUPPORT, DATA_MANAGER)


@participant_required
def access_log(request: HttpRequest) -> HttpResponse:
    events = list(
        AccessEvent.objects.filter(participant=request.participant)
        .select_related("staff__staff_profile__site")
        .prefetch_related("staff__groups")
        .order_by("-created", "-id")[:200]
    )
    sites = dict(Site.objects.values_list("code", "name"))
    rows = []
    own_user = request.participant.user_id
    for event in events:
        if event.format >= 2:
            # Who they were when they looked (frozen in the hashed row), not who they are
            # now: a later deactivation or role change does not rewrite this page.
            held = event.roles.split(",") if event.roles else []
            site = sites.get(event.site, event.site)
        else:
            profile = getattr(event.staff, "staff_profile", None)
            held = [g.name for g in event.staff.groups.all()]
            site = profile.site.name if profile and profile.site else ""
        roles = [r for r in READER_ROLES if r in held] or [r for r in held if r in ROLE_LABELS]
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
                "site": site,
            }
        )
    return render(request, "participants/access_log.html", {"rows": rows})
