"""Enrollment services: screener, account → participant, profile, pause, withdrawal."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from participants.identifiers import new_participant_id, new_research_id
from participants.journey import (
    journey_advance_to,
    journey_resume,
    journey_transition,
)
from participants.models import (
    IneligibleScreening,
    JourneyState,
    JourneyTransition,
    Participant,
    User,
    Withdrawal,
    WithdrawalTier,
)
from participants.notifications import email_participant
from portal import hooks
from portal.audit import audit_record
from portal.instances import update_caller
from portal.outbox import outbox_enqueue

# USPS codes: the 50 states, DC, Puerto Rico and the territories.
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia",
    "PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}  # fmt: skip

INELIGIBLE_REASONS = ("under_18", "outside_us", "cannot_consent")


@dataclass(frozen=True)
class ScreenerResult:
    eligible: bool
    reasons: tuple[str, ...]


def age_on(date_of_birth: dt.date, today: dt.date) -> int:
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - (0 if had_birthday else 1)


@transaction.atomic
def screener_evaluate(*, is_adult: bool, us_state: str, can_consent: bool) -> ScreenerResult:
    """Decides eligibility. An ineligible answer only bumps an anonymous daily count."""
    reasons = []
    if not is_adult:
        reasons.append("under_18")
    if us_state not in US_STATES:
        reasons.append("outside_us")
    if not can_consent:
        reasons.append("cannot_consent")
    today = timezone.localdate()
    for reason in reasons:
        IneligibleScreening.objects.get_or_create(reason=reason, day=today)
        IneligibleScreening.objects.filter(reason=reason, day=today).update(count=F("count") + 1)
    return ScreenerResult(eligible=not reasons, reasons=tuple(reasons))


def participant_create(*, user: User, screener_passed_at: dt.datetime | None) -> Participant:
    """Creates the participant record for a new account (state `registered`)."""
    for _ in range(10):
        try:
            with transaction.atomic():
                participant = Participant.objects.create(
                    user=user,
                    participant_id=new_participant_id(),
                    research_id=new_research_id(),
                    screener_passed_at=screener_passed_at,
                )
                JourneyTransition.objects.create(
                    participant=participant,
                    from_state="",
                    to_state=JourneyState.REGISTERED,
                    actor=user,
                    reason="account created",
                )
                audit_record(
                    action="participant.create",
                    actor=user,
                    participant=participant,
                    target=participant,
                )
                hooks.state_changed(participant=participant, from_state="", to_state="registered")
                return participant
        except IntegrityError:
            # A random id collided (or the user already has one): look again.
            existing = Participant.objects.filter(user=user).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not allocate a unique participant id.")


def participant_email_verified(*, user: User) -> None:
    """Verified e-mail + screener passed before sign-up = `eligible`."""
    participant = Participant.objects.filter(user=user).first()
    if participant is None or participant.screener_passed_at is None:
        return
    journey_advance_to(
        participant=participant,
        to_state=JourneyState.ELIGIBLE,
        actor=user,
        reason="e-mail verified; screener passed before sign-up",
    )


@transaction.atomic
def participant_screener_pass(*, participant: Participant, actor: User) -> None:
    """A signed-up participant who had not passed the screener (an older account) passes it now."""
    updated = Participant.objects.filter(pk=participant.pk, screener_passed_at__isnull=True).update(
        screener_passed_at=timezone.now()
    )
    if updated:
        audit_record(
            action="screener.pass", actor=actor, participant=participant, target=participant
        )
    journey_advance_to(
        participant=participant,
        to_state=JourneyState.ELIGIBLE,
        actor=actor,
        reason="screener passed after sign-up",
    )


PROFILE_FIELDS = (
    "legal_first_name", "legal_last_name", "preferred_name", "date_of_birth", "address_line1",
    "address_line2", "city", "us_state", "postal_code", "phone", "preferred_language",
    "contact_email", "contact_sms", "contact_mail", "recruitment_source", "race_ethnicity",
    "sex_at_birth", "gender_identity",
)  # fmt: skip


@transaction.atomic
def profile_update(*, participant: Participant, actor: User, data: dict[str, Any]) -> Participant:
    """Saves the profile. The audit row names the changed fields, never their values."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    changed = [f for f in PROFILE_FIELDS if f in data and getattr(locked, f) != data[f]]
    for field in changed:
        setattr(locked, field, data[field])
    if locked.date_of_birth:
        locked.birth_year = locked.date_of_birth.year
    first_time = locked.profile_completed_at is None
    if first_time:
        locked.profile_completed_at = timezone.now()
    locked.save()
    # Demographic codes feed the dashboards even when no state changes: a "change" to the
    # same state re-counts the participant (staff.dashboards.summaries).
    hooks.state_changed(participant=locked, from_state=locked.state, to_state=locked.state)
    audit_record(
        action="profile.update",
        actor=actor,
        participant=locked,
        target=locked,
        data={"fields": changed, "first_time": first_time},
    )
    for hook in hooks.profile_saved_hooks():
        hook(participant=locked, changed=changed, first_time=first_time)
    return locked


@transaction.atomic
def participant_language_set(*, participant: Participant, actor: User, language: str) -> None:
    """The language switch remembers the choice: e-mails and the next log-in follow it."""
    updated = (
        Participant.objects.filter(pk=participant.pk)
        .exclude(preferred_language=language)
        .update(preferred_language=language)
    )
    if not updated:
        return
    participant.preferred_language = language
    hooks.state_changed(
        participant=participant, from_state=participant.state, to_state=participant.state
    )
    audit_record(
        action="profile.update",
        actor=actor,
        participant=participant,
        target=participant,
        data={"fields": ["preferred_language"], "first_time": False},
    )


@transaction.atomic
def participant_pause(*, participant: Participant, actor: User) -> Participant:
    if participant.state == JourneyState.PAUSED:
        return participant
    return journey_transition(
        participant=participant,
        to_state=JourneyState.PAUSED,
        actor=actor,
        reason="paused by participant",
    )


def participant_resume(*, participant: Participant, actor: User) -> Participant:
    return journey_resume(participant=participant, actor=actor)


@transaction.atomic
def participant_withdraw(
    *, participant: Participant, actor: User, tier: int, reason: str = ""
) -> Withdrawal:
    """Withdraws, once. A second call (double submit, two tabs) returns the first record."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    existing = Withdrawal.objects.filter(participant=locked).first()
    if existing is not None:
        return existing
    tier = WithdrawalTier(tier)
    withdrawal = Withdrawal.objects.create(participant=locked, tier=tier, reason=reason[:500])
    locked.withdrawal_tier = tier
    locked.save(update_fields=["withdrawal_tier"])
    journey_transition(
        participant=locked,
        to_state=JourneyState.WITHDRAWN,
        actor=actor,
        reason=f"withdrawn by participant (tier {int(tier)})",
    )
    for effect in hooks.withdrawal_effects():
        effect(participant=locked, tier=int(tier), actor=actor)

    email_participant(
        participant=locked, template="withdrawal_confirmed", context={"tier": int(tier)}
    )
    update_caller(participant, locked)  # the caller's participant shows the withdrawal
    return withdrawal


IDENTIFYING_FIELDS = (
    "legal_first_name", "legal_last_name", "preferred_name", "address_line1", "address_line2",
    "city", "postal_code", "phone",
)  # fmt: skip


@transaction.atomic
def participant_erase_identifying_data(*, participant: Participant) -> None:
    """Tier 3: blanks identifying fields. Idempotent; signed consents stay, as the law requires."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if locked.withdrawal_tier != WithdrawalTier.DESTROY:
        return
    for field in IDENTIFYING_FIELDS:
        setattr(locked, field, "")
    locked.date_of_birth = None
    locked.save()
    Withdrawal.objects.filter(participant=locked, effects_completed_at__isnull=True).update(
        effects_completed_at=timezone.now()
    )
    audit_record(action="participant.erase_identifying", actor=None, participant=locked)


def _queue_erasure(*, participant: Participant, tier: int, actor: User) -> None:
    if tier == WithdrawalTier.DESTROY:
        outbox_enqueue(task_name="participants.tasks.erase_identifying_data", args=[participant.pk])


hooks.register_withdrawal_effect(_queue_erasure)


@transaction.atomic
def reminders_opt_out(*, participant: Participant) -> None:
    updated = Participant.objects.filter(pk=participant.pk, reminders_opted_out=False).update(
        reminders_opted_out=True
    )
    if updated:
        audit_record(action="reminders.opt_out", participant=participant, target=participant)


def participant_language_chosen(*, user: User, language: str) -> None:
    """Language-switch hook (portal.language): a participant's choice is remembered."""
    participant = getattr(user, "participant", None)
    if participant is not None:
        participant_language_set(participant=participant, actor=user, language=language)
