"""Every URL the portal answers, read from the resolver (so new routes are never missed)."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    pattern: str  # as written in the urlconfs, prefixes joined: "me/results/<int:pk>/"
    name: str  # namespaced: "results:report"
    params: tuple[str, ...]  # keyword names, in order

    @property
    def is_staff(self) -> bool:
        return self.pattern.startswith("staff/")


def all_routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner.strip(":"))
            elif isinstance(entry, URLPattern):
                pattern = prefix + str(entry.pattern)
                params = tuple(
                    re.findall(r"<(?:\w+:)?(\w+)>", pattern) + re.findall(r"\(\?P<(\w+)>", pattern)
                )
                name = f"{namespace}:{entry.name}" if namespace else (entry.name or "")
                found.append(Route(pattern, name, params))

    walk(get_resolver().url_patterns, "", "")
    return found


def parameterised_routes() -> list[Route]:
    return [route for route in all_routes() if route.params]
