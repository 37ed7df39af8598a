"""The disk fills up while a signed consent PDF is stored (issue 9, faults).

The task fails with the storage error and is retried (autoretry with backoff);
no document row or half-written file is left; once there is space, the retry stores
exactly one document.
"""

import errno
from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage

from participants.consent.models import ConsentDocument
from participants.consent.tasks import make_consent_document
from tests.faults.test_broker_outage import _sign

pytestmark = pytest.mark.django_db


def test_disk_full_leaves_nothing_half_stored_and_the_retry_succeeds(participant, settings):
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    with mock.patch("portal.outbox._publish", return_value=True):  # no PDF at signing time
        record = _sign(participant)
    full = OSError(errno.ENOSPC, "No space left on device")
    with mock.patch.object(FileSystemStorage, "_save", side_effect=full):
        outcome = make_consent_document.apply(args=[record.pk])
    assert outcome.state in {"RETRY", "FAILURE"}
    assert "No space left on device" in str(outcome.result)
    assert not ConsentDocument.objects.exists()

    outcome = make_consent_document.apply(args=[record.pk])
    assert outcome.state == "SUCCESS"
    document = ConsentDocument.objects.get(record=record)
    assert document.file.size == document.size > 1000
    assert make_consent_document.apply(args=[record.pk]).result == document.pk
    assert ConsentDocument.objects.count() == 1
