"""Survey pages for staff under /staff/surveys/: completion counts and previews.

Who may reach /staff/ at all (MFA, location, quotas) is decided by the staff middleware;
these views add the survey permission. Nothing here shows a participant or an answer:
counts are aggregates with small cells suppressed, and a preview never saves.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from participants.surveys.models import SurveyVersion
from participants.surveys.rendering import page_items, survey_language
from participants.surveys.selectors import PagePosition, completion_counts
from participants.surveys.validation import validate_page
from portal.decorators import staff_permission_required

MANAGE = "surveys.manage_surveys"
PREVIEW_LANGUAGES = (("en", "English"), ("es", "Español"))


@staff_permission_required(MANAGE)
def index(request: HttpRequest) -> HttpResponse:
    versions = SurveyVersion.objects.only(
        "code", "version", "status", "source", "published_at", "created"
    ).order_by("code", "-created", "-id")
    return render(
        request,
        "participants/surveys/staff/index.html",
        {
            "counts": completion_counts(),
            "versions": versions,
            "languages": PREVIEW_LANGUAGES,
        },
    )


def _preview_url(pk: int, language: str, page_code: str) -> str:
    url = reverse("staff_surveys:preview", args=[pk, language])
    return f"{url}?{urlencode({'page': page_code})}"


@staff_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    """The survey as a participant sees it, page by page, in either language. A POST is
    validated like a participant's (the errors show) and then thrown away."""
    if language not in dict(PREVIEW_LANGUAGES):
        raise Http404
    version = get_object_or_404(SurveyVersion, pk=pk)
    definition = version.parsed()
    codes = [page.code for page in definition.pages]
    page_code = request.GET.get("page") or codes[0]
    if page_code not in codes:
        raise Http404
    index_ = codes.index(page_code)
    text_language = survey_language(definition, language)
    errors: dict = {}
    posted = None
    if request.method == "POST":
        action = request.POST.get("action", "continue")
        if action == "back" and index_ > 0:
            return redirect(_preview_url(pk, language, codes[index_ - 1]))
        _, errors = validate_page(definition, page_code, dict(request.POST.lists()), text_language)
        if not errors and index_ + 1 < len(codes):
            return redirect(_preview_url(pk, language, codes[index_ + 1]))
        posted = request.POST
    page = definition.page(page_code)
    items = page_items(
        definition, page_code, {}, text_language, posted=posted, errors=errors, show_all=True
    )
    return render(
        request,
        "participants/surveys/page.html",
        {
            "preview": True,
            "version": version,
            "languages": PREVIEW_LANGUAGES,
            "preview_language": language,
            "page_condition": page.show_if is not None,
            "form_action": _preview_url(pk, language, page_code),
            "survey_title": definition.text(definition.title, text_language),
            "page_title": definition.text(page.title, text_language),
            "page_code": page_code,
            "position": PagePosition(index_ + 1, len(codes)),
            "items": items,
            "error_items": [item for item in items if item.error],
            "survey_lang": text_language,
            "first_page": index_ == 0,
            "other_language_urls": [
                (code, name, _preview_url(pk, code, page_code))
                for code, name in PREVIEW_LANGUAGES
                if code != language
            ],
        },
    )
