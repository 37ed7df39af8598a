"""load_knowledge_base, counselling reminders, and the release registry."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from results.engine.clinvar import write_release
from results.models import CounsellingContact, KnowledgeBaseRelease, Report, ReportState
from results.services.review import counselling_contact_record
from results.tasks import send_counselling_reminders
from tests.results.workflow.helpers import give_gror, make_report

pytestmark = pytest.mark.django_db


def test_load_knowledge_base_registers_once_and_keeps_the_clinvar_file(tmp_path, capsys):
    call_command("load_knowledge_base")
    call_command("load_knowledge_base")
    assert KnowledgeBaseRelease.objects.count() == 1
    first = KnowledgeBaseRelease.objects.get()
    assert first.is_current and first.clinvar_release == ""
    assert {s["name"] for s in first.sources} and all("sha256" in s for s in first.sources)

    path = write_release([], directory=tmp_path, release="2026-04")
    call_command("load_knowledge_base", "--clinvar", str(path))
    second = KnowledgeBaseRelease.objects.get(is_current=True)
    assert second.clinvar_release == "2026-04" and second.clinvar_sha256
    assert second.clinvar_file.startswith("knowledge/clinvar/")
    path.unlink()  # the release keeps its own copy
    from results.releases import clinvar_for

    assert clinvar_for(second) == ("2026-04", [])
    first.refresh_from_db()
    assert not first.is_current
    assert "registered" in capsys.readouterr().out


def test_counselling_reminders_once_a_week_until_booked(
    participant, kb, counsellor, django_capture_on_commit_callbacks
):
    give_gror(participant)
    report = make_report(
        participant, kb, state=ReportState.NEEDS_REVIEW, report_type="disease_risk", positive=True
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_counselling_reminders() == 1
        assert send_counselling_reminders() == 0  # not twice in a week
    assert len(mail.outbox) == 1
    assert "RYR1" not in mail.outbox[0].body
    Report.objects.filter(pk=report.pk).update(
        last_reminder_at=timezone.now() - dt.timedelta(days=8)
    )
    counselling_contact_record(
        report=report, actor=counsellor, status=CounsellingContact.Status.SCHEDULED
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert send_counselling_reminders() == 0  # booked: no more reminders
