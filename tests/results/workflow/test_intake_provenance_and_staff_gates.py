"""Manifest provenance columns, the engine call, and the data manager's pages for the gates
(QC decisions and confirmations) over HTTP."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import AccessEvent, AuditEvent
from results.manifests import UploadedFiles, sample_manifest_ingest
from results.models import Interpretation, Report, ReportState, Sample
from results.services import interpretation_queue
from tests.results.reports.test_report_redesign import MHS_FINDING, factory_result
from tests.results.workflow.helpers import NEGATIVE, make_report, renamed_vcf, upload

pytestmark = pytest.mark.django_db
S = ReportState
HEADER = (
    "research_id,sample_id,vcf,sex,lab_name,clia_number,cap_number,absent_is_reference,"
    "sequencing,outside_calls,array_genotypes"
)


def _ingest(actor, lines, files, **kwargs):
    return sample_manifest_ingest(
        actor=actor,
        manifest_bytes=("\n".join([HEADER, *lines]) + "\n").encode(),
        manifest_name="m.csv",
        files=UploadedFiles(files),
        **kwargs,
    )


def test_manifest_provenance_columns_are_stored(participant, outsider, kb, data_manager, vcf_dir):
    vcf = renamed_vcf(NEGATIVE, "PV-1", vcf_dir)
    calls = SimpleUploadedFile("PV-1.outside.tsv", b"CYP2D6\t*1/*4\n", "text/plain")
    outcome = _ingest(
        data_manager,
        [
            f"{participant.research_id},PV-1,{vcf.name},female,Genome Center,11D2345678,"
            "CAP-123,yes,wgs,PV-1.outside.tsv,",
            f"{outsider.research_id},PV-2,{vcf.name},,,,,maybe,,,",
            f"{outsider.research_id},PV-3,{vcf.name},,,,,,panel,,",
            f"{outsider.research_id},PV-4,{vcf.name},,,,,,,../../etc/passwd,",
        ],
        [upload(vcf), calls],
        defaults={"lab_name": "Default Lab", "clia_number": "", "cap_number": ""},
    )
    sample = Sample.objects.get(sample_id="PV-1")
    assert (sample.lab_name, sample.clia_number, sample.cap_number) == (
        "Genome Center",
        "11D2345678",
        "CAP-123",
    )
    assert sample.absent_is_reference is True and sample.sequencing == "wgs"
    assert sample.outside_calls_name.endswith("PV-1.outside.tsv") and sample.outside_calls_sha256
    errors = {e["sample_id"]: e["error"] for e in outcome.errors}
    assert "absent_is_reference" in errors["PV-2"]
    assert "sequencing" in errors["PV-3"]
    assert "outside_calls" in errors["PV-4"]


def test_engine_receives_the_lab_flags(monkeypatch, participant, kb, data_manager, vcf_dir):
    seen = {}

    def fake_engine(path, **kwargs):
        seen.update(kwargs)
        return {**factory_result(), "knowledge_base": {"release": kb.release}}

    monkeypatch.setattr(interpretation_queue, "interpret_vcf", fake_engine)
    vcf = renamed_vcf(NEGATIVE, "PV-9", vcf_dir)
    outcome = _ingest(
        data_manager,
        [f"{participant.research_id},PV-9,{vcf.name},male,,,,,exome,,"],
        [upload(vcf)],
        defaults={"absent_is_reference": True},
    )
    interpretation = Interpretation.objects.get(sample=outcome.accepted[0])
    interpretation_queue.interpretation_claim(interpretation_id=interpretation.pk)
    assert interpretation_queue.interpretation_execute(interpretation_id=interpretation.pk)
    assert seen["absent_is_reference"] is True  # the manifest-wide attestation
    assert seen["declared_wgs"] is False and seen["outside_calls"] is None
    assert seen["sex"] == "male"
    interpretation.refresh_from_db()
    assert interpretation.qc_status == "pass"


def test_data_manager_clears_a_qc_hold_over_http(client, participant, kb, data_manager):
    report = make_report(participant, kb, state=S.READY, result=factory_result())
    Interpretation.objects.filter(pk=report.interpretation_id).update(qc_status="review")
    client.force_login(data_manager)
    page = client.get(reverse("staff_results:qc")).content.decode()
    assert report.interpretation.sample.sample_id in page
    url = reverse("staff_results:qc_decide", args=[report.interpretation_id])
    client.post(url, {"decision": "cleared", "reason": "no"})  # too short: refused
    assert Interpretation.objects.get(pk=report.interpretation_id).qc_decision == ""
    client.post(url, {"decision": "cleared", "reason": "identity re-checked on array"})
    interpretation = Interpretation.objects.get(pk=report.interpretation_id)
    assert (interpretation.qc_decision, interpretation.qc_decided_by) == ("cleared", data_manager)
    # Decided: no longer listed, and the route is a 404 for it now.
    assert client.post(url, {"decision": "rejected", "reason": "again"}).status_code == 404


def test_counsellor_cannot_open_the_qc_or_confirmation_pages(client, counsellor):
    client.force_login(counsellor)
    assert client.get(reverse("staff_results:qc")).status_code == 403
    assert client.get(reverse("staff_results:confirmations")).status_code == 403


def test_data_manager_records_a_confirmation_over_http(client, participant, kb, data_manager):
    report = make_report(
        participant,
        kb,
        state=S.NEEDS_REVIEW,
        report_type="disease_risk",
        positive=True,
        result=factory_result(disease_risk=[dict(MHS_FINDING)]),
    )
    client.force_login(data_manager)
    assert (
        f"v{report.version}" in client.get(reverse("staff_results:confirmations")).content.decode()
    )
    url = reverse("staff_results:confirmation", args=[report.pk])
    assert client.get(url).status_code == 200
    assert AccessEvent.objects.filter(staff=data_manager, participant=participant).exists()
    response = client.post(
        url,
        {
            "lab": "Clinical Lab, CLIA 22D0000002",
            "accession": "CL-77",
            "confirmed_on": dt.date(2026, 2, 1).isoformat(),
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.confirmed and report.confirmation_by == data_manager
    assert AuditEvent.objects.filter(action="results.report.confirmation").count() == 1
    # Confirmed: gone from the list; the route no longer offers it.
    assert client.get(url).status_code == 404
    assert Report.objects.get(pk=report.pk).state == S.NEEDS_REVIEW
