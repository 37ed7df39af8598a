"""ID enumeration on every route (R9: deny by default; a foreign object is a 404).

The routes come from the URL resolver. Every route with a parameter must have an entry in
ROUTES saying how to fill it - with another person's object, with made-up values, with a
sweep of sequential ids - or `test_every_parameterised_route_is_known` fails: a route
added later cannot go unchecked.

Each route is requested as a participant (another participant's ids, sequential ints,
random UUIDs, overflowing and malformed values), as an anonymous visitor and as a staff
member holding every role at another site. The answer must be a 404 (405 for a POST-only
route), a redirect to log in, or a refusal identical to the one a made-up id gets (so it
says nothing about whether the object exists) - never a 500, never a page carrying the
other person's data. A POST with another person's id changes nothing.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from participants.consent.models import (
    ConsentDocument,
    ConsentForm,
    ConsentRecord,
    ConsentVersion,
)
from participants.models import DataExport, Participant
from participants.notifications import unsubscribe_token
from participants.surveys.models import SurveyResponse
from portal.models import AccessEvent, TravelException
from results.models import Report
from tests.hostile.routes import Route, parameterised_routes
from tests.staff.conftest import US_IP, reauthenticated, staff_client

pytestmark = pytest.mark.django_db

BIG = "9" * 25  # overflows a bigint
# What a refused person reads (the 404 and 403 pages, the unsubscribe page).
HUMAN = ("We could not find that page", "You cannot open this page", "This link is not valid")
MADE_UP_INTS = ["0", "999999999", BIG]


@pytest.fixture(scope="module")
def kgp_result() -> dict:
    from results.engine.interpretation import interpret_vcf
    from tests.results.workflow.helpers import KGP, NEGATIVE

    return interpret_vcf(KGP / f"{NEGATIVE}.pgx_genes.vcf.gz")


@dataclass
class Owned:
    """What one participant has: every kind of object a URL can name."""

    person: Participant
    report: Report
    risk_report: Report
    document: ConsentDocument
    record: ConsentRecord
    response: SurveyResponse
    key: Authenticator


@dataclass
class World:
    participant: Owned
    outsider: Owned
    staff: Any  # every role, site A
    own_travel: TravelException
    colleague_travel: TravelException
    queued_elsewhere: Report  # outsider's report, in another counsellor's queue
    extra: dict[str, Any] = field(default_factory=dict)


def _owned(person, kb, result, surveys) -> Owned:
    from results.services.preferences import results_preference_set
    from tests.results.workflow.helpers import give_gror, make_report

    give_gror(person)
    results_preference_set(
        participant=person, actor=person.user, pgx="yes", disease_risk="yes", traits="yes"
    )
    record = ConsentRecord.objects.filter(participant=person, version__form__code="primary").get()
    document = ConsentDocument(record=record, sha256="0" * 64, size=8)
    document.file.save(f"{record.pk}-copy.pdf", ContentFile(b"%PDF-1.7"), save=False)
    document.save()
    response = SurveyResponse.objects.create(
        participant=person,
        version=surveys["the_basics"],
        survey_code="the_basics",
        current_page="about_you",
        furthest_page="about_you",
        answers={"birth_year": 1956},
    )
    key = Authenticator.objects.create(
        user=person.user, type=Authenticator.Type.WEBAUTHN, data={"name": "my key"}
    )
    return Owned(
        person=person,
        report=make_report(person, kb, state="released", report_type="pgx", result=result),
        risk_report=make_report(
            person, kb, state="released", report_type="disease_risk", positive=True, result=result
        ),
        document=document,
        record=record,
        response=response,
        key=key,
    )


@pytest.fixture
def world(participant, outsider, kb, kgp_result, surveys, consents, make_staff) -> World:
    import datetime as dt

    from staff.roles import ROLES
    from tests.results.workflow.helpers import make_report

    everyone = make_staff(*ROLES)
    colleague = make_staff("recruitment")
    other_counsellor = make_staff("genetic_counsellor")
    today = dt.date.today()
    travel = {"country": "CA", "starts_on": today, "ends_on": today, "reason": "r"}
    queued = make_report(
        outsider, kb, state="needs_review", report_type="traits", result=kgp_result
    )
    Report.objects.filter(pk=queued.pk).update(assigned_counsellor=other_counsellor)
    from portal.models import RoleGrantRequest

    extra = {
        "own_grant": RoleGrantRequest.objects.create(
            user=colleague, requested_by=everyone, roles=["support"]
        ),
        "grant_to_me": RoleGrantRequest.objects.create(
            user=everyone, requested_by=colleague, roles=["data_manager"]
        ),
    }
    return World(
        participant=_owned(participant, kb, kgp_result, surveys),
        outsider=_owned(outsider, kb, kgp_result, surveys),
        staff=everyone,
        own_travel=TravelException.objects.create(user=everyone, **travel),
        colleague_travel=TravelException.objects.create(user=colleague, **travel),
        queued_elsewhere=queued,
        extra={
            **extra,
            "outsider_export": DataExport.objects.create(
                participant=outsider,
                public_id=uuid.uuid4(),
                language="en",
                status=DataExport.Status.READY,
                file_name="exports/not-a-real-file.zip",
                expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
            ),
        },
    )


# ------------------------------------------------------------------ how to fill each route
@dataclass(frozen=True)
class Fill:
    """How to fill one route.

    kind: "owned" - the object belongs to one person (foreign ones must be refused);
    "catalog" - the same object for everyone who may see the page at all (a consent form,
    a survey, a knowledge-base release): made-up values are refused, the page itself
    may be shown; "token" - a capability in the URL, valid or not whoever asks.
    foreign(world): kwargs naming another person's objects.
    made_up: kwargs naming nothing.
    sweep: (parameter, function giving the ids the requester may reach): sequential ints.
    """

    kind: str
    foreign: Callable[[World], list[dict[str, Any]]] = lambda w: []
    made_up: tuple[dict[str, Any], ...] = ()
    sweep: tuple[str, Callable[[World, Any], set[int]]] | None = None


def _ints(param: str, **base) -> tuple[dict[str, Any], ...]:
    return tuple({**base, param: value} for value in MADE_UP_INTS)


def _own_reports(w: World, user) -> set[int]:
    return set(Report.objects.filter(participant__user=user).values_list("pk", flat=True))


def _own_keys(w: World, user) -> set[int]:
    return set(Authenticator.objects.filter(user=user).values_list("pk", flat=True))


def _own_documents(w: World, user) -> set[int]:
    return set(
        ConsentDocument.objects.filter(record__participant__user=user).values_list("pk", flat=True)
    )


REPORT = Fill(
    "owned",
    foreign=lambda w: [{"pk": w.outsider.report.pk}, {"pk": w.outsider.risk_report.pk}],
    made_up=_ints("pk"),
    sweep=("pk", _own_reports),
)
KEY = Fill(
    "owned",
    foreign=lambda w: [{"pk": w.outsider.key.pk}],
    made_up=_ints("pk"),
    sweep=("pk", _own_keys),
)
RESPONSE = Fill(
    "owned",
    foreign=lambda w: [{"response_id": w.outsider.response.public_id}],
    made_up=(
        {"response_id": uuid.UUID(int=0)},
        *({"response_id": uuid.uuid4()} for _ in range(5)),
    ),
)
CONSENT_CODE = Fill(
    "catalog",
    foreign=lambda w: [
        {"code": code} for code in ConsentForm.objects.values_list("code", flat=True)
    ],
    made_up=({"code": "no-such-consent"}, {"code": "a" * 300}),
)
SURVEY_CODE = Fill(
    "catalog",
    foreign=lambda w: [{"code": c} for c in ("the_basics", "lifestyle", "overall_health")],
    made_up=({"code": "no-such-survey"}, {"code": "a" * 300}),
)
CONSENT_VERSION = Fill(
    "catalog",
    foreign=lambda w: [{"pk": pk} for pk in ConsentVersion.objects.values_list("pk", flat=True)],
    made_up=_ints("pk"),
)
STAFF_USER = Fill(
    "owned",  # staff accounts only: a participant's account id is "not found"
    foreign=lambda w: [
        {"user_id": w.participant.person.user.pk},
        {"user_id": w.outsider.person.user.pk},
    ],
    made_up=_ints("user_id"),
)


def _foreign_duplicate_pair(w: World) -> list[dict[str, Any]]:
    """A possible-duplicate pair worked on at the outsider's site (site B)."""
    from participants.duplicates.models import DuplicateFlag

    first, second = sorted((w.participant.person, w.outsider.person), key=lambda p: p.pk)
    flag, _ = DuplicateFlag.objects.get_or_create(
        first=first, second=second, defaults={"site": w.outsider.person.site}
    )
    return [{"flag_id": flag.public_id}]


def _foreign_kit(w: World) -> list[dict[str, Any]]:
    """The outsider's blood-draw kit (with a visit letter)."""
    from participants.kits.models import Kit, PartnerSite

    kit, _ = Kit.objects.get_or_create(
        participant=w.outsider.person,
        defaults={
            "kind": "blood",
            "barcode": "CK0000000042",
            "partner_site": PartnerSite.objects.first(),
        },
    )
    return [{"kit_id": kit.public_id}]


def _foreign_campaign(w: World) -> list[dict[str, Any]]:
    """A campaign that asks only the outsider (the participant is not a member)."""
    import datetime as dt

    from django.core.files.base import ContentFile

    from participants.consent.campaigns.models import Campaign, Member

    campaign = Campaign.objects.filter(ethics_number="IRB-ENUM").first()
    if campaign is None:
        version = w.outsider.record.version
        campaign = Campaign(
            version=version, from_version=version, ethics_number="IRB-ENUM",
            ethics_date=dt.date(2026, 12, 1), policy="continue", created_by=w.staff,
        )  # fmt: skip
        campaign.ethics_document.save("enum.pdf", ContentFile(b"%PDF-1.7"), save=False)
        campaign.save()
        Member.objects.create(campaign=campaign, participant=w.outsider.person, language="en")
    return [{"campaign_id": campaign.public_id}]


CAMPAIGN_MADE_UP = ({"campaign_id": uuid.UUID(int=0)}, {"campaign_id": uuid.uuid4()})
KIT_MADE_UP = ({"kit_id": uuid.UUID(int=0)}, {"kit_id": uuid.uuid4()})
KIT = Fill("catalog", foreign=_foreign_kit, made_up=KIT_MADE_UP)  # the biobank sees every kit

ROUTES: dict[str, Fill] = {
    # --- participants
    "me/results/<int:pk>/": REPORT,
    "me/results/<int:pk>/pdf/": REPORT,
    "me/results/<int:pk>/letter/family/": REPORT,
    "me/results/<int:pk>/letter/clinician/": REPORT,
    "me/documents/<int:pk>/download/": Fill(
        "owned",
        foreign=lambda w: [{"pk": w.outsider.document.pk}],
        made_up=_ints("pk"),
        sweep=("pk", _own_documents),
    ),
    "me/surveys/responses/<uuid:response_id>/page/<slug:page_code>/": Fill(
        "owned",
        foreign=lambda w: [{**k, "page_code": "about_you"} for k in RESPONSE.foreign(w)],
        made_up=tuple({**k, "page_code": "about_you"} for k in RESPONSE.made_up),
    ),
    "me/surveys/responses/<uuid:response_id>/review/": RESPONSE,
    "me/surveys/responses/<uuid:response_id>/done/": RESPONSE,
    "me/surveys/<slug:code>/": SURVEY_CODE,
    "me/data/answers/<uuid:response_id>/": RESPONSE,
    "me/data/download/<uuid:copy_id>/": Fill(
        "owned",
        foreign=lambda w: [{"copy_id": w.extra["outsider_export"].public_id}],
        made_up=({"copy_id": uuid.UUID(int=0)}, {"copy_id": uuid.uuid4()}),
    ),
    "me/consent/<slug:code>/": CONSENT_CODE,
    "me/reconsent/<uuid:campaign_id>/": Fill(
        "owned", foreign=_foreign_campaign, made_up=CAMPAIGN_MADE_UP
    ),
    "staff/consent/campaigns/<uuid:campaign_id>/": Fill(
        "catalog",  # consent managers see every campaign's counts (no identities)
        foreign=_foreign_campaign,
        made_up=CAMPAIGN_MADE_UP,
    ),
    "staff/consent/campaigns/<uuid:campaign_id>/ethics/": Fill(
        "catalog",  # the ethics board's letter: consent managers, every campaign
        foreign=_foreign_campaign,
        made_up=CAMPAIGN_MADE_UP,
    ),
    "me/kit/<uuid:kit_id>/letter/": Fill("owned", foreign=_foreign_kit, made_up=KIT_MADE_UP),
    "me/consent/<slug:code>/withdraw/": CONSENT_CODE,
    "me/consent/<slug:code>/signed/": CONSENT_CODE,
    "unsubscribe/<str:token>/": Fill(
        "token",
        foreign=lambda w: [{"token": unsubscribe_token(w.outsider.person)}],
        made_up=(
            {"token": "not-a-token"},
            {"token": "\x00"},
            {"token": "A" * 5000},
            {"token": "{{ request }}"},
        ),
    ),
    # --- allauth (participants and staff alike)
    "accounts/2fa/webauthn/keys/<int:pk>/remove/": KEY,
    "accounts/2fa/webauthn/keys/<int:pk>/edit/": KEY,
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": Fill(
        "token",
        foreign=lambda w: [
            {"uidb36": user_pk_to_url_str(w.outsider.person.user), "key": "set-password"},
            {"uidb36": user_pk_to_url_str(w.outsider.person.user), "key": "5x6-guessed"},
        ],
        made_up=({"uidb36": "zzzz", "key": "5x6-guessed"}, {"uidb36": "0", "key": BIG}),
    ),
    # --- staff
    "staff/participants/<str:participant_id>/": Fill(
        "owned",  # own site only
        foreign=lambda w: [
            {"participant_id": w.outsider.person.participant_id},
            {"participant_id": w.outsider.person.research_id},
        ],
        made_up=(
            {"participant_id": "P000000000"},
            {"participant_id": "\x00"},
            {"participant_id": "P" + "²" * 9},
            {"participant_id": "P" * 3000},
        ),
    ),
    "staff/results/review/<int:pk>/": Fill(
        "owned",  # the counsellor's own queue only
        foreign=lambda w: [
            {"pk": w.outsider.report.pk},
            {"pk": w.outsider.risk_report.pk},
            {"pk": w.queued_elsewhere.pk},
        ],
        made_up=_ints("pk"),
    ),
    "staff/accounts/<int:user_id>/": STAFF_USER,
    "staff/accounts/<int:user_id>/deactivate/": STAFF_USER,
    "staff/accounts/requests/<int:pk>/": Fill(
        "owned",  # a grant one asked for, or one to oneself, is decided by someone else
        foreign=lambda w: [{"pk": w.extra["own_grant"].pk}, {"pk": w.extra["grant_to_me"].pk}],
        made_up=_ints("pk"),
    ),
    "staff/travel/<int:pk>/approve/": Fill(
        "owned",  # someone else's request; one's own is not offered
        foreign=lambda w: [{"pk": w.own_travel.pk}],
        made_up=_ints("pk"),
    ),
    "staff/consent/records/<int:pk>/fhir/": Fill(
        "owned",
        foreign=lambda w: [{"pk": w.outsider.record.pk}, {"pk": w.participant.record.pk}],
        made_up=_ints("pk"),
    ),
    "staff/consent/<slug:code>/new/": CONSENT_CODE,
    "staff/consent/<slug:code>/drafts/<int:pk>/": Fill(
        "catalog",  # a draft of that form: a published version is not a draft
        foreign=lambda w: [{"code": "primary", **k} for k in CONSENT_VERSION.foreign(w)],
        made_up=tuple({"code": "primary", **k} for k in _ints("pk")),
    ),
    "staff/consent/versions/<int:pk>/": CONSENT_VERSION,
    "staff/consent/versions/<int:pk>/publish/": CONSENT_VERSION,
    "staff/surveys/versions/<int:pk>/preview/<str:language>/": Fill(
        "catalog",
        foreign=lambda w: [
            {"pk": pk, "language": "en"}
            for pk in SurveyResponse.objects.values_list("version", flat=True)
        ],
        made_up=(
            *_ints("pk", language="en"),
            {"pk": 1, "language": "xx"},
            {"pk": 1, "language": "\x00"},
        ),
    ),
    "staff/results/samples/<int:pk>/": Fill(
        "catalog",  # data managers see every manifest (research ids, no identity)
        foreign=lambda w: [{"pk": w.outsider.report.interpretation.sample.manifest_id}],
        made_up=_ints("pk"),
    ),
    "staff/results/releases/<int:pk>/reinterpret/": Fill(
        "catalog",
        foreign=lambda w: [{"pk": w.outsider.report.release_id}],
        made_up=_ints("pk"),
    ),
    "staff/results/recontact/<int:pk>/close/": Fill("catalog", made_up=_ints("pk")),
    "staff/results/qc/<int:pk>/": Fill(
        "catalog",  # data managers decide every held sample (sample and research ids only)
        foreign=lambda w: [{"pk": w.outsider.report.interpretation_id}],
        made_up=_ints("pk"),
    ),
    "staff/results/confirmations/<int:pk>/": Fill(
        "catalog",  # data managers enter every confirmation; each look is access-logged
        foreign=lambda w: [{"pk": w.outsider.risk_report.pk}],
        made_up=_ints("pk"),
    ),
    "staff/kits/<uuid:kit_id>/": KIT,
    "staff/kits/<uuid:kit_id>/label/": KIT,
    "staff/duplicates/<uuid:flag_id>/": Fill(
        "owned",  # own site's pairs only
        foreign=_foreign_duplicate_pair,
        made_up=({"flag_id": uuid.UUID(int=0)}, {"flag_id": uuid.uuid4()}),
    ),
}


def test_every_parameterised_route_is_known():
    """A route added later must be given a way to fill it here, or this test fails."""
    found = {route.pattern for route in parameterised_routes()}
    assert found - set(ROUTES) == set(), "new routes: add them to ROUTES"
    assert set(ROUTES) - found == set(), "routes gone: remove them from ROUTES"


# ------------------------------------------------------------------ the checks
def _url(route: Route, kwargs: dict[str, Any]) -> str:
    return reverse(route.name, kwargs=kwargs)


def _markers(person: Participant, *, identity_only: bool = False) -> list[str]:
    """Strings that would show another person's data on a page."""
    found = [person.legal_first_name, person.legal_last_name, person.user.email]
    if not identity_only:
        found += [person.participant_id, person.research_id]
    return found


def _refused(response, baseline) -> bool:
    """404/405, or the very answer a made-up id gets (a login redirect, a role's 403)."""
    if response.status_code in (404, 405):
        return True
    if response.status_code != baseline.status_code:
        return False
    if response.status_code in (301, 302):
        return response["Location"] == baseline["Location"]
    return response.status_code == 403


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _check(client, world: World, routes, *, markers: list[str], sweep_user=None):
    """Every failure as (url, what): empty when every route refused every foreign value."""
    failures: list[tuple[str, str]] = []

    def get(url: str):
        try:
            return client.get(url)
        except Exception as exc:  # noqa: BLE001 - a crash on a foreign id is a failure too
            failures.append((url, repr(exc)))
            return None

    def leaked(url: str, response) -> None:
        body = _body(response)
        for marker in markers:
            if marker and marker in body:
                failures.append((url, f"shows {marker!r}"))
        if response.status_code in (403, 404) and not any(text in body for text in HUMAN):
            failures.append((url, f"{response.status_code} without a message for a person"))

    for route in routes:
        fill = ROUTES[route.pattern]
        baselines = []
        for kwargs in fill.made_up:
            url = _url(route, kwargs)
            response = get(url)
            if response is None:
                continue
            shown = fill.kind != "token" and response.status_code not in (302, 403, 404, 405)
            if response.status_code >= 500 or shown:
                failures.append((url, f"made-up value: {response.status_code}"))
            baselines.append(response)
            leaked(url, response)
        baseline = baselines[0] if baselines else None
        for kwargs in fill.foreign(world):
            url = _url(route, kwargs)
            response = get(url)
            if response is None:
                continue
            leaked(url, response)
            crashed = response.status_code >= 500
            reached = fill.kind == "owned" and not (baseline and _refused(response, baseline))
            # A capability link: valid or not, it answers the same whoever holds it.
            odd_token = fill.kind == "token" and response.status_code not in (200, 302, 404)
            if crashed or reached or odd_token:
                failures.append((url, str(response.status_code)))
        if fill.sweep and sweep_user is not None and baseline is not None:
            param, reachable = fill.sweep
            mine = reachable(world, sweep_user)
            top = max([*mine, *(k[param] for k in fill.foreign(world))]) + 3
            for number in range(1, top):
                if number in mine:
                    continue
                url = _url(route, {param: number})
                response = get(url)
                if response is not None and not _refused(response, baseline):
                    failures.append((url, f"sequential id: {response.status_code}"))
                elif response is not None:
                    leaked(url, response)
    return failures


def _snapshot(world: World) -> dict[str, Any]:
    """Everything of the outsider's that a POST could change or delete."""
    o = world.outsider
    return {
        "person": model_to_dict(Participant.objects.get(pk=o.person.pk)),
        "reports": list(Report.objects.filter(participant=o.person).values("pk", "state")),
        "records": list(ConsentRecord.objects.filter(participant=o.person).values()),
        "documents": list(ConsentDocument.objects.filter(record__participant=o.person).values()),
        "responses": list(SurveyResponse.objects.filter(participant=o.person).values()),
        "keys": list(Authenticator.objects.filter(user=o.person.user).values("pk", "data")),
    }


def test_participant_cannot_reach_another_participants_objects(world):
    client = Client()
    client.force_login(world.participant.person.user)
    client = reauthenticated(client)  # so allauth's own pages look the key up
    routes = [r for r in parameterised_routes() if not r.is_staff]
    before = _snapshot(world)
    failures = _check(
        client,
        world,
        routes,
        markers=_markers(world.outsider.person),
        sweep_user=world.participant.person.user,
    )
    assert failures == []
    # POST with another person's id: refused too, and nothing of theirs changes.
    for route in routes:
        fill = ROUTES[route.pattern]
        if fill.kind != "owned":
            continue
        for kwargs in fill.foreign(world):
            url = _url(route, kwargs)
            response = client.post(url, {"action": "continue", "birth_year": "1900"})
            assert response.status_code in (404, 405), (url, response.status_code)
    assert _snapshot(world) == before
    assert not AccessEvent.objects.exists()


def test_the_foreign_objects_are_real_their_owner_reaches_them(world):
    """Without this, every 404 above could just mean the fixture made nothing."""
    owner = Client()
    owner.force_login(world.outsider.person.user)
    o = world.outsider
    for url in (
        reverse("results:report", args=[o.report.pk]),
        reverse("consent:document_download", args=[o.document.pk]),
        reverse("surveys:page", args=[o.response.public_id, "about_you"]),
    ):
        response = owner.get(url)
        assert response.status_code == 200, url


def test_participant_never_finds_the_staff_area(world):
    client = Client()
    client.force_login(world.participant.person.user)
    for route in parameterised_routes():
        if not route.is_staff:
            continue
        fill = ROUTES[route.pattern]
        for kwargs in [*fill.foreign(world), *fill.made_up]:
            url = _url(route, kwargs)
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_log_in_and_learn_nothing(world):
    client = Client(REMOTE_ADDR=US_IP)
    failures = []
    for route in parameterised_routes():
        fill = ROUTES[route.pattern]
        for kwargs in [*fill.foreign(world), *fill.made_up]:
            url = _url(route, kwargs)
            response = client.get(url)
            body = _body(response)
            if any(m in body for m in _markers(world.outsider.person)):
                failures.append((url, "leak"))
            if fill.kind == "token":
                ok = response.status_code in (200, 302, 404)
            else:
                ok = response.status_code == 302 and "/accounts/login/" in response["Location"]
            if not ok:
                failures.append((url, response.status_code))
    assert failures == []


def test_staff_with_every_role_cannot_reach_what_is_not_theirs(world):
    client = reauthenticated(staff_client(world.staff))
    failures = _check(
        client,
        world,
        parameterised_routes(),
        markers=_markers(world.outsider.person, identity_only=True),
        sweep_user=world.staff,
    )
    assert failures == []
    assert not AccessEvent.objects.exists()  # no record was opened along the way


def test_staff_review_of_a_report_outside_the_queue_is_not_found(world, make_staff):
    """403 would confirm the report exists; a made-up id and a foreign one look the same."""
    counsellor = staff_client(make_staff("genetic_counsellor"))
    outside = counsellor.get(
        reverse("staff_results:review_detail", args=[world.outsider.report.pk])
    )
    made_up = counsellor.get(reverse("staff_results:review_detail", args=[999_999]))
    assert outside.status_code == made_up.status_code == 404
    assert world.outsider.person.participant_id not in _body(outside)


# ------------------------------------------------------------------ support look-ups
def _open(client, participant, reason="participant_request", detail="ticket 42"):
    client.post(
        reverse("staff:support_lookup"),
        {"participant_id": participant.participant_id, "reason": reason, "detail": detail},
    )
    return client.get(reverse("staff:participant", args=[participant.participant_id]))


def test_support_gets_404_for_another_sites_participant(supporter, outsider):
    response = _open(staff_client(supporter), outsider)
    assert response.status_code == 404
    assert AccessEvent.objects.count() == 0


def test_unknown_or_malformed_id_is_not_found(supporter):
    client = staff_client(supporter)
    for value in ("P000000000", "\x00", "P" + "²" * 9, "'; SELECT 1; --"):
        assert client.get(reverse("staff:participant", args=[value])).status_code == 404


def test_no_name_search_or_listing(supporter, participant):
    client = staff_client(supporter)
    response = client.get(reverse("staff:support_lookup") + "?q=García")
    assert "García" not in response.content.decode()
    response = client.post(
        reverse("staff:support_lookup"),
        {"participant_id": "García", "reason": "other", "detail": "x"},
    )
    assert response.status_code == 200 and AccessEvent.objects.count() == 0


def test_quota_blocks_the_enumeration_and_alerts(
    supporter, site_a, admin_user, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    from portal.models import AuditEvent
    from tests.factories import ParticipantFactory

    settings.STAFF_RECORD_VIEW_QUOTA_PER_HOUR = 5
    people = [ParticipantFactory(site=site_a) for _ in range(7)]
    client = staff_client(supporter)
    statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        for person in people:
            statuses.append(_open(client, person).status_code)
    assert statuses == [200] * 5 + [403] * 2
    # Records already opened this hour stay readable.
    assert _open(client, people[0]).status_code == 200
    assert AccessEvent.objects.values("participant").distinct().count() == 5
    assert AuditEvent.objects.filter(action="staff.quota_exceeded", actor=supporter).count() == 2
    assert any("quota" in m.subject for m in mail.outbox)
    assert all(m.to == [admin_user.email] for m in mail.outbox)
