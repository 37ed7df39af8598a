"""R13 access log (append-only, hash chain) and what support staff see.

Look-up scope, malformed ids and the R12 record-view quota against enumeration are in
tests/hostile/test_id_enumeration.py.
"""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from portal.access_log import access_log_verify, access_record
from portal.models import AccessEvent
from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db


def _open(client, participant, reason="participant_request", detail="ticket 42"):
    client.post(
        reverse("staff:support_lookup"),
        {"participant_id": participant.participant_id, "reason": reason, "detail": detail},
    )
    return client.get(reverse("staff:participant", args=[participant.participant_id]))


def test_support_sees_own_site_participant_after_a_reason_and_it_is_logged(supporter, participant):
    client = staff_client(supporter)
    # Without a stated reason: back to the form, nothing shown.
    response = client.get(reverse("staff:participant", args=[participant.participant_id]))
    assert response.status_code == 302
    assert AccessEvent.objects.count() == 0
    response = _open(client, participant)
    assert response.status_code == 200
    assert "García" in response.content.decode()  # decrypted for support only
    event = AccessEvent.objects.get()
    assert (event.staff, event.participant, event.what) == (
        supporter,
        participant,
        "support.profile",
    )
    assert event.reason.startswith("participant_request")
    assert event.country == "US" and event.ip == "8.8.8.8"


def test_recruitment_staff_cannot_look_anyone_up(recruiter, participant):
    client = staff_client(recruiter)
    assert client.get(reverse("staff:support_lookup")).status_code == 403
    assert _open(client, participant).status_code == 403


def test_access_log_is_append_only(supporter, participant):
    access_record(staff=supporter, participant=participant, what="t", reason="r", request=None)
    with pytest.raises(Exception, match="Cannot update or delete"), transaction.atomic():
        AccessEvent.objects.update(reason="nothing to see")
    with pytest.raises(Exception, match="Cannot update or delete"), transaction.atomic():
        AccessEvent.objects.all().delete()


def test_hash_chain_verifies_and_reports_the_first_broken_link(supporter, participant):
    import pgtrigger

    for i in range(4):
        access_record(
            staff=supporter, participant=participant, what=f"t{i}", reason="r", request=None
        )
    assert access_log_verify() == (4, None)
    call_command("verify_access_log")
    third = AccessEvent.objects.order_by("id")[2]
    with (
        pgtrigger.ignore("portal.AccessEvent:access_event_append_only"),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE portal_accessevent SET reason = 'edited' WHERE id = %s", [third.pk])
    checked, broken = access_log_verify()
    assert checked == 2 and broken.event_id == third.pk
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=f"event {third.pk}"):
        call_command("verify_access_log")


def test_hash_is_unique_so_a_fork_cannot_be_inserted(supporter, participant):
    event = access_record(
        staff=supporter, participant=participant, what="t", reason="r", request=None
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessEvent.objects.create(
            created=event.created,
            staff=supporter,
            participant=participant,
            what="t",
            reason="r",
            prev_hash=event.prev_hash,
            hash=event.hash,
        )


def test_participant_sees_who_has_seen_their_data(supporter, participant, participant_client):
    _open(staff_client(supporter), participant)
    response = participant_client.get("/me/access/")
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        "A member of our support team looked at your contact details and profile "
        "because you asked us for help." in body
    )
    assert supporter.email not in body  # staff identities stay internal
    participant_client.cookies["django_language"] = "es"
    body_es = participant_client.get("/es/me/access/").content.decode()
    assert "Quién ha visto mis datos" in body_es
