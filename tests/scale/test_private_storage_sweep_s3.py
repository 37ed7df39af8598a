"""The orphaned-file sweep on S3-compatible object storage (moto's S3 server on loopback).

The same rules as on a folder (tests/portal/test_storage_sweep.py): only old objects no
row names, in the registered folders, under the storage's `location`
(PRIVATE_STORAGE_S3_PREFIX); the audit row commits before the DELETE; an object rewritten
after it was listed, or after its HEAD, is kept. S3 sets LastModified itself and it can't
be back-dated, so `_clock` moves the sweep's "now" instead: everything written before it
is called is old to the next sweep, everything written after it is fresh.
"""

import time
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import psycopg
import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from participants.consent.models import ConsentDocument
from portal import storage_sweep
from portal.models import AuditEvent
from portal.storage_sweep import ACTION, NOT_DELETED, private_orphans_sweep
from tests.portal.test_storage_sweep import _ingest, _report_document
from tests.scale.services import private_s3

pytestmark = pytest.mark.slow

LOCATION = "portal-private"  # PRIVATE_STORAGE_S3_PREFIX


@pytest.fixture
def s3(settings, monkeypatch, tmp_path):
    with private_s3() as server:
        base = server.storages_setting(settings.STORAGES)
        base["private"]["OPTIONS"]["location"] = LOCATION
        settings.STORAGES = base
        settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
        settings.RESULTS_IMPORT_ROOTS = [tmp_path / "private" / "samples" / "incoming"]
        # ConsentDocument.file called private_storage() at import (see test_storage_sweep).
        monkeypatch.setattr(ConsentDocument._meta.get_field("file"), "storage", storages["private"])
        yield server


def _put(s3, name: str, body: bytes = b"personal data", *, key: str | None = None) -> str:
    key = key if key is not None else f"{LOCATION}/{name}"
    s3.client().put_object(Bucket=s3.bucket, Key=key, Body=body)
    return key


def _names(s3) -> list[str]:
    """The storage names in the bucket: keys under the storage's location."""
    keys = s3.keys()  # a list from ListObjectsV2
    return [key.removeprefix(f"{LOCATION}/") for key in keys if key.startswith(f"{LOCATION}/")]


def _clock(monkeypatch) -> None:
    """From now on the sweep runs an hour after this moment: what exists is old, what
    is written later is newer than its cutoff (S3 dates are whole seconds)."""
    time.sleep(1.1)
    cutoff = timezone.now()
    time.sleep(1.1)
    later = SimpleNamespace(now=lambda: cutoff + timedelta(hours=1))
    monkeypatch.setattr(storage_sweep, "timezone", later)


def _client():
    # The storage's own (per-thread) boto3 client: the one the sweep uses.
    return storages["private"].connection.meta.client


def _audited(action: str = ACTION) -> list[str]:
    return sorted(e.data["name"] for e in AuditEvent.objects.filter(action=action))


@pytest.mark.django_db
def test_sweep_deletes_only_old_unreferenced_objects(s3, participant, monkeypatch):
    report_doc = _report_document(participant)  # registers the knowledge-base release
    [sample] = _ingest(participant, "S-1").accepted
    referenced = [sample.vcf_name, report_doc.file_name]
    assert set(referenced) <= set(_names(s3))
    orphans = [
        "consent/1-orphan.pdf",
        f"reports/{participant.research_id}/pgx-v9-999999-report-en.pdf",
        "samples/9/S-9-x.vcf",
    ]
    for name in orphans:
        _put(s3, name)
    _clock(monkeypatch)
    fresh = _put(s3, "consent/2-fresh.pdf")  # its row may not be committed yet
    before = s3.keys()

    assert sorted(private_orphans_sweep(dry_run=True)) == sorted(orphans)
    assert s3.keys() == before
    assert _audited() == []

    assert sorted(private_orphans_sweep()) == sorted(orphans)

    after = s3.keys()
    assert not any(f"{LOCATION}/{name}" in after for name in orphans)
    assert all(f"{LOCATION}/{name}" in after for name in referenced)
    assert fresh in after
    assert _audited() == sorted(orphans)
    with storages["private"].open(report_doc.file_name, "rb") as handle:
        assert handle.read(5) == b"%PDF-"  # still served
    assert private_orphans_sweep() == []


@pytest.mark.django_db(transaction=True)
def test_the_audit_row_is_committed_before_the_delete(s3, monkeypatch):
    _put(s3, "samples/4/S-4-x.vcf")
    _clock(monkeypatch)
    client = _client()
    real_delete = client.delete_object
    committed_at_delete = []
    db = connection.settings_dict

    def delete_object(**kwargs):
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"] or "postgres",
            dbname=db["NAME"],
            autocommit=True,
        ) as other:
            rows = other.execute(
                "SELECT data->>'name' FROM portal_auditevent WHERE action = %s", [ACTION]
            ).fetchall()
        committed_at_delete.append([name for (name,) in rows])
        return real_delete(**kwargs)

    monkeypatch.setattr(client, "delete_object", delete_object)
    assert private_orphans_sweep() == ["samples/4/S-4-x.vcf"]
    assert committed_at_delete == [["samples/4/S-4-x.vcf"]]
    assert "samples/4/S-4-x.vcf" not in _names(s3)


@pytest.mark.django_db
def test_an_object_rewritten_after_it_was_listed_is_kept(s3):
    name = "reports/R/pgx-v1-1-report-en.pdf"
    key = _put(s3, name, b"first render")
    storage = storages["private"]
    [(listed, seen)] = storage_sweep._old_objects(storage, "reports/", time.time() + 3600)
    assert listed == name
    _put(s3, name, b"re-rendered")  # document_render: delete, then save under the same name

    assert not storage_sweep._delete_object(storage, name, seen, time.time() + 3600)
    assert s3.read(key) == b"re-rendered"
    assert _audited() == []


@pytest.mark.django_db
def test_an_object_rewritten_after_its_head_is_kept_by_the_conditional_delete(s3, monkeypatch):
    name = "reports/R/pgx-v1-2-report-en.pdf"
    key = _put(s3, name, b"first render")
    _clock(monkeypatch)
    client = _client()
    real_head = client.head_object

    def head_then_rewrite(**kwargs):
        head = real_head(**kwargs)
        _put(s3, name, b"re-rendered just now")  # lands between the HEAD and the DELETE
        return head

    monkeypatch.setattr(client, "head_object", head_then_rewrite)
    assert private_orphans_sweep() == []
    assert s3.read(key) == b"re-rendered just now"
    # The deletion was audited before it was tried; the row after it says it did not happen.
    assert _audited(ACTION) == [name]
    assert _audited(NOT_DELETED) == [name]


@pytest.mark.django_db
def test_a_server_refusing_conditional_deletes_gets_a_plain_delete(s3, monkeypatch):
    _put(s3, "consent/3-orphan.pdf")
    _clock(monkeypatch)
    client = _client()
    real_delete = client.delete_object
    calls = []

    def delete_object(**kwargs):
        calls.append(sorted(kwargs))
        if "IfMatch" in kwargs:  # what an S3 server without conditional deletes answers
            error = {"Code": "NotImplemented", "Message": "If-Match is not implemented"}
            meta = {"HTTPStatusCode": 501}
            raise ClientError({"Error": error, "ResponseMetadata": meta}, "DeleteObject")
        return real_delete(**kwargs)

    monkeypatch.setattr(client, "delete_object", delete_object)
    assert private_orphans_sweep() == ["consent/3-orphan.pdf"]
    assert calls == [["Bucket", "IfMatch", "Key"], ["Bucket", "Key"]]
    assert "consent/3-orphan.pdf" not in _names(s3)
    assert _audited() == ["consent/3-orphan.pdf"]


@pytest.mark.django_db
def test_odd_keys_are_never_deleted_and_nothing_outside_the_folders_is(s3, monkeypatch):
    kept = [
        _put(s3, "consent/../stray.pdf"),  # an HTTP path may resolve it to stray.pdf
        _put(s3, "consent/./dot.pdf"),
        _put(s3, "consent//double.pdf"),
        _put(s3, "consent\\..\\..\\back.pdf"),
        _put(s3, "consent/", b""),  # the folder itself, a "folder" marker
        _put(s3, "consent/sub/", b""),
        _put(s3, "x", key=f"{LOCATION}//consent/lead.pdf"),
        _put(s3, "x", key=f"/{LOCATION}/consent/lead.pdf"),
        _put(s3, "x", key="consent/outside-the-location.pdf"),
        _put(s3, "stray.pdf"),
        _put(s3, "stray.pdf", key=f"{LOCATION}/consentx/evil.pdf"),
        _put(s3, "incoming/run1/x.vcf"),
        _put(s3, "knowledge/clinvar/clinvar-old.json"),
        _put(s3, "samples/incoming/run1/operators.vcf"),  # an import root (never swept)
    ]
    gone = _put(s3, "consent/9-orphan.pdf")
    _clock(monkeypatch)

    assert private_orphans_sweep() == ["consent/9-orphan.pdf"]

    after = s3.keys()
    assert gone not in after
    assert sorted(kept) == [key for key in after if key in kept]
    assert len(after) == len(kept)
    assert _audited() == ["consent/9-orphan.pdf"]


@pytest.mark.django_db
def test_command_and_task_sweep_the_bucket(s3, monkeypatch):
    from portal.tasks import sweep_private_orphans

    _put(s3, "samples/3/S-3-x.vcf")
    _clock(monkeypatch)
    out = StringIO()
    call_command("sweep_private_orphans", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        "would delete samples/3/S-3-x.vcf",
        "would delete 1 orphaned file(s)",
    ]
    assert "samples/3/S-3-x.vcf" in _names(s3)

    assert sweep_private_orphans.delay().get() == 1
    assert "samples/3/S-3-x.vcf" not in _names(s3)
