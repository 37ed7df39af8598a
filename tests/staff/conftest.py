"""Staff personas: real MFA (TOTP), a public US address, roles from setup_roles."""

import ipaddress
from functools import cache

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.test import Client

from portal.models import StaffProfile
from staff.roles import ROLES, roles_setup
from tests.factories import SiteFactory, UserFactory

US_IP = "8.8.8.8"


@cache
def ip_in(country: str) -> str:
    """A public IPv4 address that geoip2fast's own data places in `country`."""
    import geoip2fast.geoip2fast as data

    from portal.staff_security import _geoip, country_for_ip

    _geoip()
    ids = {i for i, item in enumerate(data.mainListNamesCountry) if item.split(":")[0] == country}
    for root, chunk in enumerate(data.mainListIDCountryCodes):
        for j, cid in enumerate(chunk):
            if cid in ids:
                first = data.mainListFirstIP[root][j]
                if first + 1 < 2**32:
                    ip = str(ipaddress.IPv4Address(first + 1))
                    if country_for_ip(ip) == country:
                        return ip
    raise LookupError(country)


@pytest.fixture
def roles(db):
    roles_setup()
    return ROLES


@pytest.fixture
def site_a(db):
    return SiteFactory(code="site-a")


@pytest.fixture
def make_staff(db, roles, site_a):
    def make(*role_names: str, email: str | None = None, site=None, mfa: bool = True):
        kwargs = {"email": email} if email else {}
        user = UserFactory(is_staff=True, **kwargs)
        StaffProfile.objects.create(user=user, site=site or site_a)
        user.groups.set(Group.objects.filter(name__in=role_names))
        user.totp_secret = None
        if mfa:
            user.totp_secret = generate_totp_secret()
            TOTP.activate(user, user.totp_secret)
        return user

    return make


def staff_client(user, ip: str = US_IP, **extra) -> Client:
    client = Client(REMOTE_ADDR=ip, **extra)
    client.force_login(user)
    return client


def totp_now(user) -> str:
    return pyotp.TOTP(user.totp_secret).now()


@pytest.fixture
def recruiter(make_staff):
    return make_staff("recruitment")


@pytest.fixture
def supporter(make_staff):
    return make_staff("support")


@pytest.fixture
def admin_user(make_staff):
    return make_staff("administrator")


def reauthenticated(client) -> Client:
    """Marks the session as just re-authenticated (allauth stores a timestamp)."""
    import time

    session = client.session
    session["account_authenticated_at"] = time.time()
    methods = session.get("account_authentication_methods", [])
    methods.append({"method": "password", "at": time.time(), "reauthenticated": True})
    session["account_authentication_methods"] = methods
    session["account_authentication_methods_user"] = session["_auth_user_id"]
    session.save()
    return client
