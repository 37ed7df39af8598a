import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from participants.enrollment import participant_pause, participant_withdraw
from participants.models import JourneyState, Participant
from participants.notifications import unsubscribe_token
from participants.tasks import send_step_reminders
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _old(**kwargs) -> Participant:
    p = ParticipantFactory(**kwargs)
    Participant.objects.filter(pk=p.pk).update(created=timezone.now() - dt.timedelta(days=10))
    return p


def test_reminder_once_a_week_at_most():
    p = _old()
    assert send_step_reminders() == 1
    assert send_step_reminders() == 0
    Participant.objects.filter(pk=p.pk).update(
        last_reminder_at=timezone.now() - dt.timedelta(days=8)
    )
    assert send_step_reminders() == 1
    assert len(mail.outbox) == 2
    assert mail.outbox[0].to == [p.user.email]
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers


def test_no_reminders_when_paused_withdrawn_opted_out_or_done():
    paused = _old()
    participant_pause(participant=paused, actor=paused.user)
    withdrawn = _old()
    participant_withdraw(participant=withdrawn, actor=withdrawn.user, tier=1)
    _old(reminders_opted_out=True)
    _old(state=JourneyState.CORE)
    mail.outbox.clear()
    assert send_step_reminders() == 0
    assert mail.outbox == []


def test_reminder_is_in_the_participants_language():
    _old(preferred_language="es", preferred_name="Lupita")
    send_step_reminders()
    message = mail.outbox[-1]
    assert message.subject == "Su próximo paso en el programa"
    assert "Hola, Lupita" in message.body or "Hola Lupita" in message.body
    html = message.alternatives[0].content
    assert "Dejar de recibir recordatorios" in html


def test_unsubscribe_link_works_without_logging_in(client):
    p = _old()
    url = f"/unsubscribe/{unsubscribe_token(p)}/"
    assert "Do you want to stop" in client.get(url).content.decode()
    assert "Done." in client.post(url).content.decode()
    p.refresh_from_db()
    assert p.reminders_opted_out is True
    assert send_step_reminders() == 0


def test_tampered_unsubscribe_token_is_refused(client):
    p = _old()
    token = unsubscribe_token(p)
    response = client.post(f"/unsubscribe/{token[:-2]}xx/")
    assert response.status_code == 404
    p.refresh_from_db()
    assert p.reminders_opted_out is False
