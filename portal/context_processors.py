"""What every page's layout needs: the program's identity and the language offer."""

import re

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.translation import get_language

from portal.language import browser_prefers, path_in_language


def _asset(value: str) -> str:
    return value if value.startswith(("http://", "https://", "/")) else static(value)


def program_info() -> dict:
    """settings.PROGRAM plus the URLs and tel: number templates need (e-mails use it too)."""
    program = dict(settings.PROGRAM)
    program["logo_url"] = _asset(program["logo"])
    program["favicon_url"] = _asset(program["favicon"])
    digits = re.sub(r"\D", "", program["contact_phone"])
    # A ten-digit North American number gets its country code for the tel: link.
    program["contact_phone_tel"] = "+" + ("1" + digits if len(digits) == 10 else digits)
    return program


def site(request: HttpRequest) -> dict:
    program = program_info()
    language = get_language() or settings.LANGUAGE_CODE
    user = getattr(request, "user", None)
    # Staff accounts never have a participant record (and participants are never
    # staff): decided without a query, so no page pays for it.
    is_participant = bool(user is not None and user.is_authenticated and not user.is_staff)
    # Offer (never force) the browser's language on English pages, until the visitor
    # picks a language with the switch; someone on a /es/ page chose it already.
    offer = None
    preferred = browser_prefers(request)
    if (
        language == settings.LANGUAGE_CODE
        and preferred not in (None, language)
        and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
    ):
        offer = {"code": preferred, "url": path_in_language(request.get_full_path(), preferred)}
    return {
        "program": program,
        "site_url": settings.SITE_URL.rstrip("/"),
        "is_participant": is_participant,
        "language_offer": offer,
    }
