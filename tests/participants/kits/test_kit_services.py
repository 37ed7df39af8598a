import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection

from participants.enrollment import participant_withdraw
from participants.kits import services
from participants.kits.models import Kit, KitStatus, PartnerSite
from participants.kits.selectors import kit_figures, tracker
from portal.models import AuditEvent
from tests.participants.kits.helpers import emails_after, received_kit, shipped_kit

pytestmark = pytest.mark.django_db


def test_only_a_consented_participant_can_order(participant):
    with pytest.raises(services.KitError):
        services.kit_request_saliva(participant=participant, actor=participant.user)
    assert not Kit.objects.exists()


def test_saliva_kit_goes_to_the_profile_address_encrypted(consented):
    kit = services.kit_request_saliva(participant=consented, actor=consented.user)
    assert kit.status == KitStatus.REQUESTED and kit.barcode.startswith("CK")
    assert (kit.ship_line1, kit.ship_city, kit.ship_postal_code) == (
        "12 Main St", "Austin", "78701",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT ship_line1, ship_postal_code FROM kits_kit")
        raw = repr(cursor.fetchall())
    assert "12 Main St" not in raw and "78701" not in raw
    audit = AuditEvent.objects.get(action="kit.request")
    assert audit.data == {"kind": "saliva", "address": "profile"}


def test_a_changed_address_is_for_this_kit_only(consented):
    address = {"line1": "9 Elm Rd", "line2": "", "city": "Dallas", "state": "TX",
               "postal_code": "75201"}  # fmt: skip
    kit = services.kit_request_saliva(participant=consented, actor=consented.user, address=address)
    consented.refresh_from_db()
    assert kit.ship_city == "Dallas" and consented.city == "Austin"


def test_one_kit_in_flight_at_a_time(consented):
    services.kit_request_saliva(participant=consented, actor=consented.user)
    with pytest.raises(services.KitError):
        services.kit_request_saliva(participant=consented, actor=consented.user)
    assert Kit.objects.count() == 1


def test_state_machine_ship_receive_and_emails(consented, biobank):
    kit = services.kit_request_saliva(participant=consented, actor=consented.user)
    with pytest.raises(services.KitError):  # not shipped yet
        services.kit_receive_scan(scanned=kit.barcode, actor=biobank)
    emails_after(lambda: services.kit_ship(
        kit=kit, actor=biobank, carrier="UPS", tracking_number="1Z999AA10123456784"))  # fmt: skip
    kit.refresh_from_db()
    assert kit.status == KitStatus.SHIPPED and kit.carrier == "UPS"
    with pytest.raises(services.KitError):
        services.kit_ship(kit=kit, actor=biobank, carrier="UPS", tracking_number="1Z9")
    # A scanner's lower case and trailing newline are fine.
    emails_after(lambda: services.kit_receive_scan(
        scanned=f" {kit.barcode.lower()}\r\n", actor=biobank))  # fmt: skip
    kit.refresh_from_db()
    assert kit.status == KitStatus.RECEIVED and kit.received_at
    again = services.kit_receive_scan(scanned=kit.barcode, actor=biobank)
    assert again.status == KitStatus.RECEIVED  # scanned twice: no error, no second change
    assert AuditEvent.objects.filter(action="kit.received").count() == 1
    subjects = [m.subject for m in mail.outbox]
    assert subjects == ["Your kit is on its way", "The lab has your sample"]
    for message in mail.outbox:  # nothing identifying: no name, barcode or tracking number
        body = message.body + message.alternatives[0][0]
        for clear in ("Ana", "García", kit.barcode, "1Z999AA10123456784", "Main St"):
            assert clear not in body and clear not in message.subject


def test_reject_orders_a_replacement_automatically(consented, biobank):
    kit = received_kit(consented, biobank)
    with pytest.raises(services.KitError):
        services.kit_reject(kit=kit, actor=biobank, reason="coffee")
    emails_after(lambda: services.kit_reject(kit=kit, actor=biobank, reason="leaked"))
    kit.refresh_from_db()
    assert kit.status == KitStatus.REJECTED and kit.rejection_reason == "leaked"
    replacement = kit.replacement
    assert replacement.status == KitStatus.REQUESTED
    assert replacement.barcode != kit.barcode and replacement.ship_city == kit.ship_city
    assert [m.subject for m in mail.outbox] == ["We are sending you a new kit"]
    assert "leaked" not in mail.outbox[0].body


def test_only_the_biobank_role_moves_kits(consented, make_staff):
    kit = services.kit_request_saliva(participant=consented, actor=consented.user)
    for actor in (make_staff("support"), make_staff("data_manager"), consented.user):
        with pytest.raises(PermissionDenied):
            services.kit_ship(kit=kit, actor=actor, carrier="USPS", tracking_number="94001111")


def test_withdrawal_tier_2_cancels_open_kits_and_a_late_return_is_flagged(consented, biobank):
    kit = shipped_kit(consented, biobank)
    participant_withdraw(participant=consented, actor=consented.user, tier=2)
    kit.refresh_from_db()
    assert kit.status == KitStatus.CANCELLED and kit.cancelled_at
    mail.outbox.clear()
    emails_after(lambda: services.kit_receive_scan(scanned=kit.barcode, actor=biobank))
    kit.refresh_from_db()
    assert kit.status == KitStatus.RECEIVED and kit.destroy_flagged_at is not None
    flagged = AuditEvent.objects.get(action="kit.destroy_flagged")
    assert flagged.participant == consented and flagged.data == {"withdrawal_tier": 2}
    assert mail.outbox == []


def test_withdrawal_tier_1_keeps_the_kit(consented, biobank):
    kit = shipped_kit(consented, biobank)
    participant_withdraw(participant=consented, actor=consented.user, tier=1)
    kit.refresh_from_db()
    assert kit.status == KitStatus.SHIPPED


def test_partner_site_visit_and_its_tracker(consented, biobank):
    site = PartnerSite.objects.get(code="austin-central-lab")
    kit = services.kit_request_site_visit(participant=consented, actor=consented.user, site=site)
    assert [s.code for s in tracker(consented, kit)] == ["requested", "received", "reading",
                                                        "results"]  # fmt: skip
    services.kit_receive_scan(scanned=kit.barcode, actor=biobank)
    kit.refresh_from_db()
    stages = {s.code: s.done_at for s in tracker(consented, kit)}
    assert stages["received"] and stages["reading"] is None


def test_figures_are_aggregates_with_small_cells_hidden(consented, biobank, settings):
    settings.STAFF_SMALL_CELL_MAX = 0
    received_kit(consented, biobank)
    figures = kit_figures()
    assert figures["kits_out"] == 0 and figures["return_rate"] == 100.0
    assert figures["rejection_rate"] == 0.0 and figures["median_days_to_return"] < 1
    settings.STAFF_SMALL_CELL_MAX = 19
    figures = kit_figures()
    assert figures["return_rate"] is None and figures["median_days_to_return"] is None


def test_biobank_role_holds_only_the_kit_permission(roles):
    from django.contrib.auth.models import Group

    perms = set(Group.objects.get(name="biobank").permissions.values_list("codename", flat=True))
    assert perms == {"manage_kits"}


def test_a_merge_of_duplicate_accounts_brings_the_kits_along(consented, biobank, make_staff):
    from participants.duplicates import services as duplicates
    from participants.duplicates.models import DuplicateFlag
    from tests.factories import ParticipantFactory

    kit = received_kit(consented, biobank)
    keep = ParticipantFactory(user__email="keep@example.org")
    first, second = sorted((keep, consented), key=lambda p: p.pk)
    flag = DuplicateFlag.objects.create(first=first, second=second, site=consented.site)
    support = make_staff("support")
    duplicates.duplicate_decide_same(flag=flag, actor=support, keep=keep)
    duplicates.duplicate_confirm_by_call(flag=flag, actor=support, ticket="T-5")
    kit.refresh_from_db()
    assert kit.participant == keep and kit.status == KitStatus.RECEIVED


def test_tracker_follows_the_sample_to_released_results(consented, biobank, kb):
    from django.utils import timezone

    from results.models import Report
    from tests.results.workflow.helpers import make_report

    kit = received_kit(consented, biobank)
    report = make_report(consented, kb, state="released")
    stages = {s.code: s.done_at for s in tracker(consented, kit)}
    assert stages["reading"] == report.interpretation.sample.created
    assert stages["results"] is None  # released, but no release date yet
    Report.objects.filter(pk=report.pk).update(released_at=timezone.now())
    stages = {s.code: s.done_at for s in tracker(consented, kit)}
    assert [code for code, at in stages.items() if at] == [
        "requested", "shipped", "received", "reading", "results",
    ]  # fmt: skip
