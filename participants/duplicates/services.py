"""Duplicate participants: blind indexes at profile completion, flags, resolution.

The registrant's own request only computes and stores the two digests and queues
the comparison (`duplicate_check`, a task): whether another account matches never
changes what that request does, how long it takes or what it answers.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from participants.duplicates.blind_index import blind_indexes
from participants.duplicates.models import (
    BlindIndex,
    ClosedReason,
    ConfirmedBy,
    DuplicateFlag,
    FlagStatus,
    IndexKind,
)
from participants.journey import ORDER, has_reached, journey_advance_to
from participants.models import Participant, WithdrawalTier
from portal import hooks
from portal.audit import audit_record
from portal.outbox import outbox_enqueue
from staff.services import staff_site

# The profile fields the digests are made of.
INDEXED_FIELDS = {"legal_last_name", "date_of_birth", "postal_code", "phone"}
SUPPORT_PERMISSION = "portal.support_lookup"


class DuplicateError(Exception):
    """A resolution step the flag's state does not allow."""


# --- indexes -----------------------------------------------------------------------------
@transaction.atomic
def duplicate_indexes_update(*, participant: Participant) -> None:
    """Stores the participant's digests and queues the comparison with everyone else's."""
    digests = blind_indexes(
        last_name=participant.legal_last_name,
        date_of_birth=participant.date_of_birth,
        postal_code=participant.postal_code,
        phone=participant.phone,
    )
    for kind in IndexKind:
        if kind in digests:
            BlindIndex.objects.update_or_create(
                participant=participant, kind=kind, defaults={"digest": digests[kind]}
            )
        else:
            BlindIndex.objects.filter(participant=participant, kind=kind).delete()
    outbox_enqueue(task_name="participants.duplicates.tasks.duplicate_check", args=[participant.pk])


def duplicate_indexes_on_profile_saved(
    *, participant: Participant, changed: list[str], first_time: bool
) -> None:
    """Profile hook: at completion, and whenever an indexed field changes afterwards."""
    if participant.profile_completed_at is None:
        return
    if first_time or INDEXED_FIELDS.intersection(changed):
        duplicate_indexes_update(participant=participant)


def duplicate_indexes_withdrawal_effect(*, participant: Participant, tier: int, actor: Any) -> None:
    """Tier 3 erases identifying data: its digests go too. From tier 2 no staff member may
    see the participant any more (R30), so their pairs could never be worked on: closed."""
    if tier == WithdrawalTier.DESTROY:
        BlindIndex.objects.filter(participant=participant).delete()
    if tier >= WithdrawalTier.NO_FURTHER_USE:
        duplicate_pairs_close(participant=participant, reason=ClosedReason.ACCOUNT_WITHDRAWN)


# --- flagging ----------------------------------------------------------------------------
@transaction.atomic
def duplicate_check(*, participant: Participant) -> list[DuplicateFlag]:
    """Flags every account sharing a digest with `participant`. Idempotent.

    Nothing is sent to either participant: the pair waits for support staff.
    A pair already decided is not flagged again.
    """
    own = list(BlindIndex.objects.filter(participant=participant).values_list("kind", "digest"))
    if not own:
        return []
    match = Q()
    for kind, digest in own:
        match |= Q(kind=kind, digest=digest)
    kinds_by_other: dict[int, set[str]] = {}
    for other_pk, kind in (
        BlindIndex.objects.filter(match)
        .exclude(participant=participant)
        .values_list("participant_id", "kind")
    ):
        kinds_by_other.setdefault(other_pk, set()).add(kind)
    flags = []
    for other_pk, kinds in sorted(kinds_by_other.items()):
        other = Participant.objects.select_related("site").get(pk=other_pk)
        first, second = sorted((participant, other), key=lambda p: p.pk)
        flag, created = DuplicateFlag.objects.get_or_create(
            first=first,
            second=second,
            defaults={"site": second.site or first.site, "matched_on": sorted(kinds)},
        )
        if not created:
            if flag.status == FlagStatus.OPEN and set(flag.matched_on) != set(kinds):
                flag.matched_on = sorted(set(flag.matched_on) | kinds)
                flag.save(update_fields=["matched_on"])
            continue
        for person in (first, second):
            audit_record(
                action="duplicate.flag",
                participant=person,
                target=flag,
                data={"matched_on": sorted(kinds)},
            )
        flags.append(flag)
    return flags


# --- closing without a decision ------------------------------------------------------------
def duplicate_pairs_close(
    *, participant: Participant, reason: str, because_of: DuplicateFlag | None = None
) -> int:
    """Closes `participant`'s other unfinished pairs (open, or awaiting a confirmation).

    Called inside the transaction that retires the account (`because_of` is the merged
    pair) or records the withdrawal. Nobody decided these pairs, so they count neither as
    resolved nor towards the time to resolve. The system closes them: no actor. Returns
    how many were closed.
    """
    unfinished = (
        DuplicateFlag.objects.select_for_update()
        .filter(status__in=[FlagStatus.OPEN, FlagStatus.AWAITING])
        .filter(Q(first=participant) | Q(second=participant))
        .select_related("first", "second")
        .order_by("pk")
    )
    if because_of is not None:
        unfinished = unfinished.exclude(pk=because_of.pk)
    now = timezone.now()
    closed = 0
    for flag in unfinished:
        before = flag.status
        flag.status = FlagStatus.CLOSED
        flag.closed_reason = reason
        flag.resolved_at = now
        flag.save(update_fields=["status", "closed_reason", "resolved_at"])
        data = {"before": before, "after": flag.status, "reason": reason}
        if because_of is not None:
            data["because_of"] = str(because_of.public_id)
        _audit_both(flag, action="duplicate.closed", actor=None, data=data)
        closed += 1
    return closed


# --- resolution --------------------------------------------------------------------------
def _support_may_work_on(actor: Any, flag: DuplicateFlag) -> None:
    site = staff_site(actor)
    if not actor.has_perm(SUPPORT_PERMISSION) or site is None or flag.site_id != site.pk:
        raise PermissionDenied


def _locked(flag: DuplicateFlag) -> DuplicateFlag:
    return (
        DuplicateFlag.objects.select_for_update().select_related("first", "second").get(pk=flag.pk)
    )


def _audit_both(flag: DuplicateFlag, *, action: str, actor: Any, data: dict) -> None:
    for person in (flag.first, flag.second):
        audit_record(action=action, actor=actor, participant=person, target=flag, data=data)


@transaction.atomic
def duplicate_decide_not_same(*, flag: DuplicateFlag, actor: Any) -> DuplicateFlag:
    _support_may_work_on(actor, flag)
    locked = _locked(flag)
    if locked.status not in {FlagStatus.OPEN, FlagStatus.AWAITING}:
        raise DuplicateError("This pair has already been resolved.")
    before = locked.status
    now = timezone.now()
    locked.status = FlagStatus.NOT_SAME
    locked.keep = locked.retire = None
    locked.decided_at = locked.resolved_at = now
    locked.decided_by = actor
    locked.save(
        update_fields=["status", "keep", "retire", "decided_at", "resolved_at", "decided_by"]
    )
    _audit_both(
        locked,
        action="duplicate.not_same",
        actor=actor,
        data={"before": before, "after": locked.status},
    )
    return locked


@transaction.atomic
def duplicate_decide_same(*, flag: DuplicateFlag, actor: Any, keep: Participant) -> DuplicateFlag:
    """Support's decision “same person: keep A, retire B”. Nothing moves yet."""
    _support_may_work_on(actor, flag)
    locked = _locked(flag)
    if locked.status != FlagStatus.OPEN:
        raise DuplicateError("Only an open pair can be decided.")
    if keep.pk not in {locked.first_id, locked.second_id}:
        raise DuplicateError("Keep one of the two accounts of this pair.")
    retire = locked.second if keep.pk == locked.first_id else locked.first
    locked.status = FlagStatus.AWAITING
    locked.keep, locked.retire = keep, retire
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.save(update_fields=["status", "keep", "retire", "decided_at", "decided_by"])
    _audit_both(
        locked,
        action="duplicate.same_decided",
        actor=actor,
        data={"keep": keep.participant_id, "retire": retire.participant_id},
    )
    return locked


def _merge(locked: DuplicateFlag, *, actor: Any, method: str, data: dict) -> DuplicateFlag:
    keep = Participant.objects.select_for_update().get(pk=locked.keep_id)
    retire = Participant.objects.select_for_update().select_related("user").get(pk=locked.retire_id)
    moved = {name: mover(keep=keep, retire=retire) for name, mover in hooks.merge_movers().items()}
    # The kept account reaches the furthest step either account had reached, one step at
    # a time so the journey's history stays whole.
    target = retire.state_before_pause if retire.state == "paused" else retire.state
    if target in ORDER and not has_reached(keep, target):
        for state in ORDER[1 : ORDER.index(target) + 1]:
            journey_advance_to(
                participant=keep, to_state=state, actor=actor, reason="duplicate accounts merged"
            )
    BlindIndex.objects.filter(participant=retire).delete()
    get_user_model().objects.filter(pk=retire.user_id).update(is_active=False)
    locked.status = FlagStatus.MERGED
    locked.confirmed_by = method
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "confirmed_by", "resolved_at"])
    # The retired account's other pairs can no longer be decided: closed, audited.
    closed = duplicate_pairs_close(
        participant=retire, reason=ClosedReason.ACCOUNT_RETIRED, because_of=locked
    )
    _audit_both(
        locked,
        action="duplicate.merged",
        actor=actor,
        data={
            "keep": keep.participant_id,
            "retire": retire.participant_id,
            "confirmed_by": method,
            "moved": moved,
            "other_pairs_closed": closed,
            **data,
        },
    )
    return locked


@transaction.atomic
def duplicate_confirm_by_call(*, flag: DuplicateFlag, actor: Any, ticket: str) -> DuplicateFlag:
    """Support verified the participant on a call (identity questions) and records it."""
    _support_may_work_on(actor, flag)
    locked = _locked(flag)
    if locked.status != FlagStatus.AWAITING:
        raise DuplicateError("Decide “same person” first.")
    return _merge(
        locked, actor=actor, method=ConfirmedBy.VERIFIED_CALL, data={"ticket": ticket[:100]}
    )


@transaction.atomic
def duplicate_confirm_by_sign_in(
    *, flag: DuplicateFlag, signed_in: Participant, other_user: Any
) -> DuplicateFlag:
    """The participant, signed in to one account, proved they hold the other's password.

    `other_user` is what `authenticate()` returned for the credentials they typed;
    the caller has already checked the password.
    """
    locked = _locked(flag)
    if locked.status != FlagStatus.AWAITING:
        raise DuplicateError("Nothing is waiting for your confirmation.")
    pair = {locked.keep_id: locked.retire_id, locked.retire_id: locked.keep_id}
    if signed_in.pk not in pair:
        raise PermissionDenied
    other = Participant.objects.filter(user=other_user).values_list("pk", flat=True).first()
    if other != pair[signed_in.pk]:
        raise DuplicateError("Those are not the details of your other account.")
    return _merge(locked, actor=signed_in.user, method=ConfirmedBy.SIGN_IN, data={})


def awaiting_flag_for(participant: Participant) -> DuplicateFlag | None:
    """The pair waiting for this participant's confirmation, if any (a selector)."""
    return (
        DuplicateFlag.objects.filter(status=FlagStatus.AWAITING)
        .filter(Q(keep=participant) | Q(retire=participant))
        .first()
    )
