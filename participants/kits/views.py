"""Participant pages: order a kit (or choose a partner site), follow it, print the letter."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from participants.decorators import participant_required
from participants.kits import selectors, services
from participants.kits.forms import KitOrderForm
from participants.kits.letters import visit_letter_pdf
from participants.kits.models import KitKind, KitStatus
from portal.i18n import content_language


@participant_required
@require_http_methods(["GET", "POST"])
def kit_home(request: HttpRequest) -> HttpResponse:
    participant = request.participant
    kit = selectors.current_kit(participant)
    can_order = services.may_order(participant) and (
        kit is None
        or kit.status not in (KitStatus.REQUESTED, KitStatus.SHIPPED, KitStatus.RECEIVED)
    )
    form = KitOrderForm(request.POST or None) if can_order else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            option = form.cleaned_data["option"]
            try:
                if option == "site":
                    services.kit_request_site_visit(
                        participant=participant, actor=request.user, site=form.cleaned_data["site"]
                    )
                else:
                    services.kit_request_saliva(
                        participant=participant,
                        actor=request.user,
                        address=form.address() if option == "mail_other" else None,
                    )
            except services.KitError:
                messages.error(request, _("We could not order a kit just now. Please call us."))
            else:
                messages.success(request, _("Thank you. Your kit is ordered."))
            return redirect("participants:kit_home")
    return render(
        request,
        "kits/home.html",
        {
            "kit": kit,
            "stages": selectors.tracker(participant, kit) if kit else [],
            "form": form,
            "participant": participant,
            "sites": selectors.active_partner_sites(),
            "language": content_language(),
        },
    )


@participant_required
def visit_letter(request: HttpRequest, kit_id: uuid.UUID) -> HttpResponse:
    kit = selectors.kit_for_participant(request.participant, kit_id)
    if kit is None or kit.kind != KitKind.BLOOD:
        raise Http404
    language = content_language()
    response = HttpResponse(
        visit_letter_pdf(kit, language=language), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="visit-letter-{language}.pdf"'
    return response
