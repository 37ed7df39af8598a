import pytest
from django.test import Client

from participants.kits import services
from participants.kits.models import Kit, KitStatus, PartnerSite
from participants.kits.staff_views import ACCESS_ACTIONS
from portal.models import AccessEvent
from tests.participants.kits.helpers import emails_after, shipped_kit
from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db


def _client(participant) -> Client:
    client = Client()
    client.force_login(participant.user)
    return client


@pytest.mark.parametrize(
    ("prefix", "order", "tracker"),
    [("", "Mail a saliva kit to my address", "Kit requested"),
     ("/es", "Enviarme por correo un kit de saliva a mi dirección", "Kit pedido")],
)  # fmt: skip
def test_order_a_kit_and_follow_it_in_both_languages(consented, prefix, order, tracker):
    client = _client(consented)
    page = client.get(f"{prefix}/me/kit/").content.decode()
    assert order in page
    assert "Order a kit" in client.get("/me/").content.decode()
    response = client.post(f"{prefix}/me/kit/", {"option": "mail_profile"})
    assert response.status_code == 302
    kit = Kit.objects.get(participant=consented)
    assert kit.status == KitStatus.REQUESTED
    assert tracker in client.get(f"{prefix}/me/kit/").content.decode()
    assert tracker in client.get(f"{prefix}/me/").content.decode()
    # No second order while one is in flight: the form is gone, a POST is refused.
    assert client.post(f"{prefix}/me/kit/", {"option": "mail_profile"}).status_code == 404
    assert Kit.objects.filter(participant=consented).count() == 1


def test_a_different_address_needs_every_line(consented):
    client = _client(consented)
    response = client.post("/me/kit/", {"option": "mail_other", "line1": "9 Elm Rd"})
    assert response.status_code == 200 and not Kit.objects.exists()
    client.post("/me/kit/", {"option": "mail_other", "line1": "9 Elm Rd", "city": "Dallas",
                             "state": "TX", "postal_code": "75201"})  # fmt: skip
    assert Kit.objects.get().ship_city == "Dallas"


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_partner_site_and_visit_letter_pdf(consented, prefix):
    client = _client(consented)
    site = PartnerSite.objects.get(code="houston-east-clinic")
    client.post(f"{prefix}/me/kit/", {"option": "site", "site": site.pk})
    kit = Kit.objects.get(participant=consented)
    assert kit.partner_site == site
    response = client.get(f"{prefix}/me/kit/{kit.public_id}/letter/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    from io import BytesIO

    from pypdf import PdfReader

    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert site.name in text and kit.barcode in text
    assert ("Opening hours" if not prefix else "Horario") in text


def test_a_participant_who_has_not_consented_cannot_order(participant):
    client = _client(participant)
    assert "after you sign the consent" in client.get("/me/kit/").content.decode()
    assert client.post("/me/kit/", {"option": "mail_profile"}).status_code == 404
    assert not Kit.objects.exists()


def test_biobank_queue_ship_label_and_scan(consented, biobank):
    kit = services.kit_request_saliva(participant=consented, actor=consented.user)
    client = staff_client(biobank)
    queue = client.get("/staff/kits/").content.decode()
    assert kit.barcode in queue and "García" not in queue and "12 Main St" not in queue
    label = client.post(f"/staff/kits/{kit.public_id}/label/")
    assert label.status_code == 200 and label.content.startswith(b"%PDF-")
    from io import BytesIO

    from pypdf import PdfReader

    text = PdfReader(BytesIO(label.content)).pages[0].extract_text()
    assert "12 Main St" in text and kit.barcode in text
    assert AccessEvent.objects.get(what="kits.label").participant == consented
    emails_after(lambda: client.post(f"/staff/kits/{kit.public_id}/", {
        "step": "ship", "carrier": "USPS", "tracking_number": "9400111899223"}))  # fmt: skip
    kit.refresh_from_db()
    assert kit.status == KitStatus.SHIPPED and kit.tracking_number == "9400111899223"
    page = client.post("/staff/kits/receive/", {"barcode": kit.barcode + "\n"})
    assert f"Received kit <strong>{kit.barcode}" in page.content.decode()
    kit.refresh_from_db()
    assert kit.status == KitStatus.RECEIVED
    client.post(f"/staff/kits/{kit.public_id}/", {"step": "reject", "reason": "too_old"})
    kit.refresh_from_db()
    assert kit.status == KitStatus.REJECTED and kit.replacement.status == KitStatus.REQUESTED
    # Every access-log row these pages wrote has its own words on "Who has seen my data".
    assert set(AccessEvent.objects.values_list("what", flat=True)) <= set(ACCESS_ACTIONS)
    own = _client(consented)
    assert (
        "A member of our biobank team printed the packing slip and the label with your "
        "address to post your saliva kit to you."
    ) in own.get("/me/access/").content.decode()
    assert "imprimió la hoja de envío y la etiqueta con su dirección" in (
        own.get("/es/me/access/").content.decode()
    )


def test_other_roles_and_participants_get_no_biobank_page(consented, biobank, make_staff):
    kit = shipped_kit(consented, biobank)
    for client in (staff_client(make_staff("support")), _client(consented)):
        for url in ("/staff/kits/", "/staff/kits/receive/", f"/staff/kits/{kit.public_id}/"):
            assert client.get(url).status_code in (302, 403, 404)
        assert client.post("/staff/kits/receive/", {"barcode": kit.barcode}).status_code in (
            302, 403, 404,
        )  # fmt: skip
    kit.refresh_from_db()
    assert kit.status == KitStatus.SHIPPED
