"""Consent managers: publish a campaign, follow its progress (counts only, no identities),
download its ethics approval letter (audited)."""

import re
import uuid

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from participants.consent.campaigns import services
from participants.consent.campaigns.forms import CampaignForm
from participants.consent.campaigns.models import Campaign
from participants.consent.campaigns.selectors import campaign_progress
from portal.audit import audit_record
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


def _campaign(campaign_id: uuid.UUID) -> Campaign:
    campaign = (
        Campaign.objects.select_related("version__form", "from_version", "site")
        .filter(public_id=campaign_id)
        .first()
    )
    if campaign is None:
        raise Http404
    return campaign


@staff_permission_required(services.MANAGE)
def progress(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    campaign = _campaign(campaign_id)
    return render(
        request,
        "campaigns/staff_progress.html",
        {"campaign": campaign, "progress": campaign_progress(campaign)},
    )


@staff_permission_required(services.MANAGE)
def ethics_document(request: HttpRequest, campaign_id: uuid.UUID) -> FileResponse:
    """The ethics board's approval letter, from private storage; each download is audited.

    It names no participant, so the row goes to the audit log, not the access log.
    """
    campaign = _campaign(campaign_id)
    try:
        handle = campaign.ethics_document.open("rb")
    except (FileNotFoundError, ValueError) as exc:  # ValueError: no file attached
        raise Http404 from exc
    audit_record(
        action="consent.campaign_ethics_download",
        actor=request.user,
        target=campaign,
        data={"ethics_number": campaign.ethics_number},
    )
    number = re.sub(r"[^A-Za-z0-9._-]+", "-", campaign.ethics_number).strip("-.")[:60]
    # Only PDFs are accepted at publication (CampaignForm).
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"ethics-approval-{number or campaign.public_id}.pdf",
        content_type="application/pdf",
    )
