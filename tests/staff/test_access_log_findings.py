"""Issue 15, low 7, 8 and 12: the access log says precisely what was read and why, is
frozen at read time, and its tail cannot be cut off unnoticed."""

import json

import pgtrigger
import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse

from portal.access_log import access_log_anchor, access_log_verify, access_record
from portal.models import AccessEvent, AccessLogAnchor, StaffProfile
from results.models import Report
from staff import services
from tests.factories import SiteFactory
from tests.staff.conftest import reauthenticated, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # A request to /es/... leaves Spanish active in this thread: start in English.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


def _read(staff, participant, n=1):
    for i in range(n):
        access_record(
            staff=staff, participant=participant, what="support.profile", reason=f"r{i}",
            request=None,
        )  # fmt: skip


# --- 7: what and why, precisely -----------------------------------------------------------
def test_a_counsellors_report_read_is_named_as_such_to_the_participant(
    participant, participant_client, make_staff
):
    from results.releases import knowledge_base_release_register
    from tests.results.workflow.helpers import give_gror, make_report

    give_gror(participant)
    kb, _created = knowledge_base_release_register()
    report = make_report(participant, kb, state="needs_review", report_type="disease_risk")
    counsellor = make_staff("genetic_counsellor")
    Report.objects.filter(pk=report.pk).update(assigned_counsellor=counsellor)
    response = staff_client(counsellor).get(
        reverse("staff_results:review_detail", args=[report.pk])
    )
    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert (event.what, event.reason) == ("results.report", f"review:{report.pk}")
    body = participant_client.get(reverse("participants:access_log")).content.decode()
    # in plain words (staff/dashboards/access_wording.py), from the precise codes
    assert "A genetic counsellor reviewed your DNA report before it was released to you." in body
    assert "part of your record" not in body and "other work on your record" not in body


# --- 8: frozen at read time -----------------------------------------------------------------
def test_deactivating_a_reader_does_not_rewrite_what_the_participant_sees(
    supporter, admin_user, participant, participant_client
):
    _read(supporter, participant)
    event = AccessEvent.objects.get()
    assert (event.roles, event.site, event.format) == ("support", "site-a", 2)
    before = participant_client.get(reverse("participants:access_log")).content.decode()
    assert "A member of our support team" in before and "Site-A" in before
    # Later the reader is deactivated (roles cleared) and their profile moved elsewhere.
    services.staff_deactivate(actor=admin_user, user=supporter, reason="left")
    StaffProfile.objects.filter(user=supporter).update(site=SiteFactory(code="elsewhere"))
    after = participant_client.get(reverse("participants:access_log")).content.decode()
    assert "A member of our support team" in after and "Site-A" in after


def test_the_frozen_role_and_site_are_covered_by_the_hash(supporter, participant):
    _read(supporter, participant, n=2)
    first = AccessEvent.objects.order_by("id").first()
    with pgtrigger.ignore("portal.AccessEvent:access_event_append_only"):
        AccessEvent.objects.filter(pk=first.pk).update(roles="recruitment")
    checked, broken = access_log_verify()
    assert checked == 0 and broken.event_id == first.pk


# --- 12: the tail ------------------------------------------------------------------------
def test_truncate_on_the_access_log_is_refused(supporter, participant):
    _read(supporter, participant)
    with (
        pytest.raises(Exception, match="cannot be truncated"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle this test's own inserts
        # What every connection outside the tests has (see portal/settings/test.py).
        cursor.execute("SET LOCAL portal.test_flush = 'off'")
        cursor.execute("TRUNCATE portal_accessevent CASCADE")
    assert AccessEvent.objects.count() == 1


def test_tail_deletion_is_caught_against_the_daily_anchor(
    supporter, admin_user, participant, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.ACCESS_LOG_ANCHOR_DIR = str(tmp_path)
    _read(supporter, participant, n=3)
    with django_capture_on_commit_callbacks(execute=True):
        anchor = access_log_anchor()
    assert anchor.rows == 3 and AccessLogAnchor.objects.count() == 1
    # Outside the database: a line in the file beside the backups, and the admins' e-mail.
    line = json.loads((tmp_path / "access-log-anchors.jsonl").read_text().splitlines()[-1])
    assert (line["rows"], line["head_hash"]) == (3, anchor.head_hash)
    (message,) = [m for m in mail.outbox if "anchor" in m.subject]
    assert f"3:{anchor.head_hash}" in message.body and message.to == [admin_user.email]
    head = f"3:{anchor.head_hash}"
    call_command("verify_access_log", "--expect-head", head)
    _read(supporter, participant)  # a later row is fine
    anchors = tmp_path / "access-log-anchors.jsonl"
    call_command("verify_access_log", "--anchor-file", str(anchors))

    # Someone with the database deletes the two newest rows behind the trigger's back.
    newest = list(AccessEvent.objects.order_by("-id").values_list("pk", flat=True)[:2])
    with pgtrigger.ignore("portal.AccessEvent:access_event_append_only"):
        AccessEvent.objects.filter(pk__in=newest).delete()
    assert access_log_verify()[1] is None  # the chain alone cannot tell (the old weakness)
    with pytest.raises(CommandError, match="newest rows were deleted"):
        call_command("verify_access_log", "--expect-head", head)

    # ...or empties it: an empty log no longer verifies clean against the anchor.
    with pgtrigger.ignore("portal.AccessEvent:access_event_append_only"):
        AccessEvent.objects.all().delete()
    with pytest.raises(CommandError):
        call_command(
            "verify_access_log", "--anchor-file", str(tmp_path / "access-log-anchors.jsonl")
        )


def test_replacing_the_tail_with_forged_rows_is_caught(supporter, participant, tmp_path, settings):
    settings.ACCESS_LOG_ANCHOR_DIR = str(tmp_path)
    _read(supporter, participant, n=2)
    head = access_log_anchor()
    last = AccessEvent.objects.order_by("-id").first()
    with pgtrigger.ignore("portal.AccessEvent:access_event_append_only"):
        last.delete()
    _read(supporter, participant)  # a new, valid-looking row in its place
    with pytest.raises(CommandError, match="not the anchored head"):
        call_command("verify_access_log", "--expect-head", f"{head.rows}:{head.head_hash}")


def test_role_changes_are_access_log_rows_the_chain_covers(admin_user, make_staff):
    colleague = make_staff()
    client = reauthenticated(staff_client(admin_user))
    client.post(reverse("staff:staff_roles", args=[colleague.pk]), {"roles": ["recruitment"]})
    event = AccessEvent.objects.get(subject_staff=colleague)
    assert event.what == "staff.roles_set" and event.participant is None
    assert access_log_verify() == (1, None)
