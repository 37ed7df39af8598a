"""Unicode edge cases in names, addresses, signatures, e-mail addresses and identifiers.

Each either gets a clear form error (and nothing is saved) or is stored correctly
(NFC, as typed); none is a 500. Names: combining marks, RTL override U+202E, zero-width
characters, emoji, NUL, overlong, bytes that are not UTF-8. E-mails: IDN, uppercase,
full-width and look-alike letters (R28: one person, one account).
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from participants.consent.models import ConsentRecord
from tests.hostile.payloads import assert_inert
from tests.participants.consent.helpers import pass_comprehension
from tests.participants.test_profile import VALID, post_profile
from tests.participants.test_signup import sign_up
from tests.staff.conftest import reauthenticated, staff_client

pytestmark = pytest.mark.django_db
User = get_user_model()


# ------------------------------------------------------------------ names and addresses
def test_combining_characters_are_normalised_not_refused(participant_client, participant):
    decomposed = "Jose\u0301"  # e + combining acute
    assert post_profile(participant_client, legal_first_name=decomposed).status_code == 302
    participant.refresh_from_db()
    assert participant.legal_first_name == "José"


@pytest.mark.parametrize(
    "name",
    ["Nguyễn", "李小龍", "Мария", "محمد", "Ngũgĩ wa Thiong’o", "O'Brien-Núñez", "Zoë St. John"],
)
def test_names_in_any_script_are_stored_as_typed(participant_client, participant, name):
    assert post_profile(participant_client, legal_last_name=name).status_code == 302
    participant.refresh_from_db()
    assert participant.legal_last_name == name


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Ana\u202eaicraG", "invisible or control character"),  # right-to-left override
        ("An\u200ba", "invisible or control character"),  # zero-width space
        ("An\u200da", "invisible or control character"),  # zero-width joiner
        ("Ana\u2066x\u2069", "invisible or control character"),  # bidi isolate
        ("Ana\u00ad", "invisible or control character"),  # soft hyphen
        ("An\x00a", "Null characters are not allowed."),
        ("Ana\x1b[2J", "invisible or control character"),
        ("Ana 😀", "letters, spaces, apostrophes, hyphens and periods only"),
        ("Ana 👨\u200d👩\u200d👧", "letters, spaces, apostrophes"),  # family emoji (ZWJ)
        ("A" * 10_000, "at most 100 characters"),
        ("Robert'); DROP TABLE participants;--", "letters, spaces, apostrophes"),
    ],
)
def test_hostile_names_get_a_clear_error_and_nothing_is_saved(
    participant_client, participant, value, message
):
    response = post_profile(participant_client, legal_first_name=value)
    assert response.status_code == 200
    assert message in response.content.decode()
    participant.refresh_from_db()
    assert participant.legal_first_name == "Ana"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12 Main St\u202e", "invisible or control character"),
        ("12 Main\u200b St", "invisible or control character"),
        ("12 Main St 🏠", "Please do not use emoji or symbols here."),
        ("12 Main\x00 St", "Null characters are not allowed."),
        ("x" * 201, "at most 200 characters"),
    ],
)
def test_hostile_addresses_get_a_clear_error(participant_client, participant, value, message):
    response = post_profile(participant_client, address_line1=value)
    assert response.status_code == 200
    assert message in response.content.decode()
    participant.refresh_from_db()
    assert participant.address_line1 == "12 Main St"


def test_bytes_that_are_not_utf8_get_a_clear_error(participant_client, participant):
    from urllib.parse import urlencode

    body = urlencode({**VALID, "legal_first_name": "X"}, doseq=True).encode()
    body = body.replace(b"legal_first_name=X", b"legal_first_name=An%FF%FEa")
    response = participant_client.post(
        "/me/profile/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "Names can have letters" in response.content.decode()
    participant.refresh_from_db()
    assert participant.legal_first_name == "Ana"


# ------------------------------------------------------------------ signatures
def test_signature_matches_with_decomposed_accents_but_not_with_hidden_characters(
    participant_client, participant, consents
):
    pass_comprehension(participant)
    version = consents["primary"]

    def sign(typed_name: str, token: str):
        return participant_client.post(
            "/me/consent/primary/",
            {
                "decision": "agree",
                "typed_name": typed_name,
                "version_id": version.pk,
                "language": "en",
                "text_sha256": version.sha256("en"),
                "submission_token": token,
            },
        )

    for hidden in ("Ana Garc\u202eía", "Ana\u200b García", "Ana García\x00"):
        response = sign(hidden, "6f1c0a5e-8d1b-4a43-9a3c-2b1f4c9d0e11")
        assert response.status_code == 200
        assert "invisible or control" in response.content.decode() or (
            "Null characters" in response.content.decode()
        )
    assert not ConsentRecord.objects.exists()
    assert sign("ANA GARCI\u0301A", "0d8e7b42-6a3c-4e5f-9b1d-2c3a4b5c6d7e").status_code == 302
    assert ConsentRecord.objects.get().typed_name == "ANA GARCÍA"


# ------------------------------------------------------------------ e-mail addresses
def test_addresses_differing_only_in_case_are_one_account(client):
    sign_up(client, "maria@example.org")
    other = client.__class__()
    sign_up(other, "MARIA@EXAMPLE.ORG")
    assert User.objects.count() == 1


def test_full_width_letters_are_the_same_address(client):
    sign_up(client, "maria@example.org")
    other = client.__class__()
    sign_up(other, "ｍａｒｉａ@ｅｘａｍｐｌｅ.ｏｒｇ")  # NFKC: the same plain letters
    assert list(User.objects.values_list("email", flat=True)) == ["maria@example.org"]


def test_look_alike_unicode_address_is_refused_with_a_clear_message(client):
    sign_up(client, "maria@example.org")
    other = client.__class__()
    response = sign_up(other, "mаria@example.org")  # Cyrillic "а"
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "email",
    [
        "maría@example.org",  # non-ASCII local part
        "ana@bücher.de",  # IDN domain
        "ana\u202e@example.org",
        "ana\u200b@example.org",
        "ana\x00@example.org",
        "a" * 250 + "@example.org",
        "<script>alert(1)</script>@example.org",
    ],
)
def test_hostile_addresses_are_refused_at_sign_up(client, email):
    response = sign_up(client, email)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errorlist' in body
    assert_inert(body)
    assert not User.objects.exists()


def test_punycode_domain_is_plain_ascii_and_accepted(client):
    assert sign_up(client, "Ana@XN--BCHER-KVA.de").status_code == 302
    assert User.objects.get().email == "ana@xn--bcher-kva.de"


def test_look_alike_domain_is_refused_by_the_adapter():
    from django import forms

    from participants.account_adapter import AccountAdapter

    with pytest.raises(forms.ValidationError, match="plain letters"):
        AccountAdapter().clean_email("maria@exаmple.org")
    assert AccountAdapter().clean_email("  Maria@Example.ORG ") == "maria@example.org"


@pytest.mark.parametrize(
    "email",
    [
        "staff@exаmple.org",
        "stäff@example.org",
        "ＡＤＭＩＮ@example.org",
        "a" * 250 + "@example.org",
    ],
)
def test_staff_invitations_refuse_look_alike_addresses(admin_user, email):
    """A staff account that reads like another (a Cyrillic letter, an accent, full-width
    letters) is refused as participant sign-up refuses it; so is one too long to store."""
    admin = reauthenticated(staff_client(admin_user))
    response = admin.post(
        reverse("staff:staff_list"), {"email": email, "roles": ["support"], "site": ""}
    )
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not User.objects.filter(email__iexact=email).exists()
    assert User.objects.filter(is_staff=True).count() == 1


def test_staff_invitation_stores_the_address_in_lower_case(admin_user):
    admin = reauthenticated(staff_client(admin_user))
    response = admin.post(
        reverse("staff:staff_list"),
        {"email": "New.Person@Example.ORG", "roles": ["support"], "site": ""},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="new.person@example.org").exists()


# ------------------------------------------------------------------ identifiers
@pytest.mark.parametrize(
    "typed",
    [
        "P" + "²" * 9,  # superscript digits: str.isdigit() says yes, int() says no
        "P" + "١٢٣٤٥٦٧٨٩",  # Arabic-Indic digits
        "Ｐ１２３４５６７８９",  # full-width
        "P12345678\u202e",
    ],
)
def test_participant_ids_in_other_digits_are_a_clear_error(supporter, typed):
    client = staff_client(supporter)
    response = client.post(
        reverse("staff:support_lookup"),
        {"participant_id": typed, "reason": "participant_request", "detail": "t-1"},
    )
    assert response.status_code == 200
    assert "not a valid participant id" in response.content.decode()
    assert client.get(f"/staff/participants/{typed}/").status_code == 404


@pytest.mark.parametrize("path", ["/me/surveys/ñ/", "/me/consent/prіmary/", "/me/results/١/"])
def test_unicode_in_urls_is_not_found(participant_client, path):
    assert participant_client.get(path).status_code == 404
