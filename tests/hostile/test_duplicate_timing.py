"""The duplicate check reveals nothing to the person registering (R28's spirit).

Completing a profile whose name, birth date and ZIP match another account must
answer exactly as one that matches nobody: same status, same redirect, same
messages, the same queued work, no e-mail - and take the same time, because the
comparison itself runs later in a worker (the outbox task), never in the request.
"""

import datetime as dt
import statistics
import time

import pytest
from django.core import mail
from django.test import Client

from participants.duplicates.models import BlindIndex, DuplicateFlag
from portal.outbox import OutboxMessage
from tests.factories import ParticipantFactory
from tests.participants.duplicates.helpers import register

pytestmark = pytest.mark.django_db

ROUNDS = 12
PROFILE = {
    "legal_first_name": "Ana",
    "legal_last_name": "García",
    "preferred_name": "",
    "address_line1": "12 Main St",
    "address_line2": "",
    "city": "Austin",
    "us_state": "TX",
    "postal_code": "78701",
    "phone": "(512) 555-0134",
    "preferred_language": "en",
    "contact_email": "on",
    "recruitment_source": "COMMUNITY",
    "race_ethnicity": ["WHITE"],
    "sex_at_birth": "FEMALE",
    "gender_identity": "WOMAN",
}


def _complete_profile(i: int, *, matching: bool):
    person = ParticipantFactory(
        user__email=f"new{i}-{int(matching)}@example.org",
        profile_completed_at=None,
        legal_last_name="",
        date_of_birth=None,
        postal_code="",
        phone="",
    )
    client = Client()
    client.force_login(person.user)
    dob = "1956-04-02" if matching else f"19{40 + i % 40}-0{1 + i % 9}-1{i % 9}"
    phone = PROFILE["phone"] if matching else f"(512) 555-{1000 + i}"
    outbox_before = set(OutboxMessage.objects.values_list("pk", flat=True))
    mail.outbox.clear()
    started = time.perf_counter()
    response = client.post("/me/profile/", {**PROFILE, "date_of_birth": dob, "phone": phone})
    elapsed = time.perf_counter() - started
    queued = sorted(
        OutboxMessage.objects.exclude(pk__in=outbox_before).values_list("task_name", flat=True)
    )
    page = client.get(response["Location"]).content.decode() if response.status_code == 302 else ""
    return {
        "status": response.status_code,
        "location": response.get("Location"),
        "queued": queued,
        "mail": len(mail.outbox),
        "page": page.replace(person.participant_id, "PID").replace(person.user.email, "EMAIL"),
    }, elapsed


def test_a_matching_profile_answers_and_times_like_any_other():
    register(email="first@example.org")  # the account a newcomer would collide with
    _complete_profile(-1, matching=False)  # warm caches, templates, the ORM
    outcomes = {True: [], False: []}
    times = {True: [], False: []}
    for i in range(ROUNDS):
        for matching in (True, False) if i % 2 else (False, True):
            outcome, elapsed = _complete_profile(i, matching=matching)
            outcomes[matching].append(outcome)
            times[matching].append(elapsed)

    # Same answer, same queued work, no mail: nothing in the response tells them apart.
    def shape(o):
        return (o["status"], o["location"], tuple(o["queued"]), o["mail"])

    assert {shape(o) for o in outcomes[True]} == {shape(o) for o in outcomes[False]}
    assert len({shape(o) for o in outcomes[True]}) == 1
    assert outcomes[True][0]["status"] == 302  # the profile was accepted
    assert "participants.duplicates.tasks.duplicate_check" in outcomes[True][0]["queued"]
    assert "duplicate" not in outcomes[True][0]["page"].lower()
    assert outcomes[True][0]["page"].count("<") == outcomes[False][0]["page"].count("<")
    # The digests were stored for everyone; the comparison waits for the worker.
    assert BlindIndex.objects.filter(kind="name_dob_zip").count() >= 2 * ROUNDS
    assert DuplicateFlag.objects.count() == 0

    # And the time: the medians differ by less than the noise of one request.
    hit, miss = statistics.median(times[True]), statistics.median(times[False])
    spread = statistics.pstdev(times[True] + times[False])
    assert abs(hit - miss) < max(0.2 * miss, 2 * spread, 0.003), (hit, miss, spread)


def test_the_worker_then_flags_what_the_request_did_not_reveal():
    from participants.duplicates.services import duplicate_check

    first = register(email="first@example.org")
    _complete_profile(0, matching=True)
    newcomer = ParticipantFactory._meta.model.objects.get(user__email="new0-1@example.org")
    assert [f.first for f in duplicate_check(participant=newcomer)] == [first]
    assert dt.date(1956, 4, 2) == newcomer.date_of_birth
