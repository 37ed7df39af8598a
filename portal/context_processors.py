"""What every page's layout needs: the program's identity and the language offer."""

import re

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.translation import get_language

from portal.language import browser_prefers, path_in_language


def _asset(value: str) -> str:
    return value if value.startswith(("http://", "https://", "/")) else static(value)


def site(request: HttpRequest) -> dict:
    program = dict(settings.PROGRAM)
    program["logo_url"] = _asset(program["logo"])
    program["favicon_url"] = _asset(program["favicon"])
    digits = re.sub(r"\D", "", program["contact_phone"])
    # A ten-digit North American number gets its country code for the tel: link.
    program["contact_phone_tel"] = "+" + ("1" + digits if len(digits) == 10 else digits)
    language = get_language() or settings.LANGUAGE_CODE
    user = getattr(request, "user", None)
    # Staff accounts never have a participant record (and participants are never
    # staff): decided without a query, so no page pays for it.
    is_participant = bool(user is not None and user.is_authenticated and not user.is_staff)
    # Offer (never force) the browser's language when the page is in another one and
    # the visitor has not picked a language with the switch yet.
    offer = None
    preferred = browser_prefers(request)
    if preferred and preferred != language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        offer = {"code": preferred, "url": path_in_language(request.get_full_path(), preferred)}
    return {"program": program, "is_participant": is_participant, "language_offer": offer}
