"""The cohort run's data steps, run by rehearsal.py in the data manager's place (the
orchestrator's own namespace, talking to the cluster's PgBouncer, Redis and S3):

  python -m bench.cluster.cohort people N OUT.json   participants with consent + choices
  python -m bench.cluster.cohort ingest PREFIX IDS.json VCF_DIR   one manifest of samples

Celery tasks go to the cluster's workers (production settings: never eager).
"""

import json
import sys
import time
from pathlib import Path

import django

django.setup()

from participants.consent.models import ConsentDocument, ConsentRecord  # noqa: E402


def _drain_consent_pdfs(timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        signed = ConsentRecord.objects.filter(typed_name__isnull=False).count()
        if ConsentDocument.objects.count() >= signed:
            return
        time.sleep(0.5)
    raise TimeoutError("the consent PDFs were not all rendered")


def people(count: int, out: str) -> None:
    # A ClinVar release is loaded (empty at these positions), as in production: without one
    # no negative disease-risk report may be issued (issue 13), and each genome makes three.
    import tempfile

    from results.engine.clinvar import write_release
    from results.releases import knowledge_base_release_register
    from results.services.preferences import results_preference_set
    from tests.factories import ParticipantFactory
    from tests.results.workflow.helpers import give_gror

    folder = Path(tempfile.mkdtemp(prefix="cohort-clinvar-"))
    knowledge_base_release_register(
        clinvar_path=write_release([], directory=folder, release="2025-10")
    )
    made = []
    for i in range(count):
        person = ParticipantFactory(
            legal_first_name="Ana",
            legal_last_name=f"Cohort{i}",
            user__email=f"cohort{i}@example.org",
        )
        give_gror(person)
        results_preference_set(
            participant=person, actor=person.user, pgx="yes", disease_risk="yes", traits="yes"
        )
        made.append({"research_id": person.research_id, "email": person.user.email})
    _drain_consent_pdfs()
    Path(out).write_text(json.dumps(made))


def ingest(prefix: str, ids_file: str, vcf_dir: str) -> None:
    from participants.models import User
    from results.manifests import UploadedFiles, sample_manifest_ingest
    from tests.results.workflow.helpers import KGP_SAMPLES, manifest_csv, renamed_vcf, upload

    manager, _ = User.objects.get_or_create(email="datamanager@example.org", is_staff=True)
    rows, files = [], []
    for i, research_id in enumerate(json.loads(Path(ids_file).read_text())):
        sample_id = f"{prefix}{i:04d}"
        path = renamed_vcf(KGP_SAMPLES[i % len(KGP_SAMPLES)], sample_id, Path(vcf_dir))
        rows.append((research_id, sample_id, path.name, ""))
        files.append(upload(path))
    started = time.time()
    outcome = sample_manifest_ingest(
        actor=manager,
        manifest_bytes=manifest_csv(rows),
        manifest_name=f"{prefix}.csv",
        files=UploadedFiles(files),
    )
    if outcome.errors:
        raise SystemExit(f"manifest refused rows: {outcome.errors}")
    print(json.dumps({"started": started, "samples": len(rows)}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "people":
        people(int(args[0]), args[1])
    elif command == "ingest":
        ingest(*args)
    else:
        raise SystemExit(f"unknown command {command}")
