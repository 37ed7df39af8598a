"""From an interpretation to reports: create one per type, check its content builds, and move
ready reports on as far as the participant's choices allow.

Each service writes its audit row in its own transaction; tasks (`results/tasks.py`)
only take ids and call these.
"""

import hashlib
import json
from typing import Any

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from participants.consent.campaigns.data_use import data_use_paused
from participants.consent.models import Decision
from participants.consent.selectors import current_decision
from participants.models import Participant, User, WithdrawalTier
from participants.notifications import email_participant
from portal.audit import audit_record
from results import release_policy
from results.documents import report_context
from results.models import (
    Interpretation,
    RecontactTask,
    Report,
    ReportState,
    ReportType,
)
from results.reports.genes import harmonise
from results.selectors import preference_for, results_allowed
from results.services.report_states import LIVE, ReportTransitionError, report_transition

S = ReportState


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
        notify_results_ready(participant)


def notify_results_ready(participant: Participant) -> None:
    email_participant(participant=participant, template="result_ready", context={})
