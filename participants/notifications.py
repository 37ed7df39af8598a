"""E-mail to participants: templates as subject/text/html triplets in both languages.

Every message is queued after the surrounding transaction commits, sent by a
Celery task that re-reads the participant (so a pause or withdrawal that
happened in between is respected), and carries a one-click unsubscribe link.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from participants.models import JourneyState, Participant
from portal.outbox import outbox_enqueue

UNSUBSCRIBE_SALT = "participants.unsubscribe"
# Sent even to a paused or withdrawn participant: they confirm what they asked for.
TRANSACTIONAL = {"withdrawal_confirmed", "consent_copy", "paused_confirmed", "data_export_ready"}


def unsubscribe_token(participant: Participant) -> str:
    return signing.dumps({"p": participant.research_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def participant_from_unsubscribe_token(token: str) -> Participant | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=dt.timedelta(days=365))
    except signing.BadSignature:
        return None
    return Participant.objects.filter(research_id=data.get("p")).first()


def render_email(*, template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    with translation.override(language):
        subject = render_to_string(f"emails/{template}-subject.txt", context).strip()
        text = render_to_string(f"emails/{template}-body.txt", context)
        html = render_to_string(f"emails/{template}-body.html", context)
    return " ".join(subject.split()), text, html


def build_participant_email(
    *, participant: Participant, template: str, context: dict[str, Any]
) -> EmailMultiAlternatives:
    language = participant.preferred_language
    with translation.override(language):
        unsubscribe_url = settings.SITE_URL + reverse(
            "participants:unsubscribe", args=[unsubscribe_token(participant)]
        )
        home_url = settings.SITE_URL + reverse("participants:home")
    full_context = {
        "name": participant.display_name,
        "unsubscribe_url": unsubscribe_url,
        "home_url": home_url,
        **context,
    }
    subject, text, html = render_email(template=template, language=language, context=full_context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[participant.user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>"},
    )
    message.attach_alternative(html, "text/html")
    return message


def should_send(participant: Participant, template: str) -> bool:
    if template in TRANSACTIONAL:
        return True
    return participant.contactable and participant.contact_email


def email_participant(*, participant: Participant, template: str, context: dict[str, Any]) -> None:
    """Queues the e-mail through the outbox: it goes out after the transaction commits."""
    outbox_enqueue(
        task_name="participants.tasks.send_participant_email",
        args=[participant.pk, template, context],
    )


# The next step a reminder nudges towards, by journey state.
REMINDER_STEPS = {
    JourneyState.REGISTERED: "verify",
    JourneyState.ELIGIBLE: "consent",
    JourneyState.CONSENTED: "ehr",
    JourneyState.EHR_AUTHORIZED: "basics",
    JourneyState.BASICS_DONE: "surveys",
}


def reminders_due(*, now: dt.datetime) -> list[int]:
    """Participants with an unfinished step, contactable, not reminded in the last week."""
    cutoff = now - dt.timedelta(days=settings.REMINDER_INTERVAL_DAYS)

    return list(
        Participant.objects.filter(
            state__in=list(REMINDER_STEPS),
            withdrawal_tier__isnull=True,
            reminders_opted_out=False,
            contact_email=True,
            created__lte=cutoff,
        )
        .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=cutoff))
        .values_list("pk", flat=True)[:5000]
    )


def reminder_claim(*, participant_pk: int, now: dt.datetime) -> bool:
    """Claims the week's reminder with a conditional update, so two beat runs send one."""

    cutoff = now - dt.timedelta(days=settings.REMINDER_INTERVAL_DAYS)
    return bool(
        Participant.objects.filter(pk=participant_pk)
        .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=cutoff))
        .update(last_reminder_at=timezone.now())
    )
