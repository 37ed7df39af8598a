"""Real Celery workers: 20 samples end to end, and a worker killed mid-report (R25)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app
from results.models import Interpretation, Report, ReportDocument, ReportState
from results.services import results_preference_set
from tests.factories import ParticipantFactory
from tests.results.workflow.helpers import KGP_SAMPLES, give_gror, manifest_csv, renamed_vcf, upload

S = ReportState
HERE = Path(__file__).resolve().parent


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
    from results.intake import UploadedFiles, sample_manifest_ingest

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
    released = Report.objects.filter(state=S.RELEASED)
    assert released.count() == 60 - positives.count()
    assert (
        ReportDocument.objects.filter(report__in=released, kind="report").count()
        == released.count()
    )


def _start_worker(queue, broker, delay, visibility, marker, log):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        # The same private storage as this test (VCFs in, PDFs out).
        "PRIVATE_STORAGE_ROOT": str(settings.STORAGES["private"]["OPTIONS"]["location"]),
        # The subprocess must see this test's (transactional) database.
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
            USER=connection.settings_dict["USER"] or "postgres",
            HOST=connection.settings_dict["HOST"] or "127.0.0.1",
            PORT=connection.settings_dict["PORT"] or 5432,
            NAME=connection.settings_dict["NAME"],
        ),
    }
    return subprocess.Popen(
        [
            sys.executable,
            str(HERE / "slow_worker.py"),
            queue,
            broker,
            str(delay),
            str(visibility),
            str(marker),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.fixture
def isolated_broker(settings):
    """This test's messages on a Redis database of their own: the restarted worker restores
    unacknowledged messages after a short visibility timeout, and must not touch other runs'."""
    broker = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/13"
    old = celery_app.conf.broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(broker_url=broker, task_always_eager=False)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield broker
    finally:
        celery_app.conf.update(broker_url=old, task_always_eager=True)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_report_finishes_every_report_exactly_once(
    isolated_broker, kb, data_manager, tmp_path
):
    from results.releases import knowledge_base_release_register

    knowledge_base_release_register()
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    marker = tmp_path / "renders.txt"
    log = (tmp_path / "workers.log").open("w")
    people = _cohort(3)
    _ingest(data_manager, people, tmp_path / "vcfs", "KILL")

    first = _start_worker(queue, isolated_broker, 60, 7200, marker, log)
    try:
        _wait(lambda: marker.exists() and marker.read_text().strip(), 120, "a render to start")
        killed_report = int(marker.read_text().split()[0])
        os.kill(first.pid, signal.SIGKILL)  # in the middle of rendering that report's PDF
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert first.returncode == -signal.SIGKILL
    assert not ReportDocument.objects.filter(report_id=killed_report).exists()

    # Restarted with a short visibility timeout: the unacknowledged task comes back.
    second = _start_worker(queue, isolated_broker, 0, 2, marker, log)
    try:
        _wait(_all_done(3), 300, "every report after the restart")
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
        log.close()

    assert Report.objects.count() == 9
    for person in people:
        types = sorted(
            Report.objects.filter(participant=person).values_list("report_type", flat=True)
        )
        assert types == ["disease_risk", "pgx", "traits"]
    pairs = list(ReportDocument.objects.values_list("report_id", "kind", "language"))
    assert len(pairs) == len(set(pairs)) == _expected_documents()
    started = [int(line.split()[0]) for line in marker.read_text().splitlines()]
    assert started.count(killed_report) >= 2  # it really ran again after the kill
    assert ReportDocument.objects.filter(report_id=killed_report).count() >= 1
