import pytest
from django.test import Client

from participants.duplicates import services
from participants.duplicates.models import FlagStatus
from participants.duplicates.staff_views import ACCESS_ACTIONS
from portal.models import AccessEvent
from tests.factories import SiteFactory
from tests.participants.duplicates.helpers import pair_of, register
from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # the factories' password


@pytest.fixture
def flag():
    return pair_of(register(email="a@example.org"), register(email="b@example.org"))


def _state_reason(client, flag):
    return client.post(
        f"/staff/duplicates/{flag.public_id}/",
        {"reason": "participant_request", "detail": "ticket 41"},
    )


def test_queue_lists_own_site_pairs_without_identities(supporter, flag):
    client = staff_client(supporter)
    page = client.get("/staff/duplicates/").content.decode()
    assert str(flag.public_id) in page
    for clear in (flag.first.participant_id, flag.first.user.email, "García"):
        assert clear not in page
    assert not AccessEvent.objects.exists()  # the list names nobody: nothing to log


def test_a_pair_opens_only_after_a_stated_reason_and_lands_in_both_access_logs(supporter, flag):
    client = staff_client(supporter)
    first = client.get(f"/staff/duplicates/{flag.public_id}/").content.decode()
    assert "Why do you need this pair?" in first
    assert flag.first.participant_id not in first
    assert _state_reason(client, flag).status_code == 302
    page = client.get(f"/staff/duplicates/{flag.public_id}/").content.decode()
    assert flag.first.participant_id in page and flag.second.participant_id in page
    events = AccessEvent.objects.filter(what="duplicate.pair")
    assert {e.participant_id for e in events} == {flag.first_id, flag.second_id}
    assert all(e.reason == "participant_request: ticket 41" for e in events)
    # The participant sees it on "Who has seen my data".
    own = Client()
    own.force_login(flag.second.user)
    assert "A member of our support team" in own.get("/me/access/").content.decode()


def test_decisions_through_the_page(supporter, flag):
    client = staff_client(supporter)
    _state_reason(client, flag)
    client.post(f"/staff/duplicates/{flag.public_id}/", {"action": "keep_first"})
    flag.refresh_from_db()
    assert flag.status == FlagStatus.AWAITING and flag.keep == flag.first
    missing = client.post(f"/staff/duplicates/{flag.public_id}/", {"action": "verified_call"})
    assert missing.status_code == 200  # no ticket: the form says so, nothing merges
    flag.refresh_from_db()
    assert flag.status == FlagStatus.AWAITING
    client.post(f"/staff/duplicates/{flag.public_id}/", {"action": "verified_call", "ticket": "T9"})
    flag.refresh_from_db()
    assert flag.status == FlagStatus.MERGED
    assert AccessEvent.objects.filter(what="duplicate.verified_call").count() == 2
    written = set(AccessEvent.objects.values_list("what", flat=True))
    assert written == {"duplicate.pair", "duplicate.keep_first", "duplicate.verified_call"}
    assert written <= set(ACCESS_ACTIONS)
    # The kept account's "Who has seen my data" says what happened, in plain words.
    own = Client()
    own.force_login(flag.first.user)
    english = own.get("/me/access/").content.decode()
    for sentence in (
        "checked the details of your account for our records.",
        "suggested keeping the older one. Nothing moves until you confirm.",
        "confirmed with you on a phone call that both accounts are yours",
    ):
        assert sentence in english
    spanish = own.get("/es/me/access/").content.decode()
    assert "revisó los datos de su cuenta para nuestros registros." in spanish
    assert "confirmó con usted por teléfono que ambas cuentas son suyas" in spanish
    assert "ticket 41" not in english and "duplicate." not in english


def test_other_site_and_other_roles_get_nothing(make_staff, flag):
    elsewhere = make_staff("support", site=SiteFactory(code="site-b", state="CA"))
    client = staff_client(elsewhere)
    assert str(flag.public_id) not in client.get("/staff/duplicates/").content.decode()
    assert client.get(f"/staff/duplicates/{flag.public_id}/").status_code == 404
    assert _state_reason(client, flag).status_code == 404
    recruiter = staff_client(make_staff("recruitment"))
    assert recruiter.get("/staff/duplicates/").status_code == 403
    participant = Client()
    participant.force_login(flag.first.user)
    assert participant.get("/staff/duplicates/").status_code in (302, 403, 404)


def test_participant_sees_nothing_until_support_decides(flag, supporter):
    client = Client()
    client.force_login(flag.second.user)
    home = client.get("/me/").content.decode()
    assert "two accounts" not in home
    assert client.get("/me/accounts/confirm/").status_code == 404
    services.duplicate_decide_same(flag=flag, actor=supporter, keep=flag.first)
    assert "two accounts" in client.get("/me/").content.decode()
    assert "dos cuentas" in client.get("/es/me/").content.decode()


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_participant_confirms_by_signing_in_to_the_other_account(flag, supporter, prefix):
    services.duplicate_decide_same(flag=flag, actor=supporter, keep=flag.first)
    client = Client()
    client.force_login(flag.second.user)  # the account being retired
    url = f"{prefix}/me/accounts/confirm/"
    assert client.get(url).status_code == 200
    wrong = client.post(url, {"email": flag.first.user.email, "password": "nope-nope-nope"})
    assert wrong.status_code == 200
    flag.refresh_from_db()
    assert flag.status == FlagStatus.AWAITING
    done = client.post(url, {"email": flag.first.user.email, "password": PASSWORD})
    assert done.status_code == 302
    flag.refresh_from_db()
    assert flag.status == FlagStatus.MERGED and flag.confirmed_by == "sign_in"
    assert "_auth_user_id" not in client.session  # the retired account was signed out


def test_password_guessing_is_limited(flag, supporter):
    services.duplicate_decide_same(flag=flag, actor=supporter, keep=flag.first)
    client = Client()
    client.force_login(flag.second.user)
    for _ in range(5):
        client.post("/me/accounts/confirm/", {"email": flag.first.user.email, "password": "x"})
    late = client.post(
        "/me/accounts/confirm/", {"email": flag.first.user.email, "password": PASSWORD}
    )
    assert "Too many tries" in late.content.decode()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.AWAITING
