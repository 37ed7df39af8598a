"""The private-storage sweep deletes only old files no row refers to (PostgreSQL).

Real documents are made through the real code paths (consent task, report renderer,
sample intake); orphans come from the same code failing between write and commit, plus
planted files. Referenced files are aged too, so only the database keeps them.
"""

import os
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import psycopg
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from participants.consent.defaults import load_default_consents
from participants.consent.models import ConsentDocument, ConsentVersion, VersionStatus
from participants.consent.tasks import make_consent_document
from portal import storage_sweep
from portal.models import AuditEvent
from portal.storage_sweep import private_orphans_sweep, swept_prefixes
from tests.participants.consent.helpers import pass_comprehension, sign
from tests.results.workflow.helpers import make_report, manifest_csv

pytestmark = pytest.mark.django_db

OLD = time.time() - 3 * 3600
VCF = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


@pytest.fixture
def private(settings, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        },
    }
    settings.PRIVATE_STORAGE_ROOT = root
    storage = storages["private"]
    assert Path(storage.location) == root
    # ConsentDocument.file called private_storage() at import: it keeps the storage of that
    # moment (var/private) whatever STORAGES says now. Point it at this test's storage.
    monkeypatch.setattr(ConsentDocument._meta.get_field("file"), "storage", storage)
    return root


def _age(path: Path, when: float = OLD) -> Path:
    os.utime(path, (when, when), follow_symlinks=False)
    return path


def _plant(root: Path, name: str, *, when: float = OLD) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"personal data")
    return _age(path, when)


def _consent_documents(participant) -> tuple[ConsentDocument, str]:
    """A stored document, and the orphan of a worker that died before committing its row."""
    load_default_consents()
    primary = ConsentVersion.objects.get(form__code="primary", status=VersionStatus.PUBLISHED)
    pass_comprehension(participant)
    with mock.patch("portal.outbox._publish", return_value=True):  # no PDF at signing
        record = sign(participant, primary)
    with (
        mock.patch.object(ConsentDocument, "save", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        make_consent_document.apply(args=[record.pk])
    [orphan] = os.listdir(storages["private"].path("consent"))
    assert not ConsentDocument.objects.exists()
    make_consent_document.apply(args=[record.pk]).get()
    return ConsentDocument.objects.get(record=record), f"consent/{orphan}"


def _report_document(participant):
    from results.documents import document_render
    from results.releases import knowledge_base_release_register

    release, _created = knowledge_base_release_register()
    report = make_report(participant, release, state="released")
    report.released_at = timezone.now()
    report.save(update_fields=["released_at"])
    return document_render(report=report, kind="report", language="en")


def _ingest(participant, sample_id: str):
    from results.manifests import UploadedFiles, sample_manifest_ingest

    return sample_manifest_ingest(
        actor=participant.user,
        manifest_bytes=manifest_csv([(participant.research_id, sample_id, "s.vcf", "")]),
        manifest_name="m.csv",
        files=UploadedFiles([SimpleUploadedFile("s.vcf", VCF)]),
    )


def _sample_orphan(participant) -> str:
    """An ingest whose transaction rolls back after the VCF was stored."""
    from results.models import Sample

    with (
        mock.patch("results.manifests.audit_record", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        _ingest(participant, "S-LOST")
    assert not Sample.objects.filter(sample_id="S-LOST").exists()
    [name] = [
        p.relative_to(storages["private"].location).as_posix()
        for p in Path(storages["private"].path("samples")).rglob("*S-LOST*")
    ]
    return name


def test_sweep_deletes_only_old_unreferenced_files_in_the_known_folders(
    private, participant, tmp_path
):
    consent, consent_orphan = _consent_documents(participant)
    report_doc = _report_document(participant)
    sample_orphan = _sample_orphan(participant)
    [sample] = _ingest(participant, "S-1").accepted
    referenced = [consent.file.name, report_doc.file_name, sample.vcf_name]
    # The folders the sweep derives are the ones the real code writes to.
    prefixes = swept_prefixes()
    assert prefixes == ("consent/", "reports/", "samples/")
    for name, prefix in zip(referenced, prefixes, strict=True):
        assert name.startswith(prefix) and (private / name).is_file()
        _age(private / name)
    _age(private / consent_orphan)
    _age(private / sample_orphan)

    research = participant.research_id
    report_orphan = f"reports/{research}/pgx-v9-999999-report-en.pdf"
    _plant(private, report_orphan)
    fresh = _plant(private, "consent/1-fresh.pdf", when=time.time() - 60)  # row not yet in
    outside = [
        _plant(private, "stray.pdf"),
        _plant(private, "incoming/run1/x.vcf"),
        _plant(private, "knowledge/clinvar/clinvar-old.json"),
    ]
    elsewhere = tmp_path / "elsewhere"
    target = _plant(elsewhere, "target.pdf")
    link = private / "consent" / "link.pdf"
    link.symlink_to(target)
    _age(link)
    _plant(elsewhere, "folder/inside.pdf")
    (private / "reports" / "linked").symlink_to(elsewhere / "folder")
    expected = {consent_orphan, report_orphan, sample_orphan}

    assert set(private_orphans_sweep(dry_run=True)) == expected
    assert all((private / name).exists() for name in expected)
    assert not AuditEvent.objects.filter(action="storage.orphan_deleted").exists()

    deleted = private_orphans_sweep()

    assert sorted(deleted) == sorted(expected)
    assert not any((private / name).exists() for name in expected)
    for name in referenced:
        assert (private / name).is_file()
    assert fresh.is_file()
    assert all(path.is_file() for path in outside)
    assert link.is_symlink() and target.read_bytes() == b"personal data"
    assert (elsewhere / "folder" / "inside.pdf").is_file()
    assert not list(private.rglob(".sweep-*"))
    audited = AuditEvent.objects.filter(action="storage.orphan_deleted")
    assert sorted(e.data["name"] for e in audited) == sorted(expected)
    with consent.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"  # still served

    assert private_orphans_sweep() == []


def test_an_open_transaction_older_than_the_cutoff_protects_newer_files(
    private, participant, monkeypatch
):
    before = timezone.now()
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        dbname=db["NAME"],
    ) as other:
        other.execute("SELECT 1")  # a transaction is now open in another session
        oldest = storage_sweep._oldest_open_transaction()
        assert oldest is not None and before - timedelta(seconds=5) <= oldest <= timezone.now()

    now = time.time()
    kept = _plant(private, "samples/7/S-7-a.vcf", when=now - 2 * 3600)
    gone = _plant(private, "samples/7/S-8-a.vcf", when=now - 4 * 3600)
    since = timezone.now() - timedelta(hours=3)
    monkeypatch.setattr(storage_sweep, "_oldest_open_transaction", lambda: since)
    assert private_orphans_sweep() == ["samples/7/S-8-a.vcf"]
    assert kept.is_file() and not gone.exists()


def test_a_file_rewritten_after_it_was_seen_is_put_back(private, participant):
    path = _plant(private, "reports/R/pgx-v1-1-report-en.pdf")
    seen = os.lstat(path)
    path.unlink()
    path.write_bytes(b"re-rendered")  # document_render: delete, then save under the same name
    assert not storage_sweep._delete(str(private), "reports/R/pgx-v1-1-report-en.pdf", seen, OLD)
    assert path.read_bytes() == b"re-rendered"
    assert not AuditEvent.objects.filter(action="storage.orphan_deleted").exists()


def test_older_than_below_the_task_time_limit_is_refused(private):
    with pytest.raises(ValueError, match="task time limit"):
        private_orphans_sweep(older_than=timedelta(minutes=5))


def test_command_task_and_schedule(private, participant, settings):
    from portal.celery import app
    from portal.tasks import sweep_private_orphans

    _plant(private, "samples/3/S-3-x.vcf")
    out = StringIO()
    call_command("sweep_private_orphans", "--dry-run", "--older-than-hours", "2", stdout=out)
    assert out.getvalue().splitlines() == [
        "would delete samples/3/S-3-x.vcf",
        "would delete 1 orphaned file(s)",
    ]
    assert (private / "samples/3/S-3-x.vcf").is_file()
    out = StringIO()
    call_command("sweep_private_orphans", "--older-than-hours", "4", stdout=out)
    assert out.getvalue().splitlines() == ["deleted 0 orphaned file(s)"]

    assert sweep_private_orphans.delay().get() == 1
    assert not (private / "samples/3/S-3-x.vcf").exists()
    entry = settings.CELERY_BEAT_SCHEDULE["private-orphans"]
    assert entry["task"] == sweep_private_orphans.name
    assert entry["task"] in app.tasks
