"""Interpretation work: queue, claim (conditional updates, so a redelivered task does nothing
twice) and run the engine on one sample.

Each service writes its audit row in its own transaction; tasks (`results/tasks.py`)
only take ids and call these.
"""

import contextlib
import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from participants.consent.campaigns.data_use import not_paused
from portal.audit import audit_record
from portal.outbox import outbox_enqueue
from portal.private_files import local_copy
from results import release_policy
from results.engine.interpretation import interpret_vcf
from results.engine.outside_calls import OutsideCallError
from results.engine.vcf_intake import VcfIntakeError
from results.models import (
    DiseaseRiskFinding,
    Interpretation,
    Sample,
    Sequencing,
)
from results.releases import clinvar_for

# A claim older than the hard task time limit belongs to a worker that died.
STALE_CLAIM = dt.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 900) + 60)


def interpretations_queue(*, interpretation_ids: Iterable[int]) -> None:
    for pk in interpretation_ids:
        outbox_enqueue(task_name="results.tasks.interpret_sample", args=[pk])


def _claimable(token: str) -> Q:
    stale = timezone.now() - STALE_CLAIM
    claimable = Q(state=Interpretation.State.PENDING) | Q(
        state=Interpretation.State.RUNNING, claimed_at__lt=stale
    )
    if token:
        claimable |= Q(state=Interpretation.State.RUNNING, claim_token=token)
    return claimable & not_paused("sample__participant")  # held until they re-consent


def interpretation_claim(*, interpretation_id: int, token: str = "") -> bool:
    """pending → running (or a stale claim, or our own from before a crash) with a
    conditional update. True when we hold it."""
    return bool(
        Interpretation.objects.filter(pk=interpretation_id)
        .filter(_claimable(token))
        .update(
            state=Interpretation.State.RUNNING,
            claimed_at=timezone.now(),
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    )


def interpretation_claim_batch(*, release_id: int, size: int, token: str = "") -> list[int]:
    """Claims up to `size` interpretations of a release for one batch task.

    A redelivered batch (same task id = `token`) first takes back the rows it held.
    """
    with transaction.atomic():
        ids = list(
            Interpretation.objects.select_for_update(skip_locked=True)
            .filter(release_id=release_id)
            .filter(_claimable(token))
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        Interpretation.objects.filter(pk__in=ids).update(
            state=Interpretation.State.RUNNING,
            claimed_at=timezone.now(),
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    return ids


def _fail(interpretation: Interpretation, message: str) -> None:
    with transaction.atomic():
        updated = Interpretation.objects.filter(
            pk=interpretation.pk, state=Interpretation.State.RUNNING
        ).update(state=Interpretation.State.FAILED, error=message[:500], finished_at=timezone.now())
        if updated:
            Sample.objects.filter(pk=interpretation.sample_id).exclude(
                state=Sample.State.CANCELLED
            ).update(state=Sample.State.FAILED, failure_reason=message[:500])
            audit_record(
                action="results.interpretation.failed",
                target=interpretation,
                participant=interpretation.sample.participant,
                data={"error": message[:200]},
            )


def interpretation_execute(*, interpretation_id: int) -> bool:
    """Runs the engine for a claimed interpretation and stores the findings.

    Returns True when findings were stored (the caller then builds the reports). A cancelled
    row (withdrawal meanwhile) is left cancelled: the result is dropped, never stored.
    """
    interpretation = Interpretation.objects.select_related("sample__participant", "release").get(
        pk=interpretation_id
    )
    if interpretation.state != Interpretation.State.RUNNING:
        return False
    sample = interpretation.sample
    try:
        # On object storage (several hosts) the files are copied to temporary files first.
        with contextlib.ExitStack() as stack:
            path = stack.enter_context(local_copy(sample.vcf_name))
            side = {
                name: stack.enter_context(local_copy(stored)) if stored else None
                for name, stored in (
                    ("outside_calls", sample.outside_calls_name),
                    ("array_genotypes", sample.array_genotypes_name),
                )
            }
            result = interpret_vcf(
                path,
                sample=sample.sample_id,
                sex=sample.sex or None,
                clinvar=clinvar_for(interpretation.release),
                absent_is_reference=sample.absent_is_reference,
                outside_calls=side["outside_calls"],
                declared_wgs=sample.sequencing == Sequencing.WGS,
                array_genotypes=side["array_genotypes"],
            )
    except (VcfIntakeError, OutsideCallError) as error:
        # a bad VCF, outside-call or array file fails this sample with its one-line reason
        message = str(error)
        if "is not in the VCF" in message:
            message = (
                f"The VCF's sample id does not match the manifest's sample id "
                f"{sample.sample_id!r}: {message}"
            )
        _fail(interpretation, message)
        return False
    stamp = result["knowledge_base"]["release"]
    if stamp != interpretation.release.release:
        # The worker's knowledge files differ from the registered release: refuse to mix.
        _fail(interpretation, f"worker knowledge base {stamp} is not {interpretation.release}")
        return False
    with transaction.atomic():
        updated = Interpretation.objects.filter(
            pk=interpretation.pk, state=Interpretation.State.RUNNING
        ).update(
            state=Interpretation.State.DONE,
            result=result,
            error="",
            finished_at=timezone.now(),
            qc_status=release_policy.qc_status(result),
        )
        if not updated:
            return False
        DiseaseRiskFinding.objects.bulk_create(
            [
                DiseaseRiskFinding(
                    interpretation=interpretation,
                    gene=f["gene"],
                    variant=f["variant"],
                    hgvs=f.get("hgvs") or "",
                    zygosity=f.get("zygosity") or "",
                    classification=f.get("classification") or "",
                    review_status=f.get("review_status") or "",
                    stars=f.get("stars"),
                    condition=(f.get("condition") or "")[:500],
                    clinvar_id=f.get("clinvar_id") or "",
                    rule=f.get("rule") or "",
                )
                for f in result["disease_risk"]
            ],
            ignore_conflicts=True,
        )
        Sample.objects.filter(
            pk=sample.pk, state__in=[Sample.State.RECEIVED, Sample.State.FAILED]
        ).update(state=Sample.State.INTERPRETED, failure_reason="")
        audit_record(
            action="results.interpretation.done",
            target=interpretation,
            participant=sample.participant,
            data={
                "release": interpretation.release.release,
                "disease_risk": len(result["disease_risk"]),
                "qc": release_policy.qc_status(result),
            },
        )
    return True
