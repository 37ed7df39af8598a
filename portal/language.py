"""The language switch, and which language a page should be offered in.

Django's own `set_language` translates `next` with `translate_url()`, which resolves
the path in the *current* language: with `prefix_default_language=False` a `/es/…`
path does not resolve while English is active, so "English" sent people back to
`/es/`. Here the prefix is swapped on the path itself, both ways.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import check_for_language, get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from portal import hooks


def path_in_language(url: str, language: str) -> str:
    """`url` with its language prefix replaced by `language`'s (none for the default)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    codes = {code for code, _name in settings.LANGUAGES}
    segments = path.split("/", 2)  # "", first segment, rest
    if len(segments) > 1 and segments[1] in codes:
        path = "/" + (segments[2] if len(segments) > 2 else "")
    if language != settings.LANGUAGE_CODE:
        path = f"/{language}{path}"
    return urlunsplit(("", "", path, parts.query, parts.fragment))


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if not (language and check_for_language(language)):
        return response
    if isinstance(response, HttpResponseRedirect):
        response["Location"] = path_in_language(response["Location"], language)
    if request.user.is_authenticated:
        # A participant's preferred language is saved too (participants.enrollment).
        hooks.language_chosen(user=request.user, language=language)
    return response


def browser_prefers(request: HttpRequest) -> str | None:
    """The supported language the browser ranks first (Accept-Language), if any."""

    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None
