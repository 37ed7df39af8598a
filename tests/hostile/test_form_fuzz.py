"""Every form field of every page, filled with hostile values: never a 500, never a leak.

The field names are read from the portal's own form classes (plus allauth's and the
prefixed staff forms), the pages from the URL resolver; every page without a parameter is
requested with GET (the values in the query string) and POST (in the body) as an
anonymous visitor, a participant and a staff member holding every role. The routes with
parameters get the same treatment, with every kind of id, in test_id_enumeration.py.
"""

import pytest
from django import forms
from django.test import Client

from tests.hostile.payloads import assert_inert
from tests.hostile.routes import all_routes
from tests.staff.conftest import US_IP, reauthenticated, staff_client

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "\x00",
    "<script>alert(1)</script> {{ request }} {% debug %}",
    "\u202eAna\u200b😀\ufffd",
    "9" * 30,
    "-1",
    "2024-02-30",
    "../../etc/passwd",
    "x" * 3000,
]
# Fields of forms that are not module-level classes, or carry a prefix on the page.
EXTRA_FIELDS = {
    "login", "email", "password", "password1", "password2", "code", "remember", "action",
    "next", "off-reason", "review-note", "contact-note", "contact-status",
    "contact-scheduled_for", "birth_country", "birth_year", "occupation", "other_conditions",
}  # fmt: skip


def _field_names() -> list[str]:
    import participants.consent.forms
    import participants.forms
    import results.forms
    import staff.dashboards.forms
    import staff.forms

    names = set(EXTRA_FIELDS)
    for module in (
        participants.forms,
        participants.consent.forms,
        staff.forms,
        results.forms,
        staff.dashboards.forms,
    ):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
            ):
                names |= set(value.base_fields)
    return sorted(names)


@pytest.mark.parametrize("persona", ["anonymous", "participant", "staff"])
def test_hostile_values_in_every_field_of_every_page(
    persona, participant, outsider, consents, surveys, kb, make_staff
):
    from staff.roles import ROLES

    if persona == "anonymous":
        client = Client(REMOTE_ADDR=US_IP)
    elif persona == "participant":
        client = Client()
        client.force_login(participant.user)
    else:
        client = reauthenticated(staff_client(make_staff(*ROLES)))
    names = _field_names()
    pages = [
        "/" + r.pattern
        for r in all_routes()
        if not r.params and "logout" not in r.pattern and not r.pattern.startswith("^")
    ]
    secrets = [outsider.legal_last_name, outsider.user.email, outsider.participant_id]
    failures = []
    for payload in PAYLOADS:
        data = dict.fromkeys(names, payload)
        for page in pages:
            for method in (client.get, client.post):
                try:
                    response = method(page, data)
                except Exception as exc:  # noqa: BLE001 - a crash is what this test looks for
                    failures.append((method.__name__, page, payload[:12], repr(exc)[:120]))
                    continue
                if response.status_code >= 500:
                    failures.append((method.__name__, page, payload[:12], response.status_code))
                    continue
                if getattr(response, "streaming", False) or not response.get(
                    "Content-Type", ""
                ).startswith("text/html"):
                    continue
                body = response.content.decode(errors="replace")
                assert_inert(body)
                failures += [(page, "shows " + s) for s in secrets if s in body]
    assert failures == []
