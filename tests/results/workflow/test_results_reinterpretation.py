"""A new knowledge-base release re-interprets every sample; changes make new versions."""

from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from portal.celery import app as celery_app
from portal.outbox import OutboxMessage, dispatch_outbox
from results.engine.clinvar import ClinVarRecord, write_release
from results.models import Interpretation, RecontactTask, Report, ReportState
from results.releases import knowledge_base_release_register
from results.services.interpretation_queue import interpretation_claim_batch
from results.services.preferences import results_preference_set
from results.services.reinterpretation import reinterpretation_start
from tests.results.workflow.helpers import NEGATIVE, give_gror, ingest

pytestmark = pytest.mark.django_db
S = ReportState

# NA12878 is homozygous T>C here, inside RYR1: a made-up "pathogenic" record turns the
# sample's negative disease-risk result positive in the next release.
RECORD = ClinVarRecord(
    chrom="chr19",
    pos=38434174,
    ref="T",
    alt="C",
    gene="RYR1",
    clinvar_id="999001",
    allele_id="999001",
    hgvs="NC_000019.10:g.38434174T>C",
    condition="Malignant hyperthermia",
    classification="Pathogenic",
    review_status="criteria provided, multiple submitters",
    stars=2,
    molecular_consequence=("missense_variant",),
)


@pytest.fixture
def cohort(participant, outsider, kb, data_manager, vcf_dir, django_capture_on_commit_callbacks):
    for person in (participant, outsider):
        give_gror(person)
        results_preference_set(
            participant=person, actor=person.user, pgx="yes", disease_risk="yes", traits="yes"
        )
    ingest(
        data_manager,
        [(participant, NEGATIVE, "RE-1"), (outsider, NEGATIVE, "RE-2")],
        vcf_dir,
        capture=django_capture_on_commit_callbacks,
    )
    assert Report.objects.filter(state=S.RELEASED).count() == 6
    return participant, outsider


def test_new_release_makes_new_versions_only_where_findings_changed(
    cohort, tmp_path, counsellor, django_capture_on_commit_callbacks
):
    participant, _outsider = cohort
    path = write_release([RECORD], directory=tmp_path, release="2026-01")
    release, created = knowledge_base_release_register(clinvar_path=path)
    assert created and release.is_current and release.clinvar_records == 1
    with django_capture_on_commit_callbacks(execute=True):
        queued = reinterpretation_start(release=release, batch_size=1)
    assert queued == 2
    assert Interpretation.objects.filter(release=release, state="done").count() == 2

    disease = Report.objects.filter(participant=participant, report_type="disease_risk").order_by(
        "version"
    )
    old, new = list(disease)
    assert (old.version, old.state, old.superseded_by_id) == (1, S.SUPERSEDED, new.pk)
    assert new.positive and new.state == S.NEEDS_REVIEW and new.release == release
    # Traits did not change: no new version. PGx did: one gene, one statement — the RYR1
    # susceptibility now also shows in the medicines report, which waits for review too.
    assert Report.objects.filter(participant=participant, report_type="traits").count() == 1
    pgx = Report.objects.filter(participant=participant, report_type="pgx").latest("version")
    assert pgx.version == 2 and pgx.state == S.NEEDS_REVIEW and pgx.review_required
    tasks = {t.reason: t for t in RecontactTask.objects.filter(participant=participant)}
    assert set(tasks) == {RecontactTask.Reason.NEW_POSITIVE, RecontactTask.Reason.PGX_PHENOTYPE}
    task = tasks[RecontactTask.Reason.NEW_POSITIVE]
    assert task.details == {"added": [["RYR1", "chr19:38434174:T>C"]]}
    assert tasks[RecontactTask.Reason.PGX_PHENOTYPE].details["phenotypes"]["RYR1"][1] == (
        "Malignant Hyperthermia Susceptibility"
    )

    # Running it all again changes nothing: every (sample, release) exists once.
    with django_capture_on_commit_callbacks(execute=True):
        assert reinterpretation_start(release=release) == 0
    assert Interpretation.objects.filter(release=release).count() == 2
    assert Report.objects.filter(participant=participant, report_type="disease_risk").count() == 2


def test_positive_to_negative_opens_a_recontact(
    cohort, tmp_path, django_capture_on_commit_callbacks
):
    participant, _ = cohort
    positive, _ = knowledge_base_release_register(
        clinvar_path=write_release([RECORD], directory=tmp_path, release="2026-01")
    )
    with django_capture_on_commit_callbacks(execute=True):
        reinterpretation_start(release=positive)
    # The positive was released by two people in real life; here straight to released.
    Report.objects.filter(participant=participant, report_type="disease_risk", version=2).update(
        state=S.RELEASED
    )
    negative, _ = knowledge_base_release_register(
        clinvar_path=write_release([], directory=tmp_path, release="2026-02")
    )
    with django_capture_on_commit_callbacks(execute=True):
        reinterpretation_start(release=negative)
    latest = Report.objects.filter(participant=participant, report_type="disease_risk").latest(
        "version"
    )
    assert latest.version == 3 and not latest.positive and latest.state == S.RELEASED
    reasons = set(
        RecontactTask.objects.filter(participant=participant).values_list("reason", flat=True)
    )
    # The RYR1 susceptibility also came and went in the PGx report (same gene, same story).
    assert reasons == {"new_positive", "positive_to_negative", "pgx_phenotype"}


def test_batches_claim_with_a_conditional_update(cohort, tmp_path):
    release, _ = knowledge_base_release_register(
        clinvar_path=write_release([], directory=tmp_path, release="2026-03")
    )
    reinterpretation_start(release=release)  # rows created; tasks not run (no commit)
    first = interpretation_claim_batch(release_id=release.pk, size=1, token="task-a")
    second = interpretation_claim_batch(release_id=release.pk, size=5, token="task-b")
    assert len(first) == 1 and len(second) == 1 and set(first).isdisjoint(second)
    assert interpretation_claim_batch(release_id=release.pk, size=5, token="task-c") == []
    # A redelivered task (same id) takes its own rows back; nobody else can.
    assert interpretation_claim_batch(release_id=release.pk, size=5, token="task-a") == first


def test_a_broker_outage_delays_a_reinterpretation_and_never_strands_it(
    cohort, tmp_path, django_capture_on_commit_callbacks
):
    release, _ = knowledge_base_release_register(
        clinvar_path=write_release([], directory=tmp_path, release="2026-04")
    )
    # What Celery raises when Redis refuses the connection.
    refused = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    celery_app.conf.task_always_eager = False
    try:
        with (
            mock.patch.object(celery_app.Task, "apply_async", side_effect=refused),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert reinterpretation_start(release=release, batch_size=25, parallel=2) == 2
    finally:
        celery_app.conf.task_always_eager = True
    # The batch tasks committed with the rows, as outbox messages the broker never took.
    pending = list(OutboxMessage.objects.filter(task_name="results.tasks.reinterpret_batch"))
    assert [(m.args, m.published_at) for m in pending] == [([release.pk, 25], None)] * 2
    assert all("Connection refused" in m.last_error for m in pending)
    assert not Interpretation.objects.filter(release=release, state="done").exists()

    with django_capture_on_commit_callbacks(execute=True):
        dispatch_outbox()  # the broker is back: the beat's dispatcher sends them
    assert Interpretation.objects.filter(release=release, state="done").count() == 2
    assert not OutboxMessage.objects.filter(
        task_name="results.tasks.reinterpret_batch", published_at__isnull=True
    ).exists()
