"""Mass assignment: extra POST fields are ignored by every form (R9).

Each participant form (profile, pause, withdraw, consent sign and withdraw,
comprehension, results choices, survey pages, screener, sign-up) and the staff forms that
change accounts get the fields an attacker would try: `is_staff`, `is_superuser`, `state`,
`participant`, `site`, `consent_version`, ids of another participant. The honest part of
the request does what it should; nothing else changes, for the sender or for anyone else.
"""

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import Group
from django.forms.models import model_to_dict
from django.urls import reverse

from participants.consent.models import ConsentRecord
from participants.models import Participant, User, Withdrawal
from portal.models import TravelException
from tests.participants.consent.helpers import pass_comprehension, sign
from tests.participants.test_profile import VALID, post_profile
from tests.participants.test_signup import PASSWORD
from tests.staff.conftest import reauthenticated, staff_client

pytestmark = pytest.mark.django_db


def _extras(outsider, site=None) -> dict[str, str]:
    """What an attacker adds to a form: privileges, state, someone else's ids."""
    return {
        "is_staff": "on",
        "is_superuser": "on",
        "is_active": "on",
        "state": "core",
        "withdrawal_tier": "3",
        "participant": str(outsider.pk),
        "participant_id": outsider.participant_id,
        "research_id": outsider.research_id,
        "user": str(outsider.user.pk),
        "user_id": str(outsider.user.pk),
        "id": str(outsider.pk),
        "pk": str(outsider.pk),
        "site": str(site.pk if site else outsider.site_id),
        "site_id": str(site.pk if site else outsider.site_id),
        "consent_version": "1",
        "email": "attacker@example.org",
        "groups": "administrator",
        "reminders_opted_out": "on",
    }


def _snapshot(participant: Participant) -> dict:
    fresh = Participant.objects.select_related("user").get(pk=participant.pk)
    record = model_to_dict(fresh)
    record["user"] = model_to_dict(fresh.user, exclude=["last_login", "password"])
    return record


def _assert_untouched(person: Participant, before: dict) -> None:
    assert _snapshot(person) == before


def test_profile_ignores_fields_it_does_not_show(participant_client, participant, outsider):
    other_before = _snapshot(outsider)
    response = post_profile(participant_client, **_extras(outsider))
    assert response.status_code == 302
    participant.refresh_from_db()
    participant.user.refresh_from_db()
    assert participant.legal_first_name == VALID["legal_first_name"]  # the honest part
    assert not participant.user.is_staff and not participant.user.is_superuser
    assert participant.user.email == "participant@example.org"
    assert participant.state == "eligible" and participant.withdrawal_tier is None
    assert participant.participant_id != outsider.participant_id
    assert participant.site.code == "site-a"
    assert not participant.reminders_opted_out
    assert not participant.user.groups.exists()
    _assert_untouched(outsider, other_before)


def test_pause_pauses_only_the_sender(participant_client, participant, outsider):
    other_before = _snapshot(outsider)
    assert participant_client.post("/me/pause/", _extras(outsider)).status_code == 302
    participant.refresh_from_db()
    assert participant.state == "paused"
    _assert_untouched(outsider, other_before)


def test_withdraw_withdraws_only_the_sender_at_the_tier_chosen(
    participant_client, participant, outsider
):
    other_before = _snapshot(outsider)
    response = participant_client.post(
        "/me/withdraw/", {**_extras(outsider), "tier": "1", "confirm": "on", "reason": "r"}
    )
    assert response.status_code == 302
    withdrawal = Withdrawal.objects.get()
    assert (withdrawal.participant, withdrawal.tier) == (participant, 1)
    _assert_untouched(outsider, other_before)


def _sign_post(version, **extra):
    return {
        "decision": "agree",
        "typed_name": "Ana García",
        "version_id": version.pk,
        "language": "en",
        "text_sha256": version.sha256("en"),
        "submission_token": str(uuid.uuid4()),
        **extra,
    }


def test_consent_signature_is_the_senders_with_server_side_facts(
    participant_client, participant, outsider, consents
):
    pass_comprehension(participant)
    other_before = _snapshot(outsider)
    extra = {
        **_extras(outsider),
        "signed_at": "2000-01-01T00:00:00Z",
        "expires_at": "2001-01-01",
        "ip_address": "203.0.113.99",
        "actor": str(outsider.user.pk),
        "status": "retired",
    }
    before = dt.datetime.now(dt.UTC)
    response = participant_client.post(
        "/me/consent/primary/", _sign_post(consents["primary"], **extra)
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get()
    assert record.participant == participant and record.version == consents["primary"]
    assert record.signed_at >= before and record.expires_at is None
    assert record.ip_address == "127.0.0.1"
    consents["primary"].refresh_from_db()
    assert consents["primary"].status == "published"
    _assert_untouched(outsider, other_before)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("version_id", "gror", "does not match the consent shown"),
        ("text_sha256", "0" * 64, "does not match our copy"),
        ("language", "xx", "does not match our copy"),
    ],
)
def test_tampered_hidden_fields_are_a_clear_400(
    participant_client, participant, consents, field, value, message
):
    pass_comprehension(participant)
    data = _sign_post(consents["primary"])
    data[field] = consents["gror"].pk if value == "gror" else value
    response = participant_client.post("/me/consent/primary/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_another_participants_submission_token_is_refused(
    participant_client, participant, outsider, consents
):
    pass_comprehension(outsider)
    theirs = sign(outsider, consents["primary"], typed_name="Omar Haddad")
    pass_comprehension(participant)
    data = _sign_post(consents["primary"], submission_token=str(theirs.submission_token))
    response = participant_client.post("/me/consent/primary/", data)
    assert response.status_code == 400
    assert "This form was not issued to you." in response.content.decode()
    assert list(ConsentRecord.objects.all()) == [theirs]


def test_consent_withdrawal_is_the_senders_only(participant_client, consented, outsider, consents):
    sign(consented, consents["gror"], decision="yes")
    pass_comprehension(outsider)
    sign(outsider, consents["primary"], typed_name="Omar Haddad")
    theirs = sign(outsider, consents["gror"], decision="yes", typed_name="Omar Haddad")
    response = participant_client.post(
        "/me/consent/gror/withdraw/",
        {**_extras(outsider), "typed_name": "Ana García", "language": "en", "confirm": "on"},
    )
    assert response.status_code == 302
    assert ConsentRecord.objects.filter(participant=consented, decision="withdrawn").count() == 1
    assert not ConsentRecord.objects.filter(participant=outsider, decision="withdrawn").exists()
    assert ConsentRecord.objects.filter(participant=outsider).latest("pk") == theirs


def test_comprehension_cannot_be_marked_passed(participant_client, participant, consents):
    from participants.consent.models import ComprehensionAttempt
    from participants.consent.selectors import comprehension_passed

    response = participant_client.post(
        "/me/consent/questions/", {**_extras(participant), "passed": "true", "results": "{}"}
    )
    assert response.status_code == 200
    assert not comprehension_passed(participant)
    assert not ComprehensionAttempt.objects.filter(passed=True).exists()


def test_results_choices_are_the_senders(participant_client, participant, outsider):
    from results.models import ResultsPreference

    response = participant_client.post(
        "/me/results/choices/",
        {**_extras(outsider), "pgx": "yes", "disease_risk": "no", "traits": "later"},
    )
    assert response.status_code == 302
    preference = ResultsPreference.objects.get()
    assert preference.participant == participant
    assert (preference.pgx, preference.disease_risk, preference.traits) == ("yes", "no", "later")


def test_survey_page_keeps_only_its_own_items(ready_client, ready, outsider):
    from participants.surveys.models import SurveyResponse
    from participants.surveys.services import response_start_or_resume
    from tests.participants.surveys.helpers import BASICS_PAGES

    response = response_start_or_resume(
        participant=ready, survey_code="the_basics", actor=ready.user
    )
    reply = ready_client.post(
        reverse("surveys:page", args=[response.public_id, "about_you"]),
        {
            **BASICS_PAGES["about_you"],
            **_extras(outsider),
            "action": "continue",
            "housing_status": "OWN",  # an item of a later page
            "status": "completed",
            "answers": '{"housing_status": "OWN"}',
            "current_page": "housing",
            "furthest_page": "review",
        },
    )
    assert reply.status_code == 302
    saved = SurveyResponse.objects.get()
    assert saved.participant == ready and saved.status == "in_progress"
    assert set(saved.answers) == {"birth_year", "birth_place", "main_language"}
    assert saved.furthest_page == "origin"


def test_screener_answers_decide_not_extra_fields(client):
    response = client.post(
        "/join/",
        {"is_adult": "no", "us_state": "TX", "can_consent": "yes", "eligible": "true",
         "screener": '{"eligible": true}'},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Thank you for your interest" in response.content.decode()
    assert "screener" not in client.session


def test_sign_up_cannot_make_staff(client, site_a):
    client.post("/join/", {"is_adult": "yes", "us_state": "TX", "can_consent": "yes"})
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "is_staff": "on",
            "is_superuser": "on",
            "groups": "administrator",
            "state": "core",
            "site": str(site_a.pk),
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert not user.is_staff and not user.is_superuser and not user.groups.exists()
    assert user.participant.state == "registered"


# ------------------------------------------------------------------ staff forms
def test_travel_request_cannot_approve_itself_or_name_someone_else(recruiter, admin_user):
    today = dt.date.today()
    response = staff_client(recruiter).post(
        reverse("staff:travel"),
        {
            "country": "CA",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=2)).isoformat(),
            "reason": "conference",
            "user": str(admin_user.pk),
            "approved_by": str(admin_user.pk),
            "approved_at": today.isoformat(),
        },
    )
    assert response.status_code == 302
    travel = TravelException.objects.get()
    assert travel.user == recruiter and travel.approved_by is None and travel.approved_at is None


def test_role_form_sets_roles_only(admin_user, recruiter):
    admin = reauthenticated(staff_client(admin_user))
    response = admin.post(
        reverse("staff:staff_roles", args=[recruiter.pk]),
        {"roles": ["survey_admin"], "is_superuser": "on", "is_staff": "on",
         "email": "x@example.org", "user_permissions": "1", "groups": "administrator"},
    )  # fmt: skip
    assert response.status_code == 302
    recruiter.refresh_from_db()
    # (A non-privileged role: privileged ones wait for a second administrator, issue 15.)
    assert list(recruiter.groups.values_list("name", flat=True)) == ["survey_admin"]
    assert not recruiter.is_superuser and not recruiter.user_permissions.exists()
    assert recruiter.email != "x@example.org"


def test_invitation_cannot_create_a_superuser(admin_user, site_a):
    admin = reauthenticated(staff_client(admin_user))
    response = admin.post(
        reverse("staff:staff_list"),
        {"email": "new.staff@example.org", "roles": ["recruitment"], "site": str(site_a.pk),
         "is_superuser": "on", "groups": "administrator", "password": "chosen-by-attacker-1"},
    )  # fmt: skip
    assert response.status_code == 302
    user = User.objects.get(email="new.staff@example.org")
    assert not user.is_superuser and not user.has_usable_password()
    assert list(user.groups.all()) == [Group.objects.get(name="recruitment")]


def test_support_lookup_stays_within_the_staff_members_site(supporter, outsider):
    client = staff_client(supporter)
    client.post(
        reverse("staff:support_lookup"),
        {"participant_id": outsider.participant_id, "reason": "other", "detail": "x",
         "site": str(outsider.site_id)},
    )  # fmt: skip
    response = client.get(reverse("staff:participant", args=[outsider.participant_id]))
    assert response.status_code == 404
    assert "Haddad" not in response.content.decode()
