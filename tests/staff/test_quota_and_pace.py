"""Issue 15, medium 6: the view quota no longer allows a silent harvest.

The probe: 50 identities an hour is 1,200 a day per support account, and nothing told
anyone. Now a daily cap stops a slow harvest, a walk through the register (ids in
sequence, names in alphabetical order, or too fast) alerts the administrators at once,
and every week the administrators get the list of who read the most records.
"""

import datetime as dt
import itertools

import pgtrigger
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse

from portal.access_log import _monotonic_run
from portal.models import AccessEvent, AuditEvent
from tests.factories import ParticipantFactory
from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db


def _open(client, participant):
    client.post(
        reverse("staff:support_lookup"),
        {"participant_id": participant.participant_id, "reason": "other", "detail": "t-1"},
    )
    return client.get(reverse("staff:participant", args=[participant.participant_id]))


def _age_reads(hours: int) -> None:
    """Moves every read `hours` into the past (behind the append-only trigger's back)."""
    with pgtrigger.ignore("portal.AccessEvent:access_event_append_only"):
        for event in AccessEvent.objects.all():
            AccessEvent.objects.filter(pk=event.pk).update(
                created=event.created - dt.timedelta(hours=hours)
            )


def test_a_slow_harvest_under_the_hourly_quota_meets_the_daily_cap(
    supporter, site_a, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_RECORD_VIEW_QUOTA_PER_HOUR = 4
    settings.STAFF_RECORD_VIEW_QUOTA_PER_DAY = 6
    settings.STAFF_PACE_PATTERN_RUN = 100  # this test is about the cap, not the pattern
    people = [ParticipantFactory(site=site_a) for _ in range(8)]
    client = staff_client(supporter)
    with django_capture_on_commit_callbacks(execute=True):
        assert [_open(client, p).status_code for p in people[:4]] == [200] * 4
        _age_reads(hours=2)  # a new hour: the hourly quota has room again
        statuses = [_open(client, p).status_code for p in people[4:]]
    assert statuses == [200, 200, 403, 403]
    refusal = AuditEvent.objects.filter(action="staff.quota_exceeded").first()
    assert refusal.data["period"] == "day"
    assert any("quota reached (day)" in m.subject for m in mail.outbox)
    # After a day, the reader may work again.
    _age_reads(hours=25)
    assert _open(client, people[7]).status_code == 200


def test_the_default_daily_cap_is_well_below_24_hours_of_the_hourly_quota():
    per_day = django_settings.STAFF_RECORD_VIEW_QUOTA_PER_DAY
    assert per_day < 24 * django_settings.STAFF_RECORD_VIEW_QUOTA_PER_HOUR / 4


def test_reading_participants_in_id_order_raises_a_pace_alert(
    supporter, site_a, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_PACE_PATTERN_RUN = 5
    people = sorted(
        (ParticipantFactory(site=site_a) for _ in range(5)), key=lambda p: p.participant_id
    )
    client = staff_client(supporter)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [_open(client, p).status_code for p in people]
    assert statuses == [200] * 5  # an alert, not a refusal
    alert = AuditEvent.objects.get(action="staff.pace_alert")
    assert alert.actor == supporter and alert.data["pattern"] == "sequential"
    assert [m.to for m in mail.outbox if "harvest" in m.subject] == [[admin_user.email]]


def test_reading_participants_in_alphabetical_order_raises_a_pace_alert(
    supporter, site_a, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_PACE_PATTERN_RUN = 5
    people = [ParticipantFactory(site=site_a) for _ in range(5)]
    # A visiting order in which neither the ids nor the creation order run in sequence...
    order = next(
        perm
        for perm in itertools.permutations(people)
        if _monotonic_run([p.participant_id for p in perm]) < 3
        and _monotonic_run([p.pk for p in perm]) < 3
    )
    # ...but the names do.
    for letter, person in zip("ABCDE", order, strict=True):
        person.legal_last_name = f"{letter}lvarez"
        person.save()
    client = staff_client(supporter)
    with django_capture_on_commit_callbacks(execute=True):
        for person in order:
            assert _open(client, person).status_code == 200
    assert AuditEvent.objects.get(action="staff.pace_alert").data["pattern"] == "alphabetical"


def test_too_many_records_in_ten_minutes_raises_a_pace_alert(supporter, site_a, settings):
    settings.STAFF_PACE_PATTERN_RUN = 100
    settings.STAFF_PACE_PER_10_MINUTES = 4
    client = staff_client(supporter)
    for _ in range(4):
        _open(client, ParticipantFactory(site=site_a))
    assert AuditEvent.objects.get(action="staff.pace_alert").data["pattern"] == "fast"


def test_a_few_reads_in_no_order_raise_no_alert(supporter, site_a, settings):
    settings.STAFF_PACE_PATTERN_RUN = 5
    people = [ParticipantFactory(site=site_a) for _ in range(5)]
    order = next(
        perm
        for perm in itertools.permutations(people)
        if _monotonic_run([p.participant_id for p in perm]) < 3
        and _monotonic_run([p.pk for p in perm]) < 3
    )
    client = staff_client(supporter)
    for person in order:
        _open(client, person)
    assert not AuditEvent.objects.filter(action="staff.pace_alert").exists()


def test_administrators_get_the_weekly_top_viewers_report(
    supporter, make_staff, site_a, admin_user, django_capture_on_commit_callbacks
):
    from staff.tasks import staff_top_viewers_report

    other = make_staff("support")
    people = [ParticipantFactory(site=site_a) for _ in range(3)]
    for person in people:
        _open(staff_client(supporter), person)
    _open(staff_client(other), people[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_top_viewers_report.apply().get() == 2
    (report,) = [m for m in mail.outbox if "top record viewers" in m.subject]
    assert report.to == [admin_user.email]
    lines = [line for line in report.body.splitlines() if "(user id" in line]
    assert lines[0].split()[:2] == ["3", supporter.email]
    assert lines[1].split()[:2] == ["1", other.email]
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "staff.tasks.staff_top_viewers_report" in schedule
