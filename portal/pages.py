"""The pages that say who we are: about, FAQ, privacy, terms, accessibility, contact.

Their text is long prose, so each language has its own template
(`templates/pages/content/<page>.<language>.html`), like the consent texts; the names
and numbers in them (sponsor, ethics approval, contact) come from `settings.PROGRAM`.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

PAGES = {
    "about": _("About the study"),
    "faq": _("Questions and answers"),
    "privacy": _("Privacy notice"),
    "terms": _("Terms of use"),
    "accessibility": _("Accessibility"),
    "contact": _("Contact us"),
}


def _page_view(slug: str):
    def view(request: HttpRequest) -> HttpResponse:
        language = (get_language() or "en")[:2]
        return render(
            request,
            "pages/page.html",
            {
                "page_title": PAGES[slug],
                "content_template": f"pages/content/{slug}.{language}.html",
                "slug": slug,
            },
        )

    view.__name__ = f"{slug}_page"
    return view


app_name = "pages"
urlpatterns = [path(f"{slug}/", _page_view(slug), name=slug) for slug in PAGES]
