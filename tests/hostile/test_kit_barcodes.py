"""Hostile scans: what a keyboard-wedge field may receive, and a barcode of the wrong person.

A scanner types whatever the label encodes, and a field accepts what anyone types: markup,
SQL, control characters, a second code, an overlong string. Each is refused with the
form's message - never a 500, never echoed unescaped, never a kit changed. A manifest row
naming another participant's received kit is refused for that row only.
"""

import pytest
from django.test import TestCase

from participants.kits import services
from participants.kits.models import Kit, KitStatus
from results.manifests import UploadedFiles, sample_manifest_ingest
from results.models import Sample
from tests.factories import ParticipantFactory
from tests.participants.consent.helpers import pass_comprehension, sign
from tests.results.workflow.conftest import vcf_dir  # noqa: F401
from tests.results.workflow.helpers import NEGATIVE, renamed_vcf, upload
from tests.staff.conftest import staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(consented, make_staff):
    biobank = make_staff("biobank")
    kit = services.kit_request_saliva(participant=consented, actor=consented.user)
    services.kit_ship(kit=kit, actor=biobank, carrier="USPS", tracking_number="94001111")
    return kit, biobank


def payloads(barcode: str) -> list[str]:
    return [
        "<script>alert(1)</script>",
        f"{barcode}<script>alert(1)</script>",
        f"{barcode}' OR '1'='1",
        "'; UPDATE kits_kit SET status='received'; --" + barcode,  # noqa: S608
        f"{barcode}\x00",
        f"{barcode}\r\nSet-Cookie: x=1",
        f"{barcode}\t{barcode}",
        f"{barcode[:-1]}%",
        f"{barcode[:-1]}_",
        "CK" + "9" * 10_000,
        "ＣＫ" + barcode[2:],  # full-width letters
        barcode.replace("C", "С"),  # Cyrillic Es
        "{{ request }}",
        "",
    ]


def test_injected_scans_are_refused_and_change_nothing(shipped):
    kit, biobank = shipped
    client = staff_client(biobank)
    for payload in payloads(kit.barcode):
        response = client.post("/staff/kits/receive/", {"barcode": payload})
        assert response.status_code == 200, payload
        body = response.content.decode()
        assert "<script>alert(1)" not in body
        assert "Received kit" not in body, payload
        kit.refresh_from_db()
        assert kit.status == KitStatus.SHIPPED, payload
    # The real code still works afterwards.
    client.post("/staff/kits/receive/", {"barcode": kit.barcode})
    kit.refresh_from_db()
    assert kit.status == KitStatus.RECEIVED


def test_the_service_refuses_them_too(shipped):
    kit, biobank = shipped
    for payload in payloads(kit.barcode):
        with pytest.raises(services.KitError):
            services.kit_receive_scan(scanned=payload, actor=biobank)
    assert Kit.objects.get(pk=kit.pk).status == KitStatus.SHIPPED


def test_a_manifest_row_with_another_participants_kit_is_refused(
    shipped,
    data_manager,
    vcf_dir,  # noqa: F811 - the fixture imported above
    kb,
    consents,
):
    kit, biobank = shipped
    services.kit_receive_scan(scanned=kit.barcode, actor=biobank)
    other = ParticipantFactory(user__email="other@example.org")
    pass_comprehension(other)
    sign(other, consents["primary"])
    never = services.kit_request_saliva(participant=other, actor=other.user)  # not received
    owner = kit.participant
    vcfs = [renamed_vcf(NEGATIVE, name, vcf_dir) for name in ("S-1", "S-2", "S-3", "S-4")]
    rows = [
        f"{other.research_id},S-1,{vcfs[0].name},,{kit.barcode}",  # someone else's kit
        f"{other.research_id},S-2,{vcfs[1].name},,{never.barcode}",  # never received
        f"{owner.research_id},S-3,{vcfs[2].name},,CK0000000000",  # no such kit
        f"{owner.research_id},S-4,{vcfs[3].name},,{kit.barcode.lower()}",  # the right one
    ]
    manifest = ("research_id,sample_id,vcf,sex,kit_barcode\n" + "\n".join(rows) + "\n").encode()
    with TestCase.captureOnCommitCallbacks(execute=False):
        outcome = sample_manifest_ingest(
            actor=data_manager,
            manifest_bytes=manifest,
            manifest_name="kits.csv",
            files=UploadedFiles([upload(v) for v in vcfs]),
        )
    errors = {e["row"]: e["error"] for e in outcome.errors}
    assert errors == {
        2: "This kit belongs to another participant: check the research id and barcode.",
        3: "This kit was never received by the biobank (or was rejected); check the barcode.",
        4: "Unknown kit barcode: no kit was ever issued with it.",
    }
    assert list(Sample.objects.values_list("sample_id", flat=True)) == ["S-4"]
