"""Real Celery workers: 20 samples end to end, and a worker killed mid-report (R25).

The kill tests run real processes throughout: a counsellor releases a positive
disease-risk report in this process (PostgreSQL; the outbox publishes
`render_report_documents` and the participant's "result ready" e-mail to Redis), a worker
subprocess (prefork, one child, as in production: `slow_worker.py`) takes the render task
and stalls at a chosen point, and the test SIGKILLs it there:

- the whole worker (main process and child: the machine or container dies) in the middle
  of rendering the report's PDF. Tasks acknowledge late (`CELERY_TASK_ACKS_LATE`), so the
  message is still unacknowledged in Redis; a new worker restores it after the (shortened)
  visibility timeout;
- only the pool child (what the OOM killer picks: the process rendering). The main process
  sees the child die and, with `CELERY_TASK_REJECT_ON_WORKER_LOST`, requeues the message
  for the new child it starts;
- the whole worker after the report's PDF was committed (file and ReportDocument row) but
  before the task made the letters and acknowledged the message: the redelivered task must
  keep that document and make only the letters.

A positive disease-risk report has three PDFs (the report, a letter for the family and one
for the clinician) in the participant's language. However the kill falls, each is stored
exactly once (the model allows one per report, kind and language), as exactly one file,
and the participant is told once.
"""

import hashlib
import os
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings

from results.engine.interpretation import interpret_vcf
from results.models import Interpretation, Report, ReportDocument, ReportState
from results.services.preferences import results_preference_set
from results.services.review import report_release, report_review
from tests.factories import ParticipantFactory
from tests.killable_worker import RESTORE_AFTER, Workers, isolated_broker
from tests.results.workflow.helpers import (
    KGP_SAMPLES,
    POSITIVE,
    confirm,
    give_gror,
    kgp_vcf,
    make_report,
    manifest_csv,
    renamed_vcf,
    upload,
)

S = ReportState
SLOW_WORKER = Path(__file__).resolve().parent / "slow_worker.py"


def _cohort(n):
    people = []
    for i in range(n):
        person = ParticipantFactory(legal_first_name="Ana", legal_last_name=f"Test{i}")
        give_gror(person)
        results_preference_set(
            participant=person, actor=person.user, pgx="yes", disease_risk="yes", traits="yes"
        )
        people.append(person)
    return people


def _ingest(actor, people, vcf_dir, prefix):
    from results.manifests import UploadedFiles, sample_manifest_ingest

    rows, files = [], []
    for i, person in enumerate(people):
        sample_id = f"{prefix}-{i:03d}"
        path = renamed_vcf(KGP_SAMPLES[i % len(KGP_SAMPLES)], sample_id, vcf_dir)
        rows.append((person.research_id, sample_id, path.name, ""))
        files.append(upload(path))
    return sample_manifest_ingest(
        actor=actor,
        manifest_bytes=manifest_csv(rows),
        manifest_name=f"{prefix}.csv",
        files=UploadedFiles(files),
    )


def _expected_documents():
    # One PDF per released report in the participant's language, plus two letters per positive.
    released = Report.objects.filter(state__in=[S.RELEASED, S.VIEWED])
    return released.count() + 2 * released.filter(report_type="disease_risk", positive=True).count()


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def _all_done(n):
    def check():
        settled = Interpretation.objects.filter(state__in=["done", "failed"]).count() == n
        built = Interpretation.objects.filter(reports_built_at__isnull=False).count() == n
        unsettled = Report.objects.filter(state__in=[S.PENDING, S.READY]).exists()
        documents = ReportDocument.objects.count() == _expected_documents()
        return settled and built and not unsettled and documents

    return check


@pytest.mark.worker
@pytest.mark.slow
def test_twenty_samples_through_a_real_worker(real_worker, kb, data_manager, counsellor, tmp_path):
    people = _cohort(20)
    outcome = _ingest(data_manager, people, tmp_path / "vcfs", "W20")
    assert outcome.errors == [] and len(outcome.accepted) == 20
    _wait(_all_done(20), 600, "20 samples interpreted, reported and rendered")

    assert Interpretation.objects.filter(state="done").count() == 20
    assert Report.objects.count() == 60
    positives = Report.objects.filter(report_type="disease_risk", positive=True)
    assert positives.exists() and set(positives.values_list("state", flat=True)) == {S.NEEDS_REVIEW}
    # Release policy: positives and actionable PGx (e.g. the same RYR1 result) wait for review.
    waiting = Report.objects.filter(state=S.NEEDS_REVIEW)
    assert set(waiting.values_list("report_type", flat=True)) <= {"disease_risk", "pgx"}
    assert all(r.review_required or r.positive for r in waiting)
    released = Report.objects.filter(state=S.RELEASED)
    assert released.count() == 60 - waiting.count()
    assert (
        ReportDocument.objects.filter(report__in=released, kind="report").count()
        == released.count()
    )


# ---------------------------------------------------------- a worker killed mid-report
BROKER_DB = 13  # Redis database of these tests' subprocess workers (the consent test: 12)
KINDS = ["report", "family_letter", "clinician_letter"]  # the order the task makes them in


@pytest.fixture
def reviewed_report(transactional_db, participant, kb, counsellor):
    """A positive disease-risk report a counsellor reviewed, waiting for its release.

    Made while Celery is still eager (the consents' own tasks run here), so the only
    messages the workers see are the two the release publishes.
    """
    give_gror(participant)
    results_preference_set(
        participant=participant, actor=participant.user, pgx="yes", disease_risk="yes", traits="yes"
    )
    report = make_report(
        participant,
        kb,
        state=S.NEEDS_REVIEW,
        report_type="disease_risk",
        positive=True,
        result=interpret_vcf(kgp_vcf(POSITIVE), absent_is_reference=True),
    )
    confirm(report)  # the orthogonal confirmation comes before the review
    return report_review(report=report, actor=counsellor, note="explained on the phone")


class ReportWorkers(Workers):
    def start(self, *, stage: str, visibility: int):
        return super().start(
            queue=settings.CELERY_TASK_DEFAULT_QUEUE, stage=stage, visibility=visibility
        )

    def wait_stalled(self, stage: str, report) -> int:
        """The pid of the process stalled at `stage`, reached first with the report's PDF."""
        expected = (report.pk, "report", report.participant.preferred_language)
        return super().wait_stalled(stage, expected)


@pytest.fixture
def workers(settings, reviewed_report, tmp_path):
    """Subprocess workers on an isolated broker; Celery stops being eager only once
    `reviewed_report` was made."""
    # Registered in this process: the outbox publishes tasks by name.
    import participants.tasks  # noqa: F401
    import results.tasks  # noqa: F401

    # The private storage of this test (conftest's `_private_storage`): PDFs land here.
    private = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    with isolated_broker(settings, db=BROKER_DB, name="results-kill") as (broker, prefix):
        started = ReportWorkers(SLOW_WORKER, broker, prefix, tmp_path, private)
        try:
            yield started
        finally:
            started.stop_all()


def _finished(report, workers):
    # Every PDF stored, and the participant told (the e-mail is a task of its own).
    def check():
        stored = ReportDocument.objects.filter(report=report).count() == len(KINDS)
        return stored and bool(workers.mail())

    return check


def _assert_each_pdf_once(report, workers) -> dict[str, ReportDocument]:
    language = report.participant.preferred_language
    assert set(ReportDocument.objects.values_list("report_id", "kind", "language")) == {
        (report.pk, kind, language) for kind in KINDS
    }
    assert ReportDocument.objects.count() == len(KINDS)
    documents = {document.kind: document for document in ReportDocument.objects.all()}
    # One file per document, under its fixed name: no stray copy from the killed worker.
    assert workers.pdf_files("reports") == sorted(
        document.file_name for document in documents.values()
    )
    for document in documents.values():
        data = (workers.private / document.file_name).read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert hashlib.sha256(data).hexdigest() == document.sha256
    # Told once (the e-mail task); making the PDFs, however often, sends nothing.
    [message] = workers.mail()
    assert b"Subject: You have something new on your page" in message
    assert f"To: {report.participant.user.email}".encode() in message
    return documents


def _first_render(report, renders) -> int:
    """The process that rendered first: the report's own PDF."""
    pk, kind, language, pid = renders[0]
    assert (pk, kind, language) == (report.pk, "report", report.participant.preferred_language)
    return pid


def _made_once_more(report, renders, *, kinds, not_by):
    """The renders after the kill: `kinds` once each, in order, by one new process."""
    language = report.participant.preferred_language
    assert [(pk, kind, lang) for pk, kind, lang, _pid in renders] == [
        (report.pk, kind, language) for kind in kinds
    ]
    pids = {pid for *_, pid in renders}
    assert len(pids) == 1 and not pids & set(not_by)


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_render_the_next_worker_makes_each_pdf_once(
    reviewed_report, workers, second_counsellor
):
    report = reviewed_report
    first = workers.start(stage="render", visibility=3600)  # no restore by timeout here
    report_release(report=report, actor=second_counsellor)  # publishes render and e-mail
    killed = workers.wait_stalled("render", report)
    workers.kill_worker(first, killed)  # in the middle of rendering the report's PDF
    assert not ReportDocument.objects.filter(report=report).exists()
    assert workers.pdf_files("reports") == []

    # A new worker with a short visibility timeout: the unacknowledged task comes back.
    workers.start(stage="none", visibility=RESTORE_AFTER)
    workers.wait(_finished(report, workers), "the PDFs from the new worker")
    workers.stop_all()

    _assert_each_pdf_once(report, workers)
    # Started by the killed worker (nothing stored), then made once by the new one: any
    # further delivery of the message finds the documents and renders nothing.
    renders = workers.stages("render")
    assert _first_render(report, renders) == killed
    _made_once_more(report, renders[1:], kinds=KINDS, not_by=[killed, first.pid])


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_pool_child_killed_mid_render_its_replacement_makes_each_pdf_once(
    reviewed_report, workers, second_counsellor
):
    report = reviewed_report
    worker = workers.start(stage="render", visibility=3600)  # no restore by timeout here
    report_release(report=report, actor=second_counsellor)
    killed = workers.wait_stalled("render", report)
    assert killed != worker.pid
    os.kill(killed, signal.SIGKILL)  # only the child rendering the PDF

    workers.wait(_finished(report, workers), "the PDFs from the replacement child")
    assert worker.poll() is None  # the same worker went on, with a new child
    workers.stop_all()

    _assert_each_pdf_once(report, workers)
    renders = workers.stages("render")
    assert _first_render(report, renders) == killed
    _made_once_more(report, renders[1:], kinds=KINDS, not_by=[killed, worker.pid])


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_killed_after_the_report_pdf_was_committed_makes_no_second(
    reviewed_report, workers, second_counsellor
):
    report = reviewed_report
    first = workers.start(stage="stored", visibility=3600)
    report_release(report=report, actor=second_counsellor)
    killed = workers.wait_stalled("stored", report)
    stored = ReportDocument.objects.get(report=report)  # committed before the kill ...
    assert stored.kind == "report"
    assert workers.pdf_files("reports") == [stored.file_name]
    workers.kill_worker(first, killed)  # ... but the letters were not made, nor the ack sent

    workers.start(stage="none", visibility=RESTORE_AFTER)
    workers.wait(_finished(report, workers), "the new worker to finish the task")
    workers.stop_all()

    documents = _assert_each_pdf_once(report, workers)
    kept = documents["report"]
    assert (kept.pk, kept.file_name, kept.sha256, kept.created) == (
        stored.pk,
        stored.file_name,
        stored.sha256,
        stored.created,
    )
    # The report's PDF rendered once, by the killed worker; the redelivered task found it
    # (it reached the stored stage again, in a new process) and rendered only the letters.
    renders = workers.stages("render")
    assert _first_render(report, renders) == killed
    _made_once_more(report, renders[1:], kinds=KINDS[1:], not_by=[killed, first.pid])
    again = [(pk, kind, pid) for pk, kind, _language, pid in workers.stages("stored")]
    assert again[0] == (report.pk, "report", killed)
    assert any(entry[:2] == (report.pk, "report") and entry[2] != killed for entry in again[1:])
