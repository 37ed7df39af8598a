"""Consent managers: publish a campaign; follow its progress (counts only, no identities)."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from participants.consent.campaigns import services
from participants.consent.campaigns.forms import CampaignForm
from participants.consent.campaigns.models import Campaign
from participants.consent.campaigns.selectors import campaign_progress
from portal.decorators import staff_permission_required


@staff_permission_required(services.MANAGE)
@require_http_methods(["GET", "POST"])
def campaigns(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_publish(actor=request.user, **form.cleaned_data)
        except services.CampaignError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Published. The participants asked get an e-mail.")
            return redirect("staff_campaigns:progress", campaign_id=campaign.public_id)
    listed = Campaign.objects.select_related("version__form", "from_version", "site")[:100]
    return render(request, "campaigns/staff_list.html", {"form": form, "campaigns": listed})


@staff_permission_required(services.MANAGE)
def progress(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    campaign = (
        Campaign.objects.select_related("version__form", "from_version", "site")
        .filter(public_id=campaign_id)
        .first()
    )
    if campaign is None:
        raise Http404
    return render(
        request,
        "campaigns/staff_progress.html",
        {"campaign": campaign, "progress": campaign_progress(campaign)},
    )
