"""Manifest intake: each bad row gets its own clear error, good rows go through.

File-name sanitising, import-folder confinement and size limits are proven with the
hostile corpus (tests/hostile/test_path_traversal.py, test_oversized.py).
"""

import gzip

import pytest

from results.manifests import (
    FolderFiles,
    ManifestError,
    UploadedFiles,
    sample_manifest_ingest,
)
from results.models import Interpretation, Sample
from tests.factories import ParticipantFactory
from tests.results.workflow.helpers import NEGATIVE, manifest_csv, renamed_vcf, upload

pytestmark = pytest.mark.django_db


def _ingest(actor, rows, files, capture):
    with capture(execute=True):
        return sample_manifest_ingest(
            actor=actor,
            manifest_bytes=manifest_csv(rows),
            manifest_name="batch.csv",
            files=UploadedFiles(files),
        )


def test_bad_rows_each_get_their_error_and_good_rows_go_through(
    participant, outsider, kb, data_manager, vcf_dir, django_capture_on_commit_callbacks
):
    third = ParticipantFactory()
    good = renamed_vcf(NEGATIVE, "GOOD-1", vcf_dir)
    good2 = renamed_vcf(NEGATIVE, "GOOD-2", vcf_dir)
    mismatch = renamed_vcf(NEGATIVE, "SOMEONE-ELSE", vcf_dir)
    broken = vcf_dir / "broken.vcf.gz"
    broken.write_bytes(gzip.compress(b"##fileformat=VCFv4.2\nthis is not a vcf\n"))
    rows = [
        (participant.research_id, "GOOD-1", good.name, "female"),
        ("RZZZZZZZZZZ", "UNKNOWN-1", good2.name, ""),  # unknown research id
        (outsider.research_id, "GOOD-1", good2.name, ""),  # duplicate sample id in the file
        (outsider.research_id, "MISMATCH-1", mismatch.name, ""),  # VCF column says otherwise
        (third.research_id, "BROKEN-1", broken.name, ""),  # fails intake in the worker
        (third.research_id, "ESCAPE-1", "../../etc/passwd.vcf", ""),  # traversal
        (third.research_id, "MISSING-1", "nowhere.vcf.gz", ""),  # file not provided
        (third.research_id, "GOOD-2", good2.name, "male"),
    ]
    files = [upload(good), upload(good2), upload(mismatch), upload(broken)]
    outcome = _ingest(data_manager, rows, files, django_capture_on_commit_callbacks)

    errors = {e["row"]: e["error"] for e in outcome.errors}
    assert set(errors) == {3, 4, 7, 8}
    assert errors[3] == "Unknown research id."
    assert errors[4].startswith("Duplicate sample id: also on row 2")
    assert "not allowed" in errors[7]
    assert "was not provided" in errors[8]
    assert outcome.manifest.rows_total == 8 and outcome.manifest.rows_accepted == 4

    states = dict(Sample.objects.values_list("sample_id", "state"))
    assert states == {
        "GOOD-1": "interpreted",
        "GOOD-2": "interpreted",
        "MISMATCH-1": "failed",
        "BROKEN-1": "failed",
    }
    reasons = dict(Sample.objects.values_list("sample_id", "failure_reason"))
    assert "does not match the manifest's sample id 'MISMATCH-1'" in reasons["MISMATCH-1"]
    assert "SOMEONE-ELSE" in reasons["MISMATCH-1"]
    assert reasons["BROKEN-1"]
    assert Interpretation.objects.get(sample__sample_id="BROKEN-1").state == "failed"


def test_a_sample_id_already_received_is_refused(
    participant, kb, data_manager, vcf_dir, django_capture_on_commit_callbacks
):
    path = renamed_vcf(NEGATIVE, "ONCE", vcf_dir)
    _ingest(
        data_manager,
        [(participant.research_id, "ONCE", path.name, "")],
        [upload(path)],
        django_capture_on_commit_callbacks,
    )
    again = _ingest(
        data_manager,
        [(participant.research_id, "ONCE", path.name, "")],
        [upload(path)],
        django_capture_on_commit_callbacks,
    )
    assert again.errors[0]["error"] == "Duplicate sample id: this sample was already received."
    assert Sample.objects.filter(sample_id="ONCE").count() == 1


def test_an_unreadable_manifest_is_refused_whole(kb, data_manager):
    for raw, message in (
        (b"research_id,sample\nx,y\n", "missing: sample_id, vcf"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"research_id,sample_id,vcf\n", "no rows"),
    ):
        with pytest.raises(ManifestError, match=message):
            sample_manifest_ingest(
                actor=data_manager,
                manifest_bytes=raw,
                manifest_name="x.csv",
                files=UploadedFiles([]),
            )


def test_folder_import_goes_through(
    participant, kb, data_manager, tmp_path, settings, django_capture_on_commit_callbacks
):
    root = tmp_path / "incoming"
    settings.RESULTS_IMPORT_ROOTS = [root]
    renamed_vcf(NEGATIVE, "FOLDER-1", root / "run7")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = sample_manifest_ingest(
            actor=data_manager,
            manifest_bytes=manifest_csv(
                [(participant.research_id, "FOLDER-1", "FOLDER-1.vcf.gz", "")]
            ),
            manifest_name="run7.csv",
            files=FolderFiles(root / "run7", roots=[root]),
        )
    assert outcome.errors == []
    assert Sample.objects.get(sample_id="FOLDER-1").state == "interpreted"
