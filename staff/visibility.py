"""Whether a participant's data may be shown to a staff member at all (R30, issue 15).

Every staff view of participant-level data fetches its participant (or the participant's
report, consent record, re-contact task) through `visible_participants`, so one place
decides, for every route:

- withdrawal: tier 2 (no further use) and tier 3 (destroy) hide the participant from
  every staff member and every purpose; tier 1 (no further contact) hides them from
  anything that leads to contacting them (re-contact);
- site: support (identity) and consent records only within the staff member's own site
  (no site, nothing), as the design brief's roles say; genetic counselling and data
  management are central services whose scope is the queue, the assignment and the
  manifest, so their purposes are not bound to a site (participants are often assigned to
  no site at all);
- report state: `results.selectors.staff_reports` adds the states a report may be read in;
- an administrator sees no participant at all, whatever other roles the account holds.

Anything else is a 404, exactly like an id that does not exist (R9).
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from participants.models import Participant, WithdrawalTier
from portal.models import StaffProfile
from staff.roles import ADMINISTRATOR

SUPPORT = "support"  # identity and profile, one participant at a time
CONSENT = "consent"  # one signed consent record
REVIEW = "review"  # one results report, in a counsellor's queue
RECONTACT = "recontact"  # a counselling re-contact: contacting the participant
SAMPLES = "samples"  # a data manager's samples, by research id (no identity)
PURPOSES = (SUPPORT, CONSENT, REVIEW, RECONTACT, SAMPLES)
_SITE_BOUND = (SUPPORT, CONSENT)
_CONTACTS = (RECONTACT,)


def _site_of(staff: Any):
    profile = StaffProfile.objects.filter(user=staff).select_related("site").first()
    return profile.site if profile is not None else None


def visible_participants(staff: Any, *, purpose: str) -> QuerySet[Participant]:
    """The participants whose data `staff` may see for `purpose` (a queryset to filter by)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    if not getattr(staff, "is_authenticated", False) or not staff.is_staff:
        return Participant.objects.none()

    if staff.groups.filter(name=ADMINISTRATOR).exists():
        # Administrator is exclusive of every role that reads participant data (R29); if
        # an account holds both anyway (written behind the services' back), it reads none.
        return Participant.objects.none()
    people = Participant.objects.exclude(withdrawal_tier__gte=WithdrawalTier.NO_FURTHER_USE)
    if purpose in _CONTACTS:
        people = people.filter(withdrawal_tier__isnull=True)
    if purpose in _SITE_BOUND:
        site = _site_of(staff)
        if site is None:
            return Participant.objects.none()
        people = people.filter(site=site)
    return people


def participant_visible(staff: Any, participant: Participant, *, purpose: str) -> bool:
    return visible_participants(staff, purpose=purpose).filter(pk=participant.pk).exists()


def staff_participant_or_404(staff: Any, *, purpose: str, **lookup: Any) -> Participant:
    """One participant by `lookup` (e.g. participant_id=...), or 404."""
    found = (
        visible_participants(staff, purpose=purpose).select_related("site").filter(**lookup).first()
    )
    if found is None:
        raise Http404
    return found
