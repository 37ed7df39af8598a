"""Writes of the results app: interpretation, reports and their states, preferences.

Every report state change goes through `report_transition` and its table `TRANSITIONS`.
Each service writes its audit row in its own transaction; tasks (`results/tasks.py`)
only take ids and call these.
"""

import contextlib
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from participants.consent.campaigns.data_use import data_use_paused, not_paused
from participants.models import Participant, User, WithdrawalTier
from portal.audit import audit_record
from portal.outbox import outbox_enqueue
from portal.private_files import local_copy
from results import release_policy
from results.engine.interpretation import interpret_vcf
from results.engine.outside_calls import OutsideCallError
from results.engine.vcf_intake import VcfIntakeError
from results.models import (
    Choice,
    CounsellingContact,
    DiseaseRiskFinding,
    Interpretation,
    KnowledgeBaseRelease,
    QcDecision,
    RecontactTask,
    Report,
    ReportFragment,
    ReportState,
    ReportType,
    ReportView,
    ResultsPreference,
    Sample,
    Sequencing,
)
from results.releases import clinvar_for
from results.reports.genes import harmonise

log = logging.getLogger(__name__)
S = ReportState

# A claim older than the hard task time limit belongs to a worker that died.
STALE_CLAIM = dt.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 900) + 60)


# ==================================================================== the state machine
class ReportTransitionError(Exception):
    """A refused report state change. `code` says which rule refused it."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


SYSTEM = "system"  # the pipeline itself: actor is None
COUNSELLOR = "counsellor"  # results.review_report, the assigned counsellor (or unassigned)
RELEASER = "releaser"  # results.release_report, and not the reviewer
PARTICIPANT = "participant"  # the report's own participant

LIVE = (S.PENDING, S.READY, S.NEEDS_REVIEW, S.REVIEWED, S.RELEASED, S.VIEWED)
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PENDING, S.READY): SYSTEM,
    (S.READY, S.RELEASED): SYSTEM,  # PGx, traits, negative disease risk: on opt-in
    (S.READY, S.NEEDS_REVIEW): SYSTEM,  # positive disease risk
    (S.NEEDS_REVIEW, S.REVIEWED): COUNSELLOR,
    (S.REVIEWED, S.RELEASED): RELEASER,
    (S.RELEASED, S.VIEWED): PARTICIPANT,
    **{(state, S.SUPERSEDED): SYSTEM for state in LIVE},
    **{(state, S.WITHHELD): SYSTEM for state in LIVE},
    # gror given again after a withdrawal: the report goes through release (and review) anew.
    (S.WITHHELD, S.READY): SYSTEM,
}


def _check_actor(report: Report, role: str, actor: Any, to_state: str) -> None:
    if role == SYSTEM:
        if actor is not None:
            raise ReportTransitionError(
                "Only the results pipeline makes this change.", code="system"
            )
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ReportTransitionError("A signed-in person must make this change.", code="actor")
    if role == PARTICIPANT:
        if actor.pk != report.participant.user_id:
            raise ReportTransitionError("Only the participant can do this.", code="participant")
        return
    if not actor.is_active or not actor.is_staff:
        raise ReportTransitionError("Only active staff can do this.", code="staff")
    if role == COUNSELLOR:
        if not actor.has_perm("results.review_report"):
            raise ReportTransitionError("Only a genetic counsellor can review.", code="permission")
        if report.assigned_counsellor_id not in (None, actor.pk):
            raise ReportTransitionError("This review is assigned to someone else.", code="assigned")
    elif role == RELEASER:
        if not actor.has_perm("results.release_report"):
            raise ReportTransitionError("You cannot release reports.", code="permission")
        if report.reviewed_by_id == actor.pk:
            raise ReportTransitionError(
                "A second person must release a report you reviewed.", code="same_person"
            )


# Moves towards the participant: refused while the sample's QC holds it.
TOWARDS_PARTICIPANT = {
    (S.READY, S.RELEASED),
    (S.READY, S.NEEDS_REVIEW),
    (S.NEEDS_REVIEW, S.REVIEWED),
    (S.REVIEWED, S.RELEASED),
}


def _check_guards(report: Report, to_state: str) -> None:
    if (report.state, to_state) in TOWARDS_PARTICIPANT and data_use_paused(report.participant):
        raise ReportTransitionError(
            "A re-consent campaign pauses this participant's data use.", code="consent_paused"
        )
    if (report.state, to_state) in TOWARDS_PARTICIPANT:
        interpretation = report.interpretation
        if release_policy.qc_holds(interpretation.qc_status, interpretation.qc_decision):
            raise ReportTransitionError(
                "This sample's quality control is on hold: a data manager must clear it.",
                code="qc_hold",
            )
    if report.state == S.READY and to_state == S.RELEASED and report.requires_review:
        raise ReportTransitionError(
            "This report needs a counsellor's review first.", code="needs_review"
        )
    if report.state == S.READY and to_state == S.NEEDS_REVIEW and not report.requires_review:
        raise ReportTransitionError("This report does not need a review.", code="no_review")
    if to_state == S.REVIEWED and report.requires_confirmation and not report.confirmed:
        raise ReportTransitionError(
            "A positive finding needs a recorded confirmation by a CLIA laboratory first.",
            code="needs_confirmation",
        )


@transaction.atomic
def report_transition(
    *, report: Report, to_state: str, actor: Any = None, reason: str = ""
) -> Report:
    """The one way a report changes state. Raises ReportTransitionError when refused."""
    locked = (
        Report.objects.select_for_update(of=("self",))
        .select_related("participant", "interpretation")
        .get(pk=report.pk)
    )
    from_state = locked.state
    role = TRANSITIONS.get((from_state, to_state))
    if role is None:
        raise ReportTransitionError(
            f"A report cannot go from {from_state} to {to_state}.", code="not_allowed"
        )
    _check_actor(locked, role, actor, to_state)
    _check_guards(locked, to_state)
    now = timezone.now()
    locked.state = to_state
    if to_state == S.REVIEWED:
        locked.reviewed_by, locked.reviewed_at = actor, now
    elif to_state == S.RELEASED:
        locked.released_by, locked.released_at = actor, now
        # A report released again (gror given back) carries a new date: render anew.
        ReportFragment.objects.filter(report=locked).delete()
        _queue_documents(locked.pk)
    elif to_state == S.VIEWED:
        locked.first_viewed_at = now
    elif to_state == S.READY and from_state == S.WITHHELD:
        locked.withheld_reason = ""
        locked.reviewed_by = locked.reviewed_at = locked.released_by = locked.released_at = None
    locked.save()
    locked.transitions.create(
        from_state=from_state, to_state=to_state, actor=actor, reason=reason[:200]
    )
    audit_record(
        action=f"results.report.{to_state}",
        actor=actor,
        participant=locked.participant,
        target=locked,
        data={"from": from_state, "to": to_state, "reason": reason[:200]},
    )
    report.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def _queue_documents(report_id: int) -> None:
    # The outbox row commits with the report: a broker outage delays the PDF, never loses it.
    outbox_enqueue(task_name="results.tasks.render_report_documents", args=[report_id])


# ================================================================ who may see results
def results_allowed(participant: Participant) -> bool:
    """gror = yes and not withdrawn from further use: the gate before any per-type choice."""
    from participants.consent.selectors import gror_allows_results

    if participant.withdrawal_tier is not None and (
        participant.withdrawal_tier >= WithdrawalTier.NO_FURTHER_USE
    ):
        return False
    return gror_allows_results(participant)


def preference_for(participant: Participant) -> ResultsPreference:
    """The participant's choices; an unsaved all-"later" one when they never chose."""
    try:
        return participant.results_preference
    except ResultsPreference.DoesNotExist:
        return ResultsPreference(participant=participant)


# ============================================================================ opt-in
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


# ================================================================ work: interpretation
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


# ==================================================================== report building
def findings_slice(result: dict[str, Any], report_type: str) -> Any:
    """The part of the engine's JSON a report of this type shows (release stamps removed)."""
    if report_type == ReportType.PGX:
        return result["pgx"]
    if report_type == ReportType.TRAITS:
        return result["traits"]
    return sorted(
        (
            {k: v for k, v in f.items() if k != "knowledge_base_release"}
            for f in result["disease_risk"]
        ),
        key=lambda f: (f["gene"], f["variant"]),
    )


def fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _relevant_changes(previous: Report, result: dict[str, Any]) -> list[tuple[str, dict]]:
    """Clinically relevant differences between the previous report and new findings."""
    old = harmonise(previous.interpretation.result)
    changes: list[tuple[str, dict]] = []
    if previous.report_type == ReportType.DISEASE_RISK:
        before = {(f["gene"], f["variant"]) for f in old.get("disease_risk", [])}
        after = {(f["gene"], f["variant"]) for f in result["disease_risk"]}
        if after - before:
            changes.append(
                (RecontactTask.Reason.NEW_POSITIVE, {"added": sorted(map(list, after - before))})
            )
        if before - after:
            changes.append(
                (
                    RecontactTask.Reason.POSITIVE_TO_NEGATIVE,
                    {"removed": sorted(map(list, before - after))},
                )
            )
    elif previous.report_type == ReportType.PGX:
        diff = {}
        for gene, call in result["pgx"].items():
            was = (old.get("pgx", {}).get(gene) or {}).get("phenotype")
            if was != call.get("phenotype"):
                diff[gene] = [was, call.get("phenotype")]
        if diff:
            changes.append((RecontactTask.Reason.PGX_PHENOTYPE, {"phenotypes": diff}))
    return changes


def _counsellor_for_new_review() -> User | None:
    """The active counsellor with the fewest open reviews (None when there is none)."""
    perm = Permission.objects.filter(
        content_type__app_label="results", codename="review_report"
    ).first()
    return None if perm is None else _least_loaded_counsellor(perm)


def _least_loaded_counsellor(perm: Permission) -> User | None:
    candidates = list(
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm))
        .distinct()
        .values_list("pk", flat=True)
    )
    if not candidates:
        return None
    load = dict(
        Report.objects.filter(
            assigned_counsellor_id__in=candidates, state__in=[S.NEEDS_REVIEW, S.REVIEWED]
        )
        .values_list("assigned_counsellor_id")
        .annotate(n=Count("pk"))
        .values_list("assigned_counsellor_id", "n")
    )
    best = min(candidates, key=lambda pk: (load.get(pk, 0), pk))
    return User.objects.get(pk=best)


def _participant_withdrawn(participant: Participant) -> bool:
    return participant.withdrawal_tier is not None and (
        participant.withdrawal_tier >= WithdrawalTier.NO_FURTHER_USE
    )


def _gror_withdrawn(participant: Participant) -> bool:
    from participants.consent.models import Decision
    from participants.consent.selectors import current_decision

    return current_decision(participant, "gror") == Decision.WITHDRAWN


def reports_create_for(*, interpretation_id: int) -> list[int]:
    """Creates this interpretation's report versions where findings changed. Idempotent.

    Returns the ids of its reports still `pending` (to render). A re-run (a redelivered
    task) finds the reports it made before and creates nothing twice.
    """
    interpretation = Interpretation.objects.select_related("sample__participant", "release").get(
        pk=interpretation_id
    )
    if interpretation.state != Interpretation.State.DONE:
        return []
    participant = interpretation.sample.participant
    if _participant_withdrawn(participant) or _gror_withdrawn(participant):
        return []
    if data_use_paused(participant):
        return []  # reports_built_at stays empty: built when the pause lifts
    # Every report and the release policy read the same, consistent statement per gene.
    result = harmonise(interpretation.result)
    for report_type in ReportType.values:
        with transaction.atomic():
            # One builder per participant at a time: versions are numbered without gaps.
            Participant.objects.select_for_update().get(pk=participant.pk)
            if Report.objects.filter(
                interpretation=interpretation, report_type=report_type
            ).exists():
                continue
            if report_type == ReportType.DISEASE_RISK and not (
                release_policy.disease_risk_issued(result)
            ):
                continue  # no ClinVar release or no callability: nothing honest to say
            data = findings_slice(result, report_type)
            print_ = fingerprint(data)
            previous = (
                Report.objects.select_related("interpretation")
                .filter(participant=participant, report_type=report_type)
                .order_by("-version")
                .first()
            )
            if previous is not None:
                if previous.fingerprint == print_:
                    continue
                if previous.interpretation.release_id > interpretation.release_id:
                    continue  # findings from an older release arriving late
            reasons = release_policy.review_reasons(report_type, result)
            report = Report.objects.create(
                participant=participant,
                report_type=report_type,
                version=(previous.version + 1) if previous else 1,
                interpretation=interpretation,
                release=interpretation.release,
                fingerprint=print_,
                positive=report_type == ReportType.DISEASE_RISK and bool(data),
                review_required=bool(reasons),
                review_reasons=reasons,
            )
            audit_record(
                action="results.report.create",
                participant=participant,
                target=report,
                data={"type": report_type, "version": report.version},
            )
            if previous is None:
                continue
            seen_before = previous.state in (S.NEEDS_REVIEW, S.REVIEWED, S.RELEASED, S.VIEWED)
            if previous.state in LIVE:
                report_transition(
                    report=previous, to_state=S.SUPERSEDED, reason=f"replaced by v{report.version}"
                )
            Report.objects.filter(pk=previous.pk).update(superseded_by=report)
            if seen_before:
                for reason, details in _relevant_changes(previous, result):
                    task = RecontactTask.objects.create(
                        participant=participant,
                        report=report,
                        previous_report=previous,
                        reason=reason,
                        details=details,
                        assigned_to=previous.reviewed_by or previous.assigned_counsellor,
                    )
                    audit_record(
                        action="results.recontact.open",
                        participant=participant,
                        target=task,
                        data={"reason": reason},
                    )
    Interpretation.objects.filter(pk=interpretation.pk, reports_built_at__isnull=True).update(
        reports_built_at=timezone.now()
    )
    return list(
        Report.objects.filter(interpretation=interpretation, state=S.PENDING).values_list(
            "pk", flat=True
        )
    )


def report_prepare(*, report_id: int) -> bool:
    """Checks the report's content builds, then marks it ready. Idempotent.

    The PDFs carry the release date, so they are rendered on release (`documents_render`).
    """
    from results.documents import report_context

    report = Report.objects.select_related("participant", "interpretation").get(pk=report_id)
    if report.state != S.PENDING:
        return False
    report_context(report, language=report.participant.preferred_language)
    try:
        report_transition(report=report, to_state=S.READY, reason="content prepared")
    except ReportTransitionError:
        return False  # another run got there first (or a withdrawal withheld it)
    return True


def reports_build(*, interpretation_id: int) -> None:
    """Creates, renders and (where the participant allows) releases this sample's reports."""
    for report_id in reports_create_for(interpretation_id=interpretation_id):
        report_prepare(report_id=report_id)
    participant_id = (
        Interpretation.objects.filter(pk=interpretation_id)
        .values_list("sample__participant_id", flat=True)
        .first()
    )
    if participant_id is not None:
        with transaction.atomic():
            reports_advance(
                participant=Participant.objects.select_for_update().get(pk=participant_id)
            )


@transaction.atomic
def reports_advance(*, participant: Participant) -> None:
    """Moves `ready` reports on as far as the participant's choices allow.

    PGx, traits and negative disease risk are released when the participant said yes
    (gror and the type); a positive disease-risk report goes to a counsellor instead.
    Reports withheld because gror was withdrawn come back when gror is yes again.
    """
    if not results_allowed(participant) or data_use_paused(participant):
        return
    preference = preference_for(participant)
    withheld = Report.objects.filter(
        participant=participant,
        state=S.WITHHELD,
        withheld_reason="gror_withdrawn",
        superseded_by__isnull=True,
    )
    for report in withheld:
        report_transition(report=report, to_state=S.READY, reason="gror given again")
    released = False
    for report in (
        Report.objects.filter(participant=participant, state=S.READY)
        .select_related("interpretation")
        .order_by("pk")
    ):
        if not preference.wants(report.report_type):
            continue
        held = report.interpretation
        if release_policy.qc_holds(held.qc_status, held.qc_decision):
            continue  # waits for a data manager's QC decision
        if report.requires_review:
            report.assigned_counsellor = _counsellor_for_new_review()
            report.save(update_fields=["assigned_counsellor"])
            report_transition(
                report=report,
                to_state=S.NEEDS_REVIEW,
                reason="; ".join(report.review_reasons) or "positive finding",
            )
        else:
            report_transition(report=report, to_state=S.RELEASED, reason="participant opted in")
            released = True
    if released:
        _notify_ready(participant)


def _notify_ready(participant: Participant) -> None:
    from participants.notifications import email_participant

    email_participant(participant=participant, template="result_ready", context={})


# ============================================================ counsellor and release
def report_review(*, report: Report, actor: Any, note: str = "") -> Report:
    with transaction.atomic():
        report = report_transition(
            report=report, to_state=S.REVIEWED, actor=actor, reason="reviewed"
        )
        report.review_note = note[:5000]
        report.save(update_fields=["review_note"])
    return report


def report_release(*, report: Report, actor: Any) -> Report:
    """A second person releases a reviewed report; the participant is told it is ready."""
    with transaction.atomic():
        report = report_transition(
            report=report, to_state=S.RELEASED, actor=actor, reason="released"
        )
        _notify_ready(report.participant)
    return report


@transaction.atomic
def counselling_contact_record(
    *,
    report: Report,
    actor: Any,
    status: str,
    scheduled_for: dt.datetime | None = None,
    note: str = "",
) -> CounsellingContact:
    if not actor.has_perm("results.review_report"):
        raise ReportTransitionError(
            "Only a genetic counsellor records contacts.", code="permission"
        )
    if status not in CounsellingContact.Status.values:
        raise ValueError(f"not a contact status: {status!r}")
    contact = CounsellingContact.objects.create(
        report=report,
        counsellor=actor,
        status=status,
        scheduled_for=scheduled_for,
        note=note[:5000],
    )
    audit_record(
        action="results.counselling.contact",
        actor=actor,
        participant=report.participant,
        target=contact,
        data={"status": status},
    )
    return contact


@transaction.atomic
def recontact_task_close(*, task: RecontactTask, actor: Any, done: bool = True) -> RecontactTask:
    if not actor.has_perm("results.review_report"):
        raise ReportTransitionError(
            "Only a genetic counsellor closes re-contacts.", code="permission"
        )
    updated = RecontactTask.objects.filter(pk=task.pk, state=RecontactTask.State.OPEN).update(
        state=RecontactTask.State.DONE if done else RecontactTask.State.CANCELLED,
        closed_at=timezone.now(),
    )
    if updated:
        audit_record(
            action="results.recontact.close", actor=actor, participant=task.participant, target=task
        )
    task.refresh_from_db()
    return task


# ======================================================================== viewing
@transaction.atomic
def report_view_record(
    *, report: Report, participant: Participant, fmt: str, language: str
) -> ReportView:
    """Every view by the participant is an event; the first one marks the report viewed."""
    view = ReportView.objects.create(
        report=report, participant=participant, format=fmt, language=language[:2]
    )
    if report.state == S.RELEASED:
        # A concurrent view (another tab) may have marked it first.
        with contextlib.suppress(ReportTransitionError):
            report_transition(
                report=report, to_state=S.VIEWED, actor=participant.user, reason=f"viewed ({fmt})"
            )
    return view


# ============================================================ withdrawal and gror
@transaction.atomic
def results_withhold_all(*, participant: Participant, reason: str, actor: Any = None) -> int:
    """Hides every report and cancels queued work. Idempotent. Returns reports withheld."""
    reports = list(Report.objects.filter(participant=participant, state__in=LIVE).order_by("pk"))
    for report in reports:
        report_transition(report=report, to_state=S.WITHHELD, reason=reason)
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(withheld_reason=reason)
    if reason == "enrollment_withdrawn":
        # A later gror "yes" must not bring these back.
        Report.objects.filter(participant=participant, state=S.WITHHELD).update(
            withheld_reason=reason
        )
    cancelled = Interpretation.objects.filter(
        sample__participant=participant,
        state__in=[Interpretation.State.PENDING, Interpretation.State.RUNNING],
    ).update(state=Interpretation.State.CANCELLED, finished_at=timezone.now())
    if reason == "enrollment_withdrawn":
        Sample.objects.filter(participant=participant).exclude(state=Sample.State.CANCELLED).update(
            state=Sample.State.CANCELLED
        )
    RecontactTask.objects.filter(participant=participant, state=RecontactTask.State.OPEN).update(
        state=RecontactTask.State.CANCELLED, closed_at=timezone.now()
    )
    audit_record(
        action="results.withhold_all",
        actor=actor,
        participant=participant,
        data={"reason": reason, "reports": len(reports), "cancelled_work": cancelled},
    )
    return len(reports)


def gror_withdrawn_hook(*, participant: Participant, actor: Any = None) -> None:
    """Consent hook: gror withdrawn or changed away from yes."""
    results_withhold_all(participant=participant, reason="gror_withdrawn", actor=actor)


def withdrawal_effect(*, participant: Participant, tier: int, actor: Any = None) -> None:
    """Enrollment withdrawal effect: tier 2+ (no further use) hides and cancels everything."""
    if tier >= WithdrawalTier.NO_FURTHER_USE:
        results_withhold_all(participant=participant, reason="enrollment_withdrawn", actor=actor)


# ==================================================================== re-interpretation
def reinterpretation_start(
    *, release: KnowledgeBaseRelease, actor: Any = None, batch_size: int = 25, parallel: int = 2
) -> int:
    """Queues every sample for the release. Resumable: run it again to pick up leftovers.

    Creates the missing (sample, release) rows as `pending` (never twice: unique), then
    queues `parallel` batch tasks; each claims `batch_size` rows with a conditional
    update and queues the next batch until none is left.
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
        from results.tasks import reinterpret_batch

        release_id = release.pk
        transaction.on_commit(
            lambda: [reinterpret_batch.delay(release_id, batch_size) for _ in range(parallel)]
        )
    return created


# ===================================================================== reminders
def counselling_reminders_due(*, now: dt.datetime) -> list[int]:
    """Reports waiting on a counsellor whose participant has not booked a conversation."""
    cutoff = now - dt.timedelta(days=settings.REMINDER_INTERVAL_DAYS)
    return list(
        Report.objects.filter(state__in=[S.NEEDS_REVIEW, S.REVIEWED], created__lte=now)
        .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=cutoff))
        .exclude(contacts__status__in=list(CounsellingContact.Status.values))
        .values_list("pk", flat=True)[:5000]
    )


def counselling_reminder_send(*, report_id: int, now: dt.datetime) -> bool:
    """Claims this week's reminder (conditional update) and queues the e-mail."""
    cutoff = now - dt.timedelta(days=settings.REMINDER_INTERVAL_DAYS)
    with transaction.atomic():
        claimed = (
            Report.objects.filter(pk=report_id, state__in=[S.NEEDS_REVIEW, S.REVIEWED])
            .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=cutoff))
            .update(last_reminder_at=now)
        )
        if not claimed:
            return False
        report = Report.objects.select_related("participant").get(pk=report_id)
        if not results_allowed(report.participant):
            return False
        from participants.notifications import email_participant

        email_participant(
            participant=report.participant, template="result_counselling_reminder", context={}
        )
        audit_record(
            action="results.counselling.reminder", participant=report.participant, target=report
        )
    return True


# ================================================================ QC hold, confirmation
class PolicyError(Exception):
    """A data manager's decision refused (permission, state or a missing reason)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def _require_data_manager(actor: Any) -> None:
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or not actor.is_active
        or not actor.is_staff
        or not actor.has_perm("results.manage_samples")
    ):
        raise PolicyError("Only a data manager can do this.", code="permission")


@transaction.atomic
def interpretation_qc_decide(
    *, interpretation: Interpretation, actor: Any, decision: str, reason: str
) -> Interpretation:
    """A data manager clears or rejects a sample whose QC is `review` or `fail`.

    Cleared: its reports move on as the participant's choices allow. Rejected: every live
    report of the interpretation is withheld for good and the sample is marked failed.
    """
    _require_data_manager(actor)
    reason = (reason or "").strip()
    if decision not in QcDecision.values:
        raise PolicyError(f"not a QC decision: {decision!r}", code="decision")
    if len(reason) < 5:
        raise PolicyError("Give a reason (a few words at least).", code="reason")
    locked = (
        Interpretation.objects.select_for_update(of=("self",))
        .select_related("sample__participant")
        .get(pk=interpretation.pk)
    )
    if locked.qc_status not in release_policy.QC_HOLD_STATUSES or locked.qc_decision:
        raise PolicyError("This sample is not waiting for a QC decision.", code="state")
    locked.qc_decision = decision
    locked.qc_decided_by = actor
    locked.qc_decided_at = timezone.now()
    locked.qc_reason = reason[:500]
    locked.save(update_fields=["qc_decision", "qc_decided_by", "qc_decided_at", "qc_reason"])
    participant = locked.sample.participant
    audit_record(
        action=f"results.qc.{decision}",
        actor=actor,
        participant=participant,
        target=locked,
        data={"qc": locked.qc_status, "reason": reason[:200]},
    )
    if decision == QcDecision.REJECTED:
        for report in Report.objects.filter(interpretation=locked, state__in=LIVE):
            report_transition(report=report, to_state=S.WITHHELD, reason="QC rejected")
        Report.objects.filter(interpretation=locked, state=S.WITHHELD).update(
            withheld_reason="qc_rejected"
        )
        Sample.objects.filter(pk=locked.sample_id).exclude(state=Sample.State.CANCELLED).update(
            state=Sample.State.FAILED, failure_reason=f"QC rejected: {reason}"[:500]
        )
    else:
        Participant.objects.select_for_update().get(pk=participant.pk)
        reports_advance(participant=participant)
    interpretation.__dict__.update(
        {k: v for k, v in locked.__dict__.items() if not k.startswith("_")}
    )
    return locked


@transaction.atomic
def report_confirmation_record(
    *, report: Report, actor: Any, lab: str, accession: str, confirmed_on: dt.date
) -> Report:
    """Records the orthogonal confirmation of a positive finding (a CLIA lab's test)."""
    _require_data_manager(actor)
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if not locked.requires_confirmation:
        raise PolicyError("This report has no finding to confirm.", code="not_positive")
    if locked.state not in (S.NEEDS_REVIEW, S.READY, S.PENDING):
        raise PolicyError("This report is past review.", code="state")
    accession, lab = accession.strip(), lab.strip()
    if not accession or not lab:
        raise PolicyError("The laboratory and its accession number are required.", code="reason")
    if confirmed_on > timezone.localdate():
        raise PolicyError("The confirmation date is in the future.", code="date")
    before = {"accession": locked.confirmation_accession, "date": str(locked.confirmation_date)}
    locked.confirmation_lab = lab[:200]
    locked.confirmation_accession = accession[:64]
    locked.confirmation_date = confirmed_on
    locked.confirmation_by = actor
    locked.confirmation_at = timezone.now()
    locked.save(
        update_fields=[
            "confirmation_lab",
            "confirmation_accession",
            "confirmation_date",
            "confirmation_by",
            "confirmation_at",
        ]
    )
    audit_record(
        action="results.report.confirmation",
        actor=actor,
        participant=locked.participant,
        target=locked,
        data={
            "before": before,
            "after": {"lab": lab[:200], "accession": accession[:64], "date": str(confirmed_on)},
        },
    )
    report.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked
