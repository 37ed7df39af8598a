"""Reads: a member's state, the participant's open campaigns, progress, data-use pauses."""

from django.db.models import Exists, OuterRef

from participants.consent.campaigns.models import Campaign, Member, Policy
from participants.consent.models import GIVING, ConsentRecord
from portal.disclosure import suppress_matrix

STATES = ("notified", "viewed", "reconsented", "declined", "withdrew")


def open_memberships(participant) -> list[Member]:
    """Campaigns still waiting for this participant (no decision on the new version yet)."""
    if participant.withdrawal_tier is not None:
        return []
    decided = ConsentRecord.objects.filter(
        participant=participant, version=OuterRef("campaign__version")
    )
    return list(
        Member.objects.filter(participant=participant, declined_at__isnull=True)
        .exclude(Exists(decided))
        .select_related("campaign__version__form", "campaign__from_version")
    )


def membership_for(participant, public_id) -> Member | None:
    return (
        Member.objects.filter(participant=participant, campaign__public_id=public_id)
        .select_related("campaign__version__form", "campaign__from_version")
        .first()
    )


def data_use_paused(participant) -> bool:
    """True while a “pause data use” campaign waits for this participant's new signature.

    Gated uses (research exports) skip such participants; under a “continue” campaign,
    or once they sign again, what their signed version allows goes on.
    """
    decided = ConsentRecord.objects.filter(
        participant=participant, version=OuterRef("campaign__version")
    )
    return (
        Member.objects.filter(
            participant=participant, campaign__policy=Policy.PAUSE, declined_at__isnull=True
        )
        .exclude(Exists(decided))
        .exists()
    )


def paused_participant_ids():
    """The participants whose data use is paused (a subquery for exports)."""
    decided = ConsentRecord.objects.filter(
        participant=OuterRef("participant"), version=OuterRef("campaign__version")
    )
    return (
        Member.objects.filter(campaign__policy=Policy.PAUSE, declined_at__isnull=True)
        .exclude(Exists(decided))
        .values("participant_id")
    )


def campaign_progress(campaign: Campaign) -> dict:
    """Counts per state, per site and per language; 1-19 hidden, and not recoverable."""
    members = list(
        Member.objects.filter(campaign=campaign).values_list(
            "participant_id", "site_code", "language", "viewed_at", "declined_at",
            "participant__withdrawal_tier",
        )
    )  # fmt: skip
    latest: dict[int, str] = {}
    for pid, decision in (
        ConsentRecord.objects.filter(
            version=campaign.version, participant__in=[m[0] for m in members]
        )
        .order_by("signed_at", "id")
        .values_list("participant_id", "decision")
    ):
        latest[pid] = decision
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for pid, site_code, language, viewed_at, declined_at, tier in members:
        if tier is not None:
            state = "withdrew"
        elif declined_at is not None:
            state = "declined"
        elif pid in latest:
            state = "reconsented" if latest[pid] in GIVING else "declined"
        else:
            state = "viewed" if viewed_at else "notified"
        for key in (("site", site_code or "—"), ("language", language)):
            cells.setdefault(key, dict.fromkeys(STATES, 0))[state] += 1
    tables = {}
    for dimension in ("site", "language"):
        rows = sorted(k[1] for k in cells if k[0] == dimension)
        matrix = [[cells[(dimension, r)][s] for s in STATES] for r in rows]
        shown = suppress_matrix(matrix) if matrix else []
        tables[dimension] = [
            {"label": r, "cells": cells_} for r, cells_ in zip(rows, shown, strict=True)
        ]
    return {"states": STATES, "tables": tables, "total": len(members)}
