import datetime as dt
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client, TestCase

from participants.consent.campaigns import services
from participants.consent.campaigns.models import Member
from participants.consent.campaigns.selectors import (
    STATES,
    campaign_progress,
    data_use_paused,
    open_memberships,
)
from participants.consent.fhir import REPLACES_EXTENSION, validated_consent
from participants.consent.models import ConsentRecord
from participants.enrollment import participant_withdraw
from participants.surveys.management.commands.export_survey_responses_fhir import (
    completed_responses,
)
from tests.factories import ParticipantFactory
from tests.participants.campaigns.conftest import NEW_PARAGRAPH_EN, ethics_pdf
from tests.participants.consent.helpers import pass_comprehension, sign
from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db


def publish(manager, v2, old, **extra):
    kwargs = {
        "actor": manager, "version": v2, "from_version": old, "ethics_number": "IRB-2026-114",
        "ethics_date": dt.date(2026, 11, 30), "ethics_document": ethics_pdf(), "policy": "pause",
    } | extra  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.campaign_publish(**kwargs)


def test_publish_asks_the_cohort_and_e_mails_them(consented, consents, v2, manager):
    other = ParticipantFactory(user__email="not-signed@example.org")  # never signed: not asked
    campaign = publish(manager, v2, consents["primary"])
    assert list(Member.objects.values_list("participant", flat=True)) == [consented.pk]
    assert other.pk not in Member.objects.values_list("participant", flat=True)
    assert [m.subject for m in mail.outbox] == ["A consent form has changed"]
    assert "Ana" not in mail.outbox[0].body  # nothing identifying
    assert campaign.ethics_document.name.startswith("ethics/")


def test_cohort_by_site_and_language(consented, consents, make_v2, manager):
    from tests.factories import SiteFactory

    spanish = ParticipantFactory(user__email="es@example.org", preferred_language="es")
    pass_comprehension(spanish)
    sign(spanish, consents["primary"])
    v2 = make_v2()
    campaign = publish(manager, v2, consents["primary"], language="es")
    assert list(campaign.members.values_list("participant", flat=True)) == [spanish.pk]
    elsewhere = publish(manager, v2, consents["primary"], site=SiteFactory(code="site-z"))
    assert not elsewhere.members.exists()


def test_publish_needs_a_consent_manager_an_approval_and_a_later_version(
    consented, consents, v2, manager, make_staff
):
    with pytest.raises(PermissionDenied):
        publish(make_staff("consent_admin"), v2, consents["primary"])
    with pytest.raises(services.CampaignError):
        publish(manager, v2, consents["primary"], ethics_number=" ")
    with pytest.raises(services.CampaignError):
        publish(manager, consents["primary"], consents["primary"])  # not newer
    with pytest.raises(services.CampaignError):
        publish(manager, v2, consents["gror"])  # another form


def test_states_notified_viewed_reconsented_and_pause_lifted(consented, consents, v2, manager):
    campaign = publish(manager, v2, consents["primary"])
    assert data_use_paused(consented)
    assert consented.pk not in {r["subject"]["reference"] for r in completed_responses()}
    client = Client()
    client.force_login(consented.user)
    home = client.get("/me/").content.decode()
    assert "See what changed and sign again" in home
    page = client.get(f"/me/reconsent/{campaign.public_id}/").content.decode()
    assert "We added a paragraph about sharing coded data abroad." in page
    assert f"<ins>{NEW_PARAGRAPH_EN}</ins>" in page  # the side-by-side comparison
    assert "IRB-2026-114" in page
    assert "/me/consent/questions/" in page  # the usual comprehension check comes next
    assert campaign_progress(campaign)["tables"]["language"][0]["label"] == "en"
    member = Member.objects.get()
    assert member.viewed_at is not None
    pass_comprehension(consented)
    record = sign(consented, v2)
    assert not data_use_paused(consented)
    assert open_memberships(consented) == []
    # FHIR: the new record names the version it is on and the record it replaces.
    resource = validated_consent(record)
    replaces = [e for e in resource["extension"] if e["url"] == REPLACES_EXTENSION]
    old = ConsentRecord.objects.filter(participant=consented).exclude(pk=record.pk).get()
    assert replaces[0]["valueReference"]["reference"] == f"Consent/consent-record-{old.pk}"


def test_continue_policy_does_not_pause(consented, consents, v2, manager):
    publish(manager, v2, consents["primary"], policy="continue")
    assert not data_use_paused(consented)


def test_progress_counts_are_suppressed_and_carry_no_identity(
    consented, consents, make_v2, manager, settings
):
    settings.STAFF_SMALL_CELL_MAX = 0
    people = [consented]
    for i in range(3):
        person = ParticipantFactory(user__email=f"p{i}@example.org")
        pass_comprehension(person)
        sign(person, consents["primary"])
        people.append(person)
    v2 = make_v2()
    campaign = publish(manager, v2, consents["primary"])
    Member.objects.filter(participant=people[1]).update(viewed_at=dt.datetime.now(dt.UTC))
    pass_comprehension(people[2])
    sign(people[2], v2)
    participant_withdraw(participant=people[3], actor=people[3].user, tier=1)
    progress = campaign_progress(campaign)
    row = progress["tables"]["language"][0]
    assert dict(zip(progress["states"], row["cells"], strict=True)) == {
        "notified": 1, "viewed": 1, "reconsented": 1, "declined": 0, "withdrew": 1,
    }  # fmt: skip
    settings.STAFF_SMALL_CELL_MAX = 19
    hidden = campaign_progress(campaign)["tables"]["site"][0]["cells"]
    assert all(n in (None, 0) for n in hidden)
    page = staff_client(manager).get(f"/staff/consent/campaigns/{campaign.public_id}/")
    body = page.content.decode()
    assert page.status_code == 200 and "&lt;20" in body
    for person in people:
        assert person.participant_id not in body and person.user.email not in body


def test_reminders_go_weekly_and_honour_the_unsubscribe(consented, consents, v2, manager):
    from participants.consent.campaigns.tasks import send_reconsent_reminders

    publish(manager, v2, consents["primary"])
    Member.objects.update(notified_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert send_reconsent_reminders() == 1
        assert send_reconsent_reminders() == 0  # not twice in a week
    assert [m.subject for m in mail.outbox] == ["Reminder: a consent form has changed"]
    Member.objects.update(last_reminder_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    consented.reminders_opted_out = True
    consented.save(update_fields=["reminders_opted_out"])
    assert send_reconsent_reminders() == 0


def test_another_participants_or_a_made_up_campaign_is_not_found(consented, consents, v2, manager):
    campaign = publish(manager, v2, consents["primary"])
    outsider = ParticipantFactory(user__email="outsider2@example.org")
    client = Client()
    client.force_login(outsider.user)
    assert client.get(f"/me/reconsent/{campaign.public_id}/").status_code == 404
    assert client.get(f"/me/reconsent/{uuid.uuid4()}/").status_code == 404


def test_staff_page_publishes_with_a_pdf_approval_only(consented, consents, v2, manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from participants.consent.campaigns.models import Campaign

    client = staff_client(manager)
    data = {
        "version": v2.pk, "from_version": consents["primary"].pk, "ethics_number": "IRB-9",
        "ethics_date": "2026-12-01", "policy": "continue", "language": "",
    }  # fmt: skip
    fake = SimpleUploadedFile("approval.pdf", b"<html>not a pdf</html>", "application/pdf")
    refused = client.post("/staff/consent/campaigns/", {**data, "ethics_document": fake})
    assert refused.status_code == 200 and not Campaign.objects.exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = client.post("/staff/consent/campaigns/", {**data, "ethics_document": ethics_pdf()})
    campaign = Campaign.objects.get()
    assert done.status_code == 302 and campaign.members.count() == 1
    assert campaign.policy == "continue"


def test_consent_manager_role_and_nobody_else_reaches_the_pages(manager, make_staff, roles):
    from django.contrib.auth.models import Group

    perms = Group.objects.get(name="consent_manager").permissions.values_list("codename", flat=True)
    assert set(perms) == {"manage_campaigns"}
    assert staff_client(manager).get("/staff/consent/campaigns/").status_code == 200
    for role in ("consent_admin", "support", "recruitment"):
        assert staff_client(make_staff(role)).get("/staff/consent/campaigns/").status_code == 403


def test_the_campaign_task_replaces_the_generic_renewal_banner(consented, consents, v2, manager):
    client = Client()
    client.force_login(consented.user)
    assert "Review the changes" in client.get("/me/").content.decode()  # no campaign yet
    publish(manager, v2, consents["primary"])
    home = client.get("/me/").content.decode()
    assert "See what changed and sign again" in home
    assert "Review the changes" not in home


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_keeping_the_current_consent_is_declining_and_lifts_the_pause(
    consented, consents, v2, manager, prefix
):
    campaign = publish(manager, v2, consents["primary"])
    client = Client()
    client.force_login(consented.user)
    page = client.get(f"{prefix}/me/reconsent/{campaign.public_id}/").content.decode()
    assert (
        "Keep my current consent" if not prefix else "Mantener mi consentimiento actual"
    ) in page
    response = client.post(f"{prefix}/me/reconsent/{campaign.public_id}/", {"action": "keep"})
    assert response.status_code == 302
    assert not data_use_paused(consented)  # the version they signed goes on applying
    assert open_memberships(consented) == []
    assert "See what changed and sign again" not in client.get("/me/").content.decode()
    row = campaign_progress(campaign)["tables"]["language"][0]
    assert dict(zip(STATES, row["cells"], strict=True))["declined"] in (1, None)
    current = ConsentRecord.objects.filter(participant=consented).get()
    assert current.version == consents["primary"]  # nothing new signed
