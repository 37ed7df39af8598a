"""“Who has seen my data” in plain words, local time, both old and new access-log codes."""

import datetime as dt

import pgtrigger
import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from participants.access_wording import access_wording
from participants.duplicates.staff_views import ACCESS_ACTIONS as DUPLICATE_ACTIONS
from participants.kits.staff_views import ACCESS_ACTIONS as KIT_ACTIONS
from portal.access_log import access_record
from portal.models import AccessEvent
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("what", "reason", "role", "expected"),
    [
        # today's codes
        (
            "genetic report",
            "results review queue, report 12",
            "genetic_counsellor",
            "A genetic counsellor reviewed your DNA report before it was released to you.",
        ),
        (
            "support.profile",
            "participant_request: called about a letter",
            "support",
            "A member of our support team looked at your contact details and profile "
            "because you asked us for help.",
        ),
        # the codes another change is moving to
        (
            "results.report",
            "review:12",
            "genetic_counsellor",
            "A genetic counsellor reviewed your DNA report before it was released to you.",
        ),
        (
            "results.report",
            "release:12",
            "genetic_counsellor",
            "A genetic counsellor checked your DNA report to release it to you.",
        ),
        (
            "support.profile",
            "data_correction: address",
            "support",
            "A member of our support team looked at your contact details and profile "
            "to correct your details.",
        ),
        (
            "consent.records",
            "safety: complaint 7",
            "support",
            "A member of our support team looked at your consent forms about your safety "
            "or a complaint.",
        ),
        # something nobody has seen before still reads as a sentence
        (
            "zz.new_thing",
            "whatever-42",
            "",
            "A staff member looked at part of your record for other work on your record.",
        ),
    ],
)
def test_codes_old_and_new_read_as_plain_sentences(what, reason, role, expected):
    assert access_wording(what=what, reason=reason, role=role, by_participant=False).sentence == (
        expected
    )


def test_the_page_is_plain_local_and_in_both_languages(client):
    participant = ParticipantFactory(us_state="NY")
    counsellor = UserFactory(is_staff=True)
    group, _ = Group.objects.get_or_create(name="genetic_counsellor")
    counsellor.groups.add(group)
    access_record(
        staff=counsellor,
        participant=participant,
        what="results.report",
        reason="review:12",
        request=None,
    )
    when = dt.datetime(2026, 1, 5, 2, 15, tzinfo=dt.UTC)  # 4 January, 9:15 pm in New York
    with pgtrigger.ignore("portal.AccessEvent:access_event_append_only"):
        AccessEvent.objects.update(created=when)
    client.force_login(participant.user)
    session = client.session
    session["time_zone"] = "America/New_York"
    session.save()
    html = client.get("/me/access/").content.decode()
    assert "A genetic counsellor reviewed your DNA report before it was released to you." in html
    assert 'datetime="2026-01-04T21:15:00-05:00"' in html
    assert "Sunday, Jan. 4, 2026, 9:15 p.m. (EST)" in html
    assert "review:12" not in html and "results.report" not in html
    assert "<table" not in html  # nothing to clip on a phone
    spanish = client.get("/es/me/access/").content.decode()
    assert "Un asesor genético revisó su informe de ADN antes de que se lo entregáramos." in spanish
    assert "domingo" in spanish


@pytest.mark.parametrize("role", ["support", "biobank", ""])
def test_every_kit_and_duplicate_action_has_its_own_words_in_both_languages(role):
    """The codes are the ones the staff pages write (their ACCESS_ACTIONS), not a copy."""
    codes = [*KIT_ACTIONS, *DUPLICATE_ACTIONS]
    assert {c.split(".")[0] for c in codes} == {"kits", "duplicate"}
    reason = "participant_request: ticket 41"  # what support states; it must not take over
    english = {}
    for language in ("en", "es"):
        with translation.override(language):
            generic = access_wording(
                what="zz.other", reason=reason, role=role, by_participant=False
            )
            sentences = {
                code: access_wording(what=code, reason=reason, role=role, by_participant=False)
                for code in codes
            }
        for code, wording in sentences.items():
            assert wording.sentence != generic.sentence, (language, code)
            assert wording.sentence.startswith(generic.who), (language, code)
            assert code not in wording.sentence and "%(" not in wording.sentence
        # One sentence each, except the two written before support has heard from the
        # participant: a plain check of their details, which says nothing of a second
        # account (someone signing up with another's details must learn nothing).
        before_contact = {"duplicate.pair", "duplicate.not_same"}
        assert len({sentences[c].sentence for c in before_contact}) == 1
        rest = [c for c in codes if c not in before_contact]
        assert len({sentences[c].sentence for c in [*rest, "duplicate.pair"]}) == len(rest) + 1
        if language == "en":
            for code in before_contact:
                words = sentences[code].sentence.lower()
                assert "twice" not in words and "two accounts" not in words, code
        english = english or {c: w.sentence for c, w in sentences.items()}
        if language == "es":
            for code, wording in sentences.items():
                assert wording.sentence != english[code], f"{code} has no Spanish words"
