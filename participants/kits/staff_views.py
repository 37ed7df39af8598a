"""Biobank pages under /staff/kits/: queue, scan to receive, ship, reject, print labels.

The biobank works on kits by barcode and never sees a participant's health data;
printing a label shows a name and address, so it is written to the access log.
"""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from participants.kits import selectors, services
from participants.kits.forms import RejectForm, ScanForm, ShipForm
from participants.kits.letters import packing_slip_pdf
from participants.kits.models import Kit
from portal.access_log import access_record
from portal.decorators import staff_permission_required
from staff.visibility import SAMPLES, visible_participants

# Every access-log `what` these pages write; each has its own plain words for the
# participant (participants/access_wording.py).
ACCESS_LABEL = "kits.label"
ACCESS_ACTIONS = (ACCESS_LABEL,)


def _kit(kit_id: uuid.UUID, staff) -> Kit:
    """One kit, or 404: a participant withdrawn from further use is not shown (R30); a kit
    that reaches the lab after that is flagged for destruction at the scan, by barcode."""

    kit = (
        Kit.objects.select_related("participant", "partner_site")
        .filter(
            public_id=kit_id,
            participant__in=visible_participants(staff, purpose=SAMPLES),
        )
        .first()
    )
    if kit is None:
        raise Http404
    return kit


@staff_permission_required(services.MANAGE)
def queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "kits/staff_queue.html",
        {
            "queue": selectors.biobank_queue(),
            "figures": selectors.kit_figures(),
            "scan": ScanForm(),
        },
    )


@staff_permission_required(services.MANAGE)
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    """One text field a keyboard-wedge scanner types into; Enter submits it."""
    form = ScanForm(request.POST or None)
    received = None
    if request.method == "POST" and form.is_valid():
        try:
            received = services.kit_receive_scan(
                scanned=form.cleaned_data["barcode"], actor=request.user
            )
        except services.KitError as exc:
            form.add_error("barcode", str(exc))
        else:
            form = ScanForm()  # ready for the next kit
    return render(request, "kits/staff_receive.html", {"form": form, "received": received})


@staff_permission_required(services.MANAGE)
@require_http_methods(["GET", "POST"])
def kit_detail(request: HttpRequest, kit_id: uuid.UUID) -> HttpResponse:
    kit = _kit(kit_id, request.user)
    ship = ShipForm(request.POST if request.POST.get("step") == "ship" else None)
    reject = RejectForm(request.POST if request.POST.get("step") == "reject" else None)
    if request.method == "POST":
        try:
            if request.POST.get("step") == "ship" and ship.is_valid():
                services.kit_ship(kit=kit, actor=request.user, **ship.cleaned_data)
                messages.success(request, "Marked shipped; the participant gets an e-mail.")
                return redirect("staff_kits:kit", kit_id=kit.public_id)
            if request.POST.get("step") == "reject" and reject.is_valid():
                services.kit_reject(
                    kit=kit, actor=request.user, reason=reject.cleaned_data["reason"]
                )
                messages.success(request, "Rejected; a replacement kit is in the queue.")
                return redirect("staff_kits:kit", kit_id=kit.public_id)
        except services.KitError as exc:
            messages.error(request, str(exc))
            return redirect("staff_kits:kit", kit_id=kit.public_id)
    return render(request, "kits/staff_kit.html", {"kit": kit, "ship": ship, "reject": reject})


@staff_permission_required(services.MANAGE)
@require_POST
def label(request: HttpRequest, kit_id: uuid.UUID) -> HttpResponse:
    """Packing slip and label. POST only: printing one is an access to an address."""
    kit = _kit(kit_id, request.user)
    access_record(
        staff=request.user,
        participant=kit.participant,
        what=ACCESS_LABEL,
        reason="shipping: packing slip and label",
        request=request,
    )
    response = HttpResponse(packing_slip_pdf(kit), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="kit-{kit.barcode}.pdf"'
    return response
