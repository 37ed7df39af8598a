"""The participant's re-consent page: what changed, the texts side by side, then sign."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from participants.consent.campaigns.diff import side_by_side
from participants.consent.campaigns.selectors import membership_for
from participants.consent.campaigns.services import campaign_decline, campaign_viewed
from participants.decorators import participant_required
from portal.i18n import content_language


@participant_required
@require_http_methods(["GET", "POST"])
def reconsent(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    member = membership_for(request.participant, campaign_id)
    if member is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "keep":
        campaign_decline(member=member, actor=request.user)
        messages.success(request, _("Thank you. Your current consent stays as you signed it."))
        return redirect("participants:home")
    language = content_language()
    campaign = member.campaign
    campaign_viewed(member=member, actor=request.user)
    form = campaign.version.form
    # The usual path: the questions first for the main consent, then the signature.
    if form.code == "primary":
        next_url = reverse("consent:comprehension")
    else:
        next_url = reverse("consent:form", args=[form.code])
    rows = side_by_side(campaign.from_version.text(language), campaign.version.text(language))
    return render(
        request,
        "campaigns/reconsent.html",
        {
            "campaign": campaign,
            "title": form.title(language),
            "summary": campaign.version.change_summary(language),
            # Only what changed, side by side; the unchanged paragraphs are counted.
            "rows": [r for r in rows if r.change != "same"],
            "unchanged": sum(1 for r in rows if r.change == "same"),
            "old_number": campaign.from_version.number,
            "new_number": campaign.version.number,
            "next_url": next_url,
        },
    )
