"""The results pipeline under a “pause data use until re-consent” campaign.

The gates themselves are one call each in `results/services/` (claiming an
interpretation, building reports, moving a report towards the participant), into
`participants/consent/campaigns/data_use.py`. While paused, an interpretation stays
`pending`, a finished one keeps `reports_built_at` empty and a report stays where it
was: nothing is dropped. This module picks that work up again when the pause lifts.
"""

from typing import Any

from django.db.models import Q

from participants.models import Participant
from results.models import Interpretation
from results.services.interpretation_queue import interpretations_queue
from results.services.report_building import reports_advance


def held_interpretation_ids(participant: Participant) -> list[int]:
    """Interpretations the pause held: never claimed, or finished without their reports."""
    return list(
        Interpretation.objects.filter(sample__participant=participant)
        .filter(
            Q(state=Interpretation.State.PENDING)
            | Q(state=Interpretation.State.DONE, reports_built_at__isnull=True)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def results_resume(*, participant: Participant, actor: Any = None) -> list[int]:
    """Resume hook: queues the held interpretations and moves ready reports on.

    `interpret_sample` claims a pending row and interprets it, or, for a finished one,
    builds its reports (then `reports_advance`), so one task covers both. The queue is the
    outbox, committed with the signature. Returns the interpretation ids queued.
    """
    held = held_interpretation_ids(participant)
    interpretations_queue(interpretation_ids=held)
    # Reports built before the pause and held on their way to the participant.
    reports_advance(participant=Participant.objects.select_for_update().get(pk=participant.pk))
    return held
