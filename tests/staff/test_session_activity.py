"""Session activity tracking (allauth.usersessions) without a write on every request."""

from unittest import mock

import pytest
from allauth.usersessions.models import UserSession

from tests.staff.conftest import US_IP, staff_client

pytestmark = pytest.mark.django_db


def _seen(user):
    return UserSession.objects.get(user=user).last_seen_at


def test_participant_session_is_refreshed_once_a_minute_or_when_the_client_changes(
    participant_client, participant, settings
):
    clock = 1_000_000.0
    with mock.patch("portal.middleware.time.time", side_effect=lambda: clock):
        participant_client.get("/me/", REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Phone/1")
        session = UserSession.objects.get(user=participant.user)
        assert (session.ip, session.user_agent) == ("198.51.100.7", "Phone/1")
        first = session.last_seen_at

        clock += settings.USERSESSIONS_REFRESH_SECONDS - 1
        participant_client.get("/me/", REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Phone/1")
        assert _seen(participant.user) == first  # same client, within the minute: no write

        participant_client.get("/me/", REMOTE_ADDR="203.0.113.50", HTTP_USER_AGENT="Phone/1")
        session = UserSession.objects.get(user=participant.user)
        assert session.ip == "203.0.113.50" and session.last_seen_at > first  # new address

        second = session.last_seen_at
        clock += settings.USERSESSIONS_REFRESH_SECONDS
        participant_client.get("/me/", REMOTE_ADDR="203.0.113.50", HTTP_USER_AGENT="Phone/1")
        assert _seen(participant.user) > second  # a minute later: refreshed
    assert UserSession.objects.filter(user=participant.user).count() == 1


def test_staff_sessions_are_tracked_on_every_request(make_staff):
    user = make_staff("recruitment")
    client = staff_client(user)
    client.get("/staff/", REMOTE_ADDR=US_IP)
    first = _seen(user)
    client.get("/staff/", REMOTE_ADDR=US_IP)
    assert _seen(user) > first
