"""The participant's per-type choices (opt-in): a "yes" releases what is ready at once; a "no"
hides it.

Each service writes its audit row in its own transaction; tasks (`results/tasks.py`)
only take ids and call these.
"""

from typing import Any

from django.db import transaction

from participants.models import Participant
from portal.audit import audit_record
from results.models import (
    Choice,
    ResultsPreference,
)
from results.services.report_building import reports_advance


@transaction.atomic
def results_preference_set(
    *, participant: Participant, actor: Any, pgx: str, disease_risk: str, traits: str
) -> ResultsPreference:
    """Saves the per-type choices. A "yes" releases what is ready at once; a "no" hides it."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    preference, _created = ResultsPreference.objects.get_or_create(participant=locked)
    wanted = {"pgx": pgx, "disease_risk": disease_risk, "traits": traits}
    for value in wanted.values():
        if value not in Choice.values:
            raise ValueError(f"not a choice: {value!r}")
    changed = {
        k: [getattr(preference, k), v] for k, v in wanted.items() if getattr(preference, k) != v
    }
    for key, (_old, new) in changed.items():
        setattr(preference, key, new)
    preference.save()
    participant.results_preference = preference
    audit_record(
        action="results.preference.set",
        actor=actor,
        participant=locked,
        target=preference,
        data={"changed": changed},
    )
    reports_advance(participant=locked)
    return preference
