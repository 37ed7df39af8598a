"""Participant survey pages: the list, one page at a time, the review, the thank-you page.

Every page is a plain form (no JavaScript). The response id in the URL is a random UUID and
every lookup is filtered by the logged-in participant, so another person's id is a 404.
"""

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from participants.decorators import participant_required
from participants.surveys.branching import prune_hidden_answers, visible_pages
from participants.surveys.definition import CORE_SURVEY_CODES, SurveyDefinition
from participants.surveys.models import REVIEW_STEP, ResponseStatus, SurveyResponse
from participants.surveys.rendering import answer_text, page_items, survey_language
from participants.surveys.selectors import (
    latest_response,
    page_position,
    page_reachable,
    published_versions,
    response_for_owner,
    survey_progress,
    survey_unavailable_reason,
)
from participants.surveys.services import (
    PageNotReached,
    ResponseIncomplete,
    SurveyError,
    SurveyNotAvailable,
    profile_prefill,
    response_complete,
    response_save_page,
    response_start_or_resume,
)
from portal.i18n import content_language


def step_url(response: SurveyResponse, step: str) -> str:
    if step == REVIEW_STEP:
        return reverse("surveys:review", args=[response.public_id])
    return reverse("surveys:page", args=[response.public_id, step])


def _resume_url(response: SurveyResponse) -> str:
    if response.status == ResponseStatus.COMPLETED:
        return reverse("surveys:done", args=[response.public_id])
    return step_url(response, response.current_page or REVIEW_STEP)


def _unavailable(request: HttpRequest, code: str, reason: str, title: str = "") -> HttpResponse:
    return render(
        request,
        "participants/surveys/unavailable.html",
        {"reason": reason, "title": title, "code": code},
    )


@participant_required
def survey_list(request: HttpRequest) -> HttpResponse:
    rows = survey_progress(request.participant, content_language())
    return render(request, "participants/surveys/list.html", {"surveys": rows})


@participant_required
@require_http_methods(["GET", "POST"])
def survey_start(request: HttpRequest, code: str) -> HttpResponse:
    """The survey's front page. GET never writes; "Start" (POST) creates the response."""
    participant = request.participant
    if code not in CORE_SURVEY_CODES:
        raise Http404
    if request.method == "POST":
        try:
            response = response_start_or_resume(
                participant=participant, survey_code=code, actor=request.user
            )
        except SurveyNotAvailable as exc:
            return _unavailable(request, code, exc.code)
        return redirect(_resume_url(response))

    existing = latest_response(participant, code)
    reason = survey_unavailable_reason(participant, code)
    if existing is not None and (reason is None or existing.status == ResponseStatus.COMPLETED):
        return redirect(_resume_url(existing))
    version = published_versions((code,)).get(code)
    if version is None:
        return _unavailable(request, code, "not_published")
    definition = version.parsed()
    language = content_language()
    title = definition.text(definition.title, language)
    if reason is not None:
        return _unavailable(request, code, reason, title)
    return render(
        request,
        "participants/surveys/start.html",
        {
            "title": title,
            "description": definition.text(definition.description, language),
            "page_count": len(visible_pages(definition, {})),
            "survey_lang": survey_language(definition, language),
            "code": code,
        },
    )


def _page_context(
    response: SurveyResponse,
    definition: SurveyDefinition,
    page_code: str,
    language: str,
    **extra,
) -> dict:
    page = definition.page(page_code)
    position = page_position(definition, response.answers, page_code)
    items = extra.pop("items")
    extra.pop("participant", None)
    return {
        "response": response,
        "survey_title": definition.text(definition.title, language),
        "page_title": definition.text(page.title, language),
        "page_code": page_code,
        "position": position,
        "items": items,
        "error_items": [item for item in items if item.error],
        "survey_lang": survey_language(definition, language),
        "first_page": position.number == 1,
        **extra,
    }


@participant_required
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, response_id: UUID, page_code: str) -> HttpResponse:
    participant = request.participant
    language = content_language()
    if request.method == "POST":
        try:
            outcome = response_save_page(
                participant=participant,
                response_id=response_id,
                page_code=page_code,
                raw_post=dict(request.POST.lists()),
                action=request.POST.get("action", "continue"),
                language=language,
                actor=request.user,
            )
        except SurveyResponse.DoesNotExist as exc:
            raise Http404 from exc
        except PageNotReached:
            response = response_for_owner(participant, response_id)
            messages.warning(request, _("Please answer the questions in order."))
            return redirect(_resume_url(response))
        except SurveyNotAvailable as exc:
            return _unavailable(request, "", exc.code)
        except SurveyError:
            response = response_for_owner(participant, response_id)
            if response.status == ResponseStatus.COMPLETED:
                return redirect(_resume_url(response))
            raise Http404 from None
        response = outcome.response
        if outcome.step is not None:
            if request.POST.get("action") == "later":
                messages.success(
                    request,
                    _(
                        "Your answers are saved. You can stop here: next time you will "
                        "continue where you left off."
                    ),
                )
                return redirect("surveys:list")
            messages.success(
                request, _("Your answers are saved. You can stop here and come back later.")
            )
            return redirect(step_url(response, outcome.step))
        definition = response.version.parsed()
        if outcome.revealed and not outcome.errors:
            messages.info(
                request, _("Your answer added a question on this page. Please look at it.")
            )
        items = page_items(
            definition,
            page_code,
            response.answers,
            language,
            posted=None if outcome.saved else request.POST,
            errors=outcome.errors,
        )
        return render(
            request,
            "participants/surveys/page.html",
            _page_context(
                response, definition, page_code, language, items=items, participant=participant
            ),
        )

    response = response_for_owner(participant, response_id)
    if response.status != ResponseStatus.IN_PROGRESS:
        if response.status == ResponseStatus.COMPLETED:
            return redirect(_resume_url(response))
        raise Http404
    definition = response.version.parsed()
    try:
        definition.page(page_code)
    except KeyError as exc:
        raise Http404 from exc
    if not page_reachable(response, definition, page_code):
        return redirect(_resume_url(response))
    # A question the profile already answered shows that answer until the page is saved.
    prefill = {
        code: value
        for code, value in profile_prefill(participant, definition).items()
        if code not in response.answers
    }
    items = page_items(definition, page_code, {**prefill, **response.answers}, language)
    for item in items:
        item.prefilled = item.code in prefill
    return render(
        request,
        "participants/surveys/page.html",
        _page_context(
            response, definition, page_code, language, items=items, participant=participant
        ),
    )


def _review_sections(definition: SurveyDefinition, answers: dict, language: str) -> list[dict]:
    sections = []
    for page in visible_pages(definition, answers):
        rows = []
        for item in page.items:
            if not item.takes_input:
                continue
            if item.code not in answers:
                continue
            rows.append(
                {
                    "question": definition.text(item.text, language),
                    "answer": answer_text(definition, item, answers[item.code], language),
                }
            )
        sections.append(
            {"code": page.code, "title": definition.text(page.title, language), "rows": rows}
        )
    return sections


@participant_required
@require_http_methods(["GET", "POST"])
def survey_review(request: HttpRequest, response_id: UUID) -> HttpResponse:
    participant = request.participant
    language = content_language()
    missing = []
    if request.method == "POST":
        try:
            response = response_complete(
                participant=participant, response_id=response_id, actor=request.user
            )
        except SurveyResponse.DoesNotExist as exc:
            raise Http404 from exc
        except PageNotReached:
            return redirect(_resume_url(response_for_owner(participant, response_id)))
        except SurveyNotAvailable as exc:
            return _unavailable(request, "", exc.code)
        except ResponseIncomplete as exc:
            missing = exc.missing
        except SurveyError as exc:
            raise Http404 from exc
        else:
            return redirect("surveys:done", response.public_id)

    response = response_for_owner(participant, response_id)
    if response.status == ResponseStatus.COMPLETED:
        return redirect(_resume_url(response))
    if response.status != ResponseStatus.IN_PROGRESS:
        raise Http404
    if response.furthest_page != REVIEW_STEP:
        return redirect(_resume_url(response))
    definition = response.version.parsed()
    answers = prune_hidden_answers(definition, response.answers)
    last = visible_pages(definition, answers)[-1]
    missing_rows = [
        {"text": definition.text(item.text, language), "page": item.page_code} for item in missing
    ]
    return render(
        request,
        "participants/surveys/review.html",
        {
            "response": response,
            "survey_title": definition.text(definition.title, language),
            "sections": _review_sections(definition, answers, language),
            "missing": missing_rows,
            "last_page": last.code,
            "survey_lang": survey_language(definition, language),
        },
        status=400 if missing else 200,
    )


@participant_required
def survey_done(request: HttpRequest, response_id: UUID) -> HttpResponse:
    response = response_for_owner(request.participant, response_id)
    if response.status != ResponseStatus.COMPLETED:
        return (
            redirect(_resume_url(response))
            if response.status == ResponseStatus.IN_PROGRESS
            else redirect("surveys:list")
        )
    definition = response.version.parsed()
    language = content_language()
    following = next(
        (
            row
            for row in survey_progress(request.participant, language)
            if row.url and row.status != ResponseStatus.COMPLETED
        ),
        None,
    )
    return render(
        request,
        "participants/surveys/done.html",
        {
            "response": response,
            "survey_title": definition.text(definition.title, language),
            "survey_lang": survey_language(definition, language),
            "following": following,
        },
    )
