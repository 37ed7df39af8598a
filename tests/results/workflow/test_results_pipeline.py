"""Intake → interpretation → reports → release on opt-in, with eager Celery."""

import pytest
from django.core import mail

from results.models import (
    DiseaseRiskFinding,
    Interpretation,
    Report,
    ReportDocument,
    ReportState,
    Sample,
)
from results.services.preferences import results_preference_set
from tests.results.workflow.helpers import NEGATIVE, POSITIVE, give_gror, ingest

pytestmark = pytest.mark.django_db


def _opt_in(participant, capture, **choices):
    values = {"pgx": "yes", "disease_risk": "yes", "traits": "yes", **choices}
    with capture(execute=True):
        results_preference_set(participant=participant, actor=participant.user, **values)


def test_negative_sample_goes_through_and_is_released_on_opt_in(
    participant, kb, data_manager, vcf_dir, django_capture_on_commit_callbacks
):
    give_gror(participant)
    outcome = ingest(
        data_manager,
        [(participant, NEGATIVE, "S-0001")],
        vcf_dir,
        capture=django_capture_on_commit_callbacks,
    )
    assert outcome.errors == []
    sample = Sample.objects.get(sample_id="S-0001")
    assert sample.state == Sample.State.INTERPRETED
    interpretation = Interpretation.objects.get(sample=sample)
    assert interpretation.state == Interpretation.State.DONE
    # A variant-only 1000 Genomes file, with the lab's attestation in the manifest
    cyp2c19 = interpretation.result["pgx"]["CYP2C19"]
    assert sample.absent_is_reference
    assert cyp2c19["status"] == "called" and cyp2c19["diplotypes"] == ["*1/*2"]
    reports = {r.report_type: r for r in Report.objects.filter(participant=participant)}
    assert set(reports) == {"pgx", "disease_risk", "traits"}
    # Nothing is released before the participant chose.
    assert {r.state for r in reports.values()} == {ReportState.READY}
    mail.outbox.clear()
    _opt_in(participant, django_capture_on_commit_callbacks)
    states = dict(
        Report.objects.filter(participant=participant).values_list("report_type", "state")
    )
    assert states == {"pgx": "released", "disease_risk": "released", "traits": "released"}
    # PDFs in the participant's language; another language is rendered when first asked for.
    assert ReportDocument.objects.filter(report__participant=participant).count() == 3
    ready = [m for m in mail.outbox if m.to == [participant.user.email]]
    assert len(ready) == 1
    assert "CYP2C19" not in ready[0].body and "*1/*2" not in ready[0].body


def test_positive_disease_risk_goes_to_a_counsellor(
    participant, kb, data_manager, counsellor, vcf_dir, django_capture_on_commit_callbacks
):
    give_gror(participant)
    _opt_in(participant, django_capture_on_commit_callbacks)
    ingest(
        data_manager,
        [(participant, POSITIVE, "S-0002")],
        vcf_dir,
        capture=django_capture_on_commit_callbacks,
    )
    report = Report.objects.get(participant=participant, report_type="disease_risk")
    assert report.positive
    assert report.state == ReportState.NEEDS_REVIEW
    assert report.assigned_counsellor == counsellor
    assert DiseaseRiskFinding.objects.filter(
        interpretation=report.interpretation, gene="RYR1"
    ).exists()
    # The same RYR1 (MHS) result makes the PGx report wait for review too (release
    # policy): it never reaches the participant before the disease-risk report's review.
    others = {
        r.report_type: r
        for r in Report.objects.filter(participant=participant).exclude(report_type="disease_risk")
    }
    assert others["pgx"].state == ReportState.NEEDS_REVIEW
    assert others["pgx"].review_reasons == ["RYR1: malignant hyperthermia susceptibility (RYR1)"]
    assert others["traits"].state == ReportState.RELEASED
