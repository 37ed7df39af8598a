"""Signed records and published wordings are protected by PostgreSQL triggers.

psycopg 3 reports the trigger's RAISE as ProgrammingError (psycopg2 gave
InternalError); both are DatabaseError, and the message names pgtrigger.
"""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from participants.consent.models import ConsentRecord, ConsentVersion
from tests.participants.consent.helpers import sign


@pytest.fixture
def record(consented, consents):
    return sign(consented, consents["ehr"])


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_trigger_refuses_update_of_a_record(record):
    with pytest.raises(DatabaseError, match="Cannot update or delete"):
        _raw("UPDATE consent_consentrecord SET decision = 'decline' WHERE id = %s", [record.pk])
    record.refresh_from_db()
    assert record.decision == "agree"


def test_the_trigger_refuses_delete_of_a_record(record):
    with pytest.raises(DatabaseError, match="Cannot update or delete"):
        _raw("DELETE FROM consent_consentrecord WHERE id = %s", [record.pk])
    assert ConsentRecord.objects.filter(pk=record.pk).exists()


def test_the_orm_cannot_bypass_it_either(record):
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentRecord.objects.filter(pk=record.pk).update(typed_name="Someone Else")
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentRecord.objects.filter(pk=record.pk).delete()


def test_published_text_is_frozen_and_never_deleted(consents):
    version = consents["primary"]
    with pytest.raises(DatabaseError):
        _raw("UPDATE consent_consentversion SET text_en = 'changed' WHERE id = %s", [version.pk])
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM consent_consentversion WHERE id = %s", [version.pk])
    # Status changes (publish, retire) stay possible.
    _raw("UPDATE consent_consentversion SET status = 'retired' WHERE id = %s", [version.pk])
    assert ConsentVersion.objects.get(pk=version.pk).status == "retired"


def test_a_draft_can_still_be_edited(consents):
    draft = ConsentVersion.objects.create(
        form=consents["gror"].form,
        number=2,
        effective_date=consents["gror"].effective_date,
        text_en="# a",
        text_es="# b",
    )
    _raw("UPDATE consent_consentversion SET text_en = '# c' WHERE id = %s", [draft.pk])
    draft.refresh_from_db()
    assert draft.text_en == "# c"
