"""Where a “pause data use until re-consent” campaign is enforced, and how work resumes.

While such a campaign waits for a participant (they have neither signed its version nor
chosen “Keep my current consent”), their data is not *used*:

- results: a newly received sample is not interpreted, no report is built, and no report
  moves towards them (release, counsellor review); the work is held, not dropped;
- research exports (the FHIR survey export) leave them out.

Their own rights are not paused: results already released stay readable, “My data” still
downloads, and they can still withdraw. Under a “continue” campaign nothing pauses.

The gates call `data_use_paused` (one participant) or `not_paused` (a queryset filter).
When the last pause waiting for a participant lifts, `data_use_resume_if_lifted` runs the
resume hooks registered in portal.hooks inside the same transaction (the results app queues its held
work, see `results/consent_pause.py`), so a signature never leaves work behind.
"""

from typing import Any

from django.db.models import Q

from participants.consent.campaigns.selectors import data_use_paused, paused_participant_ids
from portal import hooks
from portal.audit import audit_record


def not_paused(participant_field: str) -> Q:
    """A filter leaving out rows whose `participant_field` is paused, e.g. "sample__participant"."""
    return ~Q(**{f"{participant_field}__in": paused_participant_ids()})


def data_use_resume_if_lifted(*, participant: Any, actor: Any, why: str) -> bool:
    """Resumes the held work when no pause waits for `participant` any more.

    Callers check `data_use_paused` before writing a decision (a signature on a campaign's
    version, “Keep my current consent”) and call this after it, inside the same transaction,
    only when it was paused. True when the hooks ran.
    """
    if data_use_paused(participant):
        return False
    audit_record(
        action="consent.campaign_data_use_resumed",
        actor=actor,
        participant=participant,
        data={"why": why},
    )
    hooks.data_use_resumed(participant=participant, actor=actor)
    return True
