"""The broker (a private Redis) is stopped while the biobank scans a returned kit.

The scan must commit (the kit is received, the participant's e-mail waits as an outbox
row that records the error), the biobank must see the normal "received" answer, and once
the broker is back, dispatch_outbox publishes the row and a real worker sends the
e-mail exactly once - a second dispatch finds nothing left to send.
"""

import time

import pytest
from django.core import mail
from django.utils import timezone

from participants.kits.models import Kit, KitStatus
from portal.celery import app as celery_app
from portal.outbox import OutboxMessage, dispatch_outbox
from tests.factories import ParticipantFactory
from tests.faults.services import celery_on_broker, private_redis
from tests.staff.conftest import make_staff, roles, site_a, staff_client  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EMAIL_TASK = "participants.tasks.send_participant_email"


def _wait_for(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_kit_received_while_the_broker_is_down_sends_its_email_once(settings, make_staff):  # noqa: F811
    from celery.contrib.testing.worker import start_worker

    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True
    participant = ParticipantFactory(user__email="kit-outage@example.org", state="consented")
    kit = Kit.objects.create(
        participant=participant,
        kind="saliva",
        barcode="CK5550001234",
        status=KitStatus.SHIPPED,
        shipped_at=timezone.now(),
        ship_line1="12 Main St",
        ship_city="Austin",
        ship_postal_code="78701",
    )
    biobank = staff_client(make_staff("biobank"))
    with private_redis() as broker, celery_on_broker(celery_app, broker.url()):
        settings.CELERY_BROKER_URL = broker.url()
        settings.CELERY_TASK_ALWAYS_EAGER = False
        celery_app.conf.task_always_eager = False
        try:
            broker.stop()
            assert not broker.ping()
            started = time.monotonic()
            page = biobank.post("/staff/kits/receive/", {"barcode": kit.barcode + "\n"})
            took = time.monotonic() - started
            assert page.status_code == 200 and f"Received kit <strong>{kit.barcode}" in (
                page.content.decode()
            )
            assert took < 15, f"the scan waited {took:.1f} s on the dead broker"
            kit.refresh_from_db()
            assert kit.status == KitStatus.RECEIVED
            pending = OutboxMessage.objects.get(task_name=EMAIL_TASK)
            assert pending.args[:2] == [participant.pk, "kit_received"]
            assert pending.published_at is None and pending.last_error
            assert mail.outbox == []

            broker.start()
            with start_worker(
                celery_app,
                pool="solo",
                perform_ping_check=False,
                shutdown_timeout=30,
                queues=[settings.CELERY_TASK_DEFAULT_QUEUE],
            ):
                assert dispatch_outbox() == 1
                _wait_for(lambda: len(mail.outbox) >= 1, timeout=60)
                assert dispatch_outbox() == 0
                time.sleep(1)  # a duplicate, if any, would arrive now
            sent = [m for m in mail.outbox if participant.user.email in m.to]
            assert [m.subject for m in sent] == ["The lab has your sample"]
        finally:
            celery_app.conf.task_always_eager = True
