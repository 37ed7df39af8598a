"""Reads for the kit pages: the participant's tracker, the biobank queue, the figures."""

import statistics
from dataclasses import dataclass

from django.db.models import Count, Q

from participants.kits.models import OPEN_STATUSES, Kit, KitKind, KitStatus, PartnerSite
from portal import hooks
from portal.disclosure import is_small


def kit_for_participant(participant, public_id) -> Kit | None:
    """Owner-scoped: another participant's kit is None (the view answers 404)."""
    return (
        Kit.objects.select_related("partner_site")
        .filter(participant=participant, public_id=public_id)
        .first()
    )


def current_kit(participant) -> Kit | None:
    """The kit the tracker follows: the newest one that was not cancelled."""
    return (
        Kit.objects.select_related("partner_site")
        .filter(participant=participant)
        .exclude(status=KitStatus.CANCELLED)
        .order_by("-requested_at", "-id")
        .first()
    )


def active_partner_sites():
    return PartnerSite.objects.filter(active=True)


@dataclass(frozen=True)
class Stage:
    code: str
    done_at: object  # a datetime, or None while not reached


def tracker(participant, kit: Kit) -> list[Stage]:
    """requested → shipped → received → DNA being read → results ready, with dates."""
    sample_at = None
    results_at = None
    if kit.received_at and kit.status == KitStatus.RECEIVED:
        # The lab's side (results.participant_hooks.kit_progress).
        sample_at, results_at = hooks.kit_progress(participant, kit.received_at)
    stages = [Stage("requested", kit.requested_at)]
    if kit.kind == KitKind.SALIVA:
        stages.append(Stage("shipped", kit.shipped_at))
    stages += [
        Stage("received", kit.received_at),
        Stage("reading", sample_at),
        Stage("results", results_at),
    ]
    return stages


def biobank_queue() -> dict[str, list[Kit]]:
    kits = Kit.objects.select_related("partner_site").only(
        "public_id", "barcode", "kind", "status", "requested_at", "shipped_at", "received_at",
        "destroy_flagged_at", "partner_site__name", "replacement_of_id",
    )  # fmt: skip
    return {
        "to_ship": list(kits.filter(kind=KitKind.SALIVA, status=KitStatus.REQUESTED)[:200]),
        "out": list(kits.filter(status__in=OPEN_STATUSES).exclude(
            kind=KitKind.SALIVA, status=KitStatus.REQUESTED)[:200]),
        "received": list(kits.filter(status=KitStatus.RECEIVED).order_by("-received_at")[:50]),
        "destroy": list(kits.filter(destroy_flagged_at__isnull=False)[:200]),
    }  # fmt: skip


def kit_figures() -> dict:
    """Kits out, return rate, median days to return, rejection rate (small cells hidden)."""
    counts = Kit.objects.aggregate(
        out=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        shipped=Count("id", filter=Q(shipped_at__isnull=False)),
        returned=Count("id", filter=Q(shipped_at__isnull=False, received_at__isnull=False)),
        received=Count("id", filter=Q(received_at__isnull=False)),
        rejected=Count("id", filter=Q(status=KitStatus.REJECTED)),
    )
    days = [
        (received - shipped).total_seconds() / 86400
        for shipped, received in Kit.objects.filter(
            shipped_at__isnull=False, received_at__isnull=False
        ).values_list("shipped_at", "received_at")
    ]

    def rate(part: int, whole: int) -> float | None:
        if is_small(part) or is_small(whole) or not whole:
            return None
        return round(100 * part / whole, 1)

    return {
        "kits_out": None if is_small(counts["out"]) else counts["out"],
        "return_rate": rate(counts["returned"], counts["shipped"]),
        "median_days_to_return": (
            None if is_small(len(days)) or not days else round(statistics.median(days), 1)
        ),
        "rejection_rate": rate(counts["rejected"], counts["received"]),
    }
