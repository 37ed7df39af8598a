"""Biobank pages under /staff/kits/: queue, scan to receive, ship, reject, print labels.

The biobank works on kits by barcode and never sees a participant's health data;
printing a label shows a name and address, so it is written to the access log.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from participants.kits import selectors, services
from participants.kits.forms import RejectForm, ScanForm, ShipForm
from participants.kits.letters import packing_slip_pdf
from participants.kits.models import Kit
from portal.access_log import access_record

# Every access-log `what` these pages write; each has its own plain words for the
# participant (participants/dashboards/access_wording.py).
ACCESS_LABEL = "kits.label"
ACCESS_ACTIONS = (ACCESS_LABEL,)


def _biobank(request: HttpRequest) -> None:
    if not request.user.is_staff or not request.user.has_perm(services.MANAGE):
        raise PermissionDenied


def _kit(kit_id: uuid.UUID, staff) -> Kit:
    """One kit, or 404: a participant withdrawn from further use is not shown (R30); a kit
    that reaches the lab after that is flagged for destruction at the scan, by barcode."""
    from portal.staff_visibility import SAMPLES, visible_participants

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


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _biobank(request)
    return render(
        request,
        "kits/staff_queue.html",
        {
            "queue": selectors.biobank_queue(),
            "figures": selectors.kit_figures(),
            "scan": ScanForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    """One text field a keyboard-wedge scanner types into; Enter submits it."""
    _biobank(request)
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


@login_required
@require_http_methods(["GET", "POST"])
def kit_detail(request: HttpRequest, kit_id: uuid.UUID) -> HttpResponse:
    _biobank(request)
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


@login_required
@require_POST
def label(request: HttpRequest, kit_id: uuid.UUID) -> HttpResponse:
    """Packing slip and label. POST only: printing one is an access to an address."""
    _biobank(request)
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
