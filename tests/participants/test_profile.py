import datetime as dt

import pytest
from django.db import connection

from participants.models import Participant
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

VALID = {
    "legal_first_name": "José",
    "legal_last_name": "Núñez",
    "preferred_name": "Pepe",
    "date_of_birth": "1950-07-04",
    "address_line1": "400 Congress Ave",
    "address_line2": "",
    "city": "Austin",
    "us_state": "TX",
    "postal_code": "78701",
    "phone": "(512) 555-0199",
    "preferred_language": "es",
    "contact_email": "on",
    "recruitment_source": "COMMUNITY",
    "race_ethnicity": ["HISPANIC", "WHITE"],
    "sex_at_birth": "MALE",
    "gender_identity": "MAN",
}


def post_profile(client, **changes):
    return client.post("/me/profile/", {**VALID, **changes})


def test_profile_saves_codes_and_encrypts_identifying_fields(participant_client, participant):
    response = post_profile(participant_client)
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.legal_first_name == "José"
    assert participant.race_ethnicity == ["HISPANIC", "WHITE"]
    assert participant.birth_year == 1950
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_first_name, legal_last_name, address_line1, phone, date_of_birth"
            " FROM participants_participant WHERE id = %s",
            [participant.pk],
        )
        raw = cursor.fetchone()
    for clear, stored in zip(
        ["José", "Núñez", "400 Congress", "555-0199", "1950"], raw, strict=True
    ):
        assert clear not in stored
        assert stored.startswith("gAAAA")  # a Fernet token


def test_audit_row_names_fields_but_holds_no_values(participant_client, participant):
    post_profile(participant_client)
    event = AuditEvent.objects.filter(action="profile.update").latest("id")
    assert "legal_first_name" in event.data["fields"]
    dumped = str(event.data)
    for value in ["José", "Núñez", "400 Congress", "555-0199", "1950-07-04"]:
        assert value not in dumped


@pytest.mark.parametrize(
    ("dob", "message"),
    [
        ((dt.date.today() + dt.timedelta(days=3)).isoformat(), "in the future"),
        ("1899-12-31", "1900 or later"),
        ((dt.date.today().replace(year=dt.date.today().year - 17)).isoformat(), "18 or older"),
        ("2023-02-30", "Enter a valid date"),
    ],
)
def test_impossible_birth_dates_are_refused(participant_client, participant, dob, message):
    response = post_profile(participant_client, date_of_birth=dob)
    assert message in response.content.decode()
    participant.refresh_from_db()
    assert participant.date_of_birth == dt.date(1956, 4, 2)


def test_prefer_not_to_answer_is_exclusive(participant_client):
    response = post_profile(participant_client, race_ethnicity=["PNA", "ASIAN"])
    assert "cannot be combined" in response.content.decode()


def test_key_rotation_keeps_old_rows_readable(participant, settings):
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-secret-key-after-rotation-0123456789-abcdef"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    for field in Participant._meta.get_fields():
        if hasattr(field, "keys"):
            field.__dict__.pop("keys", None)
            field.__dict__.pop("f", None)
    try:
        assert Participant.objects.get(pk=participant.pk).legal_last_name == "García"
    finally:
        for field in Participant._meta.get_fields():
            if hasattr(field, "keys"):
                field.__dict__.pop("keys", None)
                field.__dict__.pop("f", None)
