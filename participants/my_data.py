""" "My data": every finished survey, read-only, in the language it was answered in, and
"Download my data" (participants.data_export)."""

from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from participants.data_export import (
    ExportNotReady,
    data_export_for_owner,
    data_export_open,
    data_export_request,
)
from participants.decorators import participant_required
from participants.models import DataExport
from participants.surveys.branching import visible_pages
from participants.surveys.models import ResponseStatus, SurveyResponse
from participants.surveys.rendering import answer_text, survey_language
from portal.i18n import content_language


def _completed(participant):
    return SurveyResponse.objects.filter(
        participant=participant, status=ResponseStatus.COMPLETED
    ).select_related("version")


@participant_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    participant = request.participant
    if request.method == "POST":
        data_export_request(
            participant=participant, actor=request.user, language=content_language()
        )
        messages.success(
            request,
            _("We are making your copy. It appears here when it is ready, and we e-mail you."),
        )
        return redirect("participants:my_data")
    surveys = []
    for response in _completed(participant).order_by("completed"):
        definition = response.version.parsed()
        answered_in = survey_language(definition, response.language or content_language())
        surveys.append(
            {
                "response": response,
                "title": definition.text(definition.title, answered_in),
                "lang": answered_in,
            }
        )
    latest = DataExport.objects.filter(participant=participant).order_by("-created").first()
    if (
        latest is not None
        and latest.status == DataExport.Status.READY
        and latest.expires_at <= timezone.now()
    ):
        latest.status = DataExport.Status.EXPIRED
    return render(
        request,
        "participants/my_data/index.html",
        {
            "surveys": surveys,
            "export": latest,
            "withdrawal_tier": participant.withdrawal_tier or 0,
        },
    )


@participant_required
@require_GET
def my_answers(request: HttpRequest, response_id: UUID) -> HttpResponse:
    """One finished survey, read-only, in the language the participant answered it in."""
    response = _completed(request.participant).filter(public_id=response_id).first()
    if response is None:
        raise Http404
    definition = response.version.parsed()
    language = survey_language(definition, response.language or content_language())
    answers = response.answers
    sections = []
    for page in visible_pages(definition, answers):
        rows = [
            {
                "question": definition.text(item.text, language),
                "answer": answer_text(definition, item, answers[item.code], language),
            }
            for item in page.items
            if item.takes_input and item.code in answers
        ]
        if rows:
            sections.append(
                {"code": page.code, "title": definition.text(page.title, language), "rows": rows}
            )
    return render(
        request,
        "participants/my_data/answers.html",
        {
            "response": response,
            "survey_title": definition.text(definition.title, language),
            "survey_lang": language,
            "sections": sections,
        },
    )


@participant_required
@require_GET
def my_data_download(request: HttpRequest, copy_id: UUID) -> HttpResponse:
    """The zip, to its logged-in owner only, until it expires."""
    try:
        export = data_export_for_owner(request.participant, copy_id)
    except ExportNotReady as gone:
        return render(
            request, "participants/my_data/not_ready.html", {"export": gone.export}, status=404
        )
    try:
        handle = data_export_open(export)
    except FileNotFoundError as exc:
        raise Http404 from exc
    day = export.ready_at.strftime("%Y-%m-%d")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"my-data-{request.participant.participant_id}-{day}.zip",
        content_type="application/zip",
    )
