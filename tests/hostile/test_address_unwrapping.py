"""Issue 15, medium 5: addresses that wrap an IPv4 address are located as that address.

The probe: `::ffff:a.b.c.d` (IPv4-mapped) and `2002::/16` (6to4) counted as private or
local, so with private networks allowed (the local settings) a staff member in Russia
was let in through an IPv6 spelling of a Russian address.
"""

import ipaddress

import pytest
from django.test import RequestFactory

from portal.staff_security import LOCAL, UNKNOWN, client_ip, country_for_ip
from tests.staff.conftest import US_IP, ip_in, staff_client

pytestmark = pytest.mark.django_db


def mapped(ip: str) -> str:
    return f"::ffff:{ip}"


def six_to_four(ip: str) -> str:
    packed = int(ipaddress.IPv4Address(ip))
    return f"2002:{packed >> 16:x}:{packed & 0xFFFF:x}::1"


def teredo(ip: str) -> str:
    obfuscated = int(ipaddress.IPv4Address(ip)) ^ 0xFFFFFFFF
    return f"2001:0:4136:e378:8000:63bf:{obfuscated >> 16:x}:{obfuscated & 0xFFFF:x}"


@pytest.mark.parametrize("wrap", [mapped, six_to_four, teredo])
def test_a_wrapped_address_is_located_as_the_address_inside(wrap):
    for country in ("RU", "CN", "US", "DE"):
        assert country_for_ip(wrap(ip_in(country))) == country
    assert country_for_ip(wrap(US_IP)) == "US"


@pytest.mark.parametrize("wrap", [mapped, six_to_four])
def test_staff_in_russia_behind_an_ipv6_spelling_is_refused_even_where_local_is_allowed(
    wrap, recruiter, settings
):
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True
    response = staff_client(recruiter, ip=wrap(ip_in("RU"))).get("/staff/")
    assert response.status_code == 403


def test_only_loopback_rfc1918_and_ula_are_local():
    for ip in ("127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "::1", "fd00::5"):
        assert country_for_ip(ip) == LOCAL, ip
    assert country_for_ip(mapped("127.0.0.1")) == LOCAL  # still loopback once unwrapped
    # Special but not local: link-local, carrier-grade NAT, documentation, reserved.
    for ip in ("169.254.1.1", "100.64.0.1", "192.0.2.1", "240.0.0.1", "fe80::1", "2001:db8::1"):
        assert country_for_ip(ip) == UNKNOWN, ip


def test_local_is_refused_unless_the_setting_allows_it(recruiter, settings):
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = False
    for ip in ("127.0.0.1", mapped("10.0.0.1"), "fd00::5"):
        assert staff_client(recruiter, ip=ip).get("/staff/").status_code == 403, ip
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True
    assert staff_client(recruiter, ip="fd00::5").get("/staff/").status_code == 200
    # Link-local is never "here".
    assert staff_client(recruiter, ip="169.254.1.1").get("/staff/").status_code == 403


def test_client_ip_returns_the_unwrapped_address_for_every_user_of_it(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    rf = RequestFactory()
    assert client_ip(rf.get("/", REMOTE_ADDR=mapped("198.51.100.7"))) == "198.51.100.7"
    # A trusted proxy written as IPv4-mapped is still our proxy.
    request = rf.get("/", REMOTE_ADDR=mapped("10.0.0.5"), HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert client_ip(request) == "198.51.100.9"
