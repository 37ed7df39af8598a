"""R11: staff abroad refused unless an approved exception; countries of concern always;
unknown refused; X-Forwarded-For believed only from trusted proxies."""

import datetime as dt

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from portal.models import AuditEvent, TravelException
from portal.staff_security import COUNTRIES_OF_CONCERN, client_ip, country_for_ip
from tests.staff.conftest import US_IP, ip_in, staff_client

pytestmark = pytest.mark.django_db


def test_addresses_used_here_locate_where_we_say():
    assert country_for_ip(US_IP) == "US"
    for country in COUNTRIES_OF_CONCERN:
        assert country_for_ip(ip_in(country)) == country
    assert country_for_ip("127.0.0.1") == "LOCAL"
    assert country_for_ip("not an ip") == ""


@pytest.mark.parametrize("country", sorted(COUNTRIES_OF_CONCERN))
def test_staff_from_each_country_of_concern_is_refused_audited_and_reported(
    country, recruiter, admin_user, django_capture_on_commit_callbacks
):
    client = staff_client(recruiter, ip=ip_in(country))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("staff:dashboard"))
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="staff.location_refused")
    assert event.actor == recruiter
    assert event.data["country"] == country
    assert event.data["reason"] == "country_of_concern"
    assert [m.to for m in mail.outbox] == [[admin_user.email]]


def test_country_of_concern_refused_even_with_an_approved_exception(recruiter, admin_user):
    today = dt.date.today()
    TravelException.objects.create(
        user=recruiter,
        country="RU",
        starts_on=today,
        ends_on=today,
        reason="conference",
        approved_by=admin_user,
    )
    response = staff_client(recruiter, ip=ip_in("RU")).get(reverse("staff:dashboard"))
    assert response.status_code == 403


def test_abroad_refused_without_exception_and_allowed_with_an_approved_one(recruiter, admin_user):
    ip = ip_in("CA")
    client = staff_client(recruiter, ip=ip)
    assert client.get(reverse("staff:dashboard")).status_code == 403
    today = dt.date.today()
    travel = TravelException.objects.create(
        user=recruiter, country="CA", starts_on=today, ends_on=today, reason="conference"
    )
    assert client.get(reverse("staff:dashboard")).status_code == 403  # not approved yet
    travel.approved_by = admin_user
    travel.save()
    assert client.get(reverse("staff:dashboard")).status_code == 200
    # ...but the exception covers only its country.
    assert (
        staff_client(recruiter, ip=ip_in("MX")).get(reverse("staff:dashboard")).status_code == 403
    )


def test_us_territories_allowed(recruiter):
    for country in ("PR", "GU"):
        assert staff_client(recruiter, ip=ip_in(country)).get("/staff/").status_code == 200


def test_private_and_loopback_only_with_the_setting(recruiter, settings):
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = False
    assert staff_client(recruiter, ip="127.0.0.1").get("/staff/").status_code == 403
    assert staff_client(recruiter, ip="10.1.2.3").get("/staff/").status_code == 403
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True
    assert staff_client(recruiter, ip="127.0.0.1").get("/staff/").status_code == 200


def test_unknown_location_refused(recruiter):
    # 0.0.0.0/8 is reserved and in no country.
    response = staff_client(recruiter, ip="0.1.2.3").get("/staff/")
    assert response.status_code == 403


def test_every_staff_request_is_located_not_only_staff_paths(recruiter):
    client = staff_client(recruiter, ip=ip_in("DE"))
    assert client.get(reverse("participants:home")).status_code == 403
    assert client.get("/accounts/2fa/").status_code == 403


def test_a_refusal_from_a_country_of_concern_ends_the_session(recruiter):
    """Issue 15 (9): the session does not outlive the refusal; from home it is gone too."""
    client = staff_client(recruiter, ip=ip_in("CN"))
    assert client.get(reverse("participants:home")).status_code == 403
    client.defaults["REMOTE_ADDR"] = US_IP
    response = client.get("/staff/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_spanish_prefix_is_protected_too(recruiter):
    assert staff_client(recruiter, ip=ip_in("IR")).get("/es/staff/").status_code == 403


def test_anonymous_staff_path_from_abroad_is_refused(client):
    response = client.get("/staff/", REMOTE_ADDR=ip_in("KP"))
    assert response.status_code == 403


def test_participants_are_never_geo_blocked(participant):
    from django.test import Client

    client = Client(REMOTE_ADDR=ip_in("RU"))
    client.force_login(participant.user)
    assert client.get(reverse("participants:home")).status_code == 200


def test_spoofed_forwarded_for_from_an_untrusted_client_is_ignored(recruiter, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # A client abroad claims to be in the US: REMOTE_ADDR is not our proxy, so ignored.
    client = staff_client(recruiter, ip=ip_in("RU"), HTTP_X_FORWARDED_FOR=US_IP)
    assert client.get("/staff/").status_code == 403
    # From our proxy, the hop the proxy appended counts, not what the client wrote first.
    client = staff_client(recruiter, ip="10.0.0.5", HTTP_X_FORWARDED_FOR=f"{US_IP}, {ip_in('RU')}")
    assert client.get("/staff/").status_code == 403
    client = staff_client(recruiter, ip="10.0.0.5", HTTP_X_FORWARDED_FOR=f"{ip_in('RU')}, {US_IP}")
    assert client.get("/staff/").status_code == 200


def test_client_ip_parser():
    rf = RequestFactory()
    assert (
        client_ip(rf.get("/", REMOTE_ADDR="8.8.8.8", HTTP_X_FORWARDED_FOR="1.1.1.1")) == "8.8.8.8"
    )
    assert client_ip(rf.get("/", REMOTE_ADDR="garbage")) is None
