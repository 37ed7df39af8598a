"""What the results app plugs into the participant side's hooks (portal.hooks).

`participants` never imports `results`: a merge of duplicate accounts, the participant's
copy of their data and the kit tracker reach DNA samples and reports through these
functions, registered in results.apps.
"""

from django.db.models import Q

from participants.fhir_bundle import add_report, document_reference
from participants.models import Participant, WithdrawalTier
from results.documents import document_bytes, document_render
from results.models import RecontactTask, Report, ReportDocument, Sample
from results.selectors import SHOWN, preference_for, results_allowed


# --- duplicate accounts merged ---------------------------------------------------------
def move_samples(*, keep: Participant, retire: Participant) -> int:
    # Reports are numbered per participant and type: when the kept account has DNA
    # results of its own, they stand and the other account's stay where they are
    # (the audit row shows 0 moved); a laboratory sample is one person's either way.
    if (
        Sample.objects.filter(participant=keep).exists()
        or Report.objects.filter(participant=keep).exists()
    ):
        return 0
    moved = Sample.objects.filter(participant=retire).update(participant=keep)
    Report.objects.filter(participant=retire).update(participant=keep)
    RecontactTask.objects.filter(Q(participant=retire)).update(participant=keep)
    return moved


# --- "Download my data" -----------------------------------------------------------------
def _shown_reports(participant: Participant) -> list:
    if not results_allowed(participant):
        return []
    preference = preference_for(participant)
    reports = (
        Report.objects.filter(participant=participant, state__in=SHOWN)
        .select_related("interpretation")
        .order_by("report_type", "-version")
    )
    return [r for r in reports if preference.wants(r.report_type)]


def data_export_reports(*, participant, tier, language, builder, files, subject) -> dict:
    """The released reports the participant wants: FHIR resources and their PDFs.

    Nothing for a participant withdrawn from further use (tier 2 and 3)."""
    counts = {"reports": 0, "documents": 0}
    if tier >= WithdrawalTier.NO_FURTHER_USE:
        return counts
    for report in _shown_reports(participant):
        data = (report.interpretation.result or {}).get(report.report_type)
        label = str(report.get_report_type_display())
        report_ref, _resource = add_report(
            builder, report=report, data=data, subject=subject, label=label
        )
        counts["reports"] += 1
        document = document_render(
            report=report, kind=ReportDocument.Kind.REPORT, language=language
        )
        path = f"documents/report-{report.report_type}-v{report.version}-{language}.pdf"
        files[path] = document_bytes(document)
        builder.add(
            document_reference(
                subject=subject,
                path=f"../{path}",
                title=label,
                kind="report",
                created=(report.released_at or report.created).isoformat(),
                size=len(files[path]),
                related=report_ref,
            )
        )
        counts["documents"] += 1
    return counts


# --- kit tracker -------------------------------------------------------------------------
def kit_progress(participant, since):
    """(first sample read after `since`, first report released after that), or None."""
    results_at = None
    sample_at = (
        Sample.objects.filter(participant=participant, created__gte=since)
        .order_by("created")
        .values_list("created", flat=True)
        .first()
    )
    if sample_at:
        results_at = (
            Report.objects.filter(participant=participant, released_at__gte=sample_at)
            .order_by("released_at")
            .values_list("released_at", flat=True)
            .first()
        )
    return sample_at, results_at
