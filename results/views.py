"""Participant pages under /me/results/: tracker, choices, report page, PDFs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from participants.decorators import participant_activate, participant_required
from participants.models import JourneyState
from portal.i18n import content_language
from results.documents import document_bytes, document_render, report_fragment
from results.forms import ResultsPreferenceForm
from results.models import Report, ReportDocument, ReportType
from results.selectors import (
    ReportGone,
    latest_shown,
    preference_for,
    report_for_user,
    results_tracker,
)
from results.services.preferences import results_preference_set
from results.services.report_states import report_view_record


def _has_letters(report) -> bool:
    """Family and clinician letters go with a positive disease-risk report only."""
    return report.report_type == "disease_risk" and report.positive


def _gone(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "results/gone.html", {"reason": reason}, status=404)


def _owned(request: HttpRequest, pk: int, *, language: str | None = None):
    """The report, or a response explaining why it is not shown (always a 404)."""
    try:
        return report_for_user(request.user, pk, language=language), None
    except ReportGone as gone:
        if gone.reason == "superseded":
            return None, _superseded(request, gone.report)
        return None, _gone(request, gone.reason)


def _superseded(request: HttpRequest, report: Report) -> HttpResponse:
    newer = latest_shown(report.participant, report.report_type)
    if newer is not None and newer.pk != report.pk:
        return redirect("results:report", pk=newer.pk)
    return _gone(request, "superseded")


@participant_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    if request.participant.state == JourneyState.WITHDRAWN:
        return redirect("participants:home")
    return render(
        request, "results/overview.html", {"results_panel": results_tracker(request.participant)}
    )


@participant_required
@require_http_methods(["GET", "POST"])
def choices(request: HttpRequest) -> HttpResponse:
    participant = request.participant
    if participant.state == JourneyState.WITHDRAWN:
        return redirect("participants:home")
    preference = preference_for(participant)
    initial = {t: getattr(preference, t) for t in ReportType.values}
    form = ResultsPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        results_preference_set(participant=participant, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Your choices are saved. You can change them at any time."))
        return redirect("results:overview")
    tracker = results_tracker(participant)
    return render(request, "results/choices.html", {"form": form, "allowed": tracker["allowed"]})


# Not @participant_required: the owner comes with the report in the same query
# (report_for_user), one query fewer on the participants' busiest page.
@login_required
@require_GET
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    language = content_language()
    report, refused = _owned(request, pk, language=language)
    if refused is not None:
        return refused
    participant_activate(request, report.participant)
    body = report_fragment(report, language=language)
    report_view_record(
        report=report, participant=request.participant, fmt="html", language=language
    )
    return render(
        request,
        "results/report.html",
        {"report": report, "report_body": body, "letters": _has_letters(report)},
    )


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    report, refused = _owned(request, pk)
    if refused is not None:
        return refused
    if kind != ReportDocument.Kind.REPORT and not _has_letters(report):
        raise Http404
    language = content_language()
    document = ReportDocument.objects.filter(report=report, kind=kind, language=language).first()
    if document is None:
        # Not rendered yet in this language (the release task renders the participant's
        # own language first): render once now and keep it.
        document = document_render(report=report, kind=kind, language=language)
    view_format = {"report": "pdf"}.get(kind, kind)
    report_view_record(
        report=report, participant=request.participant, fmt=view_format, language=language
    )
    name = {
        "report": "report",
        "family_letter": "family-letter",
        "clinician_letter": "clinician-letter",
    }[kind]
    return _pdf_response(
        document_bytes(document), f"{report.report_type}-{name}-v{report.version}-{language}.pdf"
    )


@participant_required
@require_GET
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, ReportDocument.Kind.REPORT)


@participant_required
@require_GET
def family_letter(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, ReportDocument.Kind.FAMILY_LETTER)


@participant_required
@require_GET
def clinician_letter(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, ReportDocument.Kind.CLINICIAN_LETTER)
