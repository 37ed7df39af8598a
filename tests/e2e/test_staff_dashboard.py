"""A recruitment user logs in with password + TOTP and reads the dashboard (axe-clean)."""

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from participants.models import User
from portal.models import StaffProfile
from staff.roles import roles_setup
from tests.e2e.browser import assert_accessible, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-staff-password-2026"


@pytest.fixture
def recruitment_user(settings):
    # The live server answers on 127.0.0.1: a private address counts as "here" only
    # with this setting, which production leaves off.
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True
    roles_setup()
    user = User.objects.create_user(email="recruiter@example.org", password=PASSWORD, is_staff=True)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    StaffProfile.objects.create(user=user)
    user.groups.add(Group.objects.get(name="recruitment"))
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


def test_recruitment_user_logs_in_with_totp_and_reads_the_dashboard(
    page, live_server, recruitment_user
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", recruitment_user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", pyotp.TOTP(recruitment_user.totp_secret).now())
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/staff/")
    assert page.locator("h1").inner_text() == "Recruitment dashboard"
    assert page.locator("svg[role=img]").count() >= 3
    assert page.get_by_text("Definition:").count() >= 3
    assert_accessible(page)
    # The header has no participant link that would 404 for staff (issue 13, item 2).
    assert page.locator("header").get_by_role("link", name="My journey").count() == 0
    for link in page.locator("header a").all():
        href = link.get_attribute("href")
        if href and href.startswith("/"):
            assert page.request.get(live_server.url + href).status < 400, href
    # Laid out for a desktop, with a funnel whose labels can be read (item 11).
    assert page.locator("main").bounding_box()["width"] > 1000
    label = page.locator("svg.chart-funnel text").first
    assert label.bounding_box()["height"] >= 14  # rendered text height in CSS px
    screenshot(page, "staff-dashboard-1280")
