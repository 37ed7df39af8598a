"""Re-interpretation against a new knowledge-base release, queued through the outbox.

Each service writes its audit row in its own transaction; tasks (`results/tasks.py`)
only take ids and call these.
"""

from typing import Any

from django.db import transaction

from participants.models import WithdrawalTier
from portal.audit import audit_record
from portal.outbox import outbox_enqueue
from results.models import Interpretation, KnowledgeBaseRelease, Sample


def reinterpretation_start(
    *, release: KnowledgeBaseRelease, actor: Any = None, batch_size: int = 25, parallel: int = 2
) -> int:
    """Queues every sample for the release. Resumable: run it again to pick up leftovers.

    Creates the missing (sample, release) rows as `pending` (never twice: unique), then
    queues `parallel` batch tasks through the outbox; each claims `batch_size` rows with a
    conditional update and queues the next batch until none is left.
    """
    with transaction.atomic():
        samples = (
            Sample.objects.filter(state__in=[Sample.State.INTERPRETED, Sample.State.RECEIVED])
            .exclude(participant__withdrawal_tier__gte=WithdrawalTier.NO_FURTHER_USE)
            .exclude(interpretations__release=release)
            .values_list("pk", flat=True)
        )
        created = 0
        batch: list[Interpretation] = []
        for pk in samples.iterator(chunk_size=2000):
            batch.append(Interpretation(sample_id=pk, release=release))
            if len(batch) >= 2000:
                created += len(Interpretation.objects.bulk_create(batch, ignore_conflicts=True))
                batch = []
        if batch:
            created += len(Interpretation.objects.bulk_create(batch, ignore_conflicts=True))
        audit_record(
            action="results.reinterpretation.start",
            actor=actor,
            target=release,
            data={"queued": created},
        )
        # Through the outbox: the messages commit with the rows, so a broker outage delays
        # the re-interpretation and never strands it (portal.outbox re-sends them).
        for _ in range(parallel):
            outbox_enqueue(
                task_name="results.tasks.reinterpret_batch", args=[release.pk, batch_size]
            )
    return created
