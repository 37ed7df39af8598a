import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from participants.duplicates.blind_index import (
    DOB_PHONE,
    NAME_DOB_ZIP,
    blind_indexes,
    normalise_name,
    normalise_phone,
    normalise_zip,
)
from participants.duplicates.models import BlindIndex
from tests.participants.duplicates.helpers import register

DOB = dt.date(1956, 4, 2)


def test_normalisation_folds_what_people_type_differently():
    assert normalise_name(" García-López ") == normalise_name("GARCIA LOPEZ") == "garcialopez"
    assert normalise_name("O'Brien") == "obrien"
    assert normalise_zip("78701-1234") == normalise_zip(" 78701") == "78701"
    assert normalise_zip("787") == ""
    assert normalise_phone("+1 (512) 555-0134") == normalise_phone("512.555.0134") == "5125550134"
    assert normalise_phone("555-0134") == ""


def test_digests_are_keyed_and_need_every_part(settings):
    one = blind_indexes(last_name="García", date_of_birth=DOB, postal_code="78701", phone="")
    assert set(one) == {NAME_DOB_ZIP}
    assert len(one[NAME_DOB_ZIP]) == 64
    both = blind_indexes(
        last_name="Garcia", date_of_birth=DOB, postal_code="78701-0001", phone="512 555 0134"
    )
    assert both[NAME_DOB_ZIP] == one[NAME_DOB_ZIP]
    assert set(both) == {NAME_DOB_ZIP, DOB_PHONE}
    assert (
        blind_indexes(
            last_name="García", date_of_birth=None, postal_code="78701", phone="5125550134"
        )
        == {}
    )
    settings.DUPLICATE_INDEX_KEY = "another-key"
    rekeyed = blind_indexes(last_name="García", date_of_birth=DOB, postal_code="78701", phone="")
    assert rekeyed[NAME_DOB_ZIP] != one[NAME_DOB_ZIP]
    settings.DUPLICATE_INDEX_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        blind_indexes(last_name="García", date_of_birth=DOB, postal_code="78701", phone="")


@pytest.mark.django_db
def test_profile_completion_stores_digests_never_the_clear_values():
    person = register(email="ana@example.org", last_name="Zyxwvut", phone="(512) 555-0199")
    rows = BlindIndex.objects.filter(participant=person)
    assert {r.kind for r in rows} == {NAME_DOB_ZIP, DOB_PHONE}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM duplicates_blindindex")
        dump = repr(cursor.fetchall()).lower()
    for clear in ("zyxwvut", "1956-04-02", "78701", "5125550199", "555-0199"):
        assert clear not in dump


@pytest.mark.django_db
def test_changing_an_indexed_field_recomputes_and_removing_one_drops_its_digest():
    from participants.enrollment import profile_update

    person = register(email="ana@example.org")
    before = dict(BlindIndex.objects.filter(participant=person).values_list("kind", "digest"))
    profile_update(participant=person, actor=person.user, data={"phone": ""})
    after = dict(BlindIndex.objects.filter(participant=person).values_list("kind", "digest"))
    assert set(after) == {NAME_DOB_ZIP}
    assert after[NAME_DOB_ZIP] == before[NAME_DOB_ZIP]
    profile_update(participant=person, actor=person.user, data={"postal_code": "10001"})
    moved = BlindIndex.objects.get(participant=person, kind=NAME_DOB_ZIP).digest
    assert moved != before[NAME_DOB_ZIP]
