"""Private files on S3-compatible object storage, read back from another host.

A real S3 server (moto's, on loopback) holds the bucket. This process plays host A: a
participant signs consent (consent PDFs), a VCF goes through intake, interpretation (the
worker copies the object to a temporary file for htslib) and reports (report PDFs). A
second portal process, gunicorn with an empty private folder of its own, plays host B and
serves the same participant's PDFs byte for byte; nothing was written to either local disk.
"""

import contextlib
import hashlib
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from participants.consent.models import ConsentDocument
from results.models import Interpretation, ReportDocument, Sample
from tests.faults.services import gunicorn_server, portal_env
from tests.results.workflow.helpers import NEGATIVE, give_gror, ingest, make_staff
from tests.scale.services import private_s3

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@contextlib.contextmanager
def _on_commit_runs_anyway(execute=True):
    # transaction=True: on_commit callbacks already run at each commit.
    yield []


@pytest.fixture
def s3(settings, monkeypatch, tmp_path):
    with private_s3() as server:
        settings.STORAGES = server.storages_setting(settings.STORAGES)
        # A folder that must stay empty: nothing may land on this host's disk.
        settings.PRIVATE_STORAGE_ROOT = tmp_path / "host-a-private"
        from django.core.files.storage import storages

        # ConsentDocument.file called private_storage() at import (see test_storage_sweep).
        monkeypatch.setattr(ConsentDocument._meta.get_field("file"), "storage", storages["private"])
        yield server


def test_private_files_written_on_one_host_are_read_on_another(participant, s3, tmp_path):
    # with a ClinVar release (empty at this sample's positions), so a negative disease-risk
    # report is issued too: three report PDFs
    from results.engine.clinvar import write_release
    from results.releases import knowledge_base_release_register
    from results.services.preferences import results_preference_set
    from staff.roles import DATA_MANAGER

    clinvar_file = write_release([], directory=tmp_path / "clinvar", release="2025-10")
    knowledge_base_release_register(clinvar_path=clinvar_file)
    give_gror(participant)
    results_preference_set(
        participant=participant, actor=participant.user, pgx="yes", disease_risk="yes", traits="yes"
    )
    data_manager = make_staff("dm@example.org", DATA_MANAGER)
    outcome = ingest(
        data_manager, [(participant, NEGATIVE, "S-S3-1")], tmp_path / "vcfs",
        capture=_on_commit_runs_anyway,
    )  # fmt: skip
    assert outcome.errors == []

    # Every private file is an object in the bucket, none on this host's disk.
    sample = Sample.objects.get(sample_id="S-S3-1")
    assert Interpretation.objects.get(sample=sample).state == Interpretation.State.DONE
    consent_docs = list(ConsentDocument.objects.filter(record__participant=participant))
    report_docs = list(ReportDocument.objects.filter(report__participant=participant))
    assert len(consent_docs) == 2 and len(report_docs) == 3
    keys = s3.keys()
    assert sample.vcf_name in keys
    for doc in consent_docs:
        assert doc.file.name in keys
        assert hashlib.sha256(s3.read(doc.file.name)).hexdigest() == doc.sha256
    for doc in report_docs:
        assert doc.file_name in keys
    assert not Path(django_settings.PRIVATE_STORAGE_ROOT).exists()

    # Host B: another process, its own (empty) private folder, the same bucket and database.
    host_b_private = tmp_path / "host-b-private"
    db = connection.settings_dict
    env = portal_env(
        **s3.env(),
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        PRIVATE_STORAGE_ROOT=str(host_b_private),
    )
    client = Client()
    client.force_login(participant.user)
    cookies = {django_settings.SESSION_COOKIE_NAME: client.cookies["sessionid"].value}
    with gunicorn_server(env) as host_b:
        for doc in consent_docs:
            url = f"{host_b.url}/me/documents/{doc.pk}/download/"
            response = requests.get(url, cookies=cookies, timeout=60)
            assert response.status_code == 200, host_b.log_tail()
            assert hashlib.sha256(response.content).hexdigest() == doc.sha256
        for doc in report_docs:
            if doc.kind != ReportDocument.Kind.REPORT:
                continue
            url = f"{host_b.url}/me/results/{doc.report_id}/pdf/"
            response = requests.get(url, cookies=cookies, timeout=60)
            assert response.status_code == 200, host_b.log_tail()
            assert hashlib.sha256(response.content).hexdigest() == doc.sha256
        # Another participant's document is still a 404 on host B (owner-scoped).
        other = requests.get(
            f"{host_b.url}/me/documents/{consent_docs[0].pk + 10_000}/download/",
            cookies=cookies,
            timeout=60,
        )
        assert other.status_code == 404
    assert not host_b_private.exists() or not any(host_b_private.rglob("*"))
