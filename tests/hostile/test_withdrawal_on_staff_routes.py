"""Issue 15, high 2: a withdrawal is honoured on every staff route (R30).

The probe: after a tier-2 withdrawal the reviewing counsellor still opened the full report
(200 on a Withheld report), and support still saw the identity. Here the staff routes come
from the URL resolver: each is either filled with the withdrawn participant's own object
or declared to name no participant; a route added later fails
`test_every_staff_route_is_classified` until it is. A staff member who reaches every one
of the participant's objects beforehand (200) gets a 404 from each afterwards, like an id
that does not exist, and the list pages stop naming them.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from participants.consent.models import ConsentRecord
from participants.enrollment import participant_withdraw
from portal.models import AccessEvent
from results.models import RecontactTask, Report
from tests.hostile.routes import all_routes, parameterised_routes
from tests.staff.conftest import reauthenticated, staff_client

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    person: Any
    report: Report
    record: ConsentRecord
    recontact: RecontactTask
    staff: Any


# Every parameterised staff route: how to name the participant's object with it (GET or
# POST: a 404 afterwards), a page of many participants that lists theirs (LIST: it must no
# longer name them), or None when the route names no participant (a catalog, an account).
Fill = Callable[[Case], dict[str, Any]]
PARTICIPANT_ROUTES: dict[str, tuple[str, Fill] | None] = {
    "staff/participants/<str:participant_id>/": (
        "GET",
        lambda c: {"participant_id": c.person.participant_id},
    ),
    "staff/results/review/<int:pk>/": ("GET", lambda c: {"pk": c.report.pk}),
    "staff/consent/records/<int:pk>/fhir/": ("GET", lambda c: {"pk": c.record.pk}),
    "staff/results/recontact/<int:pk>/close/": ("POST", lambda c: {"pk": c.recontact.pk}),
    # Name no participant:
    "staff/accounts/<int:user_id>/": None,
    "staff/accounts/<int:user_id>/deactivate/": None,
    "staff/accounts/requests/<int:pk>/": None,
    "staff/travel/<int:pk>/approve/": None,
    "staff/consent/<slug:code>/new/": None,
    "staff/consent/<slug:code>/drafts/<int:pk>/": None,
    "staff/consent/versions/<int:pk>/": None,
    "staff/consent/versions/<int:pk>/publish/": None,
    "staff/surveys/versions/<int:pk>/preview/<str:language>/": None,
    # A batch of many participants' samples: the page stays, their row goes.
    "staff/results/samples/<int:pk>/": (
        "LIST",
        lambda c: {"pk": c.report.interpretation.sample.manifest_id},
    ),
    "staff/results/releases/<int:pk>/reinterpret/": None,
    # Issue 14: a held sample's QC decision, a positive finding's confirmation.
    "staff/results/qc/<int:pk>/": ("POST", lambda c: {"pk": c.report.interpretation_id}),
    "staff/results/confirmations/<int:pk>/": ("GET", lambda c: {"pk": c.report.pk}),
    # Issue 18: the participant's kit (its label carries their address), a duplicate pair.
    "staff/kits/<uuid:kit_id>/": ("GET", lambda c: {"kit_id": _kit(c).public_id}),
    "staff/kits/<uuid:kit_id>/label/": ("POST", lambda c: {"kit_id": _kit(c).public_id}),
    "staff/duplicates/<uuid:flag_id>/": ("GET", lambda c: {"flag_id": _pair(c).public_id}),
    "staff/consent/campaigns/<uuid:campaign_id>/": None,  # counts only, no identities
    "staff/consent/campaigns/<uuid:campaign_id>/ethics/": None,  # the approval letter
}


def _kit(case: "Case"):
    from participants.kits.models import Kit

    kit, _ = Kit.objects.get_or_create(
        participant=case.person, defaults={"kind": "saliva", "barcode": "CK0000000077"}
    )
    return kit


def _pair(case: "Case"):
    from participants.duplicates.models import DuplicateFlag
    from tests.factories import ParticipantFactory

    other = ParticipantFactory(site=case.person.site)
    first, second = sorted((case.person, other), key=lambda p: p.pk)
    flag = (
        DuplicateFlag.objects.filter(first=case.person).first()
        or DuplicateFlag.objects.filter(second=case.person).first()
    )
    if flag is None:
        flag = DuplicateFlag.objects.create(first=first, second=second, site=case.person.site)
    return flag


def _staff_routes():
    return [r for r in parameterised_routes() if r.is_staff]


def test_every_staff_route_is_classified():
    found = {r.pattern for r in _staff_routes()}
    assert found - set(PARTICIPANT_ROUTES) == set(), "new staff routes: classify them here"
    assert set(PARTICIPANT_ROUTES) - found == set(), "routes gone: remove them here"


@pytest.fixture
def case(participant, kb, make_staff) -> Case:
    from tests.results.workflow.helpers import give_gror, make_report

    give_gror(participant)
    report = make_report(
        participant, kb, state="needs_review", report_type="disease_risk", positive=True
    )
    previous = make_report(participant, kb, state="released", report_type="pgx")
    # A support member who is also the counsellor, the data manager and may export consent
    # records: one person reaching every kind of object, so every route is tested with the
    # same user.
    staff = make_staff("support", "genetic_counsellor", "data_manager")
    staff.user_permissions.add(Permission.objects.get(codename="export_consent_fhir"))
    staff.user_permissions.add(Permission.objects.get(codename="manage_kits"))
    Report.objects.filter(pk=report.pk).update(assigned_counsellor=staff)
    recontact = RecontactTask.objects.create(
        participant=participant,
        report=report,
        previous_report=previous,
        reason=RecontactTask.Reason.NEW_POSITIVE,
        assigned_to=staff,
    )
    return Case(
        person=participant,
        report=report,
        record=ConsentRecord.objects.filter(participant=participant).first(),
        recontact=recontact,
        staff=staff,
    )


def _client(case: Case):
    client = reauthenticated(staff_client(case.staff))
    # Support states a reason before opening a record (as in the look-up form).
    client.post(
        reverse("staff:support_lookup"),
        {
            "participant_id": case.person.participant_id,
            "reason": "participant_request",
            "detail": "ticket 7",
        },
    )
    return client


def _request(client, route, method: str, kwargs: dict[str, Any]):
    url = reverse(route.name, kwargs=kwargs)
    return url, (client.post(url) if method == "POST" else client.get(url))


def _markers(person) -> list[str]:
    return [person.participant_id, person.research_id, person.legal_last_name]


def _list_pages_naming(client, person) -> list[str]:
    """Staff pages without parameters whose body names the participant."""
    found = []
    for route in all_routes():
        if not route.is_staff or route.params or re.search(r"[\^$(]", route.pattern):
            continue
        response = client.get(reverse(route.name))
        body = response.content.decode(errors="replace")
        if any(m and m in body for m in _markers(person)):
            found.append(route.pattern)
    return found


@pytest.mark.parametrize("tier", [2, 3])
def test_after_withdrawal_every_staff_route_answers_404(case, tier):
    client = _client(case)
    routes = [r for r in _staff_routes() if PARTICIPANT_ROUTES[r.pattern]]
    # Beforehand the staff member reaches each object (the GET routes show it, the lists
    # name the participant).
    for route in routes:
        method, fill = PARTICIPANT_ROUTES[route.pattern]
        if method in ("GET", "LIST"):
            url, response = _request(client, route, "GET", fill(case))
            assert response.status_code == 200, url
        if method == "LIST":
            assert case.person.research_id in response.content.decode(), url
    assert _list_pages_naming(client, case.person) != []  # the review queue names them

    participant_withdraw(participant=case.person, actor=case.person.user, tier=tier)
    # Even if a withdrawal effect had failed to withhold the report, the tier alone hides it.
    Report.objects.filter(pk=case.report.pk).update(state="needs_review")
    reads_before = AccessEvent.objects.count()
    task_state = RecontactTask.objects.get(pk=case.recontact.pk).state

    failures = []
    for route in routes:
        method, fill = PARTICIPANT_ROUTES[route.pattern]
        if method == "LIST":  # the page of many people stays; this one is not on it
            url, response = _request(client, route, "GET", fill(case))
            body = response.content.decode()
            if response.status_code != 200 or any(m in body for m in _markers(case.person)):
                failures.append((method, url, response.status_code))
            continue
        url, response = _request(client, route, method, fill(case))
        if response.status_code != 404:
            failures.append((method, url, response.status_code))
    assert failures == []
    assert _list_pages_naming(client, case.person) == []
    assert AccessEvent.objects.count() == reads_before  # nothing was read
    assert RecontactTask.objects.get(pk=case.recontact.pk).state == task_state  # nor changed


def test_tier_one_hides_only_what_would_contact_them(case):
    """No further contact: support may still help them when they call, and the report is
    still reviewed, but a counselling re-contact is not offered."""
    client = _client(case)
    participant_withdraw(participant=case.person, actor=case.person.user, tier=1)
    assert (
        client.get(reverse("staff:participant", args=[case.person.participant_id])).status_code
        == 200
    )
    assert (
        client.get(reverse("staff_results:review_detail", args=[case.report.pk])).status_code == 200
    )
    url = reverse("staff_results:recontact_close", args=[case.recontact.pk])
    assert client.post(url).status_code == 404
    assert (
        case.person.participant_id
        not in client.get(reverse("staff_results:recontact")).content.decode()
    )


def test_withheld_report_is_not_found_for_its_counsellor(case):
    """The probe's exact request: GET /staff/results/review/<id>/ on a Withheld report."""
    client = _client(case)
    Report.objects.filter(pk=case.report.pk).update(state="withheld")
    url = reverse("staff_results:review_detail", args=[case.report.pk])
    assert client.get(url).status_code == 404


def test_support_from_another_site_or_without_a_site_sees_nothing(case, make_staff):
    from portal.models import StaffProfile
    from staff.visibility import SUPPORT, participant_visible
    from tests.factories import SiteFactory

    elsewhere = make_staff("support", site=SiteFactory(code="site-z"))
    assert not participant_visible(elsewhere, case.person, purpose=SUPPORT)
    StaffProfile.objects.filter(user=elsewhere).update(site=None)
    assert not participant_visible(elsewhere, case.person, purpose=SUPPORT)
    assert participant_visible(case.staff, case.person, purpose=SUPPORT)
