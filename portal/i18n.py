"""The language a page's content (consent text, survey, report, letter) is shown in."""

from django.utils.translation import get_language


def content_language() -> str:
    """`"es"` when the active language is Spanish (any variant), else `"en"`.

    Content exists in exactly these two languages; everything else falls back to English.
    """
    return "es" if (get_language() or "en")[:2] == "es" else "en"
