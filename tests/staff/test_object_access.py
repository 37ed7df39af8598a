"""R9, generated from the URL list: every participant and staff route that takes an object
id answers 404 (or 405 for a POST-only route) to a foreign id. Routes other engineers add
later are covered automatically."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db


def _routes_with_parameters() -> list[tuple[str, list[str]]]:
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
                if params and not route.startswith(("accounts/", "^")):
                    found.append((route, params))

    walk(get_resolver().url_patterns)
    return found


def _fill(route: str, value: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", value, route)


def _foreign_values(outsider) -> list[str]:
    return [
        str(outsider.pk),
        str(outsider.user.pk),
        outsider.participant_id,
        outsider.research_id,
        "999999999",
        "00000000-0000-0000-0000-000000000000",
    ]


def test_there_are_routes_to_check():
    routes = [r for r, _ in _routes_with_parameters()]
    assert any(r.startswith("staff/") for r in routes)


def _check(client, outsider, routes):
    """A foreign id must get 404 (405 for POST-only routes). A 403 or redirect is
    accepted only when a made-up id gets exactly the same answer: then the refusal
    is about the role, and tells nothing about whether the object exists."""
    failures = []
    for route, _params in routes:
        baseline = client.get(_fill(route, "999999999"))
        for value in _foreign_values(outsider):
            url = _fill(route, value)
            try:
                response = client.get(url)
            except Exception as exc:  # noqa: BLE001 - a crash on a foreign id is a failure too
                failures.append((url, repr(exc)))
                continue
            status = response.status_code
            if status in (404, 405):
                continue
            same_as_unknown = status == baseline.status_code and (
                response.get("Location") == baseline.get("Location") or status == 403
            )
            if status in (302, 403) and same_as_unknown:
                continue
            failures.append((url, status))
    return failures


def test_participant_routes_refuse_a_foreign_object(participant_client, outsider):
    routes = [r for r in _routes_with_parameters() if not r[0].startswith("staff/")]
    # The unsubscribe link is a signed token: a foreign id is not a valid token either.
    assert _check(participant_client, outsider, routes) == []


def test_staff_routes_refuse_a_foreign_object(make_staff, outsider):
    from portal.staff.roles import ROLES

    everything = make_staff(*ROLES)  # every role, site A
    routes = [r for r in _routes_with_parameters() if r[0].startswith("staff/")]
    assert _check(staff_client(everything), outsider, routes) == []
