"""The release policy's gates, through the report state machine: QC hold, PGx review,
confirmation before review, disease-risk scope. Results are contract-shaped dicts."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from portal.models import AuditEvent
from results import release_policy
from results.models import Interpretation, Report, ReportState, Sample
from results.services.report_building import reports_advance, reports_create_for
from results.services.report_states import ReportTransitionError, report_transition
from results.services.review import (
    PolicyError,
    interpretation_qc_decide,
    report_confirmation_record,
    report_release,
    report_review,
)
from tests.results.reports.test_report_redesign import MHS_FINDING, _call, factory_result
from tests.results.workflow.helpers import give_gror, make_report

pytestmark = pytest.mark.django_db
S = ReportState
YES = {"pgx": "yes", "disease_risk": "yes", "traits": "yes"}


@pytest.fixture
def opted_in(participant):
    from results.services.preferences import results_preference_set

    give_gror(participant)
    results_preference_set(participant=participant, actor=participant.user, **YES)
    return participant


def _built(participant, kb, result, *, qc_status="pass"):
    """Reports created from `result` the way the pipeline does (create, ready)."""
    report = make_report(participant, kb, state=S.PENDING, result=result)
    interpretation = report.interpretation
    Interpretation.objects.filter(pk=interpretation.pk).update(qc_status=qc_status)
    report.delete()  # let the service create every type from the interpretation
    from results.services.report_building import report_prepare

    for pk in reports_create_for(interpretation_id=interpretation.pk):
        report_prepare(report_id=pk)
    return {r.report_type: r for r in Report.objects.filter(interpretation=interpretation)}


# -------------------------------------------------------------------------- the policy
@pytest.mark.parametrize(
    ("gene", "call", "actionable"),
    [
        ("DPYD", _call(["*1/*2A"], "Intermediate Metabolizer"), True),
        ("TPMT", _call(["*1/*3A"], "Possible Intermediate Metabolizer"), True),
        ("NUDT15", _call(["*3/*3"], "Poor Metabolizer"), True),
        ("G6PD", _call(["A-/B"], "Variable"), True),
        ("G6PD", _call(["A-/A-"], "Deficient"), True),
        ("RYR1", _call(["Reference/x"], "Malignant Hyperthermia Susceptibility"), True),
        ("CACNA1S", _call(["Reference/x"], "Malignant Hyperthermia Susceptibility"), True),
        ("CYP2C19", _call(["*2/*2"], "Poor Metabolizer"), True),
        ("CYP2C19", _call(["*1/*2"], "Intermediate Metabolizer"), False),
        ("HLA-B", _call(["*57:01/*08:01"], "*57:01 positive", source="outside_call"), True),
        ("HLA-B", _call(["*57:01/*08:01"], "*57:01 positive", source="vcf"), False),
        ("HLA-B", _call(["*08:01/*08:01"], "*57:01 negative", source="outside_call"), False),
        ("DPYD", _call([], None, status="not_determined"), False),
        ("DPYD", _call(["Reference/Reference"], "Normal Metabolizer"), False),
    ],
)
def test_actionable_pgx_rules(gene, call, actionable):
    reasons = release_policy.actionable_pgx(factory_result(pgx={gene: call}))
    assert bool(reasons) is actionable
    if actionable:
        assert reasons[0].startswith(gene)


def test_docs_table_matches_the_policy_module():
    docs = (Path(__file__).resolve().parents[3] / "docs" / "results.md").read_text()
    for rule, effect in release_policy.policy_table():
        assert f"| {rule} | {effect} |" in docs, rule


# ---------------------------------------------------------------------------- QC hold
def test_qc_review_holds_every_report_until_cleared(opted_in, kb, data_manager):
    reports = _built(opted_in, kb, factory_result(), qc_status="review")
    reports_advance(participant=opted_in)
    assert {r.report_type: Report.objects.get(pk=r.pk).state for r in reports.values()} == {
        "pgx": S.READY,
        "disease_risk": S.READY,
        "traits": S.READY,
    }
    with pytest.raises(ReportTransitionError) as refused:
        report_transition(report=reports["traits"], to_state=S.RELEASED)
    assert refused.value.code == "qc_hold"
    interpretation = reports["pgx"].interpretation
    with pytest.raises(PolicyError) as no_reason:
        interpretation_qc_decide(
            interpretation=interpretation, actor=data_manager, decision="cleared", reason=""
        )
    assert no_reason.value.code == "reason"
    interpretation_qc_decide(
        interpretation=interpretation,
        actor=data_manager,
        decision="cleared",
        reason="sex check: sample re-tested, matches",
    )
    states = set(Report.objects.filter(interpretation=interpretation).values_list("state", flat=1))
    assert states == {S.RELEASED}
    event = AuditEvent.objects.get(action="results.qc.cleared")
    assert event.data["reason"].startswith("sex check")


def test_qc_fail_rejected_withholds_for_good(opted_in, kb, data_manager, counsellor):
    reports = _built(opted_in, kb, factory_result(), qc_status="fail")
    interpretation = reports["pgx"].interpretation
    with pytest.raises(PolicyError) as refused:
        interpretation_qc_decide(
            interpretation=interpretation, actor=counsellor, decision="cleared", reason="fine"
        )
    assert refused.value.code == "permission"
    assert isinstance(refused.value, PermissionDenied)  # a permission error, not a rule
    interpretation_qc_decide(
        interpretation=interpretation,
        actor=data_manager,
        decision="rejected",
        reason="contaminated sample",
    )
    assert set(
        Report.objects.filter(interpretation=interpretation).values_list("state", flat=True)
    ) == {S.WITHHELD}
    assert Sample.objects.get(pk=interpretation.sample_id).state == Sample.State.FAILED
    reports_advance(participant=opted_in)  # a gror "yes" again never brings them back
    assert not Report.objects.filter(interpretation=interpretation, state=S.RELEASED).exists()
    with pytest.raises(PolicyError):  # decided once
        interpretation_qc_decide(
            interpretation=interpretation, actor=data_manager, decision="cleared", reason="oops"
        )


def test_qc_pass_releases_typical_reports_at_once(opted_in, kb):
    reports = _built(opted_in, kb, factory_result())
    reports_advance(participant=opted_in)
    for report in reports.values():
        report.refresh_from_db()
        assert report.state == S.RELEASED, report.report_type


# ------------------------------------------------------------------------- PGx review
def test_actionable_pgx_goes_to_review_and_two_people(opted_in, kb, counsellor, second_counsellor):
    result = factory_result(pgx={"DPYD": _call(["*2A/*2A"], "Poor Metabolizer")})
    reports = _built(opted_in, kb, result)
    pgx = reports["pgx"]
    assert pgx.review_required and pgx.review_reasons[0].startswith("DPYD")
    with pytest.raises(ReportTransitionError) as refused:
        report_transition(report=pgx, to_state=S.RELEASED)
    assert refused.value.code == "needs_review"
    reports_advance(participant=opted_in)
    pgx.refresh_from_db()
    assert pgx.state == S.NEEDS_REVIEW
    pgx.assigned_counsellor = None
    pgx.save(update_fields=["assigned_counsellor"])
    report_review(report=pgx, actor=counsellor, note="DPYD poor metaboliser: call booked")
    with pytest.raises(ReportTransitionError) as same:
        report_release(report=pgx, actor=counsellor)
    assert same.value.code == "same_person"
    report_release(report=pgx, actor=second_counsellor)
    pgx.refresh_from_db()
    assert pgx.state == S.RELEASED


def test_mhs_in_disease_risk_only_still_sends_pgx_to_review(opted_in, kb):
    reports = _built(opted_in, kb, factory_result(disease_risk=[dict(MHS_FINDING)]))
    assert reports["pgx"].review_required
    assert reports["disease_risk"].positive and reports["disease_risk"].requires_confirmation


# -------------------------------------------------------------- confirmation first
def test_positive_needs_confirmation_before_review(
    opted_in, kb, data_manager, counsellor, second_counsellor
):
    reports = _built(opted_in, kb, factory_result(disease_risk=[dict(MHS_FINDING)]))
    reports_advance(participant=opted_in)
    risk = Report.objects.get(pk=reports["disease_risk"].pk)
    assert risk.state == S.NEEDS_REVIEW
    risk.assigned_counsellor = None
    risk.save(update_fields=["assigned_counsellor"])
    with pytest.raises(ReportTransitionError) as refused:
        report_review(report=risk, actor=counsellor)
    assert refused.value.code == "needs_confirmation"
    # Only a data manager records it, with a lab, an accession and a date not in the future.
    with pytest.raises(PolicyError) as not_dm:
        report_confirmation_record(
            report=risk,
            actor=counsellor,
            lab="Clinical Lab",
            accession="A-1",
            confirmed_on=dt.date(2026, 1, 2),
        )
    assert not_dm.value.code == "permission"
    assert isinstance(not_dm.value, PermissionDenied)  # a permission error, not a rule
    with pytest.raises(PolicyError) as future:
        report_confirmation_record(
            report=risk,
            actor=data_manager,
            lab="Clinical Lab",
            accession="A-1",
            confirmed_on=dt.date.today() + dt.timedelta(days=3),
        )
    assert future.value.code == "date"
    report_confirmation_record(
        report=risk,
        actor=data_manager,
        lab="Clinical Lab (CLIA 11D0000001)",
        accession="CL-2026-0042",
        confirmed_on=dt.date(2026, 1, 2),
    )
    assert AuditEvent.objects.filter(action="results.report.confirmation").exists()
    report_review(report=risk, actor=counsellor, note="confirmed; counselled")
    report_release(report=risk, actor=second_counsellor)
    risk.refresh_from_db()
    assert risk.state == S.RELEASED


def test_confirmation_refused_for_a_negative_report(opted_in, kb, data_manager):
    reports = _built(opted_in, kb, factory_result())
    with pytest.raises(PolicyError) as refused:
        report_confirmation_record(
            report=reports["disease_risk"],
            actor=data_manager,
            lab="Lab",
            accession="A",
            confirmed_on=dt.date(2026, 1, 2),
        )
    assert refused.value.code == "not_positive"


# --------------------------------------------------------------------- scope
def test_no_disease_risk_report_when_scope_not_determined(opted_in, kb):
    scope = {"status": "not_determined", "reason": "no ClinVar release loaded"}
    reports = _built(opted_in, kb, factory_result(disease_risk_scope=scope))
    assert set(reports) == {"pgx", "traits"}


def test_a_filtered_call_alone_issues_no_disease_risk_report(opted_in, kb):
    scope = {"status": "not_determined", "reason": "no ClinVar release was loaded"}
    filtered = {**MHS_FINDING, "qc": "filtered"}
    reports = _built(
        opted_in, kb, factory_result(disease_risk_scope=scope, disease_risk=[filtered])
    )
    assert set(reports) == {"pgx", "traits"}


def test_a_positive_is_reported_without_clinvar_but_claims_no_other_gene(opted_in, kb):
    """A real finding (here CPIC's MHS list) is reported even where a negative could not be;
    the report then names only that gene."""
    from results.reports import build_report_context

    scope = {"status": "not_determined", "reason": "no ClinVar release was loaded"}
    result = factory_result(disease_risk_scope=scope, disease_risk=[dict(MHS_FINDING)])
    reports = _built(opted_in, kb, result)
    assert reports["disease_risk"].positive
    context = build_report_context(
        report_type="disease_risk",
        interpretation=result,
        language="en",
        participant_id="P-1",
        released_on=None,
        report_version=1,
    )
    assert context["genes_examined"] == [MHS_FINDING["gene"]]
    assert any("were not examined" in str(line) for line in context["summary"]["not_mean"])


def test_tracker_says_when_no_disease_risk_report_can_be_issued(opted_in, kb):
    from results.selectors import results_tracker

    scope = {"status": "not_determined", "reason": "callability not shown"}
    _built(opted_in, kb, factory_result(disease_risk_scope=scope))
    Interpretation.objects.update(finished_at=dt.datetime.now(dt.UTC))
    rows = {row.report_type: row for row in results_tracker(opted_in)["rows"]}
    assert rows["disease_risk"].status == "not_issued"
    assert "cannot give this result" in str(rows["disease_risk"].text)


def test_stored_page_is_rendered_once_and_again_after_a_new_release(opted_in, kb):
    from django.utils import timezone

    from results.documents import report_fragment
    from results.models import ReportFragment

    report = make_report(opted_in, kb, state=S.RELEASED, result=factory_result())
    Report.objects.filter(pk=report.pk).update(released_at=timezone.now())
    report.refresh_from_db()
    first = report_fragment(report, language="es")
    assert ReportFragment.objects.filter(report=report).count() == 1
    ReportFragment.objects.filter(report=report).update(html="<article>stored</article>")
    assert report_fragment(report, language="es") == "<article>stored</article>"
    assert "Los medicamentos y su ADN" in first
    for state in (S.WITHHELD, S.READY, S.RELEASED):
        report_transition(report=report, to_state=state)
    assert not ReportFragment.objects.filter(report=report).exists()
