"""Re-consent campaigns: publish (with the ethics approval), notify, remind, record views.

Only a consent manager publishes. The new version must already be the published one
(drafted and published in the consent administration), with a what-changed summary
in both languages; the cohort is everyone whose current decision is a signature on
`from_version`, optionally only at one site or in one language.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from participants.consent.campaigns.data_use import data_use_paused, data_use_resume_if_lifted
from participants.consent.campaigns.models import Campaign, Member, Policy
from participants.consent.models import GIVING, ConsentRecord, ConsentVersion, VersionStatus
from participants.models import Participant
from participants.notifications import email_participant
from portal.audit import audit_record

MANAGE = "consent_campaigns.manage_campaigns"


class CampaignError(Exception):
    pass


def _cohort(*, from_version: ConsentVersion, site, language: str) -> list[Participant]:
    """Participants whose latest decision on this form is a signature on `from_version`."""
    latest: dict[int, ConsentRecord] = {}
    for record in ConsentRecord.objects.filter(version__form=from_version.form).order_by(
        "signed_at", "id"
    ):
        latest[record.participant_id] = record
    ids = [
        pid for pid, r in latest.items()
        if r.version_id == from_version.pk and r.decision in GIVING
    ]  # fmt: skip
    people = Participant.objects.filter(pk__in=ids, withdrawal_tier__isnull=True)
    if site is not None:
        people = people.filter(site=site)
    if language:
        people = people.filter(preferred_language=language)
    return list(people.select_related("site"))


@transaction.atomic
def campaign_publish(
    *,
    actor: Any,
    version: ConsentVersion,
    from_version: ConsentVersion,
    site=None,
    language: str = "",
    ethics_number: str,
    ethics_date: dt.date,
    ethics_document,
    policy: str,
) -> Campaign:
    if not (getattr(actor, "is_staff", False) and actor.has_perm(MANAGE)):
        raise PermissionDenied
    if version.status != VersionStatus.PUBLISHED:
        raise CampaignError("Publish the new version first.")
    if from_version.form_id != version.form_id or from_version.number >= version.number:
        raise CampaignError("The cohort must be on an earlier version of the same form.")
    if not (version.change_summary_en.strip() and version.change_summary_es.strip()):
        raise CampaignError("The new version needs a what-changed summary in both languages.")
    if policy not in Policy.values:
        raise CampaignError("Choose a policy.")
    if not ethics_number.strip() or ethics_document is None:
        raise CampaignError("The ethics approval (number, date, document) is required.")
    campaign = Campaign.objects.create(
        version=version, from_version=from_version, site=site, language=language,
        ethics_number=ethics_number.strip(), ethics_date=ethics_date,
        ethics_document=ethics_document, policy=policy, created_by=actor,
    )  # fmt: skip
    cohort = _cohort(from_version=from_version, site=site, language=language)
    Member.objects.bulk_create(
        [
            Member(
                campaign=campaign,
                participant=p,
                site_code=p.site.code if p.site else "",
                language=p.preferred_language,
            )
            for p in cohort
        ]
    )
    for person in cohort:
        email_participant(participant=person, template="reconsent_invite", context={"name": ""})
    audit_record(
        action="consent.campaign_publish",
        actor=actor,
        target=campaign,
        data={"version": str(version), "from": str(from_version), "policy": policy,
              "site": site.code if site else "", "language": language,
              "ethics_number": campaign.ethics_number, "members": len(cohort)},
    )  # fmt: skip
    return campaign


@transaction.atomic
def campaign_viewed(*, member: Member, actor: Any) -> None:
    updated = Member.objects.filter(pk=member.pk, viewed_at__isnull=True).update(
        viewed_at=timezone.now()
    )
    if updated:
        audit_record(
            action="consent.campaign_viewed",
            actor=actor,
            participant=member.participant,
            target=member.campaign,
        )


@transaction.atomic
def campaign_decline(*, member: Member, actor: Any) -> None:
    """The participant keeps the version they signed (idempotent).

    What that version allows goes on: under a “pause” campaign the pause lifts and the
    held work resumes, exactly as after a signature.
    """
    participant = Participant.objects.select_for_update().get(pk=member.participant_id)
    paused_before = data_use_paused(participant)
    updated = Member.objects.filter(pk=member.pk, declined_at__isnull=True).update(
        declined_at=timezone.now()
    )
    if updated:
        audit_record(
            action="consent.campaign_declined",
            actor=actor,
            participant=participant,
            target=member.campaign,
        )
        if paused_before:
            data_use_resume_if_lifted(
                participant=participant, actor=actor, why="kept their current consent"
            )


def reminders_due(*, now: dt.datetime) -> list[int]:
    """Members still undecided, contactable, not opted out, not reminded for a week."""
    cutoff = now - dt.timedelta(days=settings.REMINDER_INTERVAL_DAYS)

    decided = ConsentRecord.objects.filter(
        participant=OuterRef("participant"), version=OuterRef("campaign__version")
    )
    return list(
        Member.objects.filter(
            notified_at__lte=cutoff,
            declined_at__isnull=True,
            participant__withdrawal_tier__isnull=True,
            participant__reminders_opted_out=False,
            participant__contact_email=True,
        )
        .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=cutoff))
        .exclude(Exists(decided))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def reminder_send(*, member_pk: int, now: dt.datetime) -> bool:
    """Claims the member's reminder (conditional update) and queues it; False if taken."""
    cutoff = now - dt.timedelta(days=settings.REMINDER_INTERVAL_DAYS)
    claimed = (
        Member.objects.filter(pk=member_pk)
        .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=cutoff))
        .update(last_reminder_at=now)
    )
    if not claimed:
        return False
    member = Member.objects.select_related("participant").get(pk=member_pk)
    email_participant(participant=member.participant, template="reconsent_reminder",
                      context={"name": ""})  # fmt: skip
    return True
