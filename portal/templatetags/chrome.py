"""Parts of every page's layout that are the same for every visitor in a language."""

from functools import cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from portal.context_processors import program_info

register = template.Library()


@register.simple_tag
def site_footer() -> SafeString:
    """The footer, rendered once per process for each language (and program settings).

    It holds no per-request value (no user, token or nonce), and its seven translations,
    six URL reversals and the program's details were a twentieth of the CPU of a report
    page under load (bench/profile_report.py).
    """
    return _footer(get_language(), get_script_prefix(), repr(settings.PROGRAM))


@cache
def _footer(language: str, script_prefix: str, program: str) -> SafeString:
    # The arguments are the cache key; the template reads the active language and prefix.
    return render_to_string("components/site_footer.html", {"program": program_info()})
