"""Other areas (consent, surveys, results) add banners and sections to `/me/`.

A provider is `fn(request, participant) -> {"banners": [...], "sections": [...]}` where
a banner is `{"text", "url", "action"}` and a section is a template name rendered
with the page's context. Providers register in their AppConfig.ready().
"""

from collections.abc import Callable

_providers: list[Callable] = []


def register_home_panel(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def home_panels(request, participant) -> dict:
    banners: list[dict] = []
    sections: list[str] = []
    extra: dict = {}
    for provider in _providers:
        panel = provider(request, participant) or {}
        banners += panel.get("banners", [])
        sections += panel.get("sections", [])
        extra.update(panel.get("context", {}))
    return {"banners": banners, "sections": sections, **extra}
