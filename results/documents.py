"""Report documents: the renderer (`results/reports/`) wired to reports and private storage.

PDFs carry the release date, so they are rendered when a report is released (a task) and
kept per (report, kind, language); a download in a language not rendered yet is rendered
once on first request and kept.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.safestring import mark_safe

from results import reports
from results.models import Report, ReportDocument, ReportFragment, ReportState, ReportType

LANGUAGES = ("en", "es")
RELEASED_STATES = (ReportState.RELEASED, ReportState.VIEWED)
# Private-storage folder of rendered PDFs (swept for orphans: results.apps).
REPORTS_FOLDER = "reports/"

# Called with (report, kind, language) just before each PDF is rendered. Empty in
# production; the fault-injection test installs a sleep here to kill a worker mid-render.
before_render_hooks: list[Callable[..., None]] = []


def report_context(report: Report, *, language: str) -> dict[str, Any]:
    """The renderer's context for this report; a draft (no date) until released."""
    released_on = timezone.localdate(report.released_at) if report.released_at else None
    return reports.build_report_context(
        report_type=report.report_type,
        interpretation=report.interpretation.result,
        language=language,
        participant_id=report.participant.participant_id,
        released_on=released_on,
        report_version=report.version,
        provenance=report_provenance(report),
    )


def report_provenance(report: Report) -> dict[str, Any]:
    """What the manifest said about the lab, and a recorded confirmation, for the report."""
    sample = report.interpretation.sample
    confirmation = {}
    if report.confirmed:
        confirmation = {
            "lab": report.confirmation_lab,
            "accession": report.confirmation_accession,
            "date": report.confirmation_date.isoformat() if report.confirmation_date else "",
        }
    return {
        "lab_name": sample.lab_name,
        "clia_number": sample.clia_number,
        "cap_number": sample.cap_number,
        "sequencing": sample.sequencing,
        "absent_is_reference": sample.absent_is_reference,
        "confirmation": confirmation,
    }


def report_html(report: Report, *, language: str) -> str:
    return reports.render_report_html(report_context(report, language=language))


def report_fragment(report: Report, *, language: str) -> str:
    """The released version's page body, rendered once per language and then served stored.

    Drafts (staff review) are rendered each time: their text changes on release.
    """
    if report.state not in RELEASED_STATES or report.released_at is None:
        return report_html(report, language=language)
    if "stored_html" in report.__dict__:  # fetched with the report (selectors.report_for_user)
        stored = report.stored_html
    else:
        stored = (
            ReportFragment.objects.filter(report=report, language=language)
            .values_list("html", flat=True)
            .first()
        )
    if stored is not None:
        # Rendered by our own templates (autoescaped) and never edited: safe as stored.
        return mark_safe(stored)  # noqa: S308
    html = report_html(report, language=language)
    ReportFragment.objects.bulk_create(
        [ReportFragment(report=report, language=language, html=html)], ignore_conflicts=True
    )
    return html


def report_fragments_store(*, report: Report) -> int:
    """Renders a released version's page in every language (the release task calls this)."""
    return sum(1 for language in LANGUAGES if report_fragment(report, language=language))


PDF_RENDERERS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    ReportDocument.Kind.REPORT: reports.render_report_pdf,
    ReportDocument.Kind.FAMILY_LETTER: reports.render_family_letter_pdf,
    ReportDocument.Kind.CLINICIAN_LETTER: reports.render_clinician_letter_pdf,
}


def kinds_for(report: Report) -> list[str]:
    kinds = [ReportDocument.Kind.REPORT]
    # Letters are for a positive disease-risk finding (an actionable PGx report is reviewed
    # too, but it has no family or clinician letter).
    if report.report_type == ReportType.DISEASE_RISK and report.positive:
        kinds += [ReportDocument.Kind.FAMILY_LETTER, ReportDocument.Kind.CLINICIAN_LETTER]
    return kinds


def _file_name(report: Report, kind: str, language: str) -> str:
    return (
        f"{REPORTS_FOLDER}{report.participant.research_id}/"
        f"{report.report_type}-v{report.version}-{report.pk}-{kind}-{language}.pdf"
    )


def document_render(*, report: Report, kind: str, language: str) -> ReportDocument:
    """Renders one PDF and stores it under a fixed name. Safe to repeat (overwrites)."""
    existing = ReportDocument.objects.filter(report=report, kind=kind, language=language).first()
    if existing is not None:
        return existing
    for hook in before_render_hooks:
        hook(report=report, kind=kind, language=language)
    context = report_context(report, language=language)
    pdf = PDF_RENDERERS[kind](context)
    storage = storages["private"]
    name = _file_name(report, kind, language)
    if storage.exists(name):
        storage.delete(name)  # a half-written file from a killed worker
    stored = storage.save(name, ContentFile(pdf))
    try:
        with transaction.atomic():
            return ReportDocument.objects.create(
                report=report,
                kind=kind,
                language=language,
                file_name=stored,
                sha256=hashlib.sha256(pdf).hexdigest(),
            )
    except IntegrityError:
        # Rendered twice at once (two requests): keep the first, drop ours.
        if stored != name:
            storage.delete(stored)
        return ReportDocument.objects.get(report=report, kind=kind, language=language)


def documents_render(*, report_id: int, languages: list[str] | None = None) -> int:
    """Renders the PDFs of a released report; by default in its participant's language."""
    report = Report.objects.select_related("participant", "interpretation__sample").get(
        pk=report_id
    )
    if report.state not in RELEASED_STATES:
        return 0
    report_fragments_store(report=report)
    wanted = languages or [report.participant.preferred_language]
    count = 0
    for language in wanted:
        for kind in kinds_for(report):
            document_render(report=report, kind=kind, language=language)
            count += 1
    return count


def document_bytes(document: ReportDocument) -> bytes:
    with storages["private"].open(document.file_name, "rb") as handle:
        return handle.read()
