"""Biospecimen kits: ordering, shipping, receiving by scan, rejection, withdrawal.

    requested ──► shipped ──► received ──► rejected (a replacement kit is requested)
        │            │
        └────────────┴──► cancelled (withdrawal tier 2+, or the participant)

A blood-draw kit goes straight from requested to received: the participant brings
the visit letter (with the barcode) to the partner site.
"""

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from participants.journey import has_reached
from participants.kits.barcodes import clean_scanned, new_barcode
from participants.kits.models import (
    OPEN_STATUSES,
    Kit,
    KitKind,
    KitStatus,
    PartnerSite,
    RejectionReason,
)
from participants.models import JourneyState, Participant, WithdrawalTier
from participants.notifications import email_participant
from portal.audit import audit_record

MANAGE = "kits.manage_kits"
ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code")


class KitError(Exception):
    """A step the kit's state (or the participant's) does not allow."""


def may_order(participant: Participant) -> bool:
    return (
        participant.withdrawal_tier is None
        and participant.state not in {JourneyState.WITHDRAWN, JourneyState.PAUSED}
        and has_reached(participant, JourneyState.CONSENTED)
    )


def _require_biobank(actor: Any) -> None:
    if not (getattr(actor, "is_staff", False) and actor.has_perm(MANAGE)):
        raise PermissionDenied


def _create(*, participant: Participant, values: dict, actor: Any) -> Kit:
    for _ in range(10):
        try:
            with transaction.atomic():
                return Kit.objects.create(participant=participant, barcode=new_barcode(), **values)
        except IntegrityError as exc:
            if Kit.objects.filter(participant=participant, status__in=OPEN_STATUSES).exists():
                raise KitError("A kit is already on its way.") from exc
    raise RuntimeError("Could not allocate a unique kit barcode.")


def _profile_address(participant: Participant) -> dict[str, str]:
    return {
        "line1": participant.address_line1 or "",
        "line2": participant.address_line2 or "",
        "city": participant.city or "",
        "state": participant.us_state or "",
        "postal_code": participant.postal_code or "",
    }


@transaction.atomic
def kit_request_saliva(
    *, participant: Participant, actor: Any, address: dict[str, str] | None = None
) -> Kit:
    """Orders a saliva kit to the profile address, or to `address` for this kit only."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if not may_order(locked):
        raise KitError("Kits are for participants who have signed the consent.")
    changed = address is not None
    ship = address if changed else _profile_address(locked)
    if not (ship.get("line1") and ship.get("city") and ship.get("postal_code")):
        raise KitError("We need a mailing address to send the kit.")
    kit = _create(
        participant=locked,
        actor=actor,
        values={
            "kind": KitKind.SALIVA,
            "ship_line1": ship["line1"],
            "ship_line2": ship.get("line2", ""),
            "ship_city": ship["city"],
            "ship_state": ship.get("state", ""),
            "ship_postal_code": ship["postal_code"],
        },
    )
    audit_record(
        action="kit.request",
        actor=actor,
        participant=locked,
        target=kit,
        data={"kind": kit.kind, "address": "changed for this kit" if changed else "profile"},
    )
    return kit


@transaction.atomic
def kit_request_site_visit(*, participant: Participant, actor: Any, site: PartnerSite) -> Kit:
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if not may_order(locked):
        raise KitError("Kits are for participants who have signed the consent.")
    if not site.active:
        raise KitError("That site is not taking visits.")
    kit = _create(
        participant=locked, actor=actor, values={"kind": KitKind.BLOOD, "partner_site": site}
    )
    audit_record(
        action="kit.request",
        actor=actor,
        participant=locked,
        target=kit,
        data={"kind": kit.kind, "site": site.code},
    )
    return kit


def _locked_kit(kit: Kit) -> Kit:
    return Kit.objects.select_for_update().select_related("participant").get(pk=kit.pk)


def _transition(kit: Kit, *, actor: Any, to: str, fields: dict, data: dict | None = None) -> Kit:
    before = kit.status
    kit.status = to
    kit.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    for name, value in fields.items():
        setattr(kit, name, value)
    kit.save(update_fields=["status", "updated_by", *fields])
    audit_record(
        action=f"kit.{to}",
        actor=actor,
        participant=kit.participant,
        target=kit,
        data={"before": before, "after": to, **(data or {})},
    )
    return kit


@transaction.atomic
def kit_ship(*, kit: Kit, actor: Any, carrier: str, tracking_number: str) -> Kit:
    _require_biobank(actor)
    locked = _locked_kit(kit)
    if locked.kind != KitKind.SALIVA or locked.status != KitStatus.REQUESTED:
        raise KitError("Only a requested saliva kit can be shipped.")
    if locked.participant.withdrawal_tier is not None:
        raise KitError("This participant has withdrawn.")
    _transition(
        locked,
        actor=actor,
        to=KitStatus.SHIPPED,
        fields={
            "shipped_at": timezone.now(),
            "carrier": carrier.strip()[:40],
            "tracking_number": tracking_number.strip()[:60],
        },
        data={"carrier": carrier.strip()[:40]},
    )
    email_participant(participant=locked.participant, template="kit_shipped", context={"name": ""})
    return locked


@transaction.atomic
def kit_receive_scan(*, scanned: str, actor: Any) -> Kit:
    """Receives the kit whose barcode was scanned. Raises KitError for anything else.

    A kit whose participant has withdrawn (tier 2 or 3) is received so the lab can
    account for it, and flagged for destruction with its own audit row.
    """
    _require_biobank(actor)
    barcode = clean_scanned(scanned)
    if barcode is None:
        raise KitError("That is not a kit barcode. Scan it again.")
    kit = (
        Kit.objects.select_for_update()
        .select_related("participant")
        .filter(barcode=barcode)
        .first()
    )
    if kit is None:
        raise KitError("No kit has this barcode.")
    expected = KitStatus.REQUESTED if kit.kind == KitKind.BLOOD else KitStatus.SHIPPED
    if kit.status == KitStatus.RECEIVED:
        return kit  # scanned twice: already received, nothing changes
    if kit.status != expected and not (
        kit.status == KitStatus.CANCELLED and kit.participant.withdrawal_tier
    ):
        raise KitError(f"This kit is {kit.get_status_display().lower()}: it cannot be received.")
    now = timezone.now()
    _transition(kit, actor=actor, to=KitStatus.RECEIVED, fields={"received_at": now})
    if (kit.participant.withdrawal_tier or 0) >= WithdrawalTier.NO_FURTHER_USE:
        kit.destroy_flagged_at = now
        kit.save(update_fields=["destroy_flagged_at"])
        audit_record(
            action="kit.destroy_flagged",
            actor=actor,
            participant=kit.participant,
            target=kit,
            data={"withdrawal_tier": int(kit.participant.withdrawal_tier)},
        )
    else:
        email_participant(
            participant=kit.participant, template="kit_received", context={"name": ""}
        )
    return kit


@transaction.atomic
def kit_reject(*, kit: Kit, actor: Any, reason: str) -> Kit:
    """The lab cannot use the sample: say why, and order a replacement automatically."""
    _require_biobank(actor)
    if reason not in RejectionReason.values:
        raise KitError("Choose why the sample cannot be used.")
    locked = _locked_kit(kit)
    if locked.status != KitStatus.RECEIVED:
        raise KitError("Only a received kit can be rejected.")
    _transition(
        locked,
        actor=actor,
        to=KitStatus.REJECTED,
        fields={"rejected_at": timezone.now(), "rejection_reason": reason},
        data={"reason": reason},
    )
    participant = locked.participant
    if participant.withdrawal_tier is not None:
        return locked
    values = {
        "kind": locked.kind,
        "partner_site": locked.partner_site,
        "replacement_of": locked,
        "ship_line1": locked.ship_line1,
        "ship_line2": locked.ship_line2,
        "ship_city": locked.ship_city,
        "ship_state": locked.ship_state,
        "ship_postal_code": locked.ship_postal_code,
    }
    replacement = _create(participant=participant, actor=actor, values=values)
    audit_record(
        action="kit.replacement",
        actor=actor,
        participant=participant,
        target=replacement,
        data={"replaces": locked.barcode},
    )
    email_participant(participant=participant, template="kit_rejected", context={"name": ""})
    return locked


def kits_withdrawal_effect(*, participant: Participant, tier: int, actor: Any) -> None:
    """Tier 2+: open kits are cancelled (idempotent)."""
    if tier < WithdrawalTier.NO_FURTHER_USE:
        return
    now = timezone.now()
    for kit in Kit.objects.select_for_update().filter(
        participant=participant, status__in=OPEN_STATUSES
    ):
        _transition(
            kit,
            actor=actor,
            to=KitStatus.CANCELLED,
            fields={"cancelled_at": now},
            data={"why": f"withdrawal tier {tier}"},
        )


def kits_merge_mover(*, keep: Participant, retire: Participant) -> int:
    """Duplicate accounts merged: the retired account's kits follow (open ones cancelled
    first when the kept account has its own kit in flight)."""
    if Kit.objects.filter(participant=keep, status__in=OPEN_STATUSES).exists():
        Kit.objects.filter(participant=retire, status__in=OPEN_STATUSES).update(
            status=KitStatus.CANCELLED, cancelled_at=timezone.now()
        )
    return Kit.objects.filter(participant=retire).update(participant=keep)


@transaction.atomic
def partner_sites_load() -> int:
    """Loads (or refreshes) the partner sites from partner_sites.json; returns how many.

    The data migration does the same at install time; tests that flush the database
    (transactional ones) call this to get them back.
    """

    sites = json.loads((Path(__file__).parent / "partner_sites.json").read_text("utf-8"))
    for site in sites:
        PartnerSite.objects.update_or_create(code=site["code"], defaults=site)
    return len(sites)
