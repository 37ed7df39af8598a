"""Staff pages: upload, review queue, two-person release over HTTP, the access log."""

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import AccessEvent
from results.models import CounsellingContact, Report, ReportState, Sample
from tests.results.workflow.helpers import (
    NEGATIVE,
    confirm,
    give_gror,
    make_report,
    manifest_csv,
    renamed_vcf,
    upload,
)

pytestmark = pytest.mark.django_db
S = ReportState


def test_data_manager_uploads_a_manifest(
    client, participant, kb, data_manager, vcf_dir, django_capture_on_commit_callbacks
):
    client.force_login(data_manager)
    path = renamed_vcf(NEGATIVE, "UP-1", vcf_dir)
    manifest = manifest_csv(
        [(participant.research_id, "UP-1", path.name, ""), ("RNOBODY", "UP-2", path.name, "")]
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_results:manifests"),
            {
                "manifest": SimpleUploadedFile("m.csv", manifest, "text/csv"),
                "files": [upload(path)],
            },
        )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Unknown research id." in page and "UP-1" in page
    assert Sample.objects.get(sample_id="UP-1").state == "interpreted"


def test_staff_pages_need_their_permission(client, counsellor, participant):
    from django.test import Client

    client.force_login(counsellor)
    assert client.get(reverse("staff_results:manifests")).status_code == 403
    assert client.get(reverse("staff_results:review")).status_code == 200
    # A participant never learns the staff area exists.
    other = Client()
    other.force_login(participant.user)
    assert other.get(reverse("staff_results:review")).status_code == 404


def test_two_people_review_and_release_over_http(
    client, participant, kb, counsellor, second_counsellor, django_capture_on_commit_callbacks
):
    from results.engine.interpretation import interpret_vcf
    from tests.results.workflow.helpers import POSITIVE, kgp_vcf

    give_gror(participant)
    report = make_report(
        participant,
        kb,
        state=S.NEEDS_REVIEW,
        report_type="disease_risk",
        positive=True,
        result=interpret_vcf(kgp_vcf(POSITIVE), absent_is_reference=True),
    )
    Report.objects.filter(pk=report.pk).update(assigned_counsellor=counsellor)
    confirm(report)  # the orthogonal confirmation comes first (test_release_policy.py)
    url = reverse("staff_results:review_detail", args=[report.pk])

    client.force_login(counsellor)
    queue = client.get(reverse("staff_results:review")).content.decode()
    assert url in queue
    page = client.get(url)
    assert page.status_code == 200 and b"RYR1" in page.content
    assert AccessEvent.objects.filter(staff=counsellor, participant=participant).count() == 1
    client.post(url, {"action": "review", "review-note": "Confirmed; call booked."})
    client.post(
        url,
        {
            "action": "contact",
            "contact-status": "scheduled",
            "contact-scheduled_for": "2026-12-01T10:00",
            "contact-note": "",
        },
    )
    assert CounsellingContact.objects.get(report=report).status == "scheduled"
    client.post(url, {"action": "release"})  # refused: same person
    report.refresh_from_db()
    assert report.state == S.REVIEWED

    client.force_login(second_counsellor)
    assert url in client.get(reverse("staff_results:review")).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "release"})
    report.refresh_from_db()
    assert report.state == S.RELEASED and report.released_by == second_counsellor
    assert AccessEvent.objects.filter(staff=second_counsellor, participant=participant).exists()
    assert [m.to for m in mail.outbox] == [[participant.user.email]]
    assert "RYR1" not in mail.outbox[0].body


def test_queue_shows_only_my_assignments(
    client, participant, outsider, kb, counsellor, second_counsellor, django_assert_max_num_queries
):
    mine = make_report(
        participant, kb, state=S.NEEDS_REVIEW, report_type="disease_risk", positive=True
    )
    theirs = make_report(
        outsider, kb, state=S.NEEDS_REVIEW, report_type="disease_risk", positive=True
    )
    Report.objects.filter(pk=mine.pk).update(assigned_counsellor=counsellor)
    Report.objects.filter(pk=theirs.pk).update(assigned_counsellor=second_counsellor)
    client.force_login(counsellor)
    client.get(reverse("staff_results:review"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("staff_results:review")).content.decode()
    assert reverse("staff_results:review_detail", args=[mine.pk]) in page
    assert reverse("staff_results:review_detail", args=[theirs.pk]) not in page
    assert client.get(reverse("staff_results:review_detail", args=[theirs.pk])).status_code == 404
